/* SPDX-License-Identifier: MIT */
/* The ledger's principals: appliances, upload stations and data centers, staff, projects. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "center/ledger/internal.h"

/* ---- registration: one INSERT plus its audit row ---- */

struct add_ctx {
	const char *sql;
	const struct pdg_ldb_arg *args;
	int nargs;
	struct pdg_ledger_audit_in audit;
};

static enum pdg_code add_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct add_ctx *a = ctx;
	enum pdg_code rc;

	rc = pdg_ldb_exec(tx->c, a->sql, a->args, a->nargs, NULL, NULL, NULL, err);
	if (rc == PDG_E_EXISTS)
		return pdg_err_set(err, PDG_E_EXISTS, "%s '%s' is already registered",
			a->audit.outcome, a->audit.detail);
	if (rc)
		return rc;
	return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "register",
		.actor = a->audit.actor, .detail = a->audit.detail, .outcome = "ok" }, err);
}

/* audit detail: "<kind> <id>" */
static enum pdg_code add(struct pdg_ledger *l, const char *sql, const struct pdg_ldb_arg *args,
	int nargs, const char *kind, const char *id, const char *actor, struct pdg_err *err)
{
	char detail[PDG_LEDGER_TEXT_MAX + 1];
	struct add_ctx a = { sql, args, nargs, { .actor = actor, .outcome = kind,
		.detail = detail } };

	if (actor && strlen(actor) > PDG_LEDGER_TEXT_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "actor is longer than %d bytes",
			PDG_LEDGER_TEXT_MAX);
	snprintf(detail, sizeof(detail), "%s %s", kind, id);
	return pdg_ledger_txn(l, PDG_LTX_WRITE, add_body, &a, err);
}

static enum pdg_code check_text(const char *s, size_t max, int empty_ok, const char *what,
	struct pdg_err *err)
{
	if (!s || (!*s && !empty_ok))
		return pdg_err_set(err, PDG_E_INVALID, "%s is empty", what);
	if (strlen(s) > max)
		return pdg_err_set(err, PDG_E_LIMIT, "%s is longer than %zu bytes", what, max);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return pdg_err_set(err, PDG_E_INVALID, "%s has a control character", what);
	return PDG_OK;
}

/* Lowercase a 64-hex fingerprint into out, refusing anything else. */
static enum pdg_code norm_fp(const char *in, char out[PDG_LEDGER_HEX_MAX + 1], struct pdg_err *err)
{
	size_t n = in ? strlen(in) : 0;

	if (n != PDG_LEDGER_HEX_MAX)
		return pdg_err_set(err, PDG_E_INVALID, "certificate fingerprint is not a SHA-256 "
			"(64 hex digits)");
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)in[i]))
			return pdg_err_set(err, PDG_E_INVALID, "certificate fingerprint is not hex");
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[n] = '\0';
	return PDG_OK;
}

enum pdg_code pdg_ledger_appliance_add(struct pdg_ledger *l, const struct pdg_ledger_appliance *a,
	const char *actor, struct pdg_err *err)
{
	enum pdg_code rc = pdg_ledger_check_id(a->id, "appliance id", err);

	if (!rc)
		rc = check_text(a->site, PDG_LEDGER_NAME_MAX, 0, "site", err);
	if (!rc)
		rc = check_text(a->pubkey, PDG_LEDGER_KEY_MAX, 0, "appliance public key", err);
	if (rc)
		return rc;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(a->id), PDG_LDB_T(a->site), PDG_LDB_T(a->pubkey),
		PDG_LDB_I(pdg_ledger_now()) };
	return add(l, "INSERT INTO appliances (id, site, pubkey, created, disabled)"
		" VALUES (?, ?, ?, ?, 0)", args, 4, "appliance", a->id, actor, err);
}

enum pdg_code pdg_ledger_client_add(struct pdg_ledger *l, const struct pdg_ledger_client *c,
	const char *actor, struct pdg_err *err)
{
	char fp[PDG_LEDGER_HEX_MAX + 1];
	const char *kind = c->kind == PDG_LEDGER_STATION ? "station"
		: c->kind == PDG_LEDGER_DATACENTER ? "datacenter" : NULL;
	enum pdg_code rc;

	if (!kind)
		return pdg_err_set(err, PDG_E_INVALID, "client kind is neither station nor data center");
	rc = pdg_ledger_check_id(c->id, "client id", err);
	if (!rc)
		rc = check_text(c->name, PDG_LEDGER_NAME_MAX, 0, "client name", err);
	if (!rc)
		rc = norm_fp(c->cert_sha256, fp, err);
	if (!rc)
		rc = check_text(c->recipient, PDG_LEDGER_RECIPIENT_MAX, c->kind == PDG_LEDGER_STATION,
			"data center age recipient", err);
	if (rc)
		return rc;
	if (c->kind == PDG_LEDGER_STATION && *c->recipient)
		return pdg_err_set(err, PDG_E_INVALID, "an upload station has no age recipient");
	struct pdg_ldb_arg args[] = { PDG_LDB_T(c->id), PDG_LDB_T(kind), PDG_LDB_T(c->name),
		PDG_LDB_T(fp), PDG_LDB_T(c->recipient), PDG_LDB_I(pdg_ledger_now()) };
	return add(l, "INSERT INTO clients (id, kind, name, cert_sha256, recipient, created, disabled)"
		" VALUES (?, ?, ?, ?, ?, ?, 0)", args, 6, kind, c->id, actor, err);
}

enum pdg_code pdg_ledger_staff_add(struct pdg_ledger *l, const struct pdg_ledger_staff *s,
	const char *actor, struct pdg_err *err)
{
	enum pdg_code rc = pdg_ledger_check_id(s->login, "staff login", err);

	if (!rc)
		rc = check_text(s->pwhash, PDG_LEDGER_PWHASH_MAX, 0, "password hash", err);
	if (rc)
		return rc;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(s->login), PDG_LDB_T(s->pwhash),
		PDG_LDB_I(pdg_ledger_now()) };
	return add(l, "INSERT INTO staff (login, pwhash, created, disabled) VALUES (?, ?, ?, 0)",
		args, 3, "staff", s->login, actor, err);
}

static int found_dc(void *ctx, const struct pdg_ldb_row *r)
{
	*(int *)ctx = !strcmp(pdg_ldb_text(r, 0), "datacenter") ? 1 : 2;
	return 1;
}

enum pdg_code pdg_ledger_project_add(struct pdg_ledger *l, const struct pdg_ledger_project *p,
	const char *actor, struct pdg_err *err)
{
	enum pdg_code rc = pdg_ledger_check_id(p->name, "project name", err);
	int dc = 0;

	if (!rc)
		rc = pdg_ledger_check_id(p->datacenter, "data center id", err);
	if (rc)
		return rc;
	if (p->retention_days < 0 || p->retention_days > 36500 || p->expiry_days < 1 ||
	    p->expiry_days > 36500)
		return pdg_err_set(err, PDG_E_INVALID, "retention must be 0..36500 days and expiry "
			"1..36500 days");
	struct pdg_ldb_arg dcarg[] = { PDG_LDB_T(p->datacenter) };
	rc = pdg_ledger_query(l, "SELECT kind FROM clients WHERE id = ?", dcarg, 1, found_dc, &dc, err);
	if (rc)
		return rc;
	if (dc != 1)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no data center '%s' is registered",
			p->datacenter);
	struct pdg_ldb_arg args[] = { PDG_LDB_T(p->name), PDG_LDB_T(p->datacenter),
		PDG_LDB_I(p->retention_days), PDG_LDB_I(p->expiry_days), PDG_LDB_I(pdg_ledger_now()) };
	return add(l, "INSERT INTO projects (name, datacenter, retention_days, expiry_days, created)"
		" VALUES (?, ?, ?, ?, ?)", args, 5, "project", p->name, actor, err);
}

/* ---- lookups ---- */

struct get_ctx {
	void (*read)(const struct pdg_ldb_row *r, void *out);
	void *out;
	int found;
};

static void read_appliance(const struct pdg_ldb_row *r, void *out)
{
	struct pdg_ledger_appliance *a = out;

	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", pdg_ldb_text(r, 0));
	snprintf(a->site, sizeof(a->site), "%s", pdg_ldb_text(r, 1));
	snprintf(a->pubkey, sizeof(a->pubkey), "%s", pdg_ldb_text(r, 2));
	a->created = pdg_ldb_int(r, 3);
	a->disabled = pdg_ldb_int(r, 4) != 0;
}

static void read_client(const struct pdg_ldb_row *r, void *out)
{
	struct pdg_ledger_client *c = out;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", pdg_ldb_text(r, 0));
	c->kind = !strcmp(pdg_ldb_text(r, 1), "datacenter") ? PDG_LEDGER_DATACENTER
		: PDG_LEDGER_STATION;
	snprintf(c->name, sizeof(c->name), "%s", pdg_ldb_text(r, 2));
	snprintf(c->cert_sha256, sizeof(c->cert_sha256), "%s", pdg_ldb_text(r, 3));
	snprintf(c->recipient, sizeof(c->recipient), "%s", pdg_ldb_text(r, 4));
	c->created = pdg_ldb_int(r, 5);
	c->disabled = pdg_ldb_int(r, 6) != 0;
}

static void read_staff(const struct pdg_ldb_row *r, void *out)
{
	struct pdg_ledger_staff *s = out;

	memset(s, 0, sizeof(*s));
	snprintf(s->login, sizeof(s->login), "%s", pdg_ldb_text(r, 0));
	snprintf(s->pwhash, sizeof(s->pwhash), "%s", pdg_ldb_text(r, 1));
	s->created = pdg_ldb_int(r, 2);
	s->disabled = pdg_ldb_int(r, 3) != 0;
}

static void read_project(const struct pdg_ldb_row *r, void *out)
{
	struct pdg_ledger_project *p = out;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", pdg_ldb_text(r, 0));
	snprintf(p->datacenter, sizeof(p->datacenter), "%s", pdg_ldb_text(r, 1));
	p->retention_days = pdg_ldb_int(r, 2);
	p->expiry_days = pdg_ldb_int(r, 3);
	p->created = pdg_ldb_int(r, 4);
}

#define APPLIANCE_SQL "SELECT id, site, pubkey, created, disabled FROM appliances"
#define CLIENT_SQL "SELECT id, kind, name, cert_sha256, recipient, created, disabled FROM clients"
#define STAFF_SQL "SELECT login, pwhash, created, disabled FROM staff"
#define PROJECT_SQL "SELECT name, datacenter, retention_days, expiry_days, created FROM projects"

static int get_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct get_ctx *g = ctx;

	g->read(r, g->out);
	g->found = 1;
	return 1;
}

static enum pdg_code get(struct pdg_ledger *l, const char *sql, const char *key,
	void (*read)(const struct pdg_ldb_row *r, void *out), void *out, const char *what,
	struct pdg_err *err)
{
	struct get_ctx g = { .read = read, .out = out };
	struct pdg_ldb_arg args[] = { PDG_LDB_T(key) };
	enum pdg_code rc;

	if (!key || !*key || strlen(key) > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such %s", what);
	rc = pdg_ledger_query(l, sql, args, 1, get_row, &g, err);
	if (rc)
		return rc;
	if (!g.found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no %s '%s' is registered", what, key);
	return PDG_OK;
}

enum pdg_code pdg_ledger_appliance_get(struct pdg_ledger *l, const char *id,
	struct pdg_ledger_appliance *out, struct pdg_err *err)
{
	return get(l, APPLIANCE_SQL " WHERE id = ?", id, read_appliance, out, "appliance", err);
}

enum pdg_code pdg_ledger_client_get(struct pdg_ledger *l, const char *id,
	struct pdg_ledger_client *out, struct pdg_err *err)
{
	return get(l, CLIENT_SQL " WHERE id = ?", id, read_client, out, "client", err);
}

enum pdg_code pdg_ledger_client_by_cert(struct pdg_ledger *l, const char *cert_sha256,
	struct pdg_ledger_client *out, struct pdg_err *err)
{
	struct get_ctx g = { .read = read_client, .out = out };
	char fp[PDG_LEDGER_HEX_MAX + 1];
	enum pdg_code rc = norm_fp(cert_sha256, fp, err);

	if (rc)
		return rc;
	struct pdg_ldb_arg args[] = { PDG_LDB_T(fp) };
	rc = pdg_ledger_query(l, CLIENT_SQL " WHERE cert_sha256 = ?", args, 1, get_row, &g, err);
	if (rc)
		return rc;
	if (!g.found)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no client has this certificate");
	return PDG_OK;
}

enum pdg_code pdg_ledger_staff_get(struct pdg_ledger *l, const char *login,
	struct pdg_ledger_staff *out, struct pdg_err *err)
{
	return get(l, STAFF_SQL " WHERE login = ?", login, read_staff, out, "staff member", err);
}

enum pdg_code pdg_ledger_project_get(struct pdg_ledger *l, const char *name,
	struct pdg_ledger_project *out, struct pdg_err *err)
{
	return get(l, PROJECT_SQL " WHERE name = ?", name, read_project, out, "project", err);
}

/* ---- updates ---- */

struct update_ctx {
	const char *sql;
	const struct pdg_ldb_arg *args;
	int nargs;
	const char *actor;
	const char *detail;
	const char *what;
};

static enum pdg_code update_body(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	struct update_ctx *u = ctx;
	int64_t changed = 0;
	enum pdg_code rc;

	rc = pdg_ldb_exec(tx->c, u->sql, u->args, u->nargs, NULL, NULL, &changed, err);
	if (rc)
		return rc;
	if (changed != 1)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no such %s", u->what);
	return pdg_ledger_audit_tx(tx, &(struct pdg_ledger_audit_in){ .event = "update",
		.actor = u->actor, .detail = u->detail, .outcome = "ok" }, err);
}

enum pdg_code pdg_ledger_staff_set_pwhash(struct pdg_ledger *l, const char *login,
	const char *pwhash, const char *actor, struct pdg_err *err)
{
	char detail[PDG_LEDGER_TEXT_MAX + 1];
	enum pdg_code rc = pdg_ledger_check_id(login, "staff login", err);

	if (!rc)
		rc = check_text(pwhash, PDG_LEDGER_PWHASH_MAX, 0, "password hash", err);
	if (!rc && actor && strlen(actor) > PDG_LEDGER_TEXT_MAX)
		rc = pdg_err_set(err, PDG_E_LIMIT, "actor is too long");
	if (rc)
		return rc;
	snprintf(detail, sizeof(detail), "staff %s password", login);
	struct pdg_ldb_arg args[] = { PDG_LDB_T(pwhash), PDG_LDB_T(login) };
	struct update_ctx u = { "UPDATE staff SET pwhash = ? WHERE login = ?", args, 2, actor,
		detail, "staff member" };
	return pdg_ledger_txn(l, PDG_LTX_WRITE, update_body, &u, err);
}

enum pdg_code pdg_ledger_set_disabled(struct pdg_ledger *l, enum pdg_ledger_principal which,
	const char *id, int disabled, const char *actor, struct pdg_err *err)
{
	static const char *const sql[] = {
		[PDG_LEDGER_P_APPLIANCE] = "UPDATE appliances SET disabled = ? WHERE id = ?",
		[PDG_LEDGER_P_CLIENT] = "UPDATE clients SET disabled = ? WHERE id = ?",
		[PDG_LEDGER_P_STAFF] = "UPDATE staff SET disabled = ? WHERE login = ?",
	};
	static const char *const what[] = {
		[PDG_LEDGER_P_APPLIANCE] = "appliance",
		[PDG_LEDGER_P_CLIENT] = "client",
		[PDG_LEDGER_P_STAFF] = "staff",
	};
	char detail[PDG_LEDGER_TEXT_MAX + 1];
	enum pdg_code rc;

	if (which < PDG_LEDGER_P_APPLIANCE || which > PDG_LEDGER_P_STAFF)
		return pdg_err_set(err, PDG_E_INVALID, "unknown kind of principal");
	rc = pdg_ledger_check_id(id, what[which], err);
	if (!rc && actor && strlen(actor) > PDG_LEDGER_TEXT_MAX)
		rc = pdg_err_set(err, PDG_E_LIMIT, "actor is too long");
	if (rc)
		return rc;
	snprintf(detail, sizeof(detail), "%s %s %s", what[which], id,
		disabled ? "disabled" : "enabled");
	struct pdg_ldb_arg args[] = { PDG_LDB_I(disabled ? 1 : 0), PDG_LDB_T(id) };
	struct update_ctx u = { sql[which], args, 2, actor, detail, what[which] };
	return pdg_ledger_txn(l, PDG_LTX_WRITE, update_body, &u, err);
}

/* ---- listings: one typed callback each ---- */

struct list_ctx {
	union {
		int (*appliance)(void *ctx, const struct pdg_ledger_appliance *a);
		int (*client)(void *ctx, const struct pdg_ledger_client *c);
		int (*staff)(void *ctx, const struct pdg_ledger_staff *s);
		int (*project)(void *ctx, const struct pdg_ledger_project *p);
	} fn;
	void *ctx;
};

static int appliance_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct list_ctx *c = ctx;
	struct pdg_ledger_appliance rec;

	read_appliance(r, &rec);
	return c->fn.appliance(c->ctx, &rec);
}

static int client_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct list_ctx *c = ctx;
	struct pdg_ledger_client rec;

	read_client(r, &rec);
	return c->fn.client(c->ctx, &rec);
}

static int staff_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct list_ctx *c = ctx;
	struct pdg_ledger_staff rec;

	read_staff(r, &rec);
	return c->fn.staff(c->ctx, &rec);
}

static int project_row(void *ctx, const struct pdg_ldb_row *r)
{
	struct list_ctx *c = ctx;
	struct pdg_ledger_project rec;

	read_project(r, &rec);
	return c->fn.project(c->ctx, &rec);
}

enum pdg_code pdg_ledger_appliance_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_appliance *a), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { .fn.appliance = fn, .ctx = ctx };

	return pdg_ledger_query(l, APPLIANCE_SQL " ORDER BY id", NULL, 0, appliance_row, &c, err);
}

enum pdg_code pdg_ledger_client_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_client *c), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { .fn.client = fn, .ctx = ctx };

	return pdg_ledger_query(l, CLIENT_SQL " ORDER BY id", NULL, 0, client_row, &c, err);
}

enum pdg_code pdg_ledger_staff_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_staff *s), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { .fn.staff = fn, .ctx = ctx };

	return pdg_ledger_query(l, STAFF_SQL " ORDER BY login", NULL, 0, staff_row, &c, err);
}

enum pdg_code pdg_ledger_project_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_project *p), void *ctx, struct pdg_err *err)
{
	struct list_ctx c = { .fn.project = fn, .ctx = ctx };

	return pdg_ledger_query(l, PROJECT_SQL " ORDER BY name", NULL, 0, project_row, &c, err);
}
