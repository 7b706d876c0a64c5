/* SPDX-License-Identifier: MIT */
/* pdigate purge: delete from the spool the originals of studies exported before a date. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "appliance/audit/hooks.h"
#include "appliance/catalog/catalog.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/home.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate purge --exported-before <date> [--home <dir>]\n"
	"\n"
	"Delete from the spool the original of every received or imported instance that was\n"
	"exported before <date> (YYYY-MM-DD or YYYYMMDD, UTC, exclusive). Instances never\n"
	"exported stay. The catalog keeps each purged instance with status 'purged' and the\n"
	"packages it left in; the purge is recorded in the audit log (with counts and package\n"
	"ids, no patient data). Prints the number of originals deleted.\n"
	"Exit status: 0 done, 1 failure (nothing recorded: the audit log is fail closed), 2 usage.\n";

int cmd_purge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "exported-before", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *home = NULL, *before = NULL;
	struct pdg_catalog *cat = NULL;
	struct pdg_err err = { 0 }, aerr = { 0 };
	char spool[4096], packages[1024];
	size_t removed = 0;
	enum pdg_code rc;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			home = optarg;
			break;
		case 'b':
			before = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!before || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	home = pdg_home_path(home);
	if (pdg_cmd_open_catalog(home, &cat, spool, sizeof spool, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	rc = pdg_catalog_purge(cat, before, &removed, packages, sizeof packages, &err);
	pdg_catalog_close(cat);
	if (rc == PDG_E_INVALID) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 2;
	}
	if (pdg_audit_hook_purge(home, before, removed, packages, rc ? 8 : 0, rc ? err.msg : NULL,
				 &aerr)) {
		pdg_log(PDG_LOG_ERR, "%s", aerr.msg);
		rc = rc ? rc : aerr.code;
	}
	if (rc) {
		if (err.msg[0])
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	printf("%zu originals deleted from the spool\n", removed);
	return 0;
}
