/* SPDX-License-Identifier: MIT */
/* libcurl glue for the service-center API: TLS with a pinned CA and a client certificate. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "center/client/https.h"
#include "lib/fdio.h"

struct xfer {
	struct pdg_https *h;
	struct pdg_https_resp *r;
	/* upload from a file */
	int in_fd;
	uint64_t in_off, in_left, in_total;
	/* download into a file */
	int out_fd;
	uint64_t out_from, out_max, out_written;
	int out_ok;           /* the status and range allow writing the body */
	int write_failed, too_big;
	long status_seen;
};

enum pdg_code pdg_https_init(struct pdg_https *h, const struct pdg_https_opts *o,
			     struct pdg_err *err)
{
	*h = (struct pdg_https){ .o = *o };
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return pdg_err_set(err, PDG_E_INTERNAL, "cannot initialise libcurl");
	h->curl = curl_easy_init();
	if (!h->curl) {
		curl_global_cleanup();
		return pdg_err_set(err, PDG_E_NOMEM, "cannot initialise libcurl");
	}
	return PDG_OK;
}

void pdg_https_release(struct pdg_https *h)
{
	if (h->curl) {
		curl_easy_cleanup(h->curl);
		curl_global_cleanup();
	}
	h->curl = NULL;
}

void pdg_https_resp_release(struct pdg_https_resp *r)
{
	free(r->body);
	*r = (struct pdg_https_resp){ .upload_offset = -1 };
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	char line[256];

	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (!strncmp(line, "HTTP/", 5)) { /* a new response (after 100 Continue): start over */
		x->r->upload_offset = -1;
		x->status_seen = strtol(strchr(line, ' ') ? strchr(line, ' ') + 1 : "0", NULL, 10);
		x->out_ok = x->status_seen == 200 && x->out_from == 0;
	} else if (!strncasecmp(line, "Upload-Offset:", 14)) {
		char *end;
		long long v = strtoll(line + 14, &end, 10);

		if (v >= 0 && end != line + 14)
			x->r->upload_offset = v;
	} else if (!strncasecmp(line, "Content-Range:", 14) && x->status_seen == 206) {
		unsigned long long a;
		char *s = strstr(line, "bytes "), *end;

		if (s) {
			a = strtoull(s + 6, &end, 10);
			x->out_ok = end != s + 6 && *end == '-' && a == x->out_from;
		}
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (x->out_fd >= 0 && x->out_ok) {
		if (x->out_written + len > x->out_max) {
			x->too_big = 1;
			return 0;
		}
		if (pdg_write_full(x->out_fd, p, len)) {
			x->write_failed = errno ? errno : EIO;
			return 0;
		}
		x->out_written += len;
		if (x->h->o.progress)
			x->h->o.progress(x->h->o.progress_ctx, x->out_from + x->out_written,
					 x->out_from + x->out_max);
		return len;
	}
	if (x->r->len + len > PDG_HTTPS_BODY_MAX) {
		x->too_big = 1;
		return 0;
	}
	{
		char *nb = realloc(x->r->body, x->r->len + len + 1);

		if (!nb)
			return 0;
		memcpy(nb + x->r->len, p, len);
		x->r->body = nb;
		x->r->len += len;
		nb[x->r->len] = '\0';
	}
	return len;
}

static size_t on_read(char *out, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t cap = size * n;
	ssize_t got;

	if (!x->in_left)
		return 0;
	if (cap > x->in_left)
		cap = (size_t)x->in_left;
	do
		got = pread(x->in_fd, out, cap, (off_t)x->in_off);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	x->in_off += (uint64_t)got;
	x->in_left -= (uint64_t)got;
	if (x->h->o.progress)
		x->h->o.progress(x->h->o.progress_ctx, x->in_total - x->in_left, x->in_total);
	return (size_t)got;
}

/* error.code / error.message of a JSON error answer. */
static void parse_error(struct pdg_https_resp *r)
{
	json_error_t je;
	json_t *root, *e;

	if (r->status < 400 || !r->body)
		return;
	root = json_loads(r->body, 0, &je);
	e = json_object_get(root, "error");
	snprintf(r->error_code, sizeof(r->error_code), "%s",
		 json_string_value(json_object_get(e, "code")) ?
			 json_string_value(json_object_get(e, "code")) : "");
	snprintf(r->error_message, sizeof(r->error_message), "%s",
		 json_string_value(json_object_get(e, "message")) ?
			 json_string_value(json_object_get(e, "message")) : "");
	json_decref(root);
}

static enum pdg_code perform(struct pdg_https *h, const char *method, const char *path,
			     struct curl_slist *hdr, const char *json, struct xfer *x,
			     struct pdg_err *err)
{
	CURL *c = h->curl;
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	long timeout = h->o.timeout ? (long)h->o.timeout : 60;
	CURLcode cc;

	if (snprintf(url, sizeof(url), "%s%s", h->o.base, path) >= (int)sizeof(url))
		return pdg_err_set(err, PDG_E_LIMIT, "the center URL is too long");
	*x->r = (struct pdg_https_resp){ .upload_offset = -1 };
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
	if (h->o.max_rate) {
		curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)h->o.max_rate);
		curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)h->o.max_rate);
	}
	if (h->o.cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->o.cacert);
	if (h->o.cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->o.cert);
	if (h->o.key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->o.key);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (json) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
	}
	if (x->in_fd >= 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->in_left);
	}
	if (x->out_fd >= 0 && x->out_from) {
		char range[48];

		snprintf(range, sizeof(range), "%" PRIu64 "-", x->out_from);
		curl_easy_setopt(c, CURLOPT_RANGE, range);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->r->status);
	if (x->write_failed)
		return pdg_err_set(err, PDG_E_IO, "cannot write the download: %s",
				   strerror(x->write_failed));
	if (x->too_big)
		return pdg_err_set(err, PDG_E_LIMIT, "the center's answer to %s %s is too large",
				   method, path);
	if (cc != CURLE_OK)
		return pdg_err_set(err, PDG_E_NET, "%s %s: %s", method, path,
				   errbuf[0] ? errbuf : curl_easy_strerror(cc));
	parse_error(x->r);
	return PDG_OK;
}

static struct curl_slist *headers_of(const char *const *headers, const char *extra)
{
	struct curl_slist *l = NULL, *t;

	l = curl_slist_append(l, "Expect:");
	if (extra && l && (t = curl_slist_append(l, extra)))
		l = t;
	for (size_t i = 0; l && headers && headers[i]; i++)
		if ((t = curl_slist_append(l, headers[i])))
			l = t;
	return l;
}

enum pdg_code pdg_https_request(struct pdg_https *h, const char *method, const char *path,
				const char *json, const char *const *headers,
				struct pdg_https_resp *r, struct pdg_err *err)
{
	struct xfer x = { .h = h, .r = r, .in_fd = -1, .out_fd = -1 };
	struct curl_slist *hdr = headers_of(headers, json ? "Content-Type: application/json" : NULL);
	enum pdg_code rc;

	if (!hdr)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	rc = perform(h, method, path, hdr, json, &x, err);
	curl_slist_free_all(hdr);
	return rc;
}

enum pdg_code pdg_https_patch_fd(struct pdg_https *h, const char *path, int fd, uint64_t offset,
				 uint64_t len, const char *const *headers,
				 struct pdg_https_resp *r, struct pdg_err *err)
{
	struct xfer x = { .h = h, .r = r, .in_fd = fd, .in_off = offset, .in_left = len,
			  .in_total = len, .out_fd = -1 };
	struct curl_slist *hdr = headers_of(headers, NULL);
	enum pdg_code rc;

	if (!hdr)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	rc = perform(h, "PATCH", path, hdr, NULL, &x, err);
	curl_slist_free_all(hdr);
	return rc;
}

enum pdg_code pdg_https_get_fd(struct pdg_https *h, const char *path, int fd, uint64_t from,
			       uint64_t max, struct pdg_https_resp *r, struct pdg_err *err)
{
	struct xfer x = { .h = h, .r = r, .in_fd = -1, .out_fd = fd, .out_from = from,
			  .out_max = max };
	struct curl_slist *hdr = headers_of(NULL, NULL);
	enum pdg_code rc;

	if (!hdr)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	rc = perform(h, "GET", path, hdr, NULL, &x, err);
	curl_slist_free_all(hdr);
	return rc;
}

const char *pdg_https_describe(const struct pdg_https_resp *r, char *buf, size_t cap)
{
	snprintf(buf, cap, "HTTP %ld%s%s%s%s", r->status, r->error_code[0] ? " " : "",
		 r->error_code, r->error_message[0] ? ": " : "", r->error_message);
	return buf;
}
