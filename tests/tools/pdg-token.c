/* SPDX-License-Identifier: MIT */
/* Test tool: encode a token from a given package id and secret, to make test vectors. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tokens/codec.h"

static const char usage_text[] =
	"usage: pdg-token encode <package-id> <secret-hex>\n"
	"Prints the QR text, the typed text, the secret as Crockford text and the SHA-256 of\n"
	"the secret, one per line. For test vectors only: it prints the secret.\n";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int main(int argc, char **argv)
{
	struct pdg_token tok = { 0 };
	struct pdg_token_text txt;
	struct pdg_err err = { 0 };
	uint8_t hash[PDG_TOKEN_HASH_BYTES];
	char stext[PDG_TOKEN_SECRET_CHARS + 1];

	if (argc != 4 || strcmp(argv[1], "encode") || strlen(argv[2]) != PDG_PKGID_CHARS ||
	    strlen(argv[3]) != 2 * PDG_TOKEN_SECRET_BYTES) {
		fputs(usage_text, stderr);
		return 2;
	}
	memcpy(tok.pkgid, argv[2], PDG_PKGID_CHARS + 1);
	for (int i = 0; i < PDG_TOKEN_SECRET_BYTES; i++) {
		int hi = hexval(argv[3][2 * i]), lo = hexval(argv[3][2 * i + 1]);

		if (hi < 0 || lo < 0) {
			fputs(usage_text, stderr);
			return 2;
		}
		tok.secret[i] = (uint8_t)(hi << 4 | lo);
	}
	if (pdg_token_encode(&tok, &txt, &err) || pdg_token_secret_hash(tok.secret, hash, &err)) {
		fprintf(stderr, "pdg-token: error: %s\n", err.msg);
		return 1;
	}
	pdg_token_secret_text(tok.secret, stext);
	printf("%s\n%s\n%s\n", txt.qr, txt.typed, stext);
	for (int i = 0; i < PDG_TOKEN_HASH_BYTES; i++)
		printf("%02x", hash[i]);
	putchar('\n');
	pdg_token_wipe(&tok);
	pdg_token_text_wipe(&txt);
	OPENSSL_cleanse(stext, sizeof(stext));
	return 0;
}
