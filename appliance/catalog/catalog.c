/* SPDX-License-Identifier: MIT */
/* The study catalog: SQLite schema, opening, ingesting an instance into spool and catalog. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/catalog/internal.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "lib/text.h"
#include "pdi/dicom/dcm.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS instance("
	" id INTEGER PRIMARY KEY, sop_instance_uid TEXT NOT NULL UNIQUE, sop_class_uid TEXT,"
	" series_uid TEXT, study_uid TEXT, patient_id TEXT, patient_name TEXT, birth_date TEXT,"
	" sex TEXT, accession TEXT, study_date TEXT, study_time TEXT, study_description TEXT,"
	" modality TEXT, series_number TEXT, instance_number TEXT, transfer_syntax TEXT,"
	" path TEXT NOT NULL UNIQUE, size INTEGER, arrived TEXT, sender_ae TEXT,"
	" sender_address TEXT, status TEXT NOT NULL DEFAULT 'new', packages TEXT NOT NULL DEFAULT '',"
	" exported TEXT);"
	"CREATE INDEX IF NOT EXISTS instance_study ON instance(study_uid);"
	"CREATE INDEX IF NOT EXISTS instance_accession ON instance(accession);"
	"CREATE TABLE IF NOT EXISTS duplicate(id INTEGER PRIMARY KEY, sop_instance_uid TEXT,"
	" arrived TEXT, sender_ae TEXT, sender_address TEXT);"
	"CREATE VIEW IF NOT EXISTS series AS SELECT series_uid, study_uid, modality,"
	" series_number, count(*) AS instances, sum(size) AS bytes FROM instance GROUP BY series_uid;"
	"CREATE VIEW IF NOT EXISTS study AS SELECT study_uid, patient_id, patient_name,"
	" birth_date, accession, study_date, study_description,"
	" group_concat(DISTINCT modality) AS modalities, count(DISTINCT series_uid) AS series,"
	" count(*) AS instances, sum(size) AS bytes, min(arrived) AS first_arrival,"
	" min(sender_ae) AS sender_ae, min(status) AS status FROM instance GROUP BY study_uid;"
	"CREATE VIEW IF NOT EXISTS patient AS SELECT patient_id, patient_name, birth_date, sex,"
	" count(DISTINCT study_uid) AS studies FROM instance GROUP BY patient_id;";

enum pdg_code pdg_catalog_sqlerr(struct pdg_catalog *cat, struct pdg_err *err, const char *what)
{
	/* SQLite's messages can quote values (constraint failures): give only the code text */
	return pdg_err_set(err, PDG_E_IO, "catalog: cannot %s: %s", what,
			   sqlite3_errstr(sqlite3_extended_errcode(cat->db)));
}

static enum pdg_code mkdir_p0700(const char *path, struct pdg_err *err)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", path);
	return PDG_OK;
}

enum pdg_code pdg_catalog_open(const char *db_path, const char *spool, struct pdg_catalog **out,
			       struct pdg_err *err)
{
	struct pdg_catalog *cat = calloc(1, sizeof *cat);
	enum pdg_code rc;

	*out = NULL;
	if (!cat)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	if (!pdg_str_copy(cat->spool, sizeof cat->spool, spool)) {
		free(cat);
		return pdg_err_set(err, PDG_E_LIMIT, "spool path too long");
	}
	if ((rc = mkdir_p0700(spool, err)) ||
	    (rc = pdg_path_join(cat->tmp, sizeof cat->tmp, spool, PDG_CATALOG_TMP, err)) ||
	    (rc = mkdir_p0700(cat->tmp, err))) {
		free(cat);
		return rc;
	}
	if (sqlite3_open_v2(db_path, &cat->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
		rc = pdg_err_set(err, PDG_E_IO, "cannot open the catalog '%s'", db_path);
		pdg_catalog_close(cat);
		return rc;
	}
	chmod(db_path, 0600);
	sqlite3_busy_timeout(cat->db, 10000);
	if (sqlite3_exec(cat->db, schema, NULL, NULL, NULL)) {
		rc = pdg_catalog_sqlerr(cat, err, "create the schema");
		pdg_catalog_close(cat);
		return rc;
	}
	*out = cat;
	return PDG_OK;
}

void pdg_catalog_close(struct pdg_catalog *cat)
{
	if (!cat)
		return;
	sqlite3_close(cat->db);
	free(cat);
}

const char *pdg_catalog_tmp_dir(const struct pdg_catalog *cat)
{
	return cat->tmp;
}

/* The attributes kept per instance, in the order of the insert's parameters 1..15. */
static const uint32_t row_tags[] = {
	PDG_TAG(0x0008, 0x0018), PDG_TAG(0x0008, 0x0016), PDG_TAG(0x0020, 0x000e),
	PDG_TAG(0x0020, 0x000d), PDG_TAG(0x0010, 0x0020), PDG_TAG(0x0010, 0x0010),
	PDG_TAG(0x0010, 0x0030), PDG_TAG(0x0010, 0x0040), PDG_TAG(0x0008, 0x0050),
	PDG_TAG(0x0008, 0x0020), PDG_TAG(0x0008, 0x0030), PDG_TAG(0x0008, 0x1030),
	PDG_TAG(0x0008, 0x0060), PDG_TAG(0x0020, 0x0011), PDG_TAG(0x0020, 0x0013),
};
#define NTAGS (sizeof row_tags / sizeof row_tags[0])
/* Which of them are text in the Specific Character Set: patient ID and name, accession,
 * study description. */
static const unsigned char is_text[NTAGS] = { [4] = 1, [5] = 1, [8] = 1, [11] = 1 };
#define VALMAX 512

static enum pdg_code read_attrs(const char *path, char vals[][VALMAX], char *ts, size_t tscap,
				struct pdg_err *err)
{
	struct pdg_dcm *dcm = NULL;
	struct pdg_err e2 = { 0 };
	enum pdg_code rc = pdg_dcm_read(path, PDG_DCM_READ_LAZY, &dcm, err);

	if (rc)
		return rc;
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
	char charset[128], raw[VALMAX];

	if (pdg_dcm_get_string(ds, PDG_TAG(0x0008, 0x0005), charset, sizeof(charset), &e2))
		charset[0] = 0;
	/* kept as UTF-8 for the operator's screen and JSON (the spooled file keeps its bytes) */
	for (size_t i = 0; i < NTAGS; i++) {
		vals[i][0] = 0;
		if (pdg_dcm_get_string(ds, row_tags[i], raw, VALMAX, &e2))
			continue;
		if (is_text[i])
			pdg_text_utf8(charset, raw, vals[i], VALMAX);
		else
			pdg_text_clean(raw, vals[i], VALMAX);
	}
	pdg_str_copy(ts, tscap, pdg_dcm_transfer_syntax(dcm));
	pdg_dcm_free(dcm);
	if (!vals[0][0])
		return pdg_err_set(err, PDG_E_DICOM, "instance without SOP Instance UID");
	return PDG_OK;
}

enum pdg_code pdg_catalog_insert_row(struct pdg_catalog *cat, const char *path,
				     const char *tmp_path, const struct pdg_catalog_origin *o,
				     const char *arrived, int *duplicate, struct pdg_err *err)
{
	char vals[NTAGS][VALMAX], ts[80], sub[8], dir[4200], rnd[16], name[40];
	char final[4200], now[PDG_TIME_MAX];
	sqlite3_stmt *st = NULL;
	enum pdg_code rc;
	struct stat sb;
	int src;

	*duplicate = 0;
	if ((rc = read_attrs(tmp_path ? tmp_path : path, vals, ts, sizeof ts, err)))
		return rc;
	if (stat(tmp_path ? tmp_path : path, &sb))
		return pdg_err_sys(err, PDG_E_IO, "cannot stat a spool file");
	if (!arrived) {
		pdg_utc_now(now, sizeof now);
		arrived = now;
	}
	/* duplicate? */
	if (sqlite3_prepare_v2(cat->db, "SELECT 1 FROM instance WHERE sop_instance_uid=?"
			       " AND status != 'purged'", -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	sqlite3_bind_text(st, 1, vals[0], -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	sqlite3_finalize(st);
	if (src == SQLITE_ROW) {
		*duplicate = 1;
		if (sqlite3_prepare_v2(cat->db,
				       "INSERT INTO duplicate(sop_instance_uid, arrived, sender_ae,"
				       " sender_address) VALUES(?,?,?,?)", -1, &st, NULL))
			return pdg_catalog_sqlerr(cat, err, "prepare");
		sqlite3_bind_text(st, 1, vals[0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, arrived, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o && o->sender_ae ? o->sender_ae : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, o && o->sender_address ? o->sender_address : "", -1,
				  SQLITE_STATIC);
		src = sqlite3_step(st);
		sqlite3_finalize(st);
		return src == SQLITE_DONE ? PDG_OK : pdg_catalog_sqlerr(cat, err, "record a duplicate");
	}
	if (tmp_path) {
		/* random name; the spool file goes first, fsync'd before its row */
		if ((rc = pdg_random_bytes(rnd, sizeof rnd, err)))
			return rc;
		for (size_t i = 0; i < sizeof rnd; i++)
			snprintf(name + 2 * i, 3, "%02x", (unsigned char)rnd[i]);
		snprintf(sub, sizeof sub, "%.2s", name);
		snprintf(name + 32, sizeof name - 32, ".dcm");
		if ((rc = pdg_path_join(dir, sizeof dir, cat->spool, sub, err)) ||
		    (rc = mkdir_p0700(dir, err)) ||
		    (rc = pdg_path_join(final, sizeof final, dir, name, err)))
			return rc;
		if (rename(tmp_path, final))
			return pdg_err_sys(err, PDG_E_IO, "cannot move an instance into the spool");
		if ((rc = pdg_fsync_dir(dir, err)) || (rc = pdg_fsync_dir(cat->spool, err))) {
			unlink(final);
			return rc;
		}
		path = final;
	}
	/* an instance purged earlier and sent again is held again: its tombstone goes */
	if (sqlite3_prepare_v2(cat->db, "DELETE FROM instance WHERE sop_instance_uid=?"
			       " AND status='purged'", -1, &st, NULL)) {
		rc = pdg_catalog_sqlerr(cat, err, "prepare");
		goto fail;
	}
	sqlite3_bind_text(st, 1, vals[0], -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	sqlite3_finalize(st);
	if (src != SQLITE_DONE) {
		rc = pdg_catalog_sqlerr(cat, err, "replace a purged instance");
		goto fail;
	}
	if (sqlite3_prepare_v2(cat->db,
			       "INSERT INTO instance(sop_instance_uid, sop_class_uid, series_uid,"
			       " study_uid, patient_id, patient_name, birth_date, sex, accession,"
			       " study_date, study_time, study_description, modality, series_number,"
			       " instance_number, transfer_syntax, path, size, arrived, sender_ae,"
			       " sender_address) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL)) {
		rc = pdg_catalog_sqlerr(cat, err, "prepare");
		goto fail;
	}
	for (size_t i = 0; i < NTAGS; i++)
		sqlite3_bind_text(st, (int)i + 1, vals[i], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 18, (sqlite3_int64)sb.st_size);
	sqlite3_bind_text(st, 19, arrived, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 20, o && o->sender_ae ? o->sender_ae : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 21, o && o->sender_address ? o->sender_address : "", -1,
			  SQLITE_STATIC);
	src = sqlite3_step(st);
	sqlite3_finalize(st);
	if (src != SQLITE_DONE) {
		rc = pdg_catalog_sqlerr(cat, err, "insert an instance");
		goto fail;
	}
	return PDG_OK;
fail:
	/* a received instance must not stay without row: give it back to tmp for the caller */
	if (tmp_path && rename(final, tmp_path))
		unlink(final);
	return rc;
}

enum pdg_code pdg_catalog_ingest(struct pdg_catalog *cat, const char *tmp_path,
				 const struct pdg_catalog_origin *origin, int *duplicate,
				 struct pdg_err *err)
{
	return pdg_catalog_insert_row(cat, NULL, tmp_path, origin, NULL, duplicate, err);
}
