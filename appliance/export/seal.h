/* SPDX-License-Identifier: MIT */
/* Sealing a package: ZIP → inner age layer (release secret) → outer age layer (data centers). */
#ifndef PDG_EXPORT_SEAL_H
#define PDG_EXPORT_SEAL_H

#include <stddef.h>

#include "lib/crypto/age.h"
#include "lib/err.h"

/*
 * Encrypt the file at zip_path in one pass: first to the scrypt passphrase recipient whose
 * passphrase is the token's release secret text (PDG_AGE_SCRYPT_TOKEN_LOG2N), then that
 * ciphertext to the data-center X25519 recipients, writing the result through write(wctx).
 * Memory is bounded by one read block and two age chunks. progress (may be NULL) is called
 * with the plaintext bytes done so far.
 */
PDG_MUST_CHECK enum pdg_code pdg_seal_file(const char *zip_path, const char *passphrase,
					   const char *const *recipients, size_t nrecipients,
					   pdg_age_write_fn write, void *wctx,
					   void (*progress)(void *arg, uint64_t done, uint64_t total),
					   void *progress_arg, struct pdg_err *err);

#endif
