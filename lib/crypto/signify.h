/* SPDX-License-Identifier: MIT */
/* signify(1)-compatible Ed25519 keys and detached signatures (OpenBSD signify file formats). */
#ifndef PDG_CRYPTO_SIGNIFY_H
#define PDG_CRYPTO_SIGNIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/crypto/evp.h"
#include "lib/err.h"

/*
 * Subset (docs/formats.md "Signatures (signify)"): Ed25519 ("Ed") keys, detached signatures,
 * unencrypted secret keys only (kdfrounds 0, as `signify -G -n` writes). The appliance's secret
 * key is protected by the appliance's full-disk encryption and file mode 0600, not by a
 * passphrase: the appliance must sign unattended. Encrypted secret keys are refused.
 */

#define PDG_SIGNIFY_KEYNUM_BYTES 8
#define PDG_SIGNIFY_MAX_COMMENT 1023     /* bytes after "untrusted comment: " */
#define PDG_SIGNIFY_MAX_MESSAGE (1024L * 1024 * 1024) /* files signed or verified whole */

struct pdg_signify_pub {
	uint8_t keynum[PDG_SIGNIFY_KEYNUM_BYTES];
	uint8_t key[PDG_ED25519_PUB_BYTES];
};

/* A secret key in memory: wipe with pdg_signify_sec_wipe after use. */
struct pdg_signify_sec {
	uint8_t keynum[PDG_SIGNIFY_KEYNUM_BYTES];
	uint8_t seed[PDG_ED25519_SEED_BYTES];
	uint8_t pub[PDG_ED25519_PUB_BYTES];
};

struct pdg_signify_sig {
	uint8_t keynum[PDG_SIGNIFY_KEYNUM_BYTES];
	uint8_t sig[PDG_ED25519_SIG_BYTES];
};

void pdg_signify_sec_wipe(struct pdg_signify_sec *sec);

/*
 * Generate a key pair: sec_path gets the secret key (O_CREAT|O_EXCL, mode 0600, fsynced) and
 * pub_path the public key (O_EXCL, 0644), with comment lines "<comment> secret key" and
 * "<comment> public key" (comment NULL means "signify"). PDG_E_EXISTS if either file exists;
 * on failure neither file is left behind. pub (may be NULL) receives the public key.
 */
PDG_MUST_CHECK enum pdg_code pdg_signify_keygen(const char *sec_path, const char *pub_path,
	const char *comment, struct pdg_signify_pub *pub, struct pdg_err *err);

/* Parse the text of a public key file / a signature file / a secret key file (exact format:
 * "untrusted comment: ...\n" then one line of padded base64 then "\n"). PDG_E_INVALID if
 * malformed, PDG_E_POLICY for an encrypted secret key, PDG_E_CRYPTO for a bad checksum. */
PDG_MUST_CHECK enum pdg_code pdg_signify_pub_parse(const char *text, size_t len,
	struct pdg_signify_pub *pub, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_signify_sig_parse(const char *text, size_t len,
	struct pdg_signify_sig *sig, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_signify_sec_parse(const char *text, size_t len,
	struct pdg_signify_sec *sec, struct pdg_err *err);

/* Read and parse a key or signature file (at most 4 KiB). */
PDG_MUST_CHECK enum pdg_code pdg_signify_pub_read(const char *path, struct pdg_signify_pub *pub,
	struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_signify_sig_read(const char *path, struct pdg_signify_sig *sig,
	struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_signify_sec_read(const char *path, struct pdg_signify_sec *sec,
	struct pdg_err *err);

/*
 * Format a public key or signature file's text into out (capacity outsz, NUL-terminated; 1100
 * bytes always suffice), with the given comment (no newline; NULL means a default).
 */
PDG_MUST_CHECK enum pdg_code pdg_signify_pub_format(const struct pdg_signify_pub *pub,
	const char *comment, char *out, size_t outsz, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_signify_sig_format(const struct pdg_signify_sig *sig,
	const char *comment, char *out, size_t outsz, struct pdg_err *err);

/*
 * Format the text of an unencrypted secret key file (kdfalg "BK", kdfrounds 0, a random salt,
 * the SHA-512 checksum) into out. The caller wipes out after use.
 */
PDG_MUST_CHECK enum pdg_code pdg_signify_sec_format(const struct pdg_signify_sec *sec,
	const char *comment, char *out, size_t outsz, struct pdg_err *err);

/* Sign msg[0..len) with sec. */
PDG_MUST_CHECK enum pdg_code pdg_signify_sign(const struct pdg_signify_sec *sec, const void *msg,
	size_t len, struct pdg_signify_sig *sig, struct pdg_err *err);

/*
 * Verify: PDG_OK only if sig was made by pub over msg[0..len). PDG_E_CRYPTO "signature made
 * with a different key" when the key numbers differ, "signature verification failed" otherwise.
 */
PDG_MUST_CHECK enum pdg_code pdg_signify_verify(const struct pdg_signify_pub *pub,
	const struct pdg_signify_sig *sig, const void *msg, size_t len, struct pdg_err *err);

/*
 * Sign the exact bytes of msg_path (at most PDG_SIGNIFY_MAX_MESSAGE) with the secret key file
 * sec_path, writing sig_path (created or truncated, 0644, not following a symlink). comment NULL
 * means "verify with <sec file name with .sec replaced by .pub>", as signify writes.
 */
PDG_MUST_CHECK enum pdg_code pdg_signify_sign_file(const char *sec_path, const char *msg_path,
	const char *sig_path, const char *comment, struct pdg_err *err);

/* As pdg_signify_sign_file for a message already in memory. */
PDG_MUST_CHECK enum pdg_code pdg_signify_sign_buf(const char *sec_path, const void *msg,
	size_t len, const char *sig_path, const char *comment, struct pdg_err *err);

/* Verify the signature file sig_path over the file msg_path / over msg with public key pub_path. */
PDG_MUST_CHECK enum pdg_code pdg_signify_verify_file(const char *pub_path, const char *msg_path,
	const char *sig_path, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_signify_verify_buf(const char *pub_path, const void *msg,
	size_t len, const char *sig_path, struct pdg_err *err);

#endif
