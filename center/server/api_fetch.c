/* SPDX-License-Identifier: MIT */
/* Data-center endpoints (released list, manifest, sealed token, segments with Range, downloaded,
 * ack) and the staff's admin views. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "center/server/internal.h"
#include "lib/log.h"

struct listing {
	struct pdg_center *c;
	json_t *arr;
	enum pdg_ledger_state only;
	int fail;
};

static int add_package(void *ctx, const struct pdg_ledger_package *p)
{
	struct listing *l = ctx;
	json_t *o;

	if (l->only && p->state != l->only)
		return 0;
	o = pdg_package_json(l->c, p, 1);
	if (!o || json_array_append_new(l->arr, o)) {
		l->fail = 1;
		return 1;
	}
	return 0;
}

static const char *query(struct pdg_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

enum MHD_Result pdg_api_released(struct pdg_req *r)
{
	struct listing l = { .c = r->c, .arr = json_array() };
	const char *st = query(r, "state");
	struct pdg_err err;

	if (!l.arr)
		return MHD_NO;
	if (st && !(l.only = pdg_ledger_state_parse(st))) {
		json_decref(l.arr);
		return pdg_reply_error(r, 400, "bad_request", "Unknown state.", NULL);
	}
	if (pdg_ledger_released_list(r->c->ledger, r->who.id, add_package, &l, &err) || l.fail) {
		json_decref(l.arr);
		return pdg_reply_ledger(r, &err);
	}
	return pdg_reply_json(r, 200, json_pack("{s:o}", "packages", l.arr));
}

/* The package if released to the calling data center (and not purged); else a reply queued. */
static int released_to_caller(struct pdg_req *r, struct pdg_ledger_package *p)
{
	struct pdg_err err;

	if (pdg_ledger_package_get(r->c->ledger, r->pkg, p, &err)) {
		pdg_reply_ledger(r, &err);
		return 0;
	}
	if (strcmp(p->released_to, r->who.id) ||
	    (p->state != PDG_LS_RELEASED && p->state != PDG_LS_DOWNLOADED &&
	     p->state != PDG_LS_ACKNOWLEDGED)) {
		pdg_reply_error(r, 404, "not_found", "There is no such package.", NULL);
		return 0;
	}
	return 1;
}

enum MHD_Result pdg_api_blob(struct pdg_req *r, enum pdg_ledger_blob which)
{
	struct pdg_ledger_package p;
	struct pdg_err err;
	uint8_t *b = NULL;
	size_t len = 0;
	struct MHD_Response *resp;

	if (!released_to_caller(r, &p))
		return MHD_YES;
	if (pdg_ledger_package_blob(r->c->ledger, p.id, which, &b, &len, &err))
		return pdg_reply_ledger(r, &err);
	resp = MHD_create_response_from_buffer(len, b, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return pdg_req_respond(r, 200, resp);
}

/* Parse "bytes=a-b" / "bytes=a-" / "bytes=-n" against size into [*from, *to]. 0 ok, -1 bad. */
static int parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
	char *end;
	unsigned long long a, b;

	if (strncmp(h, "bytes=", 6) || strchr(h, ','))
		return -1;
	h += 6;
	if (*h == '-') {
		b = strtoull(h + 1, &end, 10);
		if (end == h + 1 || *end || !b || !size)
			return -1;
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return 0;
	}
	if (*h < '0' || *h > '9')
		return -1;
	a = strtoull(h, &end, 10);
	if (*end != '-')
		return -1;
	h = end + 1;
	if (!*h) {
		b = size ? size - 1 : 0;
	} else {
		b = strtoull(h, &end, 10);
		if (*end || b < a)
			return -1;
		if (b >= size)
			b = size - 1;
	}
	if (a >= size)
		return -1;
	*from = a;
	*to = b;
	return 0;
}

/* A segment being sent: pread from its file in large blocks (MHD's fd responses use 4 KiB). */
struct sender {
	int fd;
	uint64_t from;
};

static ssize_t send_block(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sender *s = cls;
	ssize_t n;

	do
		n = pread(s->fd, buf, max, (off_t)(s->from + pos));
	while (n < 0 && errno == EINTR);
	return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void send_done(void *cls)
{
	struct sender *s = cls;

	close(s->fd);
	free(s);
}

enum MHD_Result pdg_api_segment_get(struct pdg_req *r)
{
	struct sender *snd;
	struct pdg_ledger_package p;
	struct pdg_ledger_segment s;
	struct pdg_err err;
	const char *range = pdg_req_header(r, MHD_HTTP_HEADER_RANGE);
	char path[PDG_CENTER_PATH_MAX + 48], etag[70], cr[80];
	uint64_t from = 0, to;
	struct MHD_Response *resp;
	struct stat sb;
	int fd;

	if (!released_to_caller(r, &p))
		return MHD_YES;
	if (pdg_ledger_segment_get(r->c->ledger, p.id, r->seg, &s, &err))
		return pdg_reply_ledger(r, &err);
	to = s.size - 1;
	if (range && parse_range(range, s.size, &from, &to)) {
		snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)s.size);
		return pdg_reply_error(r, 416, "bad_range", "The requested range is not in the segment.",
				       json_pack("{s:s}", "content_range", cr));
	}
	if (pdg_blob_path(r->c, p.id, r->seg, 0, path, sizeof(path)) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto io;
	if (fstat(fd, &sb) || (uint64_t)sb.st_size != s.size) {
		close(fd);
		goto io;
	}
	/* read ahead in bigger steps when the segment is not (all) in the page cache */
	(void)posix_fadvise(fd, (off_t)from, (off_t)(to - from + 1), POSIX_FADV_SEQUENTIAL);
	snd = malloc(sizeof(*snd));
	if (!snd) {
		close(fd);
		return MHD_NO;
	}
	snd->fd = fd;
	snd->from = from;
	resp = MHD_create_response_from_callback(to - from + 1, 256 * 1024, send_block, snd,
						 send_done);
	if (!resp) {
		send_done(snd);
		return MHD_NO;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", s.sha256);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	if (range) {
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)from,
			 (unsigned long long)to, (unsigned long long)s.size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	return pdg_req_respond(r, range ? 206 : 200, resp);
io:
	pdg_log(PDG_LOG_ERR, "package %s segment %u: stored file missing or damaged", p.id, r->seg);
	return pdg_reply_error(r, 500, "internal",
			       "The service center cannot read this segment.", NULL);
}

enum MHD_Result pdg_api_transition(struct pdg_req *r, enum pdg_ledger_state to)
{
	struct pdg_ledger_package p;
	struct pdg_err err;
	json_t *j = NULL;
	char detail[64] = "";

	if (!released_to_caller(r, &p))
		return MHD_YES;
	if (r->body_len) {
		json_t *n;

		if (!(j = pdg_req_json(r)))
			return MHD_YES;
		n = json_object_get(j, "instances");
		if (json_is_integer(n))
			snprintf(detail, sizeof(detail), "instances=%lld",
				 (long long)json_integer_value(n));
		json_decref(j);
	}
	if (p.state == to || (to == PDG_LS_DOWNLOADED && p.state == PDG_LS_ACKNOWLEDGED))
		return pdg_reply_json(r, 200, pdg_package_json(r->c, &p, 0));
	if (to == PDG_LS_ACKNOWLEDGED && p.state == PDG_LS_RELEASED &&
	    pdg_ledger_transition(r->c->ledger, p.id, PDG_LS_RELEASED, PDG_LS_DOWNLOADED, r->who.id,
				  r->who.actor, NULL, &err) && err.code != PDG_E_POLICY)
		return pdg_reply_ledger(r, &err);
	if (pdg_ledger_transition(r->c->ledger, p.id, to == PDG_LS_ACKNOWLEDGED ? PDG_LS_DOWNLOADED
										 : PDG_LS_RELEASED,
				  to, r->who.id, r->who.actor, detail[0] ? detail : NULL, &err)) {
		if (pdg_ledger_package_get(r->c->ledger, p.id, &p, &err))
			return pdg_reply_ledger(r, &err);
		if (p.state == to)
			return pdg_reply_json(r, 200, pdg_package_json(r->c, &p, 0));
		return pdg_reply_error(r, 409, "wrong_state", "The package is not in a state for this.",
				       json_pack("{s:s}", "state", pdg_ledger_state_name(p.state)));
	}
	if (pdg_ledger_package_get(r->c->ledger, p.id, &p, &err))
		return pdg_reply_ledger(r, &err);
	pdg_log(PDG_LOG_INFO, "package %s %s by %s", p.id, pdg_ledger_state_name(to), r->who.id);
	return pdg_reply_json(r, 200, pdg_package_json(r->c, &p, 0));
}

static int add_admin(void *ctx, const struct pdg_ledger_package *p)
{
	struct listing *l = ctx;
	json_t *o = pdg_package_json(l->c, p, 1);

	if (!o) {
		l->fail = 1;
		return 1;
	}
	json_object_set_new(o, "uploader", json_string(p->uploader));
	json_object_set_new(o, "appliance", json_string(p->appliance));
	json_object_set_new(o, "created_at", pdg_json_time(p->created));
	if (json_array_append_new(l->arr, o)) {
		l->fail = 1;
		return 1;
	}
	return 0;
}

enum MHD_Result pdg_api_admin_packages(struct pdg_req *r)
{
	struct listing l = { .c = r->c, .arr = json_array() };
	struct pdg_ledger_filter f = { .limit = 1000 };
	const char *st = query(r, "state");
	struct pdg_err err;

	if (!l.arr)
		return MHD_NO;
	if (st && !(f.state = pdg_ledger_state_parse(st))) {
		json_decref(l.arr);
		return pdg_reply_error(r, 400, "bad_request", "Unknown state.", NULL);
	}
	if (pdg_ledger_package_list(r->c->ledger, &f, add_admin, &l, &err) || l.fail) {
		json_decref(l.arr);
		return pdg_reply_ledger(r, &err);
	}
	return pdg_reply_json(r, 200, json_pack("{s:o}", "packages", l.arr));
}

struct audit_list {
	json_t *arr;
	unsigned left;
};

static int add_audit(void *ctx, const struct pdg_ledger_audit_row *a)
{
	struct audit_list *l = ctx;
	json_t *o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)a->seq,
			      "at", pdg_json_time(a->time), "event", a->event, "package_id",
			      a->package_id, "from", a->from_state, "to", a->to_state, "outcome",
			      a->outcome, "principal", a->actor);

	if (!o || json_array_append_new(l->arr, o))
		return 1;
	return --l->left == 0;
}

enum MHD_Result pdg_api_admin_audit(struct pdg_req *r)
{
	struct audit_list l = { .arr = json_array(), .left = 1000 };
	const char *pkg = query(r, "package"), *lim = query(r, "limit"), *from = query(r, "from");
	struct pdg_err err;

	if (!l.arr)
		return MHD_NO;
	if (lim) {
		char *end;
		unsigned long v = strtoul(lim, &end, 10);

		if (*end || !v)
			goto bad;
		l.left = v > 100000 ? 100000 : (unsigned)v;
	}
	if (pkg && strlen(pkg) > PDG_LEDGER_ID_MAX)
		goto bad;
	if (pdg_ledger_audit_list(r->c->ledger, from ? strtoll(from, NULL, 10) : 1, pkg, add_audit,
				  &l, &err)) {
		json_decref(l.arr);
		return pdg_reply_ledger(r, &err);
	}
	return pdg_reply_json(r, 200, json_pack("{s:o}", "records", l.arr));
bad:
	json_decref(l.arr);
	return pdg_reply_error(r, 400, "bad_request", "Bad query.", NULL);
}
