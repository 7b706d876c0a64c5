/* SPDX-License-Identifier: MIT */
/* Internal to pdi/: the instances of a file set being built, shared by its writers. */
#ifndef PDG_FILESET_INT_H
#define PDG_FILESET_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pdi/dicom/dicomdir.h"
#include "pdi/fileset.h"

/* One input instance; p/s/e/i are 1-based numbers within the parent level. */
struct pdg_fs_item {
	const char *src;              /* the input path (borrowed from the caller) */
	const struct pdg_dicomdir_keys *k; /* the caller's, or own */
	struct pdg_dicomdir_keys *own; /* read by the file set (freed with it), or NULL */
	unsigned p, s, e, i;
	char file_id[PDG_DICOMDIR_FILE_ID_MAX];
	uint64_t size;
	int has_sha256;               /* sha256 came from the caller; else hashed for the manifest */
	uint8_t sha256[32];
	int placed;                   /* the file is in the stage at file_id */
};

/* The File ID assigner: numbers in input order, by lookup (docs/formats.md "DICOM File IDs"). */
struct pdg_fs_ids;

/* A new, empty assigner in *a. Failure: PDG_E_NOMEM. */
PDG_MUST_CHECK enum pdg_code pdg_fs_ids_new(struct pdg_fs_ids **a, struct pdg_err *err);

/* Free a (NULL: nothing). */
void pdg_fs_ids_free(struct pdg_fs_ids *a);

/*
 * Give it (src, k and size set) the next File ID: fills p, s, e, i and file_id, and adds it
 * to the patient, study, series, instance and byte counts of c. it->src must stay valid while
 * a lives (messages name the first instance of a clash). Refused: a missing type 1 or 2
 * directory key (PDG_E_DICOM), a SOP Instance UID seen before or a study seen under another
 * patient (PDG_E_INVALID), a level beyond 9,999,999 (PDG_E_LIMIT). After a failure a must
 * only be freed.
 */
PDG_MUST_CHECK enum pdg_code pdg_fs_ids_assign(struct pdg_fs_ids *a, struct pdg_fs_item *it,
					       struct pdg_fileset_counts *c, struct pdg_err *err);

/* Write README.TXT (Japanese and English, UTF-8, CRLF) into stage. */
PDG_MUST_CHECK enum pdg_code pdg_fs_write_readme(const char *stage,
						 const struct pdg_fileset_opts *o,
						 const struct pdg_fileset_counts *c,
						 struct pdg_err *err);

/* Write INDEX.HTM and IHE_PDI/ (XHTML, no scripts, no network) for the items sorted by File ID. */
PDG_MUST_CHECK enum pdg_code pdg_fs_write_web(const char *stage,
					      const struct pdg_fileset_opts *o,
					      const struct pdg_fs_item *items, size_t n,
					      const struct pdg_fileset_counts *c,
					      struct pdg_err *err);

/*
 * Write PDIGATE.JSN: every other file of stage and every item of items[0..n) (sorted by File
 * ID) with size and SHA-256, the counts, the profile and the caller's de-identification
 * summary. Fills c->files and c->total_bytes. The hashes of items that carry one and whose
 * file in the stage (if placed there) has the given size are taken as given; every other
 * file is read and hashed. An item not placed in the stage must carry its hash.
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
