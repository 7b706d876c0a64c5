/* SPDX-License-Identifier: MIT */
/*
 * The study catalog: an SQLite database (WAL) in the home's state/ folder indexing every
 * instance held in the spool (received from the PACS or imported). It holds PHI: nothing read
 * from it is ever logged, and error messages never contain its values.
 *
 * Spool layout: <spool>/tmp/ for instances being received or copied, <spool>/<xx>/<32 hex>.dcm
 * for stored instances (random names: file names carry no PHI). The spool file is always
 * written (and fsync'd, renamed, directory fsync'd) before its row; pdg_catalog_reconcile
 * makes both agree again after a crash.
 */
#ifndef PDG_CATALOG_H
#define PDG_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_CATALOG_DB "catalog.db"   /* in the home's state/ folder */
#define PDG_CATALOG_SPOOL "spool"     /* default spool, in the home's state/ folder */
#define PDG_CATALOG_TMP "tmp"         /* receive folder inside the spool */

struct pdg_catalog;

/* Where an instance came from. */
struct pdg_catalog_origin {
	const char *sender_ae;      /* calling AE title; "" or NULL for an import */
	const char *sender_address; /* peer address, or "import" */
};

/*
 * Open (creating if needed) the catalog database at db_path for the spool folder spool
 * (created 0700 with its tmp/ folder if absent). Caller closes with pdg_catalog_close.
 * Errors: PDG_E_IO (cannot create, cannot open the database).
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_open(const char *db_path, const char *spool,
					      struct pdg_catalog **out, struct pdg_err *err);

/* Close the catalog. Accepts NULL. */
void pdg_catalog_close(struct pdg_catalog *cat);

/* The spool's tmp/ folder (static inside cat). */
const char *pdg_catalog_tmp_dir(const struct pdg_catalog *cat);

/*
 * Take the fsync'd DICOM file at tmp_path (in the spool's tmp/ folder, same file system) into
 * the spool and the catalog: its identifying attributes are read, a duplicate SOP Instance
 * UID is recorded (table duplicate) and not stored twice (*duplicate = 1, the file is left
 * for the caller to remove), else the file is renamed to its random spool name, the folder
 * fsync'd, and the row inserted. On PDG_OK the instance is durable in the spool.
 * Errors: PDG_E_DICOM (not a readable DICOM instance, no SOP Instance UID), PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_ingest(struct pdg_catalog *cat, const char *tmp_path,
						const struct pdg_catalog_origin *origin,
						int *duplicate, struct pdg_err *err);

/*
 * Import the file at path (a folder, a CD/DVD): copied into the spool's tmp/ folder, fsync'd,
 * then as pdg_catalog_ingest. The original is never changed. *duplicate as there.
 * Errors: PDG_E_NOTFOUND (cannot open or read the file), PDG_E_INVALID (not a regular file),
 * PDG_E_DICOM (not a PS3.10 file or no SOP Instance UID), PDG_E_IO (the spool: disk full...).
 * Messages hold no path and no value.
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_import(struct pdg_catalog *cat, const char *path,
						const struct pdg_catalog_origin *origin,
						int *duplicate, struct pdg_err *err);

/* What pdg_catalog_reconcile did. */
struct pdg_catalog_repair {
	size_t rows_removed;   /* rows whose spool file was missing */
	size_t files_indexed;  /* spool files without a row, indexed again */
	size_t files_bad;      /* spool files that are not readable DICOM: moved to quarantine/ */
	size_t temps_removed;  /* leftover temporary files */
};

/*
 * Make catalog and spool agree (run on start, nothing else may use the spool meanwhile):
 * rows without files removed, files without rows re-indexed, temporary files removed.
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_reconcile(struct pdg_catalog *cat,
						   struct pdg_catalog_repair *rep,
						   struct pdg_err *err);

/* Filter for pdg_catalog_studies; NULL/"" fields do not filter. Dates are YYYYMMDD. */
struct pdg_catalog_filter {
	const char *modality;
	const char *from;
	const char *to;
	const char *accession;
	const char *patient_id;
};

/* One study as listed (strings valid during the callback only; they are PHI). */
struct pdg_catalog_study {
	const char *study_uid, *patient_id, *patient_name, *birth_date, *accession;
	const char *study_date, *description, *modalities, *status, *first_arrival;
	const char *sender_ae;
	int64_t series, instances, bytes, duplicates;
};

/* Call fn for each study matching f, newest study date first. A non-zero code from fn stops. */
PDG_MUST_CHECK enum pdg_code pdg_catalog_studies(struct pdg_catalog *cat,
						 const struct pdg_catalog_filter *f,
						 enum pdg_code (*fn)(const struct pdg_catalog_study *s,
								     void *arg, struct pdg_err *err),
						 void *arg, struct pdg_err *err);

/*
 * The spool paths of every instance of the studies named by study UID or accession number
 * (either list may be empty), for export. *paths (n entries, each malloc'd) is freed with
 * pdg_catalog_paths_free. A UID or accession that matches nothing: PDG_E_NOTFOUND (the
 * message does not repeat the value: it is PHI).
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_select(struct pdg_catalog *cat,
						const char *const *study_uids, size_t nuids,
						const char *const *accessions, size_t nacc,
						char ***paths, size_t *n, struct pdg_err *err);
void pdg_catalog_paths_free(char **paths, size_t n);

/*
 * Mark the instances at paths as exported in package (status 'exported', package appended
 * to the row's package list, export time recorded).
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_mark_exported(struct pdg_catalog *cat,
						       const char *const *paths, size_t n,
						       const char *package, struct pdg_err *err);

/*
 * Delete from the spool the original of every instance exported before date (YYYY-MM-DD or
 * YYYYMMDD; compared with the export time, UTC). The rows stay with status 'purged' (the
 * record of what was held and in which packages it left; pdigate studies shows them); an
 * instance sent again later is stored again. Files first, then the rows (a crash between
 * leaves 'exported' rows without files, which reconcile removes). *removed: files deleted.
 * packages (cap bytes, may be 0): the package ids of the purged instances, comma-separated,
 * cut with "..." if too long. Errors: PDG_E_INVALID (bad date), PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_catalog_purge(struct pdg_catalog *cat, const char *date,
					       size_t *removed, char *packages, size_t cap,
					       struct pdg_err *err);

#endif
