/* SPDX-License-Identifier: MIT */
/* Unit tests for the batch risk report (k-anonymity over synthetic patient records). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "appliance/batch/risk.h"

/* One record: patient, sex, age, birth date, study date, modality (raw, as in a file). */
static struct pdg_risk_record rec(const char *pid, const char *sex, const char *age,
				  const char *birth, const char *study, const char *mod, size_t order)
{
	struct pdg_risk_record r;
	const char *raw[PDG_RISK_NATTR] = { sex, age, birth, study, mod };

	memset(&r, 0, sizeof(r));
	snprintf(r.patient, sizeof(r.patient), "%s", pid);
	for (unsigned i = 0; i < PDG_RISK_NATTR; i++)
		pdg_risk_set(&r, i, raw[i]);
	r.order = order;
	return r;
}

static void set_keeps_year_month_and_trims(void **state)
{
	struct pdg_risk_record r;

	(void)state;
	r = rec("P1", "F ", "045Y", "19790315", "20240102", "CT", 0);
	assert_string_equal(r.qi[0], "F");
	assert_string_equal(r.qi[1], "045Y");
	assert_string_equal(r.qi[2], "197903");
	assert_string_equal(r.qi[3], "202401");
	assert_string_equal(r.qi[4], "CT");
	r = rec("P1", NULL, "", "1979", "", "MRSPECTROSCOPYXXXXX", 0);
	assert_string_equal(r.qi[0], "");
	assert_string_equal(r.qi[2], "1979");
	assert_int_equal(strlen(r.qi[4]), PDG_RISK_VAL_MAX - 1);
}

/* 5 alike patients (several instances each), 2 patients alone: k = 1, 3 classes. */
static void unique_patients_give_k1_and_warning(void **state)
{
	struct pdg_risk_record v[16];
	struct pdg_risk_report rep;
	struct pdg_err err;
	char line[512];
	size_t n = 0;

	(void)state;
	for (int p = 0; p < 5; p++)
		for (int i = 0; i < 2; i++) {
			char pid[16];

			snprintf(pid, sizeof(pid), "P%d", p);
			v[n] = rec(pid, "M", "060Y", "19640101", "20240105", "CT", n);
			n++;
		}
	v[n] = rec("PX", "F", "033Y", "19910101", "20240110", "MR", n);
	n++;
	v[n] = rec("PY", "O", "090Y", "", "20240110", "CT", n);
	n++;
	assert_int_equal(pdg_risk_compute(v, n, 0, &rep, &err), PDG_OK);
	assert_int_equal(rep.patients, 7);
	assert_int_equal(rep.classes, 3);
	assert_int_equal(rep.k, 1);
	assert_int_equal(rep.nsmallest, 3);
	assert_int_equal(rep.smallest[0], 1);
	assert_int_equal(rep.smallest[1], 1);
	assert_int_equal(rep.smallest[2], 5);
	assert_int_equal(rep.unique, 2);
	assert_int_equal(rep.below, 2);
	assert_int_equal(rep.threshold, PDG_RISK_K_DEFAULT);
	assert_true(rep.warn);
	pdg_risk_warning(&rep, line, sizeof(line));
	assert_string_equal(line, "2 patients are unique on sex, age, birth year-month, "
				  "study year-month, modality (k = 1, threshold 5)");
}

/* A patient's record is its first instance in batch order, whatever the array order. */
static void first_instance_of_a_patient_counts(void **state)
{
	struct pdg_risk_record v[4];
	struct pdg_risk_report rep;
	struct pdg_err err;

	(void)state;
	/* P1's later study (order 3) differs; its first (order 0) matches P2 */
	v[0] = rec("P1", "F", "040Y", "198401", "202402", "MR", 3);
	v[1] = rec("P2", "F", "040Y", "198401", "202401", "CT", 1);
	v[2] = rec("P1", "F", "040Y", "198401", "202401", "CT", 0);
	v[3] = rec("P2", "F", "040Y", "198401", "202401", "CT", 2);
	assert_int_equal(pdg_risk_compute(v, 4, 2, &rep, &err), PDG_OK);
	assert_int_equal(rep.patients, 2);
	assert_int_equal(rep.classes, 1);
	assert_int_equal(rep.k, 2);
	assert_int_equal(rep.nsmallest, 1);
	assert_int_equal(rep.smallest[0], 2);
	assert_false(rep.warn);
}

/* Threshold from the project; k above 1 but below it; only 5 smallest sizes kept. */
static void threshold_and_smallest_list(void **state)
{
	struct pdg_risk_record v[40];
	struct pdg_risk_report rep;
	struct pdg_err err;
	char line[512];
	size_t n = 0;

	(void)state;
	/* classes of sizes 7, 6, 5, 4, 3, 3, 2 by modality (ages alike) */
	static const struct { const char *mod; int size; } cls[] = {
		{ "CT", 7 }, { "MR", 6 }, { "US", 5 }, { "CR", 4 }, { "DX", 3 }, { "NM", 3 }, { "PT", 2 },
	};
	for (size_t c = 0; c < sizeof(cls) / sizeof(cls[0]); c++)
		for (int i = 0; i < cls[c].size; i++) {
			char pid[16];

			snprintf(pid, sizeof(pid), "P%zu-%d", c, i);
			v[n] = rec(pid, "M", "050Y", "19740101", "20240101", cls[c].mod, n);
			n++;
		}
	assert_int_equal(pdg_risk_compute(v, n, 4, &rep, &err), PDG_OK);
	assert_int_equal(rep.patients, 30);
	assert_int_equal(rep.classes, 7);
	assert_int_equal(rep.k, 2);
	assert_int_equal(rep.nsmallest, PDG_RISK_SMALLEST);
	assert_int_equal(rep.smallest[0], 2);
	assert_int_equal(rep.smallest[1], 3);
	assert_int_equal(rep.smallest[2], 3);
	assert_int_equal(rep.smallest[3], 4);
	assert_int_equal(rep.smallest[4], 5);
	assert_int_equal(rep.unique, 0);
	assert_int_equal(rep.below, 8);
	assert_int_equal(rep.threshold, 4);
	assert_true(rep.warn);
	pdg_risk_warning(&rep, line, sizeof(line));
	assert_string_equal(line, "8 patients are in groups of fewer than 4 on sex, age, birth "
				  "year-month, study year-month, modality, 0 of them unique "
				  "(k = 2, threshold 4)");
	/* k equal to the threshold: no warning, empty line */
	n = 0;
	for (int i = 0; i < 4; i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "Q%d", i);
		v[n] = rec(pid, "F", "", "", "", "CT", n);
		n++;
	}
	assert_int_equal(pdg_risk_compute(v, n, 4, &rep, &err), PDG_OK);
	assert_int_equal(rep.k, 4);
	assert_false(rep.warn);
	pdg_risk_warning(&rep, line, sizeof(line));
	assert_string_equal(line, "");
}

static void empty_batch_has_no_patients(void **state)
{
	struct pdg_risk_report rep;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_risk_compute(NULL, 0, 0, &rep, &err), PDG_OK);
	assert_int_equal(rep.patients, 0);
	assert_int_equal(rep.k, 0);
	assert_false(rep.warn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_keeps_year_month_and_trims),
		cmocka_unit_test(unique_patients_give_k1_and_warning),
		cmocka_unit_test(first_instance_of_a_patient_counts),
		cmocka_unit_test(threshold_and_smallest_list),
		cmocka_unit_test(empty_batch_has_no_patients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
