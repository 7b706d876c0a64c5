/* SPDX-License-Identifier: MIT */
/* Unit tests for the error type. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lib/err.h"

static void set_formats_and_returns_code(void **state)
{
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_err_set(&err, PDG_E_IO, "cannot open '%s'", "x"), PDG_E_IO);
	assert_int_equal(err.code, PDG_E_IO);
	assert_string_equal(err.msg, "cannot open 'x'");
	assert_int_equal(err.sys_errno, 0);
}

static void sys_appends_strerror(void **state)
{
	struct pdg_err err;

	(void)state;
	errno = ENOENT;
	pdg_err_sys(&err, PDG_E_IO, "cannot open '%s'", "y");
	assert_int_equal(err.sys_errno, ENOENT);
	assert_string_equal(err.msg, "cannot open 'y': No such file or directory");
}

static void prefix_keeps_code(void **state)
{
	struct pdg_err err;

	(void)state;
	pdg_err_set(&err, PDG_E_DICOM, "bad tag");
	assert_int_equal(pdg_err_prefix(&err, "reading '%s'", "z"), PDG_E_DICOM);
	assert_string_equal(err.msg, "reading 'z': bad tag");
}

static void null_err_is_allowed(void **state)
{
	(void)state;
	assert_int_equal(pdg_err_set(NULL, PDG_E_NOMEM, "x"), PDG_E_NOMEM);
}

static void names_cover_every_code(void **state)
{
	(void)state;
	for (int c = 0; c < PDG_CODE_MAX; c++) {
		assert_non_null(pdg_code_name((enum pdg_code)c));
		assert_true(strncmp(pdg_code_name((enum pdg_code)c), "PDG_", 4) == 0);
	}
	assert_string_equal(pdg_code_name(PDG_CODE_MAX), "PDG_E_UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_formats_and_returns_code),
		cmocka_unit_test(sys_appends_strerror),
		cmocka_unit_test(prefix_keeps_code),
		cmocka_unit_test(null_err_is_allowed),
		cmocka_unit_test(names_cover_every_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
