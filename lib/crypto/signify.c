/* SPDX-License-Identifier: MIT */
/* signify key and signature formats: parsing, formatting, signing and verifying in memory. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/base64.h"
#include "lib/crypto/signify.h"

#define COMMENT_HDR "untrusted comment: "
#define COMMENT_HDR_LEN (sizeof(COMMENT_HDR) - 1)
#define PKALG "Ed"
#define KDFALG "BK"
#define SALT_BYTES 16
#define CHECKSUM_BYTES 8
/* Blob layouts (all fields packed, kdfrounds big-endian), as in signify.c. */
#define PUB_BLOB (2 + PDG_SIGNIFY_KEYNUM_BYTES + PDG_ED25519_PUB_BYTES)              /* 42 */
#define SIG_BLOB (2 + PDG_SIGNIFY_KEYNUM_BYTES + PDG_ED25519_SIG_BYTES)              /* 74 */
#define SEC_BLOB (2 + 2 + 4 + SALT_BYTES + CHECKSUM_BYTES + PDG_SIGNIFY_KEYNUM_BYTES + 64) /* 104 */

void pdg_signify_sec_wipe(struct pdg_signify_sec *sec)
{
	if (sec)
		OPENSSL_cleanse(sec, sizeof(*sec));
}

/* Split "untrusted comment: ...\n<base64>\n" and decode the base64 line into blob. */
static enum pdg_code parse_b64file(const char *text, size_t len, uint8_t *blob, size_t bloblen,
	const char *what, struct pdg_err *err)
{
	const char *nl1, *nl2, *b64;
	size_t got = 0;

	if (len < COMMENT_HDR_LEN || memcmp(text, COMMENT_HDR, COMMENT_HDR_LEN) != 0)
		return pdg_err_set(err, PDG_E_INVALID, "%s: missing untrusted comment", what);
	nl1 = memchr(text, '\n', len);
	if (!nl1 || (size_t)(nl1 - text) > COMMENT_HDR_LEN + PDG_SIGNIFY_MAX_COMMENT ||
	    memchr(text, '\0', (size_t)(nl1 - text)))
		return pdg_err_set(err, PDG_E_INVALID, "%s: malformed comment line", what);
	b64 = nl1 + 1;
	nl2 = memchr(b64, '\n', len - (size_t)(b64 - text));
	if (!nl2)
		return pdg_err_set(err, PDG_E_INVALID, "%s: missing newline after data", what);
	if ((size_t)(nl2 + 1 - text) != len)
		return pdg_err_set(err, PDG_E_INVALID, "%s: extra data after the key line", what);
	if (pdg_b64_decode(b64, (size_t)(nl2 - b64), true, blob, bloblen, &got, err) ||
	    got != bloblen)
		return pdg_err_set(err, PDG_E_INVALID, "%s: malformed base64 data", what);
	if (memcmp(blob, PKALG, 2) != 0)
		return pdg_err_set(err, PDG_E_INVALID, "%s: unsupported algorithm", what);
	return PDG_OK;
}

static enum pdg_code format_b64file(const uint8_t *blob, size_t bloblen, const char *comment,
	char *out, size_t outsz, struct pdg_err *err)
{
	char b64[160];
	int n;

	if (strlen(comment) > PDG_SIGNIFY_MAX_COMMENT || strchr(comment, '\n'))
		return pdg_err_set(err, PDG_E_INVALID, "signify comment too long or multi-line");
	pdg_b64_encode(b64, blob, bloblen, true);
	n = snprintf(out, outsz, "%s%s\n%s\n", COMMENT_HDR, comment, b64);
	if (n < 0 || (size_t)n >= outsz)
		return pdg_err_set(err, PDG_E_LIMIT, "signify output buffer too small");
	return PDG_OK;
}

enum pdg_code pdg_signify_pub_parse(const char *text, size_t len, struct pdg_signify_pub *pub,
	struct pdg_err *err)
{
	uint8_t blob[PUB_BLOB];

	if (parse_b64file(text, len, blob, sizeof(blob), "public key", err))
		return PDG_E_INVALID;
	memcpy(pub->keynum, blob + 2, PDG_SIGNIFY_KEYNUM_BYTES);
	memcpy(pub->key, blob + 2 + PDG_SIGNIFY_KEYNUM_BYTES, PDG_ED25519_PUB_BYTES);
	return PDG_OK;
}

enum pdg_code pdg_signify_sig_parse(const char *text, size_t len, struct pdg_signify_sig *sig,
	struct pdg_err *err)
{
	uint8_t blob[SIG_BLOB];

	if (parse_b64file(text, len, blob, sizeof(blob), "signature", err))
		return PDG_E_INVALID;
	memcpy(sig->keynum, blob + 2, PDG_SIGNIFY_KEYNUM_BYTES);
	memcpy(sig->sig, blob + 2 + PDG_SIGNIFY_KEYNUM_BYTES, PDG_ED25519_SIG_BYTES);
	return PDG_OK;
}

enum pdg_code pdg_signify_sec_parse(const char *text, size_t len, struct pdg_signify_sec *sec,
	struct pdg_err *err)
{
	uint8_t blob[SEC_BLOB], sum[PDG_SHA512_BYTES], pub[PDG_ED25519_PUB_BYTES];
	const uint8_t *p = blob + 4;
	uint32_t rounds;
	enum pdg_code rc = PDG_OK;

	if (parse_b64file(text, len, blob, sizeof(blob), "secret key", err)) {
		rc = PDG_E_INVALID;
		goto out;
	}
	if (memcmp(blob + 2, KDFALG, 2) != 0) {
		rc = pdg_err_set(err, PDG_E_INVALID, "secret key: unsupported KDF");
		goto out;
	}
	rounds = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	p += 4 + SALT_BYTES;
	if (rounds != 0) {
		rc = pdg_err_set(err, PDG_E_POLICY,
			"secret key is passphrase-protected; only unencrypted keys (signify -n) are supported");
		goto out;
	}
	/* checksum = first 8 bytes of SHA-512(seed || public key) */
	rc = pdg_sha512(sum, p + CHECKSUM_BYTES + PDG_SIGNIFY_KEYNUM_BYTES, 64, err);
	if (rc)
		goto out;
	if (CRYPTO_memcmp(sum, p, CHECKSUM_BYTES) != 0) {
		rc = pdg_err_set(err, PDG_E_CRYPTO, "secret key: checksum mismatch");
		goto out;
	}
	p += CHECKSUM_BYTES;
	memcpy(sec->keynum, p, PDG_SIGNIFY_KEYNUM_BYTES);
	p += PDG_SIGNIFY_KEYNUM_BYTES;
	memcpy(sec->seed, p, PDG_ED25519_SEED_BYTES);
	memcpy(sec->pub, p + PDG_ED25519_SEED_BYTES, PDG_ED25519_PUB_BYTES);
	rc = pdg_ed25519_public(pub, sec->seed, err);
	if (!rc && memcmp(pub, sec->pub, sizeof(pub)) != 0)
		rc = pdg_err_set(err, PDG_E_CRYPTO, "secret key: public half does not match");
out:
	OPENSSL_cleanse(blob, sizeof(blob));
	OPENSSL_cleanse(sum, sizeof(sum));
	if (rc)
		pdg_signify_sec_wipe(sec);
	return rc;
}

enum pdg_code pdg_signify_pub_format(const struct pdg_signify_pub *pub, const char *comment,
	char *out, size_t outsz, struct pdg_err *err)
{
	uint8_t blob[PUB_BLOB];

	memcpy(blob, PKALG, 2);
	memcpy(blob + 2, pub->keynum, PDG_SIGNIFY_KEYNUM_BYTES);
	memcpy(blob + 2 + PDG_SIGNIFY_KEYNUM_BYTES, pub->key, PDG_ED25519_PUB_BYTES);
	return format_b64file(blob, sizeof(blob), comment ? comment : "signify public key", out,
		outsz, err);
}

enum pdg_code pdg_signify_sig_format(const struct pdg_signify_sig *sig, const char *comment,
	char *out, size_t outsz, struct pdg_err *err)
{
	uint8_t blob[SIG_BLOB];

	memcpy(blob, PKALG, 2);
	memcpy(blob + 2, sig->keynum, PDG_SIGNIFY_KEYNUM_BYTES);
	memcpy(blob + 2 + PDG_SIGNIFY_KEYNUM_BYTES, sig->sig, PDG_ED25519_SIG_BYTES);
	return format_b64file(blob, sizeof(blob), comment ? comment : "signature", out, outsz, err);
}

enum pdg_code pdg_signify_sec_format(const struct pdg_signify_sec *sec, const char *comment,
	char *out, size_t outsz, struct pdg_err *err)
{
	uint8_t blob[SEC_BLOB], sum[PDG_SHA512_BYTES], *p = blob;
	enum pdg_code rc;

	memcpy(p, PKALG, 2);
	memcpy(p + 2, KDFALG, 2);
	memset(p + 4, 0, 4); /* kdfrounds 0 */
	p += 8;
	rc = pdg_random(p, SALT_BYTES, err); /* unused without a KDF, but signify fills it too */
	p += SALT_BYTES;
	memcpy(p + CHECKSUM_BYTES, sec->keynum, PDG_SIGNIFY_KEYNUM_BYTES);
	memcpy(p + CHECKSUM_BYTES + PDG_SIGNIFY_KEYNUM_BYTES, sec->seed, PDG_ED25519_SEED_BYTES);
	memcpy(p + CHECKSUM_BYTES + PDG_SIGNIFY_KEYNUM_BYTES + PDG_ED25519_SEED_BYTES, sec->pub,
		PDG_ED25519_PUB_BYTES);
	if (!rc)
		rc = pdg_sha512(sum, p + CHECKSUM_BYTES + PDG_SIGNIFY_KEYNUM_BYTES, 64, err);
	if (!rc) {
		memcpy(p, sum, CHECKSUM_BYTES);
		rc = format_b64file(blob, sizeof(blob), comment, out, outsz, err);
	}
	OPENSSL_cleanse(blob, sizeof(blob));
	OPENSSL_cleanse(sum, sizeof(sum));
	return rc;
}

enum pdg_code pdg_signify_sign(const struct pdg_signify_sec *sec, const void *msg, size_t len,
	struct pdg_signify_sig *sig, struct pdg_err *err)
{
	memcpy(sig->keynum, sec->keynum, PDG_SIGNIFY_KEYNUM_BYTES);
	return pdg_ed25519_sign(sig->sig, sec->seed, msg, len, err);
}

enum pdg_code pdg_signify_verify(const struct pdg_signify_pub *pub,
	const struct pdg_signify_sig *sig, const void *msg, size_t len, struct pdg_err *err)
{
	if (memcmp(pub->keynum, sig->keynum, PDG_SIGNIFY_KEYNUM_BYTES) != 0)
		return pdg_err_set(err, PDG_E_CRYPTO, "signature made with a different key");
	return pdg_ed25519_verify(sig->sig, pub->key, msg, len, err);
}
