/* SPDX-License-Identifier: MIT */
/* The subcommands of `pdigate-center`, one file each in center/cmd/center/. */
#ifndef PDG_CENTER_CMDS_H
#define PDG_CENTER_CMDS_H

/* Each returns the exit status (docs/exit-codes.md). */
int center_serve(int argc, char **argv);
int center_redeem(int argc, char **argv);
int center_admin(int argc, char **argv);

#endif
