/* SPDX-License-Identifier: MIT */
/* The subcommands of `pdigate-fetch`, one file each in center/cmd/fetch/. */
#ifndef PDG_FETCH_CMDS_H
#define PDG_FETCH_CMDS_H

/* Each returns the exit status (docs/exit-codes.md). */
int fetch_open(int argc, char **argv);
int fetch_import(int argc, char **argv);
int fetch_sync(int argc, char **argv);

struct pdg_import_result;
/* Print the summary line of an import run; returns its exit status (0, 3 or 9). */
int fetch_import_status(const struct pdg_import_result *r);

#endif
