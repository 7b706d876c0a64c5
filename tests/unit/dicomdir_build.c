/* SPDX-License-Identifier: MIT */
/* Unit tests for directory keys from memory and the DICOMDIR builder's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pdi/dicom/dcm.h"
#include "pdi/dicom/dicomdir.h"
#include "pdi/tree.h"

#define CT "1.2.840.10008.5.1.4.1.1.2"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/pdg-unit-dicomdir.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	struct pdg_err err;

	(void)state;
	return pdg_pdi_tree_remove(root, &err) ? -1 : 0;
}

/* A small CT instance in memory, written to root/rel; *out keeps the object. */
static void make_ct(const char *rel, const char *sop, const char *number, struct pdg_dcm **out)
{
	static const struct {
		uint32_t tag;
		const char *v;
	} vals[] = {
		{ PDG_TAG(0x0008, 0x0016), CT },        { PDG_TAG(0x0008, 0x0020), "20200101" },
		{ PDG_TAG(0x0008, 0x0030), "101010" },  { PDG_TAG(0x0008, 0x0060), "CT" },
		{ PDG_TAG(0x0008, 0x0008), "ORIGINAL\\PRIMARY\\AXIAL" },
		{ PDG_TAG(0x0010, 0x0010), "NAME^X" },  { PDG_TAG(0x0010, 0x0020), "PSEUDO1" },
		{ PDG_TAG(0x0020, 0x000d), "2.25.1" },  { PDG_TAG(0x0020, 0x000e), "2.25.2" },
		{ PDG_TAG(0x0020, 0x0011), "3" },       { PDG_TAG(0x0028, 0x0010), "2" },
		{ PDG_TAG(0x0028, 0x0011), "2" },
	};
	struct pdg_dcm_item *ds;
	struct pdg_err err;
	char path[128];

	assert_int_equal(pdg_dcm_create(out, &err), PDG_OK);
	ds = pdg_dcm_dataset(*out);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		assert_int_equal(pdg_dcm_put_string(ds, vals[i].tag, vals[i].v, &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0008, 0x0018), sop, &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_string(ds, PDG_TAG(0x0020, 0x0013), number, &err), PDG_OK);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(pdg_dcm_write(*out, path, NULL, &err), PDG_OK);
}

static void keys_from_memory_equal_keys_from_the_file(void **state)
{
	struct pdg_dicomdir_keys *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct pdg_dcm *dcm;
	struct pdg_err err;
	char path[128];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	make_ct("A1", "2.25.11", "7", &dcm);
	assert_int_equal(pdg_dicomdir_keys_of(dcm, a, &err), PDG_OK);
	snprintf(path, sizeof(path), "%s/A1", root);
	assert_int_equal(pdg_dicomdir_read_keys(path, b, &err), PDG_OK);
	assert_string_equal(a->sop_instance_uid, "2.25.11");
	assert_string_equal(a->transfer_syntax, "1.2.840.10008.1.2.1");
	assert_int_equal(a->instance_number, 7);
	assert_true(a->rec_len > 0);
	assert_memory_equal(a, b, sizeof(*a));
	pdg_dcm_free(dcm);
	free(a);
	free(b);
}

static void builder_refuses_what_it_must(void **state)
{
	struct pdg_dicomdir_keys *k = malloc(sizeof(*k)), *k2 = malloc(sizeof(*k2));
	struct pdg_dicomdir *d = NULL;
	struct pdg_dcm *dcm;
	struct pdg_err err;
	char sub[128];

	(void)state;
	assert_non_null(k);
	assert_non_null(k2);
	snprintf(sub, sizeof(sub), "%s/SET", root);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/SET/DICOM", root);
	assert_int_equal(mkdir(sub, 0700), 0);
	make_ct("SET/DICOM/I1", "2.25.21", "1", &dcm);
	assert_int_equal(pdg_dicomdir_keys_of(dcm, k, &err), PDG_OK);
	pdg_dcm_free(dcm);
	make_ct("SET/DICOM/I2", "2.25.22", "2", &dcm);
	assert_int_equal(pdg_dicomdir_keys_of(dcm, k2, &err), PDG_OK);
	pdg_dcm_free(dcm);
	snprintf(sub, sizeof(sub), "%s/SET", root);
	assert_int_equal(pdg_dicomdir_create(sub, PDG_DICOMDIR_GEN_CD, "T", "2.25.9", &d, &err),
			 PDG_OK);
	/* a File ID breaking PS3.10 8.2 */
	assert_int_equal(pdg_dicomdir_add_keys(d, "dicom/i1", k, &err), PDG_E_DICOM);
	assert_non_null(strstr(err.msg, "dicom/i1"));
	assert_int_equal(pdg_dicomdir_add_keys(d, "DICOM/I1", k, &err), PDG_OK);
	/* the same SOP instance twice */
	assert_int_equal(pdg_dicomdir_add_keys(d, "DICOM/I2", k, &err), PDG_E_INVALID);
	/* a transfer syntax the profile does not admit: refused with the File ID */
	snprintf(k2->transfer_syntax, sizeof(k2->transfer_syntax), "1.2.840.10008.1.2");
	assert_int_equal(pdg_dicomdir_add_keys(d, "DICOM/I2", k2, &err), PDG_E_DICOM);
	assert_non_null(strstr(err.msg, "DICOM/I2"));
	/* strings that do not end in their fields */
	memset(k2->sop_instance_uid, '1', sizeof(k2->sop_instance_uid));
	assert_int_equal(pdg_dicomdir_add_keys(d, "DICOM/I2", k2, &err), PDG_E_INVALID);
	/* no directory key dataset: the builder reads the file */
	{
		char i2[sizeof(sub) + 16];

		snprintf(i2, sizeof(i2), "%s/DICOM/I2", sub);
		assert_int_equal(pdg_dicomdir_read_keys(i2, k2, &err), PDG_OK);
	}
	k2->rec_len = 0;
	assert_int_equal(pdg_dicomdir_add_keys(d, "DICOM/I2", k2, &err), PDG_OK);
	assert_int_equal(pdg_dicomdir_write(d, &err), PDG_OK);
	d = pdg_dicomdir_free(d);
	free(k);
	free(k2);
}

static int count_entry(void *ctx, const struct pdg_dicomdir_entry *e)
{
	(*(int *)ctx)++;
	assert_string_equal(e->record_type, "IMAGE");
	return 0;
}

static void written_dicomdir_lists_both(void **state)
{
	struct pdg_dicomdir_info info;
	struct pdg_err err;
	char path[128];
	int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/SET/DICOMDIR", root);
	assert_int_equal(pdg_dicomdir_list(path, count_entry, &n, &info, &err), PDG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(info.patients, 1);
	assert_int_equal(info.series, 1);
	assert_string_equal(info.fileset_id, "T");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_from_memory_equal_keys_from_the_file),
		cmocka_unit_test(builder_refuses_what_it_must),
		cmocka_unit_test(written_dicomdir_lists_both),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
