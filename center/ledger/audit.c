/* SPDX-License-Identifier: MIT */
/* The ledger's audit rows: appended in the transaction they record, chained by SHA-256. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/ledger/internal.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"

#define PDG_AUDIT_FORMAT "pdg-ledger-audit/1"

/* Append "<len>:<bytes>\n" of one field; returns the new length or 0 if it does not fit. */
static size_t field(char *buf, size_t cap, size_t at, const char *s)
{
	int n = snprintf(buf + at, cap - at, "%zu:%s\n", strlen(s), s);

	if (n < 0 || (size_t)n >= cap - at)
		return 0;
	return at + (size_t)n;
}

enum pdg_code pdg_ledger_audit_hash(const struct pdg_ledger_audit_row *r,
	char hex[PDG_LEDGER_HEX_MAX + 1], struct pdg_err *err)
{
	char buf[2048], num[2][24];
	uint8_t d[PDG_SHA256_BYTES];
	const char *fields[11];
	size_t at = 0;
	enum pdg_code rc;

	snprintf(num[0], sizeof(num[0]), "%" PRId64, r->seq);
	snprintf(num[1], sizeof(num[1]), "%" PRId64, r->time);
	fields[0] = PDG_AUDIT_FORMAT;
	fields[1] = r->prev_hash;
	fields[2] = num[0];
	fields[3] = num[1];
	fields[4] = r->event;
	fields[5] = r->package_id;
	fields[6] = r->from_state;
	fields[7] = r->to_state;
	fields[8] = r->outcome;
	fields[9] = r->actor;
	fields[10] = r->detail;
	for (size_t i = 0; i < PDG_ARRAY_SIZE(fields); i++) {
		at = field(buf, sizeof(buf), at, fields[i]);
		if (!at)
			return pdg_err_set(err, PDG_E_INTERNAL, "audit row too long to hash");
	}
	rc = pdg_sha256(d, buf, at, err);
	if (rc)
		return rc;
	pdg_sha256_hex(hex, d);
	return PDG_OK;
}

static int read_head(void *ctx, const struct pdg_ldb_row *r)
{
	struct pdg_ledger_audit_row *row = ctx;

	row->seq = pdg_ldb_int(r, 0);
	snprintf(row->prev_hash, sizeof(row->prev_hash), "%s", pdg_ldb_text(r, 1));
	return 1;
}

enum pdg_code pdg_ledger_audit_tx(struct pdg_ltx *tx, const struct pdg_ledger_audit_in *a,
	struct pdg_err *err)
{
	struct pdg_ledger_audit_row row = { .seq = -1 };
	enum pdg_code rc;
	int64_t changed;

	rc = pdg_ledger_copy(row.event, sizeof(row.event), a->event, "audit event", err);
	if (!rc)
		rc = pdg_ledger_copy(row.package_id, sizeof(row.package_id), a->package_id,
			"package id", err);
	if (!rc)
		rc = pdg_ledger_copy(row.outcome, sizeof(row.outcome), a->outcome ? a->outcome : "ok",
			"audit outcome", err);
	if (!rc)
		rc = pdg_ledger_copy(row.actor, sizeof(row.actor), a->actor, "audit actor", err);
	if (!rc)
		rc = pdg_ledger_copy(row.detail, sizeof(row.detail), a->detail, "audit detail", err);
	if (rc)
		return rc;
	if (a->from)
		snprintf(row.from_state, sizeof(row.from_state), "%s", pdg_ledger_state_name(a->from));
	if (a->to)
		snprintf(row.to_state, sizeof(row.to_state), "%s", pdg_ledger_state_name(a->to));
	/* the head row serializes appenders: FOR UPDATE on PostgreSQL, the write lock on SQLite */
	rc = pdg_ldb_exec(tx->c, tx->l->backend == PDG_LEDGER_POSTGRESQL
		? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
		: "SELECT seq, hash FROM audit_head WHERE id = 1",
		NULL, 0, read_head, &row, NULL, err);
	if (rc)
		return rc;
	if (row.seq < 0)
		return pdg_err_set(err, PDG_E_INTERNAL, "the ledger has no audit head row");
	row.seq++;
	row.time = pdg_ledger_now();
	rc = pdg_ledger_audit_hash(&row, row.hash, err);
	if (rc)
		return rc;
	struct pdg_ldb_arg args[] = {
		PDG_LDB_I(row.seq), PDG_LDB_T(row.hash), PDG_LDB_I(row.seq - 1),
		PDG_LDB_I(row.seq), PDG_LDB_I(row.time), PDG_LDB_T(row.event),
		PDG_LDB_T(row.package_id), PDG_LDB_T(row.from_state), PDG_LDB_T(row.to_state),
		PDG_LDB_T(row.outcome), PDG_LDB_T(row.actor), PDG_LDB_T(row.detail),
		PDG_LDB_T(row.prev_hash), PDG_LDB_T(row.hash),
	};
	if (tx->l->backend == PDG_LEDGER_POSTGRESQL) {
		/* one round trip: the head moves and the row goes in, or neither */
		rc = pdg_ldb_exec(tx->c, "WITH h AS (UPDATE audit_head SET seq = ?, hash = ?"
			" WHERE id = 1 AND seq = ? RETURNING seq)"
			" INSERT INTO audit (seq, time, event, package_id, from_state, to_state, outcome,"
			" actor, detail, prev_hash, hash) SELECT CAST(? AS BIGINT), CAST(? AS BIGINT),"
			" CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),"
			" CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),"
			" CAST(? AS TEXT) FROM h", args, (int)PDG_ARRAY_SIZE(args), NULL, NULL,
			&changed, err);
		if (rc)
			return rc;
		if (changed != 1)
			return pdg_err_set(err, PDG_E_INTERNAL, "the audit head moved during an append");
		return PDG_OK;
	}
	rc = pdg_ldb_exec(tx->c, "INSERT INTO audit (seq, time, event, package_id, from_state,"
		" to_state, outcome, actor, detail, prev_hash, hash)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args + 3, (int)PDG_ARRAY_SIZE(args) - 3,
		NULL, NULL, NULL, err);
	if (rc)
		return rc;
	rc = pdg_ldb_exec(tx->c, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?",
		args, 3, NULL, NULL, &changed, err);
	if (rc)
		return rc;
	if (changed != 1)
		return pdg_err_set(err, PDG_E_INTERNAL, "the audit head moved during an append");
	return PDG_OK;
}

static int valid_event(const char *e)
{
	size_t n = 0;

	if (!e || !*e)
		return 0;
	for (; e[n]; n++)
		if (!((e[n] >= 'a' && e[n] <= 'z') || (e[n] >= 'A' && e[n] <= 'Z') ||
		      (e[n] >= '0' && e[n] <= '9') || e[n] == '-'))
			return 0;
	return n <= 31;
}

struct append_ctx {
	struct pdg_ledger_audit_in in;
};

static enum pdg_code append_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct append_ctx *a = ctx;

	return pdg_ledger_audit_tx(tx, &a->in, err);
}

enum pdg_code pdg_ledger_audit_append(struct pdg_ledger *l, const char *event,
	const char *package_id, const char *outcome, const char *actor, const char *detail,
	struct pdg_err *err)
{
	struct append_ctx a = { .in = { .event = event, .package_id = package_id,
		.outcome = outcome, .actor = actor, .detail = detail } };

	if (!valid_event(event))
		return pdg_err_set(err, PDG_E_INVALID, "audit event must be 1..31 letters, digits "
			"or '-'");
	if (outcome && strlen(outcome) > 31)
		return pdg_err_set(err, PDG_E_LIMIT, "audit outcome is longer than 31 bytes");
	return pdg_ledger_txn(l, PDG_LTX_WRITE, append_body, &a, err);
}

#define AUDIT_COLS PDG_LEDGER_AUDIT_COLS

static void read_row(const struct pdg_ldb_row *r, struct pdg_ledger_audit_row *a)
{
	memset(a, 0, sizeof(*a));
	a->seq = pdg_ldb_int(r, 0);
	a->time = pdg_ldb_int(r, 1);
	snprintf(a->event, sizeof(a->event), "%s", pdg_ldb_text(r, 2));
	snprintf(a->package_id, sizeof(a->package_id), "%s", pdg_ldb_text(r, 3));
	snprintf(a->from_state, sizeof(a->from_state), "%s", pdg_ldb_text(r, 4));
	snprintf(a->to_state, sizeof(a->to_state), "%s", pdg_ldb_text(r, 5));
	snprintf(a->outcome, sizeof(a->outcome), "%s", pdg_ldb_text(r, 6));
	snprintf(a->actor, sizeof(a->actor), "%s", pdg_ldb_text(r, 7));
	snprintf(a->detail, sizeof(a->detail), "%s", pdg_ldb_text(r, 8));
	snprintf(a->prev_hash, sizeof(a->prev_hash), "%s", pdg_ldb_text(r, 9));
	snprintf(a->hash, sizeof(a->hash), "%s", pdg_ldb_text(r, 10));
}

struct list_ctx {
	int (*fn)(void *ctx, const struct pdg_ledger_audit_row *r);
	void *ctx;
};

static int list_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct list_ctx *lc = ctx;
	struct pdg_ledger_audit_row a;

	read_row(r, &a);
	return lc->fn(lc->ctx, &a);
}

enum pdg_code pdg_ledger_audit_list(struct pdg_ledger *l, int64_t from_seq,
	const char *package_id, int (*fn)(void *ctx, const struct pdg_ledger_audit_row *r), void *ctx,
	struct pdg_err *err)
{
	struct list_ctx lc = { fn, ctx };

	if (package_id) {
		struct pdg_ldb_arg args[] = { PDG_LDB_T(package_id), PDG_LDB_I(from_seq) };

		return pdg_ledger_query(l, "SELECT " AUDIT_COLS " FROM audit WHERE package_id = ?"
			" AND seq >= ? ORDER BY seq", args, 2, list_row, &lc, err);
	}
	struct pdg_ldb_arg args[] = { PDG_LDB_I(from_seq) };

	return pdg_ledger_query(l, "SELECT " AUDIT_COLS " FROM audit WHERE seq >= ? ORDER BY seq",
		args, 1, list_row, &lc, err);
}

void pdg_ledger_audit_read_row(const struct pdg_ldb_row *r, struct pdg_ledger_audit_row *a)
{
	read_row(r, a);
}
