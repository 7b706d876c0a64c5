/* SPDX-License-Identifier: MIT */
/* Ledger listings: released to a data center, the admin view, due for purge and for expiry. */
#include <stdio.h>
#include <string.h>

#include "center/ledger/internal.h"

struct list_ctx {
	int (*fn)(void *ctx, const struct pdg_ledger_package *p);
	void *ctx;
};

static int list_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct list_ctx *c = ctx;
	struct pdg_ledger_package p;

	pdg_ledger_read_package(r, &p);
	return c->fn(c->ctx, &p);
}

enum pdg_code pdg_ledger_released_list(struct pdg_ledger *l, const char *dc,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { fn, ctx };

	if (!dc || !*dc)
		return pdg_err_set(err, PDG_E_INVALID, "no data center");
	struct pdg_ldb_arg args[] = { PDG_LDB_T(dc), PDG_LDB_T(dc) };
	return pdg_ledger_query(l, "SELECT " PDG_LEDGER_PKG_COLS PDG_LEDGER_PKG_FROM
		" WHERE p.released_to = ? AND pr.datacenter = ?"
		" AND p.state IN ('RELEASED', 'DOWNLOADED') ORDER BY p.released_at, p.id",
		args, 2, list_row, &c, err);
}

enum pdg_code pdg_ledger_package_list(struct pdg_ledger *l, const struct pdg_ledger_filter *f,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { fn, ctx };
	struct pdg_ldb_arg args[4];
	char sql[2048];
	int n = 0;
	size_t at;

	at = (size_t)snprintf(sql, sizeof(sql), "SELECT " PDG_LEDGER_PKG_COLS PDG_LEDGER_PKG_FROM
		" WHERE 1 = 1");
	if (f && f->state) {
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, " AND p.state = ?");
		args[n++] = PDG_LDB_T(pdg_ledger_state_name(f->state));
	}
	if (f && f->project) {
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, " AND p.project = ?");
		args[n++] = PDG_LDB_T(f->project);
	}
	if (f && f->appliance) {
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, " AND p.appliance = ?");
		args[n++] = PDG_LDB_T(f->appliance);
	}
	at += (size_t)snprintf(sql + at, sizeof(sql) - at, " ORDER BY p.updated DESC, p.id");
	if (f && f->limit) {
		snprintf(sql + at, sizeof(sql) - at, " LIMIT ?");
		args[n++] = PDG_LDB_I(f->limit);
	}
	return pdg_ledger_query(l, sql, args, n, list_row, &c, err);
}

enum pdg_code pdg_ledger_due_purge(struct pdg_ledger *l, int64_t now,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { fn, ctx };
	struct pdg_ldb_arg args[] = { PDG_LDB_I(now) };

	return pdg_ledger_query(l, "SELECT " PDG_LEDGER_PKG_COLS PDG_LEDGER_PKG_FROM
		" WHERE (p.state = 'ACKNOWLEDGED' AND p.acknowledged_at + pr.retention_days * 86400 <= ?)"
		" OR p.state IN ('EXPIRED', 'REVOKED') ORDER BY p.updated, p.id",
		args, 1, list_row, &c, err);
}

enum pdg_code pdg_ledger_due_expiry(struct pdg_ledger *l, int64_t now,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { fn, ctx };
	struct pdg_ldb_arg args[] = { PDG_LDB_I(now), PDG_LDB_I(now) };

	return pdg_ledger_query(l, "SELECT " PDG_LEDGER_PKG_COLS PDG_LEDGER_PKG_FROM
		" WHERE (p.state = 'RECEIVED' AND p.received_at + pr.expiry_days * 86400 <= ?)"
		" OR (p.state = 'UPLOADING' AND p.created + pr.expiry_days * 86400 <= ?)"
		" ORDER BY p.updated, p.id", args, 2, list_row, &c, err);
}
