/* SPDX-License-Identifier: MIT */
/* OpenSSL 3 EVP glue: X25519, HKDF, HMAC, scrypt, ChaCha20-Poly1305, Ed25519, random bytes. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "lib/crypto/evp.h"

static enum pdg_code fail(struct pdg_err *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[128] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return pdg_err_set(err, PDG_E_CRYPTO, "%s failed%s%s", what, e ? ": " : "", buf);
}

enum pdg_code pdg_random(void *buf, size_t n, struct pdg_err *err)
{
	if (n > (size_t)0x7fffffff || RAND_bytes(buf, (int)n) != 1)
		return fail(err, "random generation");
	return PDG_OK;
}

static enum pdg_code digest(const char *name, uint8_t *out, size_t outlen, const void *buf,
	size_t len, struct pdg_err *err)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	unsigned n = 0;
	enum pdg_code rc = PDG_OK;

	if (!md || EVP_Digest(buf, len, out, &n, md, NULL) != 1 || n != outlen)
		rc = fail(err, name);
	EVP_MD_free(md);
	return rc;
}

enum pdg_code pdg_sha256(uint8_t out[PDG_SHA256_BYTES], const void *buf, size_t len,
	struct pdg_err *err)
{
	return digest("SHA256", out, PDG_SHA256_BYTES, buf, len, err);
}

enum pdg_code pdg_sha512(uint8_t out[PDG_SHA512_BYTES], const void *buf, size_t len,
	struct pdg_err *err)
{
	return digest("SHA512", out, PDG_SHA512_BYTES, buf, len, err);
}

enum pdg_code pdg_sha256_init(struct pdg_sha256_ctx *c, struct pdg_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	c->md = NULL;
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return fail(err, "SHA-256");
	}
	c->md = md;
	return PDG_OK;
}

enum pdg_code pdg_sha256_update(struct pdg_sha256_ctx *c, const void *buf, size_t len,
	struct pdg_err *err)
{
	if (!c->md || EVP_DigestUpdate(c->md, buf, len) != 1)
		return fail(err, "SHA-256");
	return PDG_OK;
}

enum pdg_code pdg_sha256_final(struct pdg_sha256_ctx *c, uint8_t out[PDG_SHA256_BYTES],
	struct pdg_err *err)
{
	unsigned n = 0;
	enum pdg_code rc = PDG_OK;

	if (!c->md || EVP_DigestFinal_ex(c->md, out, &n) != 1 || n != PDG_SHA256_BYTES)
		rc = fail(err, "SHA-256");
	pdg_sha256_release(c);
	return rc;
}

void pdg_sha256_release(struct pdg_sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

enum pdg_code pdg_x25519_base(uint8_t pub[PDG_X25519_BYTES], const uint8_t priv[PDG_X25519_BYTES],
	struct pdg_err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, PDG_X25519_BYTES);
	size_t len = PDG_X25519_BYTES;
	enum pdg_code rc = PDG_OK;

	if (!k || EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != PDG_X25519_BYTES)
		rc = fail(err, "X25519 public key");
	EVP_PKEY_free(k);
	return rc;
}

enum pdg_code pdg_x25519(uint8_t out[PDG_X25519_BYTES], const uint8_t priv[PDG_X25519_BYTES],
	const uint8_t peer[PDG_X25519_BYTES], struct pdg_err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, PDG_X25519_BYTES);
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, PDG_X25519_BYTES);
	EVP_PKEY_CTX *c = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
	size_t len = PDG_X25519_BYTES;
	enum pdg_code rc = PDG_OK;
	uint8_t zero = 0;

	/* OpenSSL refuses an all-zero shared secret in derive; check again to be sure. */
	if (!p || !c || EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c, p) != 1 ||
	    EVP_PKEY_derive(c, out, &len) != 1 || len != PDG_X25519_BYTES) {
		rc = fail(err, "X25519 key agreement");
	} else {
		for (size_t i = 0; i < PDG_X25519_BYTES; i++)
			zero |= out[i];
		if (zero == 0)
			rc = pdg_err_set(err, PDG_E_CRYPTO, "X25519 shared secret is zero");
	}
	if (rc)
		OPENSSL_cleanse(out, PDG_X25519_BYTES);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	return rc;
}

static enum pdg_code kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t outlen,
	struct pdg_err *err)
{
	EVP_KDF *k = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *c = k ? EVP_KDF_CTX_new(k) : NULL;
	enum pdg_code rc = PDG_OK;

	if (!c || EVP_KDF_derive(c, out, outlen, params) != 1)
		rc = fail(err, name);
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(k);
	return rc;
}

enum pdg_code pdg_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
	const uint8_t *salt, size_t saltlen, const char *info, struct pdg_err *err)
{
	static const uint8_t nosalt[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)(salt ? salt : nosalt), saltlen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
		OSSL_PARAM_END,
	};

	return kdf("HKDF", params, out, outlen, err);
}

enum pdg_code pdg_scrypt(uint8_t *out, size_t outlen, const char *pass, size_t passlen,
	const uint8_t *salt, size_t saltlen, unsigned log2n, unsigned r, unsigned p,
	struct pdg_err *err)
{
	static const char nopass[1];
	uint64_t n = (uint64_t)1 << log2n, rr = r, pp = p;
	/* scrypt needs 128*r*N for V plus 256*r + 128*r*p for B and XY; give it twice that. */
	uint64_t maxmem = 2 * (128 * rr * n + 256 * rr + 128 * rr * pp);
	OSSL_PARAM params[] = {
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)(pass ? pass : nopass),
			passlen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
		OSSL_PARAM_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_uint64(OSSL_KDF_PARAM_SCRYPT_R, &rr),
		OSSL_PARAM_uint64(OSSL_KDF_PARAM_SCRYPT_P, &pp),
		OSSL_PARAM_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_END,
	};

	if (log2n == 0 || log2n > 40)
		return pdg_err_set(err, PDG_E_INVALID, "scrypt work factor %u out of range", log2n);
	return kdf("SCRYPT", params, out, outlen, err);
}

enum pdg_code pdg_hmac_sha256(uint8_t out[PDG_SHA256_BYTES], const uint8_t *key, size_t keylen,
	const uint8_t *data, size_t len, struct pdg_err *err)
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_END,
	};
	size_t outlen = 0;
	enum pdg_code rc = PDG_OK;

	if (!c || EVP_MAC_init(c, key, keylen, params) != 1 || EVP_MAC_update(c, data, len) != 1 ||
	    EVP_MAC_final(c, out, &outlen, PDG_SHA256_BYTES) != 1 || outlen != PDG_SHA256_BYTES)
		rc = fail(err, "HMAC-SHA256");
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	return rc;
}

enum pdg_code pdg_aead_init(struct pdg_aead *a, const uint8_t key[PDG_AEAD_KEY_BYTES],
	struct pdg_err *err)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	a->ctx = NULL;
	if (!c || EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, key, NULL, 1) != 1) {
		EVP_CIPHER_CTX_free(c);
		return fail(err, "ChaCha20-Poly1305 setup");
	}
	a->ctx = c;
	return PDG_OK;
}

enum pdg_code pdg_aead_seal(struct pdg_aead *a, const uint8_t nonce[PDG_AEAD_NONCE_BYTES],
	const uint8_t *in, size_t len, uint8_t *out, struct pdg_err *err)
{
	EVP_CIPHER_CTX *c = a->ctx;
	int n = 0, fin = 0;

	if (len > 0x7fffffff)
		return pdg_err_set(err, PDG_E_LIMIT, "AEAD message too long");
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 1) != 1 ||
	    (len > 0 && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1) ||
	    EVP_CipherFinal_ex(c, out + n, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, PDG_AEAD_TAG_BYTES, out + len) != 1)
		return fail(err, "ChaCha20-Poly1305 encryption");
	return PDG_OK;
}

enum pdg_code pdg_aead_open(struct pdg_aead *a, const uint8_t nonce[PDG_AEAD_NONCE_BYTES],
	const uint8_t *in, size_t len, uint8_t *out, struct pdg_err *err)
{
	EVP_CIPHER_CTX *c = a->ctx;
	uint8_t tag[PDG_AEAD_TAG_BYTES];
	size_t plen;
	int n = 0, fin = 0;

	if (len < PDG_AEAD_TAG_BYTES)
		return pdg_err_set(err, PDG_E_CRYPTO, "AEAD message shorter than its tag");
	if (len > 0x7fffffff)
		return pdg_err_set(err, PDG_E_LIMIT, "AEAD message too long");
	plen = len - PDG_AEAD_TAG_BYTES;
	memcpy(tag, in + plen, sizeof(tag));
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 0) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, PDG_AEAD_TAG_BYTES, tag) != 1 ||
	    (plen > 0 && EVP_CipherUpdate(c, out, &n, in, (int)plen) != 1))
		return fail(err, "ChaCha20-Poly1305 decryption");
	if (EVP_CipherFinal_ex(c, out + n, &fin) != 1) {
		ERR_clear_error();
		OPENSSL_cleanse(out, plen);
		return pdg_err_set(err, PDG_E_CRYPTO, "authentication tag mismatch");
	}
	return PDG_OK;
}

void pdg_aead_release(struct pdg_aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->ctx); /* clears the key schedule */
	a->ctx = NULL;
}

enum pdg_code pdg_ed25519_public(uint8_t pub[PDG_ED25519_PUB_BYTES],
	const uint8_t seed[PDG_ED25519_SEED_BYTES], struct pdg_err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
		PDG_ED25519_SEED_BYTES);
	size_t len = PDG_ED25519_PUB_BYTES;
	enum pdg_code rc = PDG_OK;

	if (!k || EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != PDG_ED25519_PUB_BYTES)
		rc = fail(err, "Ed25519 public key");
	EVP_PKEY_free(k);
	return rc;
}

enum pdg_code pdg_ed25519_sign(uint8_t sig[PDG_ED25519_SIG_BYTES],
	const uint8_t seed[PDG_ED25519_SEED_BYTES], const uint8_t *msg, size_t len,
	struct pdg_err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
		PDG_ED25519_SEED_BYTES);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t siglen = PDG_ED25519_SIG_BYTES;
	enum pdg_code rc = PDG_OK;

	if (!k || !c || EVP_DigestSignInit(c, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(c, sig, &siglen, msg, len) != 1 || siglen != PDG_ED25519_SIG_BYTES)
		rc = fail(err, "Ed25519 signing");
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return rc;
}

enum pdg_code pdg_ed25519_verify(const uint8_t sig[PDG_ED25519_SIG_BYTES],
	const uint8_t pub[PDG_ED25519_PUB_BYTES], const uint8_t *msg, size_t len,
	struct pdg_err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
		PDG_ED25519_PUB_BYTES);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	enum pdg_code rc = PDG_OK;

	if (!k || !c || EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestVerify(c, sig, PDG_ED25519_SIG_BYTES, msg, len) != 1)
		rc = pdg_err_set(err, PDG_E_CRYPTO, "signature verification failed");
	ERR_clear_error();
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return rc;
}
