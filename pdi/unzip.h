/* SPDX-License-Identifier: MIT */
/*
 * Unpack a ZIP of a PDI file set safely into a new folder: every entry name checked (no path
 * escapes), no duplicates, every size bounded by the limits and equal to PDIGATE.JSN, before
 * any byte is written.
 */
#ifndef PDG_PDI_UNZIP_H
#define PDG_PDI_UNZIP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "pdi/report.h"

struct pdg_unzip_limits {
	size_t max_entries;        /* entries in the archive */
	uint64_t max_entry_bytes;  /* uncompressed size of one entry */
	uint64_t max_total_bytes;  /* uncompressed size of all entries */
};

/* Defaults: PDG_PDI_MAX_FILES entries, 16 GiB per entry, 1 TiB in all. */
extern const struct pdg_unzip_limits pdg_unzip_default_limits;

/*
 * Unpack zip_path into target (created here with mode 0700; an existing target:
 * PDG_E_EXISTS). Refused, with one report per problem and nothing written: entry names that
 * are absolute, hold "..", ".", empty components, backslashes, ':' or bytes outside printable
 * ASCII; names that repeat (also when differing only in case); symlinks; encrypted entries;
 * methods other than STORE and DEFLATE; more entries or bytes than lim allows; no
 * PDIGATE.JSN, or an unreadable one; an entry not listed there or of another size than listed.
 * Data that fails the CRC or size check while unpacking is reported and stops the unpacking.
 * Returns PDG_OK, PDG_E_INVALID after reported problems (target may then hold a partial
 * tree: the caller removes it), PDG_E_LIMIT for a limit, another code for I/O failures.
 * lim NULL: the defaults. report may be NULL; *violations (may be NULL) counts the reports.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_unzip(const char *zip_path, const char *target,
					   const struct pdg_unzip_limits *lim,
					   pdg_pdi_report_fn *report, void *ctx, size_t *violations,
					   struct pdg_err *err);

#endif
