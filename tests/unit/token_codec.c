/* SPDX-License-Identifier: MIT */
/* Unit tests for the release token codec: round trips, error detection, normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tokens/codec.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* A seeded generator so that a failure can be reproduced; tokens come from it, not the OS. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void random_token(struct pdg_token *tok)
{
	for (int i = 0; i < PDG_PKGID_CHARS; i++)
		tok->pkgid[i] = alphabet[rng() & 31];
	tok->pkgid[PDG_PKGID_CHARS] = '\0';
	for (int i = 0; i < PDG_TOKEN_SECRET_BYTES; i++)
		tok->secret[i] = (uint8_t)rng();
}

static enum pdg_token_fault decode_fault(const char *text)
{
	struct pdg_token got;
	struct pdg_err err;
	enum pdg_token_fault fault = PDG_TOKEN_OK;
	enum pdg_code rc = pdg_token_decode(text, &got, &fault, &err);

	if (rc == PDG_OK)
		assert_int_equal(fault, PDG_TOKEN_OK);
	else
		assert_int_not_equal(fault, PDG_TOKEN_OK);
	return rc == PDG_OK ? PDG_TOKEN_OK : fault;
}

static void encode_one(const struct pdg_token *tok, struct pdg_token_text *txt)
{
	struct pdg_err err;

	assert_int_equal(pdg_token_encode(tok, txt, &err), PDG_OK);
	assert_int_equal(strlen(txt->qr), PDG_TOKEN_CHARS);
	assert_int_equal(strlen(txt->typed), PDG_TOKEN_TYPED_CHARS);
	assert_int_equal(strncmp(txt->qr, "PDG1", 4), 0);
	assert_int_equal(strspn(txt->qr, alphabet), PDG_TOKEN_CHARS);
}

static void round_trip(void **state)
{
	(void)state;
	for (int n = 0; n < 1000; n++) {
		struct pdg_token tok, got;
		struct pdg_token_text txt;
		struct pdg_err err;

		random_token(&tok);
		encode_one(&tok, &txt);
		assert_int_equal(pdg_token_decode(txt.qr, &got, NULL, &err), PDG_OK);
		assert_string_equal(got.pkgid, tok.pkgid);
		assert_memory_equal(got.secret, tok.secret, PDG_TOKEN_SECRET_BYTES);
		assert_int_equal(pdg_token_decode(txt.typed, &got, NULL, &err), PDG_OK);
		assert_string_equal(got.pkgid, tok.pkgid);
		assert_memory_equal(got.secret, tok.secret, PDG_TOKEN_SECRET_BYTES);
		/* the package id is the first 15 characters after the prefix */
		assert_memory_equal(txt.qr + 4, tok.pkgid, PDG_PKGID_CHARS);
	}
}

static void fresh_tokens_round_trip(void **state)
{
	struct pdg_token tok, got;
	struct pdg_token_text txt;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_token_new(&tok, &err), PDG_OK);
	assert_true(pdg_pkgid_valid(tok.pkgid));
	encode_one(&tok, &txt);
	assert_int_equal(pdg_token_decode(txt.typed, &got, NULL, &err), PDG_OK);
	assert_memory_equal(&got, &tok, sizeof(tok));
	pdg_token_wipe(&tok);
	pdg_token_text_wipe(&txt);
	for (size_t i = 0; i < sizeof(tok.secret); i++)
		assert_int_equal(tok.secret[i], 0);
	for (size_t i = 0; i < sizeof(txt.qr); i++)
		assert_int_equal(txt.qr[i], 0);
}

/* Every single substitution and every adjacent swap of 1,000 random tokens is rejected. */
static void substitutions_and_swaps_rejected(void **state)
{
	unsigned long subst = 0, swaps = 0;

	(void)state;
	for (int n = 0; n < 1000; n++) {
		struct pdg_token tok;
		struct pdg_token_text txt;
		char s[PDG_TOKEN_CHARS + 1];

		random_token(&tok);
		encode_one(&tok, &txt);
		for (int i = 0; i < PDG_TOKEN_CHARS; i++) {
			for (int a = 0; a < 32; a++) {
				if (alphabet[a] == txt.qr[i])
					continue;
				memcpy(s, txt.qr, sizeof(s));
				s[i] = alphabet[a];
				if (decode_fault(s) == PDG_TOKEN_OK)
					fail_msg("substitution at %d accepted", i);
				subst++;
			}
		}
		for (int i = 0; i + 1 < PDG_TOKEN_CHARS; i++) {
			if (txt.qr[i] == txt.qr[i + 1])
				continue; /* swapping equal characters changes nothing */
			memcpy(s, txt.qr, sizeof(s));
			s[i] = txt.qr[i + 1];
			s[i + 1] = txt.qr[i];
			if (decode_fault(s) == PDG_TOKEN_OK)
				fail_msg("adjacent swap at %d accepted", i);
			swaps++;
		}
	}
	print_message("# %lu single substitutions and %lu adjacent swaps: all rejected\n", subst,
		      swaps);
	assert_true(subst == 1000ul * PDG_TOKEN_CHARS * 31);
}

/*
 * The check is a linear code, so whether an error pattern is detected does not depend on the
 * token: trying every pair of substitutions on one token covers every token.
 */
static void any_two_substitutions_rejected(void **state)
{
	struct pdg_token tok;
	struct pdg_token_text txt;
	char s[PDG_TOKEN_CHARS + 1];
	unsigned long tried = 0;

	(void)state;
	random_token(&tok);
	encode_one(&tok, &txt);
	for (int i = PDG_TOKEN_PREFIX_CHARS; i < PDG_TOKEN_CHARS; i++)
		for (int j = i + 1; j < PDG_TOKEN_CHARS; j++)
			for (int a = 0; a < 32; a++)
				for (int b = 0; b < 32; b++) {
					if (alphabet[a] == txt.qr[i] || alphabet[b] == txt.qr[j])
						continue;
					memcpy(s, txt.qr, sizeof(s));
					s[i] = alphabet[a];
					s[j] = alphabet[b];
					if (decode_fault(s) != PDG_TOKEN_E_CHECK)
						fail_msg("double substitution %d,%d not caught by the check", i, j);
					tried++;
				}
	print_message("# %lu double substitutions: all rejected by the check\n", tried);
}

/* Random strings of the right length: count what is accepted (expected about 10000 / 2^22). */
static void random_strings_rejected(void **state)
{
	unsigned long accepted = 0, passed_check = 0, any_accepted = 0;

	(void)state;
	for (int n = 0; n < 10000; n++) {
		char s[PDG_TOKEN_CHARS + 1];
		enum pdg_token_fault f;

		memcpy(s, "PDG1", 4);
		for (int i = 4; i < PDG_TOKEN_CHARS; i++)
			s[i] = alphabet[rng() & 31];
		s[PDG_TOKEN_CHARS] = '\0';
		f = decode_fault(s);
		accepted += f == PDG_TOKEN_OK;
		passed_check += f == PDG_TOKEN_OK || f == PDG_TOKEN_E_CHAR;
		for (int i = 0; i < PDG_TOKEN_CHARS; i++)
			s[i] = alphabet[rng() & 31];
		any_accepted += decode_fault(s) == PDG_TOKEN_OK;
	}
	print_message("# false accepts: %lu of 10000 random PDG1 strings (%lu passed the check), "
		      "%lu of 10000 fully random strings\n", accepted, passed_check, any_accepted);
	assert_true(accepted <= 1);
	assert_true(any_accepted == 0);
}

static void normalisation_accepted(void **state)
{
	struct pdg_token tok, got;
	struct pdg_token_text txt;
	struct pdg_err err;
	char s[3 * PDG_TOKEN_TYPED_CHARS];

	(void)state;
	for (int n = 0; n < 200; n++) {
		size_t k = 0;

		random_token(&tok);
		encode_one(&tok, &txt);
		/* lower case, look-alikes, spaces for hyphens, extra spaces and hyphens */
		for (size_t i = 0; txt.typed[i]; i++) {
			char c = txt.typed[i];

			if (c == '0')
				c = (n & 1) ? 'O' : 'o';
			else if (c == '1')
				c = (n & 2) ? 'I' : ((n & 4) ? 'l' : 'L');
			else if (c >= 'A' && c <= 'Z' && (i + (size_t)n) % 2)
				c = (char)(c - 'A' + 'a');
			else if (c == '-')
				c = (n & 8) ? ' ' : '-';
			s[k++] = c;
			if (i % 7 == 3)
				s[k++] = (n & 16) ? '\t' : ' ';
		}
		s[k] = '\0';
		assert_int_equal(pdg_token_decode(s, &got, NULL, &err), PDG_OK);
		assert_memory_equal(&got, &tok, sizeof(tok));
	}
}

static void distinct_errors(void **state)
{
	struct pdg_token tok;
	struct pdg_token_text txt;
	char s[400];

	(void)state;
	random_token(&tok);
	encode_one(&tok, &txt);
	memcpy(s, txt.qr, sizeof(txt.qr));
	assert_int_equal(decode_fault(s), PDG_TOKEN_OK);

	s[0] = 'X';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_PREFIX);
	assert_int_equal(decode_fault("https://example.org/"), PDG_TOKEN_E_PREFIX);
	assert_int_equal(decode_fault(""), PDG_TOKEN_E_PREFIX);
	memcpy(s, txt.qr, sizeof(txt.qr));
	s[3] = '2';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_VERSION);
	assert_int_equal(decode_fault("PDG"), PDG_TOKEN_E_LENGTH);
	memcpy(s, txt.qr, sizeof(txt.qr));
	s[20] = 'U';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_CHAR);
	s[20] = '*';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_CHAR);
	memcpy(s, txt.qr, sizeof(txt.qr));
	s[PDG_TOKEN_CHARS - 1] = '\0';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_LENGTH);
	memcpy(s, txt.qr, sizeof(txt.qr));
	memcpy(s + PDG_TOKEN_CHARS, "0", 2);
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_LENGTH);
	memset(s, '0', 300);
	memcpy(s, "PDG1", 4);
	s[300] = '\0';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_LENGTH);
	memcpy(s, txt.qr, sizeof(txt.qr));
	s[10] = s[10] == 'A' ? 'B' : 'A';
	assert_int_equal(decode_fault(s), PDG_TOKEN_E_CHECK);
}

/* A well-checked token whose secret has padding bits set is rejected as non-canonical. */
static void noncanonical_secret_rejected(void **state)
{
	struct pdg_token tok;
	struct pdg_token_text txt;
	char s[PDG_TOKEN_CHARS + 1];
	const int last = PDG_TOKEN_PREFIX_CHARS + PDG_PKGID_CHARS + PDG_TOKEN_SECRET_CHARS - 1;
	int found = 0;

	(void)state;
	random_token(&tok);
	encode_one(&tok, &txt);
	memcpy(s, txt.qr, sizeof(s));
	s[last] = alphabet[(strchr(alphabet, s[last]) - alphabet) | 1];
	/* find the check characters that fit the altered text by trying them all */
	for (long c = 0; c < 32L * 32 * 32 * 32 && !found; c++) {
		for (int k = 0; k < 4; k++)
			s[PDG_TOKEN_CHARS - 4 + k] = alphabet[(c >> (5 * k)) & 31];
		if (decode_fault(s) != PDG_TOKEN_E_CHECK) {
			found = 1;
			assert_int_equal(decode_fault(s), PDG_TOKEN_E_CHAR);
		}
	}
	assert_true(found);
}

static void error_message_never_quotes_input(void **state)
{
	struct pdg_token tok, got;
	struct pdg_token_text txt;
	struct pdg_err err;
	char s[PDG_TOKEN_CHARS + 1];

	(void)state;
	random_token(&tok);
	encode_one(&tok, &txt);
	memcpy(s, txt.qr, sizeof(s));
	s[30] = s[30] == '7' ? '8' : '7';
	assert_int_equal(pdg_token_decode(s, &got, NULL, &err), PDG_E_INVALID);
	assert_null(strstr(err.msg, txt.qr + 19));
	assert_null(strstr(err.msg, tok.pkgid));
	for (size_t i = 0; i < sizeof(got.secret); i++)
		assert_int_equal(got.secret[i], 0);
}

static void pkgid_rules(void **state)
{
	char id[PDG_PKGID_CHARS + 1];
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_pkgid_new(id, &err), PDG_OK);
	assert_true(pdg_pkgid_valid(id));
	assert_true(pdg_pkgid_valid("0123456789ABCDE"));
	assert_false(pdg_pkgid_valid("0123456789abcde"));
	assert_false(pdg_pkgid_valid("0123456789ABCDU"));
	assert_false(pdg_pkgid_valid("0123456789ABCD"));
	assert_false(pdg_pkgid_valid("0123456789ABCDEF"));
	assert_false(pdg_pkgid_valid(NULL));
}

/* SHA-256 of 16 zero bytes, as `head -c 16 /dev/zero | sha256sum` prints it. */
static void secret_hash_is_sha256(void **state)
{
	static const char want[] = "374708fff7719dd5979ec875d56cd2286f6d3cf7ec317a3b25632aab28ec37bb";
	uint8_t secret[PDG_TOKEN_SECRET_BYTES] = { 0 }, h[PDG_TOKEN_HASH_BYTES];
	char hex[2 * PDG_TOKEN_HASH_BYTES + 1];
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_token_secret_hash(secret, h, &err), PDG_OK);
	for (int i = 0; i < PDG_TOKEN_HASH_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	assert_string_equal(hex, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(fresh_tokens_round_trip),
		cmocka_unit_test(substitutions_and_swaps_rejected),
		cmocka_unit_test(any_two_substitutions_rejected),
		cmocka_unit_test(random_strings_rejected),
		cmocka_unit_test(normalisation_accepted),
		cmocka_unit_test(distinct_errors),
		cmocka_unit_test(noncanonical_secret_rejected),
		cmocka_unit_test(error_message_never_quotes_input),
		cmocka_unit_test(pkgid_rules),
		cmocka_unit_test(secret_hash_is_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
