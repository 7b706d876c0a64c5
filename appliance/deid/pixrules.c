/* SPDX-License-Identifier: MIT */
/* Parse and match pixel masking rule files (docs/pixel-rules.md). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/deid/pixrules.h"

static const char *const sel_names[PDG_PIXSEL_COUNT] = {
	"modality", "manufacturer", "model", "software", "sop_class", "image_type", "photometric",
};
static const char *const num_names[PDG_PIXNUM_COUNT] = { "rows", "columns", "frames" };

#define COORD_MAX 1000000u

const char *pdg_pixsel_name(enum pdg_pixsel s)
{
	return (unsigned)s < PDG_PIXSEL_COUNT ? sel_names[s] : "?";
}

const char *pdg_pixnum_name(enum pdg_pixnum n)
{
	return (unsigned)n < PDG_PIXNUM_COUNT ? num_names[n] : "?";
}

void pdg_pixrules_init(struct pdg_pixrules *rs)
{
	*rs = (struct pdg_pixrules){ .use_defaults = 1 };
}

void pdg_pixrules_free(struct pdg_pixrules *rs)
{
	free(rs->rule);
	pdg_pixrules_init(rs);
}

struct parse {
	struct pdg_pixrules *rs;
	const char *origin;
	const char *where; /* for messages: the file's path, or origin */
	unsigned line;
	struct pdg_pixrule *cur;
	struct pdg_err *err;
};

static enum pdg_code bad(struct parse *p, const char *what)
{
	return pdg_err_set(p->err, PDG_E_INVALID, "%s line %u: %s", p->where, p->line, what);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Unsigned decimal without sign, at most COORD_MAX; *end after the digits. */
static int parse_u32(const char *s, const char **end, uint32_t *out)
{
	uint32_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		v = v * 10u + (uint32_t)(*p - '0');
		if (v > COORD_MAX)
			return -1;
		p++;
	}
	if (p == s)
		return -1;
	*end = p;
	*out = v;
	return 0;
}

/* "N" or "N-M" or "N-" (to the end), the whole string. */
static int parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *p;

	if (parse_u32(s, &p, lo))
		return -1;
	*hi = *lo;
	if (*p == '-') {
		p++;
		if (!*p)
			*hi = UINT32_MAX;
		else if (parse_u32(p, &p, hi))
			return -1;
	}
	return *p || *hi < *lo ? -1 : 0;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int parse_coord(const char **s, int size, struct pdg_pixcoord *c)
{
	const char *p = skip_ws(*s);

	*c = (struct pdg_pixcoord){ 0 };
	if (*p == '*') {
		if (!size)
			return -1;
		c->rest = 1;
		p++;
	} else {
		if (parse_u32(p, &p, &c->v))
			return -1;
		if (*p == '%') {
			if (c->v > 100)
				return -1;
			c->percent = 1;
			p++;
		}
		if (size && c->v == 0)
			return -1;
	}
	*s = skip_ws(p);
	return 0;
}

static enum pdg_code parse_mask(struct parse *p, const char *v)
{
	struct pdg_pixrule *r = p->cur;
	struct pdg_pixmask m = { .first = 1, .last = UINT32_MAX };
	struct pdg_pixcoord *c[4] = { &m.x, &m.y, &m.w, &m.h };

	if (r->nmask >= PDG_PIXRULE_MAX_MASKS)
		return pdg_err_set(p->err, PDG_E_LIMIT, "%s line %u: more than %d masks in a rule",
				   p->where, p->line, PDG_PIXRULE_MAX_MASKS);
	for (int i = 0; i < 4; i++) {
		if (parse_coord(&v, i >= 2, c[i]))
			return bad(p, "mask: expected x,y,w,h (pixels or N%; w and h > 0 or *)");
		if (i < 3 && *v++ != ',')
			return bad(p, "mask: expected x,y,w,h (pixels or N%; w and h > 0 or *)");
	}
	if (*v) {
		char range[32];
		if (strncmp(v, "frames", 6) || (v[6] != ' ' && v[6] != '\t'))
			return bad(p, "mask: after x,y,w,h only \"frames N\" or \"frames A-B\"");
		v = skip_ws(v + 6);
		if (strlen(v) >= sizeof(range))
			return bad(p, "mask: bad frame range");
		snprintf(range, sizeof(range), "%s", v);
		if (parse_range(trim(range), &m.first, &m.last) || m.first == 0)
			return bad(p, "mask: frames are numbered from 1: \"frames N\", \"A-B\" or \"A-\"");
	}
	r->mask[r->nmask++] = m;
	return PDG_OK;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PDG_PIXRULE_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static enum pdg_code finish_rule(struct parse *p)
{
	if (p->cur && p->cur->nmask == 0)
		return pdg_err_set(p->err, PDG_E_INVALID, "%s line %u: rule '%s' has no mask",
				   p->where, p->cur->line, p->cur->name);
	p->cur = NULL;
	return PDG_OK;
}

static enum pdg_code start_rule(struct parse *p, char *s)
{
	struct pdg_pixrules *rs = p->rs;
	size_t n = strlen(s);
	char *name;
	enum pdg_code rc;

	if ((rc = finish_rule(p)))
		return rc;
	if (n < 2 || s[n - 1] != ']')
		return bad(p, "expected [rule NAME]");
	s[n - 1] = '\0';
	name = trim(s + 1);
	if (strncmp(name, "rule", 4) || (name[4] != ' ' && name[4] != '\t'))
		return bad(p, "expected [rule NAME]");
	name = trim(name + 5);
	if (!valid_name(name))
		return bad(p, "rule names have 1..63 characters A-Z a-z 0-9 . _ -");
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->rule[i].name, name) && !strcmp(rs->rule[i].origin, p->origin))
			return bad(p, "a rule of that name already exists in this file");
	if (rs->n >= PDG_PIXRULE_MAX_RULES)
		return pdg_err_set(p->err, PDG_E_LIMIT, "%s line %u: more than %d rules", p->where,
				   p->line, PDG_PIXRULE_MAX_RULES);
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 8;
		struct pdg_pixrule *nr = realloc(rs->rule, cap * sizeof(*nr));
		if (!nr)
			return pdg_err_set(p->err, PDG_E_NOMEM, "out of memory");
		rs->rule = nr;
		rs->cap = cap;
	}
	p->cur = &rs->rule[rs->n++];
	*p->cur = (struct pdg_pixrule){ .line = p->line };
	for (int i = 0; i < PDG_PIXNUM_COUNT; i++)
		p->cur->hi[i] = UINT32_MAX;
	snprintf(p->cur->name, sizeof(p->cur->name), "%s", name);
	snprintf(p->cur->origin, sizeof(p->cur->origin), "%s", p->origin);
	return PDG_OK;
}

static enum pdg_code key_value(struct parse *p, char *s)
{
	char *eq = strchr(s, '='), *k, *v;
	struct pdg_pixrule *r = p->cur;

	if (!eq)
		return bad(p, "expected key = value, [rule NAME], or a # comment");
	*eq = '\0';
	k = trim(s);
	v = trim(eq + 1);
	if (!r) {
		if (strcmp(k, "use-defaults"))
			return bad(p, "only use-defaults may come before the first [rule NAME]");
		if (!strcmp(v, "no"))
			p->rs->use_defaults = 0;
		else if (strcmp(v, "yes"))
			return bad(p, "use-defaults is yes or no");
		return PDG_OK;
	}
	if (!strcmp(k, "mask"))
		return parse_mask(p, v);
	for (int i = 0; i < PDG_PIXSEL_COUNT; i++) {
		if (strcmp(k, sel_names[i]))
			continue;
		if (r->has_sel & (1u << i))
			return bad(p, "selector given twice in one rule");
		if (!*v || strlen(v) >= PDG_PIXRULE_VALUE_MAX)
			return bad(p, "a selector pattern has 1..127 characters");
		snprintf(r->sel[i], sizeof(r->sel[i]), "%s", v);
		r->has_sel |= 1u << i;
		return PDG_OK;
	}
	for (int i = 0; i < PDG_PIXNUM_COUNT; i++) {
		if (strcmp(k, num_names[i]))
			continue;
		if (r->lo[i] != 0 || r->hi[i] != UINT32_MAX)
			return bad(p, "selector given twice in one rule");
		if (parse_range(v, &r->lo[i], &r->hi[i]))
			return bad(p, "expected a number N, a range A-B, or A-");
		return PDG_OK;
	}
	return bad(p, "unknown key (selectors: modality manufacturer model software sop_class "
		      "image_type photometric rows columns frames; and mask)");
}

static enum pdg_code parse_text(struct pdg_pixrules *rs, const char *text, size_t len,
				const char *origin, const char *where, struct pdg_err *err)
{
	struct parse p = { .rs = rs, .origin = origin, .where = where, .err = err };
	char line[PDG_PIXRULE_LINE_MAX + 1];
	size_t pos = 0;
	enum pdg_code rc;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *s;

		p.line++;
		if (n >= PDG_PIXRULE_LINE_MAX)
			return pdg_err_set(err, PDG_E_LIMIT, "%s line %u: longer than %d bytes",
					   where, p.line, PDG_PIXRULE_LINE_MAX - 1);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (strlen(line) != n)
			return bad(&p, "NUL byte in the file");
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t' && line[i] != '\r')
				return bad(&p, "control character in the file");
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		rc = *s == '[' ? start_rule(&p, s) : key_value(&p, s);
		if (rc)
			return rc;
	}
	p.line++;
	return finish_rule(&p);
}

enum pdg_code pdg_pixrules_parse(struct pdg_pixrules *rs, const char *text, size_t len,
				 const char *origin, struct pdg_err *err)
{
	return parse_text(rs, text, len, origin, origin, err);
}

enum pdg_code pdg_pixrules_load(struct pdg_pixrules *rs, const char *path, const char *origin,
				struct pdg_err *err)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	enum pdg_code rc;

	if (!f)
		return errno == ENOENT ? pdg_err_set(err, PDG_E_NOTFOUND, "no rule file '%s'", path)
				       : pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	buf = malloc(PDG_PIXRULE_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	n = fread(buf, 1, PDG_PIXRULE_FILE_MAX + 1, f);
	if (ferror(f))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
	else if (n > PDG_PIXRULE_FILE_MAX)
		rc = pdg_err_set(err, PDG_E_LIMIT, "'%s' is larger than %u bytes", path,
				 PDG_PIXRULE_FILE_MAX);
	else
		rc = parse_text(rs, buf, n, origin, path, err);
	fclose(f);
	free(buf);
	return rc;
}

enum pdg_code pdg_pixrules_load_project(struct pdg_pixrules *rs, const char *ini_path,
					struct pdg_err *err)
{
	enum pdg_code rc;

	if (ini_path && *ini_path) {
		char path[4096];
		size_t n = strlen(ini_path);
		if (n > 4 && !strcmp(ini_path + n - 4, ".ini"))
			n -= 4; /* projects/NAME.ini -> projects/NAME.pixel-rules */
		if (snprintf(path, sizeof(path), "%.*s%s", (int)n, ini_path, PDG_PIXRULE_SUFFIX) >=
		    (int)sizeof(path))
			return pdg_err_set(err, PDG_E_LIMIT, "project path too long");
		rc = pdg_pixrules_load(rs, path, "project", err);
		if (rc && rc != PDG_E_NOTFOUND)
			return rc;
	}
	if (!rs->use_defaults)
		return PDG_OK;
	return pdg_pixrules_parse(rs, pdg_pixrules_default_text, strlen(pdg_pixrules_default_text),
				  "default", err);
}

const struct pdg_pixrule *pdg_pixrules_match(const struct pdg_pixrules *rs,
					     const struct pdg_pixhdr *h)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct pdg_pixrule *r = &rs->rule[i];
		int ok = 1;
		for (int s = 0; ok && s < PDG_PIXSEL_COUNT; s++)
			if ((r->has_sel & (1u << s)) &&
			    fnmatch(r->sel[s], h->sel[s], FNM_CASEFOLD) != 0)
				ok = 0;
		for (int k = 0; ok && k < PDG_PIXNUM_COUNT; k++)
			if (h->num[k] < r->lo[k] || h->num[k] > r->hi[k])
				ok = 0;
		if (ok)
			return r;
	}
	return NULL;
}

static uint32_t resolve(const struct pdg_pixcoord *c, uint32_t dim, uint32_t start, int size)
{
	uint64_t v;

	if (c->rest)
		return dim > start ? dim - start : 0;
	if (!c->percent)
		return c->v;
	v = (uint64_t)c->v * dim;
	return (uint32_t)(size ? (v + 99) / 100 : v / 100); /* sizes round up, offsets down */
}

int pdg_pixmask_rect(const struct pdg_pixmask *m, uint32_t rows, uint32_t cols, uint32_t frame,
		     uint32_t *x0, uint32_t *y0, uint32_t *x1, uint32_t *y1)
{
	uint64_t xe, ye;

	if (frame < m->first || frame > m->last)
		return 0;
	*x0 = resolve(&m->x, cols, 0, 0);
	*y0 = resolve(&m->y, rows, 0, 0);
	xe = (uint64_t)*x0 + resolve(&m->w, cols, *x0, 1);
	ye = (uint64_t)*y0 + resolve(&m->h, rows, *y0, 1);
	*x1 = (uint32_t)(xe < cols ? xe : cols);
	*y1 = (uint32_t)(ye < rows ? ye : rows);
	return *x0 < *x1 && *y0 < *y1;
}
