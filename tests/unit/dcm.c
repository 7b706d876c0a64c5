/* SPDX-License-Identifier: MIT */
/* Unit tests for the DCMTK shim: real files written, read back and compared. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pdi/dicom/dcm.h"

#define TAG_SPECIFIC_CHARSET PDG_TAG(0x0008, 0x0005)
#define TAG_IMAGE_TYPE PDG_TAG(0x0008, 0x0008)
#define TAG_SOP_CLASS PDG_TAG(0x0008, 0x0016)
#define TAG_SOP_INSTANCE PDG_TAG(0x0008, 0x0018)
#define TAG_MODALITY PDG_TAG(0x0008, 0x0060)
#define TAG_REF_SERIES_SEQ PDG_TAG(0x0008, 0x1115)
#define TAG_REF_IMAGE_SEQ PDG_TAG(0x0008, 0x1140)
#define TAG_REF_SOP_CLASS PDG_TAG(0x0008, 0x1150)
#define TAG_REF_SOP_INSTANCE PDG_TAG(0x0008, 0x1155)
#define TAG_PATIENT_NAME PDG_TAG(0x0010, 0x0010)
#define TAG_PATIENT_ID PDG_TAG(0x0010, 0x0020)
#define TAG_STUDY_UID PDG_TAG(0x0020, 0x000d)
#define TAG_SERIES_UID PDG_TAG(0x0020, 0x000e)
#define TAG_SAMPLES PDG_TAG(0x0028, 0x0002)
#define TAG_PHOTOMETRIC PDG_TAG(0x0028, 0x0004)
#define TAG_ROWS PDG_TAG(0x0028, 0x0010)
#define TAG_COLUMNS PDG_TAG(0x0028, 0x0011)
#define TAG_PIXEL_SPACING PDG_TAG(0x0028, 0x0030)
#define TAG_BITS_ALLOCATED PDG_TAG(0x0028, 0x0100)
#define TAG_BITS_STORED PDG_TAG(0x0028, 0x0101)
#define TAG_HIGH_BIT PDG_TAG(0x0028, 0x0102)
#define TAG_PIXEL_REPR PDG_TAG(0x0028, 0x0103)
#define TAG_RESCALE_INTERCEPT PDG_TAG(0x0028, 0x1052)
#define TAG_PIXEL_DATA PDG_TAG(0x7fe0, 0x0010)
#define TAG_PRIVATE_CREATOR PDG_TAG(0x0009, 0x0010)
#define TAG_PRIVATE_VALUE PDG_TAG(0x0009, 0x1001)

#define CT_IMAGE_STORAGE "1.2.840.10008.5.1.4.1.1.2"
#define TS_IMPLICIT_LE "1.2.840.10008.1.2"
#define TS_EXPLICIT_LE "1.2.840.10008.1.2.1"
#define TS_EXPLICIT_BE "1.2.840.10008.1.2.2"
#define TS_RLE "1.2.840.10008.1.2.5"
#define TS_JPEG_LOSSLESS_SV1 "1.2.840.10008.1.2.4.70"
#define TS_JPEG_LS_LOSSLESS "1.2.840.10008.1.2.4.80"

#define IMG_SIDE 64

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s", "/tmp/pdg-dcm-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(struct pdg_dcm_item *item, uint32_t tag, const char *value)
{
	struct pdg_err err;
	enum pdg_code rc = pdg_dcm_put_string(item, tag, value, &err);
	if (rc)
		fail_msg("put_string (%04x,%04x): %s", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag),
			 err.msg);
}

static void put_us(struct pdg_dcm_item *item, uint32_t tag, uint16_t v)
{
	struct pdg_err err;
	uint8_t le[2] = {(uint8_t)(v & 0xff), (uint8_t)(v >> 8)};
	assert_int_equal(pdg_dcm_put_raw(item, tag, "US", le, 2, &err), PDG_OK);
}

static void want_string(struct pdg_dcm_item *item, uint32_t tag, const char *want)
{
	struct pdg_err err;
	char buf[256];
	enum pdg_code rc = pdg_dcm_get_string(item, tag, buf, sizeof(buf), &err);
	if (rc)
		fail_msg("get_string (%04x,%04x): %s", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag),
			 err.msg);
	assert_string_equal(buf, want);
}

static uint16_t *make_pixels(size_t n)
{
	uint16_t *px = malloc(n * sizeof(*px));
	assert_non_null(px);
	for (size_t i = 0; i < n; i++)
		px[i] = (uint16_t)((i * 7 + (i / IMG_SIDE) * 13) & 0x0fff);
	return px;
}

/* A small CT-like image: the attributes an image needs, plus a nested sequence. */
static struct pdg_dcm *make_ct(const uint16_t *px, size_t side)
{
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err;
	struct pdg_dcm_item *ds, *ser, *img;

	assert_int_equal(pdg_dcm_create(&dcm, &err), PDG_OK);
	ds = pdg_dcm_dataset(dcm);
	put(ds, TAG_SPECIFIC_CHARSET, "ISO_IR 100");
	put(ds, TAG_IMAGE_TYPE, "ORIGINAL\\PRIMARY\\AXIAL");
	put(ds, TAG_SOP_CLASS, CT_IMAGE_STORAGE);
	put(ds, TAG_SOP_INSTANCE, "2.25.1234567890123456789");
	put(ds, TAG_MODALITY, "CT");
	put(ds, TAG_PATIENT_NAME, "Test^Synthetic");
	put(ds, TAG_PATIENT_ID, "SYN001");
	put(ds, TAG_STUDY_UID, "2.25.1");
	put(ds, TAG_SERIES_UID, "2.25.12");
	put_us(ds, TAG_SAMPLES, 1);
	put(ds, TAG_PHOTOMETRIC, "MONOCHROME2");
	put_us(ds, TAG_ROWS, (uint16_t)side);
	put_us(ds, TAG_COLUMNS, (uint16_t)side);
	put(ds, TAG_PIXEL_SPACING, "0.5\\0.5");
	put(ds, TAG_BITS_ALLOCATED, "16");
	put_us(ds, TAG_BITS_STORED, 12);
	put_us(ds, TAG_HIGH_BIT, 11);
	put_us(ds, TAG_PIXEL_REPR, 0);
	put(ds, TAG_RESCALE_INTERCEPT, "-1024");
	assert_int_equal(pdg_dcm_seq_append(ds, TAG_REF_SERIES_SEQ, &ser, &err), PDG_OK);
	put(ser, TAG_SERIES_UID, "2.25.99");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pdg_dcm_seq_append(ser, TAG_REF_IMAGE_SEQ, &img, &err), PDG_OK);
		put(img, TAG_REF_SOP_CLASS, CT_IMAGE_STORAGE);
		put(img, TAG_REF_SOP_INSTANCE, i ? "2.25.991" : "2.25.990");
	}
	assert_int_equal(pdg_dcm_put_raw(ds, TAG_PIXEL_DATA, "OW", px, side * side * 2, &err),
			 PDG_OK);
	return dcm;
}

static struct pdg_dcm *read_ok(const char *path, unsigned flags)
{
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err;
	enum pdg_code rc = pdg_dcm_read(path, flags, &dcm, &err);
	if (rc)
		fail_msg("read %s: %s", path, err.msg);
	return dcm;
}

static void write_ok(struct pdg_dcm *dcm, const char *path, const char *ts)
{
	struct pdg_err err;
	enum pdg_code rc = pdg_dcm_write(dcm, path, ts, &err);
	if (rc)
		fail_msg("write %s: %s", path, err.msg);
}

/* Two items hold the same elements with equal values, recursively. */
static void assert_items_equal(struct pdg_dcm_item *a, struct pdg_dcm_item *b)
{
	struct pdg_dcm_elem ea[64], eb[64];
	size_t na, nb;
	struct pdg_err err;

	assert_int_equal(pdg_dcm_list(a, ea, 64, &na, &err), PDG_OK);
	assert_int_equal(pdg_dcm_list(b, eb, 64, &nb, &err), PDG_OK);
	assert_true(na <= 64);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(ea[i].tag, eb[i].tag);
		assert_string_equal(ea[i].vr, eb[i].vr);
		assert_int_equal(ea[i].length, eb[i].length);
		if (strcmp(ea[i].vr, "SQ") == 0) {
			size_t n = pdg_dcm_seq_count(a, ea[i].tag);
			assert_int_equal(n, pdg_dcm_seq_count(b, eb[i].tag));
			for (size_t j = 0; j < n; j++)
				assert_items_equal(pdg_dcm_seq_item(a, ea[i].tag, j),
						   pdg_dcm_seq_item(b, eb[i].tag, j));
			continue;
		}
		const uint8_t *da, *db;
		size_t la, lb;
		assert_int_equal(pdg_dcm_get_raw(a, ea[i].tag, &da, &la, &err), PDG_OK);
		assert_int_equal(pdg_dcm_get_raw(b, eb[i].tag, &db, &lb, &err), PDG_OK);
		assert_int_equal(la, lb);
		assert_memory_equal(da, db, la);
	}
}

static void roundtrip_keeps_everything(void **state)
{
	uint16_t *px = make_pixels(IMG_SIDE * IMG_SIDE);
	struct pdg_dcm *a = make_ct(px, IMG_SIDE), *b;
	struct pdg_dcm_item *ds, *ser, *img;
	struct pdg_err err;
	const uint8_t *data;
	size_t len;

	(void)state;
	write_ok(a, tmp_path("rt.dcm"), NULL);
	b = read_ok(tmp_path("rt.dcm"), 0);
	assert_string_equal(pdg_dcm_transfer_syntax(b), TS_EXPLICIT_LE);
	assert_items_equal(pdg_dcm_dataset(a), pdg_dcm_dataset(b));

	ds = pdg_dcm_dataset(b);
	want_string(ds, TAG_PATIENT_NAME, "Test^Synthetic");
	want_string(ds, TAG_IMAGE_TYPE, "ORIGINAL\\PRIMARY\\AXIAL");
	want_string(ds, TAG_PIXEL_SPACING, "0.5\\0.5");
	want_string(ds, TAG_ROWS, "64");
	want_string(ds, TAG_BITS_ALLOCATED, "16");
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_ROWS, &data, &len, &err), PDG_OK);
	assert_int_equal(len, 2);
	assert_int_equal(data[0] | data[1] << 8, IMG_SIDE);
	/* UI values are padded with NUL on disk: an odd UID is read back without it */
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_SOP_INSTANCE, &data, &len, &err), PDG_OK);
	assert_int_equal(len, strlen("2.25.1234567890123456789"));
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_PIXEL_DATA, &data, &len, &err), PDG_OK);
	assert_int_equal(len, IMG_SIDE * IMG_SIDE * 2);
	assert_memory_equal(data, px, len);

	assert_int_equal(pdg_dcm_seq_count(ds, TAG_REF_SERIES_SEQ), 1);
	ser = pdg_dcm_seq_item(ds, TAG_REF_SERIES_SEQ, 0);
	assert_non_null(ser);
	assert_null(pdg_dcm_seq_item(ds, TAG_REF_SERIES_SEQ, 1));
	assert_int_equal(pdg_dcm_seq_count(ser, TAG_REF_IMAGE_SEQ), 2);
	img = pdg_dcm_seq_item(ser, TAG_REF_IMAGE_SEQ, 1);
	want_string(img, TAG_REF_SOP_INSTANCE, "2.25.991");
	assert_int_equal(pdg_dcm_seq_count(ds, TAG_PATIENT_NAME), 0);

	/* the meta header is ours and matches the dataset */
	struct pdg_dcm_item *meta = pdg_dcm_meta(b);
	want_string(meta, PDG_TAG(0x0002, 0x0002), CT_IMAGE_STORAGE);
	want_string(meta, PDG_TAG(0x0002, 0x0003), "2.25.1234567890123456789");
	want_string(meta, PDG_TAG(0x0002, 0x0010), TS_EXPLICIT_LE);
	want_string(meta, PDG_TAG(0x0002, 0x0012), PDG_IMPLEMENTATION_CLASS_UID);
	want_string(meta, PDG_TAG(0x0002, 0x0013), "PDIGATE_010");

	pdg_dcm_free(a);
	assert_null(pdg_dcm_free(b));
	assert_null(pdg_dcm_free(NULL));
	free(px);
}

static void list_reports_tag_order_and_counts(void **state)
{
	uint16_t *px = make_pixels(IMG_SIDE * IMG_SIDE);
	struct pdg_dcm *a = make_ct(px, IMG_SIDE);
	struct pdg_dcm_elem e[4];
	size_t n, n2;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_dcm_list(pdg_dcm_dataset(a), e, 4, &n, &err), PDG_OK);
	assert_true(n > 4);
	assert_int_equal(e[0].tag, TAG_SPECIFIC_CHARSET);
	assert_string_equal(e[0].vr, "CS");
	assert_int_equal(e[0].length, 10);
	assert_true(e[1].tag < e[2].tag && e[2].tag < e[3].tag);
	struct pdg_dcm_elem *all = calloc(n, sizeof(*all));
	assert_int_equal(pdg_dcm_list(pdg_dcm_dataset(a), all, n, &n2, &err), PDG_OK);
	assert_int_equal(n, n2);
	assert_int_equal(all[n - 1].tag, TAG_PIXEL_DATA);
	assert_string_equal(all[n - 1].vr, "OW");
	assert_int_equal(all[n - 1].length, IMG_SIDE * IMG_SIDE * 2);
	for (size_t i = 0; i < n; i++)
		if (all[i].tag == TAG_REF_SERIES_SEQ) {
			assert_string_equal(all[i].vr, "SQ");
			assert_int_equal(all[i].length, 1);
		}
	free(all);
	pdg_dcm_free(a);
	free(px);
}

static void remove_and_empty(void **state)
{
	uint16_t *px = make_pixels(IMG_SIDE * IMG_SIDE);
	struct pdg_dcm *a = make_ct(px, IMG_SIDE), *b;
	struct pdg_dcm_item *ds = pdg_dcm_dataset(a);
	struct pdg_err err;
	const uint8_t *data;
	size_t len;
	char buf[8];

	(void)state;
	assert_int_equal(pdg_dcm_remove(ds, TAG_PATIENT_ID, &err), PDG_OK);
	assert_int_equal(pdg_dcm_remove(ds, TAG_PATIENT_ID, &err), PDG_OK); /* absent: fine */
	assert_int_equal(pdg_dcm_empty(ds, TAG_PATIENT_NAME, &err), PDG_OK);
	assert_int_equal(pdg_dcm_empty(ds, TAG_REF_SERIES_SEQ, &err), PDG_OK);
	assert_int_equal(pdg_dcm_empty(ds, PDG_TAG(0x0010, 0x0030), &err), PDG_OK);
	assert_false(pdg_dcm_has(ds, PDG_TAG(0x0010, 0x0030))); /* absent stays absent */
	write_ok(a, tmp_path("re.dcm"), NULL);
	b = read_ok(tmp_path("re.dcm"), 0);
	ds = pdg_dcm_dataset(b);
	assert_false(pdg_dcm_has(ds, TAG_PATIENT_ID));
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_PATIENT_ID, &data, &len, &err),
			 PDG_E_NOTFOUND);
	assert_true(pdg_dcm_has(ds, TAG_PATIENT_NAME));
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_PATIENT_NAME, &data, &len, &err), PDG_OK);
	assert_int_equal(len, 0);
	assert_true(pdg_dcm_has(ds, TAG_REF_SERIES_SEQ));
	assert_int_equal(pdg_dcm_seq_count(ds, TAG_REF_SERIES_SEQ), 0);
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_REF_SERIES_SEQ, &data, &len, &err),
			 PDG_E_INVALID);
	assert_int_equal(pdg_dcm_get_string(ds, TAG_PHOTOMETRIC, buf, sizeof(buf), &err),
			 PDG_E_LIMIT);
	pdg_dcm_free(a);
	pdg_dcm_free(b);
	free(px);
}

static void put_picks_vr_and_pads(void **state)
{
	struct pdg_dcm *a = NULL, *b;
	struct pdg_dcm_item *ds;
	struct pdg_err err;
	struct pdg_dcm_elem e[16];
	size_t n;
	const uint8_t *data;
	size_t len;

	(void)state;
	assert_int_equal(pdg_dcm_create(&a, &err), PDG_OK);
	ds = pdg_dcm_dataset(a);
	put(ds, TAG_SOP_CLASS, CT_IMAGE_STORAGE);
	put(ds, TAG_SOP_INSTANCE, "2.25.5");
	put(ds, TAG_PATIENT_ID, "ABC"); /* LO, odd: padded with a space */
	put(ds, TAG_STUDY_UID, "2.25.123");  /* UI, odd: padded with NUL */
	put(ds, PDG_TAG(0x0028, 0x0010), "256\\2"); /* US from text, two values */
	/* an existing element keeps its VR: Patient ID stored as UN stays UN */
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0010, 0x1000), "UN", "X", 1, &err),
			 PDG_OK);
	put(ds, PDG_TAG(0x0010, 0x1000), "OTHER");
	/* unknown (private) tags need put_raw */
	assert_int_equal(pdg_dcm_put_string(ds, TAG_PRIVATE_VALUE, "x", &err), PDG_E_INVALID);
	put(ds, TAG_PRIVATE_CREATOR, "PDIGATE TEST");
	assert_int_equal(pdg_dcm_put_raw(ds, TAG_PRIVATE_VALUE, "LO", "PRIVATE", 7, &err),
			 PDG_OK);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0018, 0x0050), "XX", "1", 1, &err),
			 PDG_E_INVALID);
	assert_int_equal(pdg_dcm_put_raw(ds, PDG_TAG(0x0028, 0x0011), "US", "123", 3, &err),
			 PDG_E_INVALID);
	assert_int_equal(pdg_dcm_put_string(ds, TAG_REF_SERIES_SEQ, "x", &err), PDG_E_INVALID);
	write_ok(a, tmp_path("pad.dcm"), NULL);

	b = read_ok(tmp_path("pad.dcm"), 0);
	ds = pdg_dcm_dataset(b);
	assert_int_equal(pdg_dcm_list(ds, e, 16, &n, &err), PDG_OK);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(e[i].length % 2, 0);
		if (e[i].tag == TAG_PATIENT_ID)
			assert_string_equal(e[i].vr, "LO");
		if (e[i].tag == TAG_STUDY_UID)
			assert_string_equal(e[i].vr, "UI");
		if (e[i].tag == PDG_TAG(0x0028, 0x0010)) {
			assert_string_equal(e[i].vr, "US");
			assert_int_equal(e[i].length, 4);
		}
		if (e[i].tag == PDG_TAG(0x0010, 0x1000))
			assert_string_equal(e[i].vr, "UN");
	}
	want_string(ds, TAG_PATIENT_ID, "ABC");
	want_string(ds, TAG_STUDY_UID, "2.25.123");
	want_string(ds, PDG_TAG(0x0028, 0x0010), "256\\2");
	assert_int_equal(pdg_dcm_get_raw(ds, PDG_TAG(0x0010, 0x1000), &data, &len, &err), PDG_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(data, "OTHER ", 6);
	assert_int_equal(pdg_dcm_get_raw(ds, TAG_PRIVATE_VALUE, &data, &len, &err), PDG_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "PRIVATE", 7);
	pdg_dcm_free(a);
	pdg_dcm_free(b);
}

/* PS3.5 H.3.1: a Japanese person name in ISO 2022 IR 87, escape sequences included. */
static const char pn_iso2022[] = "Yamada^Tarou="
				 "\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B="
				 "\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
/* The same name in UTF-8 (ISO_IR 192). */
static const char pn_utf8[] = "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e="
			      "\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0^\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86";

static void japanese_names_survive_bytewise(void **state)
{
	static const struct {
		const char *charset, *name;
	} cases[] = {{"\\ISO 2022 IR 87", pn_iso2022}, {"ISO_IR 192", pn_utf8}};
	struct pdg_err err;

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		const char *ts[] = {NULL, TS_IMPLICIT_LE, TS_EXPLICIT_BE};
		for (size_t t = 0; t < 3; t++) {
			struct pdg_dcm *a = NULL, *b;
			const uint8_t *data;
			size_t len;
			assert_int_equal(pdg_dcm_create(&a, &err), PDG_OK);
			struct pdg_dcm_item *ds = pdg_dcm_dataset(a);
			put(ds, TAG_SPECIFIC_CHARSET, cases[c].charset);
			put(ds, TAG_SOP_CLASS, CT_IMAGE_STORAGE);
			put(ds, TAG_SOP_INSTANCE, "2.25.7");
			put(ds, TAG_PATIENT_NAME, cases[c].name);
			write_ok(a, tmp_path("jp.dcm"), ts[t]);
			b = read_ok(tmp_path("jp.dcm"), 0);
			ds = pdg_dcm_dataset(b);
			assert_int_equal(pdg_dcm_get_raw(ds, TAG_PATIENT_NAME, &data, &len, &err),
					 PDG_OK);
			assert_int_equal(len, strlen(cases[c].name));
			assert_memory_equal(data, cases[c].name, len);
			want_string(ds, TAG_SPECIFIC_CHARSET, cases[c].charset);
			pdg_dcm_free(a);
			pdg_dcm_free(b);
		}
	}
}

static void lazy_read_keeps_pixel_data(void **state)
{
	uint16_t *px = make_pixels(IMG_SIDE * IMG_SIDE);
	struct pdg_dcm *a = make_ct(px, IMG_SIDE), *b, *c;
	struct pdg_err err;
	const uint8_t *data;
	size_t len;

	(void)state;
	write_ok(a, tmp_path("lazy-in.dcm"), NULL);
	b = read_ok(tmp_path("lazy-in.dcm"), PDG_DCM_READ_LAZY);
	put(pdg_dcm_dataset(b), TAG_PATIENT_NAME, "Changed^Name");
	write_ok(b, tmp_path("lazy-out.dcm"), NULL);
	c = read_ok(tmp_path("lazy-out.dcm"), 0);
	assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(c), TAG_PIXEL_DATA, &data, &len, &err),
			 PDG_OK);
	assert_int_equal(len, sizeof(*px) * IMG_SIDE * IMG_SIDE);
	assert_memory_equal(data, px, len);
	want_string(pdg_dcm_dataset(c), TAG_PATIENT_NAME, "Changed^Name");
	/* a lazy value can also be fetched directly */
	assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(b), TAG_PIXEL_DATA, &data, &len, &err),
			 PDG_OK);
	assert_memory_equal(data, px, len);
	pdg_dcm_free(a);
	pdg_dcm_free(b);
	pdg_dcm_free(c);
	free(px);
}

static void transfer_syntax_conversions(void **state)
{
	uint16_t *px = make_pixels(IMG_SIDE * IMG_SIDE);
	struct pdg_dcm *a = make_ct(px, IMG_SIDE);
	static const char *const ts[] = {TS_IMPLICIT_LE, TS_EXPLICIT_BE, TS_RLE,
					 TS_JPEG_LOSSLESS_SV1, TS_JPEG_LS_LOSSLESS};
	struct pdg_err err;

	(void)state;
	for (size_t i = 0; i < PDG_ARRAY_SIZE(ts); i++) {
		struct pdg_dcm *b, *c;
		struct pdg_dcm_elem e[64];
		size_t n;
		const uint8_t *data;
		size_t len;

		write_ok(a, tmp_path("conv.dcm"), ts[i]);
		b = read_ok(tmp_path("conv.dcm"), PDG_DCM_READ_LAZY);
		assert_string_equal(pdg_dcm_transfer_syntax(b), ts[i]);
		assert_int_equal(pdg_dcm_list(pdg_dcm_dataset(b), e, 64, &n, &err), PDG_OK);
		if (i >= 2) {
			/* compressed: the pixel data is encapsulated, no flat value */
			assert_int_equal(e[n - 1].tag, TAG_PIXEL_DATA);
			assert_int_equal(e[n - 1].length, PDG_DCM_UNDEFINED_LENGTH);
			assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(b), TAG_PIXEL_DATA,
							 &data, &len, &err),
					 PDG_E_INVALID);
		}
		/* back to explicit little endian: the pixels are the same (lossless) */
		write_ok(b, tmp_path("conv2.dcm"), TS_EXPLICIT_LE);
		c = read_ok(tmp_path("conv2.dcm"), 0);
		assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(c), TAG_PIXEL_DATA, &data, &len,
						 &err),
				 PDG_OK);
		assert_int_equal(len, sizeof(*px) * IMG_SIDE * IMG_SIDE);
		assert_memory_equal(data, px, len);
		assert_items_equal(pdg_dcm_dataset(a), pdg_dcm_dataset(c));
		pdg_dcm_free(b);
		pdg_dcm_free(c);
	}
	assert_int_equal(pdg_dcm_write(a, tmp_path("x.dcm"), "1.2.3.4", &err), PDG_E_DICOM);
	pdg_dcm_free(a);
	free(px);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	uint8_t *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Write path from in (lazily read when lazy), with Patient Name changed; optional new pixels. */
static void edit_and_write(const char *in, unsigned flags, const uint16_t *new_px, size_t n,
			   const char *out)
{
	struct pdg_dcm *d = read_ok(in, flags);
	struct pdg_err err;

	put(pdg_dcm_dataset(d), TAG_PATIENT_NAME, "Changed^Name");
	if (new_px)
		assert_int_equal(pdg_dcm_put_raw(pdg_dcm_dataset(d), TAG_PIXEL_DATA, "OW", new_px,
						 n * sizeof(*new_px), &err),
				 PDG_OK);
	write_ok(d, out, NULL);
	pdg_dcm_free(d);
}

static void assert_files_equal(const char *a, const char *b)
{
	size_t na, nb;
	uint8_t *da = slurp(a, &na), *db = slurp(b, &nb);

	assert_int_equal(na, nb);
	assert_memory_equal(da, db, na);
	free(da);
	free(db);
}

/*
 * Untouched pixel data of a lazily read object is copied from file to file (dcm.cc): the
 * output must be byte for byte what DCMTK writes from memory, in both little-endian syntaxes,
 * with trailing elements after the pixel data, and changed pixels must never be streamed.
 */
static void streamed_pixels_are_what_dcmtk_writes(void **state)
{
	static const char *const ts[] = {TS_EXPLICIT_LE, TS_IMPLICIT_LE};
	const size_t n = IMG_SIDE * IMG_SIDE;
	uint16_t *px = make_pixels(n), *other = make_pixels(n);
	struct pdg_err err;
	const uint8_t *data;
	size_t len;

	(void)state;
	for (size_t i = 0; i < n; i++)
		other[i] = (uint16_t)(other[i] ^ 0x0555);
	for (size_t i = 0; i < PDG_ARRAY_SIZE(ts); i++) {
		for (int trailing = 0; trailing < 2; trailing++) {
			struct pdg_dcm *a = make_ct(px, IMG_SIDE), *c;
			static const uint8_t pad[4] = {0};

			if (trailing)
				assert_int_equal(pdg_dcm_put_raw(pdg_dcm_dataset(a),
								 PDG_TAG(0xfffc, 0xfffc), "OB",
								 pad, sizeof(pad), &err),
						 PDG_OK);
			write_ok(a, tmp_path("stream-in.dcm"), ts[i]);
			pdg_dcm_free(a);
			edit_and_write(tmp_path("stream-in.dcm"), PDG_DCM_READ_LAZY, NULL, 0,
				       tmp_path("stream-lazy.dcm"));
			edit_and_write(tmp_path("stream-in.dcm"), 0, NULL, 0,
				       tmp_path("stream-mem.dcm"));
			assert_files_equal(tmp_path("stream-lazy.dcm"), tmp_path("stream-mem.dcm"));
			c = read_ok(tmp_path("stream-lazy.dcm"), 0);
			assert_string_equal(pdg_dcm_transfer_syntax(c), ts[i]);
			assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(c), TAG_PIXEL_DATA, &data,
							 &len, &err),
					 PDG_OK);
			assert_int_equal(len, n * sizeof(*px));
			assert_memory_equal(data, px, len);
			pdg_dcm_free(c);

			/* replaced pixels are written from memory, never copied from the source */
			edit_and_write(tmp_path("stream-in.dcm"), PDG_DCM_READ_LAZY, other, n,
				       tmp_path("stream-lazy.dcm"));
			edit_and_write(tmp_path("stream-in.dcm"), 0, other, n,
				       tmp_path("stream-mem.dcm"));
			assert_files_equal(tmp_path("stream-lazy.dcm"), tmp_path("stream-mem.dcm"));
			c = read_ok(tmp_path("stream-lazy.dcm"), 0);
			assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(c), TAG_PIXEL_DATA, &data,
							 &len, &err),
					 PDG_OK);
			assert_memory_equal(data, other, len);
			pdg_dcm_free(c);
		}
	}
	free(px);
	free(other);
}

static void refuses_truncated_and_garbage(void **state)
{
	uint16_t *px = make_pixels(IMG_SIDE * IMG_SIDE);
	struct pdg_dcm *a = make_ct(px, IMG_SIDE), *b = NULL;
	struct pdg_err err;
	size_t len;
	uint8_t *bytes;

	(void)state;
	write_ok(a, tmp_path("whole.dcm"), NULL);
	bytes = slurp(tmp_path("whole.dcm"), &len);
	/* cut inside the pixel data, inside the meta header, inside the preamble */
	const size_t cuts[] = {len - 1, len - 1000, len / 2, 140, 131, 20, 0};
	for (size_t i = 0; i < PDG_ARRAY_SIZE(cuts); i++) {
		write_file(tmp_path("cut.dcm"), bytes, cuts[i]);
		enum pdg_code rc = pdg_dcm_read(tmp_path("cut.dcm"), PDG_DCM_READ_LAZY, &b, &err);
		assert_int_equal(rc, PDG_E_DICOM);
		assert_null(b);
		if (!strstr(err.msg, cuts[i] < 132 ? "not a DICOM file" : "truncated DICOM file"))
			fail_msg("cut %zu: %s", cuts[i], err.msg);
		assert_non_null(strstr(err.msg, cuts[i] < 132 ? "not a DICOM file"
							       : "truncated DICOM file"));
		rc = pdg_dcm_read(tmp_path("cut.dcm"), 0, &b, &err);
		assert_int_equal(rc, PDG_E_DICOM);
	}
	/* every other cut point: refused or (at an element boundary) read; never a crash */
	for (size_t cut = 0; cut < len - 8192; cut += 7) {
		write_file(tmp_path("cut.dcm"), bytes, cut);
		enum pdg_code rc = pdg_dcm_read(tmp_path("cut.dcm"), 0, &b, &err);
		assert_true(rc == PDG_E_DICOM || rc == PDG_OK);
		b = pdg_dcm_free(b);
	}
	/* random bytes, with and without a DICM magic */
	srand(42);
	for (size_t i = 0; i < len; i++)
		bytes[i] = (uint8_t)rand();
	for (int magic = 0; magic < 2; magic++) {
		if (magic)
			memcpy(bytes + 128, "DICM", 4);
		write_file(tmp_path("rand.dcm"), bytes, len);
		assert_int_equal(pdg_dcm_read(tmp_path("rand.dcm"), 0, &b, &err), PDG_E_DICOM);
		assert_null(b);
	}
	write_file(tmp_path("text.dcm"), "hello, world\n", 13);
	assert_int_equal(pdg_dcm_read(tmp_path("text.dcm"), 0, &b, &err), PDG_E_DICOM);
	assert_non_null(strstr(err.msg, "not a DICOM file"));
	assert_int_equal(pdg_dcm_read(tmp_path("missing.dcm"), 0, &b, &err), PDG_E_IO);
	assert_int_equal(pdg_dcm_read(tmpdir, 0, &b, &err), PDG_E_DICOM);
	free(bytes);
	pdg_dcm_free(a);
	free(px);
}

/* A dataset with sequences nested depth levels deep. */
static void write_nested(const char *path, int depth, const char *ts)
{
	struct pdg_dcm *a = NULL;
	struct pdg_err err;
	struct pdg_dcm_item *it;

	assert_int_equal(pdg_dcm_create(&a, &err), PDG_OK);
	it = pdg_dcm_dataset(a);
	put(it, TAG_SOP_CLASS, CT_IMAGE_STORAGE);
	put(it, TAG_SOP_INSTANCE, "2.25.8");
	for (int i = 0; i < depth; i++) {
		assert_int_equal(pdg_dcm_seq_append(it, TAG_REF_IMAGE_SEQ, &it, &err), PDG_OK);
		put(it, TAG_REF_SOP_INSTANCE, "2.25.9");
	}
	write_ok(a, path, ts);
	pdg_dcm_free(a);
}

enum nest_mode { NEST_IMPLICIT, NEST_EXPLICIT_SQ, NEST_EXPLICIT_UN };

/*
 * A bare dataset with depth nested undefined-length sequences, made by hand (pdg_dcm_write
 * itself refuses to write such nesting): implicit VR little endian; explicit VR little endian
 * with SQ; or explicit VR with a private UN element of undefined length whose content is
 * implicit VR (CP 246) holding the nested sequences.
 */
static void write_nested_bytes(const char *path, int depth, enum nest_mode mode)
{
	static const uint8_t head_implicit[] = {
		0x08, 0x00, 0x16, 0x00, 0x1a, 0x00, 0x00, 0x00, '1', '.', '2', '.', '8', '4', '0',
		'.', '1', '0', '0', '0', '8', '.', '5', '.', '1', '.', '4', '.', '1', '.', '1', '.',
		'2', 0x00};
	static const uint8_t head_explicit[] = {
		0x08, 0x00, 0x16, 0x00, 'U', 'I', 0x1a, 0x00, '1', '.', '2', '.', '8', '4', '0',
		'.', '1', '0', '0', '0', '8', '.', '5', '.', '1', '.', '4', '.', '1', '.', '1', '.',
		'2', 0x00};
	static const uint8_t un_open[] = {0x09, 0x00, 0x10, 0x10, 'U', 'N', 0, 0, 0xff, 0xff,
					  0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t open_implicit[] = {0x08, 0x00, 0x40, 0x11, 0xff, 0xff, 0xff, 0xff,
						0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t open_explicit[] = {0x08, 0x00, 0x40, 0x11, 'S',  'Q',  0,    0,
						0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0,
						0xff, 0xff, 0xff, 0xff};
	static const uint8_t close_seq[] = {0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0,
					    0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0};
	const uint8_t *head = mode == NEST_IMPLICIT ? head_implicit : head_explicit;
	const uint8_t *open = mode == NEST_EXPLICIT_SQ ? open_explicit : open_implicit;
	size_t open_len = mode == NEST_EXPLICIT_SQ ? sizeof(open_explicit) : sizeof(open_implicit);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(head, 1, sizeof(head_implicit), f), sizeof(head_implicit));
	if (mode == NEST_EXPLICIT_UN) {
		assert_int_equal(fwrite(un_open, 1, sizeof(un_open), f), sizeof(un_open));
		depth--; /* the UN element is the first level */
	}
	for (int i = 0; i < depth; i++)
		assert_int_equal(fwrite(open, 1, open_len, f), open_len);
	for (int i = 0; i < depth + (mode == NEST_EXPLICIT_UN); i++)
		assert_int_equal(fwrite(close_seq, 1, sizeof(close_seq), f), sizeof(close_seq));
	assert_int_equal(fclose(f), 0);
}

static void nesting_limit(void **state)
{
	struct pdg_dcm *b = NULL;
	struct pdg_err err;
	const char *ts[] = {NULL, TS_IMPLICIT_LE};

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		write_nested(tmp_path("deep-ok.dcm"), PDG_DCM_MAX_DEPTH, ts[t]);
		b = read_ok(tmp_path("deep-ok.dcm"), 0);
		b = pdg_dcm_free(b);
		/* one more level than the limit cannot be written */
		b = read_ok(tmp_path("deep-ok.dcm"), 0);
		struct pdg_dcm_item *it = pdg_dcm_dataset(b);
		while (pdg_dcm_seq_count(it, TAG_REF_IMAGE_SEQ))
			it = pdg_dcm_seq_item(it, TAG_REF_IMAGE_SEQ, 0);
		assert_int_equal(pdg_dcm_seq_append(it, TAG_REF_IMAGE_SEQ, &it, &err), PDG_OK);
		assert_int_equal(pdg_dcm_write(b, tmp_path("deep.dcm"), ts[t], &err), PDG_E_LIMIT);
		b = pdg_dcm_free(b);
	}
	for (int m = NEST_IMPLICIT; m <= NEST_EXPLICIT_UN; m++) {
		write_nested_bytes(tmp_path("deep.dcm"), PDG_DCM_MAX_DEPTH, (enum nest_mode)m);
		b = read_ok(tmp_path("deep.dcm"), 0);
		b = pdg_dcm_free(b);
		write_nested_bytes(tmp_path("deep.dcm"), PDG_DCM_MAX_DEPTH + 1, (enum nest_mode)m);
		assert_int_equal(pdg_dcm_read(tmp_path("deep.dcm"), 0, &b, &err), PDG_E_LIMIT);
		assert_null(b);
		/* far deeper than DCMTK's recursive parser could take */
		write_nested_bytes(tmp_path("deeper.dcm"), 200000, (enum nest_mode)m);
		assert_int_equal(pdg_dcm_read(tmp_path("deeper.dcm"), PDG_DCM_READ_LAZY, &b, &err),
				 PDG_E_LIMIT);
		assert_non_null(strstr(err.msg, "nested deeper"));
	}
}

static void misplaced_delimiter_is_refused(void **state)
{
	/* implicit VR: a sequence whose open item is closed by a sequence delimiter */
	static const uint8_t bytes[] = {
		0x08, 0x00, 0x16, 0x00, 0x1a, 0x00, 0x00, 0x00, '1', '.', '2', '.', '8', '4', '0',
		'.', '1', '0', '0', '0', '8', '.', '5', '.', '1', '.', '4', '.', '1', '.', '1', '.',
		'2', 0x00, 0x08, 0x00, 0x40, 0x11, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0,
		0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0x0d, 0xe0,
		0, 0, 0, 0};
	struct pdg_dcm *b = NULL;
	struct pdg_err err;

	(void)state;
	write_file(tmp_path("delim.dcm"), bytes, sizeof(bytes));
	assert_int_equal(pdg_dcm_read(tmp_path("delim.dcm"), 0, &b, &err), PDG_E_DICOM);
	assert_null(b);
}

/* AT values are pairs of 16-bit words: one tag in four bytes stays one tag. */
static void attribute_tags_keep_their_count(void **state)
{
	const uint8_t at[] = { 0x18, 0x00, 0x63, 0x10 }; /* (0018,1063) little-endian */
	struct pdg_err err;
	struct pdg_dcm *dcm = NULL;
	const uint8_t *v;
	size_t len;

	(void)state;
	assert_int_equal(pdg_dcm_create(&dcm, &err), PDG_OK);
	assert_int_equal(pdg_dcm_put_raw(pdg_dcm_dataset(dcm), PDG_TAG(0x0028, 0x0009), "AT", at,
					 sizeof(at), &err), PDG_OK);
	assert_int_equal(pdg_dcm_get_raw(pdg_dcm_dataset(dcm), PDG_TAG(0x0028, 0x0009), &v, &len,
					 &err), PDG_OK);
	assert_int_equal(len, sizeof(at));
	assert_memory_equal(v, at, sizeof(at));
	pdg_dcm_free(dcm);
}

static void dictionary(void **state)
{
	(void)state;
	assert_string_equal(pdg_dcm_dict_vr(TAG_PATIENT_NAME), "PN");
	assert_string_equal(pdg_dcm_dict_keyword(TAG_PATIENT_NAME), "PatientName");
	assert_string_equal(pdg_dcm_dict_vr(TAG_REF_SERIES_SEQ), "SQ");
	assert_string_equal(pdg_dcm_dict_keyword(PDG_TAG(0x0020, 0x000d)), "StudyInstanceUID");
	assert_string_equal(pdg_dcm_dict_vr(PDG_TAG(0x6002, 0x0010)), "US"); /* repeating group */
	assert_string_equal(pdg_dcm_dict_vr(TAG_PRIVATE_VALUE), "UN");
	assert_null(pdg_dcm_dict_keyword(TAG_PRIVATE_VALUE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_keeps_everything),
		cmocka_unit_test(list_reports_tag_order_and_counts),
		cmocka_unit_test(remove_and_empty),
		cmocka_unit_test(put_picks_vr_and_pads),
		cmocka_unit_test(japanese_names_survive_bytewise),
		cmocka_unit_test(lazy_read_keeps_pixel_data),
		cmocka_unit_test(transfer_syntax_conversions),
		cmocka_unit_test(streamed_pixels_are_what_dcmtk_writes),
		cmocka_unit_test(refuses_truncated_and_garbage),
		cmocka_unit_test(nesting_limit),
		cmocka_unit_test(misplaced_delimiter_is_refused),
		cmocka_unit_test(attribute_tags_keep_their_count),
		cmocka_unit_test(dictionary),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
