/* SPDX-License-Identifier: MIT */
/* Built-in de-identification profiles, the Annex E options, and rule resolution. */
#ifndef PDG_DEID_PROFILE_H
#define PDG_DEID_PROFILE_H

#include <stdint.h>

#include "appliance/deid/deid.h"

/* A profile's own per-attribute rule (below the project INI overrides). */
struct pdg_deid_builtin {
	uint32_t tag;
	uint8_t act; /* enum pdg_deid_act */
};

struct pdg_deid_profile {
	const char *id;
	const char *title;                 /* one line, ASCII, for (0012,0063) */
	uint32_t options;                  /* bit (1u << enum pdg_deid_opt) */
	int per_batch;                     /* linking codes scoped to one batch */
	int age_limit;                     /* ages >= this many years are top-coded; 0 = off */
	const struct pdg_deid_builtin *builtin;
	size_t nbuiltin;
};

/* The built-in profile with this id, or NULL. */
const struct pdg_deid_profile *pdg_deid_profile_find(const char *id);

/* Number of built-in profiles and profile i (for listings). */
size_t pdg_deid_profile_count(void);
const struct pdg_deid_profile *pdg_deid_profile_at(size_t i);

/*
 * Option names used in the INI ("retain-uids"...), their CID 7050 code value ("113110") and
 * code meaning. opt must be < PDG_OPT_COUNT.
 */
const char *pdg_deid_opt_name(enum pdg_deid_opt opt);
const char *pdg_deid_opt_code(enum pdg_deid_opt opt);
const char *pdg_deid_opt_meaning(enum pdg_deid_opt opt);

/* The option with this INI name, or -1. */
int pdg_deid_opt_parse(const char *name);

/*
 * Resolve one table row under a set of options (PS3.15 E.1.1, E.3; precedence and the
 * compound-code rule in docs/deid-profiles.md). Pure function of its arguments.
 */
struct pdg_deid_rule pdg_deid_resolve_row(const struct pdg_deid_row *row, uint32_t options);

/* The rule a basic-profile code stands for when the attribute is present. */
uint8_t pdg_deid_act_of_code(enum pdg_deid_code code);

/* Name of an action as written in the INI ("keep", "remove", ...). */
const char *pdg_deid_act_name(enum pdg_deid_act act);

#endif
