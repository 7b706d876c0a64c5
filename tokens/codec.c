/* SPDX-License-Identifier: MIT */
/* Release token codec: Crockford base32, a GF(32) polynomial check, package ids, secret hash. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tokens/codec.h"

static const char alphabet[32] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * The check polynomial over GF(32) = GF(2)[z]/(z^5 + z^2 + 1):
 *   g(x) = x^4 + 17 x^3 + 2 x^2 + 17 x + 1,
 * the minimal polynomial of an element of order 1025 in GF(32^4). Its cyclic code of length
 * 1025 has minimum distance 4 (an ovoid code), so on our 49 symbols any 1, 2 or 3 substituted
 * characters are detected, and, since deg g = 4 and g(0) != 0, any burst of length <= 4, which
 * covers every swap of two characters at most 3 apart. gcoef[k] is the coefficient of x^k.
 */
static const uint8_t gcoef[PDG_TOKEN_CHECK_CHARS] = { 1, 17, 2, 17 };

static uint8_t gf32_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;

	for (int i = 0; i < 5; i++) {
		if (b & 1)
			r ^= a;
		b >>= 1;
		a <<= 1;
		if (a & 0x20)
			a ^= 0x25;
	}
	return r;
}

/* rem <- rem * x + s (mod g); rem[k] is the coefficient of x^k. */
static void check_feed(uint8_t rem[PDG_TOKEN_CHECK_CHARS], uint8_t s)
{
	uint8_t top = rem[3];

	rem[3] = rem[2];
	rem[2] = rem[1];
	rem[1] = rem[0];
	rem[0] = s;
	for (int k = 0; k < PDG_TOKEN_CHECK_CHARS; k++)
		rem[k] ^= gf32_mul(top, gcoef[k]);
}

/* The value of a Crockford character after normalisation, or -1. */
static int symbol_of(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	switch (c) {
	case 'O':
		return 0;
	case 'I':
	case 'L':
		return 1;
	default:
		break;
	}
	for (int i = 0; i < 32; i++)
		if (alphabet[i] == (char)c)
			return i;
	return -1;
}

const char *pdg_token_fault_name(enum pdg_token_fault fault)
{
	switch (fault) {
	case PDG_TOKEN_OK:
		return "ok";
	case PDG_TOKEN_E_PREFIX:
		return "prefix";
	case PDG_TOKEN_E_VERSION:
		return "version";
	case PDG_TOKEN_E_CHAR:
		return "character";
	case PDG_TOKEN_E_LENGTH:
		return "length";
	case PDG_TOKEN_E_CHECK:
		return "check";
	}
	return "unknown";
}

void pdg_token_wipe(struct pdg_token *tok)
{
	if (tok)
		OPENSSL_cleanse(tok, sizeof(*tok));
}

void pdg_token_text_wipe(struct pdg_token_text *text)
{
	if (text)
		OPENSSL_cleanse(text, sizeof(*text));
}

enum pdg_code pdg_pkgid_new(char out[PDG_PKGID_CHARS + 1], struct pdg_err *err)
{
	uint8_t rnd[PDG_PKGID_CHARS];

	/* one random byte per character, 5 bits of each used: 75 uniform bits */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		out[0] = '\0';
		return pdg_err_set(err, PDG_E_CRYPTO, "cannot get random bytes for a package id");
	}
	for (int i = 0; i < PDG_PKGID_CHARS; i++)
		out[i] = alphabet[rnd[i] & 31];
	out[PDG_PKGID_CHARS] = '\0';
	return PDG_OK;
}

bool pdg_pkgid_valid(const char *s)
{
	if (!s || strlen(s) != PDG_PKGID_CHARS)
		return false;
	for (int i = 0; i < PDG_PKGID_CHARS; i++)
		if (!memchr(alphabet, s[i], sizeof(alphabet)))
			return false;
	return true;
}

enum pdg_code pdg_token_new(struct pdg_token *tok, struct pdg_err *err)
{
	enum pdg_code rc = pdg_pkgid_new(tok->pkgid, err);

	if (rc)
		goto fail;
	if (RAND_bytes(tok->secret, sizeof(tok->secret)) != 1) {
		rc = pdg_err_set(err, PDG_E_CRYPTO, "cannot get random bytes for a release secret");
		goto fail;
	}
	return PDG_OK;
fail:
	pdg_token_wipe(tok);
	return rc;
}

/* 16 bytes -> 26 symbols, big-endian bit order, the last symbol padded with two zero bits. */
static void secret_symbols(const uint8_t secret[PDG_TOKEN_SECRET_BYTES],
			   uint8_t sym[PDG_TOKEN_SECRET_CHARS])
{
	unsigned acc = 0, bits = 0, n = 0;

	for (int i = 0; i < PDG_TOKEN_SECRET_BYTES; i++) {
		acc = (acc << 8 | secret[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			sym[n++] = (uint8_t)((acc >> bits) & 31);
		}
	}
	sym[n] = (uint8_t)((acc << (5 - bits)) & 31); /* bits == 3 here */
	acc = 0;
}

void pdg_token_secret_text(const uint8_t secret[PDG_TOKEN_SECRET_BYTES],
			   char out[PDG_TOKEN_SECRET_CHARS + 1])
{
	uint8_t sym[PDG_TOKEN_SECRET_CHARS];

	secret_symbols(secret, sym);
	for (int i = 0; i < PDG_TOKEN_SECRET_CHARS; i++)
		out[i] = alphabet[sym[i]];
	out[PDG_TOKEN_SECRET_CHARS] = '\0';
	OPENSSL_cleanse(sym, sizeof(sym));
}

enum pdg_code pdg_token_encode(const struct pdg_token *tok, struct pdg_token_text *out,
			       struct pdg_err *err)
{
	uint8_t sym[PDG_TOKEN_CHARS];
	uint8_t rem[PDG_TOKEN_CHECK_CHARS] = { 0 };
	size_t n = 0, t = 0;

	if (!pdg_pkgid_valid(tok->pkgid)) {
		pdg_token_text_wipe(out);
		return pdg_err_set(err, PDG_E_INVALID, "package id is not 15 Crockford characters");
	}
	for (int i = 0; i < PDG_TOKEN_PREFIX_CHARS; i++)
		sym[n++] = (uint8_t)symbol_of((unsigned char)PDG_TOKEN_PREFIX[i]);
	for (int i = 0; i < PDG_PKGID_CHARS; i++)
		sym[n++] = (uint8_t)symbol_of((unsigned char)tok->pkgid[i]);
	secret_symbols(tok->secret, sym + n);
	n += PDG_TOKEN_SECRET_CHARS;
	for (size_t i = 0; i < n; i++)
		check_feed(rem, sym[i]);
	for (int i = 0; i < PDG_TOKEN_CHECK_CHARS; i++)
		check_feed(rem, 0);
	/* codeword = M(x) x^4 + R(x): append R highest degree first */
	for (int k = PDG_TOKEN_CHECK_CHARS - 1; k >= 0; k--)
		sym[n++] = rem[k];

	for (size_t i = 0; i < n; i++) {
		out->qr[i] = alphabet[sym[i]];
		if (i >= PDG_TOKEN_PREFIX_CHARS && (i - PDG_TOKEN_PREFIX_CHARS) % PDG_TOKEN_GROUP_CHARS == 0)
			out->typed[t++] = '-';
		out->typed[t++] = alphabet[sym[i]];
	}
	out->qr[n] = '\0';
	out->typed[t] = '\0';
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(rem, sizeof(rem));
	return PDG_OK;
}

static enum pdg_code decode_fail(struct pdg_token *out, enum pdg_token_fault *fault,
				 enum pdg_token_fault why, struct pdg_err *err, const char *msg,
				 size_t pos)
{
	pdg_token_wipe(out);
	if (fault)
		*fault = why;
	if (pos)
		return pdg_err_set(err, PDG_E_INVALID, "%s at position %zu", msg, pos);
	return pdg_err_set(err, PDG_E_INVALID, "%s", msg);
}

enum pdg_code pdg_token_decode(const char *text, struct pdg_token *out,
			       enum pdg_token_fault *fault, struct pdg_err *err)
{
	/* sym[i] is a symbol value or -1; pos[i] its 1-based offset in text */
	int sym[PDG_TOKEN_INPUT_MAX];
	size_t pos[PDG_TOKEN_INPUT_MAX];
	uint8_t rem[PDG_TOKEN_CHECK_CHARS] = { 0 };
	size_t len = strnlen(text, PDG_TOKEN_INPUT_MAX + 1), n = 0, bad = 0;
	enum pdg_code rc;
	unsigned acc = 0, bits = 0, b = 0;

	if (len > PDG_TOKEN_INPUT_MAX)
		return decode_fail(out, fault, PDG_TOKEN_E_LENGTH, err, "token text is too long", 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '-')
			continue;
		pos[n] = i + 1;
		sym[n++] = symbol_of(c);
	}
	/* prefix first: anything else scanned by mistake is "not a token", not "bad character" */
	if (n < 3 || sym[0] != 22 || sym[1] != 13 || sym[2] != 16) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_PREFIX, err,
				 "not a pdigate token (does not start with PDG)", 0);
		goto out;
	}
	if (n < 4) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_LENGTH, err, "token is too short", 0);
		goto out;
	}
	if (sym[3] < 0) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_CHAR, err, "bad character", pos[3]);
		goto out;
	}
	if (sym[3] != 1) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_VERSION, err,
				 "unsupported token version (only PDG1 is known)", 0);
		goto out;
	}
	for (size_t i = 0; i < n && !bad; i++)
		if (sym[i] < 0)
			bad = pos[i];
	if (bad) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_CHAR, err, "bad character", bad);
		goto out;
	}
	if (n != PDG_TOKEN_CHARS) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_LENGTH, err,
				 n < PDG_TOKEN_CHARS ? "token is too short (characters missing)"
						     : "token is too long (characters extra)", 0);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		check_feed(rem, (uint8_t)sym[i]);
	if (rem[0] | rem[1] | rem[2] | rem[3]) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_CHECK, err,
				 "check failed: a character is wrong or two are swapped", 0);
		goto out;
	}
	/* canonical secret: the two padding bits of its last character are zero */
	if (sym[PDG_TOKEN_PREFIX_CHARS + PDG_PKGID_CHARS + PDG_TOKEN_SECRET_CHARS - 1] & 3) {
		rc = decode_fail(out, fault, PDG_TOKEN_E_CHAR, err,
				 "non-canonical secret encoding", 0);
		goto out;
	}
	for (int i = 0; i < PDG_PKGID_CHARS; i++)
		out->pkgid[i] = alphabet[sym[PDG_TOKEN_PREFIX_CHARS + i]];
	out->pkgid[PDG_PKGID_CHARS] = '\0';
	for (int i = 0; i < PDG_TOKEN_SECRET_CHARS; i++) {
		acc = (acc << 5 | (unsigned)sym[PDG_TOKEN_PREFIX_CHARS + PDG_PKGID_CHARS + i]) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out->secret[b++] = (uint8_t)(acc >> bits);
		}
	}
	if (fault)
		*fault = PDG_TOKEN_OK;
	rc = PDG_OK;
out:
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(rem, sizeof(rem));
	OPENSSL_cleanse(&acc, sizeof(acc));
	return rc;
}

enum pdg_code pdg_token_secret_hash(const uint8_t secret[PDG_TOKEN_SECRET_BYTES],
				    uint8_t hash[PDG_TOKEN_HASH_BYTES], struct pdg_err *err)
{
	unsigned int hlen = 0;

	if (EVP_Digest(secret, PDG_TOKEN_SECRET_BYTES, hash, &hlen, EVP_sha256(), NULL) != 1 ||
	    hlen != PDG_TOKEN_HASH_BYTES)
		return pdg_err_set(err, PDG_E_CRYPTO, "cannot compute SHA-256");
	return PDG_OK;
}
