/* SPDX-License-Identifier: MIT */
/* INDEX.HTM and IHE_PDI/: the browsable overview of a file set (XHTML, no scripts, no network). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/version.h"
#include "pdi/fileset_int.h"

/* Text into XHTML: markup characters escaped; anything but printable ASCII shown as '?'. */
static void put_text(FILE *f, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
		}
	}
}

/* Configured UTF-8 text (site name): kept as is apart from markup and control characters. */
static void put_utf8(FILE *f, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else
			fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
	}
}

static void put_date(FILE *f, const char *da)
{
	if (strlen(da) == 8)
		fprintf(f, "%.4s-%.2s-%.2s", da, da + 4, da + 6);
	else if (*da)
		put_text(f, da);
	else
		fputs("-", f);
}

static void head(FILE *f, const char *title, const char *css)
{
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
		"\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
		"<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"ja\" lang=\"ja\">\n"
		"<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n"
		"<title>%s</title>\n"
		"<link rel=\"stylesheet\" type=\"text/css\" href=\"%s\" />\n</head>\n<body>\n",
		title, css);
}

/* The rows of one study: items[a..b) hold it. */
static void study_row(FILE *f, const struct pdg_fs_item *it, size_t a, size_t b)
{
	char mods[64] = "";
	size_t series = 0;

	for (size_t x = a; x < b; x++) {
		size_t have = strlen(mods), add = strlen(it[x].k->modality);

		if (x == a || it[x].e != it[x - 1].e)
			series++;
		if (add && !strstr(mods, it[x].k->modality) && have + add + 2 < sizeof(mods)) {
			if (have)
				mods[have++] = ' ';
			memcpy(mods + have, it[x].k->modality, add + 1);
		}
	}
	fprintf(f, "<tr class=\"study\" id=\"P%07uS%07u\"><td>", it[a].p, it[a].s);
	put_text(f, it[a].k->patient_id[0] ? it[a].k->patient_id : "-");
	fprintf(f, "</td><td>P%07u/S%07u</td><td>", it[a].p, it[a].s);
	put_date(f, it[a].k->study_date);
	fputs("</td><td>", f);
	put_text(f, *mods ? mods : "-");
	fprintf(f, "</td><td>%zu</td><td>%zu</td></tr>\n", series, b - a);
}

static void series_row(FILE *f, const struct pdg_fs_item *it, size_t a, size_t b)
{
	fprintf(f, "<tr class=\"series\" id=\"P%07uS%07uS%07u\"><td>P%07u/S%07u</td><td>", it[a].p,
		it[a].s, it[a].e, it[a].p, it[a].s);
	if (it[a].k->series_number != LONG_MIN)
		fprintf(f, "%ld", it[a].k->series_number);
	else
		fputs("-", f);
	fputs("</td><td>", f);
	put_text(f, it[a].k->modality[0] ? it[a].k->modality : "-");
	fprintf(f, "</td><td>%zu</td><td>DICOM/P%07u/S%07u/S%07u</td></tr>\n", b - a, it[a].p,
		it[a].s, it[a].e);
}

static enum pdg_code write_index(const char *stage, const struct pdg_fileset_opts *o,
				 const struct pdg_fs_item *it, size_t n,
				 const struct pdg_fileset_counts *c, struct pdg_err *err)
{
	enum pdg_code rc;
	FILE *f;

	rc = pdg_fs_create(stage, "INDEX.HTM", &f, err);
	if (rc)
		return rc;
	head(f, "画像データ一覧 / Imaging data", "IHE_PDI/STYLE.CSS");
	fputs("<h1>画像データ一覧 / Imaging data</h1>\n<p class=\"notice\">"
	      "この媒体の画像は匿名化または仮名化された医療情報です。研究計画で認められた目的以外に"
	      "使わないでください。 The images on this medium are de-identified health information: "
	      "use them only for the approved research. <a href=\"IHE_PDI/ABOUT.HTM\">"
	      "詳細 / About this medium</a></p>\n<p>", f);
	fputs("作成施設 / Institution: ", f);
	put_utf8(f, o->site_name ? o->site_name : "-");
	if (o->created) {
		fputs(" &#8212; 作成日 / Created: ", f);
		put_utf8(f, o->created);
	}
	fprintf(f, " &#8212; pdigate %s</p>\n", PDG_VERSION);
	fprintf(f, "<p id=\"counts\">患者 / Patients: %zu, 検査 / Studies: %zu, シリーズ / Series: "
		   "%zu, 画像 / Instances: %zu</p>\n",
		c->patients, c->studies, c->series, c->instances);
	fputs("<h2>検査 / Studies</h2>\n<table id=\"studies\">\n<tr><th>患者 (仮名) / Patient "
	      "(pseudonym)</th><th>検査 / Study</th><th>検査日 / Study date</th><th>モダリティ / "
	      "Modalities</th><th>シリーズ数 / Series</th><th>画像数 / Instances</th></tr>\n", f);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && it[b].p == it[a].p && it[b].s == it[a].s; b++)
			;
		study_row(f, it, a, b);
	}
	fputs("</table>\n<h2>シリーズ / Series</h2>\n<table id=\"series\">\n<tr><th>検査 / "
	      "Study</th><th>シリーズ番号 / Series number</th><th>モダリティ / Modality</th><th>"
	      "画像数 / Instances</th><th>フォルダ / Folder</th></tr>\n", f);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && it[b].p == it[a].p && it[b].s == it[a].s &&
				it[b].e == it[a].e;
		     b++)
			;
		series_row(f, it, a, b);
	}
	fputs("</table>\n</body>\n</html>\n", f);
	return pdg_fs_close(f, "INDEX.HTM", err);
}

static enum pdg_code write_about(const char *stage, const struct pdg_fileset_opts *o,
				 struct pdg_err *err)
{
	enum pdg_code rc;
	FILE *f;

	rc = pdg_fs_create(stage, "IHE_PDI/ABOUT.HTM", &f, err);
	if (rc)
		return rc;
	head(f, "この媒体について / About this medium", "STYLE.CSS");
	fputs("<h1>この媒体について / About this medium</h1>\n<p>作成施設 / Creating institution: ",
	      f);
	put_utf8(f, o->site_name ? o->site_name : "-");
	fputs("<br />連絡先 / Contact: ", f);
	put_utf8(f, o->contact ? o->contact : "-");
	fprintf(f, "<br />作成アプリケーション / Creating application: pdigate %s</p>\n",
		PDG_VERSION);
	fputs("<h2>個人情報保護に関する注意 / Privacy notice</h2>\n<p>この媒体の画像は匿名化または"
	      "仮名化されていますが、医療情報です。研究計画で認められた目的と人以外に渡さず、"
	      "再識別を試みないでください。</p>\n<p>The images on this medium are de-identified "
	      "(anonymised or pseudonymised) but remain health information. Use them only for the "
	      "approved research, do not pass them on, and do not attempt to re-identify any "
	      "person.</p>\n<h2>構成 / Organisation</h2>\n<ul>\n<li>DICOMDIR: DICOM ディレクトリ / "
	      "DICOM directory</li>\n<li>DICOM/: DICOM ファイル / DICOM files</li>\n<li>INDEX.HTM, "
	      "IHE_PDI/: この一覧 / this overview</li>\n<li>PDIGATE.JSN: SHA-256 と件数 / SHA-256 "
	      "of every file and counts</li>\n<li>README.TXT: 説明 / description</li>\n</ul>\n"
	      "<p><a href=\"../INDEX.HTM\">一覧へ戻る / Back to the overview</a></p>\n"
	      "</body>\n</html>\n", f);
	return pdg_fs_close(f, "IHE_PDI/ABOUT.HTM", err);
}

enum pdg_code pdg_fs_write_web(const char *stage, const struct pdg_fileset_opts *o,
			       const struct pdg_fs_item *it, size_t n,
			       const struct pdg_fileset_counts *c, struct pdg_err *err)
{
	enum pdg_code rc;
	FILE *f;

	rc = pdg_fs_create(stage, "IHE_PDI/STYLE.CSS", &f, err);
	if (rc)
		return rc;
	fputs("body { font-family: sans-serif; margin: 1em 2em; }\n"
	      "table { border-collapse: collapse; margin-bottom: 1.5em; }\n"
	      "th, td { border: 1px solid #888; padding: 0.2em 0.6em; text-align: left; }\n"
	      "th { background: #eee; }\n"
	      ".notice { border: 1px solid #c00; padding: 0.5em; }\n", f);
	rc = pdg_fs_close(f, "IHE_PDI/STYLE.CSS", err);
	if (!rc)
		rc = write_about(stage, o, err);
	if (!rc)
		rc = write_index(stage, o, it, n, c, err);
	return rc;
}
