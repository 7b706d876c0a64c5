/* SPDX-License-Identifier: MIT */
/* Staff passwords: scrypt hashes (OpenSSL EVP_KDF "SCRYPT") as "$scrypt$ln=15,r=8,p=1$salt$hash". */
#ifndef PDG_CENTER_PASSWORD_H
#define PDG_CENTER_PASSWORD_H

#include <stddef.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_PW_HASH_MAX 160     /* the longest hash string, with its NUL */
#define PDG_PW_MAX 1024         /* longer passwords are refused */

/*
 * Hash pw[0..len) with a fresh 16-byte salt, N = 2^log2n (10..22), r = 8, p = 1, into out
 * (NUL-terminated). PDG_E_INVALID for an empty or too long password or a bad log2n,
 * PDG_E_CRYPTO if OpenSSL fails. Intermediate key material is wiped.
 */
PDG_MUST_CHECK enum pdg_code pdg_pw_hash(const char *pw, size_t len, unsigned log2n,
	char out[PDG_PW_HASH_MAX], struct pdg_err *err);

/*
 * Check pw against a hash string made by pdg_pw_hash, comparing in constant time. PDG_OK when it
 * matches, PDG_E_CRYPTO when not, PDG_E_INVALID for a malformed hash string. When hash is NULL
 * (unknown login) the same work is done against a dummy hash and PDG_E_CRYPTO is returned, so
 * that an unknown login costs the same time as a wrong password.
 */
PDG_MUST_CHECK enum pdg_code pdg_pw_verify(const char *pw, size_t len, const char *hash,
	struct pdg_err *err);

#endif
