/* SPDX-License-Identifier: MIT */
/* The ledger's PostgreSQL connection through libpq: '?' placeholders become $n, results binary. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/ledger/db_internal.h"

#define PDG_LDB_PG_ARGS 32

enum pdg_code pdg_ldb_open_pg(struct pdg_ldb **out, const char *conninfo, struct pdg_err *err)
{
	struct pdg_ldb *c = calloc(1, sizeof(*c));
	enum pdg_code rc;

	*out = NULL;
	if (!c)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	c->backend = PDG_LEDGER_POSTGRESQL;
	c->pg = PQconnectdb(conninfo);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		/* libpq's message names host and database, not the password */
		rc = pdg_err_set(err, PDG_E_IO, "cannot connect to the PostgreSQL ledger: %s",
			c->pg ? PQerrorMessage(c->pg) : "out of memory");
		size_t n = strlen(err ? err->msg : "");
		while (err && n && (err->msg[n - 1] == '\n' || err->msg[n - 1] == ' '))
			err->msg[--n] = '\0';
		pdg_ldb_close(c);
		return rc;
	}
	rc = pdg_ldb_exec(c, "SET client_min_messages = warning", NULL, 0, NULL, NULL, NULL, err);
	if (rc) {
		pdg_ldb_close(c);
		return rc;
	}
	*out = c;
	return PDG_OK;
}

/* sql with each '?' replaced by $1, $2...; malloc'd. */
static char *dollar_sql(const char *sql)
{
	size_t n = strlen(sql), q = 0;
	char *out, *o;
	int k = 0;

	for (const char *s = sql; *s; s++)
		q += *s == '?';
	size_t cap = n + q * 4 + 1;

	out = malloc(cap);
	if (!out)
		return NULL;
	o = out;
	for (const char *s = sql; *s; s++) {
		if (*s == '?')
			o += snprintf(o, cap - (size_t)(o - out), "$%d", ++k);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static enum pdg_code pg_fail(struct pdg_ldb *c, PGresult *res, struct pdg_err *err)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (PQstatus(c->pg) != CONNECTION_OK)
		c->broken = 1;
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		c->retry = 1;
	if (state && !strcmp(state, "23505"))
		return pdg_err_set(err, PDG_E_EXISTS, "ledger query: duplicate key");
	return pdg_err_set(err, PDG_E_IO, "ledger query: %s (SQLSTATE %s)",
		msg ? msg : (c->broken ? "connection lost" : "failed"), state ? state : "none");
}

enum pdg_code pdg_ldb_script_pg(struct pdg_ldb *c, const char *sql, struct pdg_err *err)
{
	PGresult *res = PQexec(c->pg, sql);
	enum pdg_code rc = PDG_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(c, res, err);
	PQclear(res);
	return rc;
}

enum pdg_code pdg_ldb_exec_pg(struct pdg_ldb *c, const char *sql,
	const struct pdg_ldb_arg *args, int nargs,
	int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, int64_t *changes,
	struct pdg_err *err)
{
	const char *values[PDG_LDB_PG_ARGS];
	int lengths[PDG_LDB_PG_ARGS], formats[PDG_LDB_PG_ARGS];
	char ints[PDG_LDB_PG_ARGS][24];
	struct pdg_ldb_row row = { .backend = PDG_LEDGER_POSTGRESQL };
	enum pdg_code rc = PDG_OK;
	PGresult *res;
	char *q;

	if (nargs > PDG_LDB_PG_ARGS)
		return pdg_err_set(err, PDG_E_INTERNAL, "too many ledger query parameters");
	for (int i = 0; i < nargs; i++) {
		lengths[i] = 0;
		formats[i] = 0;
		switch (args[i].type) {
		case PDG_LDB_INT:
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64, args[i].i);
			values[i] = ints[i];
			break;
		case PDG_LDB_TEXT:
			values[i] = args[i].p;
			break;
		case PDG_LDB_BLOB:
			values[i] = args[i].n ? args[i].p : "";
			lengths[i] = (int)args[i].n;
			formats[i] = 1;
			break;
		default:
			values[i] = NULL;
			break;
		}
	}
	q = dollar_sql(sql);
	if (!q)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	res = PQexecParams(c->pg, q, nargs, NULL, values, lengths, formats, 1);
	free(q);
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		row.res = res;
		for (int i = 0, n = PQntuples(res); fn && i < n; i++) {
			row.row = i;
			if (fn(ctx, &row))
				break;
		}
		break;
	case PGRES_COMMAND_OK:
		if (changes) {
			const char *t = PQcmdTuples(res);
			*changes = t && *t ? strtoll(t, NULL, 10) : 0;
		}
		break;
	default:
		rc = pg_fail(c, res, err);
		break;
	}
	PQclear(res);
	return rc;
}
