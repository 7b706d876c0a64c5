/* SPDX-License-Identifier: MIT */
/* scrypt password hashes for the scan-desk staff, with OpenSSL 3 EVP_KDF. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/server/password.h"
#include "lib/crypto/base64.h"

#define SALT_BYTES 16
#define KEY_BYTES 32

static enum pdg_code scrypt(const char *pw, size_t len, const uint8_t *salt, size_t saltlen,
			    unsigned log2n, uint8_t key[KEY_BYTES], struct pdg_err *err)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	uint64_t n = (uint64_t)1 << log2n;
	uint32_t r = 8, p = 1;
	uint64_t maxmem = (uint64_t)256 << 20;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_construct_end(),
	};
	int ok = ctx && EVP_KDF_derive(ctx, key, KEY_BYTES, params) == 1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (!ok) {
		OPENSSL_cleanse(key, KEY_BYTES);
		return pdg_err_set(err, PDG_E_CRYPTO, "scrypt failed");
	}
	return PDG_OK;
}

enum pdg_code pdg_pw_hash(const char *pw, size_t len, unsigned log2n, char out[PDG_PW_HASH_MAX],
			  struct pdg_err *err)
{
	uint8_t salt[SALT_BYTES], key[KEY_BYTES];
	char s64[32], k64[48];

	if (!len || len > PDG_PW_MAX)
		return pdg_err_set(err, PDG_E_INVALID, "a password must have 1 to %d bytes", PDG_PW_MAX);
	if (log2n < 10 || log2n > 22)
		return pdg_err_set(err, PDG_E_INVALID, "scrypt work factor out of range");
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return pdg_err_set(err, PDG_E_CRYPTO, "no random bytes for the salt");
	if (scrypt(pw, len, salt, sizeof(salt), log2n, key, err))
		return err->code;
	pdg_b64_encode(s64, salt, sizeof(salt), false);
	pdg_b64_encode(k64, key, sizeof(key), false);
	OPENSSL_cleanse(key, sizeof(key));
	snprintf(out, PDG_PW_HASH_MAX, "$scrypt$ln=%u,r=8,p=1$%s$%s", log2n, s64, k64);
	OPENSSL_cleanse(k64, sizeof(k64));
	return PDG_OK;
}

/* Parse "$scrypt$ln=N,r=8,p=1$<salt>$<key>" (r and p fixed). */
static enum pdg_code parse(const char *h, unsigned *log2n, uint8_t salt[SALT_BYTES],
			   uint8_t key[KEY_BYTES], struct pdg_err *err)
{
	const char *p = h, *d1, *d2;
	char *end;
	unsigned long ln;
	size_t n;

	if (strncmp(p, "$scrypt$ln=", 11))
		goto bad;
	p += 11;
	ln = strtoul(p, &end, 10);
	if (end == p || ln < 10 || ln > 22 || strncmp(end, ",r=8,p=1$", 9))
		goto bad;
	d1 = end + 9;
	d2 = strchr(d1, '$');
	if (!d2)
		goto bad;
	if (pdg_b64_decode(d1, (size_t)(d2 - d1), false, salt, SALT_BYTES, &n, err) ||
	    n != SALT_BYTES)
		goto bad;
	if (pdg_b64_decode(d2 + 1, strlen(d2 + 1), false, key, KEY_BYTES, &n, err) || n != KEY_BYTES)
		goto bad;
	*log2n = (unsigned)ln;
	return PDG_OK;
bad:
	return pdg_err_set(err, PDG_E_INVALID, "malformed password hash");
}

enum pdg_code pdg_pw_verify(const char *pw, size_t len, const char *hash, struct pdg_err *err)
{
	/* a fixed hash of nothing in particular, for unknown logins */
	static const char dummy[] =
		"$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	uint8_t salt[SALT_BYTES], want[KEY_BYTES], got[KEY_BYTES];
	unsigned log2n = 0;
	int same;

	if (parse(hash ? hash : dummy, &log2n, salt, want, err))
		return err->code;
	if (len > PDG_PW_MAX)
		len = PDG_PW_MAX;
	if (scrypt(pw, len, salt, sizeof(salt), log2n, got, err))
		return err->code;
	same = CRYPTO_memcmp(got, want, KEY_BYTES) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	if (!hash || !same)
		return pdg_err_set(err, PDG_E_CRYPTO, "wrong login or password");
	return PDG_OK;
}
