/* SPDX-License-Identifier: MIT */
/* Unit tests for de-identification profiles, option resolution and the project INI. */
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

static const uint8_t secret[PDG_SECRET_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static char ini_path[64];

static const char *write_ini(const char *text)
{
	FILE *f;
	int fd;

	snprintf(ini_path, sizeof(ini_path), "/tmp/pdg-deid-ini.XXXXXX");
	fd = mkstemp(ini_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return ini_path;
}

static enum pdg_code init_ini(struct pdg_deid_ctx *ctx, const char *profile, const char *text,
			      struct pdg_err *err)
{
	enum pdg_code rc = pdg_deid_ctx_init_with(ctx, profile, text ? write_ini(text) : NULL,
						  secret, err);
	if (text)
		unlink(ini_path);
	return rc;
}

static uint8_t act(const struct pdg_deid_ctx *ctx, uint32_t tag)
{
	return pdg_deid_rule_for(ctx, tag, NULL).act;
}

static void basic_profile_rules(void **state)
{
	struct pdg_deid_ctx ctx;
	struct pdg_err err;

	(void)state;
	assert_int_equal(init_ini(&ctx, "ps315-basic", NULL, &err), PDG_OK);
	assert_int_equal(ctx.options, 0);
	assert_int_equal(act(&ctx, 0x00100010), PDG_ACT_EMPTY);     /* Patient's Name Z */
	assert_int_equal(act(&ctx, 0x00100020), PDG_ACT_PSEUDONYM); /* Patient ID Z/D */
	assert_int_equal(act(&ctx, 0x00100030), PDG_ACT_EMPTY);     /* Birth Date Z */
	assert_int_equal(act(&ctx, 0x00101010), PDG_ACT_REMOVE);    /* Age X */
	assert_int_equal(act(&ctx, 0x00080080), PDG_ACT_DUMMY);     /* Institution X/Z/D */
	assert_int_equal(act(&ctx, 0x00080012), PDG_ACT_DUMMY);     /* X/D */
	assert_int_equal(act(&ctx, 0x300e0008), PDG_ACT_EMPTY);     /* Reviewer Name X/Z */
	assert_int_equal(act(&ctx, 0x00081140), PDG_ACT_KEEP);      /* X/Z/U*: keep, remap */
	assert_int_equal(act(&ctx, 0x00081110), PDG_ACT_KEEP);      /* X/Z UID container */
	assert_int_equal(act(&ctx, 0x00400555), PDG_ACT_EMPTY);     /* X/Z other sequence */
	assert_int_equal(act(&ctx, 0x00081120), PDG_ACT_REMOVE);    /* X */
	assert_int_equal(act(&ctx, 0x00080018), PDG_ACT_UID);
	assert_int_equal(act(&ctx, 0x00020003), PDG_ACT_UID);
	assert_int_equal(act(&ctx, 0x00080020), PDG_ACT_EMPTY);     /* Study Date Z */
	assert_int_equal(act(&ctx, 0x0008103e), PDG_ACT_REMOVE);    /* Series Description */
	assert_int_equal(act(&ctx, 0x00880200), PDG_ACT_REMOVE);    /* Icon Image Sequence */
	assert_int_equal(act(&ctx, 0x00291010), PDG_ACT_REMOVE);    /* private */
	assert_int_equal(act(&ctx, 0x60003000), PDG_ACT_REMOVE);    /* overlay */
	assert_int_equal(act(&ctx, 0x00080016), PDG_ACT_KEEP);      /* not in the table */
	assert_int_equal(act(&ctx, 0x0040a730), PDG_ACT_DUMMY);     /* Content Sequence D */
	pdg_deid_ctx_release(&ctx);
}

static void jp_pseudonymized_rules(void **state)
{
	struct pdg_deid_ctx ctx;
	struct pdg_err err;
	struct pdg_deid_rule r;

	(void)state;
	assert_int_equal(init_ini(&ctx, "jp-pseudonymized", NULL, &err), PDG_OK);
	assert_true(ctx.options & (1u << PDG_OPT_RTN_PAT_CHARS));
	assert_true(ctx.options & (1u << PDG_OPT_RTN_LONG_MODIF));
	assert_int_equal(act(&ctx, 0x00100010), PDG_ACT_EMPTY);     /* name: deleted */
	assert_int_equal(act(&ctx, 0x00100020), PDG_ACT_PSEUDONYM);
	assert_int_equal(act(&ctx, 0x00100030), PDG_ACT_YEARMONTH);
	assert_int_equal(act(&ctx, 0x00101010), PDG_ACT_KEEP);      /* age */
	assert_int_equal(act(&ctx, 0x00100040), PDG_ACT_KEEP);      /* sex */
	assert_int_equal(act(&ctx, 0x00080050), PDG_ACT_EMPTY);     /* accession */
	assert_int_equal(act(&ctx, 0x00200010), PDG_ACT_EMPTY);     /* study ID */
	r = pdg_deid_rule_for(&ctx, 0x00080020, NULL);              /* Study Date: shifted */
	assert_int_equal(r.act, PDG_ACT_CLEAN);
	assert_int_equal(r.fallback, PDG_ACT_EMPTY);
	r = pdg_deid_rule_for(&ctx, 0x00102110, NULL);              /* Allergies: C, text */
	assert_int_equal(r.act, PDG_ACT_CLEAN);
	assert_int_equal(r.fallback, PDG_ACT_REMOVE);
	assert_false(ctx.profile->per_batch);
	pdg_deid_ctx_release(&ctx);
	assert_int_equal(init_ini(&ctx, "jp-anonymized", NULL, &err), PDG_OK);
	assert_true(ctx.profile->per_batch);
	assert_int_equal(ctx.profile->age_limit, 90);
	assert_int_equal(act(&ctx, 0x00100030), PDG_ACT_YEAR);
	assert_int_equal(act(&ctx, 0x00101010), PDG_ACT_AGE);
	pdg_deid_ctx_release(&ctx);
}

/* The only disagreement between option columns: device identity K vs modified dates C. */
static void option_precedence(void **state)
{
	struct pdg_deid_rule r;
	const struct pdg_deid_row *cal = &pdg_deid_table[pdg_deid_table_find(0x00181200)];
	uint32_t dev = 1u << PDG_OPT_RTN_DEV_ID;

	(void)state;
	r = pdg_deid_resolve_row(cal, 0);
	assert_int_equal(r.act, PDG_ACT_REMOVE);
	r = pdg_deid_resolve_row(cal, dev);
	assert_int_equal(r.act, PDG_ACT_KEEP);
	r = pdg_deid_resolve_row(cal, dev | (1u << PDG_OPT_RTN_LONG_MODIF));
	assert_int_equal(r.act, PDG_ACT_CLEAN); /* the one that keeps less wins */
	r = pdg_deid_resolve_row(cal, dev | (1u << PDG_OPT_RTN_LONG_FULL));
	assert_int_equal(r.act, PDG_ACT_KEEP);
	/* an option that does not name the row changes nothing */
	r = pdg_deid_resolve_row(&pdg_deid_table[pdg_deid_table_find(0x00100010)], 0x3ff);
	assert_int_equal(r.act, PDG_ACT_EMPTY);
	/* Retain UIDs keeps every U row */
	for (size_t i = 0; i < pdg_deid_table_len; i++)
		if (pdg_deid_table[i].basic == PDG_AC_U &&
		    pdg_deid_table[i].opt[PDG_OPT_RTN_UIDS] == PDG_AC_K)
			assert_int_equal(
				pdg_deid_resolve_row(&pdg_deid_table[i], 1u << PDG_OPT_RTN_UIDS).act,
				PDG_ACT_KEEP);
}

static void ini_options_and_overrides(void **state)
{
	struct pdg_deid_ctx ctx;
	struct pdg_err err;
	const char *fixed;
	struct pdg_deid_rule r;

	(void)state;
	assert_int_equal(init_ini(&ctx, "jp-pseudonymized",
				  "; project settings\n"
				  "[deid]\n"
				  "profile = jp-pseudonymized\n"
				  "options = clean-descriptors, retain-device-identity -retain-patient-characteristics\n"
				  "date-shift-min = -100\n"
				  "date-shift-max = 100\n"
				  "[override]\n"
				  "(0008,1030) = keep\n"
				  "(0008,0080) = \"RESEARCH SITE\"\n"
				  "(0010,0020) = remove\n"
				  "(0029,10aB) = keep\n",
				  &err),
			 PDG_OK);
	assert_true(ctx.options & (1u << PDG_OPT_CLEAN_DESC));
	assert_true(ctx.options & (1u << PDG_OPT_RTN_DEV_ID));
	assert_false(ctx.options & (1u << PDG_OPT_RTN_PAT_CHARS));
	assert_int_equal(ctx.shift_min, -100);
	assert_int_equal(ctx.shift_max, 100);
	assert_int_equal(ctx.nini_overrides, 4);
	assert_int_equal(act(&ctx, 0x00081030), PDG_ACT_KEEP);
	r = pdg_deid_rule_for(&ctx, 0x00080080, &fixed);
	assert_int_equal(r.act, PDG_ACT_FIXED);
	assert_string_equal(fixed, "RESEARCH SITE");
	assert_int_equal(act(&ctx, 0x00100020), PDG_ACT_REMOVE);    /* INI beats the profile */
	assert_int_equal(act(&ctx, 0x00100030), PDG_ACT_YEARMONTH); /* profile built-in stays */
	assert_int_equal(act(&ctx, 0x002910ab), PDG_ACT_KEEP);
	assert_int_equal(act(&ctx, 0x002910ac), PDG_ACT_REMOVE);
	assert_int_equal(act(&ctx, 0x00101010), PDG_ACT_REMOVE);    /* age: option removed */
	pdg_deid_ctx_release(&ctx);
}

static void ini_errors(void **state)
{
	static const struct {
		const char *text;
		enum pdg_code code;
	} bad[] = {
		{ "[deid]\noptions = retain-everything\n", PDG_E_INVALID },
		{ "[deid]\noptions = clean-pixel-data\n", PDG_E_POLICY },
		{ "[deid]\noptions = retain-long-full-dates\n", PDG_E_POLICY }, /* + modified */
		{ "[deid]\ncolour = blue\n", PDG_E_INVALID },
		{ "[deid]\nprofile = ps315-basic\n", PDG_E_POLICY },
		{ "[deid]\ndate-shift-min = ten\n", PDG_E_INVALID },
		{ "[deid]\ndate-shift-min = 10\ndate-shift-max = 5\n", PDG_E_INVALID },
		{ "[deid]\ndate-shift-min = 0\ndate-shift-max = 0\n", PDG_E_INVALID },
		{ "[other]\nx = 1\n", PDG_E_INVALID },
		{ "[override]\n0008,1030 = keep\n", PDG_E_INVALID },
		{ "[override]\n(0008,10G0) = keep\n", PDG_E_INVALID },
		{ "[override]\n(0008,1030) = maybe\n", PDG_E_INVALID },
		{ "[override]\n(0008,1030) = keep\n(0008,1030) = remove\n", PDG_E_INVALID },
		{ "[override]\n(0002,0003) = keep\n", PDG_E_POLICY },
		{ "[override]\n(0008,1030) = \"tab\there\"\n", PDG_E_INVALID },
		{ "no section line\n", PDG_E_INVALID },
	};
	struct pdg_deid_ctx ctx;
	struct pdg_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum pdg_code rc = init_ini(&ctx, "jp-pseudonymized", bad[i].text, &err);
		if (rc != bad[i].code)
			fail_msg("case %zu: got %d (%s), want %d", i, rc, err.msg, bad[i].code);
		assert_true(strstr(err.msg, "line") != NULL || rc == PDG_E_POLICY ||
			    rc == PDG_E_INVALID);
		pdg_deid_ctx_release(&ctx);
	}
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "no-such-profile", NULL, secret, &err),
			 PDG_E_INVALID);
	pdg_deid_ctx_release(&ctx);
	/* an INI path that does not exist: the profile defaults */
	assert_int_equal(pdg_deid_ctx_init_with(&ctx, "ps315-basic", "/nonexistent/p.ini", secret,
						&err),
			 PDG_OK);
	assert_int_equal(ctx.nini_overrides, 0);
	pdg_deid_ctx_release(&ctx);
	pdg_deid_ctx_release(NULL);
}

static void project_init_and_wipe(void **state)
{
	struct pdg_project p = { .name = "t", .profile = "ps315-basic", .ini_path = "" };
	struct pdg_deid_ctx ctx;
	struct pdg_err err;
	static const uint8_t zero[PDG_SECRET_BYTES];

	(void)state;
	memcpy(p.secret, secret, sizeof(secret));
	assert_int_equal(pdg_deid_ctx_init(&ctx, &p, &err), PDG_OK);
	assert_memory_equal(ctx.key, secret, PDG_SECRET_BYTES);
	pdg_deid_ctx_release(&ctx);
	assert_memory_equal(ctx.key, zero, PDG_SECRET_BYTES);
	assert_memory_equal(ctx.secret, zero, PDG_SECRET_BYTES);
	assert_null(ctx.rules);
}

static void option_names_and_codes(void **state)
{
	(void)state;
	for (int o = 0; o < PDG_OPT_COUNT; o++) {
		assert_int_equal(pdg_deid_opt_parse(pdg_deid_opt_name((enum pdg_deid_opt)o)), o);
		assert_int_equal(strlen(pdg_deid_opt_code((enum pdg_deid_opt)o)), 6);
		assert_true(strlen(pdg_deid_opt_meaning((enum pdg_deid_opt)o)) <= 64);
	}
	assert_string_equal(pdg_deid_opt_code(PDG_OPT_RTN_LONG_MODIF), "113107");
	assert_int_equal(pdg_deid_opt_parse("clean-pixel-data"), -1);
	assert_int_equal(pdg_deid_profile_count(), 3);
	assert_string_equal(pdg_deid_act_name(PDG_ACT_YEARMONTH), "year-month");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_profile_rules),
		cmocka_unit_test(jp_pseudonymized_rules),
		cmocka_unit_test(option_precedence),
		cmocka_unit_test(ini_options_and_overrides),
		cmocka_unit_test(ini_errors),
		cmocka_unit_test(project_init_and_wipe),
		cmocka_unit_test(option_names_and_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
