/* SPDX-License-Identifier: MIT */
/* The printed A4 token sheet (PDF for printing, PNG at 300 dpi for preview); never PHI. */
#ifndef PDG_TOKENS_SHEET_H
#define PDG_TOKENS_SHEET_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"
#include "tokens/codec.h"

#define PDG_SHEET_PKGS_PER_PAGE 3
#define PDG_SHEET_PNG_DPI       300
#define PDG_SHEET_FONT          "Noto Sans CJK JP"
#define PDG_SHEET_MONO_FONT     "Noto Sans Mono CJK JP"

/*
 * One package block. Only what is here is printed: the struct has no field for patient
 * names, patient or accession numbers or UIDs, so a sheet cannot carry them.
 */
struct pdg_sheet_pkg {
	struct pdg_token token;         /* package id and release secret */
	unsigned long studies, series, instances;
	uint64_t bytes;                 /* ciphertext size */
	char cipher_sha256[65];         /* hex SHA-256 of the whole ciphertext; 16 printed */
	char medium_serial[64];         /* USB medium serial, "" if unknown */
};

/* A sheet: UTF-8 strings, borrowed from the caller; any may be "" but not NULL. */
struct pdg_sheet {
	const char *site;
	const char *project;
	const char *export_date;        /* as printed, e.g. "2026-11-21" */
	const char *operator_name;      /* appliance operator (staff, not a patient) */
	const struct pdg_sheet_pkg *pkgs;
	size_t npkgs;                   /* at least 1 */
};

/* Number of pages the sheet takes: ceil(npkgs / PDG_SHEET_PKGS_PER_PAGE). */
size_t pdg_sheet_pages(const struct pdg_sheet *sheet);

/*
 * Write the sheet as a PDF to path, created with O_EXCL and mode 0600 (the sheet carries
 * release secrets; an existing file is PDG_E_EXISTS). Fonts are found with fontconfig;
 * a missing Noto CJK font is PDG_E_NOTFOUND. On failure a partly written file is removed.
 */
PDG_MUST_CHECK enum pdg_code pdg_sheet_write_pdf(const struct pdg_sheet *sheet, const char *path,
						 struct pdg_err *err);

/*
 * Render page (0-based) at 300 dpi into a PNG at path (O_EXCL, 0600), as pdg_sheet_write_pdf.
 * A page out of range is PDG_E_INVALID.
 */
PDG_MUST_CHECK enum pdg_code pdg_sheet_write_png(const struct pdg_sheet *sheet, size_t page,
						 const char *path, struct pdg_err *err);

#endif
