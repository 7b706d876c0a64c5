/* SPDX-License-Identifier: MIT */
/* Stored token sheets: JSON with the release secret sealed to the administrator's age key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "lib/crypto/age.h"
#include "lib/crypto/base64.h"
#include "tokens/sheetrec.h"

#define SEALED_MAX 1024    /* bytes of the age file holding the secret */
#define PLAIN_LEN (PDG_PKGID_CHARS + PDG_TOKEN_SECRET_BYTES)

enum pdg_code pdg_sheetrec_encode(const struct pdg_sheetrec *r, const char *admin_recipient,
				  char **out, struct pdg_err *err)
{
	const char *recips[1] = { admin_recipient };
	struct pdg_age_to to = { .recipients = recips, .n_recipients = 1 };
	uint8_t plain[PLAIN_LEN], *ct = NULL;
	const struct pdg_sheet_pkg *p = &r->pkg;
	size_t ctlen = 0;
	char *b64 = NULL;
	json_t *doc;
	enum pdg_code rc;

	*out = NULL;
	if (!pdg_pkgid_valid(p->token.pkgid))
		return pdg_err_set(err, PDG_E_INVALID, "not a package id");
	/* the package id is sealed with the secret: a sealed secret cannot move to another record */
	memcpy(plain, p->token.pkgid, PDG_PKGID_CHARS);
	memcpy(plain + PDG_PKGID_CHARS, p->token.secret, PDG_TOKEN_SECRET_BYTES);
	rc = pdg_age_encrypt_mem(&to, plain, sizeof(plain), &ct, &ctlen, err);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rc)
		return rc;
	b64 = malloc(pdg_b64_encoded_len(ctlen, true) + 1);
	if (!b64) {
		free(ct);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	pdg_b64_encode(b64, ct, ctlen, true);
	free(ct);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s}",
			"format", PDG_SHEETREC_FORMAT, "package_id", p->token.pkgid,
			"site", r->site, "project", r->project, "operator", r->operator_name,
			"export_date", r->export_date, "created", r->created,
			"studies", (json_int_t)p->studies, "series", (json_int_t)p->series,
			"instances", (json_int_t)p->instances, "ciphertext_bytes",
			(json_int_t)p->bytes, "ciphertext_sha256", p->cipher_sha256,
			"medium_serial", p->medium_serial, "secret_sealed_to_admin", b64);
	free(b64);
	if (!doc)
		return pdg_err_set(err, PDG_E_INVALID, "sheet record: a field is not UTF-8");
	*out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!*out)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	return PDG_OK;
}

static int copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static enum pdg_code unseal(const char *b64, const char *identity, struct pdg_sheetrec *r,
			    struct pdg_err *err)
{
	const char *ids[1] = { identity };
	struct pdg_age_from from = { .identities = ids, .n_identities = 1 };
	uint8_t ct[SEALED_MAX], *pt = NULL;
	size_t ctlen = 0, ptlen = 0;
	enum pdg_code rc;

	if (strlen(b64) > 2 * SEALED_MAX ||
	    pdg_b64_decode(b64, strlen(b64), true, ct, sizeof(ct), &ctlen, err))
		return pdg_err_set(err, PDG_E_INVALID, "sheet record: sealed secret is malformed");
	rc = pdg_age_decrypt_mem(&from, ct, ctlen, PLAIN_LEN, &pt, &ptlen, NULL, err);
	if (rc)
		return pdg_err_set(err, PDG_E_CRYPTO, "the administrator key does not open the "
				   "sheet's sealed secret");
	if (ptlen != PLAIN_LEN || memcmp(pt, r->pkg.token.pkgid, PDG_PKGID_CHARS))
		rc = pdg_err_set(err, PDG_E_CRYPTO, "the sealed secret belongs to another package");
	else
		memcpy(r->pkg.token.secret, pt + PDG_PKGID_CHARS, PDG_TOKEN_SECRET_BYTES);
	OPENSSL_cleanse(pt, ptlen);
	free(pt);
	return rc;
}

enum pdg_code pdg_sheetrec_decode(const char *text, size_t len, const char *admin_identity,
				  struct pdg_sheetrec *r, struct pdg_err *err)
{
	const char *fmt, *pkg, *site, *project, *op, *date, *created, *sha, *serial, *sealed;
	json_int_t studies, series, instances, bytes;
	json_error_t jerr;
	json_t *doc;
	enum pdg_code rc = PDG_OK;

	*r = (struct pdg_sheetrec){ 0 };
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return pdg_err_set(err, PDG_E_INVALID, "sheet record: %s (line %d)", jerr.text,
				   jerr.line);
	if (json_unpack(doc, "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s}",
			"format", &fmt, "package_id", &pkg, "site", &site, "project", &project,
			"operator", &op, "export_date", &date, "created", &created,
			"studies", &studies, "series", &series, "instances", &instances,
			"ciphertext_bytes", &bytes, "ciphertext_sha256", &sha,
			"medium_serial", &serial, "secret_sealed_to_admin", &sealed) ||
	    strcmp(fmt, PDG_SHEETREC_FORMAT) || !pdg_pkgid_valid(pkg) || studies < 0 ||
	    series < 0 || instances < 0 || bytes < 0 ||
	    copy(r->pkg.token.pkgid, sizeof(r->pkg.token.pkgid), pkg) ||
	    copy(r->site, sizeof(r->site), site) || copy(r->project, sizeof(r->project), project) ||
	    copy(r->operator_name, sizeof(r->operator_name), op) ||
	    copy(r->export_date, sizeof(r->export_date), date) ||
	    copy(r->created, sizeof(r->created), created) ||
	    copy(r->pkg.cipher_sha256, sizeof(r->pkg.cipher_sha256), sha) ||
	    copy(r->pkg.medium_serial, sizeof(r->pkg.medium_serial), serial))
		rc = pdg_err_set(err, PDG_E_INVALID, "sheet record: missing or malformed field");
	if (!rc) {
		r->pkg.studies = (unsigned long)studies;
		r->pkg.series = (unsigned long)series;
		r->pkg.instances = (unsigned long)instances;
		r->pkg.bytes = (uint64_t)bytes;
		if (admin_identity)
			rc = unseal(sealed, admin_identity, r, err);
	}
	json_decref(doc);
	if (rc)
		pdg_sheetrec_wipe(r);
	return rc;
}

void pdg_sheetrec_sheet(const struct pdg_sheetrec *r, struct pdg_sheet *out)
{
	*out = (struct pdg_sheet){ .site = r->site, .project = r->project,
				   .export_date = r->export_date,
				   .operator_name = r->operator_name, .pkgs = &r->pkg, .npkgs = 1 };
}

void pdg_sheetrec_wipe(struct pdg_sheetrec *r)
{
	OPENSSL_cleanse(r, sizeof(*r));
}
