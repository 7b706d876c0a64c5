/* SPDX-License-Identifier: MIT */
/*
 * Test tool: an ultrasound instance with text burned into its pixels (cairo), native
 * explicit VR little endian; the tests compress it with DCMTK tools / OpenJPEG. No real data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "pdi/dicom/dcm.h"
#include "pdi/dicom/pixels.h"

struct opts {
	unsigned cols, rows, frames, bits;
	int grey, is_signed, planar, j2k;
	const char *manufacturer, *model, *line1, *line2, *modality;
	unsigned uid; /* last component of the SOP Instance UID */
};

static int usage(void)
{
	fputs("usage: pdg-burn [-W cols] [-H rows] [-n frames] [-g] [-b 8|16] [-s] [-p] [-j]\n"
	      "                [-m manufacturer] [-M model] [-o modality] [-1 text] [-2 text] [-u n]\n"
	      "                <out.dcm>\n"
	      "  an ultrasound image (RGB, or -g MONOCHROME2 of -b bits, -s signed, -p planar)\n"
	      "  with the two text lines burned into a banner at the top of every frame\n"
	      "  (rows 0 .. 11% of the height) and synthetic speckle below it.\n"
	      "  -j: JPEG 2000 reversible (1.2.840.10008.1.2.4.90) instead of native\n",
	      stderr);
	return 2;
}

/* Draw the banner text of frame f into an 8-bit grey mask (cols x rows). */
static int draw_text(const struct opts *o, unsigned f, uint8_t *mask)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, (int)o->cols, (int)o->rows);
	int stride = cairo_image_surface_get_stride(s);
	double size = o->rows * 0.042;
	cairo_t *cr;

	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		return -1;
	cr = cairo_create(s);
	cairo_select_font_face(cr, "DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, size < 10 ? 10 : size);
	cairo_set_source_rgba(cr, 0, 0, 0, 1);
	cairo_move_to(cr, 8 + f % 4, o->rows * 0.05);
	cairo_show_text(cr, o->line1);
	cairo_move_to(cr, 8 + f % 4, o->rows * 0.10);
	cairo_show_text(cr, o->line2);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	const uint8_t *d = cairo_image_surface_get_data(s);
	for (unsigned y = 0; y < o->rows; y++)
		memcpy(mask + (size_t)y * o->cols, d + (size_t)y * (size_t)stride, o->cols);
	cairo_surface_destroy(s);
	return 0;
}

static uint32_t rng(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

static void put_sample(uint8_t *p, unsigned bytes, uint32_t v)
{
	for (unsigned b = 0; b < bytes; b++)
		p[b] = (uint8_t)(v >> (8 * b));
}

static uint8_t *pixels(const struct opts *o, size_t *len)
{
	unsigned spp = o->grey ? 1 : 3, bytes = o->bits / 8;
	size_t np = (size_t)o->cols * o->rows, fb = np * spp * bytes;
	uint8_t *px = calloc(fb, o->frames), *mask = malloc(np);
	uint32_t st = 0x9e3779b9u;
	uint32_t maxv = o->bits == 8 ? 255u : 4095u;

	if (!px || !mask)
		goto fail;
	for (unsigned f = 0; f < o->frames; f++) {
		uint8_t *fr = px + fb * f;
		if (draw_text(o, f, mask))
			goto fail;
		for (size_t i = 0; i < np; i++) {
			unsigned y = (unsigned)(i / o->cols), x = (unsigned)(i % o->cols);
			uint32_t v = 0;
			if (mask[i] > 0)
				v = maxv * mask[i] / 255u; /* text: bright */
			else if (y > o->rows / 8)  /* "tissue": gradient + speckle, moving per frame */
				v = ((x + y + 5 * f) % 128u + rng(&st) % 64u) * maxv / 255u;
			for (unsigned s = 0; s < spp; s++) {
				uint32_t sv = spp == 3 ? v * (3 - s) / 3 : v;
				if (o->is_signed)
					sv = (uint32_t)((int32_t)sv - 2048);
				size_t at = o->planar ? s * np + i : i * spp + s;
				put_sample(fr + at * bytes, bytes, sv);
			}
		}
	}
	free(mask);
	*len = fb * o->frames;
	return px;
fail:
	free(mask);
	free(px);
	return NULL;
}

static enum pdg_code build(const struct opts *o, struct pdg_dcm *dcm, const uint8_t *px,
			   size_t len, struct pdg_err *err)
{
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
	const char *cls = o->frames > 1 ? "1.2.840.10008.5.1.4.1.1.3.1" : "1.2.840.10008.5.1.4.1.1.6.1";
	char num[16], rows[16], cols[16], bits[8], high[8], sop[64];
	enum pdg_code rc;
	static const uint8_t frame_time_tag[4] = { 0x18, 0x00, 0x63, 0x10 };

	snprintf(sop, sizeof(sop), "2.25.777000111222333444555666777888.%u", o->uid);
	snprintf(num, sizeof(num), "%u", o->frames);
	snprintf(rows, sizeof(rows), "%u", o->rows);
	snprintf(cols, sizeof(cols), "%u", o->cols);
	snprintf(bits, sizeof(bits), "%u", o->bits == 8 ? 8 : 12);
	snprintf(high, sizeof(high), "%u", o->bits == 8 ? 7 : 11);
#define PUT(g, e, v) (rc = pdg_dcm_put_string(ds, PDG_TAG(g, e), v, err))
	if (PUT(0x0008, 0x0008, "ORIGINAL\\PRIMARY") || PUT(0x0008, 0x0016, cls) ||
	    PUT(0x0008, 0x0018, sop) ||
	    PUT(0x0008, 0x0020, "20240102") || PUT(0x0008, 0x0030, "101500") ||
	    PUT(0x0008, 0x0050, "ACC4815") || PUT(0x0008, 0x0060, o->modality) ||
	    PUT(0x0008, 0x0070, o->manufacturer) || PUT(0x0008, 0x1090, o->model) ||
	    PUT(0x0010, 0x0010, "YAMADA^TARO") || PUT(0x0010, 0x0020, "4815162342") ||
	    PUT(0x0010, 0x0030, "19700101") || PUT(0x0010, 0x0040, "M") ||
	    PUT(0x0020, 0x000d, "2.25.777000111222333444555666777001") ||
	    PUT(0x0020, 0x000e, "2.25.777000111222333444555666777002") ||
	    PUT(0x0020, 0x0011, "1") || PUT(0x0020, 0x0013, "1") ||
	    PUT(0x0028, 0x0002, o->grey ? "1" : "3") ||
	    PUT(0x0028, 0x0004, o->grey ? "MONOCHROME2" : "RGB") ||
	    PUT(0x0028, 0x0010, rows) || PUT(0x0028, 0x0011, cols) ||
	    PUT(0x0028, 0x0100, o->bits == 8 ? "8" : "16") || PUT(0x0028, 0x0101, bits) ||
	    PUT(0x0028, 0x0102, high) || PUT(0x0028, 0x0103, o->is_signed ? "1" : "0") ||
	    PUT(0x0028, 0x0301, "YES"))
		return rc;
	if (!o->grey && PUT(0x0028, 0x0006, o->planar ? "1" : "0"))
		return rc;
	if (o->frames > 1 &&
	    (PUT(0x0028, 0x0008, num) || PUT(0x0018, 0x1063, "33.3") ||
	     (rc = pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0009), "AT", frame_time_tag, 4, err))))
		return rc;
#undef PUT
	return pdg_dcm_put_raw(ds, PDG_TAG(0x7fe0, 0x0010), o->bits == 8 ? "OB" : "OW", px, len,
			       err);
}

int main(int argc, char **argv)
{
	struct opts o = { .cols = 640, .rows = 480, .frames = 1, .bits = 8,
			  .manufacturer = "PDIGATE TEST", .model = "BURN-1", .modality = "US",
			  .line1 = "YAMADA TARO", .line2 = "ID 4815162342" };
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-g"))
			o.grey = 1;
		else if (!strcmp(a, "-s"))
			o.is_signed = 1;
		else if (!strcmp(a, "-p"))
			o.planar = 1;
		else if (!strcmp(a, "-j"))
			o.j2k = 1;
		else if (!strcmp(a, "--help"))
			return usage(), 0;
		else if (!v)
			return usage();
		else if (i++, !strcmp(a, "-W"))
			o.cols = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "-H"))
			o.rows = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "-n"))
			o.frames = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "-b"))
			o.bits = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "-m"))
			o.manufacturer = v;
		else if (!strcmp(a, "-M"))
			o.model = v;
		else if (!strcmp(a, "-u"))
			o.uid = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "-o"))
			o.modality = v;
		else if (!strcmp(a, "-1"))
			o.line1 = v;
		else if (!strcmp(a, "-2"))
			o.line2 = v;
		else
			return usage();
	}
	if (argc - i != 1 || o.cols < 16 || o.cols > 4096 || o.rows < 16 || o.rows > 4096 ||
	    o.frames < 1 || o.frames > 1000 || (o.bits != 8 && o.bits != 16) ||
	    (o.is_signed && o.bits != 16) || (o.planar && o.grey))
		return usage();
	size_t len = 0;
	uint8_t *px = pixels(&o, &len);
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err = { 0 };
	enum pdg_code rc;

	if (!px) {
		fputs("pdg-burn: out of memory or cairo failure\n", stderr);
		return 1;
	}
	rc = pdg_dcm_create(&dcm, &err);
	if (!rc)
		rc = build(&o, dcm, px, len, &err);
	if (!rc && o.j2k) { /* JPEG 2000 reversible through the shim's OpenJPEG encoder */
		struct pdg_pix_image img;
		rc = pdg_pix_decode(dcm, &img, &err);
		if (!rc)
			rc = pdg_pix_encode(dcm, "1.2.840.10008.1.2.4.90", &err);
	}
	if (!rc)
		rc = pdg_dcm_write(dcm, argv[i], NULL, &err);
	pdg_dcm_free(dcm);
	free(px);
	if (rc) {
		fprintf(stderr, "pdg-burn: %s\n", err.msg);
		return 1;
	}
	return 0;
}
