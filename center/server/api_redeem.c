/* SPDX-License-Identifier: MIT */
/* Scan-desk endpoints: staff login and logout, and redeeming a token (the one-time release). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/server/internal.h"
#include "center/server/password.h"
#include "lib/crypto/age.h"
#include "lib/log.h"
#include "tokens/codec.h"

static enum MHD_Result limited(struct pdg_req *r, unsigned wait)
{
	char secs[16];
	char *text;
	struct MHD_Response *resp;

	snprintf(secs, sizeof(secs), "%u", wait);
	text = pdg_json_take_dump(json_pack("{s:{s:s, s:s}}", "error", "code", "rate_limited", "message",
				    "Too many attempts: wait a moment before scanning again."),
			  JSON_COMPACT);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	return pdg_req_respond(r, 429, resp);
}

enum MHD_Result pdg_api_login(struct pdg_req *r)
{
	struct pdg_center *c = r->c;
	json_t *j = pdg_req_json(r);
	const char *login, *pw, *hash = NULL;
	struct pdg_ledger_staff s;
	struct pdg_err err;
	char key[96], token[PDG_SESSION_TOKEN_CHARS + 1];
	unsigned wait;
	enum MHD_Result res;
	int ok;

	if (!j)
		return MHD_YES;
	login = json_string_value(json_object_get(j, "login"));
	pw = json_string_value(json_object_get(j, "password"));
	if (!login || !pw || strlen(login) > PDG_LEDGER_ID_MAX) {
		res = pdg_reply_error(r, 400, "bad_request", "Send a login and a password.", NULL);
		goto out;
	}
	snprintf(key, sizeof(key), "login:%s", r->peer);
	if ((wait = pdg_ratelimit_hit(c->rl_client, key, 1))) {
		res = limited(r, wait);
		goto out;
	}
	if (!pdg_ledger_staff_get(c->ledger, login, &s, &err) && !s.disabled) {
		hash = s.pwhash;
		if (!strncmp(hash, "cert:", 5))
			hash = strchr(hash, ';') ? strchr(hash, ';') + 1 : NULL;
		if (hash && !*hash)
			hash = NULL;
	}
	ok = !pdg_pw_verify(pw, strlen(pw), hash, &err);
	if (!ok) {
		if (pdg_ledger_audit_append(c->ledger, "login", NULL, "failed", "staff", login, &err))
			pdg_log(PDG_LOG_WARN, "audit: %s", err.msg);
		res = pdg_reply_error(r, 401, "login_failed", "Wrong login or password.", NULL);
		goto out;
	}
	if (pdg_session_open(c->sessions, s.login, token, &err)) {
		res = pdg_reply_error(r, 503, "unavailable", "Too many sessions: try again later.", NULL);
		goto out;
	}
	res = pdg_reply_json(r, 200, json_pack("{s:s, s:i, s:s}", "token", token, "expires_in",
					       (json_int_t)c->cfg.session_ttl, "login", s.login));
	OPENSSL_cleanse(token, sizeof(token));
out:
	if (pw)
		OPENSSL_cleanse((char *)pw, strlen(pw));
	if (r->body)
		OPENSSL_cleanse(r->body, r->body_len);
	json_decref(j);
	return res;
}

enum MHD_Result pdg_api_logout(struct pdg_req *r)
{
	const char *auth = pdg_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (auth && !strncmp(auth, "Bearer ", 7))
		pdg_session_close(r->c->sessions, auth + 7, strlen(auth + 7));
	return pdg_reply_empty(r, 204, (const char *)NULL);
}

static void audit_refused(struct pdg_req *r, const char *pkg, enum pdg_ledger_redeem_outcome o)
{
	struct pdg_err err;

	if (pdg_ledger_redeem_refused(r->c->ledger, pkg, o, r->who.actor, r->peer, &err))
		pdg_log(PDG_LOG_WARN, "audit of a refused redeem failed: %s", err.msg);
}

static int hex_to_bytes(const char *hex, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else
				return -1;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* Seal the token's QR text and a newline to the data center's recipient. */
static int seal(const struct pdg_token *tok, const char *recipient, uint8_t **out, size_t *len,
		struct pdg_err *err)
{
	struct pdg_token_text t;
	char line[PDG_TOKEN_CHARS + 2];
	const char *rcpt[1] = { recipient };
	struct pdg_age_to to = { .recipients = rcpt, .n_recipients = 1 };
	int rc;

	if (pdg_token_encode(tok, &t, err))
		return -1;
	snprintf(line, sizeof(line), "%s\n", t.qr);
	rc = pdg_age_encrypt_mem(&to, line, strlen(line), out, len, err) ? -1 : 0;
	pdg_token_text_wipe(&t);
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

static enum MHD_Result redeem_token(struct pdg_req *r, struct pdg_token *tok)
{
	struct pdg_center *c = r->c;
	struct pdg_ledger_package p;
	struct pdg_ledger_client dc;
	struct pdg_err err;
	uint8_t want[32], have[32];
	unsigned wait;
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	enum pdg_ledger_redeem_outcome outcome = 0;
	enum pdg_code rc;

	if ((wait = pdg_ratelimit_hit(c->rl_client, r->who.actor, 1)) ||
	    (wait = pdg_ratelimit_hit(c->rl_package, tok->pkgid, 0))) {
		audit_refused(r, tok->pkgid, PDG_REDEEM_RATE_LIMITED);
		return limited(r, wait);
	}
	if (pdg_ledger_package_get(c->ledger, tok->pkgid, &p, &err)) {
		if (err.code != PDG_E_NOTFOUND)
			return pdg_reply_ledger(r, &err);
		audit_refused(r, tok->pkgid, PDG_REDEEM_UNKNOWN);
		return pdg_reply_error(r, 404, "package_not_found",
				       "No package with this token has been uploaded (yet): check "
				       "that its stick was uploaded.", NULL);
	}
	if (pdg_token_secret_hash(tok->secret, have, &err) || hex_to_bytes(p.secret_sha256, want))
		return pdg_reply_error(r, 500, "internal", "The service center failed.", NULL);
	if (CRYPTO_memcmp(have, want, sizeof(have))) {
		pdg_ratelimit_hit(c->rl_package, tok->pkgid, 1);
		audit_refused(r, tok->pkgid, PDG_REDEEM_WRONG_SECRET);
		return pdg_reply_error(r, 403, "token_mismatch",
				       "This token does not match the package: check that the sheet "
				       "belongs to this stick.", NULL);
	}
	if (p.state != PDG_LS_RECEIVED)
		goto not_releasable;
	if (pdg_ledger_client_get(c->ledger, p.datacenter, &dc, &err))
		return pdg_reply_ledger(r, &err);
	if (seal(tok, dc.recipient, &sealed, &sealed_len, &err))
		return pdg_reply_error(r, 500, "internal", "The service center failed.", NULL);
	{
		struct pdg_ledger_redeem rd = {
			.package_id = tok->pkgid, .secret_sha256 = have, .sealed_secret = sealed,
			.sealed_len = sealed_len, .datacenter = dc.id, .actor = r->who.actor,
			.client = r->peer,
		};

		rc = pdg_ledger_redeem(c->ledger, &rd, &outcome, &err);
	}
	free(sealed);
	if (rc == PDG_OK && outcome == PDG_REDEEM_RELEASED) {
		if (pdg_ledger_package_get(c->ledger, tok->pkgid, &p, &err))
			return pdg_reply_ledger(r, &err);
		pdg_log(PDG_LOG_INFO, "package %s released to %s by %s", p.id, p.released_to,
			r->who.actor);
		return pdg_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:o}", "package_id", p.id,
							"state", "RELEASED", "project", p.project,
							"data_center", p.released_to, "released_at",
							pdg_json_time(p.released_at)));
	}
	if (outcome == PDG_REDEEM_NOT_RELEASABLE) {
		if (pdg_ledger_package_get(c->ledger, tok->pkgid, &p, &err))
			return pdg_reply_ledger(r, &err);
		goto not_releasable_audited;
	}
	if (outcome == PDG_REDEEM_WRONG_SECRET)
		return pdg_reply_error(r, 403, "token_mismatch",
				       "This token does not match the package.", NULL);
	return pdg_reply_ledger(r, &err);
not_releasable:
	audit_refused(r, tok->pkgid, PDG_REDEEM_NOT_RELEASABLE);
not_releasable_audited:
	if (p.state == PDG_LS_RELEASED || p.state == PDG_LS_DOWNLOADED ||
	    p.state == PDG_LS_ACKNOWLEDGED || p.state == PDG_LS_PURGED)
		return pdg_reply_error(r, 409, "already_released",
				       "This token was already used: the package was released "
				       "before.",
				       json_pack("{s:s, s:o, s:s}", "data_center", p.released_to,
						 "released_at", pdg_json_time(p.released_at), "state",
						 pdg_ledger_state_name(p.state)));
	return pdg_reply_error(r, 409, "not_releasable",
			       p.state == PDG_LS_UPLOADING
				       ? "The package's upload is not complete yet."
				       : "The package can no longer be released.",
			       json_pack("{s:s}", "state", pdg_ledger_state_name(p.state)));
}

enum MHD_Result pdg_api_redeem(struct pdg_req *r)
{
	json_t *j = pdg_req_json(r);
	const char *text;
	struct pdg_token tok;
	enum pdg_token_fault fault = PDG_TOKEN_OK;
	struct pdg_err err;
	enum MHD_Result res;

	if (!j)
		return MHD_YES;
	text = json_string_value(json_object_get(j, "token"));
	if (!text || strlen(text) > PDG_TOKEN_INPUT_MAX) {
		res = pdg_reply_error(r, 400, "bad_request", "Send the scanned token.", NULL);
	} else if (pdg_token_decode(text, &tok, &fault, &err)) {
		unsigned wait = pdg_ratelimit_hit(r->c->rl_client, r->who.actor, 1);

		audit_refused(r, NULL, wait ? PDG_REDEEM_RATE_LIMITED : PDG_REDEEM_UNKNOWN);
		res = wait ? limited(r, wait)
			   : pdg_reply_error(r, 400, "token_invalid",
					     fault == PDG_TOKEN_E_CHECK
						     ? "The token was misread or mistyped: scan or "
						       "type it again."
						     : "This is not a pdigate token.",
					     json_pack("{s:s}", "fault", pdg_token_fault_name(fault)));
	} else {
		res = redeem_token(r, &tok);
		pdg_token_wipe(&tok);
	}
	if (text)
		OPENSSL_cleanse((char *)text, strlen(text));
	if (r->body)
		OPENSSL_cleanse(r->body, r->body_len);
	json_decref(j);
	return res;
}
