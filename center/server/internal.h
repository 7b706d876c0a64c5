/* SPDX-License-Identifier: MIT */
/* Shared between the center server's files: the server state, one request, reply helpers. */
#ifndef PDG_CENTER_INTERNAL_H
#define PDG_CENTER_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>

#include "center/ledger/ledger.h"
#include "center/server/config.h"
#include "center/server/partfile.h"
#include "center/server/ratelimit.h"
#include "center/server/session.h"
#include "lib/err.h"

struct pdg_segstate;

struct pdg_center {
	struct pdg_center_config cfg;
	struct pdg_ledger *ledger;
	struct MHD_Daemon *mhd;
	struct pdg_sessions *sessions;
	struct pdg_ratelimit *rl_client;        /* redeem and login attempts per client */
	struct pdg_ratelimit *rl_package;       /* failed redeems per package id */
	char blobs[PDG_CENTER_PATH_MAX];        /* <state>/blobs */
	char *tls_cert, *tls_key, *tls_ca;      /* PEM texts (MHD keeps pointers) */
	pthread_mutex_t seg_mu;                 /* guards segs */
	struct pdg_segstate *segs;              /* segments being uploaded */
	unsigned part_bufs;                     /* bounce buffers of uploads (seg_mu) */
	/* workers: complete requests are answered off the HTTP threads, first come first served,
	 * so a request waiting for the ledger (or an fsync) holds up no other connection */
	pthread_mutex_t wk_mu;                  /* guards the queue and wk_stop */
	pthread_cond_t wk_cv;
	struct pdg_req *wk_head, **wk_tail;
	int wk_stop;
	unsigned nworkers;                      /* started */
	pthread_t *workers;
};

enum pdg_principal_kind {
	PDG_PR_NONE = 0,
	PDG_PR_STATION,
	PDG_PR_DATACENTER,
	PDG_PR_STAFF,
};

/* Who is calling, resolved once per connection (certificate) or per request (session). */
struct pdg_principal {
	enum pdg_principal_kind kind;
	char id[PDG_LEDGER_ID_MAX + 1];         /* client id or staff login */
	char actor[PDG_LEDGER_ID_MAX + 16];     /* for the audit: "station:x", "staff:y"... */
	/* certificate state: 0 none, 1 trusted+registered, -1..-3 the 401 codes */
	int cert;
};

/* One request, from its headers to its completion. */
struct pdg_req {
	struct pdg_center *c;
	struct MHD_Connection *conn;
	const char *method;
	char route[48];                         /* the matched endpoint, e.g. "segment" */
	char pkg[PDG_LEDGER_ID_MAX + 1];        /* validated package id from the path, or "" */
	unsigned seg;                           /* segment number from the path, or 0 */
	struct pdg_principal who;
	char peer[64];                          /* client address, for the audit */
	/* a JSON body, read whole up to a bound */
	char *body;
	size_t body_len, body_max;
	int too_large;
	/* a segment upload in progress (PATCH) */
	struct pdg_segstate *up;
	struct pdg_part part;                   /* <n>.part; part.fd -1 when closed */
	int part_buf;                           /* holds one of c->part_bufs */
	uint64_t offset, end;
	int up_error;                           /* an error while writing: 500/503 at the end */
	int done;                               /* a response has been queued */
	/* answered by a worker while the connection is suspended (server.c) */
	struct pdg_req *next;                   /* in the workers' queue */
	int deferred;                           /* replies go into resp/status, not to MHD */
	int answered;                           /* the worker is done: queue resp on resume */
	enum MHD_Result result;                 /* what the endpoint returned */
	struct MHD_Response *resp;
	unsigned status;
};

/* ---- replies (http.c) ---- */

/*
 * Answer r with resp (takes it) and status: queued at once on the HTTP thread, or kept in r for the
 * HTTP thread when a worker answers (r->deferred). MHD_YES/NO as MHD wants; sets r->done.
 */
enum MHD_Result pdg_req_respond(struct pdg_req *r, unsigned status, struct MHD_Response *resp);

/* Queue a JSON response (takes the reference of body) with status. MHD_YES/NO as MHD wants. */
enum MHD_Result pdg_reply_json(struct pdg_req *r, unsigned status, json_t *body);

/*
 * Queue {"error": {"code", "message", extra members...}}; extra (may be NULL) is a JSON object
 * whose members are added (its reference is taken). close: ask to close the connection.
 */
enum MHD_Result pdg_reply_error(struct pdg_req *r, unsigned status, const char *code,
				const char *message, json_t *extra);

/* Queue an empty response with status, plus header name: value pairs (NULL-terminated list). */
enum MHD_Result pdg_reply_empty(struct pdg_req *r, unsigned status, ...);

/* The error reply for a ledger failure code (NOTFOUND 404, IO 503, else 500). */
enum MHD_Result pdg_reply_ledger(struct pdg_req *r, const struct pdg_err *err);

/* json_dumps(j, flags) then json_decref(j): a malloc'd text (caller frees) or NULL. */
char *pdg_json_take_dump(json_t *j, size_t flags);

/* A request header's value, or NULL. */
const char *pdg_req_header(struct pdg_req *r, const char *name);

/* Parse the JSON body as an object; NULL (and a 400 queued) when it is not one. */
json_t *pdg_req_json(struct pdg_req *r);

/* "YYYY-MM-DDThh:mm:ssZ" of t, or JSON null for 0. */
json_t *pdg_json_time(int64_t t);

/* The status object of docs/center-api.md for package p (with its segments). NULL on failure. */
json_t *pdg_package_json(struct pdg_center *c, const struct pdg_ledger_package *p, int receipt);

/* ---- endpoints (api_*.c), each called once the request is complete ---- */
enum MHD_Result pdg_api_package_post(struct pdg_req *r);
enum MHD_Result pdg_api_package_get(struct pdg_req *r);
enum MHD_Result pdg_api_receipt(struct pdg_req *r);
enum MHD_Result pdg_api_segment_head(struct pdg_req *r);
enum MHD_Result pdg_api_redeem(struct pdg_req *r);
enum MHD_Result pdg_api_login(struct pdg_req *r);
enum MHD_Result pdg_api_logout(struct pdg_req *r);
enum MHD_Result pdg_api_released(struct pdg_req *r);
enum MHD_Result pdg_api_blob(struct pdg_req *r, enum pdg_ledger_blob which);
enum MHD_Result pdg_api_segment_get(struct pdg_req *r);
enum MHD_Result pdg_api_transition(struct pdg_req *r, enum pdg_ledger_state to);
enum MHD_Result pdg_api_admin_packages(struct pdg_req *r);
enum MHD_Result pdg_api_admin_audit(struct pdg_req *r);

/* ---- segment uploads (upload.c) ---- */

/* First call of a PATCH: check everything, lock the segment, open the part file. 0 to go on,
 * else a response has been queued. */
enum MHD_Result pdg_upload_begin(struct pdg_req *r, int *go_on);
/* Body bytes of a PATCH. */
void pdg_upload_data(struct pdg_req *r, const char *data, size_t len);
/* Last call of a PATCH: fsync, record, maybe complete the segment and the package. */
enum MHD_Result pdg_upload_end(struct pdg_req *r);
/* The request ended (completed or aborted): unlock and close. */
void pdg_upload_abort(struct pdg_req *r);

/*
 * Bring segment index of package id in line with the files after a crash: a complete file whose
 * hash matches is marked complete, and when every segment is complete the package is checked
 * and moved to RECEIVED. 0, or -1 with err set.
 */
int pdg_upload_reconcile(struct pdg_center *c, const char *id, struct pdg_err *err);

/* Free the upload states (at shutdown, when no request runs any more). */
void pdg_upload_forget_all(struct pdg_center *c);

/* "<blobs>/<id>" and "<blobs>/<id>/<n>[.part]" into buf. 0, or -1 when too long. */
int pdg_blob_dir(const struct pdg_center *c, const char *id, char *buf, size_t cap);
int pdg_blob_path(const struct pdg_center *c, const char *id, unsigned n, int part, char *buf,
		  size_t cap);

#endif
