/* SPDX-License-Identifier: MIT */
/* The ledger's internal database layer: one connection, SQLite or libpq, one exec call. */
#ifndef PDG_LEDGER_DB_H
#define PDG_LEDGER_DB_H

#include <stddef.h>
#include <stdint.h>

#include "center/ledger/ledger.h"

enum pdg_ldb_type { PDG_LDB_NULL = 0, PDG_LDB_INT, PDG_LDB_TEXT, PDG_LDB_BLOB };

/* A statement parameter: the SQL uses '?' for each, in order (turned into $n for libpq). */
struct pdg_ldb_arg {
	enum pdg_ldb_type type;
	int64_t i;
	const void *p;                           /* TEXT: NUL-terminated; BLOB: n bytes */
	size_t n;
};

#define PDG_LDB_I(v) ((struct pdg_ldb_arg){ .type = PDG_LDB_INT, .i = (int64_t)(v) })
#define PDG_LDB_T(s) ((struct pdg_ldb_arg){ .type = PDG_LDB_TEXT, .p = (s) })
#define PDG_LDB_B(b, len) ((struct pdg_ldb_arg){ .type = PDG_LDB_BLOB, .p = (b), .n = (len) })

/* One result row, valid during the row callback. */
struct pdg_ldb_row;

/* Column col (0-based) as an integer (0 when NULL), as text ("" when NULL, never NULL) or as
 * bytes (*len set; NULL when NULL). */
int64_t pdg_ldb_int(const struct pdg_ldb_row *r, int col);
const char *pdg_ldb_text(const struct pdg_ldb_row *r, int col);
const uint8_t *pdg_ldb_blob(const struct pdg_ldb_row *r, int col, size_t *len);
int pdg_ldb_isnull(const struct pdg_ldb_row *r, int col);

/* One open connection. */
struct pdg_ldb;

/*
 * Open a connection: SQLite file path (sync 1 full, 0 normal) or libpq conninfo. *out owns it.
 * PDG_E_IO when it cannot be opened.
 */
PDG_MUST_CHECK enum pdg_code pdg_ldb_open_sqlite(struct pdg_ldb **out, const char *path, int sync_full,
	struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ldb_open_pg(struct pdg_ldb **out, const char *conninfo,
	struct pdg_err *err);

/* Close and free; accepts NULL; returns NULL. */
struct pdg_ldb *pdg_ldb_close(struct pdg_ldb *c);

enum pdg_ledger_backend pdg_ldb_backend(const struct pdg_ldb *c);

/*
 * Run one statement with args; call fn for each row (fn returning non-zero stops); *changes
 * (may be NULL) receives the rows changed. Errors: PDG_E_EXISTS for a unique or primary key
 * violation, PDG_E_IO otherwise; pdg_ldb_retryable tells whether the failure was a busy/
 * serialization/deadlock one worth retrying the transaction for.
 */
PDG_MUST_CHECK enum pdg_code pdg_ldb_exec(struct pdg_ldb *c, const char *sql,
	const struct pdg_ldb_arg *args, int nargs,
	int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, int64_t *changes,
	struct pdg_err *err);

/*
 * Run statements without parameters or results, separated by ';', in one round trip (BEGIN
 * plus SET LOCAL). Errors as pdg_ldb_exec.
 */
PDG_MUST_CHECK enum pdg_code pdg_ldb_script(struct pdg_ldb *c, const char *sql, struct pdg_err *err);

/* 1 if the last failure of c was transient (busy, serialization failure, deadlock). */
int pdg_ldb_retryable(const struct pdg_ldb *c);

/* 1 if the connection is broken (the pool then drops it instead of reusing it). */
int pdg_ldb_broken(const struct pdg_ldb *c);

#endif
