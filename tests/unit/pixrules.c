/* SPDX-License-Identifier: MIT */
/* Unit tests for the pixel masking rule parser and matcher (docs/pixel-rules.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "appliance/deid/pixrules.h"

static enum pdg_code parse(struct pdg_pixrules *rs, const char *text, struct pdg_err *err)
{
	pdg_pixrules_init(rs);
	return pdg_pixrules_parse(rs, text, strlen(text), "t", err);
}

static void hdr(struct pdg_pixhdr *h, const char *mod, const char *man, const char *model,
		uint32_t rows, uint32_t cols, uint32_t frames)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->sel[PDG_PIXSEL_MODALITY], PDG_PIXRULE_VALUE_MAX, "%s", mod);
	snprintf(h->sel[PDG_PIXSEL_MANUFACTURER], PDG_PIXRULE_VALUE_MAX, "%s", man);
	snprintf(h->sel[PDG_PIXSEL_MODEL], PDG_PIXRULE_VALUE_MAX, "%s", model);
	h->num[PDG_PIXNUM_ROWS] = rows;
	h->num[PDG_PIXNUM_COLUMNS] = cols;
	h->num[PDG_PIXNUM_FRAMES] = frames;
}

static void test_defaults_parse(void **state)
{
	struct pdg_pixrules rs;
	struct pdg_err err;
	struct pdg_pixhdr h;
	const struct pdg_pixrule *r;
	uint32_t x0, y0, x1, y1;

	(void)state;
	pdg_pixrules_init(&rs);
	assert_int_equal(pdg_pixrules_load_project(&rs, NULL, &err), PDG_OK);
	assert_true(rs.n >= 3);
	hdr(&h, "US", "Any", "Thing", 480, 640, 1);
	r = pdg_pixrules_match(&rs, &h);
	assert_non_null(r);
	assert_string_equal(r->name, "us-top-banner");
	assert_string_equal(r->origin, "default");
	assert_true(pdg_pixmask_rect(&r->mask[0], 480, 640, 1, &x0, &y0, &x1, &y1));
	/* 0,0,*,12%: 12% of 480 is 57.6, sizes round up */
	assert_int_equal(x0, 0);
	assert_int_equal(y0, 0);
	assert_int_equal(x1, 640);
	assert_int_equal(y1, 58);
	hdr(&h, "CT", "Any", "Thing", 512, 512, 1);
	assert_null(pdg_pixrules_match(&rs, &h));
	pdg_pixrules_free(&rs);
}

static void test_selectors(void **state)
{
	struct pdg_pixrules rs;
	struct pdg_err err;
	struct pdg_pixhdr h;
	const struct pdg_pixrule *r;

	(void)state;
	assert_int_equal(parse(&rs,
			       "use-defaults = no\n"
			       "[rule a]\nmanufacturer = acme*\nmodel = Vivid ?\nrows = 400-500\n"
			       "frames = 2-\nmask = 0,0,10,10\n"
			       "[ rule  b ]\r\nmodality = US\r\nmask = 1,1,1,1\r\n",
			       &err),
			 PDG_OK);
	assert_int_equal(rs.use_defaults, 0);
	assert_int_equal(rs.n, 2);
	hdr(&h, "US", "ACME Medical", "Vivid 7", 480, 640, 3);
	r = pdg_pixrules_match(&rs, &h);
	assert_string_equal(r->name, "a");
	h.num[PDG_PIXNUM_FRAMES] = 1; /* frames = 2- */
	assert_string_equal(pdg_pixrules_match(&rs, &h)->name, "b");
	h.num[PDG_PIXNUM_FRAMES] = 2;
	h.num[PDG_PIXNUM_ROWS] = 501;
	assert_string_equal(pdg_pixrules_match(&rs, &h)->name, "b");
	h.num[PDG_PIXNUM_ROWS] = 400;
	snprintf(h.sel[PDG_PIXSEL_MODEL], PDG_PIXRULE_VALUE_MAX, "Vivid 70");
	assert_string_equal(pdg_pixrules_match(&rs, &h)->name, "b");
	hdr(&h, "MR", "ACME", "Vivid 7", 480, 640, 1);
	assert_null(pdg_pixrules_match(&rs, &h)); /* a: frames, b: modality */
	pdg_pixrules_free(&rs);
}

static void test_masks(void **state)
{
	struct pdg_pixrules rs;
	struct pdg_err err;
	const struct pdg_pixmask *m;
	uint32_t x0, y0, x1, y1;

	(void)state;
	assert_int_equal(parse(&rs,
			       "[rule a]\nmask = 50%, 90% ,10,*  frames 1-3\nmask = 600,400,100,100\n"
			       "mask = 0,0,1,1 frames 4\nmask = 900,0,10,10\n",
			       &err),
			 PDG_OK);
	m = rs.rule[0].mask;
	assert_true(pdg_pixmask_rect(&m[0], 480, 640, 3, &x0, &y0, &x1, &y1));
	assert_int_equal(x0, 320);
	assert_int_equal(y0, 432);
	assert_int_equal(x1, 330);
	assert_int_equal(y1, 480);
	assert_false(pdg_pixmask_rect(&m[0], 480, 640, 4, &x0, &y0, &x1, &y1));
	assert_true(pdg_pixmask_rect(&m[1], 480, 640, 9, &x0, &y0, &x1, &y1)); /* clipped */
	assert_int_equal(x1, 640);
	assert_int_equal(y1, 480);
	assert_true(pdg_pixmask_rect(&m[2], 480, 640, 4, &x0, &y0, &x1, &y1));
	assert_false(pdg_pixmask_rect(&m[2], 480, 640, 5, &x0, &y0, &x1, &y1));
	assert_false(pdg_pixmask_rect(&m[3], 480, 640, 1, &x0, &y0, &x1, &y1)); /* outside */
	pdg_pixrules_free(&rs);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "[rule a]\n", "t line 1: rule 'a' has no mask" },
		{ "mask = 0,0,1,1\n", "t line 1: only use-defaults" },
		{ "use-defaults = maybe\n", "t line 1: use-defaults is yes or no" },
		{ "[rule a]\nmask = 0,0,0,1\n", "t line 2: mask" },
		{ "[rule a]\nmask = 0,0,101%,1\n", "t line 2: mask" },
		{ "[rule a]\nmask = *,0,1,1\n", "t line 2: mask" },
		{ "[rule a]\nmask = 0,0,1,1 frames 0-2\n", "t line 2: mask: frames" },
		{ "[rule a]\nmask = 0,0,1,1 frames 3-2\n", "t line 2: mask: frames" },
		{ "[rule a]\nmask = 0,0,1,1 extra\n", "t line 2: mask: after" },
		{ "[rule a]\nrows = 5-4\nmask = 0,0,1,1\n", "t line 2: expected a number" },
		{ "[rule a]\nrows = 4\nrows = 5\n", "t line 3: selector given twice" },
		{ "[rule a]\ncolour = red\n", "t line 2: unknown key" },
		{ "[rule a]\nmodality =\n", "t line 2: a selector pattern" },
		{ "[rule a b]\n", "t line 1: rule names" },
		{ "[rule a]\nmask = 0,0,1,1\n[rule a]\n", "t line 3: a rule of that name" },
		{ "[rules a]\n", "t line 1: expected [rule NAME]" },
		{ "[rule a]\nmodality = U\001S\n", "t line 2: control character" },
		{ "just words\n", "t line 1: expected key = value" },
	};
	struct pdg_pixrules rs;
	struct pdg_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(parse(&rs, bad[i].text, &err), PDG_OK);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: got '%s', want '%s...'", i, err.msg, bad[i].msg);
		pdg_pixrules_free(&rs);
	}
	/* a NUL byte inside the text */
	pdg_pixrules_init(&rs);
	assert_int_equal(pdg_pixrules_parse(&rs, "[rule a]\n\0x\n", 12, "t", &err), PDG_E_INVALID);
	pdg_pixrules_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_parse),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
