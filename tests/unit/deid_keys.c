/* SPDX-License-Identifier: MIT */
/* Unit tests for the keyed mappings (UIDs, pseudonyms, date offsets) and date shifting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "appliance/deid/deid.h"

static const uint8_t secret_a[PDG_SECRET_BYTES] = { 0xa1, 0xb2, 0xc3 };
static const uint8_t secret_b[PDG_SECRET_BYTES] = { 0xa1, 0xb2, 0xc4 };

static void init(struct pdg_deid_ctx *ctx, const char *profile, const uint8_t *secret)
{
	struct pdg_err err;

	assert_int_equal(pdg_deid_ctx_init_with(ctx, profile, NULL, secret, &err), PDG_OK);
}

static void check_uid(const char *u)
{
	const char *last;

	assert_true(strlen(u) <= 64);
	assert_true(strncmp(u, "2.25.", 5) == 0);
	last = u + 5;
	assert_true(strlen(last) >= 1 && strlen(last) <= 39);
	for (const char *p = last; *p; p++)
		assert_true(*p >= '0' && *p <= '9');
	assert_true(last[0] != '0' || last[1] == '\0'); /* no leading zero */
}

static void uid_mapping(void **state)
{
	struct pdg_deid_ctx a, a2, b;
	struct pdg_err err;
	char u1[PDG_DEID_UID_MAX], u2[PDG_DEID_UID_MAX], u3[PDG_DEID_UID_MAX];
	char u4[PDG_DEID_UID_MAX], in[80];

	(void)state;
	init(&a, "ps315-basic", secret_a);
	init(&a2, "jp-pseudonymized", secret_a);
	init(&b, "ps315-basic", secret_b);
	assert_int_equal(pdg_deid_map_uid(&a, "1.2.3.4.5", u1, &err), PDG_OK);
	assert_int_equal(pdg_deid_map_uid(&a2, "1.2.3.4.5", u2, &err), PDG_OK);
	assert_int_equal(pdg_deid_map_uid(&b, "1.2.3.4.5", u3, &err), PDG_OK);
	assert_int_equal(pdg_deid_map_uid(&a, "1.2.3.4.6", u4, &err), PDG_OK);
	check_uid(u1);
	assert_string_equal(u1, u2);    /* same secret: same UID, whatever the profile */
	assert_string_not_equal(u1, u3); /* other secret */
	assert_string_not_equal(u1, u4); /* other input */
	for (int i = 0; i < 2000; i++) {
		snprintf(in, sizeof(in), "1.2.840.113619.2.55.3.%d", i);
		assert_int_equal(pdg_deid_map_uid(&a, in, u1, &err), PDG_OK);
		check_uid(u1);
	}
	pdg_deid_ctx_release(&a);
	pdg_deid_ctx_release(&a2);
	pdg_deid_ctx_release(&b);
}

static void pseudonyms(void **state)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	struct pdg_deid_ctx a, b, n;
	struct pdg_err err;
	char p1[PDG_DEID_PSEUDONYM_MAX], p2[PDG_DEID_PSEUDONYM_MAX], p3[PDG_DEID_PSEUDONYM_MAX];
	char u[PDG_DEID_UID_MAX];

	(void)state;
	init(&a, "jp-pseudonymized", secret_a);
	init(&b, "jp-pseudonymized", secret_b);
	assert_int_equal(pdg_deid_pseudonym(&a, "MRN-0001", p1, &err), PDG_OK);
	assert_int_equal(pdg_deid_pseudonym(&a, "MRN-0001", p2, &err), PDG_OK);
	assert_int_equal(pdg_deid_pseudonym(&b, "MRN-0001", p3, &err), PDG_OK);
	assert_string_equal(p1, p2);
	assert_string_not_equal(p1, p3);
	assert_int_equal(strlen(p1), 17);
	assert_int_equal(p1[0], 'P');
	for (int i = 1; i < 17; i++)
		assert_non_null(strchr(alphabet, p1[i]));
	assert_int_equal(pdg_deid_pseudonym(&a, "MRN-0002", p2, &err), PDG_OK);
	assert_string_not_equal(p1, p2);

	/* per-batch: refused until a batch is named, then unrelated across batches */
	init(&n, "jp-anonymized", secret_a);
	assert_int_equal(pdg_deid_pseudonym(&n, "MRN-0001", p2, &err), PDG_E_POLICY);
	assert_int_equal(pdg_deid_map_uid(&n, "1.2.3", u, &err), PDG_E_POLICY);
	assert_int_equal(pdg_deid_ctx_set_batch(&n, "", &err), PDG_E_INVALID);
	assert_int_equal(pdg_deid_ctx_set_batch(&n, "bad batch", &err), PDG_E_INVALID);
	assert_int_equal(pdg_deid_ctx_set_batch(&n, "job-1", &err), PDG_OK);
	assert_int_equal(pdg_deid_pseudonym(&n, "MRN-0001", p2, &err), PDG_OK);
	assert_int_equal(p2[0], 'A');
	assert_string_not_equal(p1 + 1, p2 + 1);
	assert_int_equal(pdg_deid_ctx_set_batch(&n, "job-2", &err), PDG_OK);
	assert_int_equal(pdg_deid_pseudonym(&n, "MRN-0001", p3, &err), PDG_OK);
	assert_string_not_equal(p2, p3);
	assert_int_equal(pdg_deid_ctx_set_batch(&n, "job-1", &err), PDG_OK);
	assert_int_equal(pdg_deid_pseudonym(&n, "MRN-0001", p3, &err), PDG_OK);
	assert_string_equal(p2, p3); /* same batch again: same value */
	pdg_deid_ctx_release(&a);
	pdg_deid_ctx_release(&b);
	pdg_deid_ctx_release(&n);
}

static void date_offsets(void **state)
{
	struct pdg_deid_ctx a;
	struct pdg_err err;
	char key[32];
	int d, d2, seen_lo = 0, seen_hi = 0;

	(void)state;
	init(&a, "jp-pseudonymized", secret_a);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "PAT%d", i);
		assert_int_equal(pdg_deid_date_offset(&a, key, &d, &err), PDG_OK);
		assert_true(d >= -365 && d <= -30);
		assert_int_equal(pdg_deid_date_offset(&a, key, &d2, &err), PDG_OK);
		assert_int_equal(d, d2);
		seen_lo |= d == -365;
		seen_hi |= d == -30;
	}
	assert_true(seen_lo && seen_hi); /* the range is inclusive at both ends */
	/* a range across 0 never yields 0 */
	a.shift_min = -1;
	a.shift_max = 1;
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "P%d", i);
		assert_int_equal(pdg_deid_date_offset(&a, key, &d, &err), PDG_OK);
		assert_true(d == -1 || d == 1);
	}
	a.shift_min = 0;
	a.shift_max = 1;
	assert_int_equal(pdg_deid_date_offset(&a, "x", &d, &err), PDG_OK);
	assert_int_equal(d, 1);
	/* Retain full dates: no shift */
	a.options |= 1u << PDG_OPT_RTN_LONG_FULL;
	assert_int_equal(pdg_deid_date_offset(&a, "x", &d, &err), PDG_OK);
	assert_int_equal(d, 0);
	pdg_deid_ctx_release(&a);
}

static void shift_da(const char *in, int days, const char *want)
{
	char out[16];
	int rc = pdg_deid_shift_da(in, days, out, sizeof(out));

	if (!want) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void shift_dt(const char *in, int days, const char *want)
{
	char out[32];
	int rc = pdg_deid_shift_dt(in, days, out, sizeof(out));

	if (!want) {
		if (rc != -1)
			fail_msg("'%s' should be refused, got '%s'", in, out);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void date_shifting(void **state)
{
	(void)state;
	shift_da("20240315", -30, "20240214");
	shift_da("20240301", -1, "20240229");  /* leap day */
	shift_da("20230301", -1, "20230228");
	shift_da("20240229", -365, "20230301");
	shift_da("20240229", 366, "20250301");
	shift_da("20000101", -1, "19991231");
	shift_da("19000301", -1, "19000228"); /* 1900 is not a leap year */
	shift_da("20000301", -1, "20000229"); /* 2000 is */
	shift_da("20231231", 1, "20240101");
	shift_da("20230229", -1, NULL);      /* no such day */
	shift_da("20231301", -1, NULL);
	shift_da("20230100", -1, NULL);
	shift_da("2023.01.01", -1, NULL);     /* ACR-NEMA form */
	shift_da("202301", -1, NULL);
	shift_da("", -1, NULL);
	shift_da("00010101", -1, NULL);       /* out of range */

	shift_dt("20240101120000.123456+0900", -30, "20231202120000.123456+0900");
	shift_dt("20240101120000-0500", -1, "20231231120000-0500");
	shift_dt("20240101", -1, "20231231");
	shift_dt("2024010112", -1, "2023123112");
	shift_dt("20240101+0900", -1, "20231231+0900");
	shift_dt("20240229235959.5", 1, "20240301235959.5");
	shift_dt("2024", -1, NULL);            /* year precision: cannot shift */
	shift_dt("202401", -1, NULL);
	shift_dt("20240101120000.", -1, NULL);
	shift_dt("20240101120000.1234567", -1, NULL);
	shift_dt("20240101+09", -1, NULL);
	shift_dt("20240101X", -1, NULL);
	shift_dt("20240101120000.123456+0900X", -1, NULL);
}

/* Intervals within a patient survive: every pair of dates keeps its distance. */
static void intervals_preserved(void **state)
{
	static const char *dates[] = { "19991231", "20000228", "20000229", "20000301",
				       "20230101", "20240229", "20241231", "20250615" };
	char a[16], b[16], a0[16], b0[16];

	(void)state;
	for (int off = -400; off <= 400; off += 37)
		for (size_t i = 0; i < 8; i++)
			for (size_t j = 0; j < 8; j++) {
				/* distance measured by shifting one date until it meets the other */
				assert_int_equal(pdg_deid_shift_da(dates[i], off, a, sizeof(a)), 0);
				assert_int_equal(pdg_deid_shift_da(dates[j], off, b, sizeof(b)), 0);
				for (int k = -2000; k <= 2000; k++) {
					assert_int_equal(pdg_deid_shift_da(dates[i], k, a0, sizeof(a0)), 0);
					if (strcmp(a0, dates[j]) == 0) {
						assert_int_equal(pdg_deid_shift_da(a, k, b0, sizeof(b0)), 0);
						assert_string_equal(b0, b);
						break;
					}
				}
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uid_mapping),
		cmocka_unit_test(pseudonyms),
		cmocka_unit_test(date_offsets),
		cmocka_unit_test(date_shifting),
		cmocka_unit_test(intervals_preserved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
