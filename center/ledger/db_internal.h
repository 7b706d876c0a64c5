/* SPDX-License-Identifier: MIT */
/* The connection and row structs the two backends of the ledger's database layer share. */
#ifndef PDG_LEDGER_DB_INTERNAL_H
#define PDG_LEDGER_DB_INTERNAL_H

#include <libpq-fe.h>
#include <sqlite3.h>

#include "center/ledger/db.h"

#define PDG_LDB_STMT_CACHE 32

struct pdg_ldb {
	enum pdg_ledger_backend backend;
	sqlite3 *db;
	/* SQLite: prepared statements kept for the next run of the same SQL text */
	struct pdg_ldb_stmt {
		sqlite3_stmt *st;
		int busy;                        /* running (a row callback may run SQL again) */
	} cache[PDG_LDB_STMT_CACHE];
	unsigned ncache;
	PGconn *pg;
	int retry;                               /* last failure transient */
	int broken;                              /* connection unusable */
	int relaxed;                             /* SQLite: synchronous=NORMAL set for now */
};

struct pdg_ldb_row {
	enum pdg_ledger_backend backend;
	sqlite3_stmt *st;
	PGresult *res;
	int row;
};

enum pdg_code pdg_ldb_exec_sqlite(struct pdg_ldb *c, const char *sql,
	const struct pdg_ldb_arg *args, int nargs,
	int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, int64_t *changes,
	struct pdg_err *err);
enum pdg_code pdg_ldb_exec_pg(struct pdg_ldb *c, const char *sql,
	const struct pdg_ldb_arg *args, int nargs,
	int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, int64_t *changes,
	struct pdg_err *err);

enum pdg_code pdg_ldb_script_pg(struct pdg_ldb *c, const char *sql, struct pdg_err *err);
enum pdg_code pdg_ldb_script_sqlite(struct pdg_ldb *c, const char *sql, struct pdg_err *err);

#endif
