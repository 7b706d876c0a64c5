/* SPDX-License-Identifier: MIT */
/* The ledger's SQLite connection: WAL, synchronous FULL (or NORMAL), busy timeout, foreign keys. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "center/ledger/db_internal.h"

#define PDG_LDB_BUSY_MS 10000

static enum pdg_code sqlerr(struct pdg_ldb *c, struct pdg_err *err, int rc, const char *what)
{
	int ext = c->db ? sqlite3_extended_errcode(c->db) : rc;

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		c->retry = 1;
	if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
		return pdg_err_set(err, PDG_E_EXISTS, "%s: %s", what, sqlite3_errstr(rc));
	return pdg_err_set(err, PDG_E_IO, "%s: %s", what,
		c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* Before SQLite's first use: no memory statistics (a process-wide mutex around every malloc).
 * Fails harmlessly when something else in the process initialised SQLite first. */
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum pdg_code pdg_ldb_open_sqlite(struct pdg_ldb **out, const char *path, int sync_full,
	struct pdg_err *err)
{
	struct pdg_ldb *c;
	enum pdg_code rc;
	int src;

	(void)pthread_once(&sqlite_once, sqlite_setup);
	c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	c->backend = PDG_LEDGER_SQLITE;
	src = sqlite3_open_v2(path, &c->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		rc = pdg_err_set(err, PDG_E_IO, "cannot open the ledger database '%s': %s", path,
			sqlite3_errstr(src));
		pdg_ldb_close(c);
		return rc;
	}
	(void)sqlite3_extended_result_codes(c->db, 1);
	(void)sqlite3_busy_timeout(c->db, PDG_LDB_BUSY_MS);
	rc = pdg_ldb_exec(c, "PRAGMA journal_mode=WAL", NULL, 0, NULL, NULL, NULL, err);
	if (!rc)
		rc = pdg_ldb_exec(c, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
			NULL, 0, NULL, NULL, NULL, err);
	if (!rc)
		rc = pdg_ldb_exec(c, "PRAGMA foreign_keys=ON", NULL, 0, NULL, NULL, NULL, err);
	/* the handle's thread checkpoints; this is only the backstop (about 40 MiB of WAL) */
	if (!rc)
		rc = pdg_ldb_exec(c, "PRAGMA wal_autocheckpoint=10000", NULL, 0, NULL, NULL, NULL,
			err);
	if (rc) {
		pdg_err_prefix(err, "opening the ledger database '%s'", path);
		pdg_ldb_close(c);
		return rc;
	}
	c->relaxed = !sync_full;
	*out = c;
	return PDG_OK;
}

static enum pdg_code bind(struct pdg_ldb *c, sqlite3_stmt *st, const struct pdg_ldb_arg *args,
	int nargs, struct pdg_err *err)
{
	for (int i = 0; i < nargs; i++) {
		int src;

		switch (args[i].type) {
		case PDG_LDB_INT:
			src = sqlite3_bind_int64(st, i + 1, args[i].i);
			break;
		case PDG_LDB_TEXT:
			src = args[i].p ? sqlite3_bind_text(st, i + 1, args[i].p, -1, SQLITE_STATIC)
				: sqlite3_bind_null(st, i + 1);
			break;
		case PDG_LDB_BLOB:
			src = sqlite3_bind_blob64(st, i + 1, args[i].n ? args[i].p : "",
				(sqlite3_uint64)args[i].n, SQLITE_STATIC);
			break;
		default:
			src = sqlite3_bind_null(st, i + 1);
			break;
		}
		if (src != SQLITE_OK)
			return sqlerr(c, err, src, "binding a ledger query");
	}
	return PDG_OK;
}

enum pdg_code pdg_ldb_exec_sqlite(struct pdg_ldb *c, const char *sql,
	const struct pdg_ldb_arg *args, int nargs,
	int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, int64_t *changes,
	struct pdg_err *err)
{
	struct pdg_ldb_row row = { .backend = PDG_LEDGER_SQLITE };
	struct pdg_ldb_stmt *cached = NULL;
	sqlite3_stmt *st = NULL;
	enum pdg_code rc = PDG_OK;
	int src, stop = 0;

	for (unsigned i = 0; i < c->ncache; i++)
		if (!c->cache[i].busy && !strcmp(sqlite3_sql(c->cache[i].st), sql)) {
			cached = &c->cache[i];
			st = cached->st;
			break;
		}
	if (!st) {
		src = sqlite3_prepare_v3(c->db, sql, -1,
			c->ncache < PDG_LDB_STMT_CACHE ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
		if (src != SQLITE_OK)
			return sqlerr(c, err, src, "preparing a ledger query");
		if (st && c->ncache < PDG_LDB_STMT_CACHE) {
			cached = &c->cache[c->ncache++];
			cached->st = st;
		}
	}
	if (!st)
		return PDG_OK;                   /* only a comment or white space */
	if (cached)
		cached->busy = 1;
	rc = bind(c, st, args, nargs, err);
	row.st = st;
	while (!rc && !stop) {
		src = sqlite3_step(st);
		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW) {
			rc = sqlerr(c, err, src, "ledger query");
			break;
		}
		if (fn && fn(ctx, &row))
			stop = 1;
	}
	if (!rc && changes)
		*changes = sqlite3_changes64(c->db);
	if (cached) {
		(void)sqlite3_reset(st);         /* ends its read at once, as finalize would */
		(void)sqlite3_clear_bindings(st);
		cached->busy = 0;
	} else {
		(void)sqlite3_finalize(st);
	}
	return rc;
}

enum pdg_code pdg_ldb_script_sqlite(struct pdg_ldb *c, const char *sql, struct pdg_err *err)
{
	int src;

	if (!strchr(sql, ';'))                   /* one statement (BEGIN, COMMIT...): kept prepared */
		return pdg_ldb_exec_sqlite(c, sql, NULL, 0, NULL, NULL, NULL, err);
	src = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	if (src != SQLITE_OK)
		return sqlerr(c, err, src, "ledger statement");
	return PDG_OK;
}
