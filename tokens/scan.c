/* SPDX-License-Identifier: MIT */
/* zbar glue: PNG pixels (loaded by cairo) to grey levels to QR texts; PDF pages via pdftoppm. */
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cairo.h>
#include <openssl/crypto.h>
#include <zbar.h>

#include "tokens/scan.h"

extern char **environ;

#define SCAN_MAX_PIXELS (12000L * 12000L)   /* bound the grey copy of an image */

#define SCAN_MAX_SYMBOLS 256

/* The top-left corner of a symbol: the smallest x + y over its location points. */
static long corner(const zbar_symbol_t *s, int want_y)
{
	long best = -1, by = 0, bx = 0;

	for (unsigned i = 0; i < zbar_symbol_get_loc_size(s); i++) {
		long x = zbar_symbol_get_loc_x(s, i), y = zbar_symbol_get_loc_y(s, i);

		if (best < 0 || x + y < best) {
			best = x + y;
			bx = x;
			by = y;
		}
	}
	return want_y ? by : bx;
}

static int by_position(const void *a, const void *b)
{
	const zbar_symbol_t *sa = *(const zbar_symbol_t *const *)a;
	const zbar_symbol_t *sb = *(const zbar_symbol_t *const *)b;
	long ya = corner(sa, 1), yb = corner(sb, 1), xa = corner(sa, 0), xb = corner(sb, 0);

	/* rows: symbols whose tops are within 50 pixels are on the same row */
	if (ya - yb > 50 || yb - ya > 50)
		return ya < yb ? -1 : 1;
	return (xa > xb) - (xa < xb);
}

static void free_grey(zbar_image_t *img)
{
	void *data = (void *)zbar_image_get_data(img);

	if (data)
		OPENSSL_cleanse(data, zbar_image_get_data_length(img));
	free(data);
}

static enum pdg_code scan_surface(cairo_surface_t *surf, unsigned page,
				  const struct pdg_scan_sink *sink, size_t *count,
				  struct pdg_err *err)
{
	int w = cairo_image_surface_get_width(surf), h = cairo_image_surface_get_height(surf);
	int stride = cairo_image_surface_get_stride(surf);
	cairo_format_t fmt = cairo_image_surface_get_format(surf);
	const unsigned char *px;
	zbar_image_scanner_t *scanner = NULL;
	zbar_image_t *img = NULL;
	unsigned char *grey = NULL;
	const zbar_symbol_t *sym[SCAN_MAX_SYMBOLS];
	size_t nsym = 0;
	enum pdg_code rc = PDG_OK;
	unsigned n = 0;

	if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24)
		return pdg_err_set(err, PDG_E_INVALID, "unsupported image pixel format");
	if (w <= 0 || h <= 0 || (long)w * h > SCAN_MAX_PIXELS)
		return pdg_err_set(err, PDG_E_LIMIT, "image is empty or larger than %ld pixels",
				   SCAN_MAX_PIXELS);
	cairo_surface_flush(surf);
	px = cairo_image_surface_get_data(surf);
	grey = malloc((size_t)w * (size_t)h);
	scanner = zbar_image_scanner_create();
	img = zbar_image_create();
	if (!grey || !scanner || !img) {
		free(grey);
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory for an image scan");
		goto out;
	}
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(px + (size_t)y * (size_t)stride);

		for (int x = 0; x < w; x++) {
			uint32_t p = row[x]; /* premultiplied; transparent reads as white */
			unsigned a = fmt == CAIRO_FORMAT_ARGB32 ? p >> 24 : 255;
			unsigned r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
			unsigned l = (r * 77 + g * 150 + b * 29) >> 8;

			grey[(size_t)y * (size_t)w + (size_t)x] = (unsigned char)(l + 255 - a);
		}
	}
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, (unsigned)w, (unsigned)h);
	zbar_image_set_data(img, grey, (unsigned long)w * (unsigned long)h, free_grey);
	zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	if (zbar_scan_image(scanner, img) < 0) {
		rc = pdg_err_set(err, PDG_E_INTERNAL, "zbar failed to scan the image");
		goto out;
	}
	/* report symbols top to bottom, then left to right, as a person reads the sheet */
	for (const zbar_symbol_t *s = zbar_image_first_symbol(img); s; s = zbar_symbol_next(s))
		if (zbar_symbol_get_type(s) == ZBAR_QRCODE && nsym < PDG_ARRAY_SIZE(sym))
			sym[nsym++] = s;
	qsort(sym, nsym, sizeof(sym[0]), by_position);
	for (size_t i = 0; i < nsym && !rc; i++) {
		char text[1024];
		unsigned len = zbar_symbol_get_data_length(sym[i]);

		n++;
		if (len >= sizeof(text))
			len = sizeof(text) - 1; /* longer than any token: the decoder rejects it */
		memcpy(text, zbar_symbol_get_data(sym[i]), len);
		text[len] = '\0';
		rc = sink->fn(sink->ctx, page, n, text);
		OPENSSL_cleanse(text, sizeof(text));
	}
out:
	if (img)
		zbar_image_destroy(img);
	if (scanner)
		zbar_image_scanner_destroy(scanner);
	if (count)
		*count += n;
	return rc;
}

static enum pdg_code scan_png_page(const char *path, unsigned page,
				   const struct pdg_scan_sink *sink, size_t *count,
				   struct pdg_err *err)
{
	cairo_surface_t *surf = cairo_image_surface_create_from_png(path);
	enum pdg_code rc;

	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		rc = pdg_err_set(err, PDG_E_IO, "cannot read PNG '%s': %s", path,
				 cairo_status_to_string(cairo_surface_status(surf)));
		cairo_surface_destroy(surf);
		return rc;
	}
	rc = scan_surface(surf, page, sink, count, err);
	cairo_surface_flush(surf);
	OPENSSL_cleanse(cairo_image_surface_get_data(surf),
			(size_t)cairo_image_surface_get_stride(surf) *
				(size_t)cairo_image_surface_get_height(surf));
	cairo_surface_destroy(surf);
	return rc;
}

enum pdg_code pdg_scan_png(const char *path, const struct pdg_scan_sink *sink, size_t *count,
			   struct pdg_err *err)
{
	if (count)
		*count = 0;
	return scan_png_page(path, 1, sink, count, err);
}

/* Run pdftoppm -r DPI -png PDF DIR/p and wait for it. */
static enum pdg_code render_pdf(const char *pdf, const char *dir, struct pdg_err *err)
{
	char prefix[4096], dpi[16];
	char *argv[] = { (char *)"pdftoppm", (char *)"-r", dpi, (char *)"-png", (char *)pdf,
			 prefix, NULL };
	pid_t pid;
	int st, e;

	snprintf(dpi, sizeof(dpi), "%d", PDG_SCAN_PDF_DPI);
	if ((size_t)snprintf(prefix, sizeof(prefix), "%s/p", dir) >= sizeof(prefix))
		return pdg_err_set(err, PDG_E_LIMIT, "temporary folder name is too long");
	e = posix_spawnp(&pid, "pdftoppm", NULL, NULL, argv, environ);
	if (e) {
		errno = e;
		return pdg_err_sys(err, e == ENOENT ? PDG_E_NOTFOUND : PDG_E_IO,
				   "cannot run 'pdftoppm' (install poppler-utils)");
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return pdg_err_sys(err, PDG_E_IO, "cannot wait for 'pdftoppm'");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return pdg_err_set(err, PDG_E_IO, "'pdftoppm' could not render '%s'", pdf);
	return PDG_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	/* pdftoppm names pages p-1.png ... p-10.png with equal-width numbers: plain order */
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_page(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".png");
}

enum pdg_code pdg_scan_pdf(const char *path, const struct pdg_scan_sink *sink, size_t *count,
			   struct pdg_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], file[4600];
	struct dirent **pages = NULL;
	enum pdg_code rc;
	int n = 0;

	if (count)
		*count = 0;
	if (access(path, R_OK))
		return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/pdg-scan.XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
	    sizeof(dir))
		return pdg_err_set(err, PDG_E_LIMIT, "TMPDIR is too long");
	if (!mkdtemp(dir))
		return pdg_err_sys(err, PDG_E_IO, "cannot create a temporary folder");
	rc = render_pdf(path, dir, err);
	if (!rc) {
		n = scandir(dir, &pages, is_page, by_name);
		if (n < 0)
			rc = pdg_err_sys(err, PDG_E_IO, "cannot list '%s'", dir);
	}
	for (int i = 0; i < n; i++) {
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir, pages[i]->d_name) >=
		    sizeof(file) && !rc)
			rc = pdg_err_set(err, PDG_E_LIMIT, "page file name is too long");
		if (!rc)
			rc = scan_png_page(file, (unsigned)i + 1, sink, count, err);
		(void)unlink(file); /* the page images show the secrets */
		free(pages[i]);
	}
	free(pages);
	if (rmdir(dir) && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot remove '%s'", dir);
	return rc;
}
