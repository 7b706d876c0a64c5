/* SPDX-License-Identifier: MIT */
/* The upload station's transfer: announce, PATCH what the center lacks, resume, receipt. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "center/upload/upload.h"
#include "lib/crypto/base64.h"

struct seg_state {
	uint64_t offset;
	int complete;
};

static enum pdg_code center_refused(struct pdg_upload_pkg *p, const struct pdg_https_resp *r,
				    const char *what, struct pdg_err *err)
{
	char d[400];

	p->failure = PDG_UPLOAD_FAIL_CENTER;
	return pdg_err_set(err, PDG_E_POLICY, "package %s: the center refused %s: %s", p->id, what,
			   pdg_https_describe(r, d, sizeof(d)));
}

static char *b64(const char *buf, size_t len)
{
	char *out = malloc(pdg_b64_encoded_len(len, true) + 1);

	if (out)
		pdg_b64_encode(out, (const uint8_t *)buf, len, true);
	return out;
}

/* Read the status object's state and per-segment offsets. */
static enum pdg_code read_status(struct pdg_upload_pkg *p, const char *body, char state[24],
				 struct seg_state *seg, struct pdg_err *err)
{
	json_error_t je;
	json_t *root = json_loads(body ? body : "", 0, &je), *segs, *s;
	size_t i;
	enum pdg_code rc = PDG_OK;

	if (!json_is_object(root)) {
		json_decref(root);
		return pdg_err_set(err, PDG_E_NET, "package %s: the center's status is not JSON",
				   p->id);
	}
	snprintf(state, 24, "%s", json_string_value(json_object_get(root, "state")) ?
					  json_string_value(json_object_get(root, "state")) : "");
	segs = json_object_get(root, "segments");
	json_array_foreach(segs, i, s) {
		json_int_t idx = json_integer_value(json_object_get(s, "index"));
		json_int_t off = json_integer_value(json_object_get(s, "offset"));

		if (idx < 1 || (size_t)idx > p->m.nsegments || off < 0 ||
		    (uint64_t)off > p->m.segments[idx - 1].size) {
			rc = pdg_err_set(err, PDG_E_NET, "package %s: the center's status is out of "
					 "range", p->id);
			break;
		}
		seg[idx - 1].offset = (uint64_t)off;
		seg[idx - 1].complete = json_is_true(json_object_get(s, "complete"));
	}
	json_decref(root);
	return rc;
}

static enum pdg_code announce(struct pdg_https *h, struct pdg_upload_pkg *p, char state[24],
			      struct seg_state *seg, struct pdg_err *err)
{
	struct pdg_https_resp r = { 0 };
	char *man = b64(p->man, p->man_len), *sig = b64(p->sig, p->sig_len), *body = NULL;
	json_t *req = NULL;
	enum pdg_code rc;

	if (man && sig && (req = json_pack("{s:s, s:s}", "manifest", man, "signature", sig)))
		body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	free(man);
	free(sig);
	if (!body)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	rc = pdg_https_request(h, "POST", "/v1/packages", body, NULL, &r, err);
	free(body);
	if (!rc && r.status != 200 && r.status != 201)
		rc = r.status >= 500 ? pdg_err_set(err, PDG_E_NET, "package %s: the center "
						   "failed (HTTP %ld)", p->id, r.status) :
				       center_refused(p, &r, "the package", err);
	if (!rc)
		rc = read_status(p, r.body, state, seg, err);
	pdg_https_resp_release(&r);
	return rc;
}

/* HEAD: the center's durable offset of segment n (after a broken transfer). */
static enum pdg_code head_offset(struct pdg_https *h, struct pdg_upload_pkg *p, size_t n,
				 uint64_t *off, struct pdg_err *err)
{
	struct pdg_https_resp r = { 0 };
	char path[96];
	enum pdg_code rc;

	snprintf(path, sizeof(path), "/v1/packages/%s/segments/%zu", p->id, n + 1);
	rc = pdg_https_request(h, "HEAD", path, NULL, NULL, &r, err);
	if (!rc && (r.status / 100 != 2 || r.upload_offset < 0 ||
		    (uint64_t)r.upload_offset > p->m.segments[n].size))
		rc = center_refused(p, &r, "to say how much of a segment it holds", err);
	if (!rc)
		*off = (uint64_t)r.upload_offset;
	pdg_https_resp_release(&r);
	return rc;
}

/* Progress of one PATCH, reported as progress through the whole segment. */
struct seg_progress {
	void (*fn)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	uint64_t base, size;
};

static void on_chunk_progress(void *arg, uint64_t done, uint64_t total)
{
	struct seg_progress *p = arg;

	(void)total;
	p->fn(p->ctx, p->base + done, p->size);
}

/*
 * Send segment n from *off to its end, chunk by chunk. A broken connection returns PDG_E_NET
 * (the caller resumes from the center's offset); the center's answers are followed.
 */
static enum pdg_code send_segment(struct pdg_https *h, struct pdg_upload_pkg *p, size_t n,
				  uint64_t chunk, uint64_t *off, struct pdg_err *err)
{
	const struct pdg_medium_segment *s = &p->m.segments[n];
	char path[4200], url[96], hoff[64];
	const char *hdr[] = { hoff, "Content-Type: application/offset+octet-stream",
			      "Tus-Resumable: 1.0.0", NULL };
	struct pdg_https_opts saved = h->o;
	struct seg_progress sp = { .fn = h->o.progress, .ctx = h->o.progress_ctx,
				   .size = s->size };
	enum pdg_code rc = PDG_OK;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", p->dir, s->name);
	snprintf(url, sizeof(url), "/v1/packages/%s/segments/%zu", p->id, n + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	while (!rc && *off < s->size) {
		struct pdg_https_resp r = { 0 };
		uint64_t len = s->size - *off;

		if (len > chunk)
			len = chunk;
		snprintf(hoff, sizeof(hoff), "Upload-Offset: %" PRIu64, *off);
		if (sp.fn) {
			sp.base = *off;
			h->o.progress = on_chunk_progress;
			h->o.progress_ctx = &sp;
		}
		rc = pdg_https_patch_fd(h, url, fd, *off, len, hdr, &r, err);
		h->o = saved;
		if (rc) {
			pdg_https_resp_release(&r);
			break;
		}
		if (r.status == 204 || r.status == 200) {
			*off = r.upload_offset >= 0 ? (uint64_t)r.upload_offset : *off + len;
		} else if (r.status == 409 && !strcmp(r.error_code, "offset_mismatch") &&
			   r.upload_offset >= 0 && (uint64_t)r.upload_offset <= s->size) {
			*off = (uint64_t)r.upload_offset; /* the center holds more or less: follow it */
		} else if (r.status == 409 && !strcmp(r.error_code, "segment_busy")) {
			rc = pdg_err_set(err, PDG_E_NET, "segment '%s' is being uploaded by another "
					 "transfer", s->name);
		} else if (r.status >= 500) {
			rc = pdg_err_set(err, PDG_E_NET, "the center failed (HTTP %ld)", r.status);
		} else {
			rc = center_refused(p, &r, s->name, err);
		}
		pdg_https_resp_release(&r);
	}
	close(fd);
	return rc;
}

static int str_eq(json_t *o, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && !strcmp(v, want);
}

/* GET the receipt and compare everything with the medium. */
static enum pdg_code receipt(struct pdg_https *h, struct pdg_upload_pkg *p,
			     struct pdg_upload_receipt *rc_out, struct pdg_err *err)
{
	struct pdg_https_resp r = { 0 };
	json_error_t je;
	json_t *root = NULL, *c, *segs;
	char path[96];
	enum pdg_code rc;
	int ok;

	snprintf(path, sizeof(path), "/v1/packages/%s/receipt", p->id);
	rc = pdg_https_request(h, "GET", path, NULL, NULL, &r, err);
	if (!rc && r.status != 200)
		rc = center_refused(p, &r, "the receipt", err);
	if (!rc)
		root = json_loads(r.body ? r.body : "", 0, &je);
	pdg_https_resp_release(&r);
	if (rc)
		return rc;
	c = json_object_get(root, "ciphertext");
	segs = json_object_get(root, "segments");
	ok = str_eq(root, "package_id", p->id) && str_eq(root, "manifest_sha256", p->man_sha256) &&
	     str_eq(root, "signature_sha256", p->sig_sha256) &&
	     str_eq(c, "sha256", p->m.ciphertext_sha256) &&
	     json_integer_value(json_object_get(c, "size")) == (json_int_t)p->m.ciphertext_size &&
	     json_array_size(segs) == p->m.nsegments;
	for (size_t i = 0; ok && i < p->m.nsegments; i++) {
		json_t *s = json_array_get(segs, i);

		ok = str_eq(s, "sha256", p->m.segments[i].sha256) &&
		     json_integer_value(json_object_get(s, "size")) ==
			     (json_int_t)p->m.segments[i].size;
	}
	if (ok) {
		*rc_out = (struct pdg_upload_receipt){ .size = p->m.ciphertext_size,
						       .nsegments = p->m.nsegments };
		snprintf(rc_out->state, sizeof(rc_out->state), "%s",
			 json_string_value(json_object_get(root, "state")));
		snprintf(rc_out->received_at, sizeof(rc_out->received_at), "%s",
			 json_string_value(json_object_get(root, "received_at")) ?
				 json_string_value(json_object_get(root, "received_at")) : "");
		snprintf(rc_out->ciphertext_sha256, sizeof(rc_out->ciphertext_sha256), "%s",
			 json_string_value(json_object_get(c, "sha256")));
	}
	json_decref(root);
	if (!ok) {
		p->failure = PDG_UPLOAD_FAIL_CENTER;
		return pdg_err_set(err, PDG_E_CRYPTO, "package %s: the center's receipt does not "
				   "match the medium (hashes or sizes differ)", p->id);
	}
	return PDG_OK;
}

static void pause_s(unsigned s)
{
	struct timespec ts = { .tv_sec = s };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

enum pdg_code pdg_upload_send(struct pdg_https *h, struct pdg_upload_pkg *p, unsigned retries,
			      uint64_t chunk, struct pdg_upload_receipt *rcpt, struct pdg_err *err)
{
	struct seg_state *seg = calloc(p->m.nsegments ? p->m.nsegments : 1, sizeof(*seg));
	char state[24] = "";
	enum pdg_code rc;
	unsigned tries = 0;

	if (!seg)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	p->failure = PDG_UPLOAD_FAIL_OTHER;
	for (;;) {
		rc = announce(h, p, state, seg, err);
		for (size_t i = 0; !rc && !strcmp(state, "UPLOADING") && i < p->m.nsegments; i++) {
			if (seg[i].complete)
				continue;
			if (tries)
				rc = head_offset(h, p, i, &seg[i].offset, err);
			if (!rc)
				rc = send_segment(h, p, i, chunk ? chunk : PDG_UPLOAD_CHUNK,
						  &seg[i].offset, err);
		}
		if (rc != PDG_E_NET || p->failure == PDG_UPLOAD_FAIL_CENTER || tries >= retries)
			break;
		tries++;
		pause_s(tries < 4 ? 1u << (tries - 1) : 8);
	}
	free(seg);
	if (rc)
		return rc;
	rc = receipt(h, p, rcpt, err);
	if (!rc)
		p->failure = PDG_UPLOAD_OK;
	return rc;
}
