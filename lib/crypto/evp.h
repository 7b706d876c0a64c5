/* SPDX-License-Identifier: MIT */
/* The one glue module over OpenSSL 3 EVP: every primitive pdigate's crypto uses. */
#ifndef PDG_CRYPTO_EVP_H
#define PDG_CRYPTO_EVP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_X25519_BYTES 32
#define PDG_AEAD_KEY_BYTES 32
#define PDG_AEAD_NONCE_BYTES 12
#define PDG_AEAD_TAG_BYTES 16
#define PDG_SHA256_BYTES 32
#define PDG_ED25519_PUB_BYTES 32
#define PDG_ED25519_SEED_BYTES 32
#define PDG_ED25519_SIG_BYTES 64

#define PDG_SHA512_BYTES 64

/* One-shot SHA-256 and SHA-512 of buf[0..len). */
PDG_MUST_CHECK enum pdg_code pdg_sha256(uint8_t out[PDG_SHA256_BYTES], const void *buf, size_t len,
	struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_sha512(uint8_t out[PDG_SHA512_BYTES], const void *buf, size_t len,
	struct pdg_err *err);

/* Streaming SHA-256. _init allocates; _final writes the digest and frees; _release frees
 * (accepts a zeroed or finished context). */
struct pdg_sha256_ctx {
	void *md; /* EVP_MD_CTX */
};
PDG_MUST_CHECK enum pdg_code pdg_sha256_init(struct pdg_sha256_ctx *c, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_sha256_update(struct pdg_sha256_ctx *c, const void *buf,
	size_t len, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_sha256_final(struct pdg_sha256_ctx *c,
	uint8_t out[PDG_SHA256_BYTES], struct pdg_err *err);
void pdg_sha256_release(struct pdg_sha256_ctx *c);

/* Fill buf with n bytes from the OpenSSL CSPRNG. PDG_E_CRYPTO if it fails. */
PDG_MUST_CHECK enum pdg_code pdg_random(void *buf, size_t n, struct pdg_err *err);

/* pub = X25519(priv, basepoint). */
PDG_MUST_CHECK enum pdg_code pdg_x25519_base(uint8_t pub[PDG_X25519_BYTES],
	const uint8_t priv[PDG_X25519_BYTES], struct pdg_err *err);

/*
 * out = X25519(priv, peer). Fails with PDG_E_CRYPTO when the result is all zero (peer is a
 * low-order point), as RFC 7748 §6.1 allows and age requires.
 */
PDG_MUST_CHECK enum pdg_code pdg_x25519(uint8_t out[PDG_X25519_BYTES],
	const uint8_t priv[PDG_X25519_BYTES], const uint8_t peer[PDG_X25519_BYTES],
	struct pdg_err *err);

/* HKDF-SHA256 (RFC 5869) extract-and-expand into out[0..outlen). salt may be NULL if saltlen 0. */
PDG_MUST_CHECK enum pdg_code pdg_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *ikm,
	size_t ikmlen, const uint8_t *salt, size_t saltlen, const char *info, struct pdg_err *err);

/* HMAC-SHA256 of data under key. */
PDG_MUST_CHECK enum pdg_code pdg_hmac_sha256(uint8_t out[PDG_SHA256_BYTES], const uint8_t *key,
	size_t keylen, const uint8_t *data, size_t len, struct pdg_err *err);

/* scrypt(pass, salt, N = 2^log2n, r, p) into out[0..outlen), memory limit sized to fit. */
PDG_MUST_CHECK enum pdg_code pdg_scrypt(uint8_t *out, size_t outlen, const char *pass,
	size_t passlen, const uint8_t *salt, size_t saltlen, unsigned log2n, unsigned r, unsigned p,
	struct pdg_err *err);

/*
 * A ChaCha20-Poly1305 (RFC 8439) context bound to one key, reused across many messages so that
 * bulk encryption does not set up a cipher per chunk. No associated data.
 */
struct pdg_aead {
	void *ctx; /* EVP_CIPHER_CTX */
};

/* Bind *a to key. On failure *a holds nothing to release; _release is still safe. */
PDG_MUST_CHECK enum pdg_code pdg_aead_init(struct pdg_aead *a,
	const uint8_t key[PDG_AEAD_KEY_BYTES], struct pdg_err *err);

/* out[0..len) = encryption of in[0..len) (in == out allowed), then the 16-byte tag at out + len. */
PDG_MUST_CHECK enum pdg_code pdg_aead_seal(struct pdg_aead *a,
	const uint8_t nonce[PDG_AEAD_NONCE_BYTES], const uint8_t *in, size_t len, uint8_t *out,
	struct pdg_err *err);

/*
 * Open in[0..len) whose last 16 bytes are the tag into out (len - 16 bytes; in == out allowed).
 * PDG_E_CRYPTO when the tag does not verify, and then out holds nothing usable (it is wiped).
 */
PDG_MUST_CHECK enum pdg_code pdg_aead_open(struct pdg_aead *a,
	const uint8_t nonce[PDG_AEAD_NONCE_BYTES], const uint8_t *in, size_t len, uint8_t *out,
	struct pdg_err *err);

/* Free the context and wipe the key schedule. Safe on a zeroed or failed *a. */
void pdg_aead_release(struct pdg_aead *a);

/* Ed25519: derive the public key of a 32-byte seed (RFC 8032 private key). */
PDG_MUST_CHECK enum pdg_code pdg_ed25519_public(uint8_t pub[PDG_ED25519_PUB_BYTES],
	const uint8_t seed[PDG_ED25519_SEED_BYTES], struct pdg_err *err);

/* Ed25519 signature of msg[0..len) by seed. */
PDG_MUST_CHECK enum pdg_code pdg_ed25519_sign(uint8_t sig[PDG_ED25519_SIG_BYTES],
	const uint8_t seed[PDG_ED25519_SEED_BYTES], const uint8_t *msg, size_t len,
	struct pdg_err *err);

/*
 * Verify an Ed25519 signature (OpenSSL: cofactorless equation, canonical S and R required).
 * PDG_OK when valid, PDG_E_CRYPTO when not (including an undecodable public key).
 */
PDG_MUST_CHECK enum pdg_code pdg_ed25519_verify(const uint8_t sig[PDG_ED25519_SIG_BYTES],
	const uint8_t pub[PDG_ED25519_PUB_BYTES], const uint8_t *msg, size_t len,
	struct pdg_err *err);

#endif
