/* SPDX-License-Identifier: MIT */
/* Functions shared by the files of appliance/home/ and its tests, not by other modules. */
#ifndef PDG_HOME_INTERNAL_H
#define PDG_HOME_INTERNAL_H

#include "appliance/home/home.h"

/*
 * Write cfg as home/config.ini, atomically; flags as for pdg_write_atomic
 * (PDG_WRITE_NOREPLACE at init). Errors: PDG_E_LIMIT, PDG_E_EXISTS, PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_home_config_write(const char *home,
						   const struct pdg_home_config *cfg, int flags,
						   struct pdg_err *err);

#endif
