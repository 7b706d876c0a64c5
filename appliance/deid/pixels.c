/* SPDX-License-Identifier: MIT */
/* Clean Pixel Data: match rules on the original header, blank, re-encode losslessly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/deid/pixels.h"
#include "pdi/dicom/dcm.h"

#define TS_EXPLICIT_LE "1.2.840.10008.1.2.1"

void pdg_deid_pixhdr(struct pdg_dcm *dcm, struct pdg_pixhdr *h)
{
	static const uint32_t sel_tags[PDG_PIXSEL_COUNT] = {
		[PDG_PIXSEL_MODALITY] = PDG_TAG(0x0008, 0x0060),
		[PDG_PIXSEL_MANUFACTURER] = PDG_TAG(0x0008, 0x0070),
		[PDG_PIXSEL_MODEL] = PDG_TAG(0x0008, 0x1090),
		[PDG_PIXSEL_SOFTWARE] = PDG_TAG(0x0018, 0x1020),
		[PDG_PIXSEL_SOP_CLASS] = PDG_TAG(0x0008, 0x0016),
		[PDG_PIXSEL_IMAGE_TYPE] = PDG_TAG(0x0008, 0x0008),
		[PDG_PIXSEL_PHOTOMETRIC] = PDG_TAG(0x0028, 0x0004),
	};
	static const uint32_t num_tags[PDG_PIXNUM_COUNT] = {
		[PDG_PIXNUM_ROWS] = PDG_TAG(0x0028, 0x0010),
		[PDG_PIXNUM_COLUMNS] = PDG_TAG(0x0028, 0x0011),
		[PDG_PIXNUM_FRAMES] = PDG_TAG(0x0028, 0x0008),
	};
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
	char buf[32];

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < PDG_PIXSEL_COUNT; i++)
		if (pdg_dcm_get_string(ds, sel_tags[i], h->sel[i], sizeof(h->sel[i]), NULL))
			h->sel[i][0] = '\0'; /* absent, or too long to be a real value: "" */
	for (int i = 0; i < PDG_PIXNUM_COUNT; i++) {
		unsigned long v = 0;
		if (!pdg_dcm_get_string(ds, num_tags[i], buf, sizeof(buf), NULL))
			v = strtoul(buf, NULL, 10);
		h->num[i] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
	if (h->num[PDG_PIXNUM_FRAMES] == 0)
		h->num[PDG_PIXNUM_FRAMES] = 1;
}

const struct pdg_pixrule *pdg_deid_pixels_rule(const struct pdg_deid_ctx *ctx,
					       struct pdg_dcm *dcm)
{
	struct pdg_pixhdr h;

	if (!ctx || !ctx->pixrules || !pdg_dcm_has(pdg_dcm_dataset(dcm), PDG_TAG(0x7fe0, 0x0010)))
		return NULL;
	pdg_deid_pixhdr(dcm, &h);
	return pdg_pixrules_match(ctx->pixrules, &h);
}

/* Equipment names for a message: printable ASCII, at most 32 characters, "-" when empty. */
static void equipment(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap && n < 32; in++)
		out[n++] = (*in >= 0x20 && *in < 0x7f && *in != '/') ? *in : '?';
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

const char *pdg_deid_pixels_gate(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm)
{
	static _Thread_local char reason[192];
	char mod[48], man[48], model[48];
	struct pdg_pixhdr h;

	if (pdg_deid_pixels_rule(ctx, dcm))
		return NULL;
	pdg_deid_pixhdr(dcm, &h);
	equipment(h.sel[PDG_PIXSEL_MODALITY], mod, sizeof(mod));
	equipment(h.sel[PDG_PIXSEL_MANUFACTURER], man, sizeof(man));
	equipment(h.sel[PDG_PIXSEL_MODEL], model, sizeof(model));
	snprintf(reason, sizeof(reason), "possible burned-in text, no masking rule for %s/%s/%s",
		 mod, man, model);
	return reason;
}

uint32_t pdg_deid_pixels_fill(const struct pdg_pix_image *img, unsigned sample)
{
	unsigned bits = img->bits_stored;
	uint32_t max_u = bits >= 32 ? UINT32_MAX : (1u << bits) - 1;

	if (!strcmp(img->photometric, "MONOCHROME1")) /* black is the largest value */
		return img->pixel_rep ? max_u >> 1 : max_u;
	if (!strcmp(img->photometric, "YBR_FULL") && sample > 0)
		return 1u << (bits - 1); /* neutral chroma */
	if (img->pixel_rep && !strcmp(img->photometric, "MONOCHROME2")) {
		/* the most negative value, sign-extended to the allocated bits */
		uint32_t v = 1u << (bits - 1);
		if (img->bits_alloc > bits)
			v |= ~((1u << bits) - 1);
		return v;
	}
	return 0; /* MONOCHROME2, RGB, Y of YBR_FULL, and palette index 0 */
}

static void put(uint8_t *p, unsigned bytes, uint32_t v)
{
	for (unsigned b = 0; b < bytes; b++)
		p[b] = (uint8_t)(v >> (8 * b));
}

void pdg_deid_pixels_blank(struct pdg_pix_image *img, const struct pdg_pixrule *rule)
{
	unsigned bytes = img->bits_alloc / 8u;
	size_t plane = (size_t)img->rows * img->cols;
	uint32_t fill[3];

	for (unsigned s = 0; s < img->spp; s++)
		fill[s] = pdg_deid_pixels_fill(img, s);
	for (uint32_t f = 0; f < img->frames; f++) {
		uint8_t *fr = img->data + (size_t)f * img->frame_bytes;
		for (size_t m = 0; m < rule->nmask; m++) {
			uint32_t x0, y0, x1, y1;
			if (!pdg_pixmask_rect(&rule->mask[m], img->rows, img->cols, f + 1, &x0, &y0,
					      &x1, &y1))
				continue;
			for (uint32_t y = y0; y < y1; y++)
				for (uint32_t x = x0; x < x1; x++)
					for (unsigned s = 0; s < img->spp; s++) {
						size_t px = (size_t)y * img->cols + x;
						size_t at = img->planar ? s * plane + px
									: px * img->spp + s;
						put(fr + at * bytes, bytes, fill[s]);
					}
		}
	}
}

/* Lossless inputs keep their syntax when we can encode it; everything else goes native. */
static const char *output_syntax(const char *in)
{
	static const char *const keep[] = {
		"1.2.840.10008.1.2.5",    /* RLE */
		"1.2.840.10008.1.2.4.57", /* JPEG lossless, process 14 */
		"1.2.840.10008.1.2.4.70", /* JPEG lossless, SV1 */
		"1.2.840.10008.1.2.4.80", /* JPEG-LS lossless */
		"1.2.840.10008.1.2.4.90", /* JPEG 2000 reversible (OpenJPEG) */
		NULL,
	};

	for (size_t i = 0; keep[i]; i++)
		if (!strcmp(in, keep[i]))
			return keep[i];
	return TS_EXPLICIT_LE;
}

/* PS3.15 Table CID 7050: add (113101, DCM, "Clean Pixel Data Option") once. */
static enum pdg_code add_option_code(struct pdg_dcm_item *ds, struct pdg_err *err)
{
	uint32_t seq = PDG_TAG(0x0012, 0x0064);
	struct pdg_dcm_item *it;
	char v[16];
	enum pdg_code rc;

	for (size_t i = 0, n = pdg_dcm_seq_count(ds, seq); i < n; i++) {
		it = pdg_dcm_seq_item(ds, seq, i);
		if (it && !pdg_dcm_get_string(it, PDG_TAG(0x0008, 0x0100), v, sizeof(v), NULL) &&
		    !strcmp(v, "113101"))
			return PDG_OK;
	}
	rc = pdg_dcm_seq_append(ds, seq, &it, err);
	if (!rc)
		rc = pdg_dcm_put_string(it, PDG_TAG(0x0008, 0x0100), "113101", err);
	if (!rc)
		rc = pdg_dcm_put_string(it, PDG_TAG(0x0008, 0x0102), "DCM", err);
	if (!rc)
		rc = pdg_dcm_put_string(it, PDG_TAG(0x0008, 0x0104), "Clean Pixel Data Option", err);
	return rc;
}

enum pdg_code pdg_deid_pixels_clean(struct pdg_dcm *dcm, const struct pdg_pixrule *rule,
				    struct pdg_err *err)
{
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
	struct pdg_pix_image img;
	char in_ts[PDG_DEID_UID_MAX];
	const char *out_ts;
	enum pdg_code rc;

	snprintf(in_ts, sizeof(in_ts), "%s", pdg_dcm_transfer_syntax(dcm));
	rc = pdg_pix_decode(dcm, &img, err);
	if (rc)
		return rc;
	pdg_deid_pixels_blank(&img, rule);
	out_ts = output_syntax(in_ts);
	rc = pdg_pix_encode(dcm, out_ts, err);
	if (rc && rc != PDG_E_NOMEM && strcmp(out_ts, TS_EXPLICIT_LE))
		rc = pdg_pix_encode(dcm, TS_EXPLICIT_LE, err); /* e.g. 32-bit: native, still lossless */
	if (rc)
		return rc;
	/* PS3.3 C.7.6.1.1.5: once lossy, always "01"; ratio and method history stay as they are */
	if (pdg_pix_lossy_syntax(in_ts) &&
	    (rc = pdg_dcm_put_string(ds, PDG_TAG(0x0028, 0x2110), "01", err)))
		return rc;
	if ((rc = pdg_dcm_put_string(ds, PDG_TAG(0x0028, 0x0301), "NO", err)))
		return rc;
	return add_option_code(ds, err);
}
