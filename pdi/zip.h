/* SPDX-License-Identifier: MIT */
/* One deterministic, stored (uncompressed) ZIP of a PDI file set, streamed in one pass. */
#ifndef PDG_PDI_ZIP_H
#define PDG_PDI_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct pdg_zip_opts {
	/* The date every entry carries (DOS date, midnight local time). 0: 1980-01-01. */
	int year, month, day;
	/*
	 * Called after each file's entry is written, with the file's path (stage + "/" + name,
	 * valid during the call only): e.g. to remove it from a staging folder that is removed
	 * afterwards anyway, so that its pages need never reach the disk. NULL: nothing.
	 */
	void (*entry_done)(void *arg, const char *path);
	void *entry_done_arg;
};

struct pdg_zip_stats {
	size_t entries;
	uint64_t bytes;   /* uncompressed (= stored) bytes of all entries */
};

/* Where the ZIP bytes go, in order; the same signature as pdg_age_write_fn. */
typedef enum pdg_code (*pdg_zip_write_fn)(void *ctx, const uint8_t *buf, size_t len,
					  struct pdg_err *err);

/*
 * A ZIP written entry by entry, in a single pass that needs no seeking, with the layout of
 * docs/formats.md "ZIP". Memory: one 8 MiB buffer and, per entry, its name and 20 bytes.
 */
struct pdg_zip;

/*
 * Start a ZIP whose bytes go through write(wctx, ...); o (copied) may be NULL. Nothing is
 * written yet. A bad date: PDG_E_INVALID. Free *z with pdg_zip_free.
 */
PDG_MUST_CHECK enum pdg_code pdg_zip_open(struct pdg_zip **z, const struct pdg_zip_opts *o,
					  pdg_zip_write_fn write, void *wctx, struct pdg_err *err);

/*
 * Append the regular file at path as the entry name (a portable name, else PDG_E_INVALID),
 * then call o->entry_done. The caller keeps names unique. A file that changes while it is
 * archived, or cannot be read: PDG_E_IO. After any failure only pdg_zip_free is allowed.
 */
PDG_MUST_CHECK enum pdg_code pdg_zip_add(struct pdg_zip *z, const char *name, const char *path,
					 struct pdg_err *err);

/*
 * Append every file below root (sorted by path in byte order) but those whose path starts with
 * skip (NULL: none), named by their paths relative to root. Bad names or non-regular files
 * anywhere below root: PDG_E_INVALID before any of its bytes is written.
 */
PDG_MUST_CHECK enum pdg_code pdg_zip_add_tree(struct pdg_zip *z, const char *root,
					      const char *skip, struct pdg_err *err);

/* Write the central directory and the end records; st (may be NULL) receives the totals. */
PDG_MUST_CHECK enum pdg_code pdg_zip_close(struct pdg_zip *z, struct pdg_zip_stats *st,
					   struct pdg_err *err);

/* Free z (NULL: nothing). */
void pdg_zip_free(struct pdg_zip *z);

/*
 * Stream every file below stage (sorted by path in byte order, no folder entries) as one ZIP
 * through write(wctx, ...), in a single pass that needs no seeking: method STORE, sizes and
 * CRC-32 in every local header (no data descriptors), the fixed entry date, UNIX file mode
 * 0644, no extra fields but zip64 where a size, an offset or the entry count needs it
 * (docs/formats.md "ZIP"). Files up to 8 MiB are read once; larger ones twice (CRC first,
 * then data, CRC checked again). A file that changes size or content while it is archived:
 * PDG_E_IO. Memory: one 8 MiB buffer and 12 bytes per entry. The same stage gives the same
 * bytes. Errors of write are returned as they are. Bad names or non-regular files:
 * PDG_E_INVALID before any byte is written. o and st may be NULL.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_zip_stream(const char *stage, const struct pdg_zip_opts *o,
						pdg_zip_write_fn write, void *wctx,
						struct pdg_zip_stats *st, struct pdg_err *err);

/*
 * As pdg_pdi_zip_stream, into a new file at zip_path. An existing zip_path: PDG_E_EXISTS.
 * On failure no zip_path is left behind.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_zip_write(const char *stage, const char *zip_path,
					       const struct pdg_zip_opts *o,
					       struct pdg_zip_stats *st, struct pdg_err *err);

#endif
