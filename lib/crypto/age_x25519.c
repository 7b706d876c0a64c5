/* SPDX-License-Identifier: MIT */
/* age X25519 recipient stanza: "-> X25519 <ephemeral share>" wrapping the file key. */
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"
#include "lib/crypto/base64.h"

#define X25519_LABEL "age-encryption.org/v1/X25519"
#define WRAPPED_BYTES (AGE_FILE_KEY_BYTES + PDG_AEAD_TAG_BYTES)

static const uint8_t zero_nonce[PDG_AEAD_NONCE_BYTES];

/* wrap key = HKDF-SHA256(ikm = shared, salt = share || recipient, info = label) */
static enum pdg_code wrap_key(uint8_t key[32], const uint8_t shared[32], const uint8_t share[32],
	const uint8_t pk[32], struct pdg_err *err)
{
	uint8_t salt[64];

	memcpy(salt, share, 32);
	memcpy(salt + 32, pk, 32);
	return pdg_hkdf_sha256(key, 32, shared, 32, salt, sizeof(salt), X25519_LABEL, err);
}

enum pdg_code age_x25519_wrap(struct age_text *t, const uint8_t pk[PDG_X25519_BYTES],
	const uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err)
{
	uint8_t eph[32], share[32], shared[32], key[32], body[WRAPPED_BYTES];
	struct pdg_aead aead = { 0 };
	char share64[48];
	const char *args[2] = { "X25519", share64 };
	enum pdg_code rc;

	rc = pdg_random(eph, sizeof(eph), err);
	if (!rc)
		rc = pdg_x25519_base(share, eph, err);
	if (!rc)
		rc = pdg_x25519(shared, eph, pk, err);
	if (!rc)
		rc = wrap_key(key, shared, share, pk, err);
	if (!rc)
		rc = pdg_aead_init(&aead, key, err);
	if (!rc)
		rc = pdg_aead_seal(&aead, zero_nonce, file_key, AGE_FILE_KEY_BYTES, body, err);
	if (!rc) {
		pdg_b64_encode(share64, share, sizeof(share), false);
		rc = age_header_add_stanza(t, args, 2, body, sizeof(body), err);
	}
	pdg_aead_release(&aead);
	OPENSSL_cleanse(eph, sizeof(eph));
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static enum pdg_code decode_share(const struct age_stanza *s, uint8_t share[32],
	struct pdg_err *err)
{
	size_t got = 0;

	if (pdg_b64_decode(s->args[1], strlen(s->args[1]), false, share, 32, &got, err) ||
	    got != 32)
		return pdg_err_set(err, PDG_E_INVALID, "malformed X25519 share");
	return PDG_OK;
}

enum pdg_code age_x25519_check(const struct age_stanza *s, struct pdg_err *err)
{
	uint8_t share[32];

	if (s->nargs != 2)
		return pdg_err_set(err, PDG_E_INVALID, "X25519 stanza needs exactly one argument");
	AGE_TRY(decode_share(s, share, err));
	/* The file key length is checked before any decryption is attempted. */
	if (s->body_len != WRAPPED_BYTES)
		return pdg_err_set(err, PDG_E_INVALID, "X25519 stanza body has the wrong length");
	return PDG_OK;
}

enum pdg_code age_x25519_unwrap(const struct age_stanza *s, const uint8_t sk[PDG_X25519_BYTES],
	uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err)
{
	uint8_t share[32], pk[32], shared[32], key[32], out[WRAPPED_BYTES];
	struct pdg_aead aead = { 0 };
	enum pdg_code rc;

	AGE_TRY(age_x25519_check(s, err));
	AGE_TRY(decode_share(s, share, err));
	rc = pdg_x25519_base(pk, sk, err);
	if (!rc && pdg_x25519(shared, sk, share, err))
		rc = pdg_err_set(err, PDG_E_INVALID, "X25519 share is a low-order point");
	if (!rc)
		rc = wrap_key(key, shared, share, pk, err);
	if (!rc)
		rc = pdg_aead_init(&aead, key, err);
	if (!rc)
		rc = pdg_aead_open(&aead, zero_nonce, s->body, s->body_len, out, err);
	if (!rc)
		memcpy(file_key, out, AGE_FILE_KEY_BYTES);
	pdg_aead_release(&aead);
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}
