/* SPDX-License-Identifier: MIT */
/* Reading QR codes from images (PNG directly, PDF through poppler's pdftoppm) with zbar. */
#ifndef PDG_TOKENS_SCAN_H
#define PDG_TOKENS_SCAN_H

#include <stddef.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_SCAN_PDF_DPI 150

/*
 * Called once per QR symbol found, with the 1-based page and symbol number on that page and
 * the decoded text (NUL-terminated; may hold a secret: the buffer is wiped after the call, so
 * copy what you keep). A non-zero return stops the scan and is returned by the scan function.
 */
struct pdg_scan_sink {
	enum pdg_code (*fn)(void *ctx, unsigned page, unsigned symbol, const char *text);
	void *ctx;
};

/*
 * Decode every QR code in a PNG file. *count (may be NULL) receives the number of symbols
 * found. Errors: PDG_E_IO (cannot read or not a PNG), PDG_E_NOMEM, or the sink's code.
 */
PDG_MUST_CHECK enum pdg_code pdg_scan_png(const char *path, const struct pdg_scan_sink *sink,
					  size_t *count, struct pdg_err *err);

/*
 * Render each page of a PDF at PDG_SCAN_PDF_DPI with `pdftoppm` (poppler-utils, found on
 * PATH) into a private temporary folder, decode every QR code page by page, and remove the
 * images. Errors: PDG_E_NOTFOUND (no pdftoppm), PDG_E_IO (pdftoppm failed), as pdg_scan_png.
 */
PDG_MUST_CHECK enum pdg_code pdg_scan_pdf(const char *path, const struct pdg_scan_sink *sink,
					  size_t *count, struct pdg_err *err);

#endif
