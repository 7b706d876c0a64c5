/* SPDX-License-Identifier: MIT */
/* Unit tests for the HID POS Scanned Data Report parser with constructed reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tokens/codec.h"
#include "tokens/hidpos.h"

/* A 64-byte report: id 2, n data bytes of text from off, AIM "]Q1", flags more. */
static size_t report(uint8_t rep[64], const char *text, size_t n, int more)
{
	memset(rep, 0, 64);
	rep[0] = PDG_HIDPOS_REPORT_ID;
	rep[1] = (uint8_t)n;
	memcpy(rep + 2, "]Q1", 3);
	memcpy(rep + 5, text, n);
	rep[63] = (uint8_t)(more ? 1 : 0);
	return 64;
}

static void one_report_scan(void **state)
{
	struct pdg_hidpos h;
	uint8_t rep[64];
	char why[64] = "";
	const char *tok = "PDG1B3EWFXSTPKKQBVVRWBN50MZ1Q71TWQCH211ET5SJ4S7Y5";

	(void)state;
	pdg_hidpos_init(&h);
	assert_int_equal(pdg_hidpos_feed(&h, rep, report(rep, tok, strlen(tok), 0), why,
					 sizeof(why)), PDG_HIDPOS_SCAN);
	assert_string_equal(h.text, tok);
	assert_string_equal(h.aim, "]Q1");
	pdg_hidpos_next(&h);
	assert_int_equal(h.len, 0);
}

static void token_in_three_reports_decodes(void **state)
{
	struct pdg_hidpos h;
	struct pdg_token tok, back;
	struct pdg_token_text text;
	struct pdg_err err = { 0 };
	enum pdg_token_fault fault;
	uint8_t rep[64];
	char why[64];
	size_t len, off = 0;

	(void)state;
	memset(&tok, 0, sizeof(tok));
	memcpy(tok.pkgid, "0123456789ABCDE", 16);
	for (int i = 0; i < PDG_TOKEN_SECRET_BYTES; i++)
		tok.secret[i] = (uint8_t)(i * 37 + 1);
	assert_int_equal(pdg_token_encode(&tok, &text, &err), PDG_OK);
	len = strlen(text.qr);
	pdg_hidpos_init(&h);
	/* 20 + 20 + rest: as a scanner with small reports would send it */
	while (off < len) {
		size_t n = len - off > 20 ? 20 : len - off;
		enum pdg_hidpos_result r = pdg_hidpos_feed(&h, rep, report(rep, text.qr + off, n,
									   off + n < len),
							   why, sizeof(why));

		off += n;
		assert_int_equal(r, off < len ? PDG_HIDPOS_MORE : PDG_HIDPOS_SCAN);
	}
	assert_int_equal(pdg_token_decode(h.text, &back, &fault, &err), PDG_OK);
	assert_string_equal(back.pkgid, tok.pkgid);
	assert_memory_equal(back.secret, tok.secret, PDG_TOKEN_SECRET_BYTES);
	pdg_hidpos_wipe(&h);
	pdg_token_text_wipe(&text);
}

static void other_reports_ignored(void **state)
{
	struct pdg_hidpos h;
	uint8_t rep[64] = { 0x04, 1, 0 }; /* a trigger report */
	char why[64];

	(void)state;
	pdg_hidpos_init(&h);
	assert_int_equal(pdg_hidpos_feed(&h, rep, sizeof(rep), why, sizeof(why)), PDG_HIDPOS_MORE);
	assert_int_equal(pdg_hidpos_feed(&h, rep, 0, why, sizeof(why)), PDG_HIDPOS_MORE);
	assert_int_equal(h.len, 0);
}

static void malformed_reports(void **state)
{
	struct pdg_hidpos h;
	uint8_t rep[64];
	char why[64];

	(void)state;
	pdg_hidpos_init(&h);
	report(rep, "ABC", 3, 0);
	assert_int_equal(pdg_hidpos_feed(&h, rep, 5, why, sizeof(why)), PDG_HIDPOS_BAD);
	assert_string_equal(why, "short report");
	report(rep, "ABC", 3, 0);
	rep[1] = 59; /* more than 64 - 6 */
	assert_int_equal(pdg_hidpos_feed(&h, rep, 64, why, sizeof(why)), PDG_HIDPOS_BAD);
	assert_string_equal(why, "length exceeds report");
	report(rep, "AB\nC", 4, 0);
	assert_int_equal(pdg_hidpos_feed(&h, rep, 64, why, sizeof(why)), PDG_HIDPOS_BAD);
	assert_string_equal(why, "control byte in data");
	assert_int_equal(h.len, 0);
}

static void bad_report_skips_rest_of_scan(void **state)
{
	struct pdg_hidpos h;
	uint8_t rep[64];
	char why[64];

	(void)state;
	pdg_hidpos_init(&h);
	report(rep, "AB\x01", 3, 1);
	assert_int_equal(pdg_hidpos_feed(&h, rep, 64, why, sizeof(why)), PDG_HIDPOS_BAD);
	/* the continuation of the bad scan is dropped, not taken as a new scan */
	report(rep, "TAIL", 4, 0);
	assert_int_equal(pdg_hidpos_feed(&h, rep, 64, why, sizeof(why)), PDG_HIDPOS_MORE);
	assert_int_equal(h.len, 0);
	/* the next scan is read normally */
	report(rep, "NEXT", 4, 0);
	assert_int_equal(pdg_hidpos_feed(&h, rep, 64, why, sizeof(why)), PDG_HIDPOS_SCAN);
	assert_string_equal(h.text, "NEXT");
}

static void scan_too_long(void **state)
{
	struct pdg_hidpos h;
	uint8_t rep[64];
	char why[64], chunk[58];
	int r = PDG_HIDPOS_MORE, i;

	(void)state;
	memset(chunk, 'A', sizeof(chunk));
	pdg_hidpos_init(&h);
	for (i = 0; i < 10 && r == PDG_HIDPOS_MORE; i++)
		r = pdg_hidpos_feed(&h, rep, report(rep, chunk, 58, 1), why, sizeof(why));
	assert_int_equal(r, PDG_HIDPOS_BAD);
	assert_string_equal(why, "scan too long");
	assert_int_equal(i, 5); /* 4 x 58 = 232 fit in 256, the fifth does not */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_report_scan),
		cmocka_unit_test(token_in_three_reports_decodes),
		cmocka_unit_test(other_reports_ignored),
		cmocka_unit_test(malformed_reports),
		cmocka_unit_test(bad_report_skips_rest_of_scan),
		cmocka_unit_test(scan_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
