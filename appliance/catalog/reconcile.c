/* SPDX-License-Identifier: MIT */
/* Making catalog and spool agree after a crash: drop orphan rows, index orphan files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/catalog/internal.h"
#include "appliance/home/fsutil.h"

/* Remove every file of the tmp folder (partial receives, copies in progress). */
static enum pdg_code clean_tmp(struct pdg_catalog *cat, size_t *n, struct pdg_err *err)
{
	DIR *d = opendir(cat->tmp);
	struct dirent *e;
	char p[4500 + 256];

	if (!d)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", cat->tmp);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", cat->tmp, e->d_name);
		if (!unlink(p))
			(*n)++;
	}
	closedir(d);
	return PDG_OK;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static enum pdg_code drop_orphan_rows(struct pdg_catalog *cat, size_t *n, struct pdg_err *err)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	enum pdg_code rc = PDG_OK;
	struct stat sb;
	int src;

	if (sqlite3_prepare_v2(cat->db, "SELECT id, path FROM instance WHERE status != 'purged'", -1, &st, NULL) ||
	    sqlite3_prepare_v2(cat->db, "DELETE FROM instance WHERE id=?", -1, &del, NULL)) {
		rc = pdg_catalog_sqlerr(cat, err, "prepare");
		goto out;
	}
	sqlite3_exec(cat->db, "BEGIN", NULL, NULL, NULL);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 1);
		if (p && !stat(p, &sb))
			continue;
		sqlite3_bind_int64(del, 1, sqlite3_column_int64(st, 0));
		if (sqlite3_step(del) != SQLITE_DONE) {
			rc = pdg_catalog_sqlerr(cat, err, "remove a row");
			break;
		}
		sqlite3_reset(del);
		(*n)++;
	}
	if (!rc && src != SQLITE_DONE)
		rc = pdg_catalog_sqlerr(cat, err, "list the instances");
	sqlite3_exec(cat->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return rc;
}

static int has_row(struct pdg_catalog *cat, const char *path)
{
	sqlite3_stmt *st = NULL;
	int r = 1;
	if (!sqlite3_prepare_v2(cat->db, "SELECT 1 FROM instance WHERE path=?", -1, &st, NULL)) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return r;
}

/* Index spool files without a row; unreadable ones go to <spool>/quarantine/. */
static enum pdg_code index_orphan_files(struct pdg_catalog *cat, struct pdg_catalog_repair *rep,
					struct pdg_err *err)
{
	DIR *d = opendir(cat->spool), *sd;
	struct dirent *e, *f;
	char sub[4400], p[4700], q[4800];
	struct pdg_err e2;
	int dup;

	if (!d)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", cat->spool);
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 2 || !is_hex(e->d_name, 2))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", cat->spool, e->d_name);
		if (!(sd = opendir(sub)))
			continue;
		while ((f = readdir(sd))) {
			if (strlen(f->d_name) != 36 || !is_hex(f->d_name, 32) ||
			    strcmp(f->d_name + 32, ".dcm"))
				continue;
			snprintf(p, sizeof p, "%s/%s", sub, f->d_name);
			if (has_row(cat, p))
				continue;
			memset(&e2, 0, sizeof e2);
			struct pdg_catalog_origin o = { "", "recovered" };
			if (!pdg_catalog_insert_row(cat, p, NULL, &o, NULL, &dup, &e2)) {
				if (dup)
					unlink(p);
				else
					rep->files_indexed++;
				continue;
			}
			snprintf(q, sizeof q, "%s/quarantine", cat->spool);
			mkdir(q, 0700);
			snprintf(q, sizeof q, "%s/quarantine/%s", cat->spool, f->d_name);
			if (!rename(p, q))
				rep->files_bad++;
		}
		closedir(sd);
	}
	closedir(d);
	return PDG_OK;
}

enum pdg_code pdg_catalog_reconcile(struct pdg_catalog *cat, struct pdg_catalog_repair *rep,
				    struct pdg_err *err)
{
	enum pdg_code rc;
	memset(rep, 0, sizeof *rep);
	if ((rc = clean_tmp(cat, &rep->temps_removed, err)) ||
	    (rc = drop_orphan_rows(cat, &rep->rows_removed, err)) ||
	    (rc = index_orphan_files(cat, rep, err)))
		return rc;
	return PDG_OK;
}
