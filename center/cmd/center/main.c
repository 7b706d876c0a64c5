/* SPDX-License-Identifier: MIT */
/* pdigate-center: the service center's program; dispatches to one subcommand per file. */
#include "center/cmd/center/cmds.h"
#include "lib/cmdmain.h"
#include "lib/compiler.h"

static const struct pdg_subcommand commands[] = {
	{ "serve", center_serve, "Run the HTTPS API (uploads, redeem, downloads)" },
	{ "redeem", center_redeem, "Release packages by scanning their tokens (scan desk)" },
	{ "admin", center_admin, "Register principals, show the ledger, purge" },
};

int main(int argc, char **argv)
{
	static const struct pdg_program program = {
		"pdigate-center",
		"pdigate-center runs the service center: it keeps sealed packages (ciphertext\n"
		"only) from upload stations and releases each to its project's data center\n"
		"when the paper token is scanned.\n",
		commands, PDG_ARRAY_SIZE(commands),
	};

	return pdg_program_main(&program, argc, argv);
}
