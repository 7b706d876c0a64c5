/* SPDX-License-Identifier: MIT */
/* The read and maintenance verbs of `pdigate-center admin` (admin_view.c). */
#ifndef PDG_CENTER_ADMIN_H
#define PDG_CENTER_ADMIN_H

#include "center/ledger/ledger.h"
#include "center/server/config.h"

/*
 * Run verb argv[0] (list, ledger, audit, check, purge, disable, enable) with its words
 * argv[1..argc). Sets *bad for a usage error. Returns the exit status: 0, or 1 with err set
 * (or 3 for `check` finding problems, which it prints).
 */
int pdg_center_admin_view(struct pdg_ledger *l, const struct pdg_center_config *cfg, int argc,
			  char **argv, const char *state, const char *package, const char *now,
			  int json, int *bad, struct pdg_err *err);

#endif
