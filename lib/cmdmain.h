/* SPDX-License-Identifier: MIT */
/* The main() of every pdigate program: dispatch to one subcommand per file. */
#ifndef PDG_LIB_CMDMAIN_H
#define PDG_LIB_CMDMAIN_H

#include <stddef.h>

struct pdg_subcommand {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the subcommand's name */
	const char *help;                 /* one line for the usage text */
};

struct pdg_program {
	const char *name;  /* "pdigate-center": log prefix, usage and version line */
	const char *about; /* what the program does, ending in a newline */
	const struct pdg_subcommand *cmds;
	size_t ncmds;
};

/*
 * Run program p on the process arguments: no command prints the usage on stderr (2);
 * --help, -h and help print it on stdout; --version prints "NAME VERSION"; a known
 * command runs with argv shifted by one; an unknown one is a usage error (2). The
 * exit status of the command is returned, or 1 when its standard output could not be
 * written (it carries the result). Unlike the rest of lib/, this prints: it is the
 * programs' own front door.
 */
int pdg_program_main(const struct pdg_program *p, int argc, char **argv);

#endif
