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
#define PDG_HOME_DEFAULT "/var/lib/pdigate"
#define PDG_TIME_MAX 32       /* "YYYY-MM-DDTHH:MM:SSZ" and NUL */
#define PDG_APPLIANCE_ID_MAX 37 /* UUID v4 text and NUL */

/* Names inside the home (docs/appliance-home.md). */
#define PDG_HOME_CONFIG "config.ini"
#define PDG_HOME_KEYS "keys"
#define PDG_HOME_PROJECTS "projects"
#define PDG_HOME_STATE "state"            /* for other modules: catalog, jobs, spool */
#define PDG_HOME_LINKTAB "linktab"
#define PDG_HOME_SIGNING_SEC "keys/appliance.sec" /* signify secret key, no passphrase */
#define PDG_HOME_SIGNING_PUB "keys/appliance.pub"
#define PDG_HOME_ADMIN_KEY "keys/admin.age"       /* admin age identity, passphrase-sealed */

struct pdg_project {
	char name[PDG_NAME_MAX];
	char profile[32];             /* "ps315-basic", "jp-pseudonymized", "jp-anonymized" */
	char ini_path[4096];          /* the project's INI file (options, per-attribute overrides) */
	uint8_t secret[PDG_SECRET_BYTES];
	char recipients[PDG_MAX_RECIPIENTS][PDG_RECIPIENT_MAX];
	size_t nrecipients;
	char created[PDG_TIME_MAX];   /* when `project add` ran, UTC */
};

/* What config.ini says (docs/appliance-home.md). */
struct pdg_home_config {
	char site[PDG_NAME_MAX];
	char appliance_id[PDG_APPLIANCE_ID_MAX];  /* random UUID v4, fixed at init */
	char created[PDG_TIME_MAX];
	char admin_recipient[PDG_RECIPIENT_MAX]; /* link-table recipient "age1..."; "" if none */
};

/* The home folder: override if not NULL, else $PDIGATE_HOME, else /var/lib/pdigate. */
const char *pdg_home_path(const char *override);

/*
 * Create a new home for site at path (refuses an existing non-empty home: PDG_E_EXISTS).
 * The home is built in a temporary folder beside path and renamed into place, so after a
 * crash it is either complete or absent. This home has no administrator key, so its link
 * table refuses records (PDG_E_POLICY): `pdigate init` uses pdg_home_init_admin.
 * Errors: PDG_E_INVALID (bad site name), PDG_E_EXISTS, PDG_E_IO, PDG_E_CRYPTO.
 */
PDG_MUST_CHECK enum pdg_code pdg_home_init(const char *path, const char *site, struct pdg_err *err);

/*
 * As pdg_home_init, and also create the administrator's link-table key: a fresh X25519 age
 * identity whose recipient goes into config.ini ([linktab] recipient) and which is stored in
 * keys/admin.age in age-keygen's format, age-encrypted with admin_passphrase (an scrypt
 * recipient, so the reference `age -d` opens it). admin_passphrase is NUL-terminated and has
 * at least PDG_ADMIN_PASSPHRASE_MIN bytes (else PDG_E_POLICY); the caller wipes it.
 */
#define PDG_ADMIN_PASSPHRASE_MIN 12
PDG_MUST_CHECK enum pdg_code pdg_home_init_admin(const char *path, const char *site,
						 const char *admin_passphrase,
						 struct pdg_err *err);

/* Read home/config.ini into *out. No home there: PDG_E_NOTFOUND; malformed: PDG_E_INVALID. */
PDG_MUST_CHECK enum pdg_code pdg_home_config_load(const char *home, struct pdg_home_config *out,
						  struct pdg_err *err);

/*
 * True if name is a valid project or site name: 1..63 characters of [A-Za-z0-9_.-], not
 * starting with '.' or '-' (so it is a safe file name and never an option).
 */
int pdg_name_valid(const char *name);

/* True if profile is a built-in de-identification profile id. */
int pdg_profile_known(const char *profile);

/* True if s is a well-formed age X25519 recipient ("age1" + bech32, checksum verified). */
int pdg_recipient_valid(const char *s);

/* Add project name with a fresh random secret; profile must be a built-in profile id. */
PDG_MUST_CHECK enum pdg_code pdg_project_add(const char *home, const char *name,
					     const char *profile, const char *const *recipients,
					     size_t nrecipients, struct pdg_err *err);

/* Load project name from home into *out. Unknown project: PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_project_load(const char *home, const char *name,
					      struct pdg_project *out, struct pdg_err *err);

/*
 * As pdg_project_load but without reading the secret (out->secret is all zero): for
 * listing and showing a project. Unknown project: PDG_E_NOTFOUND.
 */
PDG_MUST_CHECK enum pdg_code pdg_project_describe(const char *home, const char *name,
						  struct pdg_project *out, struct pdg_err *err);

/*
 * Call fn once per project of home, in name order, with the project described as by
 * pdg_project_describe (no secret). A non-zero code from fn stops the walk and is returned.
 */
PDG_MUST_CHECK enum pdg_code pdg_project_each(const char *home,
					      enum pdg_code (*fn)(const struct pdg_project *p,
								  void *arg, struct pdg_err *err),
					      void *arg, struct pdg_err *err);

/* Wipe the secret held in *p (call after last use, also on error paths). */
void pdg_project_wipe(struct pdg_project *p);

#endif
