/* SPDX-License-Identifier: MIT */
/*
 * The clients' side of the service-center API (docs/center-api.md) over libcurl: HTTPS with
 * TLS 1.2+, the center's CA pinned, a client certificate. JSON requests, streamed segment
 * uploads (PATCH from a file range) and downloads (GET with Range, appended to a file).
 * Nothing here logs; messages name the endpoint, never a token or a secret.
 */
#ifndef PDG_CLIENT_HTTPS_H
#define PDG_CLIENT_HTTPS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_HTTPS_BODY_MAX ((size_t)4 << 20) /* JSON and small-file answers */

struct pdg_https_opts {
	const char *base;    /* https://host:port (no trailing /) */
	const char *cacert;  /* the center's CA certificate (PEM) */
	const char *cert;    /* our client certificate (PEM) */
	const char *key;     /* its private key (PEM) */
	unsigned timeout;    /* seconds without progress before giving up (0: 60) */
	uint64_t max_rate;   /* bytes per second up and down, 0 = no limit */
	/* progress of a transfer: bytes done of total (may be NULL) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct pdg_https {
	struct pdg_https_opts o;
	void *curl;          /* CURL * */
};

/* The answer to one request. */
struct pdg_https_resp {
	long status;          /* HTTP status, 0 when no answer came */
	char *body;           /* NUL-terminated (JSON answers), owned; NULL for file downloads */
	size_t len;
	int64_t upload_offset;/* Upload-Offset header, -1 when absent */
	char error_code[48];  /* error.code of a JSON error answer, "" otherwise */
	char error_message[256];
};

/* Set up h (copies the option pointers: they must outlive h). PDG_E_INTERNAL / PDG_E_NOMEM. */
PDG_MUST_CHECK enum pdg_code pdg_https_init(struct pdg_https *h, const struct pdg_https_opts *o,
					    struct pdg_err *err);
void pdg_https_release(struct pdg_https *h);
void pdg_https_resp_release(struct pdg_https_resp *r);

/*
 * method path (relative to base, e.g. "/v1/released") with an optional JSON body (NULL: none),
 * or extra headers (NULL-terminated list, may be NULL). On any HTTP answer returns PDG_OK
 * with r->status set (the caller judges the status); PDG_E_NET when no answer came
 * (connection refused or broken, TLS failure, timeout), with curl's reason in the message.
 */
PDG_MUST_CHECK enum pdg_code pdg_https_request(struct pdg_https *h, const char *method,
					       const char *path, const char *json,
					       const char *const *headers,
					       struct pdg_https_resp *r, struct pdg_err *err);

/* PATCH len bytes of fd starting at offset to path, streamed, with the given headers. */
PDG_MUST_CHECK enum pdg_code pdg_https_patch_fd(struct pdg_https *h, const char *path, int fd,
						uint64_t offset, uint64_t len,
						const char *const *headers,
						struct pdg_https_resp *r, struct pdg_err *err);

/*
 * GET path and append the body to fd, asking for "Range: bytes=<from>-" when from > 0.
 * Only a 200 (from == 0) or a 206 whose Content-Range starts at from is written; other
 * answers are read as JSON into r->body. max bounds the bytes written.
 */
PDG_MUST_CHECK enum pdg_code pdg_https_get_fd(struct pdg_https *h, const char *path, int fd,
					      uint64_t from, uint64_t max,
					      struct pdg_https_resp *r, struct pdg_err *err);

/* "HTTP 409 offset_mismatch: <message>" for a failed answer, into buf. */
const char *pdg_https_describe(const struct pdg_https_resp *r, char *buf, size_t cap);

#endif
