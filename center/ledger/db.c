/* SPDX-License-Identifier: MIT */
/* The ledger's database layer: dispatch to SQLite or libpq, and column access for both. */
#include <stdlib.h>
#include <string.h>

#include "center/ledger/db_internal.h"

enum pdg_ledger_backend pdg_ldb_backend(const struct pdg_ldb *c)
{
	return c->backend;
}

int pdg_ldb_retryable(const struct pdg_ldb *c)
{
	return c->retry;
}

int pdg_ldb_broken(const struct pdg_ldb *c)
{
	return c->broken;
}

struct pdg_ldb *pdg_ldb_close(struct pdg_ldb *c)
{
	if (!c)
		return NULL;
	for (unsigned i = 0; i < c->ncache; i++)
		(void)sqlite3_finalize(c->cache[i].st);
	if (c->db)
		(void)sqlite3_close_v2(c->db);
	if (c->pg)
		PQfinish(c->pg);
	free(c);
	return NULL;
}

enum pdg_code pdg_ldb_exec(struct pdg_ldb *c, const char *sql, const struct pdg_ldb_arg *args,
	int nargs, int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, int64_t *changes,
	struct pdg_err *err)
{
	c->retry = 0;
	if (changes)
		*changes = 0;
	if (c->backend == PDG_LEDGER_SQLITE)
		return pdg_ldb_exec_sqlite(c, sql, args, nargs, fn, ctx, changes, err);
	return pdg_ldb_exec_pg(c, sql, args, nargs, fn, ctx, changes, err);
}

enum pdg_code pdg_ldb_script(struct pdg_ldb *c, const char *sql, struct pdg_err *err)
{
	c->retry = 0;
	if (c->backend == PDG_LEDGER_SQLITE)
		return pdg_ldb_script_sqlite(c, sql, err);
	return pdg_ldb_script_pg(c, sql, err);
}

int pdg_ldb_isnull(const struct pdg_ldb_row *r, int col)
{
	if (r->backend == PDG_LEDGER_SQLITE)
		return sqlite3_column_type(r->st, col) == SQLITE_NULL;
	return PQgetisnull(r->res, r->row, col);
}

/* PostgreSQL binary integers are big-endian, 2, 4 or 8 bytes. */
static int64_t pg_int(const struct pdg_ldb_row *r, int col)
{
	const unsigned char *v = (const unsigned char *)PQgetvalue(r->res, r->row, col);
	int len = PQgetlength(r->res, r->row, col);
	uint64_t u = 0;

	if (PQgetisnull(r->res, r->row, col) || (len != 2 && len != 4 && len != 8))
		return 0;
	for (int i = 0; i < len; i++)
		u = (u << 8) | v[i];
	if (len == 2)
		return (int16_t)u;
	if (len == 4)
		return (int32_t)u;
	return (int64_t)u;
}

int64_t pdg_ldb_int(const struct pdg_ldb_row *r, int col)
{
	if (r->backend == PDG_LEDGER_SQLITE)
		return sqlite3_column_int64(r->st, col);
	return pg_int(r, col);
}

const char *pdg_ldb_text(const struct pdg_ldb_row *r, int col)
{
	const char *s;

	if (r->backend == PDG_LEDGER_SQLITE)
		s = (const char *)sqlite3_column_text(r->st, col);
	else
		s = PQgetisnull(r->res, r->row, col) ? NULL : PQgetvalue(r->res, r->row, col);
	return s ? s : "";
}

const uint8_t *pdg_ldb_blob(const struct pdg_ldb_row *r, int col, size_t *len)
{
	*len = 0;
	if (pdg_ldb_isnull(r, col))
		return NULL;
	if (r->backend == PDG_LEDGER_SQLITE) {
		const uint8_t *b = sqlite3_column_blob(r->st, col);

		*len = (size_t)sqlite3_column_bytes(r->st, col);
		return b ? b : (const uint8_t *)"";
	}
	*len = (size_t)PQgetlength(r->res, r->row, col);
	return (const uint8_t *)PQgetvalue(r->res, r->row, col);
}
