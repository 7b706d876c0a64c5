/* SPDX-License-Identifier: MIT */
/* age v1 file encryption (age-encryption.org/v1): X25519 and scrypt recipients, STREAM payload. */
#ifndef PDG_CRYPTO_AGE_H
#define PDG_CRYPTO_AGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * Subset implemented (docs/formats.md "Encryption (age v1)"): binary files only (no ASCII armor),
 * X25519 recipients ("age1...") and scrypt passphrase recipients; other stanza types are skipped
 * on decryption as the spec requires. Plugins and the post-quantum hybrid are not supported.
 */

#define PDG_AGE_CHUNK (64 * 1024)          /* STREAM plaintext chunk size */
#define PDG_AGE_RECIPIENT_LEN 62           /* strlen of "age1..." */
#define PDG_AGE_IDENTITY_LEN 74            /* strlen of "AGE-SECRET-KEY-1..." */
#define PDG_AGE_SCRYPT_DEFAULT_LOG2N 18    /* age's default, for passphrases people type */
#define PDG_AGE_SCRYPT_TOKEN_LOG2N 10      /* for 128-bit random secrets (package inner layer) */
#define PDG_AGE_SCRYPT_MAX_LOG2N 22        /* decryption refuses more (4 GiB of memory) */
#define PDG_AGE_MAX_RECIPIENTS 32          /* X25519 recipients per file we encrypt to */
#define PDG_AGE_MAX_IDENTITIES 32          /* identities tried per decryption */
#define PDG_AGE_MAX_PASSPHRASE 1024        /* bytes */
#define PDG_AGE_HEADER_MAX (256 * 1024)    /* decryption refuses longer headers */

/*
 * Where encrypted or decrypted bytes go. Return PDG_OK, or a code with *err filled to stop the
 * operation (it is returned unchanged by the update/final call that wrote).
 */
typedef enum pdg_code (*pdg_age_write_fn)(void *ctx, const uint8_t *buf, size_t len,
	struct pdg_err *err);

/* --- keys -------------------------------------------------------------------------------- */

/*
 * Generate a new X25519 identity ("AGE-SECRET-KEY-1...", upper case) and its recipient
 * ("age1..."), both NUL-terminated. The caller wipes identity after use.
 */
PDG_MUST_CHECK enum pdg_code pdg_age_keygen(char identity[PDG_AGE_IDENTITY_LEN + 1],
	char recipient[PDG_AGE_RECIPIENT_LEN + 1], struct pdg_err *err);

/* The recipient string of an identity string. PDG_E_INVALID if identity is malformed. */
PDG_MUST_CHECK enum pdg_code pdg_age_identity_recipient(const char *identity,
	char recipient[PDG_AGE_RECIPIENT_LEN + 1], struct pdg_err *err);

/* PDG_OK if s is a well-formed X25519 recipient string, else PDG_E_INVALID. */
PDG_MUST_CHECK enum pdg_code pdg_age_recipient_check(const char *s, struct pdg_err *err);

/*
 * Create an identity file in age-keygen's format ("# created: ...", "# public key: age1...",
 * then the identity) at path with O_CREAT|O_EXCL and mode 0600; the recipient goes to recipient.
 * PDG_E_EXISTS if path exists, PDG_E_IO on write failure (the partial file is removed).
 */
PDG_MUST_CHECK enum pdg_code pdg_age_keygen_file(const char *path,
	char recipient[PDG_AGE_RECIPIENT_LEN + 1], struct pdg_err *err);

/*
 * Read the identities of an age identity file (lines "AGE-SECRET-KEY-1..."; '#' comments and
 * blank lines are skipped) into ids[0..max), count in *n. Files over 64 KiB, malformed lines and
 * files without an identity are PDG_E_INVALID. The caller wipes ids after use.
 */
PDG_MUST_CHECK enum pdg_code pdg_age_identities_read(const char *path,
	char ids[][PDG_AGE_IDENTITY_LEN + 1], size_t max, size_t *n, struct pdg_err *err);

/* --- encryption ------------------------------------------------------------------------------ */

/*
 * Who a file is encrypted to: either n_recipients X25519 recipient strings, or one passphrase
 * (exactly one of the two; age forbids mixing scrypt with other recipients). scrypt_log2n is the
 * work factor for the passphrase (0 means PDG_AGE_SCRYPT_DEFAULT_LOG2N; 1..22 accepted).
 */
struct pdg_age_to {
	const char *const *recipients;
	size_t n_recipients;
	const char *passphrase;
	size_t passphrase_len;
	unsigned scrypt_log2n;
};

struct pdg_age_enc;

/*
 * Start an encryption: generates the file key and nonce, writes the header and nonce through
 * write(wctx, ...) before returning. *out receives the state (free with pdg_age_encrypt_free,
 * also after a failure). Memory is bounded: one 64 KiB chunk. PDG_E_INVALID for bad recipients.
 */
PDG_MUST_CHECK enum pdg_code pdg_age_encrypt_init(struct pdg_age_enc **out,
	const struct pdg_age_to *to, pdg_age_write_fn write, void *wctx, struct pdg_err *err);

/* Encrypt len more bytes; whole chunks are written as soon as they are known not to be last. */
PDG_MUST_CHECK enum pdg_code pdg_age_encrypt_update(struct pdg_age_enc *e, const void *buf,
	size_t len, struct pdg_err *err);

/* Write the final chunk. After this (or any failure) only _free may be called. */
PDG_MUST_CHECK enum pdg_code pdg_age_encrypt_final(struct pdg_age_enc *e, struct pdg_err *err);

/* Wipe and free the state; accepts NULL; returns NULL. */
struct pdg_age_enc *pdg_age_encrypt_free(struct pdg_age_enc *e);

/* --- decryption ------------------------------------------------------------------------------ */

/*
 * What may open a file: identity strings and/or a passphrase. max_log2n bounds the scrypt work
 * factor accepted (0 means PDG_AGE_SCRYPT_MAX_LOG2N, larger values are clamped to it).
 */
struct pdg_age_from {
	const char *const *identities;
	size_t n_identities;
	const char *passphrase;
	size_t passphrase_len;
	unsigned max_log2n;
};

/* Why a decryption failed, in the categories of the age test vectors. */
enum pdg_age_failure {
	PDG_AGE_FAIL_NONE = 0,
	PDG_AGE_FAIL_HEADER,    /* malformed header (or missing nonce): PDG_E_INVALID */
	PDG_AGE_FAIL_NO_MATCH,  /* no identity/passphrase opens a stanza: PDG_E_CRYPTO */
	PDG_AGE_FAIL_HMAC,      /* file key found but header MAC wrong: PDG_E_CRYPTO */
	PDG_AGE_FAIL_PAYLOAD,   /* payload corrupted, truncated or trailing data: PDG_E_CRYPTO */
	PDG_AGE_FAIL_OTHER,     /* the write callback, memory, or a primitive failed */
};

struct pdg_age_dec;

/*
 * Start a decryption. Keys are copied (and wiped at free). Nothing is written until the header
 * has been read and its MAC verified; after that, each chunk's plaintext is passed to write only
 * once its tag has verified. The last chunk is only known at final(), so a truncated file
 * (missing final chunk) is reported by final() as PDG_AGE_FAIL_PAYLOAD: a caller MUST treat all
 * output as untrusted until final() returned PDG_OK. *out receives the state: free it with
 * pdg_age_decrypt_free, also after a failure (it may be NULL then).
 */
PDG_MUST_CHECK enum pdg_code pdg_age_decrypt_init(struct pdg_age_dec **out,
	const struct pdg_age_from *from, pdg_age_write_fn write, void *wctx, struct pdg_err *err);

/* Feed len more ciphertext bytes. Errors are sticky: later calls return the same code. */
PDG_MUST_CHECK enum pdg_code pdg_age_decrypt_update(struct pdg_age_dec *d, const void *buf,
	size_t len, struct pdg_err *err);

/* End of input: verifies and writes the last chunk, or reports truncation. */
PDG_MUST_CHECK enum pdg_code pdg_age_decrypt_final(struct pdg_age_dec *d, struct pdg_err *err);

/* The failure category after an error (PDG_AGE_FAIL_NONE while all is well). */
enum pdg_age_failure pdg_age_decrypt_failure(const struct pdg_age_dec *d);

/* Wipe and free the state; accepts NULL; returns NULL. */
struct pdg_age_dec *pdg_age_decrypt_free(struct pdg_age_dec *d);

/* --- convenience ----------------------------------------------------------------------------- */

/*
 * Encrypt in[0..len) into a new buffer *out (*outlen bytes) owned by the caller (free()).
 */
PDG_MUST_CHECK enum pdg_code pdg_age_encrypt_mem(const struct pdg_age_to *to, const void *in,
	size_t len, uint8_t **out, size_t *outlen, struct pdg_err *err);

/*
 * Decrypt in[0..len) into a new buffer *out (*outlen bytes, plus a NUL not counted) owned by the
 * caller (free(), after wiping if secret). PDG_E_LIMIT if the plaintext would exceed max_out.
 * On failure *out is NULL and any partial plaintext has been wiped; *failure (may be NULL)
 * receives the category.
 */
PDG_MUST_CHECK enum pdg_code pdg_age_decrypt_mem(const struct pdg_age_from *from, const void *in,
	size_t len, size_t max_out, uint8_t **out, size_t *outlen, enum pdg_age_failure *failure,
	struct pdg_err *err);

/* Encrypt everything readable from in_fd to out_fd. Does not close either descriptor. */
PDG_MUST_CHECK enum pdg_code pdg_age_encrypt_fd(int in_fd, int out_fd, const struct pdg_age_to *to,
	struct pdg_err *err);

/*
 * Decrypt everything readable from in_fd to out_fd. On failure out_fd may already hold verified
 * chunks of a file that turned out truncated or corrupt: the caller must discard that output.
 */
PDG_MUST_CHECK enum pdg_code pdg_age_decrypt_fd(int in_fd, int out_fd,
	const struct pdg_age_from *from, enum pdg_age_failure *failure, struct pdg_err *err);

#endif
