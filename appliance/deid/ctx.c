/* SPDX-License-Identifier: MIT */
/* The de-identification context: profile, options and overrides from the project INI, keys. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "appliance/deid/deid.h"
#include "appliance/deid/pixrules.h"
#include "appliance/deid/profile.h"

#define MAX_OVERRIDES 1024
#define MAX_FIXED_VALUE 1024

struct ini_state {
	struct pdg_deid_ctx *ctx;
	struct pdg_err *err;
	enum pdg_code code;
	uint32_t opt_add, opt_del;
	struct pdg_deid_override *ovr;
	size_t novr;
};

static int ini_fail(struct ini_state *st, enum pdg_code code, const char *what, const char *name)
{
	/* The INI is configuration, not PHI: naming the key helps the operator. */
	pdg_err_set(st->err, code, "%s '%.80s'", what, name);
	st->code = code;
	return 0;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_options(struct ini_state *st, const char *value)
{
	char word[64];
	const char *p = value;

	while (*p) {
		size_t n = 0;
		int del = 0, o;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		while (*p && *p != ',' && !isspace((unsigned char)*p)) {
			if (n + 1 >= sizeof(word))
				return ini_fail(st, PDG_E_INVALID, "option name too long", value);
			word[n++] = *p++;
		}
		word[n] = '\0';
		const char *w = word;
		if (*w == '-' || *w == '+') {
			del = *w == '-';
			w++;
		}
		o = pdg_deid_opt_parse(w);
		if (o < 0) {
			if (strcmp(w, "clean-pixel-data") == 0 ||
			    strcmp(w, "clean-recognizable-visual-features") == 0)
				return ini_fail(st, PDG_E_POLICY,
						"option not supported yet (instances that need it "
						"are quarantined)",
						w);
			return ini_fail(st, PDG_E_INVALID, "unknown de-identification option", w);
		}
		if (del)
			st->opt_del |= 1u << o;
		else
			st->opt_add |= 1u << o;
	}
	return 1;
}

/* "(gggg,eeee)" -> tag. */
static int parse_tag(const char *s, uint32_t *tag)
{
	unsigned v[2] = { 0, 0 };

	if (strlen(s) != 11 || s[0] != '(' || s[5] != ',' || s[10] != ')')
		return -1;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 4; i++) {
			int c = s[1 + k * 5 + i];
			if (!isxdigit(c))
				return -1;
			v[k] = v[k] * 16 + (unsigned)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		}
	*tag = PDG_TAG(v[0], v[1]);
	return 0;
}

static int parse_override(struct ini_state *st, const char *name, const char *value)
{
	static const struct {
		const char *word;
		enum pdg_deid_act act;
	} words[] = {
		{ "keep", PDG_ACT_KEEP },         { "remove", PDG_ACT_REMOVE },
		{ "empty", PDG_ACT_EMPTY },       { "dummy", PDG_ACT_DUMMY },
		{ "uid", PDG_ACT_UID },           { "shift", PDG_ACT_SHIFT },
		{ "year-month", PDG_ACT_YEARMONTH }, { "year", PDG_ACT_YEAR },
		{ "pseudonym", PDG_ACT_PSEUDONYM },
	};
	struct pdg_deid_override o = { 0 };
	size_t len = strlen(value);

	if (parse_tag(name, &o.tag))
		return ini_fail(st, PDG_E_INVALID, "override key is not a tag like (0008,1030):", name);
	if (PDG_TAG_GROUP(o.tag) == 0x0002 || o.tag == PDG_TAG(0x0008, 0x0016) ||
	    o.tag == PDG_TAG(0x7fe0, 0x0010))
		return ini_fail(st, PDG_E_POLICY, "this attribute cannot be overridden:", name);
	o.rule.fallback = PDG_ACT_REMOVE;
	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		if (len - 2 > MAX_FIXED_VALUE)
			return ini_fail(st, PDG_E_LIMIT, "fixed value too long for", name);
		for (size_t i = 1; i + 1 < len; i++)
			if ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e)
				return ini_fail(st, PDG_E_INVALID,
						"fixed values must be printable ASCII:", name);
		o.rule.act = PDG_ACT_FIXED;
		o.value = strndup(value + 1, len - 2);
		if (!o.value)
			return ini_fail(st, PDG_E_NOMEM, "out of memory for", name);
	} else {
		size_t i;
		for (i = 0; i < PDG_ARRAY_SIZE(words); i++)
			if (strcmp(words[i].word, value) == 0)
				break;
		if (i == PDG_ARRAY_SIZE(words))
			return ini_fail(st, PDG_E_INVALID,
					"override must be keep, remove, empty, dummy, uid, shift, "
					"year-month, year, pseudonym or a \"quoted value\" for",
					name);
		o.rule.act = (uint8_t)words[i].act;
	}
	for (size_t i = 0; i < st->novr; i++)
		if (st->ovr[i].tag == o.tag) {
			free(o.value);
			return ini_fail(st, PDG_E_INVALID, "attribute overridden twice:", name);
		}
	if (st->novr >= MAX_OVERRIDES) {
		free(o.value);
		return ini_fail(st, PDG_E_LIMIT, "too many overrides at", name);
	}
	st->ovr[st->novr++] = o;
	return 1;
}

static int on_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;

	if (strcmp(section, "deid") == 0) {
		if (strcmp(name, "options") == 0)
			return parse_options(st, value);
		if (strcmp(name, "date-shift-min") == 0 || strcmp(name, "date-shift-max") == 0) {
			int v;
			if (parse_int(value, &v) || v < -PDG_DEID_SHIFT_LIMIT ||
			    v > PDG_DEID_SHIFT_LIMIT)
				return ini_fail(st, PDG_E_INVALID, "bad number of days for", name);
			if (strcmp(name, "date-shift-min") == 0)
				st->ctx->shift_min = v;
			else
				st->ctx->shift_max = v;
			return 1;
		}
		if (strcmp(name, "k_threshold") == 0) {
			int v;
			if (parse_int(value, &v) || v < 1 || v > 1000000)
				return ini_fail(st, PDG_E_INVALID, "bad k_threshold (1 or more):", value);
			st->ctx->k_threshold = (unsigned)v;
			return 1;
		}
		if (strcmp(name, "profile") == 0) {
			if (strcmp(value, st->ctx->profile->id) != 0)
				return ini_fail(st, PDG_E_POLICY,
						"INI names another profile than the project:", value);
			return 1;
		}
		return ini_fail(st, PDG_E_INVALID, "unknown key in [deid]:", name);
	}
	if (strcmp(section, "override") == 0)
		return parse_override(st, name, value);
	if (strcmp(section, "project") == 0)
		return 1; /* name, profile, recipients: read by appliance/home */
	return ini_fail(st, PDG_E_INVALID, "unknown INI section", section);
}

static int cmp_override(const void *a, const void *b)
{
	uint32_t x = ((const struct pdg_deid_override *)a)->tag;
	uint32_t y = ((const struct pdg_deid_override *)b)->tag;

	return x < y ? -1 : x > y;
}

static enum pdg_code merge_overrides(struct pdg_deid_ctx *ctx, struct ini_state *st,
				     struct pdg_err *err)
{
	const struct pdg_deid_profile *p = ctx->profile;
	size_t n = 0;

	ctx->ovr = calloc(p->nbuiltin + st->novr + 1, sizeof(*ctx->ovr));
	if (!ctx->ovr)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	for (size_t i = 0; i < st->novr; i++) {
		ctx->ovr[n++] = st->ovr[i];
		st->ovr[i].value = NULL;
	}
	ctx->nini_overrides = n;
	for (size_t i = 0; i < p->nbuiltin; i++) {
		int dup = 0;
		for (size_t j = 0; j < st->novr; j++)
			dup |= ctx->ovr[j].tag == p->builtin[i].tag; /* the INI wins */
		if (dup)
			continue;
		ctx->ovr[n].tag = p->builtin[i].tag;
		ctx->ovr[n].rule.act = p->builtin[i].act;
		ctx->ovr[n].rule.fallback = PDG_ACT_REMOVE;
		n++;
	}
	ctx->novr = n;
	qsort(ctx->ovr, n, sizeof(*ctx->ovr), cmp_override);
	return PDG_OK;
}

static enum pdg_code load_ini(struct pdg_deid_ctx *ctx, const char *path, struct pdg_err *err)
{
	struct ini_state st = { .ctx = ctx, .err = err, .code = PDG_OK };
	enum pdg_code rc = PDG_OK;
	FILE *f;
	int line;

	st.ovr = calloc(MAX_OVERRIDES, sizeof(*st.ovr));
	if (!st.ovr)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	if (path && *path) {
		f = fopen(path, "re");
		if (!f && errno != ENOENT) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
			goto out;
		}
		if (f) {
			line = ini_parse_file(f, on_ini_line, &st);
			fclose(f);
			if (line != 0) {
				if (st.code == PDG_OK)
					pdg_err_set(err, PDG_E_INVALID, "syntax error");
				rc = pdg_err_prefix(err, "%s line %d", path, line);
				if (rc == PDG_OK)
					rc = PDG_E_INVALID;
				goto out;
			}
		}
	}
	ctx->options = (ctx->options | st.opt_add) & ~st.opt_del;
	rc = merge_overrides(ctx, &st, err);
out:
	for (size_t i = 0; i < st.novr; i++)
		free(st.ovr[i].value);
	free(st.ovr);
	return rc;
}

static enum pdg_code set_key(struct pdg_deid_ctx *ctx, const uint8_t key[PDG_SECRET_BYTES],
			     struct pdg_err *err)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *m;

	memcpy(ctx->key, key, PDG_SECRET_BYTES);
	EVP_MAC_CTX_free(ctx->mac);
	ctx->mac = NULL;
	ctx->have_key = 0;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return pdg_err_set(err, PDG_E_CRYPTO, "HMAC is not available");
	m = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!m)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(m, ctx->key, PDG_SECRET_BYTES, params)) {
		EVP_MAC_CTX_free(m);
		return pdg_err_set(err, PDG_E_CRYPTO, "cannot key HMAC-SHA256");
	}
	ctx->mac = m;
	ctx->have_key = 1;
	return PDG_OK;
}

enum pdg_code pdg_deid_ctx_init_with(struct pdg_deid_ctx *ctx, const char *profile,
				     const char *ini_path, const uint8_t secret[PDG_SECRET_BYTES],
				     struct pdg_err *err)
{
	enum pdg_code rc;

	*ctx = (struct pdg_deid_ctx){ .shift_min = PDG_DEID_SHIFT_MIN_DEFAULT,
				      .shift_max = PDG_DEID_SHIFT_MAX_DEFAULT,
				      .k_threshold = 5 };
	ctx->profile = pdg_deid_profile_find(profile);
	if (!ctx->profile)
		return pdg_err_set(err, PDG_E_INVALID, "unknown de-identification profile '%.40s'",
				   profile ? profile : "");
	ctx->options = ctx->profile->options;
	memcpy(ctx->secret, secret, PDG_SECRET_BYTES);
	rc = load_ini(ctx, ini_path, err);
	if (rc)
		return rc;
	ctx->pixrules = malloc(sizeof(*ctx->pixrules));
	if (!ctx->pixrules)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	pdg_pixrules_init(ctx->pixrules);
	rc = pdg_pixrules_load_project(ctx->pixrules, ini_path, err);
	if (rc)
		return rc;
	if ((ctx->options & (1u << PDG_OPT_RTN_LONG_FULL)) &&
	    (ctx->options & (1u << PDG_OPT_RTN_LONG_MODIF)))
		return pdg_err_set(err, PDG_E_POLICY,
				   "options retain-long-full-dates and retain-long-modified-dates "
				   "exclude each other");
	if (ctx->shift_min > ctx->shift_max || (ctx->shift_min == 0 && ctx->shift_max == 0))
		return pdg_err_set(err, PDG_E_INVALID,
				   "date shift range %d..%d is empty or only 0", ctx->shift_min,
				   ctx->shift_max);
	ctx->rules = calloc(pdg_deid_table_len, sizeof(*ctx->rules));
	if (!ctx->rules)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	for (size_t i = 0; i < pdg_deid_table_len; i++)
		ctx->rules[i] = pdg_deid_resolve_row(&pdg_deid_table[i], ctx->options);
	if (!ctx->profile->per_batch)
		return set_key(ctx, ctx->secret, err);
	return PDG_OK;
}

enum pdg_code pdg_deid_ctx_init(struct pdg_deid_ctx *ctx, const struct pdg_project *project,
				struct pdg_err *err)
{
	return pdg_deid_ctx_init_with(ctx, project->profile, project->ini_path, project->secret,
				      err);
}

enum pdg_code pdg_deid_ctx_set_batch(struct pdg_deid_ctx *ctx, const char *batch,
				     struct pdg_err *err)
{
	uint8_t derived[PDG_SECRET_BYTES];
	size_t len = 0, n = strlen(batch);
	enum pdg_code rc;

	if (n == 0 || n >= PDG_DEID_BATCH_MAX)
		return pdg_err_set(err, PDG_E_INVALID, "batch id must have 1..%d characters",
				   PDG_DEID_BATCH_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)batch[i] <= 0x20 || (unsigned char)batch[i] > 0x7e)
			return pdg_err_set(err, PDG_E_INVALID, "batch id must be printable ASCII");
	memcpy(ctx->batch, batch, n + 1);
	if (!ctx->profile || !ctx->profile->per_batch)
		return PDG_OK;
	/* key = HMAC-SHA256(secret, "batch:" + batch id) */
	char msg[PDG_DEID_BATCH_MAX + 8];
	int m = snprintf(msg, sizeof(msg), "batch:%s", batch);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, ctx->secret, PDG_SECRET_BYTES,
		       (const unsigned char *)msg, (size_t)m, derived, sizeof(derived), &len))
		return pdg_err_set(err, PDG_E_CRYPTO, "cannot derive the batch key");
	rc = set_key(ctx, derived, err);
	OPENSSL_cleanse(derived, sizeof(derived));
	return rc;
}

void pdg_deid_ctx_release(struct pdg_deid_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->rules);
	if (ctx->pixrules)
		pdg_pixrules_free(ctx->pixrules);
	free(ctx->pixrules);
	if (ctx->ovr)
		for (size_t i = 0; i < ctx->novr; i++)
			free(ctx->ovr[i].value);
	free(ctx->ovr);
	EVP_MAC_CTX_free(ctx->mac);
	OPENSSL_cleanse(ctx->secret, sizeof(ctx->secret));
	OPENSSL_cleanse(ctx->key, sizeof(ctx->key));
	*ctx = (struct pdg_deid_ctx){ 0 };
}

struct pdg_deid_rule pdg_deid_rule_for(const struct pdg_deid_ctx *ctx, uint32_t tag,
				       const char **fixed_value)
{
	size_t lo = 0, hi = ctx->novr;
	long row;

	if (fixed_value)
		*fixed_value = NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ctx->ovr[mid].tag == tag) {
			if (fixed_value)
				*fixed_value = ctx->ovr[mid].value;
			return ctx->ovr[mid].rule;
		}
		if (ctx->ovr[mid].tag < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	row = pdg_deid_table_find(tag);
	if (row < 0)
		return (struct pdg_deid_rule){ .act = PDG_ACT_KEEP, .fallback = PDG_ACT_MAX };
	return ctx->rules[row];
}
