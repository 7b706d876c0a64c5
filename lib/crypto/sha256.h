/* SPDX-License-Identifier: MIT */
/* SHA-256 digests of files and descriptors, streamed, as lowercase hex. */
#ifndef PDG_CRYPTO_SHA256_H
#define PDG_CRYPTO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "lib/crypto/evp.h"
#include "lib/err.h"

#define PDG_SHA256_HEX_LEN 64

/* Lowercase hex of a digest into hex (65 bytes, NUL-terminated). */
void pdg_sha256_hex(char hex[PDG_SHA256_HEX_LEN + 1], const uint8_t digest[PDG_SHA256_BYTES]);

/*
 * Digest everything readable from fd (to its end, in 64 KiB reads) into out; *size (may be NULL)
 * receives the byte count. Does not close fd. PDG_E_IO on read errors.
 */
PDG_MUST_CHECK enum pdg_code pdg_sha256_fd(int fd, uint8_t out[PDG_SHA256_BYTES], uint64_t *size,
	struct pdg_err *err);

/* As pdg_sha256_fd on the file at path, giving hex. PDG_E_NOTFOUND if it does not exist. */
PDG_MUST_CHECK enum pdg_code pdg_sha256_file_hex(const char *path,
	char hex[PDG_SHA256_HEX_LEN + 1], uint64_t *size, struct pdg_err *err);

#endif
