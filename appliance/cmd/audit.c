/* SPDX-License-Identifier: MIT */
/* pdigate audit: verify the hash-chained audit log, export it as syslog lines or XML. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "appliance/audit/audit.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/home.h"
#include "lib/err.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate audit verify [--home <dir> | --log <file>] [--json]\n"
	"       pdigate audit export --format syslog|xml [--home <dir> | --log <file>]\n"
	"\n"
	"verify  checks every record of the audit log: its hash, its place in the chain and\n"
	"        the head; names the first broken record (exit 1) or prints the count.\n"
	"export  writes every record as RFC 5424 syslog lines (IHE ITI-20, MSGID IHE+RFC-3881)\n"
	"        or as one XML document of DICOM audit messages (PS3.15 A.5), after verifying\n"
	"        the chain; then records the reading itself (Audit Log Used, 110101).\n"
	"\n"
	"  --home <dir>   the home (default: $PDIGATE_HOME, else " PDG_HOME_DEFAULT "); the log\n"
	"                 is <home>/" PDG_AUDIT_LOG "\n"
	"  --log <file>   this log file instead (its head is <file>.head)\n";

struct where {
	char path[4200];
	struct pdg_home_config cfg;
	int have_cfg;
};

static int locate(struct where *w, const char *home, const char *log)
{
	struct pdg_err err = { 0 };

	if (log) {
		snprintf(w->path, sizeof(w->path), "%s", log);
		return 0;
	}
	home = pdg_home_path(home);
	snprintf(w->path, sizeof(w->path), "%s/%s", home, PDG_AUDIT_LOG);
	w->have_cfg = pdg_home_config_load(home, &w->cfg, &err) == PDG_OK;
	return 0;
}

static void json_error(enum pdg_code rc, const char *msg)
{
	json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", pdg_code_name(rc), "message",
				msg);

	json_dumpf(doc, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(doc);
}

static int cmd_verify(const struct where *w, int json)
{
	struct pdg_audit_check check;
	struct pdg_err err = { 0 };
	enum pdg_code rc = pdg_audit_verify(w->path, &check, &err);

	if (rc && !check.bad_record) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		if (json)
			json_error(rc, err.msg);
		return pdg_exit_code(rc);
	}
	if (json) {
		json_t *doc = json_pack("{s:s,s:b,s:I}", "log", w->path, "intact", !rc, "records",
					(json_int_t)check.records);

		if (rc) {
			json_object_set_new(doc, "first_bad_record", json_integer((json_int_t)check.bad_record));
			json_object_set_new(doc, "reason", json_string(check.reason));
		}
		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(doc);
	} else if (!rc) {
		printf("audit log '%s': %lu records, chain intact\n", w->path, check.records);
	} else {
		printf("audit log '%s': record %lu is broken: %s\n", w->path, check.bad_record,
		       check.reason);
	}
	if (rc)
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
	return rc ? 1 : 0;
}

struct export_ctx {
	int xml;
	const char *host;
};

static enum pdg_code put_record(void *ctx, const struct pdg_audit_record *r)
{
	struct export_ctx *c = ctx;

	if (c->xml)
		printf("%s\n", r->xml);
	else
		pdg_audit_syslog_line(stdout, r, c->host);
	return PDG_OK;
}

/* Syslog HOSTNAME: printable US-ASCII without spaces (RFC 5424 6.2.4), else "-". */
static const char *syslog_host(const struct where *w)
{
	const char *h = w->have_cfg ? w->cfg.appliance_id : "";

	for (const char *p = h; *p; p++)
		if (*p < 33 || *p > 126)
			return "-";
	return *h ? h : "-";
}

static int audit_export(const struct where *w, const char *format)
{
	struct export_ctx ctx = { .xml = !strcmp(format, "xml"), .host = syslog_host(w) };
	const struct pdg_audit_participant who = {
		.user_id = "pdigate", .alt_user_id = "pdigate audit export", .requestor = 1,
		.role = { "110153", "DCM", "Source Role ID" },
	};
	const struct pdg_audit_object logobj = {
		.type_code = 2, .role = 13, .id_type = { "12", "RFC-3881", "URI" },
		.id = w->path, .name = "Security Audit Log", .encrypted = -1, .anonymized = -1,
	};
	const struct pdg_audit_event used = {
		.id = { "110101", "DCM", "Audit Log Used" }, .action = 'R', .outcome = 0,
		.site = w->have_cfg ? w->cfg.site : NULL,
		.source_id = w->have_cfg ? w->cfg.appliance_id : "pdigate",
		.participants = &who, .nparticipants = 1, .objects = &logobj, .nobjects = 1,
	};
	struct pdg_err err = { 0 };
	enum pdg_code rc;

	if (ctx.xml)
		printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n");
	rc = pdg_audit_read(w->path, put_record, &ctx, &err);
	if (ctx.xml && !rc)
		printf("</AuditMessages>\n");
	if (!rc)
		rc = pdg_audit_append(w->path, &used, &err); /* PS3.15 A.5.3.2 */
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return pdg_exit_code(rc);
	}
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "log", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *home = NULL, *log = NULL, *format = NULL, *sub;
	struct where w = { 0 };
	int c, json = 0;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'l': log = optarg; break;
		case 'f': format = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (optind != argc - 1 || (home && log)) {
		fputs(usage_text, stderr);
		return 2;
	}
	locate(&w, home, log);
	if (!strcmp(sub, "verify") && !format)
		return cmd_verify(&w, json);
	if (!strcmp(sub, "export") && format && !json &&
	    (!strcmp(format, "syslog") || !strcmp(format, "xml")))
		return audit_export(&w, format);
	fputs(usage_text, stderr);
	return 2;
}
