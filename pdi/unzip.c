/* SPDX-License-Identifier: MIT */
/* Safe unpacking of a file set ZIP: check every entry against names, limits and PDIGATE.JSN first. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "pdi/manifest.h"
#include "pdi/tree.h"
#include "pdi/unzip.h"

const struct pdg_unzip_limits pdg_unzip_default_limits = {
	.max_entries = PDG_PDI_MAX_FILES,
	.max_entry_bytes = (uint64_t)16 << 30,
	.max_total_bytes = (uint64_t)1 << 40,
};

struct entry {
	zip_uint64_t index;
	const char *name;    /* libzip's, valid while the archive is open */
	uint64_t size;
	int dir;
};

struct unzip {
	zip_t *za;
	struct entry *e;
	size_t n;
	struct pdg_manifest m;
	pdg_pdi_report_fn *report;
	void *ctx;
	size_t violations;
	struct pdg_err *err;
};

static void bad(struct unzip *u, const char *name, const char *problem)
{
	char shown[128];
	size_t i;

	/* entry names are untrusted: print only printable ASCII */
	for (i = 0; name[i] && i < sizeof(shown) - 1; i++)
		shown[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	shown[i] = '\0';
	u->violations++;
	if (u->report)
		u->report(u->ctx, shown, problem);
}

static int by_name_nocase(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	return c ? c : strcmp(x->name, y->name);
}

/* Names and kinds of all entries; no data is read. */
static enum pdg_code scan(struct unzip *u, const struct pdg_unzip_limits *lim)
{
	zip_int64_t count = zip_get_num_entries(u->za, 0);
	uint64_t total = 0;

	if (count < 0 || (uint64_t)count > lim->max_entries) {
		bad(u, "", "too many entries");
		return pdg_err_set(u->err, PDG_E_LIMIT, "more than %zu entries", lim->max_entries);
	}
	u->e = calloc((size_t)count + 1, sizeof(*u->e));
	if (!u->e)
		return pdg_err_set(u->err, PDG_E_NOMEM, "out of memory");
	for (zip_uint64_t i = 0; i < (zip_uint64_t)count; i++) {
		struct entry *e = &u->e[u->n];
		zip_uint8_t opsys;
		zip_uint32_t attr;
		zip_stat_t zs;
		char name[PDG_PDI_PATH_MAX + 1];
		size_t len;

		if (zip_stat_index(u->za, i, ZIP_FL_ENC_RAW, &zs) ||
		    (zs.valid & (ZIP_STAT_NAME | ZIP_STAT_SIZE)) != (ZIP_STAT_NAME | ZIP_STAT_SIZE)) {
			bad(u, "", "unreadable entry header");
			continue;
		}
		len = strlen(zs.name);
		e->index = i;
		e->name = zs.name;
		e->size = zs.size;
		e->dir = len > 0 && zs.name[len - 1] == '/';
		snprintf(name, sizeof(name), "%.*s", (int)(e->dir ? len - 1 : len), zs.name);
		if (len > PDG_PDI_PATH_MAX || !pdg_pdi_path_safe(name)) {
			bad(u, zs.name, "unsafe entry name (absolute, '..', backslash or not ASCII)");
			continue;
		}
		if ((zs.valid & ZIP_STAT_ENCRYPTION_METHOD) && zs.encryption_method != ZIP_EM_NONE)
			bad(u, zs.name, "encrypted entry");
		if (!(zs.valid & ZIP_STAT_COMP_METHOD) ||
		    (zs.comp_method != ZIP_CM_STORE && zs.comp_method != ZIP_CM_DEFLATE))
			bad(u, zs.name, "compression method other than STORE or DEFLATE");
		if (zip_file_get_external_attributes(u->za, i, 0, &opsys, &attr) == 0 &&
		    opsys == ZIP_OPSYS_UNIX && S_ISLNK((attr >> 16) & 0170000))
			bad(u, zs.name, "symbolic link entry");
		if (e->dir && e->size) {
			bad(u, zs.name, "folder entry with data");
			continue;
		}
		if (e->size > lim->max_entry_bytes)
			bad(u, zs.name, "entry larger than the limit");
		total += e->size;
		u->n++;
	}
	if (total > lim->max_total_bytes)
		bad(u, "", "entries larger in all than the limit");
	qsort(u->e, u->n, sizeof(*u->e), by_name_nocase);
	for (size_t i = 1; i < u->n; i++) {
		if (!strcmp(u->e[i - 1].name, u->e[i].name))
			bad(u, u->e[i].name, "duplicate entry name");
		else if (!strcasecmp(u->e[i - 1].name, u->e[i].name))
			bad(u, u->e[i].name, "entry name differs from another only in case");
	}
	return PDG_OK;
}

/* Read PDIGATE.JSN from the archive (bounded) and parse it. */
static enum pdg_code read_manifest(struct unzip *u)
{
	zip_int64_t idx = zip_name_locate(u->za, PDG_MANIFEST_NAME, ZIP_FL_ENC_RAW);
	enum pdg_code rc = PDG_OK;
	zip_file_t *zf = NULL;
	char *buf = NULL;
	zip_stat_t zs;
	zip_int64_t got = 0;
	struct pdg_err merr;

	if (idx < 0) {
		bad(u, PDG_MANIFEST_NAME, "missing from the ZIP");
		return PDG_OK;
	}
	if (zip_stat_index(u->za, (zip_uint64_t)idx, 0, &zs) || !(zs.valid & ZIP_STAT_SIZE))
		return PDG_OK; /* reported by scan */
	if (zs.size > PDG_MANIFEST_MAX_BYTES) {
		bad(u, PDG_MANIFEST_NAME, "larger than the manifest limit");
		return PDG_OK;
	}
	buf = malloc((size_t)zs.size + 1);
	if (!buf)
		return pdg_err_set(u->err, PDG_E_NOMEM, "out of memory");
	zf = zip_fopen_index(u->za, (zip_uint64_t)idx, 0);
	while (zf && (uint64_t)got < zs.size) {
		zip_int64_t r = zip_fread(zf, buf + got, zs.size - (zip_uint64_t)got);

		if (r <= 0)
			break;
		got += r;
	}
	{
		/* zip_fclose reports a CRC mismatch: always close, then judge */
		int closed_bad = zf ? zip_fclose(zf) != 0 : 1;

		zf = NULL;
		if (closed_bad || (uint64_t)got != zs.size) {
			bad(u, PDG_MANIFEST_NAME, "cannot be read from the ZIP (CRC or size error)");
			goto out;
		}
	}
	if (pdg_manifest_load_buffer(buf, (size_t)got, PDG_MANIFEST_NAME, &u->m, &merr)) {
		char msg[320];

		if (merr.code == PDG_E_NOMEM) {
			rc = pdg_err_set(u->err, PDG_E_NOMEM, "%s", merr.msg);
			goto out;
		}
		snprintf(msg, sizeof(msg), "unreadable: %s", merr.msg);
		bad(u, PDG_MANIFEST_NAME, msg);
	}
out:
	if (zf)
		zip_fclose(zf);
	free(buf);
	return rc;
}

static void check_sizes(struct unzip *u)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct pdg_manifest_file *f;

		if (u->e[i].dir || !strcmp(u->e[i].name, PDG_MANIFEST_NAME))
			continue;
		f = pdg_manifest_find(&u->m, u->e[i].name);
		if (!f)
			bad(u, u->e[i].name, "entry not listed in PDIGATE.JSN");
		else if (u->e[i].size > f->size)
			bad(u, u->e[i].name, "entry larger than listed in PDIGATE.JSN");
		else if (u->e[i].size != f->size)
			bad(u, u->e[i].name, "entry size differs from PDIGATE.JSN");
	}
}

/* Make the folders of rel below target (names already checked safe). */
static enum pdg_code make_dirs(const char *target, const char *rel, int with_last,
			       struct pdg_err *err)
{
	char path[PATH_MAX];
	size_t base = strlen(target) + 1;
	int n = snprintf(path, sizeof(path), "%s/%s", target, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return pdg_err_set(err, PDG_E_LIMIT, "path too long");
	for (char *p = path + base;; p++) {
		if (*p != '/' && !(*p == '\0' && with_last))
			goto next;
		{
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return pdg_err_sys(err, PDG_E_IO, "cannot create folder '%s'",
						   path + base);
			*p = c;
		}
next:
		if (*p == '\0')
			break;
	}
	return PDG_OK;
}

static enum pdg_code extract(struct unzip *u, const char *target, const struct entry *e)
{
	char path[PATH_MAX], *buf;
	enum pdg_code rc = PDG_OK;
	zip_file_t *zf;
	uint64_t got = 0;
	int fd;

	rc = make_dirs(target, e->name, e->dir, u->err);
	if (rc || e->dir)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", target, e->name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return pdg_err_sys(u->err, PDG_E_IO, "cannot create '%s'", e->name);
	buf = malloc(1u << 20);
	zf = zip_fopen_index(u->za, e->index, 0);
	if (!buf || !zf) {
		rc = buf ? pdg_err_set(u->err, PDG_E_IO, "cannot open entry '%s'", e->name)
			 : pdg_err_set(u->err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		zip_int64_t r = zip_fread(zf, buf, 1u << 20);

		if (r < 0) {
			bad(u, e->name, "entry data fails the CRC or size check");
			rc = pdg_err_set(u->err, PDG_E_INVALID, "'%s' is damaged", e->name);
			goto out;
		}
		if (r == 0)
			break;
		got += (uint64_t)r;
		if (got > e->size) {
			bad(u, e->name, "entry holds more data than its size");
			rc = pdg_err_set(u->err, PDG_E_INVALID, "'%s' is damaged", e->name);
			goto out;
		}
		for (zip_int64_t w = 0; w < r;) {
			ssize_t k = write(fd, buf + w, (size_t)(r - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				rc = pdg_err_sys(u->err, PDG_E_IO, "cannot write '%s'", e->name);
				goto out;
			}
			w += k;
		}
	}
	if (got != e->size) {
		bad(u, e->name, "entry holds less data than its size");
		rc = pdg_err_set(u->err, PDG_E_INVALID, "'%s' is damaged", e->name);
	}
out:
	if (zf && zip_fclose(zf) && !rc) {
		bad(u, e->name, "entry data fails the CRC check");
		rc = pdg_err_set(u->err, PDG_E_INVALID, "'%s' is damaged", e->name);
	}
	free(buf);
	if (close(fd) && !rc)
		rc = pdg_err_sys(u->err, PDG_E_IO, "cannot write '%s'", e->name);
	return rc;
}

enum pdg_code pdg_pdi_unzip(const char *zip_path, const char *target,
			    const struct pdg_unzip_limits *lim, pdg_pdi_report_fn *report,
			    void *ctx, size_t *violations, struct pdg_err *err)
{
	struct unzip u = { .report = report, .ctx = ctx, .err = err };
	enum pdg_code rc = PDG_OK;
	int zerrno = 0;

	if (!lim)
		lim = &pdg_unzip_default_limits;
	u.za = zip_open(zip_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerrno);
	if (!u.za) {
		zip_error_t ze;
		char msg[200];

		zip_error_init_with_code(&ze, zerrno);
		if (zerrno == ZIP_ER_OPEN || zerrno == ZIP_ER_READ || zerrno == ZIP_ER_NOENT) {
			rc = pdg_err_set(err, PDG_E_IO, "cannot open '%s': %s", zip_path,
					 zip_error_strerror(&ze));
		} else {
			/* libzip refuses an archive whose central directory repeats a name */
			if (zerrno == ZIP_ER_EXISTS)
				snprintf(msg, sizeof(msg), "duplicate entry name");
			else
				snprintf(msg, sizeof(msg), "not a readable ZIP archive: %s",
					 zip_error_strerror(&ze));
			bad(&u, "", msg);
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a readable ZIP archive",
					 zip_path);
		}
		zip_error_fini(&ze);
		goto out;
	}
	rc = scan(&u, lim);
	if (!rc)
		rc = read_manifest(&u);
	if (!rc && u.m.files)
		check_sizes(&u);
	if (!rc && u.violations)
		rc = pdg_err_set(err, PDG_E_INVALID, "%zu problem%s in the ZIP '%s'", u.violations,
				 u.violations == 1 ? "" : "s", zip_path);
	if (rc)
		goto out;
	if (mkdir(target, 0700) != 0) {
		rc = pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
				 "cannot create '%s'", target);
		goto out;
	}
	for (size_t i = 0; !rc && i < u.n; i++)
		rc = extract(&u, target, &u.e[i]);
out:
	if (violations)
		*violations = u.violations;
	if (u.za)
		zip_discard(u.za);
	pdg_manifest_release(&u.m);
	free(u.e);
	return rc;
}
