/* SPDX-License-Identifier: MIT */
/* Upload-station endpoints: start or resume a package, its status, receipt and segment offsets. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/server/internal.h"
#include "lib/crypto/base64.h"
#include "lib/crypto/sha256.h"
#include "lib/crypto/signify.h"
#include "lib/log.h"
#include "pdi/medium.h"

#define SIG_MAX 4096

/* Decode the base64 string member name of j into a new buffer of at most max bytes. */
static int b64_member(json_t *j, const char *name, size_t max, uint8_t **out, size_t *len,
		      int *too_large)
{
	const char *s = json_string_value(json_object_get(j, name));
	size_t sl;
	struct pdg_err err;

	*out = NULL;
	if (!s)
		return -1;
	sl = strlen(s);
	if (sl / 4 * 3 > max + 3) {
		*too_large = 1;
		return -1;
	}
	*out = malloc(sl / 4 * 3 + 4);
	if (!*out || pdg_b64_decode(s, sl, true, *out, sl / 4 * 3 + 4, len, &err) || *len > max) {
		if (*out && *len > max)
			*too_large = 1;
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static enum MHD_Result invalid(struct pdg_req *r, const char *code, const char *msg,
			       const char *detail)
{
	return pdg_reply_error(r, 422, code, msg,
			       detail ? json_pack("{s:s}", "detail", detail) : NULL);
}

/* Check the manifest and its signature against the registrations; 0, or a reply was queued. */
static int check_manifest(struct pdg_req *r, const uint8_t *man, size_t man_len,
			  const uint8_t *sig, size_t sig_len, struct pdg_medium_manifest *m,
			  struct pdg_ledger_project *proj)
{
	struct pdg_center *c = r->c;
	struct pdg_ledger_appliance a;
	struct pdg_ledger_client dc;
	struct pdg_signify_pub pub;
	struct pdg_signify_sig s;
	struct pdg_err err;
	size_t i;

	if (pdg_medium_manifest_parse((const char *)man, man_len, m, &err)) {
		invalid(r, "manifest_invalid", "The package's manifest is not valid.", err.msg);
		return -1;
	}
	if (pdg_ledger_appliance_get(c->ledger, m->appliance_id, &a, &err) || a.disabled) {
		if (err.code == PDG_E_IO)
			pdg_reply_ledger(r, &err);
		else
			invalid(r, "appliance_unknown",
				"The appliance that made this package is not registered here.", NULL);
		return -1;
	}
	if (pdg_signify_pub_parse(a.pubkey, strlen(a.pubkey), &pub, &err) ||
	    pdg_signify_sig_parse((const char *)sig, sig_len, &s, &err) ||
	    pdg_signify_verify(&pub, &s, man, man_len, &err)) {
		pdg_log(PDG_LOG_WARN, "package %s: signature refused (%s)", m->package_id, err.msg);
		invalid(r, "signature_invalid",
			"The package's signature does not verify: it was changed or forged.", NULL);
		return -1;
	}
	if (pdg_ledger_project_get(c->ledger, m->project, proj, &err)) {
		invalid(r, "project_unknown", "The package's project is not registered here.", NULL);
		return -1;
	}
	if (pdg_ledger_client_get(c->ledger, proj->datacenter, &dc, &err)) {
		pdg_reply_ledger(r, &err);
		return -1;
	}
	for (i = 0; i < m->nrecipients; i++)
		if (!strcmp(m->recipients[i], dc.recipient))
			break;
	if (i == m->nrecipients) {
		invalid(r, "recipient_mismatch",
			"The package is not encrypted for its project's data center.", NULL);
		return -1;
	}
	return 0;
}

enum MHD_Result pdg_api_package_post(struct pdg_req *r)
{
	struct pdg_center *c = r->c;
	json_t *j = pdg_req_json(r);
	uint8_t *man = NULL, *sig = NULL;
	size_t man_len = 0, sig_len = 0;
	int too_large = 0, existed = 0;
	struct pdg_medium_manifest m = { 0 };
	struct pdg_ledger_project proj;
	struct pdg_ledger_segment *segs = NULL;
	struct pdg_ledger_package p;
	struct pdg_err err;
	enum MHD_Result res;

	if (!j)
		return MHD_YES;
	if (b64_member(j, "manifest", c->cfg.manifest_max, &man, &man_len, &too_large) ||
	    b64_member(j, "signature", SIG_MAX, &sig, &sig_len, &too_large)) {
		res = too_large ? pdg_reply_error(r, 413, "too_large", "The manifest is too large.", NULL)
				: pdg_reply_error(r, 400, "bad_request",
						  "Send the manifest and the signature in base64.", NULL);
		goto out;
	}
	if (check_manifest(r, man, man_len, sig, sig_len, &m, &proj)) {
		res = MHD_YES;
		goto out;
	}
	segs = calloc(m.nsegments, sizeof(*segs));
	if (!segs) {
		res = MHD_NO;
		goto out;
	}
	for (size_t i = 0; i < m.nsegments; i++) {
		segs[i].index = (unsigned)i + 1;
		segs[i].size = m.segments[i].size;
		snprintf(segs[i].sha256, sizeof(segs[i].sha256), "%s", m.segments[i].sha256);
		snprintf(segs[i].path, sizeof(segs[i].path), "%s/%u", m.package_id, (unsigned)i + 1);
	}
	{
		struct pdg_ledger_new_package np = {
			.id = m.package_id, .project = m.project, .appliance = m.appliance_id,
			.uploader = r->who.id, .manifest = man, .manifest_len = man_len,
			.signature = sig, .signature_len = sig_len,
			.secret_sha256 = m.release_secret_sha256,
			.ciphertext_sha256 = m.ciphertext_sha256,
			.ciphertext_size = m.ciphertext_size, .segments = segs,
			.nsegments = (unsigned)m.nsegments,
		};

		if (pdg_ledger_package_create(c->ledger, &np, r->who.actor, &existed, &err)) {
			if (err.code == PDG_E_EXISTS)
				res = pdg_reply_error(r, 409, "conflict",
						      "A different package with this id is already "
						      "here.", NULL);
			else if (err.code == PDG_E_IO)
				res = pdg_reply_ledger(r, &err);
			else
				res = invalid(r, "manifest_invalid",
					      "The package's manifest is not valid.", err.msg);
			goto out;
		}
	}
	if (pdg_ledger_package_get(c->ledger, m.package_id, &p, &err)) {
		res = pdg_reply_ledger(r, &err);
		goto out;
	}
	if (strcmp(p.uploader, r->who.id)) {
		res = pdg_reply_error(r, 403, "forbidden",
				      "This package is being uploaded by another upload station.", NULL);
		goto out;
	}
	if (existed && (pdg_upload_reconcile(c, p.id, &err) ||
			 pdg_ledger_package_get(c->ledger, p.id, &p, &err))) {
		res = pdg_reply_ledger(r, &err);
		goto out;
	}
	if (!existed)
		pdg_log(PDG_LOG_INFO, "package %s: upload started by %s", p.id, r->who.actor);
	res = pdg_reply_json(r, existed ? 200 : 201, pdg_package_json(c, &p, 0));
out:
	json_decref(j);
	free(man);
	free(sig);
	free(segs);
	pdg_medium_manifest_release(&m);
	return res;
}

/* The package if the caller may see it; else a reply is queued and 0 returned. */
static int visible(struct pdg_req *r, struct pdg_ledger_package *p)
{
	struct pdg_err err;

	if (pdg_ledger_package_get(r->c->ledger, r->pkg, p, &err)) {
		pdg_reply_ledger(r, &err);
		return 0;
	}
	if ((r->who.kind == PDG_PR_STATION && strcmp(p->uploader, r->who.id)) ||
	    (r->who.kind == PDG_PR_DATACENTER && strcmp(p->released_to, r->who.id))) {
		pdg_reply_error(r, 404, "not_found", "There is no such package.", NULL);
		return 0;
	}
	return 1;
}

enum MHD_Result pdg_api_package_get(struct pdg_req *r)
{
	struct pdg_ledger_package p;

	if (!visible(r, &p))
		return MHD_YES;
	return pdg_reply_json(r, 200, pdg_package_json(r->c, &p, 0));
}

static void hash_blob(struct pdg_center *c, const char *id, enum pdg_ledger_blob which,
		      char hex[65])
{
	uint8_t *b = NULL, d[32];
	size_t len = 0;
	unsigned dl = 32;
	struct pdg_err err;

	hex[0] = '\0';
	if (pdg_ledger_package_blob(c->ledger, id, which, &b, &len, &err))
		return;
	if (EVP_Digest(b, len, d, &dl, EVP_sha256(), NULL) == 1)
		pdg_sha256_hex(hex, d);
	free(b);
}

enum MHD_Result pdg_api_receipt(struct pdg_req *r)
{
	struct pdg_ledger_package p;
	char mh[65], sh[65];
	json_t *o;

	if (!visible(r, &p))
		return MHD_YES;
	if (p.state == PDG_LS_UPLOADING)
		return pdg_reply_error(r, 409, "wrong_state",
				       "The package is not complete yet: no receipt.",
				       json_pack("{s:s}", "state", "UPLOADING"));
	o = pdg_package_json(r->c, &p, 1);
	hash_blob(r->c, p.id, PDG_LEDGER_MANIFEST, mh);
	hash_blob(r->c, p.id, PDG_LEDGER_SIGNATURE, sh);
	if (o) {
		json_object_set_new(o, "manifest_sha256", json_string(mh));
		json_object_set_new(o, "signature_sha256", json_string(sh));
		json_object_del(o, "created_at");
	}
	return pdg_reply_json(r, 200, o);
}

enum MHD_Result pdg_api_segment_head(struct pdg_req *r)
{
	struct pdg_ledger_package p;
	struct pdg_ledger_segment s;
	struct pdg_err err;
	char off[24], len[24];

	if (!visible(r, &p))
		return MHD_YES;
	if (p.state == PDG_LS_UPLOADING && pdg_upload_reconcile(r->c, p.id, &err))
		return pdg_reply_ledger(r, &err);
	if (pdg_ledger_segment_get(r->c->ledger, r->pkg, r->seg, &s, &err))
		return pdg_reply_ledger(r, &err);
	snprintf(off, sizeof(off), "%llu",
		 (unsigned long long)(s.complete ? s.size : s.received));
	snprintf(len, sizeof(len), "%llu", (unsigned long long)s.size);
	return pdg_reply_empty(r, 200, "Upload-Offset", off, "Upload-Length", len, "Tus-Resumable",
			       "1.0.0", "Pdigate-Segment-Complete", s.complete ? "1" : "0",
			       (const char *)NULL);
}
