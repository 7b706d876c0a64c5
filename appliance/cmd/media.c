/* SPDX-License-Identifier: MIT */
/* pdigate media: list the USB sticks with their policy verdict, eject the allowed one. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "appliance/audit/hooks.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/home.h"
#include "appliance/media/media.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate media list [--home <dir>] [--json]\n"
	"       pdigate media eject [--home <dir>]\n"
	"\n"
	"list shows every USB mass-storage device: vendor:product, serial, speed, its disk and\n"
	"mount point, file system, free space, and whether the [media] policy of the home's\n"
	"config.ini allows it (and if not, why). Listing records nothing in the audit log.\n"
	"\n"
	"eject flushes, unmounts and powers off the single allowed stick, so that it can be\n"
	"pulled; the audit log records it.\n"
	"\n"
	"  --home <dir>  the home (default: $PDIGATE_HOME, else " PDG_HOME_DEFAULT ")\n"
	"  --json        print one JSON document on stdout\n"
	"\n"
	"exit status: 0 done, 1 failure (eject: no single allowed stick), 2 usage\n";

enum pdg_code pdg_cmd_media_scan(const char *home, struct pdg_medium *list,
				 size_t *n, struct pdg_err *err)
{
	struct pdg_media_policy pol;
	enum pdg_code rc = pdg_media_policy_load(home, &pol, err);

	if (!rc)
		rc = pdg_media_list(list, n, err);
	for (size_t i = 0; !rc && i < *n; i++)
		pdg_media_check(&pol, &list[i]);
	return rc;
}

static json_t *medium_json(const struct pdg_medium *m)
{
	char vid[5], pid[5];

	snprintf(vid, sizeof(vid), "%04x", m->vendor);
	snprintf(pid, sizeof(pid), "%04x", m->product);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s}",
			 "usb", m->usb_name, "vendor", vid, "product", pid, "serial", m->serial,
			 "serial_from", m->serial_from ? m->serial_from : "",
			 "speed_mbps", (json_int_t)m->speed_mbps, "block", m->block,
			 "partition", m->part, "mount", m->mount, "fstype", m->fstype,
			 "free_bytes", (json_int_t)m->free_bytes,
			 "total_bytes", (json_int_t)m->total_bytes, "allowed", m->allowed,
			 "why", m->why);
}

static void medium_text(const struct pdg_medium *m)
{
	char id[100];

	pdg_medium_identity(m, id, sizeof(id));
	printf("%-8s %s  %u Mb/s  ", m->usb_name, id, m->speed_mbps);
	if (m->mount[0])
		printf("/dev/%s on %s (%s, %" PRIu64 " of %" PRIu64 " MB free)", m->part,
		       m->mount, m->fstype, m->free_bytes >> 20, m->total_bytes >> 20);
	else if (m->block[0])
		printf("/dev/%s not mounted", m->block);
	else
		printf("no disk");
	if (m->allowed)
		printf("  allowed\n");
	else
		printf("  refused: %s\n", m->why);
}

static int media_list(const char *home, int json)
{
	struct pdg_medium list[PDG_MEDIA_MAX];
	struct pdg_err err = { 0 };
	size_t n = 0;

	if (pdg_cmd_media_scan(home, list, &n, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	if (json) {
		json_t *arr = json_array(), *doc;

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, medium_json(&list[i]));
		doc = json_pack("{s:o}", "media", arr);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
		return 0;
	}
	if (!n)
		printf("no USB storage device\n");
	for (size_t i = 0; i < n; i++)
		medium_text(&list[i]);
	return 0;
}

enum pdg_code pdg_cmd_media_eject(const char *home, const char *command,
				  const struct pdg_medium *m, struct pdg_err *err)
{
	struct pdg_err aerr = { 0 };
	char id[100], desc[300];
	enum pdg_code rc = pdg_media_eject(m, err);
	int outcome = !rc ? 0 : strstr(err->msg, "safe to pull") ? 4 : 8;

	pdg_medium_identity(m, id, sizeof(id));
	snprintf(desc, sizeof(desc), "%s", rc ? err->msg : "");
	if (pdg_audit_hook_medium_eject(home, command, id, outcome, rc ? desc : NULL, &aerr)) {
		if (rc)
			pdg_log(PDG_LOG_ERR, "%s", aerr.msg);
		else
			return pdg_err_set(err, aerr.code, "%s", aerr.msg);
	}
	return rc;
}

static int media_eject(const char *home)
{
	struct pdg_medium list[PDG_MEDIA_MAX];
	const struct pdg_medium *m;
	struct pdg_err err = { 0 };
	char id[100];
	size_t n = 0;

	if (pdg_cmd_media_scan(home, list, &n, &err) || pdg_media_pick(list, n, &m, &err) ||
	    pdg_cmd_media_eject(home, "pdigate media eject", m, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	pdg_medium_identity(m, id, sizeof(id));
	printf("USB stick %s ejected: pull it now\n", id);
	return 0;
}

int cmd_media(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *home = NULL, *sub;
	int c, json = 0;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(usage_text, stdout);
			return 0;
		}
		fputs(usage_text, stderr);
		return 2;
	}
	sub = argv[1];
	optind = 1;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	home = pdg_home_path(home);
	if (!strcmp(sub, "list"))
		return media_list(home, json);
	if (!strcmp(sub, "eject") && !json)
		return media_eject(home);
	pdg_log(PDG_LOG_ERR, "'%s' is not a media command; see 'pdigate media --help'", sub);
	return 2;
}
