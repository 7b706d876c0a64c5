/* SPDX-License-Identifier: MIT */
/*
 * Clean Pixel Data (PS3.15 E.3.1) in the de-identification engine: rule matching on the
 * original header, the fail-closed gate for burned-in text candidates, blanking, lossless
 * re-encoding, and the preview renderer. Decisions: docs/pixel-rules.md.
 */
#ifndef PDG_DEID_PIXELS_H
#define PDG_DEID_PIXELS_H

#include "appliance/deid/deid.h"
#include "appliance/deid/pixrules.h"
#include "pdi/dicom/pixels.h"

/* The selector values of dcm's (original) header. */
void pdg_deid_pixhdr(struct pdg_dcm *dcm, struct pdg_pixhdr *h);

/* The rule that applies to dcm under ctx's rule set, or NULL (also when ctx has none). */
const struct pdg_pixrule *pdg_deid_pixels_rule(const struct pdg_deid_ctx *ctx,
					       struct pdg_dcm *dcm);

/*
 * Gate for an instance that may carry burned-in text: NULL when a rule will clean it, else
 * "possible burned-in text, no masking rule for <modality>/<manufacturer>/<model>" in
 * thread-local storage (valid until the next call); the values are reduced to printable
 * ASCII and cut short. Manufacturer and model name the equipment, never the patient.
 */
const char *pdg_deid_pixels_gate(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm);

/*
 * Clean dcm's pixels with rule (from pdg_deid_pixels_rule on the ORIGINAL header): decode,
 * blank every mask in every frame it names, encode losslessly (docs/pixel-rules.md "Output
 * transfer syntax"), set Burned In Annotation NO, keep Lossy Image Compression 01 for a lossy
 * input, and add the Clean Pixel Data Option code (113101) to (0012,0064). Errors leave the
 * object half-edited: do not write it.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_pixels_clean(struct pdg_dcm *dcm,
						   const struct pdg_pixrule *rule,
						   struct pdg_err *err);

/* Blank rule's masks in a decoded image (every frame they name) with pdg_deid_pixels_fill. */
void pdg_deid_pixels_blank(struct pdg_pix_image *img, const struct pdg_pixrule *rule);

/* The value a masked sample gets: black for the photometric interpretation (docs). */
uint32_t pdg_deid_pixels_fill(const struct pdg_pix_image *img, unsigned sample);

/*
 * Write one PNG per frame of the decoded image to dir as <stem>-<frame>.png (frame from 1),
 * 8-bit, grey levels stretched to the frame's own min..max for monochrome, with the masks of
 * rule (may be NULL) outlined in red and hatched. *written counts the files.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_pixels_preview(const struct pdg_pix_image *img,
						     const struct pdg_pixrule *rule,
						     const char *dir, const char *stem,
						     unsigned *written, struct pdg_err *err);

#endif
