/* SPDX-License-Identifier: MIT */
/* Bech32 (BIP 173 checksum, without the 90-character limit) as age uses it for keys. */
#ifndef PDG_CRYPTO_BECH32_H
#define PDG_CRYPTO_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Longest string the codec handles (age keys are 62 and 74 characters). */
#define PDG_BECH32_MAX 1024

/*
 * Encode len bytes of data under the human-readable part hrp (lower-case ASCII 33..126) into
 * out (capacity outsz, NUL-terminated), all in upper case when upper is true.
 * Returns PDG_E_INVALID for a bad hrp and PDG_E_LIMIT when out is too small.
 */
PDG_MUST_CHECK enum pdg_code pdg_bech32_encode(char *out, size_t outsz, const char *hrp,
	const uint8_t *data, size_t len, bool upper, struct pdg_err *err);

/*
 * Decode the NUL-terminated string s. The human-readable part is stored lower-cased in hrp
 * (capacity hrpsz) and the data in data (capacity datasz), with its length in *datalen.
 * Rejected (PDG_E_INVALID): mixed case, characters outside 33..126, a missing separator, an
 * empty hrp, a bad checksum, and non-canonical padding of the 5-to-8-bit conversion.
 * PDG_E_LIMIT if a buffer is too small.
 */
PDG_MUST_CHECK enum pdg_code pdg_bech32_decode(const char *s, char *hrp, size_t hrpsz,
	uint8_t *data, size_t datasz, size_t *datalen, struct pdg_err *err);

#endif
