/* SPDX-License-Identifier: MIT */
/* The data center's residual-PHI re-check of one de-identified instance before import. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/deid/deid.h"
#include "center/fetch/import.h"
#include "pdi/dicom/dcm.h"

#define CHECK_MAX_ELEMS 4096

static int is_private_creator(uint32_t tag)
{
	return (PDG_TAG_GROUP(tag) & 1) && PDG_TAG_ELEM(tag) >= 0x10 && PDG_TAG_ELEM(tag) <= 0xff;
}

/* The Contributing Equipment item the engine adds to say it de-identified (PS3.15 E.1.1). */
static int is_ours(uint32_t seq, struct pdg_dcm_item *sub)
{
	char v[16];

	return seq == PDG_TAG(0x0018, 0xa001) &&
	       pdg_dcm_get_string(sub, PDG_TAG(0x0008, 0x0070), v, sizeof(v), NULL) == PDG_OK &&
	       !strcmp(v, "pdigate");
}

/*
 * Walk item (and every sequence item below it): an attribute the profile removes must be
 * absent, one it empties must be empty. Private creators are left to their blocks (PS3.5
 * 7.8.1: a kept private element keeps its creator). Returns a reason or NULL.
 */
static const char *walk(const struct pdg_deid_ctx *ctx, struct pdg_dcm_item *item, int depth,
			uint32_t *bad)
{
	struct pdg_dcm_elem *e;
	const char *why = NULL;
	size_t n = 0;

	if (depth > PDG_DCM_MAX_DEPTH)
		return "the instance nests sequences too deeply";
	e = malloc(CHECK_MAX_ELEMS * sizeof(*e));
	if (!e)
		return "out of memory while checking the instance";
	if (pdg_dcm_list(item, e, CHECK_MAX_ELEMS, &n, NULL) || n > CHECK_MAX_ELEMS)
		why = "the instance has too many attributes to check";
	for (size_t i = 0; !why && i < n; i++) {
		struct pdg_deid_rule r = pdg_deid_rule_for(ctx, e[i].tag, NULL);

		if (PDG_TAG_ELEM(e[i].tag) == 0 || is_private_creator(e[i].tag))
			continue;
		*bad = e[i].tag;
		if (r.act == PDG_ACT_REMOVE)
			why = (PDG_TAG_GROUP(e[i].tag) & 1) ?
				      "a private attribute the profile removes is present" :
				      "an attribute the profile removes is present";
		else if (r.act == PDG_ACT_EMPTY && e[i].length)
			why = "an attribute the profile empties has a value";
		else if (!strcmp(e[i].vr, "SQ"))
			for (size_t k = 0; !why && k < e[i].length; k++) {
				struct pdg_dcm_item *sub = pdg_dcm_seq_item(item, e[i].tag, k);

				if (sub && !is_ours(e[i].tag, sub))
					why = walk(ctx, sub, depth + 1, bad);
			}
	}
	free(e);
	return why;
}

static int get(struct pdg_dcm_item *ds, uint32_t tag, char *buf, size_t cap)
{
	return pdg_dcm_get_string(ds, tag, buf, cap, NULL) == PDG_OK && buf[0];
}

const char *pdg_import_check(const struct pdg_deid_ctx *ctx, struct pdg_import_inst *in)
{
	struct pdg_dcm *dcm = NULL;
	struct pdg_dcm_item *ds;
	const char *why = NULL;
	uint32_t bad = 0;
	char v[16];

	if (pdg_dcm_read(in->path, PDG_DCM_READ_LAZY, &dcm, NULL))
		return "the instance cannot be read as DICOM";
	ds = pdg_dcm_dataset(dcm);
	/* PS3.15 E.1: every de-identified object says so */
	if (!get(ds, PDG_TAG(0x0012, 0x0062), v, sizeof(v)) || strcmp(v, "YES"))
		why = "Patient Identity Removed (0012,0062) is not YES";
	else if (!get(ds, PDG_TAG(0x0008, 0x0016), in->sop_class, sizeof(in->sop_class)) ||
		 !get(ds, PDG_TAG(0x0008, 0x0018), in->sop_instance, sizeof(in->sop_instance)) ||
		 !get(ds, PDG_TAG(0x0020, 0x000d), in->study, sizeof(in->study)) ||
		 !get(ds, PDG_TAG(0x0020, 0x000e), in->series, sizeof(in->series)))
		why = "the instance lacks a SOP class, instance, study or series UID";
	else if (!(ctx->options & (1u << PDG_OPT_RTN_UIDS)) &&
		 (strncmp(in->sop_instance, "2.25.", 5) || strncmp(in->study, "2.25.", 5) ||
		  strncmp(in->series, "2.25.", 5)))
		why = "a UID was not replaced (the profile replaces UIDs with 2.25 UIDs)";
	if (!why && !get(ds, PDG_TAG(0x0010, 0x0020), in->patient, sizeof(in->patient)))
		in->patient[0] = '\0';
	if (!why)
		why = walk(ctx, pdg_dcm_meta(dcm), 0, &bad);
	if (!why)
		why = walk(ctx, ds, 0, &bad);
	if (why && bad) /* a tag number is not PHI: it helps the operator */
		snprintf(in->problem, sizeof(in->problem), "(%04X,%04X)", PDG_TAG_GROUP(bad),
			 PDG_TAG_ELEM(bad));
	else if (!why)
		why = pdg_deid_classify(ctx, dcm);
	pdg_dcm_free(dcm);
	return why;
}
