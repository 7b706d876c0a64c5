/* SPDX-License-Identifier: MIT */
/* pdigate-center admin list|ledger|audit|check|purge|disable|enable: read and maintain the ledger. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "center/cmd/center/admin.h"
#include "tokens/codec.h"

static void when(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(buf, 32, "-");
	else
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_appliance(void *ctx, const struct pdg_ledger_appliance *a)
{
	(void)ctx;
	printf("appliance  %-36s site=%s%s\n", a->id, a->site, a->disabled ? " (disabled)" : "");
	return 0;
}

static int print_client(void *ctx, const struct pdg_ledger_client *c)
{
	(void)ctx;
	printf("%-10s %-20s cert=%.16s...%s%s%s\n",
	       c->kind == PDG_LEDGER_DATACENTER ? "datacenter" : "station", c->id, c->cert_sha256,
	       c->recipient[0] ? " recipient=" : "", c->recipient, c->disabled ? " (disabled)" : "");
	return 0;
}

static int print_staff(void *ctx, const struct pdg_ledger_staff *s)
{
	(void)ctx;
	printf("staff      %-20s%s%s%s\n", s->login, !strncmp(s->pwhash, "cert:", 5) ? " cert" : "",
	       strstr(s->pwhash, "$scrypt$") ? " password" : "", s->disabled ? " (disabled)" : "");
	return 0;
}

static int print_project(void *ctx, const struct pdg_ledger_project *p)
{
	(void)ctx;
	printf("project    %-20s datacenter=%s retention=%lldd expiry=%lldd\n", p->name,
	       p->datacenter, (long long)p->retention_days, (long long)p->expiry_days);
	return 0;
}

static int print_package(void *ctx, const struct pdg_ledger_package *p)
{
	json_t *arr = ctx;
	char c[32], r[32];

	when(p->created, c);
	when(p->released_at, r);
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}",
			"package_id", p->id, "project", p->project, "state",
			pdg_ledger_state_name(p->state), "uploader", p->uploader, "appliance",
			p->appliance, "size", (json_int_t)p->ciphertext_size, "received",
			(json_int_t)p->received_bytes, "released_to", p->released_to, "created_at", c));
		return 0;
	}
	printf("%-15s %-12s %-12s %12llu %-10s %s %s\n", p->id, pdg_ledger_state_name(p->state),
	       p->project, (unsigned long long)p->ciphertext_size,
	       p->released_to[0] ? p->released_to : "-", c, r);
	return 0;
}

static int print_audit(void *ctx, const struct pdg_ledger_audit_row *a)
{
	char t[32];

	(void)ctx;
	when(a->time, t);
	printf("%6lld %s %-10s %-15s %-12s %-12s %-14s %s %s\n", (long long)a->seq, t, a->event,
	       a->package_id[0] ? a->package_id : "-", a->from_state[0] ? a->from_state : "-",
	       a->to_state[0] ? a->to_state : "-", a->outcome[0] ? a->outcome : "-", a->actor,
	       a->detail);
	return 0;
}

struct idlist {
	char (*id)[PDG_LEDGER_ID_MAX + 1];
	enum pdg_ledger_state *st;
	size_t n, cap;
};

static int collect(void *ctx, const struct pdg_ledger_package *p)
{
	struct idlist *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *a = realloc(l->id, cap * sizeof(*l->id)), *b;

		if (!a)
			return 1;
		l->id = a;
		b = realloc(l->st, cap * sizeof(*l->st));
		if (!b)
			return 1;
		l->st = b;
		l->cap = cap;
	}
	snprintf(l->id[l->n], sizeof(l->id[l->n]), "%s", p->id);
	l->st[l->n++] = p->state;
	return 0;
}

/* Remove <state>/blobs/<id>/ and what it holds (only names the center writes). */
static int remove_blobs(const struct pdg_center_config *cfg, const char *id)
{
	char dir[PDG_CENTER_PATH_MAX + 96], path[PDG_CENTER_PATH_MAX + 384];
	DIR *d;
	struct dirent *e;

	if (!pdg_pkgid_valid(id))
		return -1;
	snprintf(dir, sizeof(dir), "%s/blobs/%s", cfg->state, id);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return rmdir(dir) && errno != ENOENT ? -1 : 0;
}

static int purge(struct pdg_ledger *l, const struct pdg_center_config *cfg, int64_t now,
		 struct pdg_err *err)
{
	struct idlist ex = { 0 }, pu = { 0 };
	size_t expired = 0, purged = 0;
	int rc = 1;

	if (pdg_ledger_due_expiry(l, now, collect, &ex, err))
		goto out;
	for (size_t i = 0; i < ex.n; i++) {
		if (pdg_ledger_transition(l, ex.id[i], ex.st[i], PDG_LS_EXPIRED, NULL, "admin:purge",
					  "not redeemed in time", err)) {
			if (err->code != PDG_E_POLICY)
				goto out;
			continue;       /* moved on meanwhile */
		}
		expired++;
	}
	if (pdg_ledger_due_purge(l, now, collect, &pu, err))
		goto out;
	for (size_t i = 0; i < pu.n; i++) {
		if (remove_blobs(cfg, pu.id[i])) {
			pdg_err_sys(err, PDG_E_IO, "cannot remove the files of package %s", pu.id[i]);
			goto out;
		}
		if (pdg_ledger_transition(l, pu.id[i], pu.st[i], PDG_LS_PURGED, NULL, "admin:purge",
					  NULL, err)) {
			if (err->code != PDG_E_POLICY)
				goto out;
			continue;
		}
		purged++;
	}
	printf("expired %zu, purged %zu\n", expired, purged);
	rc = 0;
out:
	free(ex.id);
	free(ex.st);
	free(pu.id);
	free(pu.st);
	return rc;
}

int pdg_center_admin_view(struct pdg_ledger *l, const struct pdg_center_config *cfg, int argc,
			  char **argv, const char *state, const char *package, const char *now,
			  int json, int *bad, struct pdg_err *err)
{
	const char *v = argv[0];

	if (!strcmp(v, "list") && argc == 1) {
		if (pdg_ledger_appliance_list(l, print_appliance, NULL, err) ||
		    pdg_ledger_client_list(l, print_client, NULL, err) ||
		    pdg_ledger_staff_list(l, print_staff, NULL, err) ||
		    pdg_ledger_project_list(l, print_project, NULL, err))
			return 1;
		return 0;
	}
	if (!strcmp(v, "ledger") && argc == 1) {
		struct pdg_ledger_filter f = { 0 };
		json_t *arr = json ? json_array() : NULL;

		if (state && !(f.state = pdg_ledger_state_parse(state))) {
			*bad = 1;
			return 2;
		}
		if (!json)
			printf("%-15s %-12s %-12s %12s %-10s %s\n", "package", "state", "project",
			       "bytes", "released", "created / released");
		if (pdg_ledger_package_list(l, &f, print_package, arr, err)) {
			json_decref(arr);
			return 1;
		}
		if (arr) {
			json_t *doc = json_pack("{s:o}", "packages", arr);
			char *s = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;

			json_decref(doc);

			if (s)
				puts(s);
			free(s);
		}
		return 0;
	}
	if (!strcmp(v, "audit") && argc == 1)
		return pdg_ledger_audit_list(l, 1, package, print_audit, NULL, err) ? 1 : 0;
	if (!strcmp(v, "check") && argc == 1) {
		struct pdg_ledger_check c;

		if (pdg_ledger_check(l, &c, err))
			return 1;
		printf("%lld audit records, %lld packages: %s%s\n", (long long)c.audit_rows,
		       (long long)c.packages, c.problems ? "PROBLEMS: " : "consistent",
		       c.problems ? c.reason : "");
		return c.problems ? 3 : 0;
	}
	if (!strcmp(v, "purge") && argc == 1) {
		char *end = NULL;
		long long t = now ? strtoll(now, &end, 10) : (long long)time(NULL);

		if (now && (*end || t <= 0)) {
			*bad = 1;
			return 2;
		}
		return purge(l, cfg, t, err);
	}
	if ((!strcmp(v, "disable") || !strcmp(v, "enable")) && argc == 3) {
		enum pdg_ledger_principal w = !strcmp(argv[1], "appliance") ? PDG_LEDGER_P_APPLIANCE
					      : !strcmp(argv[1], "client")  ? PDG_LEDGER_P_CLIENT
					      : !strcmp(argv[1], "staff")   ? PDG_LEDGER_P_STAFF
									    : 0;

		if (!w) {
			*bad = 1;
			return 2;
		}
		if (pdg_ledger_set_disabled(l, w, argv[2], v[0] == 'd', "admin", err))
			return 1;
		printf("%s %s %s\n", v[0] == 'd' ? "disabled" : "enabled", argv[1], argv[2]);
		return 0;
	}
	*bad = 1;
	return 2;
}
