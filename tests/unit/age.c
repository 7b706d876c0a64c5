/* SPDX-License-Identifier: MIT */
/* Unit tests for base64, bech32 and age encryption round trips, including chunk boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/crypto/age.h"
#include "lib/crypto/base64.h"
#include "lib/crypto/bech32.h"

static void b64_round_trip_and_canonical(void **state)
{
	uint8_t in[5] = { 0xfb, 0xff, 0x00, 0x10, 0x7f }, out[8];
	char enc[16];
	size_t n = 0;

	(void)state;
	for (size_t len = 0; len <= 5; len++) {
		size_t w = pdg_b64_encode(enc, in, len, false);

		assert_int_equal(w, pdg_b64_encoded_len(len, false));
		assert_int_equal(pdg_b64_decode(enc, w, false, out, sizeof(out), &n, NULL), PDG_OK);
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
		w = pdg_b64_encode(enc, in, len, true);
		assert_int_equal(w % 4, 0);
		assert_int_equal(pdg_b64_decode(enc, w, true, out, sizeof(out), &n, NULL), PDG_OK);
		assert_int_equal(n, len);
	}
	assert_string_equal((pdg_b64_encode(enc, (const uint8_t *)"f", 1, false), enc), "Zg");
	/* "Zh" has non-zero unused bits; padding where none is expected; a lone character. */
	assert_int_equal(pdg_b64_decode("Zh", 2, false, out, sizeof(out), &n, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_b64_decode("Zg==", 4, false, out, sizeof(out), &n, NULL),
		PDG_E_INVALID);
	assert_int_equal(pdg_b64_decode("Zg", 2, true, out, sizeof(out), &n, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_b64_decode("Z", 1, false, out, sizeof(out), &n, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_b64_decode("Zm9v\n", 5, false, out, sizeof(out), &n, NULL),
		PDG_E_INVALID);
	assert_int_equal(pdg_b64_decode("Zm9vYmFy", 8, false, out, 5, &n, NULL), PDG_E_LIMIT);
}

static void bech32_bip173_vectors(void **state)
{
	static const char *const valid[] = {
		"A12UEL5L", "a12uel5l",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
	};
	static const char *const invalid[] = {
		"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8",
		"1qzzfhee", "A12uEL5L", "a12uel5m",
	};
	char hrp[128];
	uint8_t data[128];
	size_t n = 0;

	(void)state;
	/* The checksum of every valid string verifies; some carry 5-bit data that is not whole
	 * bytes, which age keys never do, and those are refused only for that reason. */
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct pdg_err err = { 0 };

		if (pdg_bech32_decode(valid[i], hrp, sizeof(hrp), data, sizeof(data), &n, &err))
			assert_string_equal(err.msg, "non-canonical bech32 padding");
	}
	assert_int_equal(pdg_bech32_decode("A12UEL5L", hrp, sizeof(hrp), data, sizeof(data), &n,
		NULL), PDG_OK);
	assert_string_equal(hrp, "a");
	assert_int_equal(n, 0);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		assert_int_not_equal(pdg_bech32_decode(invalid[i], hrp, sizeof(hrp), data,
			sizeof(data), &n, NULL), PDG_OK);
}

static void bech32_round_trip(void **state)
{
	uint8_t key[32], back[64];
	char s[128], hrp[32];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 37 + 5);
	assert_int_equal(pdg_bech32_encode(s, sizeof(s), "age", key, 32, false, NULL), PDG_OK);
	assert_int_equal(strlen(s), PDG_AGE_RECIPIENT_LEN);
	assert_int_equal(pdg_bech32_decode(s, hrp, sizeof(hrp), back, sizeof(back), &n, NULL),
		PDG_OK);
	assert_string_equal(hrp, "age");
	assert_int_equal(n, 32);
	assert_memory_equal(back, key, 32);
	s[10] = s[10] == 'q' ? 'p' : 'q'; /* a single changed character breaks the checksum */
	assert_int_equal(pdg_bech32_decode(s, hrp, sizeof(hrp), back, sizeof(back), &n, NULL),
		PDG_E_INVALID);
	assert_int_equal(pdg_bech32_encode(s, 20, "age", key, 32, false, NULL), PDG_E_LIMIT);
}

static void keys_are_well_formed(void **state)
{
	char id[PDG_AGE_IDENTITY_LEN + 1], rc1[PDG_AGE_RECIPIENT_LEN + 1];
	char rc2[PDG_AGE_RECIPIENT_LEN + 1];

	(void)state;
	assert_int_equal(pdg_age_keygen(id, rc1, NULL), PDG_OK);
	assert_int_equal(strlen(id), PDG_AGE_IDENTITY_LEN);
	assert_int_equal(strncmp(id, "AGE-SECRET-KEY-1", 16), 0);
	assert_int_equal(strncmp(rc1, "age1", 4), 0);
	assert_int_equal(pdg_age_identity_recipient(id, rc2, NULL), PDG_OK);
	assert_string_equal(rc1, rc2);
	assert_int_equal(pdg_age_recipient_check(rc1, NULL), PDG_OK);
	/* Recipients are lower case only, identities upper case only. */
	for (char *p = rc1; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	assert_int_equal(pdg_age_recipient_check(rc1, NULL), PDG_E_INVALID);
	for (char *p = id; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	assert_int_equal(pdg_age_identity_recipient(id, rc2, NULL), PDG_E_INVALID);
}

static uint8_t *pattern(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 8));
	return p;
}

static void x25519_round_trip_at_chunk_boundaries(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200000 };
	char id[2][PDG_AGE_IDENTITY_LEN + 1], rcpt[2][PDG_AGE_RECIPIENT_LEN + 1];
	char other_id[PDG_AGE_IDENTITY_LEN + 1], other_rcpt[PDG_AGE_RECIPIENT_LEN + 1];
	const char *to_list[2] = { rcpt[0], rcpt[1] };
	const char *id1[1] = { id[1] }, *other[1] = { other_id };

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pdg_age_keygen(id[i], rcpt[i], NULL), PDG_OK);
	assert_int_equal(pdg_age_keygen(other_id, other_rcpt, NULL), PDG_OK);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pdg_age_to to = { .recipients = to_list, .n_recipients = 2 };
		struct pdg_age_from from = { .identities = id1, .n_identities = 1 };
		struct pdg_age_from wrong = { .identities = other, .n_identities = 1 };
		uint8_t *plain = pattern(sizes[s]), *ct = NULL, *pt = NULL;
		size_t ctlen = 0, ptlen = 0, chunks = sizes[s] ? (sizes[s] + 65535) / 65536 : 1;
		enum pdg_age_failure f;
		struct pdg_err err;

		assert_int_equal(pdg_age_encrypt_mem(&to, plain, sizes[s], &ct, &ctlen, NULL),
			PDG_OK);
		/* The payload is the 16-byte nonce plus 16 bytes of tag per chunk. */
		assert_true(ctlen > sizes[s] + 16 + 16 * chunks);
		assert_int_equal(pdg_age_decrypt_mem(&from, ct, ctlen, SIZE_MAX, &pt, &ptlen, &f,
			NULL), PDG_OK);
		assert_int_equal(f, PDG_AGE_FAIL_NONE);
		assert_int_equal(ptlen, sizes[s]);
		assert_memory_equal(pt, plain, sizes[s]);
		free(pt);
		assert_int_equal(pdg_age_decrypt_mem(&wrong, ct, ctlen, SIZE_MAX, &pt, &ptlen, &f,
			&err), PDG_E_CRYPTO);
		assert_int_equal(f, PDG_AGE_FAIL_NO_MATCH);
		assert_string_equal(err.msg, "no matching identity");
		assert_null(pt);
		/* Truncated by one byte, and with one payload byte flipped. */
		assert_int_equal(pdg_age_decrypt_mem(&from, ct, ctlen - 1, SIZE_MAX, &pt, &ptlen, &f,
			NULL), PDG_E_CRYPTO);
		assert_int_equal(f, PDG_AGE_FAIL_PAYLOAD);
		ct[ctlen - 20] ^= 1;
		assert_int_equal(pdg_age_decrypt_mem(&from, ct, ctlen, SIZE_MAX, &pt, &ptlen, &f,
			&err), PDG_E_CRYPTO);
		assert_int_equal(f, PDG_AGE_FAIL_PAYLOAD);
		assert_non_null(strstr(err.msg, "payload corrupted"));
		ct[ctlen - 20] ^= 1;
		/* A changed header byte (in the first stanza's share) breaks the MAC or the match. */
		ct[30] = ct[30] == 'A' ? 'B' : 'A';
		assert_int_not_equal(pdg_age_decrypt_mem(&from, ct, ctlen, SIZE_MAX, &pt, &ptlen, &f,
			NULL), PDG_OK);
		assert_true(f == PDG_AGE_FAIL_HMAC || f == PDG_AGE_FAIL_HEADER);
		free(ct);
		free(plain);
	}
}

static void scrypt_round_trip_and_wrong_passphrase(void **state)
{
	static const char msg[] = "release secret protected payload";
	struct pdg_age_to to = { .passphrase = "correct horse", .passphrase_len = 13,
		.scrypt_log2n = 10 };
	struct pdg_age_from good = { .passphrase = "correct horse", .passphrase_len = 13 };
	struct pdg_age_from bad = { .passphrase = "correct horsf", .passphrase_len = 13 };
	struct pdg_age_from low = { .passphrase = "correct horse", .passphrase_len = 13,
		.max_log2n = 9 };
	uint8_t *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0;
	enum pdg_age_failure f;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_age_encrypt_mem(&to, msg, sizeof(msg), &ct, &ctlen, NULL), PDG_OK);
	assert_non_null(strstr((char *)ct, "\n-> scrypt "));
	assert_non_null(strstr((char *)ct, " 10\n"));
	assert_int_equal(pdg_age_decrypt_mem(&good, ct, ctlen, 4096, &pt, &ptlen, &f, NULL), PDG_OK);
	assert_int_equal(ptlen, sizeof(msg));
	assert_string_equal((char *)pt, msg);
	free(pt);
	assert_int_equal(pdg_age_decrypt_mem(&bad, ct, ctlen, 4096, &pt, &ptlen, &f, &err),
		PDG_E_CRYPTO);
	assert_int_equal(f, PDG_AGE_FAIL_NO_MATCH);
	assert_string_equal(err.msg, "wrong passphrase");
	assert_int_equal(pdg_age_decrypt_mem(&low, ct, ctlen, 4096, &pt, &ptlen, &f, &err),
		PDG_E_INVALID);
	assert_int_equal(f, PDG_AGE_FAIL_HEADER);
	/* Output cap. */
	assert_int_equal(pdg_age_decrypt_mem(&good, ct, ctlen, 8, &pt, &ptlen, &f, NULL),
		PDG_E_LIMIT);
	assert_null(pt);
	free(ct);
}

static enum pdg_code to_outer_enc(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	return pdg_age_encrypt_update(ctx, buf, len, err);
}

static enum pdg_code to_inner_dec(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	return pdg_age_decrypt_update(ctx, buf, len, err);
}

struct sink {
	uint8_t *p;
	size_t len, cap;
};

static enum pdg_code to_sink(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct sink *s = ctx;

	(void)err;
	if (s->len + len > s->cap)
		return PDG_E_LIMIT;
	memcpy(s->p + s->len, buf, len);
	s->len += len;
	return PDG_OK;
}

/* The package seal: an inner scrypt layer streamed straight into an outer X25519 layer. */
static void nested_layers_stream_through_callbacks(void **state)
{
	char id[PDG_AGE_IDENTITY_LEN + 1], rcpt[PDG_AGE_RECIPIENT_LEN + 1];
	const char *rl[1] = { rcpt }, *il[1] = { id };
	struct pdg_age_to outer_to = { .recipients = rl, .n_recipients = 1 };
	struct pdg_age_to inner_to = { .passphrase = "S3CRET", .passphrase_len = 6,
		.scrypt_log2n = PDG_AGE_SCRYPT_TOKEN_LOG2N };
	struct pdg_age_from outer_from = { .identities = il, .n_identities = 1 };
	struct pdg_age_from inner_from = { .passphrase = "S3CRET", .passphrase_len = 6 };
	struct pdg_age_enc *outer = NULL, *inner = NULL;
	struct pdg_age_dec *douter = NULL, *dinner = NULL;
	size_t len = 3 * PDG_AGE_CHUNK + 12345;
	uint8_t *plain = pattern(len);
	struct sink ct = { .cap = len + 4096 }, pt = { .cap = len };

	(void)state;
	ct.p = malloc(ct.cap);
	pt.p = malloc(pt.cap);
	assert_non_null(ct.p);
	assert_non_null(pt.p);
	assert_int_equal(pdg_age_keygen(id, rcpt, NULL), PDG_OK);
	assert_int_equal(pdg_age_encrypt_init(&outer, &outer_to, to_sink, &ct, NULL), PDG_OK);
	assert_int_equal(pdg_age_encrypt_init(&inner, &inner_to, to_outer_enc, outer, NULL), PDG_OK);
	for (size_t off = 0; off < len; off += 1000)
		assert_int_equal(pdg_age_encrypt_update(inner, plain + off,
			len - off < 1000 ? len - off : 1000, NULL), PDG_OK);
	assert_int_equal(pdg_age_encrypt_final(inner, NULL), PDG_OK);
	assert_int_equal(pdg_age_encrypt_final(outer, NULL), PDG_OK);
	/* Once final, the state refuses more data. */
	assert_int_equal(pdg_age_encrypt_update(outer, "x", 1, NULL), PDG_E_INVALID);
	pdg_age_encrypt_free(inner);
	pdg_age_encrypt_free(outer);

	assert_int_equal(pdg_age_decrypt_init(&dinner, &inner_from, to_sink, &pt, NULL), PDG_OK);
	assert_int_equal(pdg_age_decrypt_init(&douter, &outer_from, to_inner_dec, dinner, NULL),
		PDG_OK);
	assert_int_equal(pdg_age_decrypt_update(douter, ct.p, ct.len, NULL), PDG_OK);
	assert_int_equal(pdg_age_decrypt_final(douter, NULL), PDG_OK);
	assert_int_equal(pdg_age_decrypt_final(dinner, NULL), PDG_OK);
	assert_int_equal(pt.len, len);
	assert_memory_equal(pt.p, plain, len);
	pdg_age_decrypt_free(douter);
	pdg_age_decrypt_free(dinner);
	free(ct.p);
	free(pt.p);
	free(plain);
}

static void misuse_is_refused(void **state)
{
	char id[PDG_AGE_IDENTITY_LEN + 1], rcpt[PDG_AGE_RECIPIENT_LEN + 1];
	const char *list[1] = { rcpt }, *bad[1] = { "age1notakey" };
	struct pdg_age_to both = { .recipients = list, .n_recipients = 1, .passphrase = "x",
		.passphrase_len = 1 };
	struct pdg_age_to none = { 0 };
	struct pdg_age_to badr = { .recipients = bad, .n_recipients = 1 };
	struct pdg_age_to toobig = { .passphrase = "x", .passphrase_len = 1, .scrypt_log2n = 23 };
	uint8_t *ct = NULL;
	size_t ctlen = 0;

	(void)state;
	assert_int_equal(pdg_age_keygen(id, rcpt, NULL), PDG_OK);
	assert_int_equal(pdg_age_encrypt_mem(&both, "a", 1, &ct, &ctlen, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_age_encrypt_mem(&none, "a", 1, &ct, &ctlen, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_age_encrypt_mem(&badr, "a", 1, &ct, &ctlen, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_age_encrypt_mem(&toobig, "a", 1, &ct, &ctlen, NULL), PDG_E_INVALID);
	assert_null(ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b64_round_trip_and_canonical),
		cmocka_unit_test(bech32_bip173_vectors),
		cmocka_unit_test(bech32_round_trip),
		cmocka_unit_test(keys_are_well_formed),
		cmocka_unit_test(x25519_round_trip_at_chunk_boundaries),
		cmocka_unit_test(scrypt_round_trip_and_wrong_passphrase),
		cmocka_unit_test(nested_layers_stream_through_callbacks),
		cmocka_unit_test(misuse_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
