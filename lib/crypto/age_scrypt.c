/* SPDX-License-Identifier: MIT */
/* age scrypt passphrase stanza: "-> scrypt <salt> <log2 N>" wrapping the file key. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"
#include "lib/crypto/base64.h"

#define SCRYPT_LABEL "age-encryption.org/v1/scrypt"
#define SALT_BYTES 16
#define WRAPPED_BYTES (AGE_FILE_KEY_BYTES + PDG_AEAD_TAG_BYTES)

static const uint8_t zero_nonce[PDG_AEAD_NONCE_BYTES];

/* key = scrypt(passphrase, label || salt, N = 2^log2n, r = 8, p = 1) */
static enum pdg_code scrypt_key(uint8_t key[32], const char *pass, size_t passlen,
	const uint8_t salt[SALT_BYTES], unsigned log2n, struct pdg_err *err)
{
	uint8_t full[sizeof(SCRYPT_LABEL) - 1 + SALT_BYTES];

	memcpy(full, SCRYPT_LABEL, sizeof(SCRYPT_LABEL) - 1);
	memcpy(full + sizeof(SCRYPT_LABEL) - 1, salt, SALT_BYTES);
	return pdg_scrypt(key, 32, pass, passlen, full, sizeof(full), log2n, 8, 1, err);
}

enum pdg_code age_scrypt_wrap(struct age_text *t, const char *pass, size_t passlen,
	unsigned log2n, const uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err)
{
	uint8_t salt[SALT_BYTES], key[32], body[WRAPPED_BYTES];
	struct pdg_aead aead = { 0 };
	char salt64[32], factor[8];
	const char *args[3] = { "scrypt", salt64, factor };
	enum pdg_code rc;

	if (log2n < 1 || log2n > PDG_AGE_SCRYPT_MAX_LOG2N)
		return pdg_err_set(err, PDG_E_INVALID, "scrypt work factor %u out of range 1..%d",
			log2n, PDG_AGE_SCRYPT_MAX_LOG2N);
	rc = pdg_random(salt, sizeof(salt), err);
	if (!rc)
		rc = scrypt_key(key, pass, passlen, salt, log2n, err);
	if (!rc)
		rc = pdg_aead_init(&aead, key, err);
	if (!rc)
		rc = pdg_aead_seal(&aead, zero_nonce, file_key, AGE_FILE_KEY_BYTES, body, err);
	if (!rc) {
		pdg_b64_encode(salt64, salt, sizeof(salt), false);
		snprintf(factor, sizeof(factor), "%u", log2n);
		rc = age_header_add_stanza(t, args, 3, body, sizeof(body), err);
	}
	pdg_aead_release(&aead);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The work factor: a decimal number without sign or leading zero, 1..max. */
static enum pdg_code parse_factor(const char *s, unsigned max, unsigned *out, struct pdg_err *err)
{
	unsigned v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 2 || s[0] == '0')
		return pdg_err_set(err, PDG_E_INVALID, "malformed scrypt work factor");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return pdg_err_set(err, PDG_E_INVALID, "malformed scrypt work factor");
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return pdg_err_set(err, PDG_E_INVALID,
			"scrypt work factor %u exceeds the limit of %u", v, max);
	*out = v;
	return PDG_OK;
}

static enum pdg_code decode_salt(const struct age_stanza *s, uint8_t salt[SALT_BYTES],
	struct pdg_err *err)
{
	size_t got = 0;

	if (pdg_b64_decode(s->args[1], strlen(s->args[1]), false, salt, SALT_BYTES, &got, err) ||
	    got != SALT_BYTES)
		return pdg_err_set(err, PDG_E_INVALID, "malformed scrypt salt");
	return PDG_OK;
}

enum pdg_code age_scrypt_check(const struct age_stanza *s, unsigned max_log2n, struct pdg_err *err)
{
	uint8_t salt[SALT_BYTES];
	unsigned log2n;

	if (s->nargs != 3)
		return pdg_err_set(err, PDG_E_INVALID, "scrypt stanza needs exactly two arguments");
	AGE_TRY(decode_salt(s, salt, err));
	AGE_TRY(parse_factor(s->args[2], max_log2n, &log2n, err));
	if (s->body_len != WRAPPED_BYTES)
		return pdg_err_set(err, PDG_E_INVALID, "scrypt stanza body has the wrong length");
	return PDG_OK;
}

enum pdg_code age_scrypt_unwrap(const struct age_stanza *s, const char *pass, size_t passlen,
	uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err)
{
	uint8_t salt[SALT_BYTES], key[32], out[WRAPPED_BYTES];
	struct pdg_aead aead = { 0 };
	unsigned log2n = 0;
	enum pdg_code rc;

	AGE_TRY(decode_salt(s, salt, err));
	AGE_TRY(parse_factor(s->args[2], 64, &log2n, err));
	rc = scrypt_key(key, pass, passlen, salt, log2n, err);
	if (!rc)
		rc = pdg_aead_init(&aead, key, err);
	if (!rc)
		rc = pdg_aead_open(&aead, zero_nonce, s->body, s->body_len, out, err);
	if (!rc)
		memcpy(file_key, out, AGE_FILE_KEY_BYTES);
	pdg_aead_release(&aead);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}
