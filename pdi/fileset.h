/* SPDX-License-Identifier: MIT */
/*
 * Build an IHE PDI file set (DICOMDIR, DICOM/, README.TXT, INDEX.HTM + IHE_PDI/, PDIGATE.JSN)
 * in a staging folder from de-identified DICOM files. Layout: docs/formats.md "PDI file set".
 */
#ifndef PDG_FILESET_H
#define PDG_FILESET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/err.h"
#include "pdi/dicom/dicomdir.h"

#define PDG_FILESET_DEFAULT_ID "PDIGATE"
#define PDG_PDI_MAX_INSTANCES 500000u /* DICOM files in one file set */

/* Flags for struct pdg_fileset_opts. */
#define PDG_FILESET_COPY 1u /* copy every input; default: hard link, copy only across filesystems */
/*
 * pdg_fileset_add only: the caller ships the instances itself (e.g. streams them into the ZIP
 * from where they are); one is placed in the stage only when its keys lack the directory key
 * dataset (the DICOMDIR builder reads the file) or it comes without its hash.
 */
#define PDG_FILESET_STREAMED 2u

/* What the caller knows about the export; every string may be NULL. None may hold PHI. */
struct pdg_fileset_opts {
	const char *fileset_id;      /* File-set ID (0004,1130), [A-Z0-9_]{0,16}; NULL: "PDIGATE" */
	const char *fileset_uid;     /* File-set UID; NULL: 2.25.<first 128 bits of a content hash> */
	const char *site_name;       /* creating institution (appliance config) */
	const char *contact;         /* how to reach the creating institution */
	const char *created;         /* creation date "YYYY-MM-DD"; NULL: left out (fully reproducible) */
	const char *package_id;      /* the export's package id, copied into PDIGATE.JSN */
	const char *deid_profile;    /* de-identification profile id, e.g. "jp-pseudonymized" */
	const char *deid_profile_version;
	const json_t *deid_report;   /* the de-identification report summary; borrowed, copied */
	unsigned flags;              /* PDG_FILESET_* */
};

/* What a file set holds. */
struct pdg_fileset_counts {
	size_t patients, studies, series, instances;
	uint64_t bytes;              /* sum of the sizes of the DICOM instance files */
	size_t files;                /* every file of the set, PDIGATE.JSN included */
	uint64_t total_bytes;        /* sum of the sizes of all those files */
	char profile[24];            /* the application profile, e.g. "STD-GEN-CD" */
	char fileset_uid[66];        /* the File-set UID written into the DICOMDIR */
};

/*
 * Build the file set in stage (created here, mode 0700; an existing stage: PDG_E_EXISTS) from
 * the n DICOM files inputs[] (n >= 1). Files are placed at DICOM/Pnnnnnnn/Snnnnnnn/Snnnnnnn/
 * Innnnnnn, numbered in the order of inputs[] (docs/formats.md "DICOM File IDs"), and
 * hard-linked (copied across filesystems or with PDG_FILESET_COPY); inputs are never modified. Two SOP instances with
 * the same UID, or a study split over two patients: PDG_E_INVALID. A mix of transfer syntaxes
 * no single application profile admits: PDG_E_POLICY (convert to explicit VR little endian
 * first). Not DICOM: PDG_E_DICOM. On failure stage may hold a partial set: the caller removes
 * it. counts may be NULL. Nothing is logged; messages name input paths and File IDs only.
 */
PDG_MUST_CHECK enum pdg_code pdg_fileset_build(const char *stage, const char *const *inputs,
					       size_t n, const struct pdg_fileset_opts *opts,
					       struct pdg_fileset_counts *counts,
					       struct pdg_err *err);

/* An instance's SHA-256 and size as the caller knows them (e.g. computed when it was written). */
struct pdg_fileset_hash {
	uint8_t sha256[32];
	uint64_t size;
};

/*
 * The same from instances whose directory keys the caller holds (*keys[i] describes
 * inputs[i], e.g. from pdg_dicomdir_keys_of when the instance was written; pointers, so
 * that the keys, ~2.9 KB an instance, are not copied): no instance file is read for the
 * DICOMDIR, the ordering, INDEX.HTM or PDIGATE.JSN's counts (a key without
 * its directory key dataset makes the DICOMDIR builder read that one file). hashes (may be
 * NULL) gives each input's SHA-256 for PDIGATE.JSN, which then hashes only the files the
 * set writes itself (and an input whose size is not the one given). Keys whose strings do
 * not end within their fields, or a NULL key: PDG_E_INVALID. keys and hashes are borrowed.
 */
PDG_MUST_CHECK enum pdg_code pdg_fileset_build_keyed(const char *stage, const char *const *inputs,
						     const struct pdg_dicomdir_keys *const *keys,
						     const struct pdg_fileset_hash *hashes,
						     size_t n, const struct pdg_fileset_opts *opts,
						     struct pdg_fileset_counts *counts,
						     struct pdg_err *err);

/* A file set built one instance at a time (what the two calls above do). */
struct pdg_fileset;

/*
 * Start a file set in stage (created here, mode 0700; an existing stage: PDG_E_EXISTS).
 * *o is copied, its strings are borrowed until pdg_fileset_end. Free *fs with
 * pdg_fileset_free, also after failure.
 */
PDG_MUST_CHECK enum pdg_code pdg_fileset_begin(struct pdg_fileset **fs, const char *stage,
					       const struct pdg_fileset_opts *o,
					       struct pdg_err *err);

/*
 * Add the DICOM file src as the next instance in input order: it gets the next File ID
 * (copied into file_id, may be NULL) and, unless PDG_FILESET_STREAMED, is placed in the stage.
 * keys NULL: read from src; else borrowed (must outlive fs), checked as by
 * pdg_fileset_build_keyed. hash may be NULL. src is borrowed too (messages name it). Errors as
 * for pdg_fileset_build; after any failure the file set only accepts pdg_fileset_free.
 */
PDG_MUST_CHECK enum pdg_code pdg_fileset_add(struct pdg_fileset *fs, const char *src,
					     const struct pdg_dicomdir_keys *keys,
					     const struct pdg_fileset_hash *hash,
					     char file_id[PDG_DICOMDIR_FILE_ID_MAX],
					     struct pdg_err *err);

/*
 * Write the DICOMDIR (records in the order the instances were added), README.TXT, the web view
 * and PDIGATE.JSN (which lists the streamed instances with the size and hash given) into the
 * stage. The profile is chosen from all instances here, and DCMTK's profile checks run here.
 * counts may be NULL. Errors as for pdg_fileset_build.
 */
PDG_MUST_CHECK enum pdg_code pdg_fileset_end(struct pdg_fileset *fs,
					     struct pdg_fileset_counts *counts,
					     struct pdg_err *err);

/* Free fs (NULL: nothing); the stage is left as it is. */
void pdg_fileset_free(struct pdg_fileset *fs);

#endif
