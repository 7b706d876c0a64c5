/* SPDX-License-Identifier: MIT */
/* age STREAM payload: per-chunk ChaCha20-Poly1305 under the HKDF payload key. */
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"

enum pdg_code age_stream_init(struct age_stream *s, const uint8_t file_key[AGE_FILE_KEY_BYTES],
	const uint8_t nonce[AGE_NONCE_BYTES], struct pdg_err *err)
{
	uint8_t key[PDG_AEAD_KEY_BYTES];
	enum pdg_code rc;

	*s = (struct age_stream){ 0 };
	/* payload key = HKDF-SHA256(ikm = file key, salt = nonce, info = "payload") */
	rc = pdg_hkdf_sha256(key, sizeof(key), file_key, AGE_FILE_KEY_BYTES, nonce, AGE_NONCE_BYTES,
		"payload", err);
	if (!rc)
		rc = pdg_aead_init(&s->aead, key, err);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* 11-byte big-endian chunk counter, then 0x01 for the last chunk and 0x00 otherwise. */
static enum pdg_code chunk_nonce(struct age_stream *s, bool last,
	uint8_t nonce[PDG_AEAD_NONCE_BYTES], struct pdg_err *err)
{
	uint64_t c = s->counter;

	if (c == UINT64_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "STREAM chunk counter overflow");
	memset(nonce, 0, PDG_AEAD_NONCE_BYTES);
	for (int i = 10; i >= 3; i--, c >>= 8)
		nonce[i] = (uint8_t)c;
	nonce[11] = last ? 1 : 0;
	return PDG_OK;
}

enum pdg_code age_stream_seal(struct age_stream *s, const uint8_t *in, size_t len, bool last,
	uint8_t *out, struct pdg_err *err)
{
	uint8_t nonce[PDG_AEAD_NONCE_BYTES];

	AGE_TRY(chunk_nonce(s, last, nonce, err));
	AGE_TRY(pdg_aead_seal(&s->aead, nonce, in, len, out, err));
	s->counter++;
	return PDG_OK;
}

enum pdg_code age_stream_open(struct age_stream *s, const uint8_t *in, size_t len, bool last,
	uint8_t *out, struct pdg_err *err)
{
	uint8_t nonce[PDG_AEAD_NONCE_BYTES];

	AGE_TRY(chunk_nonce(s, last, nonce, err));
	AGE_TRY(pdg_aead_open(&s->aead, nonce, in, len, out, err));
	s->counter++;
	return PDG_OK;
}

void age_stream_release(struct age_stream *s)
{
	if (s)
		pdg_aead_release(&s->aead);
}
