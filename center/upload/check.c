/* SPDX-License-Identifier: MIT */
/* The upload station's offline checks: find packages, verify signature and every hash; wipe. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "center/upload/upload.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"
#include "lib/crypto/signify.h"

#define CHECK_BLOCK (1024 * 1024)

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int id_ok(const char *s, size_t len)
{
	if (len == 0 || len >= PDG_MEDIUM_PKGID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

enum pdg_code pdg_upload_find(const char *source, const char *only_id, char dir[4096],
			      char (*ids)[PDG_MEDIUM_PKGID_MAX], size_t cap, size_t *n,
			      struct pdg_err *err)
{
	size_t len = strlen(source);
	struct dirent *e;
	DIR *d;

	*n = 0;
	if (len > 4 && !strcmp(source + len - 4, ".MAN")) {
		const char *slash = strrchr(source, '/');
		const char *base = slash ? slash + 1 : source;

		snprintf(dir, 4096, "%.*s", slash ? (int)(slash - source) : 1, slash ? source : ".");
		if (!id_ok(base, strlen(base) - 4))
			return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a package manifest name",
					   base);
		snprintf(ids[0], PDG_MEDIUM_PKGID_MAX, "%.*s", (int)(strlen(base) - 4), base);
		*n = 1;
		return PDG_OK;
	}
	snprintf(dir, 4096, "%s/" PDG_MEDIUM_DIR, source);
	if (!is_dir(dir))
		snprintf(dir, 4096, "%s", source);
	d = opendir(dir);
	if (!d)
		return pdg_err_sys(err, PDG_E_NOTFOUND, "cannot read '%s'", dir);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".MAN") || !id_ok(e->d_name, l - 4))
			continue;
		if (only_id && (strlen(only_id) != l - 4 || strncmp(only_id, e->d_name, l - 4)))
			continue;
		if (*n == cap) {
			closedir(d);
			return pdg_err_set(err, PDG_E_LIMIT, "more than %zu packages in '%s'", cap,
					   dir);
		}
		snprintf(ids[*n], PDG_MEDIUM_PKGID_MAX, "%.*s", (int)(l - 4), e->d_name);
		(*n)++;
	}
	closedir(d);
	if (!*n)
		return pdg_err_set(err, PDG_E_NOTFOUND, only_id ? "no package %s in '%s'" :
				   "no package in '%s'%s", only_id ? only_id : dir, only_id ? dir : "");
	qsort(ids, *n, sizeof(*ids), cmp_id);
	return PDG_OK;
}

static enum pdg_code fail(struct pdg_upload_pkg *p, enum pdg_upload_failure f, enum pdg_code rc)
{
	p->failure = f;
	return rc;
}

static void hex_of(const void *buf, size_t len, char hex[65])
{
	uint8_t d[PDG_SHA256_BYTES];
	struct pdg_err e;

	if (pdg_sha256(d, buf, len, &e))
		hex[0] = '\0';
	else
		pdg_sha256_hex(hex, d);
}

/* Try each key on the exact manifest bytes. */
static enum pdg_code check_signature(struct pdg_upload_pkg *p, const char *const *keys,
				     size_t nkeys, const char *keys_dir, struct pdg_err *err)
{
	char sig_path[4200], path[4400];
	struct pdg_err e;

	snprintf(sig_path, sizeof(sig_path), "%s/%s.SIG", p->dir, p->id);
	for (size_t i = 0; i < nkeys; i++)
		if (!pdg_signify_verify_buf(keys[i], p->man, p->man_len, sig_path, &e))
			return PDG_OK;
	if (keys_dir) {
		/* the (not yet trusted) appliance id only picks the file; the signature decides */
		struct pdg_medium_manifest m;
		enum pdg_code rc = pdg_medium_manifest_parse(p->man, p->man_len, &m, &e);
		int ok = 0;

		if (!rc && m.appliance_id[0] && !strchr(m.appliance_id, '/') &&
		    m.appliance_id[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s.pub", keys_dir, m.appliance_id);
			ok = !pdg_signify_verify_buf(path, p->man, p->man_len, sig_path, &e);
		}
		pdg_medium_manifest_release(&m);
		if (ok)
			return PDG_OK;
	}
	return fail(p, PDG_UPLOAD_FAIL_SIGNATURE,
		    pdg_err_set(err, PDG_E_CRYPTO, "package %s: the manifest's signature does not "
				"verify with any given appliance key (forged, changed, or an unknown "
				"appliance)", p->id));
}

/* Every segment's size and hash, and the whole ciphertext's, in one read of each. */
static enum pdg_code check_segments(struct pdg_upload_pkg *p, struct pdg_err *err)
{
	struct pdg_sha256_ctx whole = { 0 };
	uint8_t *buf = malloc(CHECK_BLOCK), d[PDG_SHA256_BYTES];
	char hex[65];
	uint64_t total = 0;
	enum pdg_code rc = buf ? pdg_sha256_init(&whole, err) :
				 pdg_err_set(err, PDG_E_NOMEM, "out of memory");

	for (size_t i = 0; !rc && i < p->m.nsegments; i++) {
		const struct pdg_medium_segment *s = &p->m.segments[i];
		struct pdg_sha256_ctx one = { 0 };
		char path[4200];
		uint64_t size = 0;
		ssize_t got;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", p->dir, s->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = fail(p, PDG_UPLOAD_FAIL_SEGMENTS,
				  pdg_err_sys(err, PDG_E_NOTFOUND, "segment '%s' is missing", s->name));
			break;
		}
		rc = pdg_sha256_init(&one, err);
		while (!rc && (got = read(fd, buf, CHECK_BLOCK)) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
				break;
			}
			size += (uint64_t)got;
			rc = pdg_sha256_update(&one, buf, (size_t)got, err);
			if (!rc)
				rc = pdg_sha256_update(&whole, buf, (size_t)got, err);
		}
		close(fd);
		if (!rc)
			rc = pdg_sha256_final(&one, d, err);
		pdg_sha256_release(&one);
		if (rc)
			break;
		pdg_sha256_hex(hex, d);
		total += size;
		if (size != s->size || strcmp(hex, s->sha256))
			rc = fail(p, PDG_UPLOAD_FAIL_SEGMENTS,
				  pdg_err_set(err, PDG_E_INVALID, "segment '%s' is damaged or truncated "
					      "(its size or SHA-256 differs from the manifest)",
					      s->name));
	}
	if (!rc)
		rc = pdg_sha256_final(&whole, d, err);
	pdg_sha256_release(&whole);
	if (!rc) {
		pdg_sha256_hex(hex, d);
		if (total != p->m.ciphertext_size || strcmp(hex, p->m.ciphertext_sha256))
			rc = fail(p, PDG_UPLOAD_FAIL_SEGMENTS,
				  pdg_err_set(err, PDG_E_INVALID, "package %s: the segments together "
					      "do not match the manifest's ciphertext hash", p->id));
	}
	free(buf);
	return rc;
}

enum pdg_code pdg_upload_check(const char *dir, const char *id, const char *const *keys,
			       size_t nkeys, const char *keys_dir, struct pdg_upload_pkg *p,
			       struct pdg_err *err)
{
	char path[4200];
	enum pdg_code rc;

	*p = (struct pdg_upload_pkg){ .failure = PDG_UPLOAD_FAIL_OTHER };
	if (!pdg_str_copy(p->dir, sizeof(p->dir), dir) || !pdg_str_copy(p->id, sizeof(p->id), id))
		return pdg_err_set(err, PDG_E_LIMIT, "the medium path is too long");
	snprintf(path, sizeof(path), "%s/%s.MAN", dir, id);
	rc = pdg_read_file(path, PDG_MEDIUM_MAN_MAX, &p->man, &p->man_len, err);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s.SIG", dir, id);
	rc = pdg_read_file(path, 4096, &p->sig, &p->sig_len, err);
	if (rc == PDG_E_NOTFOUND)
		return fail(p, PDG_UPLOAD_FAIL_SIGNATURE, rc);
	if (rc)
		return rc;
	hex_of(p->man, p->man_len, p->man_sha256);
	hex_of(p->sig, p->sig_len, p->sig_sha256);
	rc = check_signature(p, keys, nkeys, keys_dir, err);
	if (rc)
		return rc;
	rc = pdg_medium_manifest_parse(p->man, p->man_len, &p->m, err);
	if (rc)
		return rc;
	if (strcmp(p->m.package_id, id))
		return fail(p, PDG_UPLOAD_FAIL_SIGNATURE,
			    pdg_err_set(err, PDG_E_INVALID, "'%s.MAN' holds the manifest of another "
					"package", id));
	rc = check_segments(p, err);
	if (!rc)
		p->failure = PDG_UPLOAD_OK;
	return rc;
}

void pdg_upload_pkg_release(struct pdg_upload_pkg *p)
{
	free(p->man);
	free(p->sig);
	p->man = p->sig = NULL;
	pdg_medium_manifest_release(&p->m);
}

enum pdg_code pdg_upload_wipe(const struct pdg_upload_pkg *p, struct pdg_err *err)
{
	char path[4200];

	for (size_t i = 0; i < p->m.nsegments; i++) {
		snprintf(path, sizeof(path), "%s/%s", p->dir, p->m.segments[i].name);
		if (unlink(path) && errno != ENOENT)
			return pdg_err_sys(err, PDG_E_IO, "cannot remove '%s'", path);
	}
	snprintf(path, sizeof(path), "%s/%s.SIG", p->dir, p->id);
	if (unlink(path) && errno != ENOENT)
		return pdg_err_sys(err, PDG_E_IO, "cannot remove '%s'", path);
	snprintf(path, sizeof(path), "%s/%s.MAN", p->dir, p->id);
	if (unlink(path) && errno != ENOENT)
		return pdg_err_sys(err, PDG_E_IO, "cannot remove '%s'", path);
	return pdg_fsync_dir(p->dir, err);
}
