/* SPDX-License-Identifier: MIT */
/* Unit tests for file set naming rules, profile choice and the PDIGATE.JSN parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pdi/dicom/dicomdir.h"
#include "pdi/manifest.h"

static void file_ids_follow_ps3_10(void **state)
{
	(void)state;
	assert_true(pdg_dicomdir_file_id_ok("DICOM/P0000001/S0000001/S0000001/I0000001"));
	assert_true(pdg_dicomdir_file_id_ok("A"));
	assert_true(pdg_dicomdir_file_id_ok("A_1/B/C/D/E/F/G/H"));          /* 8 components */
	assert_false(pdg_dicomdir_file_id_ok("A/B/C/D/E/F/G/H/I"));         /* 9 */
	assert_false(pdg_dicomdir_file_id_ok("ABCDEFGHI"));                 /* 9 characters */
	assert_false(pdg_dicomdir_file_id_ok("dicom/X"));                   /* lowercase */
	assert_false(pdg_dicomdir_file_id_ok("README.TXT"));                /* '.' */
	assert_false(pdg_dicomdir_file_id_ok("A//B"));
	assert_false(pdg_dicomdir_file_id_ok("/A"));
	assert_false(pdg_dicomdir_file_id_ok("A/"));
	assert_false(pdg_dicomdir_file_id_ok(""));
	assert_false(pdg_dicomdir_file_id_ok("A B"));
}

static void paths_never_escape(void **state)
{
	char long_name[300];

	(void)state;
	assert_true(pdg_pdi_path_safe("DICOM/P0000001/I0000001"));
	assert_true(pdg_pdi_path_safe("IHE_PDI/STYLE.CSS"));
	assert_true(pdg_pdi_path_safe("a..b"));
	assert_false(pdg_pdi_path_safe(".."));
	assert_false(pdg_pdi_path_safe("../x"));
	assert_false(pdg_pdi_path_safe("a/../../x"));
	assert_false(pdg_pdi_path_safe("a/.."));
	assert_false(pdg_pdi_path_safe("./a"));
	assert_false(pdg_pdi_path_safe("/etc/passwd"));
	assert_false(pdg_pdi_path_safe("a\\b"));
	assert_false(pdg_pdi_path_safe("C:x"));
	assert_false(pdg_pdi_path_safe("a//b"));
	assert_false(pdg_pdi_path_safe("a/"));
	assert_false(pdg_pdi_path_safe(""));
	assert_false(pdg_pdi_path_safe("a\nb"));
	assert_false(pdg_pdi_path_safe("\xe6\x97\xa5"));
	memset(long_name, 'A', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(pdg_pdi_path_safe(long_name));
}

static void profiles_follow_transfer_syntaxes(void **state)
{
	unsigned le = 1u << PDG_DICOMDIR_GEN_CD, jpeg = 1u << PDG_DICOMDIR_USB_JPEG;
	unsigned j2k = 1u << PDG_DICOMDIR_USB_J2K, none = 1u << PDG_DICOMDIR_PROFILE_NONE;

	(void)state;
	assert_int_equal(pdg_dicomdir_profile_for_ts("1.2.840.10008.1.2.1"), PDG_DICOMDIR_GEN_CD);
	assert_int_equal(pdg_dicomdir_profile_for_ts("1.2.840.10008.1.2.4.70"),
			 PDG_DICOMDIR_USB_JPEG);
	assert_int_equal(pdg_dicomdir_profile_for_ts("1.2.840.10008.1.2.4.90"),
			 PDG_DICOMDIR_USB_J2K);
	assert_int_equal(pdg_dicomdir_profile_for_ts("1.2.840.10008.1.2"),
			 PDG_DICOMDIR_PROFILE_NONE);
	assert_int_equal(pdg_dicomdir_profile_for_ts("1.2.840.10008.1.2.5"),
			 PDG_DICOMDIR_PROFILE_NONE);
	assert_int_equal(pdg_dicomdir_profile_for_set(le), PDG_DICOMDIR_GEN_CD);
	assert_int_equal(pdg_dicomdir_profile_for_set(le | jpeg), PDG_DICOMDIR_USB_JPEG);
	assert_int_equal(pdg_dicomdir_profile_for_set(le | j2k), PDG_DICOMDIR_USB_J2K);
	assert_int_equal(pdg_dicomdir_profile_for_set(jpeg | j2k), PDG_DICOMDIR_PROFILE_NONE);
	assert_int_equal(pdg_dicomdir_profile_for_set(le | none), PDG_DICOMDIR_PROFILE_NONE);
	assert_string_equal(pdg_dicomdir_profile_name(PDG_DICOMDIR_USB_JPEG), "STD-GEN-USB-JPEG");
}

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEAD "{\"format\":\"pdigate-pdi-manifest\",\"version\":1,\"fileset\":{}," \
	     "\"counts\":{\"patients\":1,\"studies\":1,\"series\":1,\"instances\":1,\"bytes\":5},"

static enum pdg_code load(const char *text, struct pdg_manifest *m)
{
	struct pdg_err err;
	enum pdg_code rc = pdg_manifest_load_buffer(text, strlen(text), "t", m, &err);

	if (rc)
		pdg_manifest_release(m);
	return rc;
}

static void manifest_parses_and_finds(void **state)
{
	struct pdg_manifest m;

	(void)state;
	assert_int_equal(load(HEAD "\"files\":[{\"path\":\"A\",\"size\":5,\"sha256\":\"" HASH
				   "\"},{\"path\":\"B/C\",\"size\":0,\"sha256\":\"" HASH "\"}]}",
			      &m),
			 PDG_OK);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.instances, 1);
	assert_int_equal(m.bytes, 5);
	assert_non_null(pdg_manifest_find(&m, "B/C"));
	assert_null(pdg_manifest_find(&m, "B"));
	assert_int_equal(pdg_manifest_find(&m, "A")->size, 5);
	pdg_manifest_release(&m);
	assert_int_equal(m.n, 0);
}

static void manifest_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"format\":\"other\",\"version\":1}",
		HEAD "\"files\":[]", /* truncated */
		"{\"format\":\"pdigate-pdi-manifest\",\"version\":2,\"fileset\":{},\"counts\":{},"
		"\"files\":[]}",
		HEAD "\"files\":[],\"files\":[]}",                                   /* dup key */
		HEAD "\"files\":[{\"path\":\"B\",\"size\":1,\"sha256\":\"" HASH "\"},"
		"{\"path\":\"A\",\"size\":1,\"sha256\":\"" HASH "\"}]}",              /* order */
		HEAD "\"files\":[{\"path\":\"A\",\"size\":1,\"sha256\":\"" HASH "\"},"
		"{\"path\":\"A\",\"size\":1,\"sha256\":\"" HASH "\"}]}",              /* twice */
		HEAD "\"files\":[{\"path\":\"../A\",\"size\":1,\"sha256\":\"" HASH "\"}]}",
		HEAD "\"files\":[{\"path\":\"A\",\"size\":-1,\"sha256\":\"" HASH "\"}]}",
		HEAD "\"files\":[{\"path\":\"A\",\"size\":1,\"sha256\":\"ABC\"}]}",
		HEAD "\"files\":[{\"path\":\"A\",\"size\":\"1\",\"sha256\":\"" HASH "\"}]}",
	};
	struct pdg_manifest m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(load(bad[i], &m), PDG_OK);
		assert_null(m.files);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_ids_follow_ps3_10),
		cmocka_unit_test(paths_never_escape),
		cmocka_unit_test(profiles_follow_transfer_syntaxes),
		cmocka_unit_test(manifest_parses_and_finds),
		cmocka_unit_test(manifest_rejects_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
