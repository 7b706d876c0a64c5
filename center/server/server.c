/* SPDX-License-Identifier: MIT */
/* The service center's HTTPS server: the MHD daemon, routing and who is calling. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "appliance/home/fsutil.h"
#include "center/server/internal.h"
#include "center/server/server.h"
#include "lib/crypto/sha256.h"
#include "lib/log.h"
#include "lib/version.h"
#include "tokens/codec.h"

#define JSON_BODY_MAX 4096

/* Per connection: the principal of its client certificate, resolved at the first request. */
struct conn_ctx {
	int resolved;
	struct pdg_principal who;
};

/* The staff member whose registration names this certificate fingerprint ("cert:<hex>;..."). */
struct staff_find {
	const char *fpr;
	char login[PDG_LEDGER_ID_MAX + 1];
	int disabled;
};

static int staff_by_cert(void *ctx, const struct pdg_ledger_staff *s)
{
	struct staff_find *f = ctx;

	if (!strncmp(s->pwhash, "cert:", 5) && !strncmp(s->pwhash + 5, f->fpr, 64) &&
	    (s->pwhash[69] == ';' || !s->pwhash[69])) {
		snprintf(f->login, sizeof(f->login), "%s", s->login);
		f->disabled = s->disabled;
		return 1;
	}
	return 0;
}

static void resolve_cert(struct pdg_center *c, struct MHD_Connection *conn, struct pdg_principal *p)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s;
	const gnutls_datum_t *certs;
	unsigned n = 0, status = 0;
	uint8_t d[32];
	unsigned dl = 32;
	char hex[65];
	struct pdg_ledger_client cl;
	struct staff_find sf = { 0 };
	struct pdg_err err;

	memset(p, 0, sizeof(*p));
	if (!ci || !ci->tls_session)
		return;
	s = (gnutls_session_t)ci->tls_session;
	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || !n)
		return;
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status) {
		p->cert = -2;
		return;
	}
	if (EVP_Digest(certs[0].data, certs[0].size, d, &dl, EVP_sha256(), NULL) != 1) {
		p->cert = -2;
		return;
	}
	pdg_sha256_hex(hex, d);
	if (!pdg_ledger_client_by_cert(c->ledger, hex, &cl, &err) && !cl.disabled) {
		p->kind = cl.kind == PDG_LEDGER_DATACENTER ? PDG_PR_DATACENTER : PDG_PR_STATION;
		snprintf(p->id, sizeof(p->id), "%s", cl.id);
		snprintf(p->actor, sizeof(p->actor), "%s:%s",
			 p->kind == PDG_PR_DATACENTER ? "datacenter" : "station", cl.id);
		p->cert = 1;
		return;
	}
	sf.fpr = hex;
	if (!pdg_ledger_staff_list(c->ledger, staff_by_cert, &sf, &err) && sf.login[0] &&
	    !sf.disabled) {
		p->kind = PDG_PR_STAFF;
		snprintf(p->id, sizeof(p->id), "%s", sf.login);
		snprintf(p->actor, sizeof(p->actor), "staff:%s", sf.login);
		p->cert = 1;
		return;
	}
	p->cert = -3;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = calloc(1, sizeof(struct conn_ctx));
	else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
	}
}

/* Split "/v1/..." into the route name, package id and segment number. 0, or the HTTP error. */
static unsigned route(struct pdg_req *r, const char *url)
{
	char part[6][40];
	size_t n = 0;
	const char *p = url;

	if (strncmp(p, "/v1/", 4))
		return 404;
	p += 4;
	while (*p && n < 6) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!len || len >= sizeof(part[0]))
			return len ? 400 : 404;
		memcpy(part[n], p, len);
		part[n++][len] = '\0';
		p += len + (e ? 1 : 0);
		if (e && !*p)
			return 404;
	}
	if (*p || !n)
		return 404;
	if (n == 1) {
		snprintf(r->route, sizeof(r->route), "%s", part[0]);
		return 0;
	}
	if (n == 2 && !strcmp(part[0], "admin")) {
		snprintf(r->route, sizeof(r->route), "admin-%s", part[1]);
		return 0;
	}
	if (strcmp(part[0], "packages"))
		return 404;
	if (!pdg_pkgid_valid(part[1]))
		return 400;
	snprintf(r->pkg, sizeof(r->pkg), "%s", part[1]);
	if (n == 2) {
		snprintf(r->route, sizeof(r->route), "package");
		return 0;
	}
	if (n == 3) {
		snprintf(r->route, sizeof(r->route), "%s", part[2]);
		return 0;
	}
	if (n == 4 && !strcmp(part[2], "segments")) {
		const char *d = part[3];
		unsigned v = 0;

		if (d[0] < '1' || d[0] > '9' || strlen(d) > 3)
			return 400;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return 400;
			v = v * 10 + (unsigned)(*d - '0');
		}
		r->seg = v;
		snprintf(r->route, sizeof(r->route), "segment");
		return 0;
	}
	return 404;
}

static int is(const struct pdg_req *r, const char *method, const char *name)
{
	return !strcmp(r->method, method) && !strcmp(r->route, name);
}

/* Who calls: the connection's certificate, else a staff session. */
static void who_calls(struct pdg_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_ctx *cc = ci ? ci->socket_context : NULL;
	const char *auth = pdg_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const union MHD_ConnectionInfo *ai =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (ai && ai->client_addr) {
		const struct sockaddr *sa = ai->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				  r->peer, sizeof(r->peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				  r->peer, sizeof(r->peer));
	}
	if (cc && !cc->resolved) {
		resolve_cert(r->c, r->conn, &cc->who);
		cc->resolved = 1;
	}
	if (cc)
		r->who = cc->who;
	if (r->who.kind == PDG_PR_NONE && auth && !strncmp(auth, "Bearer ", 7)) {
		char login[PDG_SESSION_LOGIN_MAX + 1];

		if (pdg_session_check(r->c->sessions, auth + 7, strlen(auth + 7), login)) {
			r->who.kind = PDG_PR_STAFF;
			snprintf(r->who.id, sizeof(r->who.id), "%s", login);
			snprintf(r->who.actor, sizeof(r->who.actor), "staff:%s", login);
		} else {
			r->who.cert = -4;
		}
	}
}

static enum MHD_Result refuse_auth(struct pdg_req *r)
{
	switch (r->who.cert) {
	case -2:
		return pdg_reply_error(r, 401, "certificate_untrusted",
				       "Your client certificate is not issued by this service center "
				       "or has expired.", NULL);
	case -3:
		return pdg_reply_error(r, 401, "certificate_unknown",
				       "Your client certificate is not registered at this service "
				       "center.", NULL);
	case -4:
		return pdg_reply_error(r, 401, "session_expired",
				       "Your session has ended: please log in again.", NULL);
	default:
		return pdg_reply_error(r, 401, "certificate_required",
				       "A registered client certificate is required.", NULL);
	}
}

static enum MHD_Result forbidden(struct pdg_req *r)
{
	return pdg_reply_error(r, 403, "forbidden", "You are not allowed to do this.", NULL);
}

/* The kinds allowed for the route, or -1 when the route does not exist. */
static int allowed(const struct pdg_req *r)
{
	const int S = 1 << PDG_PR_STATION, D = 1 << PDG_PR_DATACENTER, T = 1 << PDG_PR_STAFF;

	if (is(r, "POST", "packages"))
		return S;
	if (is(r, "HEAD", "segment") || is(r, "PATCH", "segment"))
		return S;
	if (is(r, "GET", "package"))
		return S | D | T;
	if (is(r, "GET", "receipt"))
		return S | T;
	if (is(r, "POST", "redeem") || is(r, "GET", "admin-packages") || is(r, "GET", "admin-audit") ||
	    is(r, "POST", "logout"))
		return T;
	if (is(r, "GET", "released") || is(r, "GET", "manifest") || is(r, "GET", "signature") ||
	    is(r, "GET", "secret") || is(r, "GET", "segment") || is(r, "POST", "downloaded") ||
	    is(r, "POST", "ack"))
		return D;
	return -1;
}

static enum MHD_Result begin(struct pdg_req *r, const char *url)
{
	unsigned bad = route(r, url);
	const char *cl = pdg_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int mask;

	if (bad == 400)
		return pdg_reply_error(r, 400, "bad_path",
				       "The package id or segment number in the address is not valid.",
				       NULL);
	if (bad)
		return pdg_reply_error(r, 404, "not_found", "There is no such address.", NULL);
	if (is(r, "GET", "health"))
		return MHD_YES;
	if (is(r, "POST", "login")) {
		r->body_max = JSON_BODY_MAX;
		goto body;
	}
	mask = allowed(r);
	if (mask < 0)
		return pdg_reply_error(r, 404, "not_found", "There is no such address.", NULL);
	who_calls(r);
	if (r->who.kind == PDG_PR_NONE)
		return refuse_auth(r);
	if (!(mask & (1 << r->who.kind)))
		return forbidden(r);
	if (is(r, "PATCH", "segment")) {
		int go_on = 0;
		enum MHD_Result m = pdg_upload_begin(r, &go_on);

		return m;
	}
	r->body_max = is(r, "POST", "packages") ? (size_t)(r->c->cfg.manifest_max * 4 / 3 + 8192)
						: JSON_BODY_MAX;
body:
	if (cl) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno || *end || n > r->body_max)
			return pdg_reply_error(r, 413, "too_large", "The request is too large.", NULL);
	}
	return MHD_YES;
}

static enum MHD_Result dispatch(struct pdg_req *r)
{
	if (r->too_large)
		return pdg_reply_error(r, 413, "too_large", "The request is too large.", NULL);
	if (is(r, "GET", "health"))
		return pdg_reply_json(r, 200, json_pack("{s:s, s:i, s:s}", "status", "ok", "api", 1,
							"software", "pdigate " PDG_VERSION));
	if (is(r, "POST", "login"))
		return pdg_api_login(r);
	if (is(r, "POST", "logout"))
		return pdg_api_logout(r);
	if (is(r, "POST", "packages"))
		return pdg_api_package_post(r);
	if (is(r, "GET", "package"))
		return pdg_api_package_get(r);
	if (is(r, "GET", "receipt"))
		return pdg_api_receipt(r);
	if (is(r, "HEAD", "segment"))
		return pdg_api_segment_head(r);
	if (is(r, "PATCH", "segment"))
		return pdg_upload_end(r);
	if (is(r, "GET", "segment"))
		return pdg_api_segment_get(r);
	if (is(r, "POST", "redeem"))
		return pdg_api_redeem(r);
	if (is(r, "GET", "released"))
		return pdg_api_released(r);
	if (is(r, "GET", "manifest"))
		return pdg_api_blob(r, PDG_LEDGER_MANIFEST);
	if (is(r, "GET", "signature"))
		return pdg_api_blob(r, PDG_LEDGER_SIGNATURE);
	if (is(r, "GET", "secret"))
		return pdg_api_blob(r, PDG_LEDGER_SEALED_SECRET);
	if (is(r, "POST", "downloaded"))
		return pdg_api_transition(r, PDG_LS_DOWNLOADED);
	if (is(r, "POST", "ack"))
		return pdg_api_transition(r, PDG_LS_ACKNOWLEDGED);
	if (is(r, "GET", "admin-packages"))
		return pdg_api_admin_packages(r);
	if (is(r, "GET", "admin-audit"))
		return pdg_api_admin_audit(r);
	return pdg_reply_error(r, 404, "not_found", "There is no such address.", NULL);
}

/* ---- workers ---- */

static void *worker_main(void *arg)
{
	struct pdg_center *c = arg;

	pthread_mutex_lock(&c->wk_mu);
	for (;;) {
		struct pdg_req *r;

		while (!c->wk_head && !c->wk_stop)
			pthread_cond_wait(&c->wk_cv, &c->wk_mu);
		if (!c->wk_head)
			break;          /* stopping, and nothing left to answer */
		r = c->wk_head;
		c->wk_head = r->next;
		if (!c->wk_head)
			c->wk_tail = &c->wk_head;
		pthread_mutex_unlock(&c->wk_mu);
		r->deferred = 1;
		r->result = dispatch(r);
		r->deferred = 0;
		r->answered = 1;
		MHD_resume_connection(r->conn);
		pthread_mutex_lock(&c->wk_mu);
	}
	pthread_mutex_unlock(&c->wk_mu);
	return NULL;
}

/* The request is complete: answer it now, or suspend its connection and queue it for a worker. */
static enum MHD_Result hand_over(struct pdg_req *r)
{
	struct pdg_center *c = r->c;

	pthread_mutex_lock(&c->wk_mu);
	if (!c->nworkers || c->wk_stop) {
		pthread_mutex_unlock(&c->wk_mu);
		return dispatch(r);
	}
	MHD_suspend_connection(r->conn);        /* before a worker can resume it */
	r->next = NULL;
	*c->wk_tail = r;
	c->wk_tail = &r->next;
	pthread_cond_signal(&c->wk_cv);
	pthread_mutex_unlock(&c->wk_mu);
	return MHD_YES;
}

/* Called again after a worker answered and resumed the connection: queue what it made. */
static enum MHD_Result answer(struct pdg_req *r)
{
	enum MHD_Result m = r->result;

	r->answered = 0;
	r->done = 1;
	if (!r->resp)
		return MHD_NO;                  /* the endpoint failed without an answer: close */
	if (MHD_queue_response(r->conn, r->status, r->resp) != MHD_YES)
		m = MHD_NO;
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return m;
}

static void workers_stop(struct pdg_center *c)
{
	pthread_mutex_lock(&c->wk_mu);
	c->wk_stop = 1;
	pthread_cond_broadcast(&c->wk_cv);
	pthread_mutex_unlock(&c->wk_mu);
	for (unsigned i = 0; i < c->nworkers; i++)
		pthread_join(c->workers[i], NULL);
	c->nworkers = 0;
	free(c->workers);
	c->workers = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct pdg_req *r = *con_cls;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->c = cls;
		r->conn = conn;
		r->method = method;
		r->part.fd = -1;
		*con_cls = r;
		return begin(r, url);
	}
	if (r->answered)
		return answer(r);
	if (r->done) {
		*data_size = 0;
		return MHD_YES;
	}
	if (*data_size) {
		if (r->up) {
			pdg_upload_data(r, data, *data_size);
		} else if (r->body_len + *data_size > r->body_max) {
			r->too_large = 1;
		} else {
			char *nb = realloc(r->body, r->body_len + *data_size + 1);

			if (!nb)
				return MHD_NO;
			r->body = nb;
			memcpy(r->body + r->body_len, data, *data_size);
			r->body_len += *data_size;
			r->body[r->body_len] = '\0';
		}
		*data_size = 0;
		return MHD_YES;
	}
	return hand_over(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pdg_req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	pdg_upload_abort(r);
	if (r->resp)
		MHD_destroy_response(r->resp);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static enum pdg_code read_pem(const char *path, char **out, struct pdg_err *err)
{
	size_t len;

	if (pdg_read_file(path, 1 << 20, out, &len, err))
		return pdg_err_prefix(err, "TLS file");
	return PDG_OK;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	pdg_log(PDG_LOG_DEBUG, "httpd: %s", buf);
}

enum pdg_code pdg_center_start(const struct pdg_center_config *cfg, struct pdg_center **out,
			       struct pdg_err *err)
{
	struct pdg_center *c = calloc(1, sizeof(*c));
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

	*out = NULL;
	if (!c)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	c->cfg = *cfg;
	pthread_mutex_init(&c->seg_mu, NULL);
	pthread_mutex_init(&c->wk_mu, NULL);
	pthread_cond_init(&c->wk_cv, NULL);
	c->wk_tail = &c->wk_head;
	if (!cfg->cert[0] || !cfg->key[0] || !cfg->client_ca[0]) {
		pdg_err_set(err, PDG_E_INVALID, "[server] cert, key and client_ca are required");
		goto fail;
	}
	if (inet_pton(AF_INET, cfg->listen, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)cfg->port);
	} else if (inet_pton(AF_INET6, cfg->listen, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		pdg_err_set(err, PDG_E_INVALID, "[server] listen is not an IP address");
		goto fail;
	}
	if (read_pem(cfg->cert, &c->tls_cert, err) || read_pem(cfg->key, &c->tls_key, err) ||
	    read_pem(cfg->client_ca, &c->tls_ca, err))
		goto fail;
	if (snprintf(c->blobs, sizeof(c->blobs), "%s/blobs", cfg->state) >= (int)sizeof(c->blobs)) {
		pdg_err_set(err, PDG_E_LIMIT, "state path too long");
		goto fail;
	}
	if ((mkdir(cfg->state, 0700) && errno != EEXIST) || (mkdir(c->blobs, 0700) && errno != EEXIST)) {
		pdg_err_sys(err, PDG_E_IO, "cannot create the state folder '%s'", c->blobs);
		goto fail;
	}
	if (pdg_ledger_open(&c->ledger, cfg->ledger, err)) {
		pdg_err_prefix(err, "ledger");
		goto fail;
	}
	c->sessions = pdg_sessions_new(4096, cfg->session_ttl);
	c->rl_client = pdg_ratelimit_new(4096, cfg->redeem_rate, cfg->redeem_burst);
	c->rl_package = pdg_ratelimit_new(16384, cfg->package_failures / 3600.0,
					  cfg->package_failures);
	if (!c->sessions || !c->rl_client || !c->rl_package) {
		pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto fail;
	}
	if (cfg->workers && !(c->workers = calloc(cfg->workers, sizeof(*c->workers)))) {
		pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < cfg->workers; i++) {
		if (pthread_create(&c->workers[i], NULL, worker_main, c)) {
			pdg_err_set(err, PDG_E_NOMEM, "cannot start the worker threads");
			goto fail;
		}
		c->nworkers++;
	}
	c->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, c,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_HTTPS_MEM_CERT, c->tls_cert,
		MHD_OPTION_HTTPS_MEM_KEY, c->tls_key,
		MHD_OPTION_HTTPS_MEM_TRUST, c->tls_ca,
		MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->header_max,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
		MHD_OPTION_NOTIFY_CONNECTION, notify_connection, c,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, c,
		MHD_OPTION_END);
	if (!c->mhd) {
		pdg_err_set(err, PDG_E_IO,
			    "cannot listen on %s port %u (address in use, or bad TLS files)",
			    cfg->listen, cfg->port);
		goto fail;
	}
	*out = c;
	return PDG_OK;
fail:
	pdg_center_stop(c);
	return err->code;
}

void pdg_center_stop(struct pdg_center *c)
{
	if (!c)
		return;
	workers_stop(c);        /* answers what is queued; later requests are answered inline */
	if (c->mhd)
		MHD_stop_daemon(c->mhd);
	pdg_upload_forget_all(c);
	pdg_ledger_free(c->ledger);
	pdg_sessions_free(c->sessions);
	pdg_ratelimit_free(c->rl_client);
	pdg_ratelimit_free(c->rl_package);
	if (c->tls_key) {
		OPENSSL_cleanse(c->tls_key, strlen(c->tls_key));
		free(c->tls_key);
	}
	free(c->tls_cert);
	free(c->tls_ca);
	pthread_mutex_destroy(&c->seg_mu);
	pthread_cond_destroy(&c->wk_cv);
	pthread_mutex_destroy(&c->wk_mu);
	free(c);
}
