/* SPDX-License-Identifier: MIT */
/* pdigate-fetch sync: list, download with resume, verify, open with the sealed token, import, ack. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "center/fetch/sync.h"
#include "lib/crypto/age.h"
#include "lib/crypto/sha256.h"
#include "lib/crypto/signify.h"
#include "pdi/tree.h"
#include "tokens/codec.h"

#define SECRET_MAX 4096

static void say(const struct pdg_sync_opts *o, const char *pkg, const char *what)
{
	if (o->report)
		o->report(o->report_ctx, pkg, what);
}

static enum pdg_code refused(const struct pdg_https_resp *r, const char *what,
			     struct pdg_err *err)
{
	char d[400];

	return pdg_err_set(err, r->status >= 500 ? PDG_E_NET : PDG_E_POLICY, "%s: %s", what,
			   pdg_https_describe(r, d, sizeof(d)));
}

static int id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PDG_MEDIUM_PKGID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

enum pdg_code pdg_sync_list(struct pdg_https *h, char (*ids)[PDG_MEDIUM_PKGID_MAX], size_t cap,
			    size_t *n, struct pdg_err *err)
{
	struct pdg_https_resp r = { 0 };
	json_error_t je;
	json_t *root, *it;
	enum pdg_code rc;
	size_t i;

	*n = 0;
	rc = pdg_https_request(h, "GET", "/v1/released", NULL, NULL, &r, err);
	if (!rc && r.status != 200)
		rc = refused(&r, "the center did not list the released packages", err);
	if (rc) {
		pdg_https_resp_release(&r);
		return rc;
	}
	root = json_loads(r.body ? r.body : "", 0, &je);
	pdg_https_resp_release(&r);
	json_array_foreach(json_object_get(root, "packages"), i, it) {
		const char *id = json_string_value(json_object_get(it, "package_id"));

		if (!id || !id_ok(id)) {
			rc = pdg_err_set(err, PDG_E_NET, "the center listed a malformed package id");
			break;
		}
		if (*n == cap) {
			rc = pdg_err_set(err, PDG_E_LIMIT, "more than %zu released packages", cap);
			break;
		}
		snprintf(ids[(*n)++], PDG_MEDIUM_PKGID_MAX, "%s", id);
	}
	if (!root)
		rc = pdg_err_set(err, PDG_E_NET, "the center's list is not JSON");
	json_decref(root);
	return rc;
}

static enum pdg_code mkdirs(const char *a, const char *b, struct pdg_err *err)
{
	if (mkdir(a, 0700) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", a);
	if (b && mkdir(b, 0700) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", b);
	return PDG_OK;
}

/* GET a small file (manifest, signature, sealed token) into memory. */
static enum pdg_code get_small(struct pdg_https *h, const char *id, const char *what,
			       size_t max, char **out, size_t *len, struct pdg_err *err)
{
	struct pdg_https_resp r = { 0 };
	char path[96];
	enum pdg_code rc;

	snprintf(path, sizeof(path), "/v1/packages/%s/%s", id, what);
	rc = pdg_https_request(h, "GET", path, NULL, NULL, &r, err);
	if (!rc && r.status != 200)
		rc = refused(&r, what, err);
	if (!rc && (!r.body || r.len > max))
		rc = pdg_err_set(err, PDG_E_NET, "the center's %s is empty or too large", what);
	if (!rc) {
		*out = r.body;
		*len = r.len;
		r.body = NULL;
	}
	pdg_https_resp_release(&r);
	return rc;
}

static int file_matches(const char *path, uint64_t size, const char *sha)
{
	char hex[65];
	uint64_t got;
	struct pdg_err e;

	return !pdg_sha256_file_hex(path, hex, &got, &e) && got == size && !strcmp(hex, sha);
}

/* Download segment s into dir, resuming a .part file, until its size and hash are right. */
static enum pdg_code get_segment(const struct pdg_sync_opts *o, const char *id, size_t index,
				 const struct pdg_medium_segment *s, const char *dir,
				 struct pdg_err *err)
{
	char final[4300], part[4400], path[96];
	unsigned tries = 0;
	enum pdg_code rc = PDG_OK;

	snprintf(final, sizeof(final), "%s/%s", dir, s->name);
	snprintf(part, sizeof(part), "%s.part", final);
	snprintf(path, sizeof(path), "/v1/packages/%s/segments/%zu", id, index + 1);
	if (file_matches(final, s->size, s->sha256))
		return PDG_OK;
	(void)unlink(final);
	for (;;) {
		struct pdg_https_resp r = { 0 };
		struct stat st;
		uint64_t have = 0;
		int fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd < 0)
			return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", part);
		if (!fstat(fd, &st))
			have = (uint64_t)st.st_size;
		if (have > s->size) {
			if (ftruncate(fd, 0)) {
				close(fd);
				return pdg_err_sys(err, PDG_E_IO, "cannot truncate '%s'", part);
			}
			have = 0;
		}
		rc = have == s->size ? PDG_OK :
				       pdg_https_get_fd(o->h, path, fd, have, s->size - have, &r, err);
		if (!rc && have < s->size && r.status != 200 && r.status != 206)
			rc = refused(&r, s->name, err);
		if (fsync(fd) && !rc)
			rc = pdg_err_sys(err, PDG_E_IO, "cannot sync '%s'", part);
		close(fd);
		pdg_https_resp_release(&r);
		if (!rc) {
			if (file_matches(part, s->size, s->sha256)) {
				if (rename(part, final))
					return pdg_err_sys(err, PDG_E_IO, "cannot rename '%s'", part);
				return pdg_fsync_dir(dir, err);
			}
			/* wrong bytes (or the center sent a whole file): start over once */
			(void)unlink(part);
			if (tries++ >= o->retries)
				return pdg_err_set(err, PDG_E_CRYPTO, "segment '%s' from the center does "
						   "not match the signed manifest", s->name);
			continue;
		}
		if (rc != PDG_E_NET || tries++ >= o->retries)
			return rc;
		say(o, id, "the transfer broke: resuming");
		{
			struct timespec ts = { .tv_sec = tries < 4 ? 1 << (tries - 1) : 8 };

			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
	}
}

/* The appliance key to check this manifest with (the signature decides, not the id). */
static enum pdg_code key_for(const struct pdg_sync_opts *o, const struct pdg_medium_manifest *m,
			     char *out, size_t cap, struct pdg_err *err)
{
	if (o->appliance_key)
		return pdg_str_copy(out, cap, o->appliance_key) ? PDG_OK :
			pdg_err_set(err, PDG_E_LIMIT, "the key path is too long");
	if (!m->appliance_id[0] || strchr(m->appliance_id, '/') || m->appliance_id[0] == '.')
		return pdg_err_set(err, PDG_E_INVALID, "the manifest's appliance id is unusable");
	if (snprintf(out, cap, "%s/%s.pub", o->keys_dir, m->appliance_id) >= (int)cap)
		return pdg_err_set(err, PDG_E_LIMIT, "the key path is too long");
	if (access(out, R_OK))
		return pdg_err_set(err, PDG_E_NOTFOUND, "no registered key for appliance %.64s "
				   "(%s)", m->appliance_id, out);
	return PDG_OK;
}

/* Download manifest, signature and segments into pkgdir/PDIGATE; check the signature first. */
static enum pdg_code download(const struct pdg_sync_opts *o, const char *id,
			      const char pkgdir[4100],
			      char *key, size_t keycap, struct pdg_medium_manifest *m,
			      struct pdg_err *err)
{
	char dir[4200], path[4300];
	char *man = NULL, *sig = NULL;
	size_t man_len = 0, sig_len = 0;
	enum pdg_code rc;

	snprintf(dir, sizeof(dir), "%s/" PDG_MEDIUM_DIR, pkgdir);
	rc = mkdirs(pkgdir, dir, err);
	if (!rc)
		rc = get_small(o->h, id, "manifest", PDG_MEDIUM_MAN_MAX, &man, &man_len, err);
	if (!rc)
		rc = get_small(o->h, id, "signature", 4096, &sig, &sig_len, err);
	if (!rc)
		rc = pdg_medium_manifest_parse(man, man_len, m, err);
	if (!rc && strcmp(m->package_id, id))
		rc = pdg_err_set(err, PDG_E_CRYPTO, "the center sent the manifest of another package");
	if (!rc)
		rc = key_for(o, m, key, keycap, err);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s.SIG", dir, id);
		rc = pdg_write_atomic(path, sig, sig_len, 0600, 0, err);
	}
	if (!rc && pdg_signify_verify_buf(key, man, man_len, path, err)) {
		pdg_err_prefix(err, "package %s: the manifest's signature does not verify", id);
		rc = PDG_E_CRYPTO;
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s.MAN", dir, id);
		rc = pdg_write_atomic(path, man, man_len, 0600, 0, err);
	}
	free(man);
	free(sig);
	for (size_t i = 0; !rc && i < m->nsegments; i++)
		rc = get_segment(o, id, i, &m->segments[i], dir, err);
	return rc;
}

static enum pdg_code post(struct pdg_https *h, const char *id, const char *what,
			  const char *json, struct pdg_err *err)
{
	struct pdg_https_resp r = { 0 };
	char path[96];
	enum pdg_code rc;

	snprintf(path, sizeof(path), "/v1/packages/%s/%s", id, what);
	rc = pdg_https_request(h, "POST", path, json ? json : "{}", NULL, &r, err);
	if (!rc && r.status != 200)
		rc = refused(&r, what, err);
	pdg_https_resp_release(&r);
	return rc;
}

/* The release token the center sealed to us, opened with our identity (a secret: wipe). */
static enum pdg_code take_token(const struct pdg_sync_opts *o, const char *id,
				char token[PDG_TOKEN_INPUT_MAX], struct pdg_err *err)
{
	char ids[4][PDG_AGE_IDENTITY_LEN + 1];
	const char *idp[4];
	size_t nid = 0, len = 0, plen = 0;
	char *sealed = NULL;
	uint8_t *plain = NULL;
	enum pdg_code rc;

	rc = get_small(o->h, id, "secret", SECRET_MAX, &sealed, &len, err);
	if (!rc)
		rc = pdg_age_identities_read(o->identity_path, ids, 4, &nid, err);
	if (!rc) {
		struct pdg_age_from from = { .identities = idp, .n_identities = nid };

		for (size_t i = 0; i < nid; i++)
			idp[i] = ids[i];
		rc = pdg_age_decrypt_mem(&from, sealed, len, PDG_TOKEN_INPUT_MAX - 1, &plain, &plen,
					 NULL, err);
		if (rc)
			pdg_err_prefix(err, "cannot open the release token the center sealed to "
					    "this data center");
	}
	if (!rc) {
		memcpy(token, plain, plen);
		token[plen] = '\0';
		token[strcspn(token, "\r\n")] = '\0';
	}
	if (plain) {
		explicit_bzero(plain, plen);
		free(plain);
	}
	explicit_bzero(ids, sizeof(ids));
	free(sealed);
	return rc;
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

enum pdg_code pdg_sync_package(const struct pdg_sync_opts *o, const char *id,
			       struct pdg_sync_result *r, struct pdg_err *err)
{
	struct pdg_medium_manifest m = { 0 };
	char pkgdir[4100], opened[4200], target[4300], key[4400], token[PDG_TOKEN_INPUT_MAX];
	enum pdg_code rc;

	*r = (struct pdg_sync_result){ 0 };
	if (!id_ok(id))
		return pdg_err_set(err, PDG_E_INVALID, "'%.32s' is not a package id", id);
	snprintf(r->id, sizeof(r->id), "%s", id);
	if (strlen(o->work_dir) > 4000)
		return pdg_err_set(err, PDG_E_LIMIT, "the work folder's path is too long");
	snprintf(pkgdir, sizeof(pkgdir), "%s/%s", o->work_dir, id);
	snprintf(opened, sizeof(opened), "%s/opened", pkgdir);
	snprintf(target, sizeof(target), "%s/%s", opened, id);
	rc = mkdirs(o->work_dir, NULL, err);
	if (!rc)
		rc = download(o, id, pkgdir, key, sizeof(key), &m, err);
	if (rc)
		goto out;
	snprintf(r->project, sizeof(r->project), "%s", m.project);
	r->stage = PDG_SYNC_DOWNLOADED;
	say(o, id, "downloaded; signature and every hash checked");
	rc = post(o->h, id, "downloaded", NULL, err);
	if (rc)
		goto out;
	if (!is_dir(target)) {
		struct pdg_open_opts oo = {
			.source = pkgdir, .package_id = id, .identity_path = o->identity_path,
			.appliance_pub = key, .token = token, .out_dir = opened,
		};
		struct pdg_open_result res;

		rc = take_token(o, id, token, err);
		if (!rc)
			rc = mkdirs(opened, NULL, err);
		if (!rc) {
			rc = pdg_open_package(&oo, &res, err);
			r->open_failure = res.failure;
			pdg_open_release(&res);
		}
		explicit_bzero(token, sizeof(token));
		if (rc)
			goto out;
	}
	r->stage = PDG_SYNC_OPENED;
	say(o, id, "opened: both layers decrypted, the file set verified");
	{
		struct pdg_import_opts io = {
			.package_dir = target, .project = m.project, .quarantine_dir = o->quarantine_dir,
			.target = o->target, .report = o->report, .report_ctx = o->report_ctx,
		};

		rc = pdg_import_package(&io, &r->import, err);
	}
	if (rc)
		goto out;
	if (r->import.failed || r->import.quarantined) {
		rc = pdg_err_set(err, PDG_E_POLICY, "package %s not acknowledged: %zu instances "
				 "quarantined, %zu not confirmed by the target", id,
				 r->import.quarantined, r->import.failed);
		goto out;
	}
	r->stage = PDG_SYNC_IMPORTED;
	{
		char body[64];

		snprintf(body, sizeof(body), "{\"instances\": %zu}", r->import.instances);
		rc = post(o->h, id, "ack", body, err);
	}
	if (rc)
		goto out;
	r->stage = PDG_SYNC_ACKNOWLEDGED;
	if (!o->keep) {
		struct pdg_err e;

		if (pdg_pdi_tree_remove(pkgdir, &e))
			say(o, id, "acknowledged, but the work files could not be removed");
	}
out:
	explicit_bzero(token, sizeof(token));
	pdg_medium_manifest_release(&m);
	return rc;
}
