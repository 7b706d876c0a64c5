/* SPDX-License-Identifier: MIT */
/* k-anonymity of a batch's exported patients over the remaining quasi-identifiers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/batch/risk.h"

enum { ATTR_SEX, ATTR_AGE, ATTR_BIRTH, ATTR_STUDY, ATTR_MODALITY };

const char *const pdg_risk_attr_names[PDG_RISK_NATTR] = {
	"sex", "age", "birth year-month", "study year-month", "modality",
};

void pdg_risk_set(struct pdg_risk_record *rec, unsigned attr, const char *raw)
{
	size_t len, cap = PDG_RISK_VAL_MAX - 1;

	if (attr >= PDG_RISK_NATTR)
		return;
	if (!raw)
		raw = "";
	while (*raw == ' ')
		raw++;
	len = strlen(raw);
	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\0'))
		len--;
	if ((attr == ATTR_BIRTH || attr == ATTR_STUDY) && len > 6)
		len = 6; /* YYYYMM of a DA value */
	if (len > cap)
		len = cap;
	memcpy(rec->qi[attr], raw, len);
	rec->qi[attr][len] = '\0';
}

static int cmp_patient(const void *a, const void *b)
{
	const struct pdg_risk_record *x = a, *y = b;
	int c = strcmp(x->patient, y->patient);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int cmp_qi(const void *a, const void *b)
{
	const struct pdg_risk_record *x = a, *y = b;

	for (unsigned i = 0; i < PDG_RISK_NATTR; i++) {
		int c = strcmp(x->qi[i], y->qi[i]);

		if (c)
			return c;
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

enum pdg_code pdg_risk_compute(struct pdg_risk_record *v, size_t n, unsigned threshold,
			       struct pdg_risk_report *out, struct pdg_err *err)
{
	size_t np = 0, *sizes;

	*out = (struct pdg_risk_report){ .threshold = threshold ? threshold : PDG_RISK_K_DEFAULT };
	if (!n)
		return PDG_OK;
	/* one record per patient: the first in batch order */
	qsort(v, n, sizeof(*v), cmp_patient);
	for (size_t i = 0; i < n; i++)
		if (!np || strcmp(v[np - 1].patient, v[i].patient))
			v[np++] = v[i];
	out->patients = np;
	sizes = calloc(np, sizeof(*sizes));
	if (!sizes)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory computing the risk report");
	qsort(v, np, sizeof(*v), cmp_qi);
	for (size_t i = 0; i < np; i++) {
		if (!i || cmp_qi(&v[i - 1], &v[i]))
			out->classes++;
		sizes[out->classes - 1]++;
	}
	qsort(sizes, out->classes, sizeof(*sizes), cmp_size);
	out->k = sizes[0];
	for (size_t c = 0; c < out->classes; c++) {
		if (c < PDG_RISK_SMALLEST)
			out->smallest[out->nsmallest++] = sizes[c];
		if (sizes[c] == 1)
			out->unique++;
		if (sizes[c] < out->threshold)
			out->below += sizes[c];
	}
	out->warn = out->k < out->threshold;
	free(sizes);
	return PDG_OK;
}

void pdg_risk_warning(const struct pdg_risk_report *rep, char *buf, size_t cap)
{
	char attrs[128] = "";
	size_t len = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	if (!rep->warn)
		return;
	for (unsigned i = 0; i < PDG_RISK_NATTR && len < sizeof(attrs); i++)
		len += (size_t)snprintf(attrs + len, sizeof(attrs) - len, "%s%s", i ? ", " : "",
					pdg_risk_attr_names[i]);
	if (rep->k == 1 && rep->below == rep->unique)
		snprintf(buf, cap, "%zu patient%s %s unique on %s (k = 1, threshold %u)",
			 rep->unique, rep->unique == 1 ? "" : "s", rep->unique == 1 ? "is" : "are",
			 attrs, rep->threshold);
	else
		snprintf(buf, cap,
			 "%zu patient%s %s in groups of fewer than %u on %s, %zu of them unique "
			 "(k = %zu, threshold %u)",
			 rep->below, rep->below == 1 ? "" : "s", rep->below == 1 ? "is" : "are",
			 rep->threshold, attrs, rep->unique, rep->k, rep->threshold);
}
