/* SPDX-License-Identifier: MIT */
/* Building a PDI file set: instances added one by one in input order, then the DICOMDIR and texts. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pdi/fileset.h"
#include "pdi/fileset_int.h"

/* Make every folder of stage/rel's parent. */
static enum pdg_code make_parents(const char *stage, const char *rel, struct pdg_err *err)
{
	char path[PATH_MAX];
	size_t base;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", stage, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return pdg_err_set(err, PDG_E_LIMIT, "path of '%s' too long", rel);
	base = strlen(stage) + 1;
	for (char *p = path + base; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return pdg_err_sys(err, PDG_E_IO, "cannot create folder '%s'", path + base);
		*p = '/';
	}
	return PDG_OK;
}

enum pdg_code pdg_fs_create(const char *stage, const char *rel, FILE **f, struct pdg_err *err)
{
	char path[PATH_MAX];
	enum pdg_code rc;
	int fd, n;

	*f = NULL;
	rc = make_parents(stage, rel, err);
	if (rc)
		return rc;
	n = snprintf(path, sizeof(path), "%s/%s", stage, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return pdg_err_set(err, PDG_E_LIMIT, "path of '%s' too long", rel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", rel);
	*f = fdopen(fd, "w");
	if (!*f) {
		close(fd);
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", rel);
	}
	return PDG_OK;
}

enum pdg_code pdg_fs_close(FILE *f, const char *rel, struct pdg_err *err)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad)
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", rel);
	return PDG_OK;
}

/* Copy src into the new file dst (not existing), streaming in kernel where possible. */
static enum pdg_code copy_file(const char *src, const char *dst, struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;
	int in, out;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", dst);
		close(in);
		return rc;
	}
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP)) {
			/* fall back to read/write */
			char buf[65536];

			for (;;) {
				ssize_t r = read(in, buf, sizeof(buf)), w = 0;

				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0) {
					rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", src);
					break;
				}
				if (r == 0)
					break;
				while (w < r) {
					ssize_t k = write(out, buf + w, (size_t)(r - w));

					if (k < 0 && errno == EINTR)
						continue;
					if (k < 0) {
						rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'",
								 dst);
						break;
					}
					w += k;
				}
				if (rc)
					break;
			}
			break;
		}
		if (n < 0) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot copy '%s'", src);
			break;
		}
		if (n == 0)
			break;
	}
	if (close(out) != 0 && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", dst);
	close(in);
	return rc;
}

static enum pdg_code place(const char *stage, const struct pdg_fs_item *it, unsigned flags,
			   struct pdg_err *err)
{
	char dst[PATH_MAX];
	enum pdg_code rc;
	int n;

	rc = make_parents(stage, it->file_id, err);
	if (rc)
		return rc;
	n = snprintf(dst, sizeof(dst), "%s/%s", stage, it->file_id);
	if (n < 0 || (size_t)n >= sizeof(dst))
		return pdg_err_set(err, PDG_E_LIMIT, "stage path too long");
	if (!(flags & PDG_FILESET_COPY)) {
		if (link(it->src, dst) == 0)
			return PDG_OK;
		if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP)
			return pdg_err_sys(err, PDG_E_IO, "cannot link '%s' to '%s'", it->src,
					   it->file_id);
	}
	return copy_file(it->src, dst, err);
}

/* 2.25.<decimal of the first 128 bits of SHA-256 over File IDs and SOP instance UIDs> */
static enum pdg_code content_uid(const struct pdg_fs_item *it, size_t n, char out[66],
				 struct pdg_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned __int128 v = 0;
	char digits[48];
	unsigned len = 0;
	size_t d = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t x = 0; ok && x < n; x++)
		ok = EVP_DigestUpdate(ctx, it[x].file_id, strlen(it[x].file_id) + 1) &&
		     EVP_DigestUpdate(ctx, it[x].k->sop_instance_uid,
				      strlen(it[x].k->sop_instance_uid) + 1);
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok || len < 16)
		return pdg_err_set(err, PDG_E_CRYPTO, "SHA-256 failed");
	for (int b = 0; b < 16; b++)
		v = (v << 8) | md[b];
	do {
		digits[d++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	memcpy(out, "2.25.", 5);
	for (size_t k = 0; k < d; k++)
		out[5 + k] = digits[d - 1 - k];
	out[5 + d] = '\0';
	return PDG_OK;
}

/* A file set being built (pdi/fileset.h). */
struct pdg_fileset {
	char *stage;
	struct pdg_fileset_opts o;  /* strings borrowed */
	struct pdg_fs_ids *ids;
	struct pdg_fs_item *it;     /* in File ID assignment order */
	size_t n, cap;
	unsigned ts_set;            /* 1u << profile_for_ts of each instance */
	struct pdg_fileset_counts c;
	int done;                   /* ended, or an add or the end failed: only free is allowed */
};

enum pdg_code pdg_fileset_begin(struct pdg_fileset **out, const char *stage,
				const struct pdg_fileset_opts *o, struct pdg_err *err)
{
	struct pdg_fileset *fs;
	enum pdg_code rc;

	*out = NULL;
	if (mkdir(stage, 0700) != 0)
		return pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
				   "cannot create staging folder '%s'", stage);
	if (!(fs = calloc(1, sizeof(*fs))) || !(fs->stage = strdup(stage))) {
		free(fs);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	fs->o = *o;
	if ((rc = pdg_fs_ids_new(&fs->ids, err))) {
		pdg_fileset_free(fs);
		return rc;
	}
	*out = fs;
	return PDG_OK;
}

static enum pdg_code add(struct pdg_fileset *fs, const char *src,
			 const struct pdg_dicomdir_keys *keys, const struct pdg_fileset_hash *hash,
			 char file_id[PDG_DICOMDIR_FILE_ID_MAX], struct pdg_err *err)
{
	struct pdg_fs_item *it;
	struct stat st;
	enum pdg_code rc;

	if (fs->n == PDG_PDI_MAX_INSTANCES)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %u instances",
				   PDG_PDI_MAX_INSTANCES);
	if (keys && !pdg_dicomdir_keys_ok(keys))
		return pdg_err_set(err, PDG_E_INVALID, "'%s': bad directory keys", src);
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? 2 * fs->cap : 256;
		struct pdg_fs_item *grown = realloc(fs->it, cap * sizeof(*grown));

		if (!grown)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		fs->it = grown;
		fs->cap = cap;
	}
	it = &fs->it[fs->n];
	memset(it, 0, sizeof(*it));
	it->src = src;
	fs->n++; /* counted now, so that free releases its keys */
	if (stat(src, &st) != 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot stat '%s'", src);
	if (!S_ISREG(st.st_mode))
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file", src);
	it->size = (uint64_t)st.st_size;
	if (hash && hash->size == it->size) {
		memcpy(it->sha256, hash->sha256, 32);
		it->has_sha256 = 1;
	}
	if (keys) {
		it->k = keys;
	} else {
		if (!(it->own = malloc(sizeof(*it->own))))
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		if ((rc = pdg_dicomdir_read_keys(src, it->own, err)))
			return rc;
		it->k = it->own;
	}
	if ((rc = pdg_fs_ids_assign(fs->ids, it, &fs->c, err)))
		return rc;
	fs->ts_set |= 1u << pdg_dicomdir_profile_for_ts(it->k->transfer_syntax);
	/*
	 * Streamed: the caller ships the file itself; the DICOMDIR builder needs it in the stage
	 * only when the keys lack their key dataset, the manifest only when no hash was given.
	 */
	if (!(fs->o.flags & PDG_FILESET_STREAMED) || !it->k->rec_len || !it->has_sha256) {
		if ((rc = place(fs->stage, it, fs->o.flags, err)))
			return rc;
		it->placed = 1;
	}
	if (file_id)
		memcpy(file_id, it->file_id, sizeof(it->file_id));
	return PDG_OK;
}

enum pdg_code pdg_fileset_add(struct pdg_fileset *fs, const char *src,
			      const struct pdg_dicomdir_keys *keys,
			      const struct pdg_fileset_hash *hash,
			      char file_id[PDG_DICOMDIR_FILE_ID_MAX], struct pdg_err *err)
{
	enum pdg_code rc;

	if (fs->done)
		return pdg_err_set(err, PDG_E_INVALID, "the file set failed before");
	rc = add(fs, src, keys, hash, file_id, err);
	fs->done = rc != PDG_OK;
	return rc;
}

static int by_file_id(const void *pa, const void *pb)
{
	const struct pdg_fs_item *a = pa, *b = pb;

	return strcmp(a->file_id, b->file_id);
}

/* The DICOMDIR (records in assignment order), then the texts and the manifest. */
static enum pdg_code end(struct pdg_fileset *fs, struct pdg_err *err)
{
	const struct pdg_fileset_opts *o = &fs->o;
	struct pdg_fileset_counts *c = &fs->c;
	struct pdg_dicomdir *dd = NULL;
	enum pdg_dicomdir_profile prof;
	struct pdg_fs_item *sorted;
	char uid[66];
	enum pdg_code rc;

	if (fs->n == 0)
		return pdg_err_set(err, PDG_E_INVALID, "no DICOM files for the file set");
	prof = pdg_dicomdir_profile_for_set(fs->ts_set);
	if (prof == PDG_DICOMDIR_PROFILE_NONE)
		return pdg_err_set(err, PDG_E_POLICY,
				   "no media application profile admits these transfer syntaxes; "
				   "convert to explicit VR little endian");
	snprintf(c->profile, sizeof(c->profile), "%s", pdg_dicomdir_profile_name(prof));
	if (!o->fileset_uid && (rc = content_uid(fs->it, fs->n, uid, err)))
		return rc;
	snprintf(c->fileset_uid, sizeof(c->fileset_uid), "%s", o->fileset_uid ? o->fileset_uid : uid);
	rc = pdg_dicomdir_create(fs->stage, prof,
				 o->fileset_id ? o->fileset_id : PDG_FILESET_DEFAULT_ID,
				 c->fileset_uid, &dd, err);
	for (size_t x = 0; !rc && x < fs->n; x++)
		if ((rc = pdg_dicomdir_add_keys(dd, fs->it[x].file_id, fs->it[x].k, err)))
			pdg_err_prefix(err, "'%s'", fs->it[x].src);
	if (!rc)
		rc = pdg_dicomdir_write(dd, err);
	dd = pdg_dicomdir_free(dd);
	if (rc)
		return rc;
	/* the web view groups by folder and the manifest lists by path: File ID order */
	if (!(sorted = malloc(fs->n * sizeof(*sorted))))
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	memcpy(sorted, fs->it, fs->n * sizeof(*sorted));
	qsort(sorted, fs->n, sizeof(*sorted), by_file_id);
	if (!(rc = pdg_fs_write_readme(fs->stage, o, c, err)) &&
	    !(rc = pdg_fs_write_web(fs->stage, o, sorted, fs->n, c, err)))
		rc = pdg_fs_write_manifest(fs->stage, sorted, fs->n, o, c, err);
	free(sorted);
	return rc;
}

enum pdg_code pdg_fileset_end(struct pdg_fileset *fs, struct pdg_fileset_counts *out,
			      struct pdg_err *err)
{
	enum pdg_code rc;

	if (fs->done)
		return pdg_err_set(err, PDG_E_INVALID, "the file set failed before");
	rc = end(fs, err);
	fs->done = 1;
	if (!rc && out)
		*out = fs->c;
	return rc;
}

void pdg_fileset_free(struct pdg_fileset *fs)
{
	if (!fs)
		return;
	for (size_t x = 0; x < fs->n; x++)
		free(fs->it[x].own);
	free(fs->it);
	pdg_fs_ids_free(fs->ids);
	free(fs->stage);
	free(fs);
}

/* Both whole-set entry points: keys NULL reads them from the files. */
static enum pdg_code build(const char *stage, const char *const *inputs,
			   const struct pdg_dicomdir_keys *const *keys,
			   const struct pdg_fileset_hash *hashes, size_t n,
			   const struct pdg_fileset_opts *o, struct pdg_fileset_counts *out,
			   struct pdg_err *err)
{
	struct pdg_fileset_opts placed = *o;
	struct pdg_fileset *fs;
	enum pdg_code rc;

	if (n == 0)
		return pdg_err_set(err, PDG_E_INVALID, "no DICOM files for the file set");
	if (n > PDG_PDI_MAX_INSTANCES)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %u instances",
				   PDG_PDI_MAX_INSTANCES);
	placed.flags &= ~PDG_FILESET_STREAMED;
	if ((rc = pdg_fileset_begin(&fs, stage, &placed, err)))
		return rc;
	for (size_t x = 0; !rc && x < n; x++)
		rc = pdg_fileset_add(fs, inputs[x], keys ? keys[x] : NULL,
				     hashes ? &hashes[x] : NULL, NULL, err);
	if (!rc)
		rc = pdg_fileset_end(fs, out, err);
	pdg_fileset_free(fs);
	return rc;
}

enum pdg_code pdg_fileset_build(const char *stage, const char *const *inputs, size_t n,
				const struct pdg_fileset_opts *o, struct pdg_fileset_counts *out,
				struct pdg_err *err)
{
	return build(stage, inputs, NULL, NULL, n, o, out, err);
}

enum pdg_code pdg_fileset_build_keyed(const char *stage, const char *const *inputs,
				      const struct pdg_dicomdir_keys *const *keys,
				      const struct pdg_fileset_hash *hashes,
				      size_t n,
				      const struct pdg_fileset_opts *o,
				      struct pdg_fileset_counts *out, struct pdg_err *err)
{
	if (!keys)
		return pdg_err_set(err, PDG_E_INVALID, "no directory keys");
	for (size_t x = 0; x < n; x++)
		if (!keys[x])
			return pdg_err_set(err, PDG_E_INVALID, "'%s': no directory keys", inputs[x]);
	return build(stage, inputs, keys, hashes, n, o, out, err);
}
