/* SPDX-License-Identifier: MIT */
/* Verifying the ledger: the audit chain, and every package against its audit rows. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "center/ledger/internal.h"

struct check_ctx {
	struct pdg_ledger_check *out;
	struct pdg_ledger_audit_row prev;
	int64_t head_seq;
	char head_hash[PDG_LEDGER_HEX_MAX + 1];
	struct pdg_err herr;
};

static void problem(struct pdg_ledger_check *out, const char *fmt, ...) PDG_PRINTF(2, 3);
static void problem(struct pdg_ledger_check *out, const char *fmt, ...)
{
	va_list ap;

	if (!out->problems++) {
		va_start(ap, fmt);
		vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
		va_end(ap);
	}
}

static int audit_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct check_ctx *c = ctx;
	struct pdg_ledger_audit_row a;
	char hash[PDG_LEDGER_HEX_MAX + 1];

	pdg_ledger_audit_read_row(r, &a);
	c->out->audit_rows++;
	if (c->out->bad_seq)
		return 0;
	if (a.seq != c->prev.seq + 1) {
		c->out->bad_seq = a.seq;
		problem(c->out, "audit row %lld follows row %lld", (long long)a.seq,
			(long long)c->prev.seq);
	} else if (strcmp(a.prev_hash, c->prev.hash)) {
		c->out->bad_seq = a.seq;
		problem(c->out, "audit row %lld does not chain to the row before", (long long)a.seq);
	} else if (pdg_ledger_audit_hash(&a, hash, &c->herr) || strcmp(hash, a.hash)) {
		c->out->bad_seq = a.seq;
		problem(c->out, "audit row %lld was changed (its hash does not match)",
			(long long)a.seq);
	}
	c->prev = a;
	return 0;
}

static int head_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct check_ctx *c = ctx;

	c->head_seq = pdg_ldb_int(r, 0);
	snprintf(c->head_hash, sizeof(c->head_hash), "%s", pdg_ldb_text(r, 1));
	return 1;
}

static int package_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct check_ctx *c = ctx;
	struct pdg_ledger_check *out = c->out;
	const char *id = pdg_ldb_text(r, 0);
	enum pdg_ledger_state st = pdg_ledger_state_parse(pdg_ldb_text(r, 1));
	const char *last = pdg_ldb_text(r, 2);
	int64_t releases = pdg_ldb_int(r, 3), nseg = pdg_ldb_int(r, 4), segs = pdg_ldb_int(r, 5);
	int64_t incomplete = pdg_ldb_int(r, 6), sealed = pdg_ldb_int(r, 7);
	const char *released_to = pdg_ldb_text(r, 8);
	int64_t received_at = pdg_ldb_int(r, 9), released_at = pdg_ldb_int(r, 10);
	int64_t state_at = pdg_ldb_int(r, 11);
	int released_state = st == PDG_LS_RELEASED || st == PDG_LS_DOWNLOADED ||
		st == PDG_LS_ACKNOWLEDGED;

	out->packages++;
	if (!st)
		problem(out, "package %s has no valid state", id);
	else if (strcmp(last, pdg_ledger_state_name(st)))
		problem(out, "package %s is %s but its last audited transition is to '%s'", id,
			pdg_ledger_state_name(st), last);
	else if (releases > 1)
		problem(out, "package %s was released %lld times", id, (long long)releases);
	else if (released_state && releases != 1)
		problem(out, "package %s is %s without an audited release", id,
			pdg_ledger_state_name(st));
	else if (releases == 1 && (!*released_to || !sealed || !released_at))
		problem(out, "package %s was released without data center, sealed secret or time", id);
	else if (releases == 0 && (*released_to || sealed || released_at))
		problem(out, "package %s has release data but was never released", id);
	else if (segs != nseg)
		problem(out, "package %s has %lld segments, its manifest %lld", id, (long long)segs,
			(long long)nseg);
	else if (received_at && incomplete)
		problem(out, "package %s was received with %lld incomplete segments", id,
			(long long)incomplete);
	else if ((st == PDG_LS_RECEIVED || released_state) && !received_at)
		problem(out, "package %s is %s without a receipt time", id, pdg_ledger_state_name(st));
	else if (!state_at)
		problem(out, "package %s is %s without the time it became so", id,
			pdg_ledger_state_name(st));
	return 0;
}

static enum pdg_code check_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct check_ctx *c = ctx;
	enum pdg_code rc;

	memset(c->out, 0, sizeof(*c->out));
	memset(&c->prev, 0, sizeof(c->prev));
	memset(c->prev.hash, '0', PDG_LEDGER_HEX_MAX);
	c->head_seq = -1;
	rc = pdg_ldb_exec(tx->c, "SELECT " PDG_LEDGER_AUDIT_COLS " FROM audit ORDER BY seq", NULL, 0,
		audit_row, c, NULL, err);
	if (!rc)
		rc = pdg_ldb_exec(tx->c, "SELECT seq, hash FROM audit_head WHERE id = 1", NULL, 0,
			head_row, c, NULL, err);
	if (rc)
		return rc;
	if (!c->out->bad_seq && (c->head_seq != c->prev.seq || strcmp(c->head_hash, c->prev.hash))) {
		c->out->bad_seq = c->prev.seq + 1;
		problem(c->out, "the audit head (row %lld) does not match the last row (%lld): rows "
			"were removed", (long long)c->head_seq, (long long)c->prev.seq);
	}
	return pdg_ldb_exec(tx->c, "SELECT p.id, p.state,"
		" COALESCE((SELECT a.to_state FROM audit a WHERE a.package_id = p.id AND"
		"  a.to_state <> '' ORDER BY a.seq DESC LIMIT 1), ''),"
		" (SELECT COUNT(*) FROM audit a WHERE a.package_id = p.id AND a.to_state = 'RELEASED'),"
		" p.nsegments,"
		" (SELECT COUNT(*) FROM segments s WHERE s.package = p.id),"
		" (SELECT COUNT(*) FROM segments s WHERE s.package = p.id AND s.complete = 0),"
		" CASE WHEN p.sealed_secret IS NULL THEN 0 ELSE 1 END,"
		" COALESCE(p.released_to, ''), p.received_at, p.released_at,"
		" CASE p.state WHEN 'UPLOADING' THEN p.created WHEN 'RECEIVED' THEN p.received_at"
		"  WHEN 'RELEASED' THEN p.released_at WHEN 'DOWNLOADED' THEN p.downloaded_at"
		"  WHEN 'ACKNOWLEDGED' THEN p.acknowledged_at WHEN 'PURGED' THEN p.purged_at"
		"  WHEN 'EXPIRED' THEN p.expired_at WHEN 'REVOKED' THEN p.revoked_at ELSE 0 END"
		" FROM packages p ORDER BY p.id", NULL, 0, package_row, c, NULL, err);
}

enum pdg_code pdg_ledger_check(struct pdg_ledger *l, struct pdg_ledger_check *out,
	struct pdg_err *err)
{
	struct check_ctx c = { .out = out };

	return pdg_ledger_txn(l, PDG_LTX_READ, check_body, &c, err);
}
