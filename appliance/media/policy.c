/* SPDX-License-Identifier: MIT */
/* The [media] policy of config.ini: which sticks may take a package, how much room, which file systems. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "appliance/media/media.h"

#define DEFAULT_MIN_FREE_MB 64

struct load {
	struct pdg_media_policy *p;
	int bad;                 /* 1 malformed entry, 2 too many */
};

static int hex4(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len < 1 || len > 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + (unsigned)d;
	}
	*out = (uint16_t)v;
	return 0;
}

int pdg_media_allow_parse(const char *s, struct pdg_media_allow *out)
{
	const char *c1 = strchr(s, ':'), *c2;
	size_t slen;

	*out = (struct pdg_media_allow){ 0 };
	if (!c1 || hex4(s, (size_t)(c1 - s), &out->vendor))
		return -1;
	c2 = strchr(c1 + 1, ':');
	if (hex4(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1), &out->product))
		return -1;
	if (!c2)
		return 0;
	slen = strlen(c2 + 1);
	if (slen == 0 || slen >= sizeof(out->serial))
		return -1;
	for (size_t i = 0; i < slen; i++)
		if (c2[1 + i] <= ' ' || c2[1 + i] > '~')
			return -1;
	memcpy(out->serial, c2 + 1, slen + 1);
	return 0;
}

/* Split value at commas and white space, calling fn on each word; stops at the first non-zero. */
static int each_word(const char *value, int (*fn)(struct load *l, const char *w), struct load *l)
{
	char w[128];
	size_t n = 0;

	for (const char *r = value;; r++) {
		if (*r && *r != ',' && *r != ' ' && *r != '\t') {
			if (n + 1 >= sizeof(w))
				return l->bad = 1;
			w[n++] = *r;
			continue;
		}
		if (n) {
			w[n] = '\0';
			n = 0;
			if (fn(l, w))
				return 1;
		}
		if (!*r)
			return 0;
	}
}

static int add_allow(struct load *l, const char *w)
{
	if (l->p->nallow >= PDG_MEDIA_ALLOW_MAX)
		return l->bad = 2;
	if (pdg_media_allow_parse(w, &l->p->allow[l->p->nallow]))
		return l->bad = 1;
	l->p->nallow++;
	return 0;
}

static int add_fs(struct load *l, const char *w)
{
	struct pdg_media_policy *p = l->p;

	if (p->nfilesystems >= sizeof(p->filesystems) / sizeof(p->filesystems[0]))
		return l->bad = 2;
	if (!pdg_str_copy(p->filesystems[p->nfilesystems], sizeof(p->filesystems[0]), w))
		return l->bad = 1;
	p->nfilesystems++;
	return 0;
}

static int entry(void *user, const char *section, const char *name, const char *value)
{
	struct load *l = user;

	if (strcmp(section, "media"))
		return 1;
	if (!strcmp(name, "allow"))
		return !each_word(value, add_allow, l);
	if (!strcmp(name, "filesystems")) {
		l->p->nfilesystems = 0;
		return !each_word(value, add_fs, l) && l->p->nfilesystems > 0 ? 1 : (l->bad = 1, 0);
	}
	if (!strcmp(name, "min_free_mb")) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(value, &end, 10);
		if (!value[0] || value[0] == '-' || *end || errno || v > UINT32_MAX)
			return l->bad = 1, 0;
		l->p->min_free_mb = v;
		return 1;
	}
	return 1; /* unknown keys: for newer versions */
}

enum pdg_code pdg_media_policy_load(const char *home, struct pdg_media_policy *p,
				    struct pdg_err *err)
{
	struct load l = { .p = p };
	char path[PATH_MAX];
	int line;

	*p = (struct pdg_media_policy){ .min_free_mb = DEFAULT_MIN_FREE_MB, .nfilesystems = 2 };
	snprintf(p->filesystems[0], sizeof(p->filesystems[0]), "vfat");
	snprintf(p->filesystems[1], sizeof(p->filesystems[1]), "exfat");
	if (pdg_path_join(path, sizeof(path), home, PDG_HOME_CONFIG, err))
		return err->code;
	line = ini_parse(path, entry, &l);
	if (line == -1) {
		if (errno == ENOENT)
			return pdg_err_set(err, PDG_E_NOTFOUND,
					   "no pdigate home at '%s' (run 'pdigate init')", home);
		return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
	}
	if (line == -2)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", path);
	if (l.bad == 2)
		return pdg_err_set(err, PDG_E_LIMIT, "'%s' line %d: too many [media] entries",
				   path, line);
	if (line > 0)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' line %d: malformed%s", path, line,
				   l.bad ? " [media] entry (allow = VID:PID[:SERIAL], hex ids)" : "");
	return PDG_OK;
}

void pdg_medium_identity(const struct pdg_medium *m, char *buf, size_t cap)
{
	snprintf(buf, cap, "%04x:%04x %s", m->vendor, m->product, m->serial[0] ? m->serial : "-");
}

int pdg_media_check(const struct pdg_media_policy *p, struct pdg_medium *m)
{
	int listed = 0, fs_ok = 0;
	uint64_t need = p->min_free_mb * 1024 * 1024;

	for (size_t i = 0; i < p->nallow && !listed; i++)
		listed = p->allow[i].vendor == m->vendor && p->allow[i].product == m->product &&
			 (!p->allow[i].serial[0] || !strcmp(p->allow[i].serial, m->serial));
	for (size_t i = 0; i < p->nfilesystems && !fs_ok; i++)
		fs_ok = !strcmp(p->filesystems[i], m->fstype);
	m->allowed = 0;
	if (!listed)
		snprintf(m->why, sizeof(m->why), "not in the allowed list ([media] allow)");
	else if (!m->mount[0])
		snprintf(m->why, sizeof(m->why), "not mounted");
	else if (!fs_ok)
		snprintf(m->why, sizeof(m->why), "file system %s is not allowed ([media] filesystems)",
			 m->fstype);
	else if (m->free_bytes < need)
		snprintf(m->why, sizeof(m->why), "%" PRIu64 " MB free, %" PRIu64 " MB needed",
			 m->free_bytes >> 20, p->min_free_mb);
	else
		m->allowed = 1;
	if (m->allowed)
		m->why[0] = '\0';
	return m->allowed;
}

enum pdg_code pdg_media_pick(const struct pdg_medium *list, size_t n,
			     const struct pdg_medium **pick, struct pdg_err *err)
{
	char seen[200] = "", id[100];
	size_t nallowed = 0, len = 0;

	*pick = NULL;
	for (size_t i = 0; i < n; i++)
		if (list[i].allowed) {
			nallowed++;
			*pick = &list[i];
		}
	if (nallowed == 1)
		return PDG_OK;
	*pick = NULL;
	for (size_t i = 0; i < n && len < sizeof(seen); i++) {
		if (nallowed && !list[i].allowed)
			continue;
		pdg_medium_identity(&list[i], id, sizeof(id));
		len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%s%s%s%s",
					len ? "; " : "", id, nallowed ? "" : " (",
					nallowed ? "" : list[i].why, nallowed ? "" : ")");
	}
	if (nallowed)
		return pdg_err_set(err, PDG_E_POLICY, "%zu allowed USB sticks are plugged in (%s): "
				   "leave exactly one, or name its folder with --medium DIR",
				   nallowed, seen);
	if (!n)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no USB stick found: plug in an allowed "
				   "stick (pdigate media list)");
	return pdg_err_set(err, PDG_E_NOTFOUND, "no allowed USB stick: seen %s", seen);
}
