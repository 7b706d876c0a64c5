/* SPDX-License-Identifier: MIT */
/* What `pdigate deid` and `pdigate export` say about one batch: the human summary and JSON. */
#include "appliance/cmd/batchreport.h"

#include "lib/compiler.h"

/* Words for the summary: what happened to files with this outcome. */
static const char *outcome_words(enum pdg_outcome o)
{
	switch (o) {
	case PDG_OUTCOME_EXPORTED:
		return "de-identified";
	case PDG_OUTCOME_QUARANTINED:
		return "quarantined (original kept in the quarantine folder)";
	case PDG_OUTCOME_SKIPPED:
		return "skipped (not an image file, or could not be read at all)";
	case PDG_OUTCOME_FAILED:
		return "failed (output could not be written)";
	default:
		return "not processed";
	}
}

static void risk_print(FILE *out, const struct pdg_risk_report *rep)
{
	char line[512];

	if (!rep->patients)
		return;
	fprintf(out, "  %6zu patient%s in %zu group%s by sex, age, birth and study month, "
		     "modality (k = %zu)\n", rep->patients, rep->patients == 1 ? "" : "s",
		rep->classes, rep->classes == 1 ? "" : "s", rep->k);
	pdg_risk_warning(rep, line, sizeof(line));
	if (line[0])
		fprintf(out, "pdigate: warning: %s\n", line);
}

void pdg_batch_report_print(FILE *out, const struct pdg_batch *b, const char *project,
			    const char *profile, const char *where)
{
	static const enum pdg_outcome order[] = { PDG_OUTCOME_EXPORTED, PDG_OUTCOME_QUARANTINED,
						  PDG_OUTCOME_SKIPPED, PDG_OUTCOME_FAILED };
	const size_t counts[] = { b->exported, b->quarantined, b->skipped, b->failed };

	fprintf(out, "pdigate: %zu input%s, project '%s', profile %s\n", b->in.n,
		b->in.n == 1 ? "" : "s", project, profile);
	for (size_t o = 0; o < PDG_ARRAY_SIZE(order); o++) {
		if (!counts[o] && order[o] != PDG_OUTCOME_EXPORTED)
			continue;
		fprintf(out, "  %6zu %s\n", counts[o], outcome_words(order[o]));
		for (size_t t = 0; t < b->ntally; t++)
			if (b->tally[t].outcome == order[o] && b->tally[t].reason)
				fprintf(out, "  %6s %6zu  %s\n", "", b->tally[t].count,
					b->tally[t].reason);
	}
	if (where && (b->quarantined || b->skipped))
		fprintf(out, "  %s\n", where);
	risk_print(out, &b->risk);
}

static json_t *risk_json(const struct pdg_risk_report *rep)
{
	json_t *o = json_object(), *attrs = json_array(), *small = json_array();

	for (unsigned i = 0; i < PDG_RISK_NATTR; i++)
		json_array_append_new(attrs, json_string(pdg_risk_attr_names[i]));
	for (size_t i = 0; i < rep->nsmallest; i++)
		json_array_append_new(small, json_integer((json_int_t)rep->smallest[i]));
	json_object_set_new(o, "attributes", attrs);
	json_object_set_new(o, "patients", json_integer((json_int_t)rep->patients));
	json_object_set_new(o, "k", json_integer((json_int_t)rep->k));
	json_object_set_new(o, "classes", json_integer((json_int_t)rep->classes));
	json_object_set_new(o, "smallest_classes", small);
	json_object_set_new(o, "unique_patients", json_integer((json_int_t)rep->unique));
	json_object_set_new(o, "patients_below_threshold", json_integer((json_int_t)rep->below));
	json_object_set_new(o, "threshold", json_integer((json_int_t)rep->threshold));
	json_object_set_new(o, "warning", json_boolean(rep->warn));
	return o;
}

void pdg_batch_report_json(json_t *doc, const struct pdg_batch *b)
{
	json_t *reasons = json_array();

	for (size_t t = 0; t < b->ntally; t++) {
		if (!b->tally[t].reason)
			continue;
		json_array_append_new(reasons,
				      json_pack("{s:s, s:s, s:I}", "outcome",
						pdg_outcome_name(b->tally[t].outcome), "reason",
						b->tally[t].reason, "count",
						(json_int_t)b->tally[t].count));
	}
	json_object_set_new(doc, "inputs", json_integer((json_int_t)b->in.n));
	json_object_set_new(doc, "exported", json_integer((json_int_t)b->exported));
	json_object_set_new(doc, "quarantined", json_integer((json_int_t)b->quarantined));
	json_object_set_new(doc, "skipped", json_integer((json_int_t)b->skipped));
	json_object_set_new(doc, "failed", json_integer((json_int_t)b->failed));
	json_object_set_new(doc, "reasons", reasons);
	json_object_set_new(doc, "risk", risk_json(&b->risk));
}
