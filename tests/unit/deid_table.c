/* SPDX-License-Identifier: MIT */
/* Unit tests for the generated PS3.15 Table E.1-1 and its lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "appliance/deid/table.h"

static const struct pdg_deid_row *row_of(uint32_t tag)
{
	long i = pdg_deid_table_find(tag);
	return i < 0 ? NULL : &pdg_deid_table[i];
}

static void has_all_rows(void **state)
{
	(void)state;
	assert_int_equal(pdg_deid_table_len, 621);
	assert_int_equal(pdg_deid_table_plain, 617);
	assert_int_equal(strlen(pdg_deid_table_source_sha256), 64);
	/* plain rows sorted and unique: the binary search relies on it */
	for (size_t i = 1; i < pdg_deid_table_plain; i++)
		assert_true(pdg_deid_table[i - 1].tag < pdg_deid_table[i].tag);
	for (size_t i = 0; i < pdg_deid_table_plain; i++) {
		assert_int_equal(pdg_deid_table[i].mask, 0xffffffffu);
		assert_int_equal(strlen(pdg_deid_table[i].vr), 2);
	}
	/* the private row is last */
	assert_int_equal(pdg_deid_table[620].tag, 0x00010000u);
	assert_int_equal(pdg_deid_table[620].mask, 0x00010000u);
}

/* standards.md 3.5: X 384, D 92, U 54, Z 42, X/D 22, X/Z 11, X/Z/D 8, Z/D 6, X/Z/U* 2 */
static void basic_action_distribution(void **state)
{
	size_t n[PDG_AC_MAX] = { 0 };

	(void)state;
	for (size_t i = 0; i < pdg_deid_table_len; i++) {
		assert_true(pdg_deid_table[i].basic > PDG_AC_NONE &&
			    pdg_deid_table[i].basic < PDG_AC_MAX);
		n[pdg_deid_table[i].basic]++;
	}
	assert_int_equal(n[PDG_AC_X], 384);
	assert_int_equal(n[PDG_AC_D], 92);
	assert_int_equal(n[PDG_AC_U], 54);
	assert_int_equal(n[PDG_AC_Z], 42);
	assert_int_equal(n[PDG_AC_XD], 22);
	assert_int_equal(n[PDG_AC_XZ], 11);
	assert_int_equal(n[PDG_AC_XZD], 8);
	assert_int_equal(n[PDG_AC_ZD], 6);
	assert_int_equal(n[PDG_AC_XZU], 2);
	assert_int_equal(n[PDG_AC_K], 0);
	assert_int_equal(n[PDG_AC_C], 0);
}

static void option_column_counts(void **state)
{
	size_t k[PDG_OPT_COUNT] = { 0 }, c[PDG_OPT_COUNT] = { 0 };

	(void)state;
	for (size_t i = 0; i < pdg_deid_table_len; i++)
		for (int o = 0; o < PDG_OPT_COUNT; o++) {
			uint8_t v = pdg_deid_table[i].opt[o];
			assert_true(v == PDG_AC_NONE || v == PDG_AC_K || v == PDG_AC_C);
			k[o] += v == PDG_AC_K;
			c[o] += v == PDG_AC_C;
		}
	assert_int_equal(k[PDG_OPT_RTN_LONG_FULL], 165);
	assert_int_equal(c[PDG_OPT_RTN_LONG_FULL], 0);
	assert_int_equal(c[PDG_OPT_RTN_LONG_MODIF], 165);
	assert_int_equal(c[PDG_OPT_CLEAN_DESC], 125);
	assert_int_equal(k[PDG_OPT_RTN_UIDS], 59);
	assert_int_equal(k[PDG_OPT_RTN_DEV_ID], 46);
	assert_int_equal(c[PDG_OPT_RTN_DEV_ID], 11);
	assert_int_equal(k[PDG_OPT_RTN_PAT_CHARS], 9);
	assert_int_equal(c[PDG_OPT_RTN_PAT_CHARS], 4);
	assert_int_equal(k[PDG_OPT_RTN_INST_ID], 10);
	assert_int_equal(c[PDG_OPT_CLEAN_GRAPH], 4);
	assert_int_equal(c[PDG_OPT_CLEAN_STRUCT], 3);
	assert_int_equal(c[PDG_OPT_RTN_SAFE_PRIV], 1);
}

static void lookup_plain_rows(void **state)
{
	const struct pdg_deid_row *r;

	(void)state;
	r = row_of(0x00100010);
	assert_non_null(r);
	assert_string_equal(r->name, "Patient's Name");
	assert_string_equal(r->vr, "PN");
	assert_int_equal(r->basic, PDG_AC_Z);
	r = row_of(0x00100020);
	assert_int_equal(r->basic, PDG_AC_ZD);
	r = row_of(0x00080080);
	assert_int_equal(r->basic, PDG_AC_XZD);
	assert_int_equal(r->opt[PDG_OPT_RTN_INST_ID], PDG_AC_K);
	r = row_of(0x00081140);
	assert_int_equal(r->basic, PDG_AC_XZU);
	r = row_of(0x00020003);
	assert_int_equal(r->basic, PDG_AC_U);
	assert_string_equal(r->vr, "UI");
	r = row_of(0x00001000);
	assert_non_null(r);
	/* names are one line: the Icon Image Sequence row has newlines in the source */
	r = row_of(0x00880200);
	assert_non_null(r);
	assert_string_equal(r->name, "Icon Image Sequence (see Note 11)");
	assert_int_equal(r->basic, PDG_AC_X);
	for (size_t i = 0; i < pdg_deid_table_len; i++)
		assert_null(strchr(pdg_deid_table[i].name, '\n'));
	/* not in the table: kept by the engine */
	assert_int_equal(pdg_deid_table_find(0x00080016), -1);
	assert_int_equal(pdg_deid_table_find(0x7fe00010), -1);
	assert_int_equal(pdg_deid_table_find(0x00280010), -1);
}

static void lookup_masked_rows(void **state)
{
	const struct pdg_deid_row *r;

	(void)state;
	r = row_of(0x60003000);
	assert_string_equal(r->name, "Overlay Data");
	r = row_of(0x601e3000);
	assert_string_equal(r->name, "Overlay Data");
	r = row_of(0x60024000);
	assert_string_equal(r->name, "Overlay Comments");
	assert_int_equal(r->opt[PDG_OPT_CLEAN_GRAPH], PDG_AC_C);
	assert_int_equal(pdg_deid_table_find(0x60000010), -1); /* Overlay Rows: not listed */
	r = row_of(0x50000000);
	assert_string_equal(r->name, "Curve Data");
	r = row_of(0x501e3000);
	assert_string_equal(r->name, "Curve Data");
	/* odd groups are private, also in the 50xx/60xx ranges */
	r = row_of(0x60013000);
	assert_string_equal(r->name, "Private Attributes");
	r = row_of(0x00190010);
	assert_string_equal(r->name, "Private Attributes");
	assert_int_equal(r->opt[PDG_OPT_RTN_SAFE_PRIV], PDG_AC_C);
	r = row_of(0x00091001);
	assert_string_equal(r->name, "Private Attributes");
}

static void code_names(void **state)
{
	(void)state;
	assert_string_equal(pdg_deid_code_name(PDG_AC_XZU), "X/Z/U*");
	assert_string_equal(pdg_deid_code_name(PDG_AC_ZD), "Z/D");
	assert_string_equal(pdg_deid_code_name(PDG_AC_NONE), "");
	assert_string_equal(pdg_deid_code_name(PDG_AC_MAX), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(has_all_rows),
		cmocka_unit_test(basic_action_distribution),
		cmocka_unit_test(option_column_counts),
		cmocka_unit_test(lookup_plain_rows),
		cmocka_unit_test(lookup_masked_rows),
		cmocka_unit_test(code_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
