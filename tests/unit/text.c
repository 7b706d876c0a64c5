/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/text: DICOM strings decoded to UTF-8 by Specific Character Set, cleaned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lib/text.h"

static void decodes_the_character_sets(void **state)
{
	char out[256];

	(void)state;
	pdg_text_utf8("ISO_IR 100", "M\xfcller^Hans", out, sizeof(out));
	assert_string_equal(out, "M\xc3\xbcller^Hans");
	pdg_text_utf8("ISO_IR 144", "\xbf\xe3\xe8\xda\xd8\xdd", out, sizeof(out));
	assert_string_equal(out, "\xd0\x9f\xd1\x83\xd1\x88\xd0\xba\xd0\xb8\xd0\xbd"); /* Пушкин */
	/* PS3.5 H.3.1: Yamada^Tarou=山田^太郎 in ISO 2022 IR 87 */
	pdg_text_utf8("\\ISO 2022 IR 87", "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B", out,
		      sizeof(out));
	assert_string_equal(out, "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e");
	/* PS3.5 H.3.2: ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう, half-width katakana in G1 (IR 13) */
	pdg_text_utf8("ISO 2022 IR 13\\ISO 2022 IR 87",
		      "\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J="
		      "\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J", out, sizeof(out));
	assert_string_equal(out, "\xef\xbe\x94\xef\xbe\x8f\xef\xbe\x80\xef\xbe\x9e^"
				 "\xef\xbe\x80\xef\xbe\x9b\xef\xbd\xb3="
				 "\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e="
				 "\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0^"
				 "\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86");
	pdg_text_utf8("ISO_IR 192", "\xe5\xb1\xb1\xe7\x94\xb0", out, sizeof(out));
	assert_string_equal(out, "\xe5\xb1\xb1\xe7\x94\xb0");
	pdg_text_utf8(NULL, "PLAIN^NAME", out, sizeof(out));
	assert_string_equal(out, "PLAIN^NAME");
}

static void never_passes_control_bytes_or_bad_utf8(void **state)
{
	char out[256];

	(void)state;
	/* the default repertoire: a high byte and an escape sequence are not shown */
	pdg_text_utf8("", "A\xfc\x1b[2JB", out, sizeof(out));
	assert_string_equal(out, "A??[2JB");
	/* UTF-8 that is not: an overlong slash, a lone continuation, a surrogate */
	pdg_text_utf8("ISO_IR 192", "a\xc0\xaf" "b\x80" "c\xed\xa0\x80", out, sizeof(out));
	assert_string_equal(out, "a??b?c???");
	/* an unknown set, or bytes its decoder refuses, keep only what can be shown */
	pdg_text_utf8("ISO_IR 999", "x\x07y", out, sizeof(out));
	assert_string_equal(out, "x?y");
	pdg_text_utf8("ISO 2022 IR 87", "bad\x1b$B\xff\xff", out, sizeof(out));
	assert_string_equal(out, "bad?$B??");
	pdg_text_clean("tab\there", out, sizeof(out));
	assert_string_equal(out, "tab?here");
}

static void cuts_at_a_character_boundary(void **state)
{
	char out[6];

	(void)state;
	/* 山田 is 6 bytes: only the first character fits beside the NUL */
	assert_int_equal(pdg_text_utf8("ISO_IR 192", "\xe5\xb1\xb1\xe7\x94\xb0", out, sizeof(out)), 3);
	assert_string_equal(out, "\xe5\xb1\xb1");
	assert_int_equal(pdg_text_clean("abcdefgh", out, sizeof(out)), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(pdg_text_clean("x", out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_the_character_sets),
		cmocka_unit_test(never_passes_control_bytes_or_bad_utf8),
		cmocka_unit_test(cuts_at_a_character_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
