/* SPDX-License-Identifier: MIT */
/* Streaming age decryption: header, stanza unwrapping, MAC, then STREAM chunks as they verify. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"

enum stage { ST_HEADER, ST_NONCE, ST_PAYLOAD, ST_DONE, ST_FAILED };

struct pdg_age_dec {
	pdg_age_write_fn write;
	void *wctx;
	enum stage stage;
	enum pdg_age_failure failure;
	enum pdg_code failed_code;
	/* keys */
	uint8_t ids[PDG_AGE_MAX_IDENTITIES][PDG_X25519_BYTES];
	size_t n_ids;
	char *pass;
	size_t passlen;
	unsigned max_log2n;
	/* header stage */
	uint8_t *hdr;
	size_t hdr_len, hdr_cap, hdr_scan;
	uint8_t file_key[AGE_FILE_KEY_BYTES];
	/* nonce and payload stages */
	uint8_t nonce[AGE_NONCE_BYTES];
	size_t nonce_len;
	struct age_stream stream;
	size_t len;                  /* ciphertext bytes in buf */
	uint8_t buf[AGE_ENC_CHUNK];
	uint8_t out[PDG_AGE_CHUNK];  /* verified plaintext of one chunk */
};

enum pdg_age_failure pdg_age_decrypt_failure(const struct pdg_age_dec *d)
{
	return d ? d->failure : PDG_AGE_FAIL_OTHER;
}

static enum pdg_code fail(struct pdg_age_dec *d, enum pdg_age_failure why, enum pdg_code rc)
{
	d->stage = ST_FAILED;
	d->failure = why;
	d->failed_code = rc;
	OPENSSL_cleanse(d->file_key, sizeof(d->file_key));
	OPENSSL_cleanse(d->out, sizeof(d->out));
	return rc;
}

enum pdg_code pdg_age_decrypt_init(struct pdg_age_dec **out, const struct pdg_age_from *from,
	pdg_age_write_fn write, void *wctx, struct pdg_err *err)
{
	struct pdg_age_dec *d;

	*out = NULL;
	if (!from || !write)
		return pdg_err_set(err, PDG_E_INVALID, "missing keys or output");
	if (from->n_identities == 0 && !from->passphrase)
		return pdg_err_set(err, PDG_E_INVALID, "no identity or passphrase");
	if (from->n_identities > PDG_AGE_MAX_IDENTITIES)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %d identities",
			PDG_AGE_MAX_IDENTITIES);
	if (from->passphrase && from->passphrase_len > PDG_AGE_MAX_PASSPHRASE)
		return pdg_err_set(err, PDG_E_INVALID, "passphrase too long");
	d = calloc(1, sizeof(*d));
	if (!d)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	*out = d;
	d->write = write;
	d->wctx = wctx;
	d->max_log2n = from->max_log2n && from->max_log2n < PDG_AGE_SCRYPT_MAX_LOG2N ?
		from->max_log2n : PDG_AGE_SCRYPT_MAX_LOG2N;
	for (size_t i = 0; i < from->n_identities; i++) {
		enum pdg_code rc = age_identity_decode(from->identities[i], d->ids[i], err);

		if (rc)
			return fail(d, PDG_AGE_FAIL_OTHER, rc);
		d->n_ids++;
	}
	if (from->passphrase) {
		d->pass = malloc(from->passphrase_len + 1);
		if (!d->pass)
			return fail(d, PDG_AGE_FAIL_OTHER,
				pdg_err_set(err, PDG_E_NOMEM, "out of memory"));
		memcpy(d->pass, from->passphrase, from->passphrase_len);
		d->passlen = from->passphrase_len;
	}
	return PDG_OK;
}

/* Validate every stanza we know, then find the file key (age spec "Header"). */
static enum pdg_code unwrap(struct pdg_age_dec *d, const struct age_header *h,
	struct pdg_err *err)
{
	size_t n_scrypt = 0;
	enum pdg_code rc;

	for (size_t i = 0; i < h->n_stanzas; i++) {
		const struct age_stanza *s = &h->stanzas[i];

		if (strcmp(s->args[0], "X25519") == 0) {
			rc = age_x25519_check(s, err);
		} else if (strcmp(s->args[0], "scrypt") == 0) {
			n_scrypt++;
			rc = age_scrypt_check(s, d->max_log2n, err);
		} else {
			continue; /* unknown types are ignored */
		}
		if (rc)
			return fail(d, PDG_AGE_FAIL_HEADER, rc);
	}
	if (n_scrypt > 0 && h->n_stanzas != 1)
		return fail(d, PDG_AGE_FAIL_HEADER, pdg_err_set(err, PDG_E_INVALID,
			"an scrypt stanza must be the only stanza in the header"));
	if (n_scrypt == 1) {
		if (!d->pass)
			return fail(d, PDG_AGE_FAIL_NO_MATCH, pdg_err_set(err, PDG_E_CRYPTO,
				"file is passphrase-encrypted but no passphrase was given"));
		rc = age_scrypt_unwrap(&h->stanzas[0], d->pass, d->passlen, d->file_key, err);
		if (rc == PDG_E_CRYPTO)
			return fail(d, PDG_AGE_FAIL_NO_MATCH,
				pdg_err_set(err, PDG_E_CRYPTO, "wrong passphrase"));
		return rc ? fail(d, PDG_AGE_FAIL_OTHER, rc) : PDG_OK;
	}
	for (size_t k = 0; k < d->n_ids; k++) {
		for (size_t i = 0; i < h->n_stanzas; i++) {
			if (strcmp(h->stanzas[i].args[0], "X25519") != 0)
				continue;
			rc = age_x25519_unwrap(&h->stanzas[i], d->ids[k], d->file_key, err);
			if (rc == PDG_OK)
				return PDG_OK;
			if (rc == PDG_E_INVALID)
				return fail(d, PDG_AGE_FAIL_HEADER, rc);
			if (rc != PDG_E_CRYPTO)
				return fail(d, PDG_AGE_FAIL_OTHER, rc);
		}
	}
	return fail(d, PDG_AGE_FAIL_NO_MATCH, pdg_err_set(err, PDG_E_CRYPTO,
		d->n_ids ? "no matching identity" :
		"file is not passphrase-encrypted and no identity was given"));
}

static enum pdg_code open_header(struct pdg_age_dec *d, size_t hlen, struct pdg_err *err)
{
	struct age_header h;
	uint8_t mac[AGE_MAC_BYTES];
	enum pdg_code rc;

	rc = age_header_parse(d->hdr, hlen, &h, err);
	if (rc) {
		age_header_release(&h);
		return fail(d, rc == PDG_E_INVALID ? PDG_AGE_FAIL_HEADER : PDG_AGE_FAIL_OTHER, rc);
	}
	rc = unwrap(d, &h, err);
	if (!rc) {
		rc = age_header_mac(mac, d->file_key, d->hdr, h.mac_len, err);
		if (rc)
			rc = fail(d, PDG_AGE_FAIL_OTHER, rc);
		else if (CRYPTO_memcmp(mac, h.mac, sizeof(mac)) != 0)
			rc = fail(d, PDG_AGE_FAIL_HMAC,
				pdg_err_set(err, PDG_E_CRYPTO, "header MAC mismatch"));
	}
	age_header_release(&h);
	if (!rc)
		d->stage = ST_NONCE;
	return rc;
}

/* Buffer header bytes until the "---" line is complete; returns bytes of p consumed. */
static enum pdg_code feed_header(struct pdg_age_dec *d, const uint8_t *p, size_t len,
	size_t *used, struct pdg_err *err)
{
	size_t end, take = len;

	if (d->hdr_len + take > PDG_AGE_HEADER_MAX)
		take = PDG_AGE_HEADER_MAX - d->hdr_len;
	if (d->hdr_len + take > d->hdr_cap) {
		size_t cap = d->hdr_cap ? d->hdr_cap : 4096;
		uint8_t *nb;

		while (cap < d->hdr_len + take)
			cap *= 2;
		nb = realloc(d->hdr, cap);
		if (!nb)
			return fail(d, PDG_AGE_FAIL_OTHER, pdg_err_set(err, PDG_E_NOMEM,
				"out of memory"));
		d->hdr = nb;
		d->hdr_cap = cap;
	}
	memcpy(d->hdr + d->hdr_len, p, take);
	d->hdr_len += take;
	if (!age_header_first_line_ok(d->hdr, d->hdr_len)) {
		static const char armor[] = "-----BEGIN AGE ENCRYPTED FILE-----";
		size_t n = d->hdr_len < sizeof(armor) - 1 ? d->hdr_len : sizeof(armor) - 1;

		return fail(d, PDG_AGE_FAIL_HEADER, pdg_err_set(err, PDG_E_INVALID,
			memcmp(d->hdr, armor, n) == 0 ?
			"ASCII-armored age files are not supported" : "not an age file"));
	}
	end = age_header_end(d->hdr, d->hdr_len, &d->hdr_scan);
	if (end == 0) {
		*used = take;
		if (d->hdr_len == PDG_AGE_HEADER_MAX)
			return fail(d, PDG_AGE_FAIL_HEADER, pdg_err_set(err, PDG_E_INVALID,
				"header longer than %d bytes", PDG_AGE_HEADER_MAX));
		return PDG_OK;
	}
	/* Bytes after the header belong to the payload: hand them back. */
	*used = take - (d->hdr_len - end);
	d->hdr_len = end;
	return open_header(d, end, err);
}

/*
 * Open the chunk in[0..len) (the buffer, or whole chunks straight from the caller's input) with
 * the given last flag and write its plaintext; PDG_E_CRYPTO (not failed yet) if the tag fails.
 */
static enum pdg_code try_chunk(struct pdg_age_dec *d, const uint8_t *in, size_t len, bool last,
	struct pdg_err *err)
{
	size_t plain;
	enum pdg_code rc;

	if (len < PDG_AEAD_TAG_BYTES)
		return fail(d, PDG_AGE_FAIL_PAYLOAD, pdg_err_set(err, PDG_E_CRYPTO,
			"payload corrupted or truncated: short chunk"));
	plain = len - PDG_AEAD_TAG_BYTES;
	if (last && plain == 0 && d->stream.counter > 0)
		return fail(d, PDG_AGE_FAIL_PAYLOAD, pdg_err_set(err, PDG_E_CRYPTO,
			"payload corrupted: empty last chunk"));
	rc = age_stream_open(&d->stream, in, len, last, d->out, err);
	if (rc == PDG_E_CRYPTO)
		return pdg_err_set(err, PDG_E_CRYPTO, "payload corrupted or truncated (chunk %llu)",
			(unsigned long long)d->stream.counter);
	if (rc)
		return fail(d, PDG_AGE_FAIL_OTHER, rc);
	d->len = 0;
	/* d->out is overwritten by the next chunk and wiped at free or failure. */
	rc = plain ? d->write(d->wctx, d->out, plain, err) : PDG_OK;
	return rc ? fail(d, PDG_AGE_FAIL_OTHER, rc) : PDG_OK;
}

static enum pdg_code open_chunk(struct pdg_age_dec *d, bool last, struct pdg_err *err)
{
	enum pdg_code rc = try_chunk(d, d->buf, d->len, last, err);

	if (rc && d->stage != ST_FAILED)
		return fail(d, PDG_AGE_FAIL_PAYLOAD, rc);
	return rc;
}

/*
 * A full chunk followed by more data must be a non-last chunk. If it only opens as the last
 * chunk, its plaintext is released and the data after it is rejected (as the reference does).
 */
static enum pdg_code full_chunk_then_more(struct pdg_age_dec *d, const uint8_t *in,
	struct pdg_err *err)
{
	enum pdg_code rc = try_chunk(d, in, AGE_ENC_CHUNK, false, err);

	if (rc == PDG_OK || d->stage == ST_FAILED)
		return rc;
	rc = try_chunk(d, in, AGE_ENC_CHUNK, true, err);
	if (rc == PDG_OK)
		return fail(d, PDG_AGE_FAIL_PAYLOAD, pdg_err_set(err, PDG_E_CRYPTO,
			"payload corrupted: data after the final chunk"));
	return d->stage == ST_FAILED ? rc : fail(d, PDG_AGE_FAIL_PAYLOAD, rc);
}

enum pdg_code pdg_age_decrypt_update(struct pdg_age_dec *d, const void *buf, size_t len,
	struct pdg_err *err)
{
	const uint8_t *p = buf;
	enum pdg_code rc;

	if (d->stage == ST_FAILED)
		return pdg_err_set(err, d->failed_code, "decryption already failed");
	if (d->stage == ST_DONE)
		return pdg_err_set(err, PDG_E_INVALID, "decryption already ended");
	while (len > 0) {
		size_t n = 0;

		switch (d->stage) {
		case ST_HEADER:
			rc = feed_header(d, p, len, &n, err);
			if (rc)
				return rc;
			break;
		case ST_NONCE:
			n = AGE_NONCE_BYTES - d->nonce_len < len ? AGE_NONCE_BYTES - d->nonce_len : len;
			memcpy(d->nonce + d->nonce_len, p, n);
			d->nonce_len += n;
			if (d->nonce_len == AGE_NONCE_BYTES) {
				rc = age_stream_init(&d->stream, d->file_key, d->nonce, err);
				OPENSSL_cleanse(d->file_key, sizeof(d->file_key));
				if (rc)
					return fail(d, PDG_AGE_FAIL_OTHER, rc);
				d->stage = ST_PAYLOAD;
			}
			break;
		case ST_PAYLOAD:
			/* A full chunk followed by more data is known not to be the last one. */
			if (d->len == AGE_ENC_CHUNK) {
				rc = full_chunk_then_more(d, d->buf, err);
				if (rc)
					return rc;
			}
			/* Fast path: whole chunks with more input after them, opened without a copy. */
			if (d->len == 0 && len > AGE_ENC_CHUNK) {
				rc = full_chunk_then_more(d, p, err);
				if (rc)
					return rc;
				n = AGE_ENC_CHUNK;
				break;
			}
			n = AGE_ENC_CHUNK - d->len < len ? AGE_ENC_CHUNK - d->len : len;
			memcpy(d->buf + d->len, p, n);
			d->len += n;
			break;
		default:
			return pdg_err_set(err, PDG_E_INTERNAL, "bad decryption stage");
		}
		p += n;
		len -= n;
	}
	return PDG_OK;
}

enum pdg_code pdg_age_decrypt_final(struct pdg_age_dec *d, struct pdg_err *err)
{
	enum pdg_code rc;

	switch (d->stage) {
	case ST_FAILED:
		return pdg_err_set(err, d->failed_code, "decryption already failed");
	case ST_DONE:
		return pdg_err_set(err, PDG_E_INVALID, "decryption already ended");
	case ST_HEADER:
		return fail(d, PDG_AGE_FAIL_HEADER, pdg_err_set(err, PDG_E_INVALID,
			d->hdr_len ? "truncated header" : "empty file"));
	case ST_NONCE:
		return fail(d, PDG_AGE_FAIL_HEADER, pdg_err_set(err, PDG_E_INVALID,
			"truncated file: missing payload nonce"));
	case ST_PAYLOAD:
		break;
	}
	if (d->len == 0)
		return fail(d, PDG_AGE_FAIL_PAYLOAD, pdg_err_set(err, PDG_E_CRYPTO,
			d->stream.counter ? "payload truncated: the final chunk is missing" :
			"payload truncated: no chunks"));
	/*
	 * A full chunk at the end may be a non-last chunk of a truncated file: it is verified and
	 * released as such, and the truncation reported (as the reference implementation does).
	 */
	if (d->len == AGE_ENC_CHUNK) {
		rc = try_chunk(d, d->buf, d->len, false, err);
		if (rc == PDG_OK)
			return fail(d, PDG_AGE_FAIL_PAYLOAD, pdg_err_set(err, PDG_E_CRYPTO,
				"payload truncated: the final chunk is missing"));
		if (d->stage == ST_FAILED)
			return rc;
	}
	rc = open_chunk(d, true, err);
	if (!rc)
		d->stage = ST_DONE;
	return rc;
}

struct pdg_age_dec *pdg_age_decrypt_free(struct pdg_age_dec *d)
{
	if (!d)
		return NULL;
	age_stream_release(&d->stream);
	if (d->pass) {
		OPENSSL_cleanse(d->pass, d->passlen);
		free(d->pass);
	}
	free(d->hdr);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
	return NULL;
}
