/* SPDX-License-Identifier: MIT */
/* Ledger transitions: redeem (RECEIVED -> RELEASED) and the others, each with its audit row. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "center/ledger/internal.h"
#include "lib/crypto/evp.h"

/* The column holding the time a package entered each state. */
static const char *const state_time[PDG_LS_MAX] = {
	[PDG_LS_UPLOADING] = "created",
	[PDG_LS_RECEIVED] = "received_at",
	[PDG_LS_RELEASED] = "released_at",
	[PDG_LS_DOWNLOADED] = "downloaded_at",
	[PDG_LS_ACKNOWLEDGED] = "acknowledged_at",
	[PDG_LS_PURGED] = "purged_at",
	[PDG_LS_EXPIRED] = "expired_at",
	[PDG_LS_REVOKED] = "revoked_at",
};

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ---- redeem ---- */

struct redeem_ctx {
	const struct pdg_ledger_redeem *r;
	enum pdg_ledger_redeem_outcome outcome;
	enum pdg_ledger_redeem_outcome preset;   /* refusal decided by the read before */
	enum pdg_code preset_code;
	const char *audit_id;                    /* package id as audited */
	int found;
	char state[16];
	char secret[PDG_LEDGER_HEX_MAX + 1];
	char datacenter[PDG_LEDGER_ID_MAX + 1];
};

static int redeem_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct redeem_ctx *c = ctx;

	c->found = 1;
	snprintf(c->state, sizeof(c->state), "%s", pdg_ldb_text(r, 0));
	snprintf(c->secret, sizeof(c->secret), "%s", pdg_ldb_text(r, 1));
	snprintf(c->datacenter, sizeof(c->datacenter), "%s", pdg_ldb_text(r, 2));
	return 1;
}

/* Compare the stored hex hash with the 32 presented bytes in constant time. */
static int secret_matches(const char *hex, const uint8_t *presented)
{
	uint8_t stored[PDG_SHA256_BYTES];
	int ok = strlen(hex) == 2 * PDG_SHA256_BYTES;

	for (size_t i = 0; ok && i < PDG_SHA256_BYTES; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			ok = 0;
		else
			stored[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!ok)
		return 0;
	return CRYPTO_memcmp(stored, presented, PDG_SHA256_BYTES) == 0;
}

static enum pdg_code refuse(struct pdg_ltx *tx, struct redeem_ctx *c,
	enum pdg_ledger_redeem_outcome o, enum pdg_code code, struct pdg_err *err)
{
	enum pdg_code rc;

	c->outcome = o;
	rc = pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "redeem",
		.package_id = c->audit_id,
		.outcome = pdg_ledger_redeem_outcome_name(o), .actor = c->r->actor,
		.detail = c->r->client }, err);
	if (rc)
		return rc;
	tx->commit_on_error = 1;
	switch (o) {
	case PDG_REDEEM_UNKNOWN:
		return pdg_err_set(err, code, "redeem refused: no such package");
	case PDG_REDEEM_WRONG_SECRET:
		return pdg_err_set(err, code, "redeem refused: the release secret does not match");
	case PDG_REDEEM_NOT_RELEASABLE:
		return pdg_err_set(err, code, "redeem refused: the package is %s, not RECEIVED",
			c->found ? c->state : "gone");
	default:
		return pdg_err_set(err, code, "redeem refused: %s", pdg_ledger_redeem_outcome_name(o));
	}
}

static enum pdg_code redeem_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct redeem_ctx *c = ctx;
	const struct pdg_ledger_redeem *r = c->r;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(r->package_id) };
	int64_t changed = 0, now = pdg_ledger_now();
	enum pdg_code rc;

	c->found = 0;
	c->outcome = 0;
	rc = pdg_ldb_exec(tx->c, "SELECT p.state, p.secret_sha256, pr.datacenter FROM packages p"
		" JOIN projects pr ON pr.name = p.project WHERE p.id = ?", args, 1, redeem_row, c,
		NULL, err);
	if (rc)
		return rc;
	if (!c->found)
		return refuse(tx, c, PDG_REDEEM_UNKNOWN, PDG_E_NOTFOUND, err);
	if (!secret_matches(c->secret, r->secret_sha256))
		return refuse(tx, c, PDG_REDEEM_WRONG_SECRET, PDG_E_CRYPTO, err);
	if (strcmp(c->state, "RECEIVED"))
		return refuse(tx, c, PDG_REDEEM_NOT_RELEASABLE, PDG_E_POLICY, err);
	if (strcmp(c->datacenter, r->datacenter))
		return pdg_err_set(err, PDG_E_POLICY, "the secret was sealed for another data center "
			"than the project's");
	/* the conditional update is what makes redeem one-time under any concurrency */
	struct pdg_ldb_arg uargs[] = { PDG_LDB_T(c->datacenter),
		PDG_LDB_B(r->sealed_secret, r->sealed_len), PDG_LDB_I(now), PDG_LDB_I(now),
		PDG_LDB_T(r->package_id) };
	rc = pdg_ldb_exec(tx->c, "UPDATE packages SET state = 'RELEASED', released_to = ?,"
		" sealed_secret = ?, released_at = ?, updated = ? WHERE id = ? AND state = 'RECEIVED'",
		uargs, 5, NULL, NULL, &changed, err);
	if (rc)
		return rc;
	if (changed != 1) {
		snprintf(c->state, sizeof(c->state), "%s", "(changed)");
		return refuse(tx, c, PDG_REDEEM_NOT_RELEASABLE, PDG_E_POLICY, err);
	}
	c->outcome = PDG_REDEEM_RELEASED;
	{
		char detail[PDG_LEDGER_TEXT_MAX + 1];

		snprintf(detail, sizeof(detail), "to %s%s%.*s", c->datacenter, r->client ? " from " : "",
			r->client ? 150 : 0, r->client ? r->client : "");
		return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "redeem",
			.package_id = r->package_id, .from = PDG_LS_RECEIVED, .to = PDG_LS_RELEASED,
			.outcome = pdg_ledger_redeem_outcome_name(PDG_REDEEM_RELEASED),
			.actor = r->actor, .detail = detail }, err);
	}
}

/* Only the audit row of a refusal the read decided: a relaxed transaction, no write lock wait
 * behind the check, so wrong tokens cost little. */
static enum pdg_code refusal_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct redeem_ctx *c = ctx;

	return refuse(tx, c, c->preset, c->preset_code, err);
}

enum pdg_code pdg_ledger_redeem(struct pdg_ledger *l, const struct pdg_ledger_redeem *r,
	enum pdg_ledger_redeem_outcome *outcome, struct pdg_err *err)
{
	struct redeem_ctx c = { .r = r };
	enum pdg_code rc;

	if (outcome)
		*outcome = 0;
	if (!r->secret_sha256 || !r->sealed_secret || !r->sealed_len ||
	    r->sealed_len > PDG_LEDGER_BLOB_MAX || !r->datacenter)
		return pdg_err_set(err, PDG_E_INVALID, "redeem without secret hash, sealed secret "
			"or data center");
	if ((r->actor && strlen(r->actor) > PDG_LEDGER_TEXT_MAX) ||
	    (r->client && strlen(r->client) > PDG_LEDGER_TEXT_MAX))
		return pdg_err_set(err, PDG_E_LIMIT, "redeem actor or client too long");
	/*
	 * A read first: refusals it finds stay true (the stored secret hash never changes; a
	 * package unknown or not RECEIVED now was so when the attempt came), so they are recorded
	 * in a relaxed transaction. Only a possible release takes the durable path, which checks
	 * everything again under the write lock.
	 */
	c.audit_id = r->package_id;
	if (!r->package_id || pdg_ledger_check_id(r->package_id, "package id", NULL)) {
		/* a malformed id is an unknown package; its bytes do not go into the audit */
		c.audit_id = "(malformed)";
		c.preset = PDG_REDEEM_UNKNOWN;
		c.preset_code = PDG_E_NOTFOUND;
		rc = pdg_ledger_txn(l, PDG_LTX_RELAXED, refusal_body, &c, err);
		if (outcome && rc == PDG_E_NOTFOUND)
			*outcome = c.outcome;
		return rc;
	}
	{
		struct pdg_ldb_arg args[] = { PDG_LDB_T(r->package_id) };

		rc = pdg_ledger_query(l, "SELECT p.state, p.secret_sha256, pr.datacenter FROM packages p"
			" JOIN projects pr ON pr.name = p.project WHERE p.id = ?", args, 1, redeem_row,
			&c, err);
		if (rc)
			return rc;
	}
	if (!c.found) {
		c.preset = PDG_REDEEM_UNKNOWN;
		c.preset_code = PDG_E_NOTFOUND;
	} else if (!secret_matches(c.secret, r->secret_sha256)) {
		c.preset = PDG_REDEEM_WRONG_SECRET;
		c.preset_code = PDG_E_CRYPTO;
	} else if (strcmp(c.state, "RECEIVED")) {
		c.preset = PDG_REDEEM_NOT_RELEASABLE;
		c.preset_code = PDG_E_POLICY;
	}
	if (c.preset)
		rc = pdg_ledger_txn(l, PDG_LTX_RELAXED, refusal_body, &c, err);
	else
		rc = pdg_ledger_txn(l, PDG_LTX_WRITE, redeem_body, &c, err);
	if (outcome && (rc == PDG_OK || rc == PDG_E_NOTFOUND || rc == PDG_E_CRYPTO ||
	    rc == PDG_E_POLICY))
		*outcome = c.outcome;
	return rc;
}

struct refused_ctx {
	const char *package_id, *actor, *client;
	enum pdg_ledger_redeem_outcome outcome;
};

static enum pdg_code refused_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct refused_ctx *c = ctx;

	return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "redeem",
		.package_id = c->package_id, .outcome = pdg_ledger_redeem_outcome_name(c->outcome),
		.actor = c->actor, .detail = c->client }, err);
}

enum pdg_code pdg_ledger_redeem_refused(struct pdg_ledger *l, const char *package_id,
	enum pdg_ledger_redeem_outcome outcome, const char *actor, const char *client,
	struct pdg_err *err)
{
	struct refused_ctx c = { package_id, actor, client, outcome };

	if (outcome == PDG_REDEEM_RELEASED || !strcmp(pdg_ledger_redeem_outcome_name(outcome), "?"))
		return pdg_err_set(err, PDG_E_INVALID, "not a refusal outcome");
	if (package_id && (strlen(package_id) > PDG_LEDGER_ID_MAX ||
	    pdg_ledger_check_id(package_id, "package id", NULL)))
		c.package_id = "(malformed)";
	if ((actor && strlen(actor) > PDG_LEDGER_TEXT_MAX) ||
	    (client && strlen(client) > PDG_LEDGER_TEXT_MAX))
		return pdg_err_set(err, PDG_E_LIMIT, "actor or client too long");
	return pdg_ledger_txn(l, PDG_LTX_RELAXED, refused_body, &c, err);
}

/* ---- the other transitions ---- */

struct trans_ctx {
	const char *id;
	enum pdg_ledger_state from, to;
	const char *datacenter, *actor, *detail;
	int found;
	char state[16];
	char released_to[PDG_LEDGER_ID_MAX + 1];
};

static int trans_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct trans_ctx *c = ctx;

	c->found = 1;
	snprintf(c->state, sizeof(c->state), "%s", pdg_ldb_text(r, 0));
	snprintf(c->released_to, sizeof(c->released_to), "%s", pdg_ldb_text(r, 1));
	return 1;
}

static enum pdg_code trans_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct trans_ctx *c = ctx;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(c->id) };
	int64_t changed = 0, now = pdg_ledger_now();
	char sql[256];
	enum pdg_code rc;

	c->found = 0;
	rc = pdg_ldb_exec(tx->c, "SELECT state, COALESCE(released_to, '') FROM packages"
		" WHERE id = ?", args, 1, trans_row, c, NULL, err);
	if (rc)
		return rc;
	if (!c->found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no package '%s'", c->id);
	if (strcmp(c->state, pdg_ledger_state_name(c->from)))
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' is %s, not %s", c->id, c->state,
			pdg_ledger_state_name(c->from));
	if ((c->to == PDG_LS_DOWNLOADED || c->to == PDG_LS_ACKNOWLEDGED) &&
	    (!c->datacenter || strcmp(c->datacenter, c->released_to)))
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' was not released to this data "
			"center", c->id);
	snprintf(sql, sizeof(sql), "UPDATE packages SET state = ?, %s = ?, updated = ?"
		" WHERE id = ? AND state = ?", state_time[c->to]);
	struct pdg_ldb_arg uargs[] = { PDG_LDB_T(pdg_ledger_state_name(c->to)), PDG_LDB_I(now),
		PDG_LDB_I(now), PDG_LDB_T(c->id), PDG_LDB_T(pdg_ledger_state_name(c->from)) };
	rc = pdg_ldb_exec(tx->c, sql, uargs, 5, NULL, NULL, &changed, err);
	if (rc)
		return rc;
	if (changed != 1)
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' left %s meanwhile", c->id,
			pdg_ledger_state_name(c->from));
	return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "transition",
		.package_id = c->id, .from = c->from, .to = c->to, .actor = c->actor,
		.detail = c->detail }, err);
}

enum pdg_code pdg_ledger_transition(struct pdg_ledger *l, const char *id,
	enum pdg_ledger_state from, enum pdg_ledger_state to, const char *datacenter,
	const char *actor, const char *detail, struct pdg_err *err)
{
	struct trans_ctx c = { .id = id, .from = from, .to = to, .datacenter = datacenter,
		.actor = actor, .detail = detail };

	if (!pdg_ledger_transition_legal(from, to))
		return pdg_err_set(err, PDG_E_POLICY, "%s -> %s is not a transition of the ledger",
			pdg_ledger_state_name(from), pdg_ledger_state_name(to));
	if (to == PDG_LS_RELEASED || to == PDG_LS_RECEIVED)
		return pdg_err_set(err, PDG_E_POLICY, "%s -> %s only through %s",
			pdg_ledger_state_name(from), pdg_ledger_state_name(to),
			to == PDG_LS_RELEASED ? "redeem" : "package_received");
	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	if ((actor && strlen(actor) > PDG_LEDGER_TEXT_MAX) ||
	    (detail && strlen(detail) > PDG_LEDGER_TEXT_MAX))
		return pdg_err_set(err, PDG_E_LIMIT, "actor or detail too long");
	return pdg_ledger_txn(l, PDG_LTX_WRITE, trans_body, &c, err);
}
