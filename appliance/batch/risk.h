/* SPDX-License-Identifier: MIT */
/*
 * Re-identification risk of one batch: k-anonymity of the exported patients over the
 * quasi-identifiers left in the de-identified instances. Only counts leave this module.
 */
#ifndef PDG_BATCH_RISK_H
#define PDG_BATCH_RISK_H

#include <stddef.h>

#include "lib/err.h"

#define PDG_RISK_NATTR 5          /* sex, age, birth year-month, study year-month, modality */
#define PDG_RISK_VAL_MAX 17       /* bytes of one value as kept, NUL included */
#define PDG_RISK_ID_MAX 68        /* bytes of the exported Patient ID, NUL included */
#define PDG_RISK_SMALLEST 5       /* how many of the smallest class sizes are reported */
#define PDG_RISK_K_DEFAULT 5      /* threshold when the project sets none */

/* The quasi-identifiers of one exported instance, as written (values: not PHI by design,
 * but never printed). order: position in the batch; the first instance of a patient wins. */
struct pdg_risk_record {
	char patient[PDG_RISK_ID_MAX];                  /* exported Patient ID (pseudonym) */
	char qi[PDG_RISK_NATTR][PDG_RISK_VAL_MAX];
	size_t order;
};

struct pdg_risk_report {
	size_t patients;                     /* distinct exported Patient IDs */
	size_t k;                            /* smallest class size; 0 when no patient */
	size_t classes;                      /* equivalence classes */
	size_t smallest[PDG_RISK_SMALLEST];  /* sizes of the smallest classes, ascending */
	size_t nsmallest;
	size_t unique;                       /* patients alone in their class */
	size_t below;                        /* patients in classes smaller than threshold */
	unsigned threshold;
	int warn;                            /* k < threshold (and at least one patient) */
};

/* Names of the attributes considered, in order, for messages and JSON (static strings). */
extern const char *const pdg_risk_attr_names[PDG_RISK_NATTR];

/*
 * Fill rec's qi[i] from the raw string value of attribute i (NULL or "" when absent):
 * dates keep their year and month (first 6 characters), all values lose surrounding spaces
 * and are cut to PDG_RISK_VAL_MAX - 1 bytes. Never fails.
 */
void pdg_risk_set(struct pdg_risk_record *rec, unsigned attr, const char *raw);

/*
 * Compute the report over the n records v (reordered in place; the caller still owns and
 * wipes them). A patient is one record: the one with the smallest order among its records.
 * threshold 0 means PDG_RISK_K_DEFAULT. PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_risk_compute(struct pdg_risk_record *v, size_t n,
					      unsigned threshold, struct pdg_risk_report *out,
					      struct pdg_err *err);

/*
 * The one-line human warning (no values) into buf, e.g. "2 patients are unique on sex, age,
 * ... (k = 1, threshold 5)"; an empty string when rep->warn is 0. Truncates to cap.
 */
void pdg_risk_warning(const struct pdg_risk_report *rep, char *buf, size_t cap);

#endif
