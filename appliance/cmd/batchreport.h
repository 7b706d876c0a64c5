/* SPDX-License-Identifier: MIT */
/* What `pdigate deid` and `pdigate export` say about one batch: the human summary and JSON. */
#ifndef PDG_APPLIANCE_CMD_BATCHREPORT_H
#define PDG_APPLIANCE_CMD_BATCHREPORT_H

#include <stdio.h>

#include <jansson.h>

#include "appliance/batch/batch.h"

/*
 * Print the summary of batch b to out: the inputs, each outcome with its reasons and counts,
 * and the re-identification risk report (counts and attribute names only, never a value).
 * where, when not NULL, is one more line saying where the files not exported are kept.
 */
void pdg_batch_report_print(FILE *out, const struct pdg_batch *b, const char *project,
			    const char *profile, const char *where);

/*
 * Add the batch's counts to the JSON object doc: "inputs", "exported", "quarantined",
 * "skipped", "failed", "reasons" (outcome, reason, count) and "risk" (docs/json-schema.md).
 * Allocation failures leave members out; doc stays valid.
 */
void pdg_batch_report_json(json_t *doc, const struct pdg_batch *b);

#endif
