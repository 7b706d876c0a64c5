/* SPDX-License-Identifier: MIT */
/* Unit tests for the link table's input checks: bad records never reach the disk. */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "appliance/home/linktab.h"

static char tmp[64], home[PATH_MAX];

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int files_in_linktab(void)
{
	char dir[PATH_MAX + 16];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/linktab", home);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int setup(void **state)
{
	struct pdg_err err;

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/pdg-unit-linktab.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(home, sizeof(home), "%s/home", tmp);
	/* a home without an administrator key: put refuses; with one: put works */
	return pdg_home_init_admin(home, "S", "correct horse battery", &err) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void bad_records_write_nothing(void **state)
{
	struct pdg_link_record r = { .pseudonym = "P1", .patient_id = "ID1" };
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_linktab_put(home, "p", &r, 0, &err), PDG_OK);
	assert_int_equal(pdg_linktab_put(home, "../p", &r, 1, &err), PDG_E_INVALID);
	r.pseudonym[0] = '\0';
	assert_int_equal(pdg_linktab_put(home, "p", &r, 1, &err), PDG_E_INVALID);
	memset(r.pseudonym, 'x', sizeof(r.pseudonym)); /* no NUL inside the field */
	assert_int_equal(pdg_linktab_put(home, "p", &r, 1, &err), PDG_E_INVALID);
	assert_int_equal(pdg_linktab_put(home, "p", &r, PDG_LINKTAB_PUT_MAX + 1, &err),
			 PDG_E_LIMIT);
	assert_int_equal(files_in_linktab(), 0);
	/* an error message never carries the record */
	assert_null(strstr(err.msg, "ID1"));
}

static void put_then_find(void **state)
{
	struct pdg_link_record r[2] = {
		{ .pseudonym = "P1", .patient_id = "ID-1", .date_offset_days = -40 },
		{ .pseudonym = "P2", .patient_id = "ID-2", .date_offset_days = 7,
		  .time = "2020-01-01T00:00:00Z" },
	};
	static struct pdg_linktab_matches m;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_linktab_put(home, "p", r, 2, &err), PDG_OK);
	assert_int_equal(pdg_linktab_put(home, "p", r, 1, &err), PDG_OK);
	assert_int_equal(files_in_linktab(), 2);
	assert_int_equal(pdg_linktab_find(home, "P2", "correct horse battery", &m, &err), PDG_OK);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.files, 2);
	assert_int_equal(m.unreadable, 0);
	assert_string_equal(m.rec[0].project, "p");
	assert_string_equal(m.rec[0].patient_id, "ID-2");
	assert_string_equal(m.rec[0].time, "2020-01-01T00:00:00Z");
	assert_int_equal(m.rec[0].date_offset_days, 7);
	/* the same record in two files is one match */
	assert_int_equal(pdg_linktab_find(home, "P1", "correct horse battery", &m, &err), PDG_OK);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.rec[0].date_offset_days, -40);
	pdg_linktab_matches_wipe(&m);
	assert_int_equal(m.rec[0].patient_id[0], '\0');
	assert_int_equal(pdg_linktab_find(home, "P1", "wrong horse battery", &m, &err),
			 PDG_E_CRYPTO);
	assert_int_equal(m.n, 0);
	assert_int_equal(pdg_linktab_find(home, "P3", "correct horse battery", &m, &err),
			 PDG_E_NOTFOUND);
}

static void home_without_admin_key_refuses(void **state)
{
	struct pdg_link_record r = { .pseudonym = "P1", .patient_id = "ID1" };
	char other[PATH_MAX + 8];
	struct pdg_err err;

	(void)state;
	snprintf(other, sizeof(other), "%s/plain", tmp);
	assert_int_equal(pdg_home_init(other, "S", &err), PDG_OK);
	assert_int_equal(pdg_linktab_put(other, "p", &r, 1, &err), PDG_E_POLICY);
	assert_int_equal(pdg_home_init_admin(other, "S", "short", &err), PDG_E_POLICY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_records_write_nothing), /* first: expects an empty table */
		cmocka_unit_test(put_then_find),
		cmocka_unit_test(home_without_admin_key_refuses),
	};
	/* one home for the group: creating its admin key costs a full scrypt */
	return cmocka_run_group_tests(tests, setup, teardown);
}
