/* SPDX-License-Identifier: MIT */
/*
 * The appliance home: one folder (0700) holding config, keys, project secrets and state.
 * Layout and file formats: docs/appliance-home.md.
 */
#ifndef PDG_HOME_H
#define PDG_HOME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_SECRET_BYTES 32   /* per-project HMAC-SHA256 key */
#define PDG_NAME_MAX 64       /* project and site names: [A-Za-z0-9_.-], 1..63 characters */
#define PDG_MAX_RECIPIENTS 8
#define PDG_RECIPIENT_MAX 128 /* "age1..." bech32 text */

struct pdg_project {
	char name[PDG_NAME_MAX];
	char profile[32];             /* "ps315-basic", "jp-pseudonymized", "jp-anonymized" */
	char ini_path[4096];          /* the project's INI file (options, per-attribute overrides) */
	uint8_t secret[PDG_SECRET_BYTES];
	char recipients[PDG_MAX_RECIPIENTS][PDG_RECIPIENT_MAX];
	size_t nrecipients;
};

/* The home folder: override if not NULL, else $PDIGATE_HOME, else /var/lib/pdigate. */
const char *pdg_home_path(const char *override);

/* Create a new home for site at path (refuses an existing non-empty home: PDG_E_EXISTS). */
PDG_MUST_CHECK enum pdg_code pdg_home_init(const char *path, const char *site, struct pdg_err *err);

/* Add project name with a fresh random secret; profile must be a built-in profile id. */
PDG_MUST_CHECK enum pdg_code pdg_project_add(const char *home, const char *name,
					     const char *profile, const char *const *recipients,
					     size_t nrecipients, struct pdg_err *err);

/* Load project name from home into *out. Unknown project: PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_project_load(const char *home, const char *name,
					      struct pdg_project *out, struct pdg_err *err);

/* Wipe the secret held in *p (call after last use, also on error paths). */
void pdg_project_wipe(struct pdg_project *p);

#endif
