/* SPDX-License-Identifier: MIT */
/* Streaming age encryption with bounded memory: header, nonce, then 64 KiB STREAM chunks. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"

struct pdg_age_enc {
	pdg_age_write_fn write;
	void *wctx;
	struct age_stream stream;
	bool failed, done;
	size_t len;                   /* plaintext bytes in buf */
	uint8_t buf[AGE_ENC_CHUNK];   /* one chunk, sealed in place */
};

static enum pdg_code write_header(struct pdg_age_enc *e, const struct pdg_age_to *to,
	const uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err)
{
	struct age_text t = { 0 };
	uint8_t nonce[AGE_NONCE_BYTES];
	enum pdg_code rc;

	rc = age_header_begin(&t, err);
	if (!rc && to->passphrase) {
		unsigned log2n = to->scrypt_log2n ? to->scrypt_log2n : PDG_AGE_SCRYPT_DEFAULT_LOG2N;

		rc = age_scrypt_wrap(&t, to->passphrase, to->passphrase_len, log2n, file_key, err);
	}
	for (size_t i = 0; !rc && !to->passphrase && i < to->n_recipients; i++) {
		uint8_t pk[PDG_X25519_BYTES];

		rc = age_recipient_decode(to->recipients[i], pk, err);
		if (!rc)
			rc = age_x25519_wrap(&t, pk, file_key, err);
	}
	if (!rc)
		rc = age_header_finish(&t, file_key, err);
	if (!rc)
		rc = pdg_random(nonce, sizeof(nonce), err);
	if (!rc)
		rc = e->write(e->wctx, (const uint8_t *)t.buf, t.len, err);
	if (!rc)
		rc = e->write(e->wctx, nonce, sizeof(nonce), err);
	if (!rc)
		rc = age_stream_init(&e->stream, file_key, nonce, err);
	age_text_release(&t);
	return rc;
}

enum pdg_code pdg_age_encrypt_init(struct pdg_age_enc **out, const struct pdg_age_to *to,
	pdg_age_write_fn write, void *wctx, struct pdg_err *err)
{
	uint8_t file_key[AGE_FILE_KEY_BYTES];
	struct pdg_age_enc *e;
	enum pdg_code rc;

	*out = NULL;
	if (!to || !write)
		return pdg_err_set(err, PDG_E_INVALID, "missing recipients or output");
	if (to->passphrase && to->n_recipients > 0)
		return pdg_err_set(err, PDG_E_INVALID,
			"a passphrase cannot be combined with other recipients");
	if (!to->passphrase && to->n_recipients == 0)
		return pdg_err_set(err, PDG_E_INVALID, "no recipients");
	if (to->n_recipients > PDG_AGE_MAX_RECIPIENTS)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %d recipients",
			PDG_AGE_MAX_RECIPIENTS);
	if (to->passphrase && (to->passphrase_len == 0 ||
	    to->passphrase_len > PDG_AGE_MAX_PASSPHRASE))
		return pdg_err_set(err, PDG_E_INVALID, "passphrase is empty or too long");
	e = calloc(1, sizeof(*e));
	if (!e)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	e->write = write;
	e->wctx = wctx;
	*out = e;
	rc = pdg_random(file_key, sizeof(file_key), err);
	if (!rc)
		rc = write_header(e, to, file_key, err);
	OPENSSL_cleanse(file_key, sizeof(file_key));
	e->failed = rc != PDG_OK;
	return rc;
}

static enum pdg_code flush_chunk(struct pdg_age_enc *e, bool last, struct pdg_err *err)
{
	AGE_TRY(age_stream_seal(&e->stream, e->buf, e->len, last, e->buf, err));
	AGE_TRY(e->write(e->wctx, e->buf, e->len + PDG_AEAD_TAG_BYTES, err));
	e->len = 0;
	return PDG_OK;
}

enum pdg_code pdg_age_encrypt_update(struct pdg_age_enc *e, const void *buf, size_t len,
	struct pdg_err *err)
{
	const uint8_t *p = buf;

	if (e->failed || e->done)
		return pdg_err_set(err, PDG_E_INVALID, "encryption already ended");
	while (len > 0) {
		size_t n;

		/* A full chunk is only sealed once more data proves it is not the last. */
		if (e->len == PDG_AGE_CHUNK) {
			enum pdg_code rc = flush_chunk(e, false, err);

			if (rc) {
				e->failed = true;
				return rc;
			}
		}
		/* Fast path: a whole chunk of input with more after it is sealed without a copy. */
		if (e->len == 0 && len > PDG_AGE_CHUNK) {
			enum pdg_code rc = age_stream_seal(&e->stream, p, PDG_AGE_CHUNK, false, e->buf,
				err);

			if (!rc)
				rc = e->write(e->wctx, e->buf, AGE_ENC_CHUNK, err);
			if (rc) {
				e->failed = true;
				return rc;
			}
			p += PDG_AGE_CHUNK;
			len -= PDG_AGE_CHUNK;
			continue;
		}
		n = PDG_AGE_CHUNK - e->len < len ? PDG_AGE_CHUNK - e->len : len;
		memcpy(e->buf + e->len, p, n);
		e->len += n;
		p += n;
		len -= n;
	}
	return PDG_OK;
}

enum pdg_code pdg_age_encrypt_final(struct pdg_age_enc *e, struct pdg_err *err)
{
	enum pdg_code rc;

	if (e->failed || e->done)
		return pdg_err_set(err, PDG_E_INVALID, "encryption already ended");
	/* The last chunk is empty only when the whole payload is. */
	rc = flush_chunk(e, true, err);
	e->failed = rc != PDG_OK;
	e->done = true;
	return rc;
}

struct pdg_age_enc *pdg_age_encrypt_free(struct pdg_age_enc *e)
{
	if (!e)
		return NULL;
	age_stream_release(&e->stream);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
	return NULL;
}
