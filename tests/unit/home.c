/* SPDX-License-Identifier: MIT */
/* Unit tests for the appliance home: names, recipients, atomic writes, INI round trips. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "appliance/home/internal.h"

/* made by age-keygen; a public key, so it may live in the repository */
#define GOOD_RECIPIENT "age18384jurpd56x6805lmpz46nmtk69kwz207sjh4p2pdnh0nq6yehs777yax"

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int make_tmp(void **state)
{
	char *dir = strdup("/tmp/pdg-unit-home.XXXXXX");

	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int drop_tmp(void **state)
{
	(void)nftw(*state, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void names(void **state)
{
	char long_name[80];

	(void)state;
	assert_true(pdg_name_valid("a"));
	assert_true(pdg_name_valid("Study_2026-01.v2"));
	assert_false(pdg_name_valid(""));
	assert_false(pdg_name_valid(NULL));
	assert_false(pdg_name_valid(".hidden"));
	assert_false(pdg_name_valid("-option"));
	assert_false(pdg_name_valid("a/b"));
	assert_false(pdg_name_valid("../x"));
	assert_false(pdg_name_valid("a b"));
	assert_false(pdg_name_valid("caf\xc3\xa9"));
	memset(long_name, 'x', 63);
	long_name[63] = '\0';
	assert_true(pdg_name_valid(long_name));
	long_name[63] = 'x';
	long_name[64] = '\0';
	assert_false(pdg_name_valid(long_name));
}

static void profiles_and_recipients(void **state)
{
	char bad[] = GOOD_RECIPIENT;

	(void)state;
	assert_true(pdg_profile_known("ps315-basic"));
	assert_true(pdg_profile_known("jp-pseudonymized"));
	assert_true(pdg_profile_known("jp-anonymized"));
	assert_false(pdg_profile_known("jp"));
	assert_false(pdg_profile_known(NULL));
	assert_true(pdg_recipient_valid(GOOD_RECIPIENT));
	bad[20] = bad[20] == 'q' ? 'p' : 'q'; /* one wrong character: the checksum fails */
	assert_false(pdg_recipient_valid(bad));
	assert_false(pdg_recipient_valid("age1"));
	assert_false(pdg_recipient_valid("AGE18384JURPD56X6805LMPZ46NMTK69KWZ207SJH4P2PDNH0NQ6YEHS777YAX"));
	assert_false(pdg_recipient_valid("age1b384jurpd56x6805lmpz46nmtk69kwz207sjh4p2pdnh0nq6yehs777yax"));
}

static void atomic_write_replaces_and_refuses(void **state)
{
	char path[PATH_MAX], *data;
	struct pdg_err err;
	struct stat st;
	size_t len;

	snprintf(path, sizeof(path), "%s/f", (char *)*state);
	assert_int_equal(pdg_write_atomic(path, "one", 3, 0600, PDG_WRITE_NOREPLACE, &err), PDG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* NOREPLACE refuses and leaves the old content */
	assert_int_equal(pdg_write_atomic(path, "two", 3, 0600, PDG_WRITE_NOREPLACE, &err),
			 PDG_E_EXISTS);
	assert_int_equal(pdg_read_file(path, 100, &data, &len, &err), PDG_OK);
	assert_string_equal(data, "one");
	free(data);
	/* replace works, mode as asked, and no temporary file is left behind */
	assert_int_equal(pdg_write_atomic(path, "three", 5, 0640, 0, &err), PDG_OK);
	assert_int_equal(pdg_read_file(path, 100, &data, &len, &err), PDG_OK);
	assert_int_equal(len, 5);
	assert_string_equal(data, "three");
	free(data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_entries(*state), 1);
	/* bounded read */
	assert_int_equal(pdg_read_file(path, 4, &data, &len, &err), PDG_E_LIMIT);
	assert_null(data);
	snprintf(path, sizeof(path), "%s/missing", (char *)*state);
	assert_int_equal(pdg_read_file(path, 4, &data, &len, &err), PDG_E_NOTFOUND);
	/* a folder that does not exist: error, nothing created */
	snprintf(path, sizeof(path), "%s/no/f", (char *)*state);
	assert_int_equal(pdg_write_atomic(path, "x", 1, 0600, 0, &err), PDG_E_IO);
	assert_int_equal(count_entries(*state), 1);
}

static void random_bytes_differ(void **state)
{
	unsigned char a[32], b[32];
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_random_bytes(a, sizeof(a), &err), PDG_OK);
	assert_int_equal(pdg_random_bytes(b, sizeof(b), &err), PDG_OK);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void config_round_trip(void **state)
{
	struct pdg_home_config in = {
		.site = "Kita-Hospital",
		.appliance_id = "6f0e4c1e-8f55-4b0c-9a43-2f3b7b5c1d22",
		.created = "2026-11-21T00:00:00Z",
		.admin_recipient = GOOD_RECIPIENT,
	}, out;
	struct pdg_err err;

	assert_int_equal(pdg_home_config_write(*state, &in, PDG_WRITE_NOREPLACE, &err), PDG_OK);
	assert_int_equal(pdg_home_config_load(*state, &out, &err), PDG_OK);
	assert_string_equal(out.site, in.site);
	assert_string_equal(out.appliance_id, in.appliance_id);
	assert_string_equal(out.created, in.created);
	assert_string_equal(out.admin_recipient, in.admin_recipient);
	assert_int_equal(pdg_home_config_write(*state, &in, PDG_WRITE_NOREPLACE, &err),
			 PDG_E_EXISTS);
}

static void init_and_projects_round_trip(void **state)
{
	const char *recips[] = { GOOD_RECIPIENT, GOOD_RECIPIENT };
	struct pdg_home_config cfg;
	struct pdg_project p, q;
	char home[PATH_MAX];
	struct pdg_err err;

	snprintf(home, sizeof(home), "%s/home", (char *)*state);
	assert_int_equal(pdg_home_init(home, "bad site", &err), PDG_E_INVALID);
	assert_int_equal(pdg_home_init(home, "Site1", &err), PDG_OK);
	assert_int_equal(pdg_home_init(home, "Site1", &err), PDG_E_EXISTS);
	assert_int_equal(count_entries(*state), 1); /* no staging folder left over */
	assert_int_equal(pdg_home_config_load(home, &cfg, &err), PDG_OK);
	assert_string_equal(cfg.site, "Site1");
	assert_int_equal(strlen(cfg.appliance_id), 36);
	assert_int_equal(cfg.appliance_id[14], '4');

	assert_int_equal(pdg_project_add(home, "a", "jp-pseudonymized", recips, 2, &err), PDG_OK);
	assert_int_equal(pdg_project_add(home, "b", "ps315-basic", NULL, 0, &err), PDG_OK);
	assert_int_equal(pdg_project_add(home, "a", "ps315-basic", NULL, 0, &err), PDG_E_EXISTS);
	assert_int_equal(pdg_project_add(home, "c", "nope", NULL, 0, &err), PDG_E_INVALID);
	assert_int_equal(pdg_project_add(home, "../c", "ps315-basic", NULL, 0, &err),
			 PDG_E_INVALID);
	assert_int_equal(pdg_project_load(home, "a", &p, &err), PDG_OK);
	assert_string_equal(p.name, "a");
	assert_string_equal(p.profile, "jp-pseudonymized");
	assert_int_equal(p.nrecipients, 2);
	assert_string_equal(p.recipients[1], GOOD_RECIPIENT);
	assert_non_null(strstr(p.ini_path, "/projects/a.ini"));
	assert_int_equal(pdg_project_load(home, "b", &q, &err), PDG_OK);
	assert_memory_not_equal(p.secret, q.secret, PDG_SECRET_BYTES);
	pdg_project_wipe(&p);
	for (size_t i = 0; i < PDG_SECRET_BYTES; i++)
		assert_int_equal(p.secret[i], 0);
	pdg_project_wipe(&q);
	assert_int_equal(pdg_project_load(home, "zz", &p, &err), PDG_E_NOTFOUND);
	assert_int_equal(pdg_project_describe(home, "b", &q, &err), PDG_OK);
	for (size_t i = 0; i < PDG_SECRET_BYTES; i++)
		assert_int_equal(q.secret[i], 0);
}

static void loose_secret_is_refused(void **state)
{
	char home[PATH_MAX], secret[PATH_MAX + 32];
	struct pdg_project p;
	struct pdg_err err;

	snprintf(home, sizeof(home), "%s/home", (char *)*state);
	assert_int_equal(pdg_home_init(home, "Site1", &err), PDG_OK);
	assert_int_equal(pdg_project_add(home, "a", "jp-anonymized", NULL, 0, &err), PDG_OK);
	snprintf(secret, sizeof(secret), "%s/projects/a.secret", home);
	assert_int_equal(chmod(secret, 0644), 0);
	assert_int_equal(pdg_project_load(home, "a", &p, &err), PDG_E_POLICY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(profiles_and_recipients),
		cmocka_unit_test(random_bytes_differ),
		cmocka_unit_test_setup_teardown(atomic_write_replaces_and_refuses, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(config_round_trip, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(init_and_projects_round_trip, make_tmp, drop_tmp),
		cmocka_unit_test_setup_teardown(loose_secret_is_refused, make_tmp, drop_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
