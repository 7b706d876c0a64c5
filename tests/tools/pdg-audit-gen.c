/* SPDX-License-Identifier: MIT */
/* Test tool: append N audit records of the kinds the appliance writes to a log file. */
#include <stdio.h>
#include <stdlib.h>

#include "appliance/audit/audit.h"

static const char usage_text[] =
	"usage: pdg-audit-gen <log> <n> [<site>]\n"
	"Appends n records cycling through Export to USB, Export to paper (token sheet),\n"
	"Import, and Security Alert (a refused USB stick), with pseudonymised objects.\n";

int main(int argc, char **argv)
{
	const char *site = argc > 3 ? argv[3] : "TEST-SITE";
	struct pdg_err err = { 0 };
	long n;

	if (argc < 3 || argc > 4 || (n = strtol(argv[2], NULL, 10)) < 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		char serial[32], uid[64], pkg[32];
		const struct pdg_audit_participant usb[] = {
			{ .user_id = "operator1", .user_name = "operator1", .requestor = 1,
			  .role = { "110153", "DCM", "Source Role ID" } },
			{ .user_id = "pdigate", .alt_user_id = "pdigate export", .requestor = 0,
			  .role = { "110153", "DCM", "Source Role ID" } },
			{ .user_id = serial, .requestor = 0,
			  .role = { "110154", "DCM", "Destination Media" },
			  .media_type = { "110030", "DCM", "USB Disk Emulation" } },
		};
		const struct pdg_audit_participant paper[] = {
			usb[0],
			{ .user_id = "printer1", .requestor = 0,
			  .role = { "110154", "DCM", "Destination Media" },
			  .media_type = { "110038", "DCM", "Paper Document" } },
		};
		const struct pdg_audit_participant import[] = {
			{ .user_id = "pdigate", .alt_user_id = "AETITLE=PDIGATE", .requestor = 0,
			  .role = { "110152", "DCM", "Destination Role ID" }, .nap_id = "192.0.2.10",
			  .nap_type = 2 },
		};
		const struct pdg_audit_object objs[] = {
			{ .type_code = 2, .role = 3, .id_type = { "110180", "DCM", "Study Instance UID" },
			  .id = uid, .detail_type = "PackageID", .detail_value = pkg, .instances = 120,
			  .sop_class = "1.2.840.10008.5.1.4.1.1.2", .encrypted = 1, .anonymized = 1 },
			{ .type_code = 1, .role = 1, .id_type = { "2", "RFC-3881", "Patient Number" },
			  .id = "PSN-7Q2K", .encrypted = -1, .anonymized = -1 },
		};
		const struct pdg_audit_object stick = {
			.type_code = 2, .role = 4, .id_type = { "110030", "DCM", "USB Disk Emulation" },
			.id = serial, .name = "usb 0781:5581 not in the allowed list",
			.encrypted = -1, .anonymized = -1,
		};
		struct pdg_audit_event ev = { .site = site, .source_id = "a1b2c3d4-appliance" };

		snprintf(serial, sizeof(serial), "USB-%04ld", 1000 + i);
		snprintf(uid, sizeof(uid), "2.25.%ld9876543210", 100 + i);
		snprintf(pkg, sizeof(pkg), "PKG%012ld", i);
		switch (i % 4) {
		case 0:
			ev.id = (struct pdg_audit_code){ "110106", "DCM", "Export" };
			ev.action = 'R';
			ev.participants = usb;
			ev.nparticipants = 3;
			ev.objects = objs;
			ev.nobjects = 2;
			break;
		case 1:
			ev.id = (struct pdg_audit_code){ "110106", "DCM", "Export" };
			ev.action = 'R';
			ev.participants = paper;
			ev.nparticipants = 2;
			ev.objects = objs;
			ev.nobjects = 1;
			break;
		case 2:
			ev.id = (struct pdg_audit_code){ "110107", "DCM", "Import" };
			ev.action = 'C';
			ev.participants = import;
			ev.nparticipants = 1;
			ev.objects = objs;
			ev.nobjects = 2;
			break;
		default:
			ev.id = (struct pdg_audit_code){ "110113", "DCM", "Security Alert" };
			ev.type = (struct pdg_audit_code){ "110132", "DCM", "Use of Restricted Function" };
			ev.action = 'E';
			ev.outcome = 4;
			ev.outcome_desc = "USB stick refused by policy";
			ev.participants = usb;
			ev.nparticipants = 1;
			ev.objects = &stick;
			ev.nobjects = 1;
			break;
		}
		if (pdg_audit_append(argv[1], &ev, &err)) {
			fprintf(stderr, "pdg-audit-gen: error: %s\n", err.msg);
			return 1;
		}
	}
	return 0;
}
