/* SPDX-License-Identifier: MIT */
/* Segment uploads: chunks appended at byte offsets to <blobs>/<pkg>/<n>.part, fsynced, hashed. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/home/fsutil.h"
#include "center/server/internal.h"
#include "lib/crypto/sha256.h"
#include "lib/log.h"

#define POS_INVALID UINT64_MAX
/* at most this many uploads write through bounce buffers at once (two of PDG_PART_BLOCK each);
 * the others write through the page cache */
#define PART_BUFS_MAX 32u
#define PART_DIRECT_MIN ((uint64_t)64 << 10)

/* A segment somebody is uploading or reconciling; the SHA-256 state of its first pos bytes. */
struct pdg_segstate {
	struct pdg_segstate *next;
	char pkg[PDG_LEDGER_ID_MAX + 1];
	unsigned idx;
	int busy;
	EVP_MD_CTX *md;
	uint64_t pos;
};

int pdg_blob_dir(const struct pdg_center *c, const char *id, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s", c->blobs, id);

	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int pdg_blob_path(const struct pdg_center *c, const char *id, unsigned n, int part, char *buf,
		  size_t cap)
{
	int k = snprintf(buf, cap, "%s/%s/%u%s", c->blobs, id, n, part ? ".part" : "");

	return k > 0 && (size_t)k < cap ? 0 : -1;
}

void pdg_upload_forget_all(struct pdg_center *c)
{
	while (c->segs) {
		struct pdg_segstate *s = c->segs;

		c->segs = s->next;
		EVP_MD_CTX_free(s->md);
		free(s);
	}
}

/* Lock segment (pkg, idx): its state, or NULL when somebody else holds it (or no memory). */
static struct pdg_segstate *seg_lock(struct pdg_center *c, const char *pkg, unsigned idx)
{
	struct pdg_segstate *s, *idle = NULL;
	size_t count = 0;

	pthread_mutex_lock(&c->seg_mu);
	for (s = c->segs; s; s = s->next) {
		if (s->idx == idx && !strcmp(s->pkg, pkg))
			break;
		if (!s->busy)
			idle = s;
		count++;
	}
	if (s && s->busy) {
		s = NULL;
	} else if (s) {
		s->busy = 1;
	} else if (count >= 256 && idle) {      /* bounded: reuse an idle entry */
		s = idle;
		snprintf(s->pkg, sizeof(s->pkg), "%s", pkg);
		s->idx = idx;
		s->pos = POS_INVALID;
		s->busy = 1;
	} else if ((s = calloc(1, sizeof(*s))) && (s->md = EVP_MD_CTX_new())) {
		snprintf(s->pkg, sizeof(s->pkg), "%s", pkg);
		s->idx = idx;
		s->pos = POS_INVALID;
		s->busy = 1;
		s->next = c->segs;
		c->segs = s;
	} else {
		free(s);
		s = NULL;
	}
	pthread_mutex_unlock(&c->seg_mu);
	return s;
}

/* Unlock; forget the state when the segment is finished (done). */
static void seg_unlock(struct pdg_center *c, struct pdg_segstate *st, int done)
{
	struct pdg_segstate **pp;

	pthread_mutex_lock(&c->seg_mu);
	st->busy = 0;
	if (done) {
		for (pp = &c->segs; *pp; pp = &(*pp)->next)
			if (*pp == st) {
				*pp = st->next;
				EVP_MD_CTX_free(st->md);
				free(st);
				break;
			}
	}
	pthread_mutex_unlock(&c->seg_mu);
}

/* Whether r may write through bounce buffers: at most PART_BUFS_MAX uploads at once. */
static int part_buf_take(struct pdg_req *r)
{
	struct pdg_center *c = r->c;

	pthread_mutex_lock(&c->seg_mu);
	if (c->part_bufs < PART_BUFS_MAX) {
		c->part_bufs++;
		r->part_buf = 1;
	}
	pthread_mutex_unlock(&c->seg_mu);
	return r->part_buf;
}

/* Close r's part file and give its bounce buffer back. */
static void part_close(struct pdg_req *r)
{
	pdg_part_close(&r->part);
	if (r->part_buf) {
		pthread_mutex_lock(&r->c->seg_mu);
		r->c->part_bufs--;
		pthread_mutex_unlock(&r->c->seg_mu);
		r->part_buf = 0;
	}
}

/* st->md := SHA-256 state over the first n bytes of path. */
static int rehash(struct pdg_segstate *st, const char *path, uint64_t n)
{
	static __thread uint8_t buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t left = n;

	st->pos = POS_INVALID;
	if (fd < 0 && !(n == 0 && errno == ENOENT))
		return -1;
	if (EVP_DigestInit_ex(st->md, EVP_sha256(), NULL) != 1)
		goto fail;
	while (left) {
		ssize_t k = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || EVP_DigestUpdate(st->md, buf, (size_t)k) != 1)
			goto fail;
		left -= (uint64_t)k;
	}
	if (fd >= 0)
		close(fd);
	st->pos = n;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* SHA-256 hex of the whole file at path (also its size). */
static int file_hash(const char *path, char hex[65], uint64_t *size)
{
	struct pdg_err err;

	return pdg_sha256_file_hex(path, hex, size, &err) ? -1 : 0;
}

static enum MHD_Result offset_mismatch(struct pdg_req *r, uint64_t have)
{
	char off[24];
	json_t *x = json_pack("{s:I}", "offset", (json_int_t)have);
	struct MHD_Response *resp;
	char *text;

	snprintf(off, sizeof(off), "%llu", (unsigned long long)have);
	text = pdg_json_take_dump(json_pack("{s:{s:s, s:s, s:o}}", "error", "code", "offset_mismatch",
				    "message", "The upload must continue where the service center "
				    "stopped: ask again for the offset.", "offset", x), JSON_COMPACT);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, "Upload-Offset", off);
	MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
	return pdg_req_respond(r, 409, resp);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

enum MHD_Result pdg_upload_begin(struct pdg_req *r, int *go_on)
{
	struct pdg_center *c = r->c;
	struct pdg_ledger_package p;
	struct pdg_ledger_segment s;
	struct pdg_err err;
	const char *ct = pdg_req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	uint64_t off, len;
	size_t cap;
	char dir[PDG_CENTER_PATH_MAX + 32], part[PDG_CENTER_PATH_MAX + 48];
	struct stat sb;

	*go_on = 0;
	if (pdg_ledger_package_get(c->ledger, r->pkg, &p, &err))
		return pdg_reply_ledger(r, &err);
	if (strcmp(p.uploader, r->who.id))
		return pdg_reply_error(r, 403, "forbidden",
				       "This package is being uploaded by another upload station.",
				       NULL);
	if (p.state != PDG_LS_UPLOADING)
		return pdg_reply_error(r, 409, "wrong_state", "This package is already complete.",
				       json_pack("{s:s}", "state", pdg_ledger_state_name(p.state)));
	if (pdg_ledger_segment_get(c->ledger, r->pkg, r->seg, &s, &err))
		return err.code == PDG_E_NOTFOUND
			       ? pdg_reply_error(r, 404, "not_found",
						 "The package has no segment with this number.", NULL)
			       : pdg_reply_ledger(r, &err);
	if (!ct || strcmp(ct, "application/offset+octet-stream"))
		return pdg_reply_error(r, 415, "bad_content_type",
				       "Send segment bytes as application/offset+octet-stream.", NULL);
	if (parse_u64(pdg_req_header(r, "Upload-Offset"), &off))
		return pdg_reply_error(r, 400, "bad_request", "Upload-Offset is missing or invalid.",
				       NULL);
	if (parse_u64(pdg_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH), &len))
		return pdg_reply_error(r, 411, "length_required",
				       "Send each chunk with a Content-Length.", NULL);
	if (len > c->cfg.chunk_max || off > s.size || len > s.size - off)
		return pdg_reply_error(r, 413, "too_large",
				       "The chunk is too large or goes past the end of the segment.",
				       NULL);
	if (s.complete || off != s.received)
		return offset_mismatch(r, s.complete ? s.size : s.received);
	r->up = seg_lock(c, r->pkg, r->seg);
	if (!r->up)
		return pdg_reply_error(r, 409, "segment_busy",
				       "This segment is being uploaded on another connection.", NULL);
	if (pdg_blob_dir(c, r->pkg, dir, sizeof(dir)) ||
	    pdg_blob_path(c, r->pkg, r->seg, 1, part, sizeof(part)))
		goto io;
	if (mkdir(dir, 0700) && errno != EEXIST)
		goto io;
	if (pdg_part_open(&r->part, part) < 0 || fstat(r->part.fd, &sb))
		goto io;
	if ((uint64_t)sb.st_size < off) {
		/* bytes acknowledged earlier are gone (not a crash we survive): start over */
		pdg_log(PDG_LOG_WARN, "package %s segment %u: stored bytes missing, restarting it",
			r->pkg, r->seg);
		if (pdg_ledger_segment_progress(c->ledger, r->pkg, r->seg, 0, NULL, &err))
			goto io;
		pdg_upload_abort(r);
		return offset_mismatch(r, 0);
	}
	if (r->up->pos != off && rehash(r->up, part, off))
		goto io;
	/* O_DIRECT pays for chunks of more than a few blocks */
	cap = len >= PART_DIRECT_MIN && part_buf_take(r) ? pdg_part_cap(off, len) : 0;
	if (pdg_part_start(&r->part, off, cap, r->up->md))
		goto io;
	r->offset = off;
	r->end = off + len;
	*go_on = 1;
	return MHD_YES;
io:
	pdg_log(PDG_LOG_ERR, "package %s segment %u: cannot open its file: %s", r->pkg, r->seg,
		strerror(errno));
	pdg_upload_abort(r);
	return pdg_reply_error(r, 503, "unavailable",
			       "The service center cannot store data right now: try again later.",
			       NULL);
}

void pdg_upload_data(struct pdg_req *r, const char *data, size_t len)
{
	if (r->up_error)
		return;
	errno = 0;
	if (len > r->end - r->offset || pdg_part_write(&r->part, data, len)) {
		r->up_error = errno ? errno : EIO;
		r->up->pos = POS_INVALID;
		return;
	}
	r->offset += len;
	r->up->pos = r->offset;
}

void pdg_upload_abort(struct pdg_req *r)
{
	part_close(r);
	if (r->up) {
		if (!r->done)
			r->up->pos = POS_INVALID;  /* the connection broke mid-chunk */
		seg_unlock(r->c, r->up, 0);
	}
	r->up = NULL;
}

/* SHA-256 over the concatenated complete segments "<n>" of package id. */
static int whole_hash(struct pdg_center *c, const char *id, unsigned nseg, char hex[65])
{
	static __thread uint8_t buf[1 << 16];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t d[32];
	char path[PDG_CENTER_PATH_MAX + 48];
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

	for (unsigned i = 1; ok && i <= nseg; i++) {
		int fd;
		ssize_t k;

		if (pdg_blob_path(c, id, i, 0, path, sizeof(path)) ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			ok = 0;
			break;
		}
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			if (EVP_DigestUpdate(md, buf, (size_t)k) != 1)
				break;
		ok = k == 0;
		close(fd);
	}
	ok = ok && EVP_DigestFinal_ex(md, d, NULL) == 1;
	EVP_MD_CTX_free(md);
	if (ok)
		pdg_sha256_hex(hex, d);
	return ok ? 0 : -1;
}

struct segs {
	struct pdg_ledger_segment s[PDG_LEDGER_SEGMENTS_MAX];
	unsigned n;
};

static int collect(void *ctx, const struct pdg_ledger_segment *s)
{
	struct segs *l = ctx;

	if (l->n < PDG_LEDGER_SEGMENTS_MAX)
		l->s[l->n++] = *s;
	return 0;
}

/* Every segment complete: check the whole ciphertext and move to RECEIVED. 0, 1 mismatch (the
 * package is rejected: REVOKED with the reason in the audit, no upload can ever complete it), -1. */
static int package_complete(struct pdg_center *c, const struct pdg_ledger_package *p,
			    const struct segs *l, struct pdg_err *err)
{
	char hex[65];

	for (unsigned i = 0; i < l->n; i++)
		if (!l->s[i].complete)
			return 0;
	if (l->n == 1)
		snprintf(hex, sizeof(hex), "%s", l->s[0].sha256);
	else if (whole_hash(c, p->id, l->n, hex))
		return pdg_err_sys(err, PDG_E_IO, "cannot read the segments"), -1;
	if (strcmp(hex, p->ciphertext_sha256)) {
		pdg_log(PDG_LOG_WARN, "package %s: the whole ciphertext does not match its manifest: "
			"rejected", p->id);
		if (pdg_ledger_transition(c->ledger, p->id, PDG_LS_UPLOADING, PDG_LS_REVOKED, NULL,
					  "center", "rejected: every segment matches its manifest "
					  "but the whole ciphertext does not", err))
			return err->code == PDG_E_POLICY ? 1 : -1;      /* moved on meanwhile */
		return 1;
	}
	if (pdg_ledger_package_received(c->ledger, p->id, hex, "center", err))
		return err->code == PDG_E_POLICY ? 0 : -1;
	pdg_log(PDG_LOG_INFO, "package %s received (%llu bytes)", p->id,
		(unsigned long long)p->ciphertext_size);
	return 0;
}

/* Segment s (locked) has all its bytes in .part (or in its final file): check and complete it. 0,
 * 1 when the bytes do not match (they are discarded), -1 on failure. */
static int segment_finish(struct pdg_center *c, const char *id, const struct pdg_ledger_segment *s,
			  const char *have_hex, struct pdg_err *err)
{
	char part[PDG_CENTER_PATH_MAX + 48], fin[PDG_CENTER_PATH_MAX + 48], dir[PDG_CENTER_PATH_MAX + 32];
	char hex[65];
	uint64_t size = 0;

	if (pdg_blob_path(c, id, s->index, 1, part, sizeof(part)) ||
	    pdg_blob_path(c, id, s->index, 0, fin, sizeof(fin)) ||
	    pdg_blob_dir(c, id, dir, sizeof(dir)))
		return pdg_err_set(err, PDG_E_LIMIT, "path too long"), -1;
	if (have_hex)
		snprintf(hex, sizeof(hex), "%s", have_hex);
	else if (file_hash(part, hex, &size) || size != s->size)
		hex[0] = '\0';
	if (strcmp(hex, s->sha256)) {
		pdg_log(PDG_LOG_WARN, "package %s segment %u does not match its manifest: discarded",
			id, s->index);
		unlink(part);
		if (pdg_ledger_segment_progress(c->ledger, id, s->index, 0, NULL, err))
			return -1;
		return 1;
	}
	if (rename(part, fin) || pdg_fsync_dir(dir, err))
		return pdg_err_sys(err, PDG_E_IO, "cannot store the segment"), -1;
	if (pdg_ledger_segment_complete(c->ledger, id, s->index, s->size, hex, err))
		return -1;
	return 0;
}

int pdg_upload_reconcile(struct pdg_center *c, const char *id, struct pdg_err *err)
{
	struct pdg_ledger_package p;
	struct segs *l;
	int rc = 0;

	if (pdg_ledger_package_get(c->ledger, id, &p, err))
		return -1;
	if (p.state != PDG_LS_UPLOADING)
		return 0;
	l = calloc(1, sizeof(*l));
	if (!l)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory"), -1;
	if (pdg_ledger_segment_list(c->ledger, id, collect, l, err)) {
		free(l);
		return -1;
	}
	for (unsigned i = 0; i < l->n && !rc; i++) {
		struct pdg_ledger_segment *s = &l->s[i];
		char fin[PDG_CENTER_PATH_MAX + 48], hex[65];
		uint64_t size = 0;
		struct pdg_segstate *st;

		if (s->complete)
			continue;
		st = seg_lock(c, id, s->index);
		if (!st)
			continue;       /* being uploaded right now */
		if (!pdg_blob_path(c, id, s->index, 0, fin, sizeof(fin)) &&
		    !access(fin, F_OK)) {
			/* renamed before a crash, not yet recorded */
			if (!file_hash(fin, hex, &size) && size == s->size && !strcmp(hex, s->sha256)) {
				if (pdg_ledger_segment_complete(c->ledger, id, s->index, size, hex, err))
					rc = -1;
				else
					s->complete = 1;
			} else {
				unlink(fin);
			}
		} else if (s->received == s->size) {
			rc = segment_finish(c, id, s, NULL, err) < 0 ? -1 : 0;
			s->complete = rc == 0 && !access(fin, F_OK);
		}
		seg_unlock(c, st, s->complete);
	}
	if (!rc && package_complete(c, &p, l, err) < 0)
		rc = -1;
	free(l);
	return rc;
}

enum MHD_Result pdg_upload_end(struct pdg_req *r)
{
	struct pdg_center *c = r->c;
	struct pdg_segstate *st = r->up;
	struct pdg_ledger_segment s;
	struct pdg_ledger_package p;
	struct pdg_err err;
	char off[24], hex[65];
	uint8_t d[32];
	int fin, rc;

	if (!st)
		return pdg_reply_error(r, 500, "internal", "The service center failed.", NULL);
	if (r->up_error || r->offset != r->end || pdg_part_sync(&r->part))
		goto io;
	part_close(r);
	if (pdg_ledger_segment_get(c->ledger, r->pkg, r->seg, &s, &err))
		goto ledger;
	fin = r->end == s.size;
	if (pdg_ledger_segment_progress(c->ledger, r->pkg, r->seg, r->end, NULL, &err))
		goto ledger;
	snprintf(off, sizeof(off), "%llu", (unsigned long long)r->end);
	if (!fin) {
		r->done = 1;    /* keep the hash state: it is valid at the new offset */
		seg_unlock(c, st, 0);
		r->up = NULL;
		return pdg_reply_empty(r, 204, "Upload-Offset", off, "Tus-Resumable", "1.0.0",
				       (const char *)NULL);
	}
	if (EVP_DigestFinal_ex(st->md, d, NULL) != 1)
		goto io;
	st->pos = POS_INVALID;
	pdg_sha256_hex(hex, d);
	rc = segment_finish(c, r->pkg, &s, hex, &err);
	r->done = 1;
	seg_unlock(c, st, rc == 0);
	r->up = NULL;
	if (rc < 0)
		goto ledger;
	if (rc > 0)
		return pdg_reply_error(r, 422, "segment_mismatch",
				       "This segment does not match the package's manifest: it was "
				       "discarded, upload it again from the start.",
				       json_pack("{s:i}", "index", (json_int_t)r->seg));
	if (pdg_upload_reconcile(c, r->pkg, &err) ||
	    pdg_ledger_package_get(c->ledger, r->pkg, &p, &err))
		goto ledger;
	if (p.state == PDG_LS_REVOKED)  /* rejected by package_complete just now */
		return pdg_reply_error(r, 422, "ciphertext_mismatch",
				       "Every segment matches, but the whole package does not match "
				       "its manifest: it was rejected and cannot be accepted.",
				       json_pack("{s:s}", "state", "REVOKED"));
	return pdg_reply_empty(r, 204, "Upload-Offset", off, "Tus-Resumable", "1.0.0",
			       "Pdigate-Segment-Complete", "1", "Pdigate-Package-State",
			       pdg_ledger_state_name(p.state), (const char *)NULL);
io:
	pdg_log(PDG_LOG_ERR, "package %s segment %u: cannot store the chunk: %s", r->pkg, r->seg,
		strerror(r->up_error ? r->up_error : errno));
	pdg_upload_abort(r);
	return pdg_reply_error(r, 503, "unavailable",
			       "The service center could not store the data: try again later.",
			       NULL);
ledger:
	pdg_log(PDG_LOG_ERR, "package %s segment %u: %s", r->pkg, r->seg, err.msg);
	pdg_upload_abort(r);
	return pdg_reply_ledger(r, &err);
}
