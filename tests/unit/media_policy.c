/* SPDX-License-Identifier: MIT */
/* Unit tests for the USB media policy: allow entries, config.ini [media], verdicts, mountinfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/media/media.h"

static void allow_entries(void **state)
{
	struct pdg_media_allow a;

	(void)state;
	assert_int_equal(pdg_media_allow_parse("0781:5567", &a), 0);
	assert_int_equal(a.vendor, 0x0781);
	assert_int_equal(a.product, 0x5567);
	assert_string_equal(a.serial, "");
	assert_int_equal(pdg_media_allow_parse("951:1666:AB12cd", &a), 0);
	assert_int_equal(a.vendor, 0x0951);
	assert_string_equal(a.serial, "AB12cd");
	assert_int_equal(pdg_media_allow_parse("0781-5567", &a), -1);
	assert_int_equal(pdg_media_allow_parse("07811:5567", &a), -1);
	assert_int_equal(pdg_media_allow_parse("0781:", &a), -1);
	assert_int_equal(pdg_media_allow_parse(":5567", &a), -1);
	assert_int_equal(pdg_media_allow_parse("0781:5567:", &a), -1);
	assert_int_equal(pdg_media_allow_parse("0781:zz67", &a), -1);
	assert_int_equal(pdg_media_allow_parse("0781:5567:A\x01", &a), -1);
}

/* A home folder with config.ini holding text; path in dir (cap 64). */
static void home_with(char dir[64], const char *text)
{
	char path[128];
	FILE *f;

	snprintf(dir, 64, "/tmp/pdg-media-unit.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void home_gone(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/config.ini", dir);
	unlink(path);
	rmdir(dir);
}

static void policy_from_config(void **state)
{
	struct pdg_media_policy p;
	struct pdg_err err = { 0 };
	char dir[64];

	(void)state;
	home_with(dir, "[appliance]\nsite = S\n[media]\nallow = 0781:5567, 0951:1666:X1\n"
		       "allow = 1234:5678\nmin_free_mb = 10\nfilesystems = vfat\n");
	assert_int_equal(pdg_media_policy_load(dir, &p, &err), PDG_OK);
	assert_int_equal(p.nallow, 3);
	assert_string_equal(p.allow[1].serial, "X1");
	assert_int_equal(p.allow[2].vendor, 0x1234);
	assert_int_equal(p.min_free_mb, 10);
	assert_int_equal(p.nfilesystems, 1);
	assert_string_equal(p.filesystems[0], "vfat");
	home_gone(dir);

	home_with(dir, "[appliance]\nsite = S\n");
	assert_int_equal(pdg_media_policy_load(dir, &p, &err), PDG_OK);
	assert_int_equal(p.nallow, 0); /* no section: nothing allowed */
	assert_int_equal(p.min_free_mb, 64);
	assert_int_equal(p.nfilesystems, 2);
	home_gone(dir);

	home_with(dir, "[media]\nmin_free_mb = -3\n");
	assert_int_equal(pdg_media_policy_load(dir, &p, &err), PDG_E_INVALID);
	home_gone(dir);
}

static struct pdg_medium stick(uint16_t v, uint16_t p, const char *serial, const char *fs,
			       uint64_t free_mb)
{
	struct pdg_medium m = { .vendor = v, .product = p, .free_bytes = free_mb << 20 };

	snprintf(m.serial, sizeof(m.serial), "%s", serial);
	snprintf(m.fstype, sizeof(m.fstype), "%s", fs);
	if (fs[0])
		snprintf(m.mount, sizeof(m.mount), "/media/x");
	return m;
}

static void verdicts_and_pick(void **state)
{
	struct pdg_media_policy p = { .nallow = 2, .min_free_mb = 64, .nfilesystems = 2,
				      .filesystems = { "vfat", "exfat" } };
	struct pdg_medium list[5];
	const struct pdg_medium *pick;
	struct pdg_err err = { 0 };

	(void)state;
	pdg_media_allow_parse("0781:5567", &p.allow[0]);
	pdg_media_allow_parse("0951:1666:GOOD", &p.allow[1]);
	list[0] = stick(0x0781, 0x5567, "ANY", "vfat", 100);
	list[1] = stick(0x0951, 0x1666, "BAD", "vfat", 100);
	list[2] = stick(0x0951, 0x1666, "GOOD", "ntfs", 100);
	list[3] = stick(0x0951, 0x1666, "GOOD", "exfat", 10);
	list[4] = stick(0x0951, 0x1666, "GOOD", "", 0);
	assert_true(pdg_media_check(&p, &list[0]));
	assert_false(pdg_media_check(&p, &list[1]));
	assert_string_equal(list[1].why, "not in the allowed list ([media] allow)");
	assert_false(pdg_media_check(&p, &list[2]));
	assert_string_equal(list[2].why, "file system ntfs is not allowed ([media] filesystems)");
	assert_false(pdg_media_check(&p, &list[3]));
	assert_string_equal(list[3].why, "10 MB free, 64 MB needed");
	assert_false(pdg_media_check(&p, &list[4]));
	assert_string_equal(list[4].why, "not mounted");

	assert_int_equal(pdg_media_pick(list, 5, &pick, &err), PDG_OK);
	assert_ptr_equal(pick, &list[0]);
	assert_int_equal(pdg_media_pick(list + 1, 4, &pick, &err), PDG_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "0951:1666 BAD (not in the allowed list"));
	assert_int_equal(pdg_media_pick(list, 0, &pick, &err), PDG_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "no USB stick found"));
	list[1] = list[0];
	assert_int_equal(pdg_media_pick(list, 2, &pick, &err), PDG_E_POLICY);
	assert_null(pick);
}

static void mountinfo_lookup(void **state)
{
	char path[] = "/tmp/pdg-mountinfo.XXXXXX";
	const char *names[] = { "sdb", "sdb1" };
	struct pdg_medium m = { 0 };
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	fputs("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
	      "garbage line\n"
	      "30 22 8:17 / /media/my\\040stick rw,nosuid shared:5 master:1 - vfat /dev/sdb1 rw\n",
	      f);
	fclose(f);
	assert_int_equal(pdg_media_find_mount(path, names, 2, &m), 1);
	assert_string_equal(m.mount, "/media/my stick");
	assert_string_equal(m.fstype, "vfat");
	assert_string_equal(m.part, "sdb1");
	names[1] = "sdc1";
	assert_int_equal(pdg_media_find_mount(path, names, 2, &m), 0);
	unlink(path);
	assert_int_equal(pdg_media_find_mount(path, names, 2, &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allow_entries),
		cmocka_unit_test(policy_from_config),
		cmocka_unit_test(verdicts_and_pick),
		cmocka_unit_test(mountinfo_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
