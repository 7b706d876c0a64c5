/* SPDX-License-Identifier: MIT */
/*
 * The de-identification engine: PS3.15 Annex E profiles, keyed mappings, and the per-instance
 * apply and fail-closed classification used by `pdigate deid`. Algorithms and decisions are
 * documented in docs/deid-profiles.md; nothing here logs, and no message carries PHI.
 */
#ifndef PDG_DEID_H
#define PDG_DEID_H

#include <stddef.h>
#include <stdint.h>

#include "appliance/deid/table.h"
#include "appliance/home/home.h"
#include "lib/err.h"

struct pdg_dcm;
struct pdg_pixrules; /* pixel masking rules, see pixrules.h */

#define PDG_DEID_UID_MAX 65        /* 64 characters + NUL */
#define PDG_DEID_ID_MAX 65         /* LO: 64 characters + NUL */
#define PDG_DEID_PSEUDONYM_MAX 24  /* "P" + 16 base32 characters + NUL, with room */
#define PDG_DEID_BATCH_MAX 64      /* batch id: 1..63 characters */
#define PDG_DEID_SHIFT_MIN_DEFAULT (-365)
#define PDG_DEID_SHIFT_MAX_DEFAULT (-30)
#define PDG_DEID_SHIFT_LIMIT 36500 /* |days| bound for a configured range */

/* What happens to one attribute, after profile, options and overrides are resolved. */
enum pdg_deid_act {
	PDG_ACT_KEEP,      /* unchanged; a sequence is kept and its items are cleaned */
	PDG_ACT_REMOVE,    /* X */
	PDG_ACT_EMPTY,     /* Z: zero length (a sequence: no items) */
	PDG_ACT_DUMMY,     /* D: a fixed dummy valid for the VR (UI: the keyed UID) */
	PDG_ACT_UID,       /* U: the keyed UID, every value */
	PDG_ACT_CLEAN,     /* C: DA/DT shifted, TM kept, SQ kept and cleaned, else `fallback` */
	PDG_ACT_FIXED,     /* override: a fixed value from the project INI */
	PDG_ACT_PSEUDONYM, /* the keyed patient pseudonym */
	PDG_ACT_YEARMONTH, /* DA: YYYYMM01 of the original date (not shifted) */
	PDG_ACT_YEAR,      /* DA: YYYY0101 of the original; emptied when the age is top-coded */
	PDG_ACT_SHIFT,     /* DA/DT shifted by the patient's offset; others as CLEAN */
	PDG_ACT_AGE,       /* AS kept, top-coded at the profile's age limit */
	PDG_ACT_MAX
};

struct pdg_deid_rule {
	uint8_t act;       /* enum pdg_deid_act */
	uint8_t fallback;  /* for PDG_ACT_CLEAN on a VR that cannot be cleaned */
};

struct pdg_deid_override {
	uint32_t tag;
	struct pdg_deid_rule rule;
	char *value;       /* PDG_ACT_FIXED only; owned */
};

struct pdg_deid_profile; /* built-in profile, see profile.h */

struct pdg_deid_ctx {
	const struct pdg_deid_profile *profile;
	uint32_t options;            /* bit (1u << enum pdg_deid_opt) per chosen option */
	int shift_min, shift_max;    /* date shift range in days, inclusive; 0 is never used */
	unsigned k_threshold;        /* batch risk report: warn when k is below (INI k_threshold) */
	struct pdg_deid_rule *rules; /* one per pdg_deid_table row */
	struct pdg_deid_override *ovr; /* sorted by tag: profile built-ins merged with the INI */
	size_t novr;
	size_t nini_overrides;       /* how many came from the project INI */
	uint8_t secret[PDG_SECRET_BYTES];
	uint8_t key[PDG_SECRET_BYTES]; /* mapping key: the secret, or derived per batch */
	int have_key;
	char batch[PDG_DEID_BATCH_MAX];
	void *mac;                   /* EVP_MAC_CTX keyed with key, duplicated per use */
	struct pdg_pixrules *pixrules; /* Clean Pixel Data rules (project file + defaults); owned */
};

/*
 * The per-instance link record: the 削除情報等 of the MHLW guideline. patient_id is the
 * ORIGINAL Patient ID (PHI): store it only in the encrypted link table, never print or log it.
 * linkable is 0 for per-batch profiles (jp-anonymized): then nothing may be stored.
 */
struct pdg_deid_link {
	char patient_id[PDG_DEID_ID_MAX];
	char pseudonym[PDG_DEID_PSEUDONYM_MAX];
	int date_offset_days;
	int linkable;
};

/* What pdg_deid_apply did to one instance. The new UIDs are not PHI. */
struct pdg_deid_result {
	struct pdg_deid_link link;
	char sop_class_uid[PDG_DEID_UID_MAX];
	char sop_instance_uid[PDG_DEID_UID_MAX]; /* new */
	char study_uid[PDG_DEID_UID_MAX];        /* new */
	char series_uid[PDG_DEID_UID_MAX];       /* new */
	unsigned removed, emptied, replaced, kept_sequences;
	char pixel_rule[96];                     /* "NAME (origin)" when pixels were cleaned */
};

/*
 * Set up ctx for project: its built-in profile (project->profile), the options it implies,
 * then the project INI (project->ini_path; empty or absent file: profile defaults). The secret
 * is copied into ctx; release with pdg_deid_ctx_release (which wipes it), also after a failure.
 * Unknown profile, bad INI: PDG_E_INVALID / PDG_E_POLICY with the INI line in the message.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_ctx_init(struct pdg_deid_ctx *ctx,
					       const struct pdg_project *project,
					       struct pdg_err *err);

/* The same without a project: profile id, INI path (NULL or "" for none) and secret. */
PDG_MUST_CHECK enum pdg_code pdg_deid_ctx_init_with(struct pdg_deid_ctx *ctx, const char *profile,
						    const char *ini_path,
						    const uint8_t secret[PDG_SECRET_BYTES],
						    struct pdg_err *err);

/*
 * Name the batch (export job) this ctx works for. Profiles whose linking codes are scoped to
 * one batch (jp-anonymized) derive their mapping key from it, so the same patient gets
 * unrelated pseudonyms, UIDs and date offsets in two batches; they refuse to apply until it is
 * set (PDG_E_POLICY). Other profiles ignore it. batch: 1..63 printable ASCII characters.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_ctx_set_batch(struct pdg_deid_ctx *ctx, const char *batch,
						    struct pdg_err *err);

/* Free what ctx holds and wipe the keys. Safe on a zeroed or half-initialised ctx. */
void pdg_deid_ctx_release(struct pdg_deid_ctx *ctx);

/*
 * The effective rule for tag anywhere in a dataset (override, else table, else keep). A tag in
 * neither the overrides nor the table gets { PDG_ACT_KEEP, .fallback = PDG_ACT_MAX }.
 */
struct pdg_deid_rule pdg_deid_rule_for(const struct pdg_deid_ctx *ctx, uint32_t tag,
				       const char **fixed_value);

/*
 * De-identify dcm in place (dataset and meta header, recursively into every sequence item),
 * add the Patient Identity Removed / De-identification Method attributes, and fill *res.
 * Same input + same secret (+ same batch for per-batch profiles) = same output bytes.
 * On failure the object is half-edited: do not write it. res may hold the original patient ID
 * even on failure: wipe it with pdg_deid_result_wipe.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_apply(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm,
					    struct pdg_deid_result *res, struct pdg_err *err);

/* Wipe *res (it holds the original patient ID). */
void pdg_deid_result_wipe(struct pdg_deid_result *res);

/*
 * Fail-closed check before (and after) apply: a quarantine reason in plain words for the
 * technologist (static storage, no PHI), or NULL when the instance may be exported.
 * ctx may be NULL.
 */
const char *pdg_deid_classify(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm);

/*
 * The same check after pdg_deid_apply filled res: an image whose pixels a masking rule
 * cleaned (res->pixel_rule set) passes the burned-in text gate; everything else is checked
 * as before apply.
 */
const char *pdg_deid_classify_after(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm,
				    const struct pdg_deid_result *res);

/*
 * Keyed mappings (HMAC-SHA256 with ctx->key); see docs/deid-profiles.md "Mappings".
 * pdg_deid_map_uid: "2.25." + decimal of the first 128 bits of HMAC("uid:" + old).
 * pdg_deid_pseudonym: prefix ("P", "A" for per-batch) + 16 Crockford base32 characters of
 * HMAC("pid:" + patient key). pdg_deid_date_offset: HMAC("date:" + patient key) mapped into
 * [shift_min, shift_max] without 0 (0 when no dates are shifted).
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_map_uid(const struct pdg_deid_ctx *ctx, const char *old,
					      char out[PDG_DEID_UID_MAX], struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_deid_pseudonym(const struct pdg_deid_ctx *ctx,
						const char *patient_key,
						char out[PDG_DEID_PSEUDONYM_MAX],
						struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_deid_date_offset(const struct pdg_deid_ctx *ctx,
						  const char *patient_key, int *days,
						  struct pdg_err *err);

/*
 * Shift one DA value (YYYYMMDD) or one DT value (YYYYMMDD[HH[MM[SS[.F{1,6}]]]][&ZZXX]) by days,
 * keeping the time part and timezone. out needs cap >= strlen(in) + 1. Returns 0, or -1 when
 * the value is not a valid full date (callers then empty the attribute: fail closed).
 */
int pdg_deid_shift_da(const char *in, int days, char *out, size_t cap);
int pdg_deid_shift_dt(const char *in, int days, char *out, size_t cap);

#endif
