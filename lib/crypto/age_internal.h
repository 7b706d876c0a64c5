/* SPDX-License-Identifier: MIT */
/* Internal pieces of the age implementation shared by its files; not a public API. */
#ifndef PDG_CRYPTO_AGE_INTERNAL_H
#define PDG_CRYPTO_AGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/crypto/age.h"
#include "lib/crypto/evp.h"

#define AGE_VERSION_LINE "age-encryption.org/v1"
#define AGE_FILE_KEY_BYTES 16
#define AGE_NONCE_BYTES 16
#define AGE_MAC_BYTES 32
#define AGE_STANZA_ARGS 8          /* arguments kept per stanza; more are only counted */
#define AGE_BODY_COLUMNS 64
#define AGE_ENC_CHUNK (PDG_AGE_CHUNK + PDG_AEAD_TAG_BYTES)

/* Return early with the code of a failed step. */
#define AGE_TRY(expr) \
	do { \
		enum pdg_code age_rc_ = (expr); \
		if (age_rc_) \
			return age_rc_; \
	} while (0)

/* One parsed recipient stanza; pointers point into the owning struct age_header. */
struct age_stanza {
	size_t nargs;                        /* including the type, args[0] */
	const char *args[AGE_STANZA_ARGS];   /* the first AGE_STANZA_ARGS, NUL-terminated */
	const uint8_t *body;
	size_t body_len;
};

struct age_header {
	char *text;                  /* a NUL-split copy of the header text */
	uint8_t *bodies;             /* decoded stanza bodies */
	struct age_stanza *stanzas;
	size_t n_stanzas;
	size_t mac_len;              /* bytes covered by the MAC: through "---" */
	uint8_t mac[AGE_MAC_BYTES];
};

/*
 * The length of the header at the start of buf[0..len) (through the newline of the "---" line),
 * or 0 if that line is not complete yet. *scan carries the scan position between calls (start 0).
 */
size_t age_header_end(const uint8_t *buf, size_t len, size_t *scan);

/* True if the first line, once complete, is plausible (stops scanning garbage early). */
bool age_header_first_line_ok(const uint8_t *buf, size_t len);

/*
 * Parse exactly one header buf[0..len) strictly (canonical base64, 64-column bodies, a short
 * last body line, VCHAR arguments). PDG_E_INVALID with a message when malformed. *h is
 * initialised either way; release it with age_header_release.
 */
PDG_MUST_CHECK enum pdg_code age_header_parse(const uint8_t *buf, size_t len,
	struct age_header *h, struct pdg_err *err);

void age_header_release(struct age_header *h);

/* A growing text buffer for writing a header. */
struct age_text {
	char *buf;
	size_t len, cap;
};

PDG_MUST_CHECK enum pdg_code age_text_add(struct age_text *t, const char *s, size_t n,
	struct pdg_err *err);
void age_text_release(struct age_text *t);

/* Append "-> args...\n" and the wrapped base64 body to t. */
PDG_MUST_CHECK enum pdg_code age_header_add_stanza(struct age_text *t, const char *const *args,
	size_t nargs, const uint8_t *body, size_t body_len, struct pdg_err *err);

/* Start a header with the version line. */
PDG_MUST_CHECK enum pdg_code age_header_begin(struct age_text *t, struct pdg_err *err);

/* Append "---", the MAC of everything so far under file_key, and the newline. */
PDG_MUST_CHECK enum pdg_code age_header_finish(struct age_text *t,
	const uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err);

/* The header MAC over text[0..len) under file_key. */
PDG_MUST_CHECK enum pdg_code age_header_mac(uint8_t mac[AGE_MAC_BYTES],
	const uint8_t file_key[AGE_FILE_KEY_BYTES], const void *text, size_t len,
	struct pdg_err *err);

/* Key strings. */
PDG_MUST_CHECK enum pdg_code age_recipient_decode(const char *s,
	uint8_t pk[PDG_X25519_BYTES], struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code age_identity_decode(const char *s, uint8_t sk[PDG_X25519_BYTES],
	struct pdg_err *err);

/* Stanzas. check: PDG_E_INVALID if malformed. unwrap: PDG_E_CRYPTO if the key does not open it,
 * PDG_E_INVALID if it must be rejected outright (zero shared secret). */
PDG_MUST_CHECK enum pdg_code age_x25519_wrap(struct age_text *t, const uint8_t pk[PDG_X25519_BYTES],
	const uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code age_x25519_check(const struct age_stanza *s, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code age_x25519_unwrap(const struct age_stanza *s,
	const uint8_t sk[PDG_X25519_BYTES], uint8_t file_key[AGE_FILE_KEY_BYTES],
	struct pdg_err *err);

PDG_MUST_CHECK enum pdg_code age_scrypt_wrap(struct age_text *t, const char *pass, size_t passlen,
	unsigned log2n, const uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code age_scrypt_check(const struct age_stanza *s, unsigned max_log2n,
	struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code age_scrypt_unwrap(const struct age_stanza *s, const char *pass,
	size_t passlen, uint8_t file_key[AGE_FILE_KEY_BYTES], struct pdg_err *err);

/* STREAM (age spec "Payload"): ChaCha20-Poly1305, nonce = 11-byte counter || last flag. */
struct age_stream {
	struct pdg_aead aead;
	uint64_t counter;
};

PDG_MUST_CHECK enum pdg_code age_stream_init(struct age_stream *s,
	const uint8_t file_key[AGE_FILE_KEY_BYTES], const uint8_t nonce[AGE_NONCE_BYTES],
	struct pdg_err *err);
/* Seal in[0..len) into out (len + 16 bytes; out == in allowed), len <= PDG_AGE_CHUNK. */
PDG_MUST_CHECK enum pdg_code age_stream_seal(struct age_stream *s, const uint8_t *in, size_t len,
	bool last, uint8_t *out, struct pdg_err *err);
/*
 * Open in[0..len) into out (len - 16 bytes); in is left intact, so a chunk can be retried with
 * the other last flag. PDG_E_CRYPTO when the tag does not verify; the counter then stays.
 */
PDG_MUST_CHECK enum pdg_code age_stream_open(struct age_stream *s, const uint8_t *in, size_t len,
	bool last, uint8_t *out, struct pdg_err *err);
void age_stream_release(struct age_stream *s);

#endif
