/* SPDX-License-Identifier: MIT */
/* Unit tests for audit messages and the hash-chained log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/audit/audit.h"

static const struct pdg_audit_participant who = {
	.user_id = "op<1>", .requestor = 1, .role = { "110153", "DCM", "Source Role ID" },
};

static struct pdg_audit_event event(void)
{
	return (struct pdg_audit_event){
		.id = { "110106", "DCM", "Export" }, .action = 'R', .site = "A&B \"site\"",
		.source_id = "appliance-1", .participants = &who, .nparticipants = 1,
	};
}

static void xml_escapes_and_has_fields(void **state)
{
	struct pdg_audit_event ev = event();
	struct pdg_err err;
	char *xml = NULL;

	(void)state;
	assert_int_equal(pdg_audit_xml(&ev, "2026-01-02T03:04:05Z", &xml, &err), PDG_OK);
	assert_non_null(strstr(xml, "AuditEnterpriseSiteID=\"A&amp;B &quot;site&quot;\""));
	assert_non_null(strstr(xml, "UserID=\"op&lt;1&gt;\""));
	assert_non_null(strstr(xml, "EventDateTime=\"2026-01-02T03:04:05Z\""));
	assert_non_null(strstr(xml, "<EventID csd-code=\"110106\""));
	assert_null(strchr(xml, '\n'));
	free(xml);
}

static void xml_rejects_bad_events(void **state)
{
	struct pdg_audit_event ev = event();
	struct pdg_err err;
	char *xml = (char *)"x";

	(void)state;
	ev.action = 'X';
	assert_int_equal(pdg_audit_xml(&ev, "t", &xml, &err), PDG_E_INVALID);
	assert_null(xml);
	ev = event();
	ev.outcome = 3;
	assert_int_equal(pdg_audit_xml(&ev, "t", &xml, &err), PDG_E_INVALID);
	ev = event();
	ev.site = "bad \xff utf-8";
	assert_int_equal(pdg_audit_xml(&ev, "t", &xml, &err), PDG_E_INVALID);
	ev = event();
	ev.site = "control \x01";
	assert_int_equal(pdg_audit_xml(&ev, "t", &xml, &err), PDG_E_INVALID);
	ev = event();
	ev.nparticipants = 0;
	assert_int_equal(pdg_audit_xml(&ev, "t", &xml, &err), PDG_E_INVALID);
}

static void append_then_verify(void **state)
{
	char dir[] = "/tmp/pdg-audit-unit.XXXXXX", path[64], head[80];
	struct pdg_audit_event ev = event();
	struct pdg_audit_check check;
	struct pdg_err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	snprintf(head, sizeof(head), "%s.head", path);
	assert_int_equal(pdg_audit_verify(path, &check, &err), PDG_OK);
	assert_int_equal(check.records, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(pdg_audit_append(path, &ev, &err), PDG_OK);
	assert_int_equal(pdg_audit_verify(path, &check, &err), PDG_OK);
	assert_int_equal(check.records, 5);
	assert_int_equal(check.bad_record, 0);
	/* emptying the log is caught: the head still names record 5 */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(pdg_audit_verify(path, &check, &err), PDG_E_CRYPTO);
	assert_int_equal(check.bad_record, 1);
	unlink(path);
	unlink(head);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xml_escapes_and_has_fields),
		cmocka_unit_test(xml_rejects_bad_events),
		cmocka_unit_test(append_then_verify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
