/* SPDX-License-Identifier: MIT */
/* Strict standard base64 (RFC 4648 §4), padded or unpadded, rejecting non-canonical input. */
#ifndef PDG_CRYPTO_BASE64_H
#define PDG_CRYPTO_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Length of the encoding of n bytes, without the terminating NUL. */
size_t pdg_b64_encoded_len(size_t n, bool pad);

/*
 * Encode n bytes of in into out, which must hold pdg_b64_encoded_len(n, pad) + 1 bytes; out is
 * NUL-terminated. Returns the encoded length.
 */
size_t pdg_b64_encode(char *out, const uint8_t *in, size_t n, bool pad);

/*
 * Decode exactly inlen characters of in into out (capacity outsz) and store the byte count in
 * *outlen. The input must be canonical: only the standard alphabet, '=' padding exactly when pad is
 * true (and never when false), unused trailing bits zero. No whitespace is accepted.
 * Returns PDG_E_INVALID for malformed input and PDG_E_LIMIT if out is too small.
 */
PDG_MUST_CHECK enum pdg_code pdg_b64_decode(const char *in, size_t inlen, bool pad, uint8_t *out,
	size_t outsz, size_t *outlen, struct pdg_err *err);

#endif
