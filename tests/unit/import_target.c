/* SPDX-License-Identifier: MIT */
/* Unit tests for the import target syntax of pdigate-fetch import and sync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "center/fetch/import.h"

static void folder_forms(void **state)
{
	struct pdg_import_target t;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_import_target_parse("folder:/srv/r", &t, &err), PDG_OK);
	assert_int_equal(t.kind, PDG_IMPORT_FOLDER);
	assert_string_equal(t.folder, "/srv/r");
	assert_int_equal(pdg_import_target_parse("relative/dir", &t, &err), PDG_OK);
	assert_int_equal(t.kind, PDG_IMPORT_FOLDER);
	assert_string_equal(t.folder, "relative/dir");
	assert_int_equal(pdg_import_target_parse("folder:", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("ftp://x/y", &t, &err), PDG_E_INVALID);
}

static void dicom_forms(void **state)
{
	struct pdg_import_target t;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_import_target_parse("dicom://ORTHANC@127.0.0.1:4242", &t, &err),
			 PDG_OK);
	assert_int_equal(t.kind, PDG_IMPORT_CSTORE);
	assert_string_equal(t.called_ae, "ORTHANC");
	assert_string_equal(t.host, "127.0.0.1");
	assert_int_equal(t.port, 4242);
	assert_int_equal(pdg_import_target_parse("dicom://A@h:104", &t, &err), PDG_OK);
	/* AE titles are at most 16 characters; port 1..65535; host and AE present */
	assert_int_equal(pdg_import_target_parse("dicom://SEVENTEEN_CHARS_X@h:104", &t, &err),
			 PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("dicom://A@h:0", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("dicom://A@h:65536", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("dicom://A@h:12x", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("dicom://h:104", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("dicom://@h:104", &t, &err), PDG_E_INVALID);
	assert_int_equal(pdg_import_target_parse("dicom://A@:104", &t, &err), PDG_E_INVALID);
}

static void dicomweb_forms(void **state)
{
	struct pdg_import_target t;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_import_target_parse("http://127.0.0.1:8042/dicom-web/", &t, &err),
			 PDG_OK);
	assert_int_equal(t.kind, PDG_IMPORT_STOW);
	assert_string_equal(t.url, "http://127.0.0.1:8042/dicom-web"); /* no trailing slash */
	assert_int_equal(pdg_import_target_parse("https://pacs/wado", &t, &err), PDG_OK);
	assert_string_equal(t.url, "https://pacs/wado");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folder_forms),
		cmocka_unit_test(dicom_forms),
		cmocka_unit_test(dicomweb_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
