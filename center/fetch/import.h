/* SPDX-License-Identifier: MIT */
/*
 * Importing an opened package into research storage: re-check every instance for residual
 * PHI, then hand the clean ones to a target — a folder tree, a DICOM archive by C-STORE or a
 * DICOMweb service by STOW-RS — and count an instance as imported only once the target
 * confirmed it (durable file, success status, listed in the referenced SOP sequence).
 */
#ifndef PDG_FETCH_IMPORT_H
#define PDG_FETCH_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_IMPORT_UID_MAX 65
#define PDG_IMPORT_PATH_MAX 4096

enum pdg_import_kind {
	PDG_IMPORT_FOLDER, /* folder:<dir> or a plain path */
	PDG_IMPORT_CSTORE, /* dicom://<AE>@<host>:<port> */
	PDG_IMPORT_STOW,   /* http(s)://host:port/<DICOMweb base>, e.g. .../dicom-web */
};

struct pdg_import_target {
	enum pdg_import_kind kind;
	char folder[PDG_IMPORT_PATH_MAX];  /* FOLDER: the research storage root */
	char host[256];                    /* CSTORE */
	unsigned port;
	char called_ae[17];
	char calling_ae[17];               /* "" = PDIGATE */
	char url[2048];                    /* STOW: the DICOMweb base URL (no trailing /studies) */
	const char *cacert, *cert, *key;   /* STOW over https: CA file, client cert and key */
	unsigned timeout;                  /* seconds per network operation (0: 30 / 300) */
};

/*
 * Parse a target text (forms above) into *t, zeroing it first. Unknown scheme, missing AE,
 * port out of range, names too long: PDG_E_INVALID.
 */
PDG_MUST_CHECK enum pdg_code pdg_import_target_parse(const char *text,
						     struct pdg_import_target *t,
						     struct pdg_err *err);

/* One instance of the package, as the importer sees it. The UIDs are PHI-free (keyed). */
struct pdg_import_inst {
	char path[PDG_IMPORT_PATH_MAX];         /* the file in the opened package */
	char rel[128];                          /* its path in the file set, DICOM/... */
	char patient[PDG_IMPORT_UID_MAX];       /* the pseudonymised Patient ID */
	char study[PDG_IMPORT_UID_MAX], series[PDG_IMPORT_UID_MAX];
	char sop_class[PDG_IMPORT_UID_MAX], sop_instance[PDG_IMPORT_UID_MAX];
	const char *quarantine;                 /* static reason, or NULL when clean */
	int confirmed;                          /* the target confirmed it */
	int already;                            /* FOLDER: the identical file was there */
	char problem[160];                      /* why the target did not confirm it */
};

struct pdg_import_result {
	size_t instances, imported, already, quarantined, failed;
};

struct pdg_import_opts {
	const char *package_dir;   /* the opened package (holds PDIGATE.JSN) */
	const char *project;       /* folder target: the first level of the tree */
	const char *quarantine_dir;/* quarantined instances are copied here; NULL = left out */
	const struct pdg_import_target *target;
	/* each quarantined or failed instance, for the operator (may be NULL); no PHI */
	void (*report)(void *ctx, const char *rel, const char *problem);
	void *report_ctx;
};

/*
 * Check and import every DICOM/ instance listed in package_dir/PDIGATE.JSN. Returns PDG_OK
 * when the run finished (r says how each instance fared: imported + already + quarantined +
 * failed == instances), or an error when the package cannot be read or the target cannot be
 * reached at all (PDG_E_NET). Importing is idempotent: a folder target skips identical files,
 * archives overwrite an instance with the same SOP Instance UID.
 */
PDG_MUST_CHECK enum pdg_code pdg_import_package(const struct pdg_import_opts *o,
						struct pdg_import_result *r,
						struct pdg_err *err);

/*
 * The residual-PHI check for one de-identified instance (see docs/operator-guide-datacenter.md
 * "PHI re-check"): ctx is set up for the profile named in the package. Returns a
 * static reason to quarantine, or NULL when the instance may be imported; on success fills
 * the instance's keys into *in. An unreadable instance gets a reason too.
 */
struct pdg_deid_ctx;
const char *pdg_import_check(const struct pdg_deid_ctx *ctx, struct pdg_import_inst *in);

/* Target drivers (import_folder.c, import_cstore.c, import_stow.c): set confirmed/problem. */
PDG_MUST_CHECK enum pdg_code pdg_import_to_folder(const struct pdg_import_opts *o,
						  struct pdg_import_inst *v, size_t n,
						  struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_import_to_cstore(const struct pdg_import_opts *o,
						  struct pdg_import_inst *v, size_t n,
						  struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_import_to_stow(const struct pdg_import_opts *o,
						struct pdg_import_inst *v, size_t n,
						struct pdg_err *err);

#endif
