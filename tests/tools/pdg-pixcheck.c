/* SPDX-License-Identifier: MIT */
/*
 * Test tool: compare the native pixels of an original and a cleaned instance (both already
 * decoded to a native transfer syntax by DCMTK tools). Every sample inside the given
 * rectangles must equal the fill value in every frame; with -e every other sample must equal
 * the original's. Reads Pixel Data raw through the shim: no decoding of its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdi/dicom/dcm.h"

struct img {
	struct pdg_dcm *dcm;
	unsigned rows, cols, frames, spp, bytes, planar;
	const uint8_t *px;
	size_t len;
};

static int usage(void)
{
	fputs("usage: pdg-pixcheck [-e] [-f fill] [-r raw] <original> <cleaned> x,y,w,h[@A-B]...\n"
	      "  (both native) masked samples == fill (default 0) in every frame (or frames A-B);\n"
	      "  -e: all other samples equal to the original's; -r: the cleaned pixels come\n"
	      "  from raw (frames of interleaved 8-bit samples, e.g. decoded by opj_decompress)\n",
	      stderr);
	return 2;
}

static unsigned num(struct pdg_dcm *dcm, uint16_t g, uint16_t e, unsigned dflt)
{
	char buf[32];

	if (pdg_dcm_get_string(pdg_dcm_dataset(dcm), PDG_TAG(g, e), buf, sizeof(buf), NULL))
		return dflt;
	return (unsigned)strtoul(buf, NULL, 10);
}

static int load(const char *path, struct img *im)
{
	struct pdg_err err = { 0 };

	if (pdg_dcm_read(path, 0, &im->dcm, &err) ||
	    pdg_dcm_get_raw(pdg_dcm_dataset(im->dcm), PDG_TAG(0x7fe0, 0x0010), &im->px, &im->len,
			    &err)) {
		fprintf(stderr, "pdg-pixcheck: %s: %s\n", path, err.msg);
		return -1;
	}
	im->rows = num(im->dcm, 0x0028, 0x0010, 0);
	im->cols = num(im->dcm, 0x0028, 0x0011, 0);
	im->frames = num(im->dcm, 0x0028, 0x0008, 1);
	im->spp = num(im->dcm, 0x0028, 0x0002, 1);
	im->bytes = num(im->dcm, 0x0028, 0x0100, 8) / 8;
	im->planar = num(im->dcm, 0x0028, 0x0006, 0);
	if ((size_t)im->rows * im->cols * im->spp * im->bytes * im->frames > im->len) {
		fprintf(stderr, "pdg-pixcheck: %s: pixel data too short\n", path);
		return -1;
	}
	return 0;
}

/* "x,y,w,h" or "x,y,w,h@A-B" into r[0..5] (frames 1..UINT32_MAX when not given). */
static int parse_rect(const char *s, unsigned r[6])
{
	static const char sep[6] = { ',', ',', ',', '@', '-', '\0' };
	char *end;

	r[4] = 1;
	r[5] = UINT32_MAX;
	for (int i = 0; i < 6; i++) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > UINT32_MAX)
			return -1;
		r[i] = (unsigned)v;
		if (i == 3 && !*end)
			return 0;
		if (*end != sep[i])
			return -1;
		s = end + 1;
	}
	return 0;
}

static uint32_t at(const struct img *im, unsigned f, unsigned y, unsigned x, unsigned s)
{
	size_t np = (size_t)im->rows * im->cols, px = (size_t)y * im->cols + x;
	size_t i = (size_t)f * np * im->spp + (im->planar ? s * np + px : px * im->spp + s);
	uint32_t v = 0;

	for (unsigned b = 0; b < im->bytes; b++)
		v |= (uint32_t)im->px[i * im->bytes + b] << (8 * b);
	return v;
}

int main(int argc, char **argv)
{
	struct img a = { 0 }, b = { 0 };
	unsigned rect[64][6], nrect = 0;
	uint32_t fill = 0;
	int exact = 0, i = 1, rc = 1;
	const char *raw = NULL;
	uint8_t *rawbuf = NULL;
	size_t blank = 0, same = 0, bad = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-e"))
			exact = 1;
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			raw = argv[++i];
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			fill = (uint32_t)strtoul(argv[++i], NULL, 0);
		else
			return usage();
	}
	if (argc - i < 3)
		return usage();
	for (int k = i + 2; k < argc && nrect < 64; k++, nrect++) {
		unsigned *r = rect[nrect];
		if (parse_rect(argv[k], r))
			return usage();
	}
	if (load(argv[i], &a) || load(argv[i + 1], &b))
		goto out;
	if (raw) {
		FILE *f = fopen(raw, "rb");
		size_t want = (size_t)a.rows * a.cols * a.spp * a.frames;
		rawbuf = malloc(want + 1);
		if (!f || !rawbuf || fread(rawbuf, 1, want + 1, f) != want || a.bytes != 1) {
			fprintf(stderr, "pdg-pixcheck: %s: not %zu bytes of 8-bit samples\n", raw, want);
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
		b.px = rawbuf;
		b.len = want;
		b.planar = 0;
	}
	if (a.rows != b.rows || a.cols != b.cols || a.frames != b.frames || a.spp != b.spp ||
	    a.bytes != b.bytes) {
		fprintf(stderr, "pdg-pixcheck: geometry differs\n");
		goto out;
	}
	for (unsigned f = 0; f < a.frames; f++)
		for (unsigned y = 0; y < a.rows; y++)
			for (unsigned x = 0; x < a.cols; x++) {
				int in = 0;
				for (unsigned r = 0; r < nrect; r++)
					in |= x >= rect[r][0] && x < rect[r][0] + rect[r][2] &&
					      y >= rect[r][1] && y < rect[r][1] + rect[r][3] &&
					      f + 1 >= rect[r][4] && f + 1 <= rect[r][5];
				for (unsigned s = 0; s < a.spp; s++) {
					uint32_t vb = at(&b, f, y, x, s);
					if (in ? vb == fill : !exact || vb == at(&a, f, y, x, s)) {
						in ? blank++ : same++;
						continue;
					}
					if (!bad++)
						fprintf(stderr, "pdg-pixcheck: frame %u x %u y %u sample %u "
							"%s\n", f + 1, x, y, s,
							in ? "not blank" : "differs from the original");
				}
			}
	printf("frames %u, blank samples %zu, %s samples %zu, bad %zu\n", a.frames, blank,
	       exact ? "identical" : "other", same, bad);
	int any = 0; /* a real rectangle must have blanked something */
	for (unsigned r = 0; r < nrect; r++)
		any |= rect[r][2] && rect[r][3];
	rc = bad || (any && !blank) ? 1 : 0;
out:
	free(rawbuf);
	pdg_dcm_free(a.dcm);
	pdg_dcm_free(b.dcm);
	return rc;
}
