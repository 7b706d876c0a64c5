/* SPDX-License-Identifier: MIT */
/* `deid --preview`: one PNG per frame with the masks of the matching rule drawn (cairo). */
#include <stdio.h>
#include <string.h>

#include <cairo.h>

#include "appliance/deid/pixels.h"

static int64_t sample(const struct pdg_pix_image *img, const uint8_t *frame, size_t px,
		      unsigned s)
{
	unsigned bytes = img->bits_alloc / 8u, bits = img->bits_stored;
	size_t plane = (size_t)img->rows * img->cols;
	size_t at = img->planar ? s * plane + px : px * img->spp + s;
	uint32_t u = 0;

	for (unsigned b = 0; b < bytes; b++)
		u |= (uint32_t)frame[at * bytes + b] << (8 * b);
	if (bits < 32)
		u &= (1u << bits) - 1;
	if (img->pixel_rep && bits < 32 && (u & (1u << (bits - 1))))
		return (int64_t)u - ((int64_t)1 << bits);
	if (img->pixel_rep && bits == 32)
		return (int32_t)u;
	return u;
}

static uint8_t clamp8(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5);
}

/* Fill an RGB24 surface with the frame: monochrome stretched to the frame's min..max. */
static void render(const struct pdg_pix_image *img, const uint8_t *frame, uint8_t *dst,
		   int stride)
{
	size_t np = (size_t)img->rows * img->cols;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	int mono = img->spp == 1, inv = !strcmp(img->photometric, "MONOCHROME1");
	int ybr = !strcmp(img->photometric, "YBR_FULL");
	unsigned shift = img->bits_stored > 8 ? img->bits_stored - 8u : 0;

	if (mono)
		for (size_t i = 0; i < np; i++) {
			int64_t v = sample(img, frame, i, 0);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	for (uint32_t y = 0; y < img->rows; y++) {
		uint32_t *row = (uint32_t *)(void *)(dst + (size_t)y * (size_t)stride);
		for (uint32_t x = 0; x < img->cols; x++) {
			size_t px = (size_t)y * img->cols + x;
			uint8_t r, g, b;
			if (mono) {
				double t = hi > lo ? (double)(sample(img, frame, px, 0) - lo) /
							     (double)(hi - lo)
						   : 0.0;
				r = g = b = clamp8(255.0 * (inv ? 1.0 - t : t));
			} else {
				double c0 = (double)(sample(img, frame, px, 0) >> shift);
				double c1 = (double)(sample(img, frame, px, 1) >> shift);
				double c2 = (double)(sample(img, frame, px, 2) >> shift);
				if (ybr) {
					r = clamp8(c0 + 1.402 * (c2 - 128));
					g = clamp8(c0 - 0.344136 * (c1 - 128) - 0.714136 * (c2 - 128));
					b = clamp8(c0 + 1.772 * (c1 - 128));
				} else {
					r = clamp8(c0), g = clamp8(c1), b = clamp8(c2);
				}
			}
			row[x] = (uint32_t)r << 16 | (uint32_t)g << 8 | b;
		}
	}
}

static void draw_masks(cairo_t *cr, const struct pdg_pix_image *img,
		       const struct pdg_pixrule *rule, uint32_t frame)
{
	for (size_t m = 0; rule && m < rule->nmask; m++) {
		uint32_t x0, y0, x1, y1;
		if (!pdg_pixmask_rect(&rule->mask[m], img->rows, img->cols, frame, &x0, &y0, &x1, &y1))
			continue;
		cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
		cairo_set_source_rgba(cr, 1, 0, 0, 0.35);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 1, 0, 0);
		cairo_set_line_width(cr, 2);
		cairo_stroke(cr);
	}
}

enum pdg_code pdg_deid_pixels_preview(const struct pdg_pix_image *img,
				      const struct pdg_pixrule *rule, const char *dir,
				      const char *stem, unsigned *written, struct pdg_err *err)
{
	*written = 0;
	if (img->cols > 32767 || img->rows > 32767)
		return pdg_err_set(err, PDG_E_LIMIT, "image too large for a PNG preview");
	for (uint32_t f = 0; f < img->frames; f++) {
		cairo_surface_t *s =
			cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)img->cols, (int)img->rows);
		char path[4096];
		cairo_t *cr;
		cairo_status_t st;

		if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
			cairo_surface_destroy(s);
			return pdg_err_set(err, PDG_E_NOMEM, "cannot create a preview image");
		}
		cairo_surface_flush(s);
		render(img, img->data + (size_t)f * img->frame_bytes, cairo_image_surface_get_data(s),
		       cairo_image_surface_get_stride(s));
		cairo_surface_mark_dirty(s);
		cr = cairo_create(s);
		draw_masks(cr, img, rule, f + 1);
		cairo_destroy(cr);
		if (snprintf(path, sizeof(path), "%s/%s-%04u.png", dir, stem, f + 1) >=
		    (int)sizeof(path)) {
			cairo_surface_destroy(s);
			return pdg_err_set(err, PDG_E_LIMIT, "preview path too long");
		}
		st = cairo_surface_write_to_png(s, path);
		cairo_surface_destroy(s);
		if (st != CAIRO_STATUS_SUCCESS)
			return pdg_err_set(err, PDG_E_IO, "cannot write '%s': %s", path,
					   cairo_status_to_string(st));
		(*written)++;
	}
	return PDG_OK;
}
