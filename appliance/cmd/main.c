/* SPDX-License-Identifier: MIT */
/* pdigate: the appliance program; dispatches to one subcommand per file. */
#include "appliance/cmd/cmds.h"
#include "lib/cmdmain.h"
#include "lib/compiler.h"

static const struct pdg_subcommand commands[] = {
	{ "audit", cmd_audit, "Verify or export the hash-chained audit log" },
	{ "token", cmd_token, "Read release tokens from a scanner, PNG or PDF" },
	{ "export", cmd_export, "De-identify and write a sealed package to a medium" },
	{ "keys", cmd_keys, "Show the appliance signing key" },
	{ "version", cmd_version, "Print the pdigate version" },
	{ "init", cmd_init, "Create the appliance home" },
	{ "project", cmd_project, "Add, list and show projects" },
	{ "pdi", cmd_pdi, "Build, zip and verify IHE PDI file sets" },
	{ "deid", cmd_deid, "De-identify files and folders into an output folder" },
	{ "receive", cmd_receive, "Receive studies from the PACS (DICOM storage SCP)" },
	{ "studies", cmd_studies, "List the studies in the catalog" },
	{ "import", cmd_import, "Import studies from a folder or a CD/DVD into the catalog" },
	{ "purge", cmd_purge, "Delete exported originals from the spool" },
	{ "media", cmd_media, "List, check and eject USB sticks" },
	{ "reid", cmd_reid, "Re-identify a pseudonym (administrator)" },
};

int main(int argc, char **argv)
{
	static const struct pdg_program program = {
		"pdigate",
		"pdigate runs on the hospital appliance: it de-identifies studies and\n"
		"exports them as sealed IHE PDI packages.\n",
		commands, PDG_ARRAY_SIZE(commands),
	};

	return pdg_program_main(&program, argc, argv);
}
