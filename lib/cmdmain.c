/* SPDX-License-Identifier: MIT */
/* The main() of every pdigate program: dispatch to one subcommand per file. */
#include "lib/cmdmain.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/version.h"

static void usage(const struct pdg_program *p, FILE *f)
{
	int width = 0;

	for (size_t i = 0; i < p->ncmds; i++)
		if ((int)strlen(p->cmds[i].name) > width)
			width = (int)strlen(p->cmds[i].name);
	fprintf(f, "usage: %s <command> [<args>]\n\n%s\ncommands:\n", p->name, p->about);
	for (size_t i = 0; i < p->ncmds; i++)
		fprintf(f, "  %-*s %s\n", width + 2, p->cmds[i].name, p->cmds[i].help);
	fprintf(f, "\n'%s <command> --help' describes one command.\n", p->name);
}

/* stdout carries the result: a failed write of it is a failure (git run_builtin) */
static int finish(int rc)
{
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		pdg_log(PDG_LOG_ERR, "cannot write the output");
		return rc ? rc : 1;
	}
	return rc;
}

int pdg_program_main(const struct pdg_program *p, int argc, char **argv)
{
	pdg_log_set_prog(p->name);
	if (argc < 2) {
		usage(p, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(p, stdout);
		return finish(0);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("%s %s\n", p->name, PDG_VERSION);
		return finish(0);
	}
	for (size_t i = 0; i < p->ncmds; i++)
		if (!strcmp(argv[1], p->cmds[i].name))
			return finish(p->cmds[i].fn(argc - 1, argv + 1));
	pdg_log(PDG_LOG_ERR, "'%s' is not a %s command; see '%s --help'", argv[1], p->name,
		p->name);
	return 2;
}
