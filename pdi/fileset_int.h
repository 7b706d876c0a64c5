/* SPDX-License-Identifier: MIT */
/* Internal to pdi/: the sorted instances of a file set being built, shared by its writers. */
#ifndef PDG_FILESET_INT_H
#define PDG_FILESET_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pdi/dicom/dicomdir.h"
#include "pdi/fileset.h"

/* One input instance after sorting; p/s/e/i are 1-based numbers within the parent level. */
struct pdg_fs_item {
	const char *src;              /* the input path (borrowed from the caller) */
	const struct pdg_dicomdir_keys *k; /* the caller's, or read by the file set */
	char study_key[32];           /* earliest date+time of the study, for ordering */
	long series_key;              /* smallest series number of the series, for ordering */
	unsigned p, s, e, i;
	char file_id[PDG_DICOMDIR_FILE_ID_MAX];
	uint64_t size;
	const uint8_t *sha256;        /* 32 bytes from the caller, or NULL: hashed for the manifest */
};

/* Write README.TXT (Japanese and English, UTF-8, CRLF) into stage. */
PDG_MUST_CHECK enum pdg_code pdg_fs_write_readme(const char *stage,
						 const struct pdg_fileset_opts *o,
						 const struct pdg_fileset_counts *c,
						 struct pdg_err *err);

/* Write INDEX.HTM and IHE_PDI/ (XHTML, no scripts, no network) for the sorted items. */
PDG_MUST_CHECK enum pdg_code pdg_fs_write_web(const char *stage,
					      const struct pdg_fileset_opts *o,
					      const struct pdg_fs_item *items, size_t n,
					      const struct pdg_fileset_counts *c,
					      struct pdg_err *err);

/*
 * Write PDIGATE.JSN: every other file of stage with size and SHA-256, the counts, the
 * profile and the caller's de-identification summary. Fills c->files and c->total_bytes.
 * The hashes of items[0..n) (sorted by File ID) that carry one and whose size is unchanged
 * are taken as given; every other file is read and hashed.
 */
PDG_MUST_CHECK enum pdg_code pdg_fs_write_manifest(const char *stage,
						   const struct pdg_fs_item *items, size_t n,
						   const struct pdg_fileset_opts *o,
						   struct pdg_fileset_counts *c,
						   struct pdg_err *err);

/*
 * Create stage/rel (rel '/'-separated, folders made as needed, mode 0644 file, O_EXCL) and
 * return it open for writing in *f. Failure: PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_fs_create(const char *stage, const char *rel, FILE **f,
					   struct pdg_err *err);

/* Close f, reporting a write error on rel as PDG_E_IO. */
PDG_MUST_CHECK enum pdg_code pdg_fs_close(FILE *f, const char *rel, struct pdg_err *err);

#endif
