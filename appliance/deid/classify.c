/* SPDX-License-Identifier: MIT */
/* Fail-closed classification: instances the engine cannot make safe are quarantined. */
#include <string.h>

#include "appliance/deid/deid.h"
#include "appliance/deid/pixels.h"
#include "appliance/deid/sr.h"
#include "pdi/dicom/dcm.h"

#define SOP_PREFIX "1.2.840.10008.5.1.4.1.1."

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* SOP classes whose pixels routinely carry burned-in text (PS3.15 E.3.1 note: US, SC...). */
static int burn_in_class(const char *cls)
{
	static const char *const exact[] = {
		SOP_PREFIX "6",   SOP_PREFIX "6.1", SOP_PREFIX "6.2", /* US, US retired, Enh. US */
		SOP_PREFIX "3",   SOP_PREFIX "3.1",                   /* US multi-frame */
		SOP_PREFIX "7",   SOP_PREFIX "7.1", SOP_PREFIX "7.2", /* SC and multi-frame SC */
		SOP_PREFIX "7.3", SOP_PREFIX "7.4", NULL,
	};

	/* 77.x: VL endoscopic/microscopic/photographic/slide, video, ophthalmic, whole slide */
	return is_one_of(cls, exact) || has_prefix(cls, SOP_PREFIX "77.");
}

/* cleaned: a masking rule has already cleaned the pixels of dcm (after apply). */
static const char *classify(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm, int cleaned)
{
	static const struct {
		const char *modality, *reason;
	} burn_in[] = {
		{ "US", "ultrasound images usually carry burned-in text: pixel cleaning needed" },
		{ "SC", "secondary capture images may carry burned-in text: pixel cleaning needed" },
		{ "OT", "images of modality OT may carry burned-in text: pixel cleaning needed" },
		{ "XC", "external camera photographs may show the patient: pixel review needed" },
		{ "ES", "endoscopy images may carry burned-in text: pixel cleaning needed" },
		{ "GM", "general microscopy images may carry labels: pixel cleaning needed" },
		{ "SM", "slide microscopy images may show the slide label: pixel cleaning needed" },
		{ "VL", "visible light images may carry burned-in text: pixel cleaning needed" },
	};
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
	char cls[PDG_DEID_UID_MAX] = "", inst[PDG_DEID_UID_MAX] = "", v[32];

	if (pdg_dcm_get_string(ds, PDG_TAG(0x0008, 0x0016), cls, sizeof(cls), NULL) || !cls[0] ||
	    pdg_dcm_get_string(ds, PDG_TAG(0x0008, 0x0018), inst, sizeof(inst), NULL) || !inst[0])
		return "the instance has no SOP Class UID or SOP Instance UID";
	/* SR: cleaned under Clean Structured Content (sr.h), else quarantined. KO: always kept. */
	if (pdg_deid_sr_class(cls) && !pdg_deid_ko_class(cls) &&
	    !(ctx && (ctx->options & (1u << PDG_OPT_CLEAN_STRUCT))))
		return "structured reports hold free text that may identify the patient "
		       "(the profile does not clean structured content)";
	if (has_prefix(cls, SOP_PREFIX "104.") || pdg_dcm_has(ds, PDG_TAG(0x0042, 0x0011)))
		return "encapsulated documents (PDF, CDA, 3D models) cannot be de-identified";
	if (pdg_dcm_get_string(ds, PDG_TAG(0x0028, 0x0302), v, sizeof(v), NULL) == PDG_OK &&
	    strcmp(v, "YES") == 0)
		return "the image shows recognizable visual features (0028,0302 is YES)";
	if (pdg_dcm_get_string(ds, PDG_TAG(0x0028, 0x0301), v, sizeof(v), NULL) == PDG_OK &&
	    strcmp(v, "YES") == 0) /* a masking rule may clean it (pixels.h) */
		return pdg_deid_pixels_gate(ctx, dcm);
	/*
	 * The modalities and classes that routinely carry text go through the pixel gate even
	 * when Burned In Annotation says NO: senders set NO by default, and an image of these
	 * kinds leaves only cleaned by a rule or not at all (fail closed).
	 */
	if (cleaned)
		return NULL;
	if (pdg_dcm_get_string(ds, PDG_TAG(0x0008, 0x0060), v, sizeof(v), NULL) == PDG_OK)
		for (size_t i = 0; i < sizeof(burn_in) / sizeof(burn_in[0]); i++)
			if (strcmp(v, burn_in[i].modality) == 0)
				return pdg_deid_pixels_gate(ctx, dcm);
	if (burn_in_class(cls))
		return pdg_deid_pixels_gate(ctx, dcm);
	return NULL;
}

const char *pdg_deid_classify(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm)
{
	return classify(ctx, dcm, 0);
}

const char *pdg_deid_classify_after(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm,
				    const struct pdg_deid_result *res)
{
	return classify(ctx, dcm, res && res->pixel_rule[0]);
}
