/* SPDX-License-Identifier: MIT */
/*
 * The data center's sync with the service center (docs/center-api.md): list the packages
 * released to it, download each one with resume (Range), check the appliance's signature and
 * every hash, take the release token the center sealed to this data center, open both layers,
 * re-check for PHI and import into research storage, and acknowledge only when the target
 * confirmed every instance. Every step can be repeated: a new run continues where one stopped.
 */
#ifndef PDG_FETCH_SYNC_H
#define PDG_FETCH_SYNC_H

#include <stddef.h>

#include "center/client/https.h"
#include "center/fetch/import.h"
#include "center/fetch/open.h"
#include "lib/err.h"

#define PDG_SYNC_MAX_PACKAGES 1024

struct pdg_sync_opts {
	struct pdg_https *h;
	const char *identity_path;   /* the data center's age identity */
	const char *appliance_key;   /* one appliance public key, or */
	const char *keys_dir;        /* registered keys: <dir>/<appliance id>.pub */
	const char *work_dir;        /* downloads and opened packages (kept until acknowledged) */
	const struct pdg_import_target *target;
	const char *quarantine_dir;  /* may be NULL */
	unsigned retries;            /* resume a broken download this many times */
	int keep;                    /* keep the work files after acknowledging */
	/* steps and problems, for the operator (may be NULL); no PHI, no secrets */
	void (*report)(void *ctx, const char *pkg, const char *what);
	void *report_ctx;
};

/* How far one package got. */
enum pdg_sync_stage {
	PDG_SYNC_NONE = 0,
	PDG_SYNC_DOWNLOADED,
	PDG_SYNC_OPENED,
	PDG_SYNC_IMPORTED,     /* every instance confirmed by the target */
	PDG_SYNC_ACKNOWLEDGED,
};

struct pdg_sync_result {
	char id[PDG_MEDIUM_PKGID_MAX];
	char project[64];
	enum pdg_sync_stage stage;
	enum pdg_open_failure open_failure;  /* when opening failed */
	struct pdg_import_result import;
};

/*
 * The ids of the packages released to this data center and not yet acknowledged, into
 * ids[0..cap), count in *n. PDG_E_NET (no answer), PDG_E_POLICY (the center refused us).
 */
PDG_MUST_CHECK enum pdg_code pdg_sync_list(struct pdg_https *h,
					   char (*ids)[PDG_MEDIUM_PKGID_MAX], size_t cap,
					   size_t *n, struct pdg_err *err);

/*
 * Take one package as far as it goes (see the file comment); r->stage says how far. Returns
 * PDG_OK only when acknowledged. An import with quarantined or unconfirmed instances is not
 * acknowledged: PDG_E_POLICY, r->import says what happened.
 */
PDG_MUST_CHECK enum pdg_code pdg_sync_package(const struct pdg_sync_opts *o, const char *id,
					      struct pdg_sync_result *r, struct pdg_err *err);

#endif
