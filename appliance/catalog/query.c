/* SPDX-License-Identifier: MIT */
/* Reading the catalog: study listing, selection for export, export marks, purge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance/catalog/internal.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static int set(const char *s)
{
	return s && *s;
}

enum pdg_code pdg_catalog_studies(struct pdg_catalog *cat, const struct pdg_catalog_filter *f,
				  enum pdg_code (*fn)(const struct pdg_catalog_study *s, void *arg,
						      struct pdg_err *err),
				  void *arg, struct pdg_err *err)
{
	static const char sql[] =
		"SELECT s.study_uid, s.patient_id, s.patient_name, s.birth_date, s.accession,"
		" s.study_date, s.study_description, s.modalities, s.status, s.first_arrival,"
		" s.sender_ae, s.series, s.instances, s.bytes,"
		" (SELECT count(*) FROM duplicate d JOIN instance i USING(sop_instance_uid)"
		"   WHERE i.study_uid = s.study_uid)"
		" FROM study s WHERE"
		" (?1 IS NULL OR EXISTS (SELECT 1 FROM instance m WHERE m.study_uid = s.study_uid"
		"   AND m.modality = ?1))"
		" AND (?2 IS NULL OR s.study_date >= ?2) AND (?3 IS NULL OR s.study_date <= ?3)"
		" AND (?4 IS NULL OR s.accession = ?4) AND (?5 IS NULL OR s.patient_id = ?5)"
		" ORDER BY s.study_date DESC, s.first_arrival DESC";
	const char *v[5] = { f ? f->modality : NULL, f ? f->from : NULL, f ? f->to : NULL,
			     f ? f->accession : NULL, f ? f->patient_id : NULL };
	sqlite3_stmt *st = NULL;
	enum pdg_code rc = PDG_OK;
	int src;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	for (int i = 0; i < 5; i++)
		if (set(v[i]))
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		struct pdg_catalog_study s = {
			col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5),
			col(st, 6), col(st, 7), col(st, 8), col(st, 9), col(st, 10),
			sqlite3_column_int64(st, 11), sqlite3_column_int64(st, 12),
			sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 14),
		};
		if ((rc = fn(&s, arg, err)))
			break;
	}
	if (!rc && src != SQLITE_DONE)
		rc = pdg_catalog_sqlerr(cat, err, "list the studies");
	sqlite3_finalize(st);
	return rc;
}

void pdg_catalog_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

/* Append the paths of the rows of column = value to *paths; *found set if any. */
static enum pdg_code select_one(struct pdg_catalog *cat, const char *sql, const char *value,
				char ***paths, size_t *n, size_t *cap, struct pdg_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t before = *n;
	int src;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 64;
			char **np = realloc(*paths, nc * sizeof *np);
			if (!np) {
				sqlite3_finalize(st);
				return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
			}
			*paths = np;
			*cap = nc;
		}
		if (!((*paths)[*n] = strdup(col(st, 0)))) {
			sqlite3_finalize(st);
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return pdg_catalog_sqlerr(cat, err, "select instances");
	if (*n == before)
		return pdg_err_set(err, PDG_E_NOTFOUND, "a requested study is not in the catalog");
	return PDG_OK;
}

enum pdg_code pdg_catalog_select(struct pdg_catalog *cat, const char *const *study_uids,
				 size_t nuids, const char *const *accessions, size_t nacc,
				 char ***paths, size_t *n, struct pdg_err *err)
{
	size_t cap = 0;
	enum pdg_code rc = PDG_OK;

	*paths = NULL;
	*n = 0;
	for (size_t i = 0; !rc && i < nuids; i++)
		rc = select_one(cat,
				"SELECT path FROM instance WHERE study_uid=? AND status NOT IN ('quarantined', 'purged')"
				" ORDER BY series_uid, CAST(instance_number AS INTEGER), id",
				study_uids[i], paths, n, &cap, err);
	for (size_t i = 0; !rc && i < nacc; i++)
		rc = select_one(cat,
				"SELECT path FROM instance WHERE accession=? AND status NOT IN ('quarantined', 'purged')"
				" ORDER BY study_uid, series_uid, CAST(instance_number AS INTEGER), id",
				accessions[i], paths, n, &cap, err);
	if (rc) {
		pdg_catalog_paths_free(*paths, *n);
		*paths = NULL;
		*n = 0;
	}
	return rc;
}

enum pdg_code pdg_catalog_mark_exported(struct pdg_catalog *cat, const char *const *paths,
					size_t n, const char *package, struct pdg_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[PDG_TIME_MAX];
	enum pdg_code rc = PDG_OK;

	pdg_utc_now(now, sizeof now);
	if (sqlite3_prepare_v2(cat->db,
			       "UPDATE instance SET status='exported', exported=?2,"
			       " packages = CASE packages WHEN '' THEN ?3 ELSE packages || ',' || ?3"
			       " END WHERE path=?1", -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	sqlite3_exec(cat->db, "BEGIN", NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, paths[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, package, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = pdg_catalog_sqlerr(cat, err, "mark an instance exported");
			break;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(cat->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) && !rc)
		rc = pdg_catalog_sqlerr(cat, err, "commit");
	return rc;
}

enum pdg_code pdg_catalog_purge(struct pdg_catalog *cat, const char *date, size_t *removed,
				char *packages, size_t cap, struct pdg_err *err)
{
	char iso[16];
	sqlite3_stmt *st = NULL;
	enum pdg_code rc = PDG_OK;
	int src;

	*removed = 0;
	if (cap)
		packages[0] = 0;
	if (strlen(date) == 8 && strspn(date, "0123456789") == 8)
		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", date, date + 4, date + 6);
	else if (strlen(date) == 10 && date[4] == '-' && date[7] == '-' &&
		 strspn(date, "0123456789") == 4 && strspn(date + 5, "0123456789") == 2 &&
		 strspn(date + 8, "0123456789") == 2)
		pdg_str_copy(iso, sizeof iso, date);
	else
		return pdg_err_set(err, PDG_E_INVALID, "bad date '%s' (YYYY-MM-DD)", date);
	if (sqlite3_prepare_v2(cat->db,
			       "SELECT group_concat(DISTINCT packages) FROM instance"
			       " WHERE status='exported' AND exported < ?", -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	sqlite3_bind_text(st, 1, iso, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && cap &&
	    (size_t)snprintf(packages, cap, "%s", col(st, 0)) >= cap && cap > 4)
		memcpy(packages + cap - 4, "...", 4);
	sqlite3_finalize(st);
	/* files first: a crash then leaves 'exported' rows without files, which reconcile drops */
	if (sqlite3_prepare_v2(cat->db,
			       "SELECT path FROM instance WHERE status='exported' AND exported < ?",
			       -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	sqlite3_bind_text(st, 1, iso, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (unlink(col(st, 0)) == 0)
			(*removed)++;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return pdg_catalog_sqlerr(cat, err, "list exported instances");
	/* the rows stay as the record of what was held and where it went */
	if (sqlite3_prepare_v2(cat->db,
			       "UPDATE instance SET status='purged' WHERE status='exported'"
			       " AND exported < ?", -1, &st, NULL))
		return pdg_catalog_sqlerr(cat, err, "prepare");
	sqlite3_bind_text(st, 1, iso, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = pdg_catalog_sqlerr(cat, err, "mark purged instances");
	sqlite3_finalize(st);
	return rc;
}
