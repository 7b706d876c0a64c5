/* SPDX-License-Identifier: MIT */
/* pdigate-fetch open: signature, hashes, token, two age layers, safe unpack, PDI checks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "center/fetch/open.h"
#include "lib/crypto/age.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"
#include "lib/crypto/signify.h"
#include "lib/fdio.h"
#include "pdi/tree.h"
#include "pdi/unzip.h"
#include "pdi/verify.h"
#include "tokens/codec.h"

#define OPEN_BLOCK (1024 * 1024)

struct job {
	const struct pdg_open_opts *o;
	struct pdg_open_result *r;
	char dir[4096];           /* the folder holding <PKG>.MAN and the segments */
	char man_path[4200], sig_path[4200];
	struct pdg_token tok;
	char stage[4200];         /* out_dir/.<PKG>.open: removed unless renamed into place */
	char zip_path[4300], set_path[4300];
};

static enum pdg_code failed(struct job *j, enum pdg_open_failure f, enum pdg_code rc)
{
	j->r->failure = f;
	return rc;
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Find the manifest: a .MAN file, or the only (or the named) package of a medium. */
static enum pdg_code locate(struct job *j, struct pdg_err *err)
{
	const char *src = j->o->source;
	char found[64] = "";
	size_t n = 0, len = strlen(src);
	struct dirent *e;
	DIR *d;

	if (len > 4 && !strcmp(src + len - 4, ".MAN")) {
		const char *slash = strrchr(src, '/');

		snprintf(j->man_path, sizeof(j->man_path), "%s", src);
		snprintf(j->dir, sizeof(j->dir), "%.*s", slash ? (int)(slash - src) : 1,
			 slash ? src : ".");
		snprintf(j->sig_path, sizeof(j->sig_path), "%.*sSIG", (int)len - 3, src);
		return PDG_OK;
	}
	snprintf(j->dir, sizeof(j->dir), "%s/" PDG_MEDIUM_DIR, src);
	if (!is_dir(j->dir))
		snprintf(j->dir, sizeof(j->dir), "%s", src);
	d = opendir(j->dir);
	if (!d)
		return pdg_err_sys(err, PDG_E_NOTFOUND, "cannot read '%s'", j->dir);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' || l < 5 || l >= sizeof(found) ||
		    strcmp(e->d_name + l - 4, ".MAN"))
			continue;
		if (j->o->package_id && (strncmp(e->d_name, j->o->package_id, l - 4) ||
					 strlen(j->o->package_id) != l - 4))
			continue;
		memcpy(found, e->d_name, l + 1);
		n++;
	}
	closedir(d);
	if (n == 0)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no package manifest (*.MAN) in '%s'", j->dir);
	if (n > 1)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' holds %zu packages: name one with "
				   "--package", j->dir, n);
	snprintf(j->man_path, sizeof(j->man_path), "%s/%s", j->dir, found);
	snprintf(j->sig_path, sizeof(j->sig_path), "%s/%.*sSIG", j->dir,
		 (int)strlen(found) - 3, found);
	return PDG_OK;
}

/* The signature first: nothing in an unsigned manifest is believed. */
static enum pdg_code check_manifest(struct job *j, struct pdg_err *err)
{
	char *text = NULL;
	size_t len;
	enum pdg_code rc;

	rc = pdg_read_file(j->man_path, PDG_MEDIUM_MAN_MAX, &text, &len, err);
	if (rc)
		return rc;
	rc = pdg_signify_verify_buf(j->o->appliance_pub, text, len, j->sig_path, err);
	if (rc == PDG_E_CRYPTO || rc == PDG_E_INVALID || rc == PDG_E_NOTFOUND) {
		free(text);
		pdg_err_prefix(err, "the manifest's signature does not verify with the appliance "
				    "key (forged, changed, or another appliance's package)");
		return failed(j, PDG_OPEN_FAIL_SIGNATURE, PDG_E_CRYPTO);
	}
	if (!rc)
		rc = pdg_medium_manifest_parse(text, len, &j->r->manifest, err);
	free(text);
	return rc;
}

/* The token must be this package's: its id, and the hash of its secret in the manifest. */
static enum pdg_code check_token(struct job *j, struct pdg_err *err)
{
	uint8_t h[PDG_TOKEN_HASH_BYTES];
	char hex[65];
	enum pdg_code rc;

	rc = pdg_token_decode(j->o->token, &j->tok, NULL, err);
	if (rc)
		return failed(j, PDG_OPEN_FAIL_TOKEN, rc);
	if (strcmp(j->tok.pkgid, j->r->manifest.package_id))
		return failed(j, PDG_OPEN_FAIL_TOKEN,
			      pdg_err_set(err, PDG_E_CRYPTO, "the token is for package %s, not for "
					  "package %s", j->tok.pkgid, j->r->manifest.package_id));
	if ((rc = pdg_token_secret_hash(j->tok.secret, h, err)))
		return rc;
	pdg_sha256_hex(hex, h);
	if (strcmp(hex, j->r->manifest.release_secret_sha256))
		return failed(j, PDG_OPEN_FAIL_TOKEN,
			      pdg_err_set(err, PDG_E_CRYPTO, "the token does not match package %s "
					  "(a mistyped or forged token)", j->tok.pkgid));
	return PDG_OK;
}

/* Every segment present, of its size and hash, in order; before any decryption. */
static enum pdg_code check_segments(struct job *j, struct pdg_err *err)
{
	const struct pdg_medium_manifest *m = &j->r->manifest;

	for (size_t i = 0; i < m->nsegments; i++) {
		char path[4200], hex[65];
		uint64_t size;
		enum pdg_code rc;

		snprintf(path, sizeof(path), "%s/%s", j->dir, m->segments[i].name);
		rc = pdg_sha256_file_hex(path, hex, &size, err);
		if (rc == PDG_E_NOTFOUND)
			return failed(j, PDG_OPEN_FAIL_SEGMENTS,
				      pdg_err_set(err, PDG_E_NOTFOUND, "segment '%s' is missing",
						  m->segments[i].name));
		if (rc)
			return rc;
		if (!strcmp(hex, m->segments[i].sha256) && size == m->segments[i].size)
			continue;
		for (size_t k = 0; k < m->nsegments; k++)
			if (k != i && !strcmp(hex, m->segments[k].sha256))
				return failed(j, PDG_OPEN_FAIL_SEGMENTS,
					      pdg_err_set(err, PDG_E_INVALID, "segment '%s' holds the "
							  "data of '%s': the segments are out of order",
							  m->segments[i].name, m->segments[k].name));
		return failed(j, PDG_OPEN_FAIL_SEGMENTS,
			      pdg_err_set(err, PDG_E_INVALID, "segment '%s' is damaged or truncated "
					  "(its SHA-256 differs from the manifest)",
					  m->segments[i].name));
	}
	return PDG_OK;
}

static enum pdg_code to_fd(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	if (pdg_write_full(*(int *)ctx, buf, len))
		return pdg_err_sys(err, PDG_E_IO, "cannot write the decrypted archive");
	return PDG_OK;
}

static enum pdg_code to_inner(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	return pdg_age_decrypt_update(ctx, buf, len, err);
}

/* Map a decryption failure of a layer to what the operator must fix. */
static enum pdg_code layer_failed(struct job *j, struct pdg_age_dec *outer, struct pdg_age_dec *inner,
				  enum pdg_code rc, struct pdg_err *err)
{
	if (outer && pdg_age_decrypt_failure(outer) == PDG_AGE_FAIL_NO_MATCH)
		return failed(j, PDG_OPEN_FAIL_KEY, pdg_err_set(err, PDG_E_CRYPTO,
			      "this data center's key is not among the package's recipients "
			      "(wrong --identity)"));
	if (inner && pdg_age_decrypt_failure(inner) == PDG_AGE_FAIL_NO_MATCH)
		return failed(j, PDG_OPEN_FAIL_TOKEN, pdg_err_set(err, PDG_E_CRYPTO,
			      "the token's secret does not open the inner layer"));
	if (rc == PDG_E_CRYPTO || rc == PDG_E_INVALID)
		return failed(j, PDG_OPEN_FAIL_SEGMENTS,
			      pdg_err_prefix(err, "the ciphertext is damaged"));
	return rc;
}

static enum pdg_code decrypt(struct job *j, struct pdg_err *err)
{
	char ids[4][PDG_AGE_IDENTITY_LEN + 1], pass[PDG_TOKEN_SECRET_CHARS + 1];
	const char *idp[4];
	const struct pdg_medium_manifest *m = &j->r->manifest;
	struct pdg_age_dec *outer = NULL, *inner = NULL;
	size_t nids = 0;
	uint8_t *buf = NULL;
	enum pdg_code rc;
	int out = -1;

	if ((rc = pdg_age_identities_read(j->o->identity_path, ids, 4, &nids, err)))
		return failed(j, PDG_OPEN_FAIL_KEY, rc);
	for (size_t i = 0; i < nids; i++)
		idp[i] = ids[i];
	pdg_token_secret_text(j->tok.secret, pass);
	{
		const struct pdg_age_from of = { .identities = idp, .n_identities = nids };
		const struct pdg_age_from inf = { .passphrase = pass, .passphrase_len = strlen(pass),
						  .max_log2n = PDG_AGE_SCRYPT_TOKEN_LOG2N + 4 };

		out = open(j->zip_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		buf = malloc(OPEN_BLOCK);
		if (out < 0 || !buf) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot create the decrypted archive");
			goto out;
		}
		if ((rc = pdg_age_decrypt_init(&inner, &inf, to_fd, &out, err)) ||
		    (rc = pdg_age_decrypt_init(&outer, &of, to_inner, inner, err)))
			goto out;
	}
	for (size_t i = 0; i < m->nsegments && !rc; i++) {
		char path[4200];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", j->dir, m->segments[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read segment '%s'", m->segments[i].name);
			break;
		}
		for (;;) {
			ssize_t n = read(fd, buf, OPEN_BLOCK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				rc = pdg_err_sys(err, PDG_E_IO, "cannot read segment '%s'",
						 m->segments[i].name);
			if (n <= 0)
				break;
			if ((rc = pdg_age_decrypt_update(outer, buf, (size_t)n, err)))
				break;
		}
		close(fd);
	}
	if (!rc)
		rc = pdg_age_decrypt_final(outer, err);
	if (!rc)
		rc = pdg_age_decrypt_final(inner, err);
	if (rc)
		rc = layer_failed(j, outer, inner, rc, err);
	if (!rc && fsync(out))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write the decrypted archive");
out:
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(ids, sizeof(ids));
	pdg_age_decrypt_free(outer);
	pdg_age_decrypt_free(inner);
	free(buf);
	if (out >= 0)
		close(out);
	return rc;
}

static enum pdg_code unpack(struct job *j, struct pdg_err *err)
{
	size_t problems = 0;
	enum pdg_code rc;

	rc = pdg_pdi_unzip(j->zip_path, j->set_path, NULL, j->o->report, j->o->report_ctx,
			   &problems, err);
	if (!rc)
		rc = pdg_pdi_verify_dir(j->set_path, j->o->report, j->o->report_ctx, NULL, err);
	if (rc)
		return failed(j, PDG_OPEN_FAIL_CONTENT, rc);
	return PDG_OK;
}

enum pdg_code pdg_open_package(const struct pdg_open_opts *o, struct pdg_open_result *r,
			       struct pdg_err *err)
{
	struct job j = { .o = o, .r = r };
	struct pdg_err ignored;
	enum pdg_code rc;

	*r = (struct pdg_open_result){ 0 };
	if ((rc = locate(&j, err)) || (rc = check_manifest(&j, err)) ||
	    (rc = check_token(&j, err)) || (rc = check_segments(&j, err)))
		goto out;
	snprintf(j.stage, sizeof(j.stage), "%s/.%s.open", o->out_dir, r->manifest.package_id);
	snprintf(j.zip_path, sizeof(j.zip_path), "%s/package.zip", j.stage);
	snprintf(j.set_path, sizeof(j.set_path), "%s/set", j.stage);
	snprintf(r->target, sizeof(r->target), "%s/%s", o->out_dir, r->manifest.package_id);
	if (!access(r->target, F_OK)) {
		rc = pdg_err_set(err, PDG_E_EXISTS, "'%s' exists already: package %s was opened "
				 "before", r->target, r->manifest.package_id);
		goto out;
	}
	if (mkdir(o->out_dir, 0700) && errno != EEXIST) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", o->out_dir);
		goto out;
	}
	if (!access(j.stage, F_OK) && pdg_pdi_tree_remove(j.stage, &ignored))
		pdg_err_clear(&ignored); /* a leftover of an interrupted open; mkdir reports it */
	if (mkdir(j.stage, 0700)) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", j.stage);
		j.stage[0] = '\0';
		goto out;
	}
	if ((rc = decrypt(&j, err)) || (rc = unpack(&j, err)))
		goto out;
	if (rename(j.set_path, r->target)) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot move the package to '%s'", r->target);
		goto out;
	}
out:
	if (rc && !r->failure)
		r->failure = PDG_OPEN_FAIL_OTHER;
	/* no plaintext stays behind: the stage holds the decrypted archive and the unpacked set */
	if (j.stage[0] && !access(j.stage, F_OK) && pdg_pdi_tree_remove(j.stage, &ignored))
		pdg_err_clear(&ignored);
	pdg_token_wipe(&j.tok);
	return rc;
}

void pdg_open_release(struct pdg_open_result *r)
{
	pdg_medium_manifest_release(&r->manifest);
}
