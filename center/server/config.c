/* SPDX-License-Identifier: MIT */
/* Reading the service center's INI configuration with libinih. */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/server/config.h"

void pdg_center_config_defaults(struct pdg_center_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8443;
	c->threads = 2;
	c->workers = 8;
	c->timeout = 60;
	c->max_connections = 1000;
	c->manifest_max = 65536;
	c->chunk_max = 64u << 20;
	c->header_max = 65536;
	c->redeem_rate = 5;
	c->redeem_burst = 20;
	c->package_failures = 10;
	c->session_ttl = 3600;
	c->scrypt_log2n = 15;
	c->retention_days = 30;
	c->expiry_days = 90;
}

struct loader {
	struct pdg_center_config *c;
	char dir[PDG_CENTER_PATH_MAX];
	char bad[160];
};

static int num(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (!*v || *v == '-')
		return 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return 0;
	*out = n;
	return 1;
}

static int path_set(struct loader *l, char *dst, const char *v)
{
	int n;

	if (!*v)
		return 0;
	if (v[0] == '/' || !l->dir[0])
		n = snprintf(dst, PDG_CENTER_PATH_MAX, "%s", v);
	else
		n = snprintf(dst, PDG_CENTER_PATH_MAX, "%s/%s", l->dir, v);
	return n > 0 && n < PDG_CENTER_PATH_MAX;
}

static int entry(void *user, const char *section, const char *name, const char *v)
{
	struct loader *l = user;
	struct pdg_center_config *c = l->c;
	uint64_t n = 0;
	int ok = 0;

#define IS(s, k) (!strcmp(section, s) && !strcmp(name, k))
	if (IS("server", "listen"))
		ok = snprintf(c->listen, sizeof(c->listen), "%s", v) < (int)sizeof(c->listen) && *v;
	else if (IS("server", "port"))
		ok = num(v, 1, 65535, &n) && ((c->port = (unsigned)n), 1);
	else if (IS("server", "cert"))
		ok = path_set(l, c->cert, v);
	else if (IS("server", "key"))
		ok = path_set(l, c->key, v);
	else if (IS("server", "client_ca"))
		ok = path_set(l, c->client_ca, v);
	else if (IS("server", "threads"))
		ok = num(v, 1, 256, &n) && ((c->threads = (unsigned)n), 1);
	else if (IS("server", "workers"))
		ok = num(v, 0, 256, &n) && ((c->workers = (unsigned)n), 1);
	else if (IS("server", "timeout"))
		ok = num(v, 1, 3600, &n) && ((c->timeout = (unsigned)n), 1);
	else if (IS("server", "max_connections"))
		ok = num(v, 1, 100000, &n) && ((c->max_connections = (unsigned)n), 1);
	else if (IS("store", "state"))
		ok = path_set(l, c->state, v);
	else if (IS("store", "ledger"))
		ok = snprintf(c->ledger, sizeof(c->ledger), "%s", v) < (int)sizeof(c->ledger) && *v;
	else if (IS("limits", "manifest_max"))
		ok = num(v, 1024, 1u << 20, &c->manifest_max);
	else if (IS("limits", "chunk_max"))
		ok = num(v, 4096, (uint64_t)1 << 31, &c->chunk_max);
	else if (IS("limits", "header_max"))
		ok = num(v, 4096, 1u << 20, &n) && ((c->header_max = (unsigned)n), 1);
	else if (IS("limits", "redeem_rate"))
		ok = num(v, 1, 1000000, &n) && ((c->redeem_rate = (double)n), 1);
	else if (IS("limits", "redeem_burst"))
		ok = num(v, 1, 1000000, &n) && ((c->redeem_burst = (unsigned)n), 1);
	else if (IS("limits", "package_failures"))
		ok = num(v, 1, 1000000, &n) && ((c->package_failures = (unsigned)n), 1);
	else if (IS("limits", "session_ttl"))
		ok = num(v, 60, 86400, &n) && ((c->session_ttl = (unsigned)n), 1);
	else if (IS("limits", "scrypt_log2n"))
		ok = num(v, 10, 22, &n) && ((c->scrypt_log2n = (unsigned)n), 1);
	else if (IS("retention", "days"))
		ok = num(v, 0, 36500, &n) && ((c->retention_days = (int)n), 1);
	else if (IS("retention", "expiry_days"))
		ok = num(v, 1, 36500, &n) && ((c->expiry_days = (int)n), 1);
#undef IS
	if (!ok && !l->bad[0])
		snprintf(l->bad, sizeof(l->bad), "[%.20s] %.40s", section, name);
	return ok;
}

enum pdg_code pdg_center_config_load(const char *path, struct pdg_center_config *c,
				     struct pdg_err *err)
{
	struct loader l = { .c = c };
	const char *slash = strrchr(path, '/');
	FILE *f;
	int line;

	if (slash && (size_t)(slash - path) < sizeof(l.dir))
		snprintf(l.dir, sizeof(l.dir), "%.*s", (int)(slash - path), path);
	f = fopen(path, "r");
	if (!f)
		return pdg_err_sys(err, PDG_E_IO, "cannot read the configuration '%s'", path);
	line = ini_parse_file(f, entry, &l);
	fclose(f);
	if (line < 0)
		return pdg_err_set(err, PDG_E_IO, "cannot read the configuration '%s'", path);
	if (line > 0)
		return pdg_err_set(err, PDG_E_INVALID, "%s line %d: unknown key or bad value %s",
				   path, line, l.bad);
	if (!c->state[0])
		return pdg_err_set(err, PDG_E_INVALID, "%s: [store] state is required", path);
	if (!c->ledger[0] &&
	    snprintf(c->ledger, sizeof(c->ledger), "sqlite:%s/ledger.db", c->state) >=
		    (int)sizeof(c->ledger))
		return pdg_err_set(err, PDG_E_LIMIT, "state path too long");
	return PDG_OK;
}
