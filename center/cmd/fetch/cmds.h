/* SPDX-License-Identifier: MIT */
/* The subcommands of `pdigate-fetch`, one file each in center/cmd/fetch/. */
#ifndef PDG_FETCH_CMDS_H
#define PDG_FETCH_CMDS_H

/* Each returns the exit status (docs/exit-codes.md). */
int fetch_open(int argc, char **argv);

#endif
