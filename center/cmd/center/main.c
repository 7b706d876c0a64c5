/* SPDX-License-Identifier: MIT */
/* pdigate-center: the service center's program; dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "center/cmd/center/cmds.h"
#include "lib/compiler.h"
#include "lib/log.h"
#include "lib/version.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "serve", center_serve, "Run the HTTPS API (uploads, redeem, downloads)" },
	{ "redeem", center_redeem, "Release packages by scanning their tokens (scan desk)" },
	{ "admin", center_admin, "Register principals, show the ledger, purge" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pdigate-center <command> [<args>]\n\n"
		   "pdigate-center runs the service center: it keeps sealed packages (ciphertext\n"
		   "only) from upload stations and releases each to its project's data center\n"
		   "when the paper token is scanned.\n\ncommands:\n");
	for (size_t i = 0; i < PDG_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'pdigate-center <command> --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	int rc = 2;

	pdg_log_set_prog("pdigate-center");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		rc = 0;
	} else if (!strcmp(argv[1], "--version")) {
		printf("pdigate-center %s\n", PDG_VERSION);
		rc = 0;
	} else {
		size_t i;

		for (i = 0; i < PDG_ARRAY_SIZE(commands); i++)
			if (!strcmp(argv[1], commands[i].name))
				break;
		if (i == PDG_ARRAY_SIZE(commands)) {
			pdg_log(PDG_LOG_ERR, "'%s' is not a pdigate-center command", argv[1]);
			return 2;
		}
		rc = commands[i].fn(argc - 1, argv + 1);
	}
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		pdg_log(PDG_LOG_ERR, "cannot write the output");
		return rc ? rc : 1;
	}
	return rc;
}
