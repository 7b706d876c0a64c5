/* SPDX-License-Identifier: MIT */
/* Clean Structured Content: prune SR content trees before the attribute walk (docs: "SR"). */
#include <string.h>

#include "appliance/deid/sr.h"
#include "pdi/dicom/dcm.h"

#define TAG_CONTENT_SEQ PDG_TAG(0x0040, 0xa730)
#define TAG_RELATIONSHIP PDG_TAG(0x0040, 0xa010)
#define TAG_VALUE_TYPE PDG_TAG(0x0040, 0xa040)
#define TAG_REF_CONTENT_ITEM PDG_TAG(0x0040, 0xdb73)

/*
 * Value types whose content the attribute walk can make safe: their text, names and dates are
 * attributes with rules (scrubbed or dummied, dates shifted), their UIDs keyed, their codes,
 * numbers and coordinates kept. PNAME is not here: a person name item goes whole.
 */
static int known_value_type(const char *vt)
{
	static const char *const known[] = {
		"CONTAINER", "TEXT",     "CODE",     "NUM",      "DATETIME", "DATE",   "TIME",
		"UIDREF",    "COMPOSITE", "IMAGE",   "WAVEFORM", "SCOORD",   "SCOORD3D", "TCOORD",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(vt, known[i]))
			return 1;
	return 0;
}

/*
 * Why a content item goes, or NULL when it stays (and is pruned in turn). Observation context
 * (HAS OBS CONTEXT: observer and subject context of TID 1001-1010, names, IDs, device and
 * subject UIDs, identifying codes) goes whole; so do person names and any value type we do not
 * know (fail closed). A by-reference item (no value type, a Referenced Content Item
 * Identifier) holds only numbers and stays.
 */
static int drops(struct pdg_dcm_item *it)
{
	char vt[32], rel[32];

	if (pdg_dcm_get_string(it, TAG_RELATIONSHIP, rel, sizeof(rel), NULL) == PDG_OK &&
	    !strcmp(rel, "HAS OBS CONTEXT"))
		return 1;
	if (pdg_dcm_get_string(it, TAG_VALUE_TYPE, vt, sizeof(vt), NULL) != PDG_OK || !vt[0])
		return !pdg_dcm_has(it, TAG_REF_CONTENT_ITEM);
	if (!strcmp(vt, "PNAME"))
		return 1;
	return !known_value_type(vt);
}

static enum pdg_code prune(struct pdg_dcm_item *item, int depth, unsigned *removed,
			   struct pdg_err *err)
{
	size_t n = pdg_dcm_seq_count(item, TAG_CONTENT_SEQ);
	enum pdg_code rc;

	if (depth > PDG_DCM_MAX_DEPTH)
		return pdg_err_set(err, PDG_E_LIMIT, "content items nested deeper than %d",
				   PDG_DCM_MAX_DEPTH);
	/* from the last item: removing one does not move those still to be looked at */
	for (size_t i = n; i-- > 0;) {
		struct pdg_dcm_item *child = pdg_dcm_seq_item(item, TAG_CONTENT_SEQ, i);

		if (!child)
			return pdg_err_set(err, PDG_E_INTERNAL, "content item vanished");
		if (drops(child)) {
			rc = pdg_dcm_seq_remove(item, TAG_CONTENT_SEQ, i, err);
			if (rc)
				return rc;
			(*removed)++;
			continue;
		}
		rc = prune(child, depth + 1, removed, err);
		if (rc)
			return rc;
	}
	/* Content Sequence is Type 1C (present when the item has children): none left, none */
	if (n && !pdg_dcm_seq_count(item, TAG_CONTENT_SEQ))
		return pdg_dcm_remove(item, TAG_CONTENT_SEQ, err);
	return PDG_OK;
}

enum pdg_code pdg_deid_sr_prune(struct pdg_dcm_item *ds, unsigned *removed, struct pdg_err *err)
{
	return prune(ds, 0, removed, err);
}

int pdg_deid_sr_class(const char *sop_class)
{
	static const char sr[] = "1.2.840.10008.5.1.4.1.1.88.";

	return !strncmp(sop_class, sr, sizeof(sr) - 1);
}

int pdg_deid_ko_class(const char *sop_class)
{
	return !strcmp(sop_class, "1.2.840.10008.5.1.4.1.1.88.59");
}
