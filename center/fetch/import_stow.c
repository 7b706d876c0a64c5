/* SPDX-License-Identifier: MIT */
/*
 * Import target: DICOMweb STOW-RS (PS3.18 10.5) with libcurl. Instances go in batches as one
 * multipart/related; type="application/dicom" body each, streamed from the files; an instance
 * counts once the response lists it in the Referenced SOP Sequence (0008,1199) and not in the
 * Failed SOP Sequence (0008,1198).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/fsutil.h"
#include "center/fetch/import.h"

#define STOW_BATCH_FILES 100
#define STOW_BATCH_BYTES ((uint64_t)256 << 20)
#define STOW_RESPONSE_MAX ((size_t)16 << 20)

struct body {
	struct pdg_import_inst *v;
	size_t n, cur;          /* instance being sent */
	int stage;              /* 0 part header, 1 file bytes, 2 part end, 3 closing */
	char head[256];
	size_t head_len, head_off;
	FILE *f;
	char boundary[40];
	int failed;
};

struct resp {
	char *buf;
	size_t len;
	int overflow;
};

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;
	char *nb;

	if (r->len + n > STOW_RESPONSE_MAX) {
		r->overflow = 1;
		return 0;
	}
	nb = realloc(r->buf, r->len + n + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, p, n);
	r->buf = nb;
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static int part_head(struct body *b, char *out, size_t cap, int first)
{
	return snprintf(out, cap, "%s--%s\r\nContent-Type: application/dicom\r\n\r\n",
			first ? "" : "\r\n", b->boundary);
}

/* Stream: for each instance its part header and bytes, then the closing delimiter. */
static size_t on_read(char *out, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t cap = size * nmemb, done = 0;

	while (done < cap) {
		if (b->head_off < b->head_len) {
			size_t k = b->head_len - b->head_off;

			if (k > cap - done)
				k = cap - done;
			memcpy(out + done, b->head + b->head_off, k);
			b->head_off += k;
			done += k;
			continue;
		}
		if (b->stage == 1) {
			size_t got = fread(out + done, 1, cap - done, b->f);

			if (got) {
				done += got;
				continue;
			}
			if (ferror(b->f)) {
				b->failed = 1;
				return CURL_READFUNC_ABORT;
			}
			fclose(b->f);
			b->f = NULL;
			b->cur++;
			b->stage = 0;
		}
		if (b->stage == 3)
			break;
		if (b->cur < b->n) {
			b->f = fopen(b->v[b->cur].path, "rb");
			if (!b->f) {
				b->failed = 1;
				return CURL_READFUNC_ABORT;
			}
			b->head_len = (size_t)part_head(b, b->head, sizeof(b->head), b->cur == 0);
			b->head_off = 0;
			b->stage = 1;
		} else {
			b->head_len = (size_t)snprintf(b->head, sizeof(b->head), "\r\n--%s--\r\n",
						       b->boundary);
			b->head_off = 0;
			b->stage = 3;
		}
	}
	return done;
}

/* The string value of attribute tag ("00081155") in a DICOM JSON item, or NULL. */
static const char *json_str(json_t *item, const char *tag)
{
	json_t *a = json_object_get(item, tag), *val = a ? json_object_get(a, "Value") : NULL;

	return json_is_array(val) ? json_string_value(json_array_get(val, 0)) : NULL;
}

static struct pdg_import_inst *find_uid(struct pdg_import_inst *v, size_t n, const char *uid)
{
	for (size_t i = 0; uid && i < n; i++)
		if (!strcmp(v[i].sop_instance, uid))
			return &v[i];
	return NULL;
}

/* Mark what the response confirms; a failed entry wins over a referenced one. */
static void read_response(struct pdg_import_inst *v, size_t n, const char *text, long status)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je), *seq, *it;
	size_t i;

	for (size_t k = 0; k < n; k++)
		snprintf(v[k].problem, sizeof(v[k].problem), "the DICOMweb service (HTTP %ld) did "
			 "not list this instance as stored", status);
	if (json_is_array(root)) { /* some servers wrap the dataset in an array */
		json_t *first = json_incref(json_array_get(root, 0));

		json_decref(root);
		root = first;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	seq = json_object_get(json_object_get(root, "00081199"), "Value");
	json_array_foreach(seq, i, it) {
		struct pdg_import_inst *in = find_uid(v, n, json_str(it, "00081155"));
		const char *cls = json_str(it, "00081150");

		if (in && (!cls || !strcmp(cls, in->sop_class)) && status >= 200 && status < 300) {
			in->confirmed = 1;
			in->problem[0] = '\0';
		}
	}
	seq = json_object_get(json_object_get(root, "00081198"), "Value");
	json_array_foreach(seq, i, it) {
		struct pdg_import_inst *in = find_uid(v, n, json_str(it, "00081155"));
		json_t *fr = json_object_get(json_object_get(it, "00081197"), "Value");

		if (in) {
			in->confirmed = 0;
			snprintf(in->problem, sizeof(in->problem), "STOW-RS failure reason %lld",
				 (long long)json_integer_value(json_array_get(fr, 0)));
		}
	}
	json_decref(root);
}

static enum pdg_code post_batch(const struct pdg_import_opts *o, CURL *c,
				struct pdg_import_inst *v, size_t n, struct pdg_err *err)
{
	const struct pdg_import_target *t = o->target;
	struct body b = { .v = v, .n = n };
	struct resp r = { 0 };
	struct curl_slist *h = NULL;
	char url[sizeof(t->url) + 16], ct[128], errbuf[CURL_ERROR_SIZE] = "";
	uint8_t rnd[16];
	curl_off_t total = 0;
	enum pdg_code rc = PDG_OK;
	long status = 0;
	CURLcode cc;

	if (pdg_random_bytes(rnd, sizeof(rnd), err))
		return PDG_E_IO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(b.boundary + 2 * i, 3, "%02x", rnd[i]);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char head[256];

		if (stat(v[i].path, &st))
			return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", v[i].rel);
		total += (curl_off_t)st.st_size + part_head(&b, head, sizeof(head), i == 0);
	}
	total += (curl_off_t)strlen(b.boundary) + 8;
	snprintf(url, sizeof(url), "%s/studies", t->url);
	snprintf(ct, sizeof(ct), "Content-Type: multipart/related; type=\"application/dicom\"; "
		 "boundary=%s", b.boundary);
	h = curl_slist_append(h, ct);
	h = curl_slist_append(h, "Accept: application/dicom+json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &b);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, total);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(t->timeout ? t->timeout : 30));
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)(t->timeout ? t->timeout : 300));
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (t->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, t->cacert);
	if (t->cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, t->cert);
	if (t->key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, t->key);
	cc = curl_easy_perform(c);
	if (b.f)
		fclose(b.f);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (b.failed)
		rc = pdg_err_set(err, PDG_E_IO, "cannot read an instance of the package");
	else if (cc != CURLE_OK)
		rc = pdg_err_set(err, PDG_E_NET, "STOW-RS to '%s' failed: %s", url,
				 errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (r.overflow)
		rc = pdg_err_set(err, PDG_E_LIMIT, "the STOW-RS response is too large");
	else
		read_response(v, n, r.buf ? r.buf : "", status);
	curl_slist_free_all(h);
	free(r.buf);
	return rc;
}

enum pdg_code pdg_import_to_stow(const struct pdg_import_opts *o, struct pdg_import_inst *v,
				 size_t n, struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;
	size_t from = 0;
	CURL *c;

	if (!n)
		return PDG_OK;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return pdg_err_set(err, PDG_E_INTERNAL, "cannot initialise libcurl");
	c = curl_easy_init();
	if (!c) {
		curl_global_cleanup();
		return pdg_err_set(err, PDG_E_NOMEM, "cannot initialise libcurl");
	}
	while (!rc && from < n) {
		uint64_t bytes = 0;
		size_t to = from;

		for (; to < n && to - from < STOW_BATCH_FILES; to++) {
			struct stat st;

			if (!stat(v[to].path, &st))
				bytes += (uint64_t)st.st_size;
			if (to > from && bytes > STOW_BATCH_BYTES)
				break;
		}
		rc = post_batch(o, c, v + from, to - from, err);
		from = to;
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}
