/* SPDX-License-Identifier: MIT */
/* README.TXT of a PDI file set: who made it, with what, privacy notice, layout (Japanese and English). */
#include <stdio.h>
#include <string.h>

#include "lib/version.h"
#include "pdi/fileset_int.h"

/* Configured text goes into a plain-text file: keep it to one line, no control characters. */
static void put_line_value(FILE *f, const char *v)
{
	if (!v || !*v) {
		fputs("-", f);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
}

/* IHE PDI (RAD TF-3 4.47.4.1.2): institution, application, privacy notice, organisation */
enum pdg_code pdg_fs_write_readme(const char *stage, const struct pdg_fileset_opts *o,
				  const struct pdg_fileset_counts *c, struct pdg_err *err)
{
	static const char *const layout =
		"構成 / Organisation of this file set\r\n"
		"  DICOMDIR      DICOM ディレクトリ (PS3.10) / DICOM directory of all DICOM files\r\n"
		"  DICOM/        DICOM ファイル (患者/検査/シリーズ/画像の順のフォルダ)\r\n"
		"                DICOM files in folders patient/study/series/instance\r\n"
		"  INDEX.HTM     ブラウザで開く一覧 / overview to open in a web browser\r\n"
		"  IHE_PDI/      一覧の付属ファイル / files of the web overview\r\n"
		"  PDIGATE.JSN   全ファイルの SHA-256 と件数 / SHA-256 of every file and counts\r\n"
		"  README.TXT    このファイル / this file\r\n"
		"\r\n"
		"ビューア / Viewer\r\n"
		"  ビューアは同梱していません。DICOM 対応のビューアで DICOMDIR を開いてください。\r\n"
		"  No viewer is included. Open DICOMDIR with any DICOM viewer; nothing on this\r\n"
		"  medium runs automatically.\r\n";
	static const char *const privacy =
		"個人情報保護に関する注意 / Privacy notice\r\n"
		"  この媒体の画像は匿名化または仮名化されていますが、医療情報です。研究計画で\r\n"
		"  認められた目的と人以外に渡さず、再識別を試みないでください。\r\n"
		"  The images on this medium are de-identified (anonymised or pseudonymised)\r\n"
		"  but remain health information. Use them only for the approved research, do\r\n"
		"  not pass them on, and do not attempt to re-identify any person.\r\n"
		"\r\n";
	FILE *f;
	enum pdg_code rc;

	rc = pdg_fs_create(stage, "README.TXT", &f, err);
	if (rc)
		return rc;
	fputs("IHE PDI 可搬型医用画像 / IHE Portable Data for Imaging\r\n"
	      "=====================================================\r\n\r\n", f);
	fputs("作成施設 / Creating institution: ", f);
	put_line_value(f, o->site_name);
	fputs("\r\n連絡先 / Contact: ", f);
	put_line_value(f, o->contact);
	if (o->created) {
		fputs("\r\n作成日 / Created: ", f);
		put_line_value(f, o->created);
	}
	fprintf(f, "\r\n作成アプリケーション / Creating application: pdigate %s\r\n", PDG_VERSION);
	fputs("  問い合わせは作成施設へ / Contact the creating institution about this software.\r\n"
	      "\r\n", f);
	fputs(privacy, f);
	fprintf(f,
		"内容 / Contents\r\n"
		"  患者 %zu 名、検査 %zu 件、シリーズ %zu 件、DICOM ファイル %zu 件\r\n"
		"  %zu patients, %zu studies, %zu series, %zu DICOM files\r\n"
		"  アプリケーションプロファイル / Application profile: %s\r\n\r\n",
		c->patients, c->studies, c->series, c->instances, c->patients, c->studies,
		c->series, c->instances, c->profile);
	fputs(layout, f);
	return pdg_fs_close(f, "README.TXT", err);
}
