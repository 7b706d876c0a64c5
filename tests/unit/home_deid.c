/* SPDX-License-Identifier: MIT */
/* The engine accepts what `project add` writes: each profile, and the commented examples. */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "appliance/deid/deid.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void each_profile_loads_into_the_engine(void **state)
{
	static const char *const profiles[] = { "ps315-basic", "jp-pseudonymized",
						"jp-anonymized" };
	char tmp[] = "/tmp/pdg-unit-home-deid.XXXXXX", home[PATH_MAX];
	struct pdg_deid_ctx ctx;
	struct pdg_project p;
	struct pdg_err err;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(home, sizeof(home), "%s/home", tmp);
	assert_int_equal(pdg_home_init(home, "S", &err), PDG_OK);
	for (size_t i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%zu", i);
		assert_int_equal(pdg_project_add(home, name, profiles[i], NULL, 0, &err), PDG_OK);
		assert_int_equal(pdg_project_load(home, name, &p, &err), PDG_OK);
		memset(&ctx, 0, sizeof(ctx));
		if (pdg_deid_ctx_init(&ctx, &p, &err))
			fail_msg("%s: %s", profiles[i], err.msg);
		pdg_deid_ctx_release(&ctx);
		pdg_project_wipe(&p);
	}
	(void)nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Uncomment every "# key = value" example of the [deid] and [override] sections. */
static void examples_are_valid_engine_syntax(void **state)
{
	char tmp[] = "/tmp/pdg-unit-home-deid.XXXXXX", home[PATH_MAX], *text, *out;
	struct pdg_deid_ctx ctx;
	struct pdg_project p;
	struct pdg_err err;
	size_t len, n = 0, uncommented = 0;
	int in_engine = 0;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(home, sizeof(home), "%s/home", tmp);
	assert_int_equal(pdg_home_init(home, "S", &err), PDG_OK);
	assert_int_equal(pdg_project_add(home, "x", "jp-pseudonymized", NULL, 0, &err), PDG_OK);
	assert_int_equal(pdg_project_load(home, "x", &p, &err), PDG_OK);
	assert_int_equal(pdg_read_file(p.ini_path, 1 << 16, &text, &len, &err), PDG_OK);
	out = calloc(1, len + 1);
	assert_non_null(out);
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line + 1) : strlen(line);

		if (line[0] == '[')
			in_engine = !strncmp(line, "[deid]", 6) || !strncmp(line, "[override]", 10);
		if (in_engine && !strncmp(line, "# ", 2) && memchr(line, '=', l)) {
			memcpy(out + n, line + 2, l - 2);
			n += l - 2;
			uncommented++;
		} else {
			memcpy(out + n, line, l);
			n += l;
		}
		line += l;
	}
	assert_true(uncommented >= 4);
	assert_int_equal(pdg_write_atomic(p.ini_path, out, n, 0600, 0, &err), PDG_OK);
	memset(&ctx, 0, sizeof(ctx));
	if (pdg_deid_ctx_init(&ctx, &p, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(ctx.shift_min, -365);
	assert_int_equal(ctx.shift_max, -1);
	pdg_deid_ctx_release(&ctx);
	pdg_project_wipe(&p);
	free(text);
	free(out);
	(void)nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_profile_loads_into_the_engine),
		cmocka_unit_test(examples_are_valid_engine_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
