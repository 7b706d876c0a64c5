/* SPDX-License-Identifier: MIT */
/* Building a PDI file set: read keys, order instances, place files, write the DICOMDIR and texts. */
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

#define MAX_PER_LEVEL 9999999u /* seven digits after the letter in a File ID component */

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

static int cmp_long(long a, long b)
{
	return a < b ? -1 : a > b;
}

/* First pass order: study, then series, so per-study and per-series keys can be computed. */
static int by_study_series(const void *pa, const void *pb)
{
	const struct pdg_fs_item *a = pa, *b = pb;
	int c = strcmp(a->k->study_uid, b->k->study_uid);

	return c ? c : strcmp(a->k->series_uid, b->k->series_uid);
}

/* The file set order: patient, study, series, instance (docs/formats.md). */
static int by_fileset_order(const void *pa, const void *pb)
{
	const struct pdg_fs_item *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->k->patient_id, b->k->patient_id)) ||
	    (c = strcmp(a->k->patient_name, b->k->patient_name)) ||
	    (c = strcmp(a->study_key, b->study_key)) ||
	    (c = strcmp(a->k->study_uid, b->k->study_uid)) ||
	    (c = cmp_long(a->series_key, b->series_key)) ||
	    (c = strcmp(a->k->series_uid, b->k->series_uid)) ||
	    (c = cmp_long(a->k->instance_number, b->k->instance_number)))
		return c;
	return strcmp(a->k->sop_instance_uid, b->k->sop_instance_uid);
}

static int by_sop(const void *pa, const void *pb)
{
	const struct pdg_fs_item *const *a = pa, *const *b = pb;

	return strcmp((*a)->k->sop_instance_uid, (*b)->k->sop_instance_uid);
}

/* As DCMTK groups PATIENT records: by Patient ID, by Patient's Name when the ID is empty. */
static int same_patient(const struct pdg_fs_item *a, const struct pdg_fs_item *b)
{
	if (strcmp(a->k->patient_id, b->k->patient_id))
		return 0;
	return a->k->patient_id[0] || !strcmp(a->k->patient_name, b->k->patient_name);
}

/* Per-study and per-series ordering keys; a study must belong to one patient. */
static enum pdg_code group_keys(struct pdg_fs_item *it, size_t n, struct pdg_err *err)
{
	qsort(it, n, sizeof(*it), by_study_series);
	for (size_t a = 0, b; a < n; a = b) {
		char key[32] = "";

		for (b = a; b < n && !strcmp(it[b].k->study_uid, it[a].k->study_uid); b++) {
			char k[32];

			if (!same_patient(&it[a], &it[b]))
				return pdg_err_set(err, PDG_E_INVALID,
						   "'%s' and '%s' belong to one study but to two "
						   "patients", it[a].src, it[b].src);
			snprintf(k, sizeof(k), "%.8s%.16s", it[b].k->study_date, it[b].k->study_time);
			if (b == a || strcmp(k, key) < 0)
				memcpy(key, k, sizeof(key));
		}
		for (size_t x = a, y; x < b; x = y) {
			long num = LONG_MAX;

			for (y = x; y < b && !strcmp(it[y].k->series_uid, it[x].k->series_uid); y++)
				if (it[y].k->series_number < num)
					num = it[y].k->series_number;
			for (size_t z = x; z < y; z++)
				it[z].series_key = num;
		}
		for (size_t z = a; z < b; z++)
			memcpy(it[z].study_key, key, sizeof(key));
	}
	return PDG_OK;
}

static enum pdg_code check_duplicates(struct pdg_fs_item *it, size_t n, struct pdg_err *err)
{
	const struct pdg_fs_item **v = malloc(n * sizeof(*v));
	enum pdg_code rc = PDG_OK;

	if (!v)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i] = &it[i];
	qsort(v, n, sizeof(*v), by_sop);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1]->k->sop_instance_uid, v[i]->k->sop_instance_uid)) {
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' and '%s' hold the same SOP instance",
					 v[i - 1]->src, v[i]->src);
			break;
		}
	free(v);
	return rc;
}

/* Number the levels and name the files; fills the instance counts. */
static enum pdg_code assign_ids(struct pdg_fs_item *it, size_t n, struct pdg_fileset_counts *c,
				struct pdg_err *err)
{
	unsigned p = 0, s = 0, e = 0, i = 0;

	for (size_t x = 0; x < n; x++) {
		const struct pdg_fs_item *prev = x ? &it[x - 1] : NULL;

		if (!prev || !same_patient(prev, &it[x])) {
			p++, s = 0;
			c->patients++;
		}
		if (!prev || s == 0 || strcmp(prev->k->study_uid, it[x].k->study_uid)) {
			s++, e = 0;
			c->studies++;
		}
		if (!prev || e == 0 || strcmp(prev->k->series_uid, it[x].k->series_uid)) {
			e++, i = 0;
			c->series++;
		}
		i++;
		if (p > MAX_PER_LEVEL || s > MAX_PER_LEVEL || e > MAX_PER_LEVEL || i > MAX_PER_LEVEL)
			return pdg_err_set(err, PDG_E_LIMIT, "more than %u entries on one level",
					   MAX_PER_LEVEL);
		it[x].p = p, it[x].s = s, it[x].e = e, it[x].i = i;
		/* IHE PDI: DICOM files in DICOM/, PS3.10 8.2 File IDs */
		snprintf(it[x].file_id, sizeof(it[x].file_id), "DICOM/P%07u/S%07u/S%07u/I%07u", p,
			 s, e, i);
		c->instances++;
		c->bytes += it[x].size;
	}
	return PDG_OK;
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

/* Sizes of the inputs, their keys (read from the files when keys is NULL) and checks. */
static enum pdg_code read_inputs(struct pdg_fs_item *it, const char *const *inputs,
				 const struct pdg_dicomdir_keys *const *keys,
				 const struct pdg_fileset_hash *hashes,
				 struct pdg_dicomdir_keys *own, size_t n, unsigned *ts_set,
				 struct pdg_err *err)
{
	for (size_t x = 0; x < n; x++) {
		struct stat st;
		enum pdg_code rc;

		it[x].src = inputs[x];
		if (stat(inputs[x], &st) != 0)
			return pdg_err_sys(err, PDG_E_IO, "cannot stat '%s'", inputs[x]);
		if (!S_ISREG(st.st_mode))
			return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file",
					   inputs[x]);
		it[x].size = (uint64_t)st.st_size;
		it[x].sha256 = hashes && hashes[x].size == it[x].size ? hashes[x].sha256 : NULL;
		if (keys) {
			it[x].k = keys[x];
		} else {
			rc = pdg_dicomdir_read_keys(inputs[x], &own[x], err);
			if (rc)
				return rc;
			it[x].k = &own[x];
		}
		/* PS3.3 F.5: type 1 and 2 directory keys DCMTK cannot invent */
		if (!it[x].k->has_patient_name)
			return pdg_err_set(err, PDG_E_DICOM, "'%s': no PatientName (0010,0010); "
					   "the DICOMDIR needs it (type 2)", inputs[x]);
		if (!it[x].k->study_uid[0] || !it[x].k->series_uid[0] || !it[x].k->modality[0])
			return pdg_err_set(err, PDG_E_DICOM, "'%s': StudyInstanceUID, "
					   "SeriesInstanceUID or Modality missing or empty; the "
					   "DICOMDIR needs them (type 1)", inputs[x]);
		*ts_set |= 1u << pdg_dicomdir_profile_for_ts(it[x].k->transfer_syntax);
	}
	return PDG_OK;
}

/* Both entry points: keys NULL reads them from the files. */
static enum pdg_code build(const char *stage, const char *const *inputs,
			   const struct pdg_dicomdir_keys *const *keys,
			   const struct pdg_fileset_hash *hashes, size_t n,
			   const struct pdg_fileset_opts *o, struct pdg_fileset_counts *out,
			   struct pdg_err *err)
{
	struct pdg_fileset_counts c = { 0 };
	struct pdg_dicomdir_keys *own = NULL;
	struct pdg_dicomdir *dd = NULL;
	enum pdg_dicomdir_profile prof;
	struct pdg_fs_item *it = NULL;
	char uid[66];
	unsigned ts_set = 0;
	enum pdg_code rc;

	if (n == 0)
		return pdg_err_set(err, PDG_E_INVALID, "no DICOM files for the file set");
	if (n > PDG_PDI_MAX_INSTANCES)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %u instances",
				   PDG_PDI_MAX_INSTANCES);
	if (mkdir(stage, 0700) != 0)
		return pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
				   "cannot create staging folder '%s'", stage);
	it = calloc(n, sizeof(*it));
	if (!keys)
		own = malloc(n * sizeof(*own));
	if (!it || (!keys && !own)) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	rc = read_inputs(it, inputs, keys, hashes, own, n, &ts_set, err);
	if (rc)
		goto out;
	prof = pdg_dicomdir_profile_for_set(ts_set);
	if (prof == PDG_DICOMDIR_PROFILE_NONE) {
		rc = pdg_err_set(err, PDG_E_POLICY,
				 "no media application profile admits these transfer syntaxes; "
				 "convert to explicit VR little endian");
		goto out;
	}
	snprintf(c.profile, sizeof(c.profile), "%s", pdg_dicomdir_profile_name(prof));
	if ((rc = check_duplicates(it, n, err)) || (rc = group_keys(it, n, err)))
		goto out;
	qsort(it, n, sizeof(*it), by_fileset_order);
	if ((rc = assign_ids(it, n, &c, err)))
		goto out;
	for (size_t x = 0; x < n; x++)
		if ((rc = place(stage, &it[x], o->flags, err)))
			goto out;
	if (!o->fileset_uid && (rc = content_uid(it, n, uid, err)))
		goto out;
	snprintf(c.fileset_uid, sizeof(c.fileset_uid), "%s", o->fileset_uid ? o->fileset_uid : uid);
	rc = pdg_dicomdir_create(stage, prof, o->fileset_id ? o->fileset_id : PDG_FILESET_DEFAULT_ID,
				 c.fileset_uid, &dd, err);
	for (size_t x = 0; !rc && x < n; x++)
		if ((rc = pdg_dicomdir_add_keys(dd, it[x].file_id, it[x].k, err)))
			pdg_err_prefix(err, "'%s'", it[x].src);
	if (!rc)
		rc = pdg_dicomdir_write(dd, err);
	dd = pdg_dicomdir_free(dd);
	if (rc)
		goto out;
	if ((rc = pdg_fs_write_readme(stage, o, &c, err)) ||
	    (rc = pdg_fs_write_web(stage, o, it, n, &c, err)) ||
	    (rc = pdg_fs_write_manifest(stage, it, n, o, &c, err)))
		goto out;
	if (out)
		*out = c;
out:
	free(own);
	free(it);
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
	/* keys may come from another process: every string must end in its field */
	for (size_t x = 0; x < n; x++)
		if (!pdg_dicomdir_keys_ok(keys[x]))
			return pdg_err_set(err, PDG_E_INVALID, "'%s': bad directory keys",
					   inputs[x]);
	return build(stage, inputs, keys, hashes, n, o, out, err);
}
