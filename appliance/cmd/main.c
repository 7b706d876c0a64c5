/* SPDX-License-Identifier: MIT */
/* pdigate: the appliance program; dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "appliance/cmd/cmds.h"
#include "lib/compiler.h"
#include "lib/log.h"
#include "lib/version.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
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

static void usage(FILE *f)
{
	fprintf(f, "usage: pdigate <command> [<args>]\n\n"
		   "pdigate runs on the hospital appliance: it de-identifies studies and\n"
		   "exports them as sealed IHE PDI packages.\n\ncommands:\n");
	for (size_t i = 0; i < PDG_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'pdigate <command> --help' describes one command.\n");
}

static int finish(int rc)
{
	/* stdout carries the result: a failed write of it is a failure (git run_builtin) */
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		pdg_log(PDG_LOG_ERR, "cannot write the output");
		return rc ? rc : 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	pdg_log_set_prog("pdigate");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish(0);
	}
	if (!strcmp(argv[1], "--version"))
		return finish(cmd_version(argc - 1, argv + 1));
	for (size_t i = 0; i < PDG_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return finish(commands[i].fn(argc - 1, argv + 1));
	pdg_log(PDG_LOG_ERR, "'%s' is not a pdigate command; see 'pdigate --help'", argv[1]);
	return 2;
}
