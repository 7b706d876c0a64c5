/* SPDX-License-Identifier: MIT */
/* Release tokens: package ids, release secrets and their QR / typed text (docs/formats.md). */
#ifndef PDG_TOKENS_CODEC_H
#define PDG_TOKENS_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

/*
 * A token is "PDG1" + package id (15) + release secret (26) + check (4) = 49 characters of
 * Crockford base32 ([0-9A-Z] without I L O U), so a QR code holds it in alphanumeric mode and a
 * keyboard-wedge scanner types it the same on every keyboard layout. The typed form groups it
 * as PDG1-PPPPP-PPPPP-PPPPP-SSSSS-SSSSS-SSSSS-SSSSS-SSSSS-SCCCC.
 */
#define PDG_TOKEN_PREFIX        "PDG1"
#define PDG_TOKEN_PREFIX_CHARS  4
#define PDG_PKGID_CHARS         15      /* 75 random bits; names PDIGATE/<PKGID>.MAN */
#define PDG_TOKEN_SECRET_BYTES  16      /* 128-bit release secret */
#define PDG_TOKEN_SECRET_CHARS  26      /* 130 bits, the last 2 are zero */
#define PDG_TOKEN_CHECK_CHARS   4
#define PDG_TOKEN_CHARS         49
#define PDG_TOKEN_GROUP_CHARS   5
#define PDG_TOKEN_TYPED_CHARS   58      /* "PDG1" + 9 x "-XXXXX" */
#define PDG_TOKEN_HASH_BYTES    32      /* SHA-256 */
#define PDG_TOKEN_INPUT_MAX     256     /* longer input is rejected before it is parsed */

/* A decoded token. The secret is key material: wipe with pdg_token_wipe() after last use. */
struct pdg_token {
	char pkgid[PDG_PKGID_CHARS + 1];        /* canonical: 15 uppercase Crockford characters */
	uint8_t secret[PDG_TOKEN_SECRET_BYTES];
};

/* The two printed forms of a token; both carry the secret: wipe with pdg_token_text_wipe(). */
struct pdg_token_text {
	char qr[PDG_TOKEN_CHARS + 1];           /* what the QR code holds */
	char typed[PDG_TOKEN_TYPED_CHARS + 1];  /* grouped with hyphens, for people */
};

/* Why a text is not a token; each has its own message and JSON name. */
enum pdg_token_fault {
	PDG_TOKEN_OK = 0,
	PDG_TOKEN_E_PREFIX,     /* does not start with "PDG": not a pdigate token */
	PDG_TOKEN_E_VERSION,    /* "PDG" followed by a version other than 1 */
	PDG_TOKEN_E_CHAR,       /* a character outside the alphabet, or a non-canonical secret */
	PDG_TOKEN_E_LENGTH,     /* too few or too many characters */
	PDG_TOKEN_E_CHECK,      /* the check characters do not match: a typo or a swap */
};

/* The short name of a fault for JSON: "ok", "prefix", "version", "character", "length", "check". */
const char *pdg_token_fault_name(enum pdg_token_fault fault);

/*
 * Make a fresh package id from the OS random generator into out (NUL-terminated).
 * Fails with PDG_E_CRYPTO if no random bytes are available.
 */
PDG_MUST_CHECK enum pdg_code pdg_pkgid_new(char out[PDG_PKGID_CHARS + 1], struct pdg_err *err);

/* True if s is a canonical package id: exactly 15 uppercase Crockford characters. */
bool pdg_pkgid_valid(const char *s);

/*
 * Fill tok with a fresh package id and a fresh 128-bit release secret. On failure tok is
 * wiped. The caller wipes tok after last use.
 */
PDG_MUST_CHECK enum pdg_code pdg_token_new(struct pdg_token *tok, struct pdg_err *err);

/*
 * Encode tok into both printed forms. tok->pkgid must be canonical (PDG_E_INVALID otherwise,
 * and out is wiped). The caller wipes out after last use.
 */
PDG_MUST_CHECK enum pdg_code pdg_token_encode(const struct pdg_token *tok,
					      struct pdg_token_text *out, struct pdg_err *err);

/*
 * Decode a scanned or typed text (NUL-terminated; case-insensitive; spaces, tabs and hyphens
 * ignored; O read as 0, I and L as 1). On success fills out and returns PDG_OK. Otherwise
 * returns PDG_E_INVALID, sets *fault (may be NULL) and err->msg, which never quotes the input,
 * and wipes out. Every intermediate copy of the input is wiped before returning.
 */
PDG_MUST_CHECK enum pdg_code pdg_token_decode(const char *text, struct pdg_token *out,
					      enum pdg_token_fault *fault, struct pdg_err *err);

/*
 * hash = SHA-256 of the 16 raw secret bytes: what the service center stores until the
 * token is redeemed. Fails with PDG_E_CRYPTO only if OpenSSL fails.
 */
PDG_MUST_CHECK enum pdg_code pdg_token_secret_hash(const uint8_t secret[PDG_TOKEN_SECRET_BYTES],
						   uint8_t hash[PDG_TOKEN_HASH_BYTES],
						   struct pdg_err *err);

/*
 * The secret as its 26 Crockford characters (NUL-terminated), the form used as the age
 * passphrase of the inner layer. The caller wipes out after last use.
 */
void pdg_token_secret_text(const uint8_t secret[PDG_TOKEN_SECRET_BYTES],
			   char out[PDG_TOKEN_SECRET_CHARS + 1]);

/* Wipe a token or its text (safe on half-filled structs and NULL). */
void pdg_token_wipe(struct pdg_token *tok);
void pdg_token_text_wipe(struct pdg_token_text *text);

#endif
