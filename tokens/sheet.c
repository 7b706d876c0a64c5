/* SPDX-License-Identifier: MIT */
/* Draws the token sheet with cairo (PDF and PNG surfaces) and Noto CJK fonts via fontconfig. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <openssl/crypto.h>

#include "tokens/qr.h"
#include "tokens/sheet.h"

#define MM(x)        ((x) * 72.0 / 25.4)
#define PAGE_W       MM(210.0)
#define PAGE_H       MM(297.0)
#define MARGIN       MM(15.0)
#define HEADER_H     MM(42.0)
#define BLOCK_H      MM(60.0)
#define BLOCK_GAP    MM(4.0)
#define QR_SIDE      MM(40.0)    /* the symbol itself, quiet zone outside it */
#define CUSTODY_H    MM(30.0)

struct fonts {
	cairo_font_face_t *sans, *bold, *mono, *mono_bold;
};

/* Find a family with fontconfig and check it really is that family (no silent fallback). */
static enum pdg_code find_face(const char *family, int weight, cairo_font_face_t **out,
			       struct pdg_err *err)
{
	FcPattern *pat = FcPatternCreate(), *match = NULL;
	FcResult res = FcResultNoMatch;
	FcChar8 *got = NULL;
	int ok = 0;

	*out = NULL;
	if (!pat)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory for a font pattern");
	FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
	FcPatternAddInteger(pat, FC_WEIGHT, weight);
	FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"ja");
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	match = FcFontMatch(NULL, pat, &res);
	FcPatternDestroy(pat);
	for (int i = 0; match && FcPatternGetString(match, FC_FAMILY, i, &got) == FcResultMatch; i++)
		ok |= !strcmp((const char *)got, family);
	if (!ok) {
		if (match)
			FcPatternDestroy(match);
		return pdg_err_set(err, PDG_E_NOTFOUND,
				   "font '%s' not found (install fonts-noto-cjk)", family);
	}
	*out = cairo_ft_font_face_create_for_pattern(match);
	FcPatternDestroy(match); /* the face holds its own reference */
	if (cairo_font_face_status(*out) != CAIRO_STATUS_SUCCESS) {
		cairo_font_face_destroy(*out);
		*out = NULL;
		return pdg_err_set(err, PDG_E_NOMEM, "cannot load font '%s'", family);
	}
	return PDG_OK;
}

static void fonts_release(struct fonts *f)
{
	cairo_font_face_t **all[] = { &f->sans, &f->bold, &f->mono, &f->mono_bold };

	for (size_t i = 0; i < PDG_ARRAY_SIZE(all); i++) {
		if (*all[i])
			cairo_font_face_destroy(*all[i]);
		*all[i] = NULL;
	}
}

static enum pdg_code fonts_load(struct fonts *f, struct pdg_err *err)
{
	enum pdg_code rc;

	*f = (struct fonts){ 0 };
	if (!FcInit())
		return pdg_err_set(err, PDG_E_IO, "cannot initialise fontconfig");
	if ((rc = find_face(PDG_SHEET_FONT, FC_WEIGHT_REGULAR, &f->sans, err)) ||
	    (rc = find_face(PDG_SHEET_FONT, FC_WEIGHT_BOLD, &f->bold, err)) ||
	    (rc = find_face(PDG_SHEET_MONO_FONT, FC_WEIGHT_REGULAR, &f->mono, err)) ||
	    (rc = find_face(PDG_SHEET_MONO_FONT, FC_WEIGHT_BOLD, &f->mono_bold, err)))
		fonts_release(f);
	return rc;
}

/* Show text at (x, y) baseline, shrinking the size so it fits max_w. */
static void text_at(cairo_t *cr, cairo_font_face_t *face, double size, double x, double y,
		    double max_w, const char *s)
{
	cairo_text_extents_t ext;

	cairo_set_font_face(cr, face);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &ext);
	if (max_w > 0 && ext.x_advance > max_w)
		cairo_set_font_size(cr, size * max_w / ext.x_advance);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

static void format_size(uint64_t bytes, char *out, size_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < PDG_ARRAY_SIZE(unit)) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(out, n, "%" PRIu64 " B", bytes);
	else
		snprintf(out, n, "%.1f %s (%" PRIu64 " bytes)", v, unit[u], bytes);
}

static void draw_header(cairo_t *cr, const struct pdg_sheet *s, const struct fonts *f,
			size_t page, size_t pages)
{
	double x = MARGIN, y = MARGIN, w = PAGE_W - 2 * MARGIN;
	char line[512];

	cairo_set_source_rgb(cr, 0, 0, 0);
	text_at(cr, f->bold, 16, x, y + 14, w - MM(40),
		"解除トークン用紙 / Release token sheet");
	snprintf(line, sizeof(line), "%zu / %zu", page + 1, pages);
	text_at(cr, f->sans, 10, PAGE_W - MARGIN - MM(25), y + 12, MM(25), line);
	y += MM(11);
	snprintf(line, sizeof(line), "施設 / Site: %s", s->site);
	text_at(cr, f->sans, 11, x, y + 10, w, line);
	y += MM(6);
	snprintf(line, sizeof(line), "プロジェクト / Project: %s", s->project);
	text_at(cr, f->sans, 11, x, y + 10, w, line);
	y += MM(6);
	snprintf(line, sizeof(line), "出力日 / Export date: %s    操作者 / Operator: %s",
		 s->export_date, s->operator_name);
	text_at(cr, f->sans, 11, x, y + 10, w, line);
	y += MM(7);
	text_at(cr, f->sans, 8.5, x, y + 8, w,
		"この用紙は USB メディアとは別に運んでください。QR を読み取るとパッケージが解除されます。");
	y += MM(4);
	text_at(cr, f->sans, 8.5, x, y + 8, w,
		"Carry this sheet apart from the USB medium. Scanning a QR code releases its package.");
	cairo_set_line_width(cr, 0.8);
	cairo_move_to(cr, MARGIN, MARGIN + HEADER_H - MM(2));
	cairo_line_to(cr, PAGE_W - MARGIN, MARGIN + HEADER_H - MM(2));
	cairo_stroke(cr);
}

static void draw_qr(cairo_t *cr, const struct pdg_qr *qr, double x, double y, double side)
{
	double m = side / qr->width;

	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width; c++)
			if (pdg_qr_module(qr, c, r))
				cairo_rectangle(cr, x + c * m, y + r * m, m, m);
	cairo_fill(cr);
}

static enum pdg_code draw_block(cairo_t *cr, const struct pdg_sheet *s, size_t k,
				const struct fonts *f, double y, struct pdg_err *err)
{
	const struct pdg_sheet_pkg *p = &s->pkgs[k];
	struct pdg_token_text txt;
	struct pdg_qr qr = { 0 };
	double x = MARGIN, w = PAGE_W - 2 * MARGIN, quiet, tx, tw;
	char line[512], half[64];
	enum pdg_code rc;

	rc = pdg_token_encode(&p->token, &txt, err);
	if (!rc)
		rc = pdg_qr_encode(txt.qr, &qr, err);
	if (rc)
		goto out;
	quiet = QR_SIDE / qr.width * PDG_QR_QUIET_MODULES;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.6);
	cairo_rectangle(cr, x, y, w, BLOCK_H);
	cairo_stroke(cr);
	/* the quiet zone lies inside the block, so the frame never touches it */
	draw_qr(cr, &qr, x + quiet, y + (BLOCK_H - QR_SIDE) / 2, QR_SIDE);

	tx = x + QR_SIDE + 2 * quiet + MM(2);
	tw = x + w - tx - MM(3);
	snprintf(line, sizeof(line), "パッケージ / Package %zu / %zu", k + 1, s->npkgs);
	text_at(cr, f->bold, 10, tx, y + MM(6), tw, line);
	snprintf(line, sizeof(line), "%.5s-%.5s-%.5s", p->token.pkgid, p->token.pkgid + 5,
		 p->token.pkgid + 10);
	text_at(cr, f->mono, 10, tx + MM(45), y + MM(6), tw - MM(45), line);
	text_at(cr, f->sans, 8, tx, y + MM(11), tw, "解除コード (手入力用) / Release code (to type):");
	/* typed form in two lines of large monospaced groups: PDG1 + 4 groups, then 5 groups */
	snprintf(half, sizeof(half), "%.28s", txt.typed);
	text_at(cr, f->mono_bold, 16, tx, y + MM(18), tw, half);
	text_at(cr, f->mono_bold, 16, tx, y + MM(25), tw, txt.typed + 29);
	OPENSSL_cleanse(half, sizeof(half));

	snprintf(line, sizeof(line), "検査 / Studies: %lu   シリーズ / Series: %lu   画像 / Instances: %lu",
		 p->studies, p->series, p->instances);
	text_at(cr, f->sans, 9, tx, y + MM(33), tw, line);
	format_size(p->bytes, half, sizeof(half));
	snprintf(line, sizeof(line), "容量 / Size: %s", half);
	text_at(cr, f->sans, 9, tx, y + MM(39), tw, line);
	snprintf(line, sizeof(line), "暗号文 SHA-256 / Ciphertext SHA-256: %.16s…", p->cipher_sha256);
	text_at(cr, f->sans, 9, tx, y + MM(45), tw, line);
	snprintf(line, sizeof(line), "媒体シリアル / Medium serial: %s",
		 p->medium_serial[0] ? p->medium_serial : "-");
	text_at(cr, f->sans, 9, tx, y + MM(51), tw, line);
out:
	pdg_qr_release(&qr);
	pdg_token_text_wipe(&txt);
	return rc;
}

static void draw_custody(cairo_t *cr, const struct fonts *f)
{
	static const char *const label[] = { "引渡者 / Handed over by", "受領者 / Received by",
					     "日付 / Date" };
	double y = PAGE_H - MARGIN - CUSTODY_H, gap = MM(4);
	double w = (PAGE_W - 2 * MARGIN - 2 * gap) / 3;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.8);
	for (int i = 0; i < 3; i++) {
		double x = MARGIN + i * (w + gap);

		cairo_rectangle(cr, x, y, w, CUSTODY_H);
		cairo_stroke(cr);
		text_at(cr, f->sans, 9, x + MM(2), y + MM(5), w - MM(4), label[i]);
	}
	text_at(cr, f->sans, 7, MARGIN, PAGE_H - MARGIN + MM(4), PAGE_W - 2 * MARGIN,
		"署名 (氏名) / Signature (name) — 受け渡しのたびに記入 / fill in at each hand-over");
}

static enum pdg_code draw_page(cairo_t *cr, const struct pdg_sheet *s, const struct fonts *f,
			       size_t page, struct pdg_err *err)
{
	size_t pages = pdg_sheet_pages(s), first = page * PDG_SHEET_PKGS_PER_PAGE;
	double y = MARGIN + HEADER_H;
	enum pdg_code rc = PDG_OK;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	draw_header(cr, s, f, page, pages);
	for (size_t k = first; k < s->npkgs && k < first + PDG_SHEET_PKGS_PER_PAGE && !rc; k++) {
		rc = draw_block(cr, s, k, f, y, err);
		y += BLOCK_H + BLOCK_GAP;
	}
	if (!rc)
		draw_custody(cr, f);
	if (!rc && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = pdg_err_set(err, PDG_E_INVALID, "cannot draw the token sheet: %s",
				 cairo_status_to_string(cairo_status(cr)));
	return rc;
}

size_t pdg_sheet_pages(const struct pdg_sheet *sheet)
{
	size_t n = (sheet->npkgs + PDG_SHEET_PKGS_PER_PAGE - 1) / PDG_SHEET_PKGS_PER_PAGE;

	return n ? n : 1;
}

static enum pdg_code check_sheet(const struct pdg_sheet *s, struct pdg_err *err)
{
	if (!s->site || !s->project || !s->export_date || !s->operator_name || !s->pkgs)
		return pdg_err_set(err, PDG_E_INVALID, "token sheet is missing a field");
	if (s->npkgs == 0)
		return pdg_err_set(err, PDG_E_INVALID, "token sheet has no package");
	return PDG_OK;
}

static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int len)
{
	int fd = *(int *)closure;

	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CAIRO_STATUS_WRITE_ERROR;
		data += n;
		len -= (unsigned int)n;
	}
	return CAIRO_STATUS_SUCCESS;
}

static enum pdg_code open_excl(const char *path, int *fd, struct pdg_err *err)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0)
		return pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
				   "cannot create '%s'", path);
	return PDG_OK;
}

static enum pdg_code close_or_remove(int fd, const char *path, enum pdg_code rc,
				     struct pdg_err *err)
{
	if (close(fd) && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
	if (rc)
		(void)unlink(path);
	return rc;
}

enum pdg_code pdg_sheet_write_pdf(const struct pdg_sheet *sheet, const char *path,
				  struct pdg_err *err)
{
	struct fonts f = { 0 };
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	enum pdg_code rc;
	int fd = -1;

	if ((rc = check_sheet(sheet, err)) || (rc = fonts_load(&f, err)))
		return rc;
	if ((rc = open_excl(path, &fd, err)))
		goto out;
	surf = cairo_pdf_surface_create_for_stream(write_fd, &fd, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "pdigate release token sheet");
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "pdigate");
	cr = cairo_create(surf);
	for (size_t p = 0; p < pdg_sheet_pages(sheet) && !rc; p++) {
		rc = draw_page(cr, sheet, &f, p, err);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_finish(surf);
	if (!rc && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		rc = pdg_err_set(err, PDG_E_IO, "cannot write '%s': %s", path,
				 cairo_status_to_string(cairo_surface_status(surf)));
	cairo_surface_destroy(surf);
	rc = close_or_remove(fd, path, rc, err);
out:
	fonts_release(&f);
	return rc;
}

enum pdg_code pdg_sheet_write_png(const struct pdg_sheet *sheet, size_t page, const char *path,
				  struct pdg_err *err)
{
	const double scale = PDG_SHEET_PNG_DPI / 72.0;
	struct fonts f = { 0 };
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	enum pdg_code rc;
	int fd = -1;

	if ((rc = check_sheet(sheet, err)))
		return rc;
	if (page >= pdg_sheet_pages(sheet))
		return pdg_err_set(err, PDG_E_INVALID, "page %zu is beyond the last page", page + 1);
	if ((rc = fonts_load(&f, err)))
		return rc;
	surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(PAGE_W * scale + 0.5),
					  (int)(PAGE_H * scale + 0.5));
	cr = cairo_create(surf);
	cairo_scale(cr, scale, scale);
	rc = draw_page(cr, sheet, &f, page, err);
	cairo_destroy(cr);
	if (!rc && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
		rc = pdg_err_set(err, PDG_E_NOMEM, "cannot render the token sheet: %s",
				 cairo_status_to_string(cairo_surface_status(surf)));
	if (!rc && !(rc = open_excl(path, &fd, err))) {
		if (cairo_surface_write_to_png_stream(surf, write_fd, &fd) != CAIRO_STATUS_SUCCESS)
			rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
		rc = close_or_remove(fd, path, rc, err);
	}
	/* the pixels show the secrets */
	cairo_surface_flush(surf);
	if (cairo_image_surface_get_data(surf))
		OPENSSL_cleanse(cairo_image_surface_get_data(surf),
				(size_t)cairo_image_surface_get_stride(surf) *
					(size_t)cairo_image_surface_get_height(surf));
	cairo_surface_destroy(surf);
	fonts_release(&f);
	return rc;
}
