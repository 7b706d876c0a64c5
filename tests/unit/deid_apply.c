/* SPDX-License-Identifier: MIT */
/* Unit tests for pdg_deid_apply and pdg_deid_classify on objects built with the DCMTK shim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/deid/deid.h"
#include "appliance/deid/profile.h"
#include "pdi/dicom/dcm.h"

static const uint8_t secret_a[PDG_SECRET_BYTES] = { 7, 7, 7, 1 };
static const uint8_t secret_b[PDG_SECRET_BYTES] = { 7, 7, 7, 2 };

#define CT_CLASS "1.2.840.10008.5.1.4.1.1.2"
#define SOP_UID "1.2.826.0.1.3680043.2.1125.1.1"
#define STUDY_UID "1.2.826.0.1.3680043.2.1125.1.2"
#define SERIES_UID "1.2.826.0.1.3680043.2.1125.1.3"
#define FOR_UID "1.2.826.0.1.3680043.2.1125.1.4"
#define REF_UID "1.2.826.0.1.3680043.2.1125.1.5"

static void put(struct pdg_dcm_item *it, uint32_t tag, const char *v)
{
	struct pdg_err err;

	if (pdg_dcm_put_string(it, tag, v, &err))
		fail_msg("put (%04x,%04x): %s", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), err.msg);
}

/* Put a string with an explicit VR (the DCMTK dictionary may not know every table tag). */
static void put_vr(struct pdg_dcm_item *it, uint32_t tag, const char *vr, const char *v)
{
	char buf[128];
	size_t n = strlen(v);
	struct pdg_err err;

	memcpy(buf, v, n);
	if (n % 2)
		buf[n++] = strcmp(vr, "UI") == 0 ? '\0' : ' ';
	if (pdg_dcm_put_raw(it, tag, vr, buf, n, &err))
		fail_msg("put_raw (%04x,%04x): %s", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), err.msg);
}

static struct pdg_dcm_item *append(struct pdg_dcm_item *it, uint32_t tag)
{
	struct pdg_dcm_item *sub;
	struct pdg_err err;

	if (pdg_dcm_seq_append(it, tag, &sub, &err))
		fail_msg("append: %s", err.msg);
	return sub;
}

static void get(struct pdg_dcm_item *it, uint32_t tag, char *buf, size_t cap)
{
	struct pdg_err err;

	if (pdg_dcm_get_string(it, tag, buf, cap, &err))
		fail_msg("get (%04x,%04x): %s", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag), err.msg);
}

/* A small CT image with planted identifying values in the main dataset, nested sequences
 * and private groups. */
static struct pdg_dcm *make_ct(void)
{
	static const uint16_t pixels[16] = { 1, 2, 3, 4 };
	struct pdg_dcm *dcm;
	struct pdg_dcm_item *ds, *it, *deep;
	struct pdg_err err;
	uint16_t us;

	assert_int_equal(pdg_dcm_create(&dcm, &err), PDG_OK);
	ds = pdg_dcm_dataset(dcm);
	put(ds, PDG_TAG(0x0008, 0x0016), CT_CLASS);
	put(ds, PDG_TAG(0x0008, 0x0018), SOP_UID);
	put(ds, PDG_TAG(0x0008, 0x0060), "CT");
	put(ds, PDG_TAG(0x0008, 0x0020), "20240315");
	put(ds, PDG_TAG(0x0008, 0x0030), "101010");
	put(ds, PDG_TAG(0x0008, 0x0023), "20240316");
	put(ds, PDG_TAG(0x0008, 0x002a), "20240315101010.123456+0900");
	put(ds, PDG_TAG(0x0008, 0x0050), "PLANTACC01");
	put(ds, PDG_TAG(0x0008, 0x0080), "PLANT HOSPITAL");
	put(ds, PDG_TAG(0x0008, 0x0090), "PLANTREF^DOCTOR");
	put(ds, PDG_TAG(0x0008, 0x1030), "PLANT STUDY DESCRIPTION");
	put(ds, PDG_TAG(0x0008, 0x1070), "PLANTOPERATOR");
	put(ds, PDG_TAG(0x0010, 0x0010), "PLANTNAME^TARO");
	put(ds, PDG_TAG(0x0010, 0x0020), "PLANTPID0001");
	put(ds, PDG_TAG(0x0010, 0x0030), "19600215");
	put(ds, PDG_TAG(0x0010, 0x0040), "M");
	put(ds, PDG_TAG(0x0010, 0x1010), "064Y");
	put(ds, PDG_TAG(0x0010, 0x1040), "PLANT ADDRESS 1-2-3");
	put(ds, PDG_TAG(0x0018, 0x1000), "PLANTSERIAL");
	put(ds, PDG_TAG(0x0020, 0x000d), STUDY_UID);
	put(ds, PDG_TAG(0x0020, 0x000e), SERIES_UID);
	put(ds, PDG_TAG(0x0020, 0x0052), FOR_UID);
	put(ds, PDG_TAG(0x0020, 0x0010), "PLANTSTUDYID");
	put_vr(ds, PDG_TAG(0x0029, 0x0010), "LO", "PLANT CREATOR");
	put_vr(ds, PDG_TAG(0x0029, 0x1010), "LO", "PLANTPRIVATE");
	/* a kept sequence (X/Z/U*) with references, a name and a private group inside */
	it = append(ds, PDG_TAG(0x0008, 0x1140));
	put(it, PDG_TAG(0x0008, 0x1150), CT_CLASS);
	put(it, PDG_TAG(0x0008, 0x1155), REF_UID);
	put(it, PDG_TAG(0x0010, 0x0010), "PLANTNESTED^NAME");
	put_vr(it, PDG_TAG(0x0009, 0x0010), "LO", "PLANT NESTED CREATOR");
	put_vr(it, PDG_TAG(0x0009, 0x1001), "LO", "PLANTNESTEDPRIVATE");
	/* a sequence not in the table: kept, its items cleaned, two levels down */
	it = append(ds, PDG_TAG(0x0008, 0x1032));
	put(it, PDG_TAG(0x0008, 0x0100), "CT123");
	put(it, PDG_TAG(0x0008, 0x0090), "PLANTDEEPREF^DOC");
	deep = append(it, PDG_TAG(0x0008, 0x1140));
	put(deep, PDG_TAG(0x0008, 0x1155), SOP_UID); /* a reference to itself */
	put(deep, PDG_TAG(0x0010, 0x1040), "PLANT DEEP ADDRESS");
	put(deep, PDG_TAG(0x0008, 0x0020), "20240301");
	/* D sequences: kept with their items, whose unlisted text becomes a dummy */
	it = append(ds, PDG_TAG(0x0070, 0x0001));
	put(it, PDG_TAG(0x0070, 0x0002), "LAYER1");
	deep = append(it, PDG_TAG(0x0070, 0x0008));
	put(deep, PDG_TAG(0x0070, 0x0006), "PLANT TEXT ANNOTATION");
	it = append(ds, PDG_TAG(0x0008, 0x1111));
	put(it, PDG_TAG(0x0008, 0x1150), "1.2.840.10008.3.1.2.3.3");
	put(it, PDG_TAG(0x0008, 0x1155), REF_UID);
	/* an overlay plane: the whole group goes with its data */
	us = 4;
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x6000, 0x0010), "US", &us, 2, &err), 0);
	put_vr(ds, PDG_TAG(0x6000, 0x0022), "LO", "PLANT OVERLAY DESCRIPTION");
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x6000, 0x3000), "OW", pixels, 4, &err), 0);
	/* a removed sequence */
	it = append(ds, PDG_TAG(0x0040, 0x0275));
	put(it, PDG_TAG(0x0008, 0x0050), "PLANTREQACC");
	us = 4;
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0010), "US", &us, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0011), "US", &us, 2, &err), 0);
	us = 1;
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0002), "US", &us, 2, &err), 0);
	us = 16;
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0100), "US", &us, 2, &err), 0);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0101), "US", &us, 2, &err), 0);
	us = 15;
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0102), "US", &us, 2, &err), 0);
	us = 0;
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0103), "US", &us, 2, &err), 0);
	put(ds, PDG_TAG(0x0028, 0x0004), "MONOCHROME2");
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x7fe0, 0x0010), "OW", pixels, sizeof(pixels),
					 &err),
			 0);
	return dcm;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void deid_to_file(const char *profile, const uint8_t *secret, const char *path,
			 struct pdg_deid_result *res)
{
	struct pdg_deid_ctx ctx;
	struct pdg_err err;
	struct pdg_dcm *dcm = make_ct();

	assert_int_equal(pdg_deid_ctx_init_with(&ctx, profile, NULL, secret, &err), PDG_OK);
	if (ctx.profile->per_batch)
		assert_int_equal(pdg_deid_ctx_set_batch(&ctx, "batch-1", &err), PDG_OK);
	assert_null(pdg_deid_classify(&ctx, dcm));
	if (pdg_deid_apply(&ctx, dcm, res, &err))
		fail_msg("apply: %s", err.msg);
	assert_null(pdg_deid_classify(&ctx, dcm));
	if (pdg_dcm_write(dcm, path, NULL, &err))
		fail_msg("write: %s", err.msg);
	pdg_dcm_free(dcm);
	pdg_deid_ctx_release(&ctx);
}

static void tmpname(char *buf, size_t cap)
{
	int fd;

	snprintf(buf, cap, "/tmp/pdg-deid-test.XXXXXX");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	close(fd);
}

static void planted_values_are_gone(void **state)
{
	static const char *const profiles[] = { "ps315-basic", "jp-pseudonymized",
						"jp-anonymized" };
	char path[64];
	struct pdg_deid_result res;

	(void)state;
	for (size_t p = 0; p < 3; p++) {
		size_t len;
		char *bytes;

		tmpname(path, sizeof(path));
		deid_to_file(profiles[p], secret_a, path, &res);
		bytes = slurp(path, &len);
		if (memmem(bytes, len, "PLANT", 5))
			fail_msg("profile %s: a planted value survived", profiles[p]);
		assert_null(memmem(bytes, len, "1.2.826.0.1.3680043.2.1125.", 27));
		assert_null(memmem(bytes, len, "20240315", 8));
		assert_null(memmem(bytes, len, "19600215", 8));
		free(bytes);
		assert_string_equal(res.link.patient_id, "PLANTPID0001");
		pdg_deid_result_wipe(&res);
		unlink(path);
	}
}

static void values_and_references(void **state)
{
	char path[64], v[256], want[PDG_DEID_UID_MAX], shifted[16];
	struct pdg_deid_result res;
	struct pdg_deid_ctx ctx;
	struct pdg_dcm *dcm;
	struct pdg_dcm_item *ds, *it, *deep;
	struct pdg_err err;

	(void)state;
	tmpname(path, sizeof(path));
	deid_to_file("jp-pseudonymized", secret_a, path, &res);
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "jp-pseudonymized", NULL, secret_a, &err),
			 PDG_OK);
	assert_int_equal(pdg_dcm_read(path, PDG_DCM_READ_LAZY, &dcm, &err), PDG_OK);
	ds = pdg_dcm_dataset(dcm);

	assert_true(res.link.linkable);
	assert_true(res.link.date_offset_days >= -365 && res.link.date_offset_days <= -30);
	get(ds, PDG_TAG(0x0010, 0x0020), v, sizeof(v));
	assert_string_equal(v, res.link.pseudonym);
	assert_int_equal(v[0], 'P');
	get(ds, PDG_TAG(0x0010, 0x0010), v, sizeof(v));
	assert_string_equal(v, "");
	get(ds, PDG_TAG(0x0010, 0x0030), v, sizeof(v));
	assert_string_equal(v, "19600201");
	get(ds, PDG_TAG(0x0010, 0x1010), v, sizeof(v));
	assert_string_equal(v, "064Y");
	get(ds, PDG_TAG(0x0010, 0x0040), v, sizeof(v));
	assert_string_equal(v, "M");
	get(ds, PDG_TAG(0x0008, 0x0020), v, sizeof(v));
	assert_int_equal(pdg_deid_shift_da("20240315", res.link.date_offset_days, shifted,
					   sizeof(shifted)),
			 0);
	assert_string_equal(v, shifted);
	get(ds, PDG_TAG(0x0008, 0x0030), v, sizeof(v));
	assert_string_equal(v, "101010"); /* times kept with whole-day shifts */
	get(ds, PDG_TAG(0x0008, 0x002a), v, sizeof(v));
	assert_int_equal(strlen(v), strlen("20240315101010.123456+0900"));
	assert_string_equal(v + 8, "101010.123456+0900");
	assert_memory_equal(v, shifted, 8);
	get(ds, PDG_TAG(0x0008, 0x0050), v, sizeof(v));
	assert_string_equal(v, "");
	get(ds, PDG_TAG(0x0020, 0x0010), v, sizeof(v));
	assert_string_equal(v, "");
	get(ds, PDG_TAG(0x0008, 0x0080), v, sizeof(v));
	assert_string_equal(v, "REMOVED"); /* X/Z/D present: D */
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0008, 0x1030)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0010, 0x1040)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0029, 0x0010)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0029, 0x1010)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0040, 0x0275)));

	/* UIDs: keyed, the same wherever they appear, and in the meta header */
	assert_int_equal(pdg_deid_map_uid(&ctx, SOP_UID, want, &err), PDG_OK);
	get(ds, PDG_TAG(0x0008, 0x0018), v, sizeof(v));
	assert_string_equal(v, want);
	assert_string_equal(res.sop_instance_uid, want);
	get(pdg_dcm_meta(dcm), PDG_TAG(0x0002, 0x0003), v, sizeof(v));
	assert_string_equal(v, want);
	it = pdg_dcm_seq_item(ds, PDG_TAG(0x0008, 0x1032), 0);
	assert_non_null(it);
	deep = pdg_dcm_seq_item(it, PDG_TAG(0x0008, 0x1140), 0);
	assert_non_null(deep);
	get(deep, PDG_TAG(0x0008, 0x1155), v, sizeof(v));
	assert_string_equal(v, want);
	get(deep, PDG_TAG(0x0008, 0x0020), v, sizeof(v));
	assert_int_equal(pdg_deid_shift_da("20240301", res.link.date_offset_days, shifted,
					   sizeof(shifted)),
			 0);
	assert_string_equal(v, shifted);
	assert_false(pdg_dcm_has(deep, PDG_TAG(0x0010, 0x1040)));
	get(it, PDG_TAG(0x0008, 0x0100), v, sizeof(v));
	assert_string_equal(v, "CT123"); /* not in the table: kept */
	it = pdg_dcm_seq_item(ds, PDG_TAG(0x0008, 0x1140), 0);
	assert_non_null(it);
	assert_int_equal(pdg_deid_map_uid(&ctx, REF_UID, want, &err), PDG_OK);
	get(it, PDG_TAG(0x0008, 0x1155), v, sizeof(v));
	assert_string_equal(v, want);
	get(it, PDG_TAG(0x0008, 0x1150), v, sizeof(v));
	assert_string_equal(v, CT_CLASS);
	assert_false(pdg_dcm_has(it, PDG_TAG(0x0009, 0x1001)));
	assert_int_equal(pdg_deid_map_uid(&ctx, STUDY_UID, want, &err), PDG_OK);
	assert_string_equal(res.study_uid, want);
	get(ds, PDG_TAG(0x0020, 0x000d), v, sizeof(v));
	assert_string_equal(v, want);

	/* graphic annotations go whole without Clean Graphics (see graphics_option) */
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0070, 0x0001)));
	(void)deep;
	it = pdg_dcm_seq_item(ds, PDG_TAG(0x0008, 0x1111), 0);
	assert_non_null(it);
	assert_int_equal(pdg_deid_map_uid(&ctx, REF_UID, want, &err), PDG_OK);
	get(it, PDG_TAG(0x0008, 0x1155), v, sizeof(v));
	assert_string_equal(v, want);
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x6000, 0x0010)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x6000, 0x0022)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x6000, 0x3000)));

	/* what must be added */
	get(ds, PDG_TAG(0x0012, 0x0062), v, sizeof(v));
	assert_string_equal(v, "YES");
	get(ds, PDG_TAG(0x0028, 0x0303), v, sizeof(v));
	assert_string_equal(v, "MODIFIED");
	get(ds, PDG_TAG(0x0012, 0x0063), v, sizeof(v));
	assert_non_null(strstr(v, "jp-pseudonymized"));
	assert_int_equal(pdg_dcm_seq_count(ds, PDG_TAG(0x0012, 0x0064)), 3);
	get(pdg_dcm_seq_item(ds, PDG_TAG(0x0012, 0x0064), 0), PDG_TAG(0x0008, 0x0100), v,
	    sizeof(v));
	assert_string_equal(v, "113100");
	it = pdg_dcm_seq_item(ds, PDG_TAG(0x0018, 0xa001),
			      pdg_dcm_seq_count(ds, PDG_TAG(0x0018, 0xa001)) - 1);
	assert_non_null(it);
	get(pdg_dcm_seq_item(it, PDG_TAG(0x0040, 0xa170), 0), PDG_TAG(0x0008, 0x0100), v,
	    sizeof(v));
	assert_string_equal(v, "109104");
	get(it, PDG_TAG(0x0008, 0x0070), v, sizeof(v));
	assert_string_equal(v, "pdigate");
	pdg_dcm_free(dcm);
	pdg_deid_ctx_release(&ctx);
	pdg_deid_result_wipe(&res);
	unlink(path);
}

static void same_input_same_bytes(void **state)
{
	char p1[64], p2[64], p3[64];
	struct pdg_deid_result r1, r2, r3;
	size_t l1, l2, l3;
	char *b1, *b2, *b3;

	(void)state;
	tmpname(p1, sizeof(p1));
	tmpname(p2, sizeof(p2));
	tmpname(p3, sizeof(p3));
	deid_to_file("jp-pseudonymized", secret_a, p1, &r1);
	deid_to_file("jp-pseudonymized", secret_a, p2, &r2);
	deid_to_file("jp-pseudonymized", secret_b, p3, &r3);
	b1 = slurp(p1, &l1);
	b2 = slurp(p2, &l2);
	b3 = slurp(p3, &l3);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	assert_true(l1 != l3 || memcmp(b1, b3, l1) != 0);
	assert_string_not_equal(r1.link.pseudonym, r3.link.pseudonym);
	free(b1);
	free(b2);
	free(b3);
	unlink(p1);
	unlink(p2);
	unlink(p3);
}

/* Every string attribute of Table E.1-1, planted at the top and inside a kept sequence item:
 * after apply it keeps its value exactly when the resolved rule keeps it. */
static void every_table_attribute(void **state)
{
	static const char *const profiles[] = { "ps315-basic", "jp-pseudonymized" };
	char path[64];

	(void)state;
	for (size_t p = 0; p < 2; p++) {
		struct pdg_deid_ctx ctx;
		struct pdg_deid_result res;
		struct pdg_dcm *dcm;
		struct pdg_dcm_item *ds, *items[2];
		struct pdg_err err;
		char val[64], got[256];
		size_t len;
		char *bytes;

		assert_int_equal(pdg_deid_ctx_init_with(&ctx, profiles[p], NULL, secret_a, &err),
				 PDG_OK);
		dcm = make_ct();
		ds = pdg_dcm_dataset(dcm);
		items[0] = ds;
		items[1] = append(ds, PDG_TAG(0x0008, 0x1032));
		for (size_t i = 0; i < pdg_deid_table_plain; i++) {
			const struct pdg_deid_row *r = &pdg_deid_table[i];
			if (PDG_TAG_GROUP(r->tag) <= 0x0002 || r->tag == PDG_TAG(0x0008, 0x0018) ||
			    r->tag == PDG_TAG(0x0010, 0x0020))
				continue;
			if (strcmp(r->vr, "OB") == 0 || strcmp(r->vr, "UN") == 0) {
				for (int k = 0; k < 2; k++)
					assert_int_equal(pdg_dcm_put_raw(items[k], r->tag, r->vr,
									 "PLANTBIN", 8, &err),
							 PDG_OK);
				continue;
			}
			if (strcmp(r->vr, "SQ") == 0 || strchr("OUSF", r->vr[0]) ||
			    strcmp(r->vr, "AT") == 0)
				continue;
			for (int k = 0; k < 2; k++) {
				if (strcmp(r->vr, "UI") == 0)
					snprintf(val, sizeof(val), "1.2.777.%zu", i);
				else if (strcmp(r->vr, "DA") == 0)
					snprintf(val, sizeof(val), "19771107");
				else if (strcmp(r->vr, "DT") == 0)
					snprintf(val, sizeof(val), "19771107123456");
				else if (strcmp(r->vr, "TM") == 0)
					snprintf(val, sizeof(val), "123456.789");
				else if (strcmp(r->vr, "AS") == 0)
					snprintf(val, sizeof(val), "077Y");
				else if (strcmp(r->vr, "DS") == 0 || strcmp(r->vr, "IS") == 0)
					snprintf(val, sizeof(val), "7777%zu", i);
				else
					snprintf(val, sizeof(val), "PLANT%04zu", i);
				put_vr(items[k], r->tag, r->vr, val);
			}
		}
		assert_int_equal(pdg_deid_apply(&ctx, dcm, &res, &err), PDG_OK);
		for (size_t i = 0; i < pdg_deid_table_plain; i++) {
			const struct pdg_deid_row *r = &pdg_deid_table[i];
			struct pdg_deid_rule rule = pdg_deid_rule_for(&ctx, r->tag, NULL);
			int keep = rule.act == PDG_ACT_KEEP ||
				   (rule.act == PDG_ACT_CLEAN && strcmp(r->vr, "TM") == 0);
			for (int k = 0; k < 2; k++) {
				if (PDG_TAG_GROUP(r->tag) <= 0x0002 || !pdg_dcm_has(items[k], r->tag))
					continue;
				if (strcmp(r->vr, "OB") == 0 || strcmp(r->vr, "UN") == 0) {
					const uint8_t *d;
					size_t dl;
					assert_int_equal(pdg_dcm_get_raw(items[k], r->tag, &d, &dl, &err),
							 PDG_OK);
					if (keep != (dl == 8 && memcmp(d, "PLANTBIN", 8) == 0))
						fail_msg("%s: (%04x,%04x) binary %s", profiles[p],
							 PDG_TAG_GROUP(r->tag), PDG_TAG_ELEM(r->tag),
							 keep ? "changed" : "kept");
					continue;
				}
				if (strcmp(r->vr, "SQ") == 0 || strchr("OUSF", r->vr[0]))
					continue;
				if (pdg_dcm_get_string(items[k], r->tag, got, sizeof(got), &err))
					continue;
				if (keep != (strncmp(got, "PLANT", 5) == 0 ||
					     strcmp(got, "19771107") == 0 ||
					     strcmp(got, "19771107123456") == 0 ||
					     strcmp(got, "123456.789") == 0 ||
					     strcmp(got, "077Y") == 0 || strncmp(got, "7777", 4) == 0 ||
					     strncmp(got, "1.2.777.", 8) == 0))
					fail_msg("%s: (%04x,%04x) %s: rule %s, value %s", profiles[p],
						 PDG_TAG_GROUP(r->tag), PDG_TAG_ELEM(r->tag), r->name,
						 pdg_deid_act_name((enum pdg_deid_act)rule.act),
						 keep ? "changed" : "kept");
			}
		}
		if (p == 0) { /* the basic profile keeps none of them: not a byte left */
			tmpname(path, sizeof(path));
			assert_int_equal(pdg_dcm_write(dcm, path, NULL, &err), PDG_OK);
			bytes = slurp(path, &len);
			assert_null(memmem(bytes, len, "PLANT", 5));
			assert_null(memmem(bytes, len, "1.2.777.", 8));
			assert_null(memmem(bytes, len, "19771107", 8));
			free(bytes);
			unlink(path);
		}
		pdg_dcm_free(dcm);
		pdg_deid_result_wipe(&res);
		pdg_deid_ctx_release(&ctx);
	}
}

static void anonymized_top_codes(void **state)
{
	struct pdg_deid_ctx ctx;
	struct pdg_deid_result res, res2;
	struct pdg_dcm *dcm;
	struct pdg_err err;
	char v[64], pseudo[64];

	(void)state;
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "jp-anonymized", NULL, secret_a, &err),
			 PDG_OK);
	dcm = make_ct();
	assert_int_equal(pdg_deid_apply(&ctx, dcm, &res, &err), PDG_E_POLICY); /* no batch */
	pdg_dcm_free(dcm);
	assert_int_equal(pdg_deid_ctx_set_batch(&ctx, "b1", &err), PDG_OK);
	dcm = make_ct();
	put(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x1010), "093Y");
	assert_int_equal(pdg_deid_apply(&ctx, dcm, &res, &err), PDG_OK);
	assert_false(res.link.linkable);
	get(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x1010), v, sizeof(v));
	assert_string_equal(v, "090Y");
	get(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x0030), v, sizeof(v));
	assert_string_equal(v, ""); /* the birth year would reveal the age */
	get(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x0020), v, sizeof(v));
	assert_int_equal(v[0], 'A');
	snprintf(pseudo, sizeof(pseudo), "%s", v);
	pdg_dcm_free(dcm);
	dcm = make_ct();
	assert_int_equal(pdg_deid_apply(&ctx, dcm, &res2, &err), PDG_OK);
	get(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x1010), v, sizeof(v));
	assert_string_equal(v, "064Y");
	get(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x0030), v, sizeof(v));
	assert_string_equal(v, "19600101");
	pdg_dcm_free(dcm);
	/* another batch: another pseudonym for the same patient */
	assert_int_equal(pdg_deid_ctx_set_batch(&ctx, "b2", &err), PDG_OK);
	dcm = make_ct();
	assert_int_equal(pdg_deid_apply(&ctx, dcm, &res2, &err), PDG_OK);
	get(pdg_dcm_dataset(dcm), PDG_TAG(0x0010, 0x0020), v, sizeof(v));
	assert_string_not_equal(v, pseudo);
	pdg_dcm_free(dcm);
	pdg_deid_ctx_release(&ctx);
}

/* Overrides from a project INI reach the dataset; multi-valued dates shift value by value. */
static void ini_overrides_apply(void **state)
{
	char ini[] = "/tmp/pdg-deid-ini.XXXXXX", v[512], a[16], b[16];
	struct pdg_deid_ctx ctx;
	struct pdg_deid_result res;
	struct pdg_dcm *dcm;
	struct pdg_dcm_item *ds;
	struct pdg_err err;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(ini);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[project]\nname = x\n[deid]\noptions = +retain-device-identity\n"
	      "[override]\n(0008,1030) = \"RESEARCH STUDY\"\n(0008,0080) = keep\n"
	      "(0029,1010) = keep\n(0010,0020) = empty\n(0018,1000) = remove\n",
	      f);
	fclose(f);
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "jp-pseudonymized", ini, secret_a, &err),
			 PDG_OK);
	unlink(ini);
	dcm = make_ct();
	ds = pdg_dcm_dataset(dcm);
	put(ds, PDG_TAG(0x0008, 0x1010), "STATION7");
	put_vr(ds, PDG_TAG(0x0018, 0x1202), "DT", "20240301101010\\20240302");
	assert_int_equal(pdg_deid_apply(&ctx, dcm, &res, &err), PDG_OK);
	get(ds, PDG_TAG(0x0008, 0x1030), v, sizeof(v));
	assert_string_equal(v, "RESEARCH STUDY");
	get(ds, PDG_TAG(0x0008, 0x0080), v, sizeof(v));
	assert_string_equal(v, "PLANT HOSPITAL");
	get(ds, PDG_TAG(0x0029, 0x1010), v, sizeof(v));
	assert_string_equal(v, "PLANTPRIVATE");
	get(ds, PDG_TAG(0x0029, 0x0010), v, sizeof(v)); /* its private creator stays */
	assert_string_equal(v, "PLANT CREATOR");
	get(ds, PDG_TAG(0x0010, 0x0020), v, sizeof(v));
	assert_string_equal(v, "");
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0018, 0x1000))); /* override beats the option */
	get(ds, PDG_TAG(0x0008, 0x1010), v, sizeof(v));
	assert_string_equal(v, "STATION7"); /* Retain Device Identity */
	/* DateTime of Last Calibration: device identity K, modified dates C: C wins */
	get(ds, PDG_TAG(0x0018, 0x1202), v, sizeof(v));
	assert_int_equal(pdg_deid_shift_da("20240301", res.link.date_offset_days, a, sizeof(a)), 0);
	assert_int_equal(pdg_deid_shift_da("20240302", res.link.date_offset_days, b, sizeof(b)), 0);
	char want[64];
	snprintf(want, sizeof(want), "%s101010\\%s", a, b);
	assert_string_equal(v, want);
	get(ds, PDG_TAG(0x0012, 0x0063), v, sizeof(v));
	assert_non_null(strstr(v, "5 per-attribute overrides"));
	assert_int_equal(pdg_dcm_seq_count(ds, PDG_TAG(0x0012, 0x0064)), 4);
	pdg_dcm_free(dcm);
	pdg_deid_result_wipe(&res);
	pdg_deid_ctx_release(&ctx);
}

static void classification(void **state)
{
	static const struct {
		uint32_t tag;
		const char *value; /* NULL: remove */
		int quarantined;
	} cases[] = {
		{ PDG_TAG(0x0028, 0x0301), "YES", 1 },
		{ PDG_TAG(0x0028, 0x0301), "NO", 0 },
		{ PDG_TAG(0x0028, 0x0302), "YES", 1 },
		{ PDG_TAG(0x0028, 0x0302), "NO", 0 },
		{ PDG_TAG(0x0008, 0x0018), NULL, 1 },
		{ PDG_TAG(0x0008, 0x0016), NULL, 1 },
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.88.22", 1 },   /* SR */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.88.59", 0 },   /* KOS: kept */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.104.1", 1 },   /* PDF */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.104.3", 1 },   /* STL */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.7", 1 },       /* SC */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.6.1", 1 },     /* US */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.77.1.4", 1 },  /* VL photo */
		{ PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.4", 0 },       /* MR */
		{ PDG_TAG(0x0008, 0x0060), "US", 1 },
		{ PDG_TAG(0x0008, 0x0060), "OT", 1 },
		{ PDG_TAG(0x0008, 0x0060), "XC", 1 },
		{ PDG_TAG(0x0008, 0x0060), "MR", 0 },
		{ PDG_TAG(0x0042, 0x0011), "%PDF", 1 },
	};
	struct pdg_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pdg_dcm *dcm = make_ct();
		struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm);
		const char *why;

		if (cases[i].value && cases[i].tag == PDG_TAG(0x0042, 0x0011))
			assert_int_equal(pdg_dcm_put_raw(ds, cases[i].tag, "OB", "%PDF", 4, &err),
					 PDG_OK);
		else if (cases[i].value)
			put(ds, cases[i].tag, cases[i].value);
		else
			assert_int_equal(pdg_dcm_remove(ds, cases[i].tag, &err), PDG_OK);
		why = pdg_deid_classify(NULL, dcm);
		if (cases[i].quarantined != (why != NULL))
			fail_msg("case %zu: %s", i, why ? why : "exportable");
		if (why)
			assert_null(strstr(why, "PLANT"));
		pdg_dcm_free(dcm);
	}
	/* US with an explicit NO still goes through the pixel gate: without rules, quarantined */
	struct pdg_dcm *dcm = make_ct();
	put(pdg_dcm_dataset(dcm), PDG_TAG(0x0008, 0x0060), "US");
	put(pdg_dcm_dataset(dcm), PDG_TAG(0x0028, 0x0301), "NO");
	const char *why = pdg_deid_classify(NULL, dcm);
	assert_non_null(why);
	assert_non_null(strstr(why, "no masking rule for US"));
	pdg_dcm_free(dcm);

	/* an SR is exportable only under Clean Structured Content (jp-anonymized implies it) */
	struct pdg_deid_ctx ctx;
	dcm = make_ct();
	put(pdg_dcm_dataset(dcm), PDG_TAG(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.88.22");
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "ps315-basic", NULL, secret_a, &err),
			 PDG_OK);
	assert_non_null(pdg_deid_classify(&ctx, dcm));
	pdg_deid_ctx_release(&ctx);
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "jp-anonymized", NULL, secret_a, &err),
			 PDG_OK);
	assert_null(pdg_deid_classify(&ctx, dcm));
	pdg_deid_ctx_release(&ctx);
	pdg_dcm_free(dcm);
}

/* Clean Graphics keeps graphic annotations, their text scrubbed; overlays go in both cases. */
static void graphics_option(void **state)
{
	char ini[] = "/tmp/pdg-deid-ini.XXXXXX", v[64];
	struct pdg_deid_ctx ctx;
	struct pdg_deid_result res;
	struct pdg_dcm *dcm = make_ct();
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm), *it;
	struct pdg_err err;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(ini);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("[project]\nname = x\n[deid]\noptions = clean-graphics\n", f);
	fclose(f);
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "ps315-basic", ini, secret_a, &err), PDG_OK);
	unlink(ini);
	assert_int_equal(pdg_deid_apply(&ctx, dcm, &res, &err), PDG_OK);
	it = pdg_dcm_seq_item(ds, PDG_TAG(0x0070, 0x0001), 0);
	assert_non_null(it);
	get(it, PDG_TAG(0x0070, 0x0002), v, sizeof(v));
	assert_string_equal(v, "LAYER1"); /* CS */
	it = pdg_dcm_seq_item(it, PDG_TAG(0x0070, 0x0008), 0);
	assert_non_null(it);
	get(it, PDG_TAG(0x0070, 0x0006), v, sizeof(v));
	assert_string_equal(v, "REMOVED");
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x6000, 0x3000)));
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x6000, 0x0010)));
	pdg_deid_result_wipe(&res);
	pdg_deid_ctx_release(&ctx);
	pdg_dcm_free(dcm);
}

/* (0012,0062/0063/0064) and (0028,0303) as DCMTK's own dcmdump sees them. */
static void dcmdump_sees_additions(void **state)
{
	char path[64], cmd[160], line[512];
	struct pdg_deid_result res;
	FILE *p;
	int seen = 0;

	(void)state;
	if (system("command -v dcmdump >/dev/null 2>&1") != 0)
		skip();
	tmpname(path, sizeof(path));
	deid_to_file("ps315-basic", secret_a, path, &res);
	snprintf(cmd, sizeof(cmd), "dcmdump -q '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		seen |= strstr(line, "(0012,0062) CS [YES]") ? 1 : 0;
		seen |= strstr(line, "(0012,0063) LO [PS3.15 Basic") ? 2 : 0;
		seen |= strstr(line, "(0008,0100) SH [113100]") ? 4 : 0;
		seen |= strstr(line, "(0028,0303) CS [REMOVED]") ? 8 : 0;
		seen |= strstr(line, "(0002,0003) UI [2.25.") ? 16 : 0;
		seen |= strstr(line, "(0012,0064) SQ") ? 32 : 0;
		if (strstr(line, "PLANT"))
			seen |= 64;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(seen, 63);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(planted_values_are_gone),
		cmocka_unit_test(values_and_references),
		cmocka_unit_test(same_input_same_bytes),
		cmocka_unit_test(every_table_attribute),
		cmocka_unit_test(anonymized_top_codes),
		cmocka_unit_test(ini_overrides_apply),
		cmocka_unit_test(classification),
		cmocka_unit_test(graphics_option),
		cmocka_unit_test(dcmdump_sees_additions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
