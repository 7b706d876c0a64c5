/* SPDX-License-Identifier: MIT */
/* Packages in the ledger: creation at upload, segment progress, receipt, lookups and blobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/ledger/internal.h"

void pdg_ledger_read_package(const struct pdg_ldb_row *r, struct pdg_ledger_package *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", pdg_ldb_text(r, 0));
	snprintf(p->project, sizeof(p->project), "%s", pdg_ldb_text(r, 1));
	snprintf(p->datacenter, sizeof(p->datacenter), "%s", pdg_ldb_text(r, 2));
	snprintf(p->appliance, sizeof(p->appliance), "%s", pdg_ldb_text(r, 3));
	snprintf(p->uploader, sizeof(p->uploader), "%s", pdg_ldb_text(r, 4));
	p->state = pdg_ledger_state_parse(pdg_ldb_text(r, 5));
	snprintf(p->secret_sha256, sizeof(p->secret_sha256), "%s", pdg_ldb_text(r, 6));
	snprintf(p->ciphertext_sha256, sizeof(p->ciphertext_sha256), "%s", pdg_ldb_text(r, 7));
	p->ciphertext_size = (uint64_t)pdg_ldb_int(r, 8);
	p->nsegments = (unsigned)pdg_ldb_int(r, 9);
	p->received_bytes = (uint64_t)pdg_ldb_int(r, 10);
	snprintf(p->released_to, sizeof(p->released_to), "%s", pdg_ldb_text(r, 11));
	p->created = pdg_ldb_int(r, 12);
	p->received_at = pdg_ldb_int(r, 13);
	p->released_at = pdg_ldb_int(r, 14);
	p->downloaded_at = pdg_ldb_int(r, 15);
	p->acknowledged_at = pdg_ldb_int(r, 16);
	p->purged_at = pdg_ldb_int(r, 17);
	p->expired_at = pdg_ldb_int(r, 18);
	p->revoked_at = pdg_ldb_int(r, 19);
	p->updated = pdg_ldb_int(r, 20);
}

/* ---- create ---- */

struct create_ctx {
	const struct pdg_ledger_new_package *np;
	const char *actor;
	int existed;
	int same;
	int found;
	int disabled;
	const char *what;
};

static int same_blobs(void *ctx, const struct pdg_ldb_row *r)
{
	struct create_ctx *c = ctx;
	size_t ml, sl;
	const uint8_t *m = pdg_ldb_blob(r, 0, &ml), *s = pdg_ldb_blob(r, 1, &sl);

	c->existed = 1;
	c->same = ml == c->np->manifest_len && sl == c->np->signature_len &&
		(!ml || !memcmp(m, c->np->manifest, ml)) && (!sl || !memcmp(s, c->np->signature, sl));
	return 1;
}

static int row_found(void *ctx, const struct pdg_ldb_row *r)
{
	struct create_ctx *c = ctx;

	c->found = 1;
	c->disabled = pdg_ldb_int(r, 0) != 0;
	return 1;
}

static enum pdg_code need(struct pdg_ltx *tx, struct create_ctx *c, const char *sql,
	const char *key, const char *what, int check_disabled, struct pdg_err *err)
{
	struct pdg_ldb_arg args[] = { PDG_LDB_T(key) };
	enum pdg_code rc;

	c->found = c->disabled = 0;
	rc = pdg_ldb_exec(tx->c, sql, args, 1, row_found, c, NULL, err);
	if (rc)
		return rc;
	if (!c->found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no %s '%s' is registered", what, key);
	if (check_disabled && c->disabled)
		return pdg_err_set(err, PDG_E_POLICY, "%s '%s' is disabled", what, key);
	return PDG_OK;
}

static enum pdg_code create_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct create_ctx *c = ctx;
	const struct pdg_ledger_new_package *np = c->np;
	int64_t now = pdg_ledger_now();
	enum pdg_code rc;

	c->existed = c->same = 0;
	{
		struct pdg_ldb_arg args[] = { PDG_LDB_T(np->id) };

		rc = pdg_ldb_exec(tx->c, "SELECT manifest, signature FROM packages WHERE id = ?",
			args, 1, same_blobs, c, NULL, err);
		if (rc)
			return rc;
		if (c->existed) {
			if (c->same)
				return PDG_OK;
			return pdg_err_set(err, PDG_E_EXISTS, "package '%s' exists with another "
				"manifest", np->id);
		}
	}
	rc = need(tx, c, "SELECT 0 FROM projects WHERE name = ?", np->project, "project", 0, err);
	if (!rc)
		rc = need(tx, c, "SELECT disabled FROM appliances WHERE id = ?", np->appliance,
			"appliance", 1, err);
	if (!rc)
		rc = need(tx, c, "SELECT disabled FROM clients WHERE id = ? AND kind = 'station'",
			np->uploader, "upload station", 1, err);
	if (rc)
		return rc;
	{
		struct pdg_ldb_arg args[] = {
			PDG_LDB_T(np->id), PDG_LDB_T(np->project), PDG_LDB_T(np->appliance),
			PDG_LDB_T(np->uploader), PDG_LDB_B(np->manifest, np->manifest_len),
			PDG_LDB_B(np->signature, np->signature_len), PDG_LDB_T(np->secret_sha256),
			PDG_LDB_T(np->ciphertext_sha256), PDG_LDB_I(np->ciphertext_size),
			PDG_LDB_I(np->nsegments), PDG_LDB_I(now), PDG_LDB_I(now),
		};
		rc = pdg_ldb_exec(tx->c, "INSERT INTO packages (id, project, appliance, uploader, state,"
			" manifest, signature, secret_sha256, ciphertext_sha256, ciphertext_size,"
			" nsegments, created, updated) VALUES (?, ?, ?, ?, 'UPLOADING', ?, ?, ?, ?, ?, ?,"
			" ?, ?)", args, (int)PDG_ARRAY_SIZE(args), NULL, NULL, NULL, err);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < np->nsegments; i++) {
		const struct pdg_ledger_segment *s = &np->segments[i];
		struct pdg_ldb_arg args[] = { PDG_LDB_T(np->id), PDG_LDB_I(s->index),
			PDG_LDB_I(s->size), PDG_LDB_T(s->sha256), PDG_LDB_T(s->path) };

		rc = pdg_ldb_exec(tx->c, "INSERT INTO segments (package, idx, size, sha256, path)"
			" VALUES (?, ?, ?, ?, ?)", args, 5, NULL, NULL, NULL, err);
		if (rc)
			return rc;
	}
	return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "transition",
		.package_id = np->id, .to = PDG_LS_UPLOADING, .actor = c->actor,
		.detail = "upload started" }, err);
}

static enum pdg_code check_new(const struct pdg_ledger_new_package *np, const char *actor,
	struct pdg_err *err)
{
	uint64_t sum = 0;
	enum pdg_code rc;

	rc = pdg_ledger_check_id(np->id, "package id", err);
	if (!rc)
		rc = pdg_ledger_check_id(np->project, "project", err);
	if (!rc)
		rc = pdg_ledger_check_id(np->appliance, "appliance id", err);
	if (!rc)
		rc = pdg_ledger_check_id(np->uploader, "uploader id", err);
	if (!rc)
		rc = pdg_ledger_check_hex(np->secret_sha256, "release secret SHA-256", err);
	if (!rc)
		rc = pdg_ledger_check_hex(np->ciphertext_sha256, "ciphertext SHA-256", err);
	if (rc)
		return rc;
	if (actor && strlen(actor) > PDG_LEDGER_TEXT_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "actor is too long");
	if (!np->manifest || !np->manifest_len || !np->signature || !np->signature_len)
		return pdg_err_set(err, PDG_E_INVALID, "package without manifest or signature");
	if (np->manifest_len > PDG_LEDGER_BLOB_MAX || np->signature_len > PDG_LEDGER_BLOB_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "manifest or signature larger than %u bytes",
			PDG_LEDGER_BLOB_MAX);
	if (!np->segments || np->nsegments < 1 || np->nsegments > PDG_LEDGER_SEGMENTS_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "a package has 1..%d segments",
			PDG_LEDGER_SEGMENTS_MAX);
	for (unsigned i = 0; i < np->nsegments; i++) {
		const struct pdg_ledger_segment *s = &np->segments[i];

		if (s->index != i + 1)
			return pdg_err_set(err, PDG_E_INVALID, "segment %u is listed as %u", i + 1,
				s->index);
		if (s->size < 1 || s->size > (uint64_t)INT64_MAX / 2)
			return pdg_err_set(err, PDG_E_INVALID, "segment %u has size 0", i + 1);
		rc = pdg_ledger_check_hex(s->sha256, "segment SHA-256", err);
		if (rc)
			return rc;
		if (strnlen(s->path, sizeof(s->path)) >= sizeof(s->path))
			return pdg_err_set(err, PDG_E_LIMIT, "segment path too long");
		sum += s->size;
	}
	if (sum != np->ciphertext_size)
		return pdg_err_set(err, PDG_E_INVALID, "segment sizes do not add up to the "
			"ciphertext size");
	return PDG_OK;
}

enum pdg_code pdg_ledger_package_create(struct pdg_ledger *l, const struct pdg_ledger_new_package *np,
	const char *actor, int *existed, struct pdg_err *err)
{
	struct create_ctx c = { .np = np, .actor = actor };
	enum pdg_code rc;

	if (existed)
		*existed = 0;
	rc = check_new(np, actor, err);
	if (rc)
		return rc;
	rc = pdg_ledger_txn(l, PDG_LTX_WRITE, create_body, &c, err);
	if (rc == PDG_E_EXISTS && !c.existed) {
		/* a concurrent create won the race: same bytes are still a resume */
		c.existed = 0;
		rc = pdg_ledger_txn(l, PDG_LTX_WRITE, create_body, &c, err);
	}
	if (!rc && existed)
		*existed = c.existed;
	return rc;
}

/* ---- segments ---- */

struct seg_ctx {
	const char *id;
	unsigned index;
	uint64_t received, size;
	const char *path;
	const char *sha256;
	int found;
	struct pdg_ledger_segment seg;
	enum pdg_ledger_state state;
};

static void read_segment(const struct pdg_ldb_row *r, struct pdg_ledger_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->index = (unsigned)pdg_ldb_int(r, 0);
	s->size = (uint64_t)pdg_ldb_int(r, 1);
	snprintf(s->sha256, sizeof(s->sha256), "%s", pdg_ldb_text(r, 2));
	s->received = (uint64_t)pdg_ldb_int(r, 3);
	s->complete = pdg_ldb_int(r, 4) != 0;
	snprintf(s->path, sizeof(s->path), "%s", pdg_ldb_text(r, 5));
}

#define SEG_COLS "s.idx, s.size, s.sha256, s.received, s.complete, s.path"

static int seg_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct seg_ctx *s = ctx;

	read_segment(r, &s->seg);
	s->state = pdg_ledger_state_parse(pdg_ldb_text(r, 6));
	s->found = 1;
	return 1;
}

/* Read the segment and its package's state, locking the package row on PostgreSQL. */
static enum pdg_code seg_load(struct pdg_ltx *tx, struct seg_ctx *s, struct pdg_err *err)
{
	struct pdg_ldb_arg args[] = { PDG_LDB_T(s->id), PDG_LDB_I(s->index) };
	enum pdg_code rc;

	s->found = 0;
	rc = pdg_ldb_exec(tx->c, tx->l->backend == PDG_LEDGER_POSTGRESQL
		? "SELECT " SEG_COLS ", p.state FROM segments s JOIN packages p ON p.id = s.package"
		  " WHERE s.package = ? AND s.idx = ? FOR UPDATE"
		: "SELECT " SEG_COLS ", p.state FROM segments s JOIN packages p ON p.id = s.package"
		  " WHERE s.package = ? AND s.idx = ?", args, 2, seg_row, s, NULL, err);
	if (rc)
		return rc;
	if (!s->found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "package '%s' has no segment %u", s->id,
			s->index);
	if (s->state != PDG_LS_UPLOADING)
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' is %s, not UPLOADING", s->id,
			pdg_ledger_state_name(s->state));
	return PDG_OK;
}

static enum pdg_code progress_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct seg_ctx *s = ctx;
	enum pdg_code rc = seg_load(tx, s, err);

	if (rc)
		return rc;
	if (s->seg.complete)
		return pdg_err_set(err, PDG_E_POLICY, "segment %u of package '%s' is complete",
			s->index, s->id);
	if (s->received > s->seg.size)
		return pdg_err_set(err, PDG_E_LIMIT, "segment %u of package '%s' has only %llu bytes",
			s->index, s->id, (unsigned long long)s->seg.size);
	struct pdg_ldb_arg args[] = { PDG_LDB_I(s->received), PDG_LDB_T(s->path ? s->path : s->seg.path),
		PDG_LDB_T(s->id), PDG_LDB_I(s->index) };
	rc = pdg_ldb_exec(tx->c, "UPDATE segments SET received = ?, path = ? WHERE package = ?"
		" AND idx = ? AND complete = 0", args, 4, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	struct pdg_ldb_arg pargs[] = { PDG_LDB_I(pdg_ledger_now()), PDG_LDB_T(s->id) };
	return pdg_ldb_exec(tx->c, "UPDATE packages SET updated = ? WHERE id = ?", pargs, 2, NULL,
		NULL, NULL, err);
}

enum pdg_code pdg_ledger_segment_progress(struct pdg_ledger *l, const char *id, unsigned index,
	uint64_t received, const char *path, struct pdg_err *err)
{
	struct seg_ctx s = { .id = id, .index = index, .received = received, .path = path };

	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	if (path && strlen(path) > PDG_LEDGER_PATH_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "segment path is longer than %d bytes",
			PDG_LEDGER_PATH_MAX);
	return pdg_ledger_txn(l, PDG_LTX_RELAXED, progress_body, &s, err);
}

static enum pdg_code complete_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct seg_ctx *s = ctx;
	enum pdg_code rc = seg_load(tx, s, err);

	if (rc)
		return rc;
	if (s->size != s->seg.size || strcmp(s->sha256, s->seg.sha256))
		return pdg_err_set(err, PDG_E_CRYPTO, "segment %u of package '%s' does not match "
			"its manifest (size or SHA-256)", s->index, s->id);
	if (s->seg.complete)
		return PDG_OK;
	struct pdg_ldb_arg args[] = { PDG_LDB_I(s->size), PDG_LDB_T(s->id), PDG_LDB_I(s->index) };
	rc = pdg_ldb_exec(tx->c, "UPDATE segments SET received = ?, complete = 1 WHERE package = ?"
		" AND idx = ?", args, 3, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	struct pdg_ldb_arg pargs[] = { PDG_LDB_I(pdg_ledger_now()), PDG_LDB_T(s->id) };
	return pdg_ldb_exec(tx->c, "UPDATE packages SET updated = ? WHERE id = ?", pargs, 2, NULL,
		NULL, NULL, err);
}

enum pdg_code pdg_ledger_segment_complete(struct pdg_ledger *l, const char *id, unsigned index,
	uint64_t size, const char *sha256, struct pdg_err *err)
{
	struct seg_ctx s = { .id = id, .index = index, .size = size, .sha256 = sha256 };
	enum pdg_code rc = pdg_ledger_check_hex(sha256, "segment SHA-256", err);

	if (rc)
		return rc;
	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	return pdg_ledger_txn(l, PDG_LTX_WRITE, complete_body, &s, err);
}

/* ---- received ---- */

struct recv_ctx {
	const char *id;
	const char *sha256;
	const char *actor;
	int found;
	char state[16];
	char want[PDG_LEDGER_HEX_MAX + 1];
	int64_t incomplete;
};

static int recv_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct recv_ctx *c = ctx;

	c->found = 1;
	snprintf(c->state, sizeof(c->state), "%s", pdg_ldb_text(r, 0));
	snprintf(c->want, sizeof(c->want), "%s", pdg_ldb_text(r, 1));
	c->incomplete = pdg_ldb_int(r, 2);
	return 1;
}

static enum pdg_code received_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct recv_ctx *c = ctx;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(c->id) };
	int64_t changed = 0, now = pdg_ledger_now();
	enum pdg_code rc;

	c->found = 0;
	rc = pdg_ldb_exec(tx->c, tx->l->backend == PDG_LEDGER_POSTGRESQL
		? "SELECT state, ciphertext_sha256, (SELECT COUNT(*) FROM segments s WHERE"
		  " s.package = p.id AND s.complete = 0) FROM packages p WHERE id = ? FOR UPDATE"
		: "SELECT state, ciphertext_sha256, (SELECT COUNT(*) FROM segments s WHERE"
		  " s.package = p.id AND s.complete = 0) FROM packages p WHERE id = ?",
		args, 1, recv_row, c, NULL, err);
	if (rc)
		return rc;
	if (!c->found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no package '%s'", c->id);
	if (strcmp(c->state, "UPLOADING"))
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' is %s, not UPLOADING", c->id,
			c->state);
	if (c->incomplete)
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' has %lld incomplete segments",
			c->id, (long long)c->incomplete);
	if (strcmp(c->want, c->sha256))
		return pdg_err_set(err, PDG_E_CRYPTO, "package '%s': the stored ciphertext does not "
			"match the manifest's SHA-256", c->id);
	struct pdg_ldb_arg uargs[] = { PDG_LDB_I(now), PDG_LDB_I(now), PDG_LDB_T(c->id) };
	rc = pdg_ldb_exec(tx->c, "UPDATE packages SET state = 'RECEIVED', received_at = ?,"
		" updated = ? WHERE id = ? AND state = 'UPLOADING'", uargs, 3, NULL, NULL, &changed, err);
	if (rc)
		return rc;
	if (changed != 1)
		return pdg_err_set(err, PDG_E_POLICY, "package '%s' left UPLOADING meanwhile", c->id);
	return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "transition",
		.package_id = c->id, .from = PDG_LS_UPLOADING, .to = PDG_LS_RECEIVED,
		.actor = c->actor, .detail = "all segments stored and verified" }, err);
}

enum pdg_code pdg_ledger_package_received(struct pdg_ledger *l, const char *id,
	const char *ciphertext_sha256, const char *actor, struct pdg_err *err)
{
	struct recv_ctx c = { .id = id, .sha256 = ciphertext_sha256, .actor = actor };
	enum pdg_code rc = pdg_ledger_check_hex(ciphertext_sha256, "ciphertext SHA-256", err);

	if (rc)
		return rc;
	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	if (actor && strlen(actor) > PDG_LEDGER_TEXT_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "actor is too long");
	return pdg_ledger_txn(l, PDG_LTX_WRITE, received_body, &c, err);
}

/* ---- lookups ---- */

struct pkg_ctx {
	struct pdg_ledger_package *out;
	int found;
};

static int pkg_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct pkg_ctx *c = ctx;

	pdg_ledger_read_package(r, c->out);
	c->found = 1;
	return 1;
}

enum pdg_code pdg_ledger_package_get(struct pdg_ledger *l, const char *id,
	struct pdg_ledger_package *out, struct pdg_err *err)
{
	struct pkg_ctx c = { .out = out };
	enum pdg_code rc;

	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	struct pdg_ldb_arg args[] = { PDG_LDB_T(id) };
	rc = pdg_ledger_query(l, "SELECT " PDG_LEDGER_PKG_COLS PDG_LEDGER_PKG_FROM " WHERE p.id = ?",
		args, 1, pkg_row, &c, err);
	if (rc)
		return rc;
	if (!c.found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no package '%s'", id);
	return PDG_OK;
}

struct seglist_ctx {
	int (*fn)(void *ctx, const struct pdg_ledger_segment *s);
	void *ctx;
	unsigned n;
	struct pdg_ledger_segment *one;
};

static int seglist_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct seglist_ctx *c = ctx;
	struct pdg_ledger_segment s;

	c->n++;
	read_segment(r, c->one ? c->one : &s);
	return c->one ? 1 : c->fn(c->ctx, &s);
}

enum pdg_code pdg_ledger_segment_get(struct pdg_ledger *l, const char *id, unsigned index,
	struct pdg_ledger_segment *out, struct pdg_err *err)
{
	struct seglist_ctx c = { .one = out };
	enum pdg_code rc;

	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	struct pdg_ldb_arg args[] = { PDG_LDB_T(id), PDG_LDB_I(index) };
	rc = pdg_ledger_query(l, "SELECT " SEG_COLS " FROM segments s WHERE s.package = ?"
		" AND s.idx = ?", args, 2, seglist_row, &c, err);
	if (rc)
		return rc;
	if (!c.n)
		return pdg_err_set(err, PDG_E_NOTFOUND, "package '%s' has no segment %u", id, index);
	return PDG_OK;
}

enum pdg_code pdg_ledger_segment_list(struct pdg_ledger *l, const char *id,
	int (*fn)(void *ctx, const struct pdg_ledger_segment *s), void *ctx, struct pdg_err *err)
{
	struct seglist_ctx c = { .fn = fn, .ctx = ctx };
	struct pdg_ledger_package p;
	enum pdg_code rc = pdg_ledger_package_get(l, id, &p, err);

	if (rc)
		return rc;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(id) };
	return pdg_ledger_query(l, "SELECT " SEG_COLS " FROM segments s WHERE s.package = ?"
		" ORDER BY s.idx", args, 1, seglist_row, &c, err);
}

struct blob_ctx {
	uint8_t *buf;
	size_t len;
	int found, null, nomem;
};

static int blob_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct blob_ctx *c = ctx;
	const uint8_t *b = pdg_ldb_blob(r, 0, &c->len);

	c->found = 1;
	if (!b) {
		c->null = 1;
		return 1;
	}
	c->buf = malloc(c->len ? c->len : 1);
	if (!c->buf)
		c->nomem = 1;
	else if (c->len)
		memcpy(c->buf, b, c->len);
	return 1;
}

enum pdg_code pdg_ledger_package_blob(struct pdg_ledger *l, const char *id,
	enum pdg_ledger_blob which, uint8_t **out, size_t *len, struct pdg_err *err)
{
	const char *sql = which == PDG_LEDGER_MANIFEST ? "SELECT manifest FROM packages WHERE id = ?"
		: which == PDG_LEDGER_SIGNATURE ? "SELECT signature FROM packages WHERE id = ?"
		: which == PDG_LEDGER_SEALED_SECRET ? "SELECT sealed_secret FROM packages WHERE id = ?"
		: NULL;
	struct blob_ctx c = { 0 };
	enum pdg_code rc;

	*out = NULL;
	*len = 0;
	if (!sql)
		return pdg_err_set(err, PDG_E_INVALID, "unknown package blob");
	if (!id || !*id || strlen(id) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such package");
	struct pdg_ldb_arg args[] = { PDG_LDB_T(id) };
	rc = pdg_ledger_query(l, sql, args, 1, blob_row, &c, err);
	if (rc) {
		free(c.buf);
		return rc;
	}
	if (c.nomem)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	if (!c.found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no package '%s'", id);
	if (c.null)
		return pdg_err_set(err, PDG_E_NOTFOUND, "package '%s' has no sealed secret", id);
	*out = c.buf;
	*len = c.len;
	return PDG_OK;
}
