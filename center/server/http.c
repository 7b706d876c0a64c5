/* SPDX-License-Identifier: MIT */
/* Replies of the center's API: JSON bodies, the error object, package status objects. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/server/internal.h"

static enum MHD_Result queue(struct pdg_req *r, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return pdg_req_respond(r, status, resp);
}

enum MHD_Result pdg_req_respond(struct pdg_req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result m;

	if (r->deferred) {
		if (r->resp) {                  /* a second answer fails, as MHD_queue_response does */
			MHD_destroy_response(resp);
			return MHD_NO;
		}
		r->resp = resp;
		r->status = status;
		r->done = 1;
		return MHD_YES;
	}
	m = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->done = 1;
	return m;
}

enum MHD_Result pdg_reply_json(struct pdg_req *r, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	size_t len;

	json_decref(body);
	if (!text)
		return MHD_NO;
	len = strlen(text);
	text[len++] = '\n';     /* json_dumps leaves room: replaces the NUL */
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status >= 400 && r->up == NULL && (status == 401 || status == 413 || status == 411))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(r, status, resp);
}

enum MHD_Result pdg_reply_error(struct pdg_req *r, unsigned status, const char *code,
				const char *message, json_t *extra)
{
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);

	if (e && extra)
		json_object_update(e, extra);
	json_decref(extra);
	return pdg_reply_json(r, status, e ? json_pack("{s:o}", "error", e) : NULL);
}

enum MHD_Result pdg_reply_empty(struct pdg_req *r, unsigned status, ...)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	const char *name;
	va_list ap;

	if (!resp)
		return MHD_NO;
	va_start(ap, status);
	while ((name = va_arg(ap, const char *)))
		MHD_add_response_header(resp, name, va_arg(ap, const char *));
	va_end(ap);
	return queue(r, status, resp);
}

enum MHD_Result pdg_reply_ledger(struct pdg_req *r, const struct pdg_err *err)
{
	if (err->code == PDG_E_NOTFOUND)
		return pdg_reply_error(r, 404, "not_found", "There is no such package.", NULL);
	if (err->code == PDG_E_IO)
		return pdg_reply_error(r, 503, "unavailable",
				       "The service center cannot reach its ledger: try again later.",
				       NULL);
	return pdg_reply_error(r, 500, "internal",
			       "The service center failed; nothing was changed.", NULL);
}

char *pdg_json_take_dump(json_t *j, size_t flags)
{
	char *text = j ? json_dumps(j, flags) : NULL;

	json_decref(j);
	return text;
}

const char *pdg_req_header(struct pdg_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *pdg_req_json(struct pdg_req *r)
{
	json_error_t je;
	json_t *j = r->body ? json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		pdg_reply_error(r, 400, "bad_request", "The request is not a JSON object.", NULL);
		return NULL;
	}
	return j;
}

json_t *pdg_json_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

struct seglist {
	json_t *arr;
	const char *id;
	int receipt;
};

static int seg_json(void *ctx, const struct pdg_ledger_segment *s)
{
	struct seglist *l = ctx;
	char name[40];
	json_t *o;

	snprintf(name, sizeof(name), "%s.%03u", l->id, s->index);
	o = json_pack("{s:i, s:s, s:I, s:s}", "index", (json_int_t)s->index, "name", name, "size",
		      (json_int_t)s->size, "sha256", s->sha256);
	if (o && !l->receipt) {
		json_object_set_new(o, "offset", json_integer((json_int_t)s->received));
		json_object_set_new(o, "complete", json_boolean(s->complete));
	}
	if (!o || json_array_append_new(l->arr, o))
		return 1;
	return 0;
}

json_t *pdg_package_json(struct pdg_center *c, const struct pdg_ledger_package *p, int receipt)
{
	struct seglist l = { .arr = json_array(), .id = p->id, .receipt = receipt };
	json_t *o;
	struct pdg_err err;

	if (!l.arr || pdg_ledger_segment_list(c->ledger, p->id, seg_json, &l, &err)) {
		json_decref(l.arr);
		return NULL;
	}
	o = json_pack("{s:s, s:s, s:s, s:o, s:{s:I, s:s}}", "package_id", p->id, "project",
		      p->project, "state", pdg_ledger_state_name(p->state), "created_at",
		      pdg_json_time(p->created), "ciphertext", "size", (json_int_t)p->ciphertext_size,
		      "sha256", p->ciphertext_sha256);
	if (!o) {
		json_decref(l.arr);
		return NULL;
	}
	json_object_set_new(o, "segments", l.arr);
	if (p->received_at)
		json_object_set_new(o, "received_at", pdg_json_time(p->received_at));
	if (p->released_at) {
		json_object_set_new(o, "released_at", pdg_json_time(p->released_at));
		json_object_set_new(o, "data_center", json_string(p->released_to));
	}
	if (p->downloaded_at)
		json_object_set_new(o, "downloaded_at", pdg_json_time(p->downloaded_at));
	if (p->acknowledged_at)
		json_object_set_new(o, "acknowledged_at", pdg_json_time(p->acknowledged_at));
	return o;
}
