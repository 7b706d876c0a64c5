/* SPDX-License-Identifier: MIT */
/* pdigate-fetch: the data center's program; dispatches to one subcommand per file. */
#include "center/cmd/fetch/cmds.h"
#include "lib/cmdmain.h"
#include "lib/compiler.h"

static const struct pdg_subcommand commands[] = {
	{ "open", fetch_open, "Verify, decrypt and unpack a sealed package" },
	{ "import", fetch_import, "Re-check an opened package for PHI and import it" },
	{ "sync", fetch_sync, "Download, open, import and acknowledge released packages" },
};

int main(int argc, char **argv)
{
	static const struct pdg_program program = {
		"pdigate-fetch",
		"pdigate-fetch runs at the data center: it opens the packages that hospitals\n"
		"sealed for it, with its key and the paper token.\n",
		commands, PDG_ARRAY_SIZE(commands),
	};

	return pdg_program_main(&program, argc, argv);
}
