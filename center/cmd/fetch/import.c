/* SPDX-License-Identifier: MIT */
/* pdigate-fetch import: re-check an opened package for PHI and import it into research storage. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "center/cmd/fetch/cmds.h"
#include "center/fetch/import.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate-fetch import --to <target> [--project <name>] [--quarantine <dir>]\n"
	"                            [--calling-ae <AE>] [--cacert <file>] [--cert <file>]\n"
	"                            [--key <file>] <opened-package>\n"
	"\n"
	"Check every instance of a package opened by 'pdigate-fetch open' for residual PHI,\n"
	"then import the clean ones. An instance counts as imported only once the target\n"
	"confirmed it. Importing again is harmless.\n"
	"\n"
	"  --to folder:<dir>              a folder tree <dir>/<project>/<pseudonym>/<study>/<series>/\n"
	"  --to dicom://<AE>@<host>:<port> a DICOM archive, by C-STORE\n"
	"  --to http(s)://.../dicom-web   a DICOMweb service, by STOW-RS\n"
	"  --project <name>               the project (first level of a folder target)\n"
	"  --quarantine <dir>             keep a copy of each quarantined instance here\n"
	"  --calling-ae <AE>              our AE title for C-STORE (default PDIGATE)\n"
	"  --cacert, --cert, --key        TLS files for an https DICOMweb service\n"
	"\n"
	"exit status: 0 every instance imported; 1 failure; 2 usage; 3 imported, but some\n"
	"instances were quarantined; 9 the target did not confirm every instance\n";

static void report(void *ctx, const char *rel, const char *problem)
{
	(void)ctx;
	pdg_log(PDG_LOG_WARN, "%s: %s", rel, problem);
}

/* The summary line and the exit status of an import run (shared with sync). */
int fetch_import_status(const struct pdg_import_result *r)
{
	printf("imported %zu, already there %zu, quarantined %zu, failed %zu of %zu instances\n",
	       r->imported, r->already, r->quarantined, r->failed, r->instances);
	if (r->failed)
		return 9;
	return r->quarantined ? 3 : 0;
}

int fetch_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "project", required_argument, NULL, 'p' },
		{ "quarantine", required_argument, NULL, 'q' },
		{ "calling-ae", required_argument, NULL, 'a' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pdg_import_target t;
	struct pdg_import_opts o = { .report = report, .target = &t };
	struct pdg_import_result r;
	struct pdg_err err = { 0 };
	const char *to = NULL, *ae = NULL, *cacert = NULL, *cert = NULL, *key = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'p': o.project = optarg; break;
		case 'q': o.quarantine_dir = optarg; break;
		case 'a': ae = optarg; break;
		case 'C': cacert = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!to || optind != argc - 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (pdg_import_target_parse(to, &t, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 2;
	}
	if (ae && (strlen(ae) > 16 || !*ae)) {
		pdg_log(PDG_LOG_ERR, "the calling AE title must have 1..16 characters");
		return 2;
	}
	if (t.kind == PDG_IMPORT_FOLDER && !o.project) {
		pdg_log(PDG_LOG_ERR, "a folder target needs --project");
		return 2;
	}
	if (ae)
		snprintf(t.calling_ae, sizeof(t.calling_ae), "%s", ae);
	t.cacert = cacert;
	t.cert = cert;
	t.key = key;
	o.package_dir = argv[optind];
	if (pdg_import_package(&o, &r, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	return fetch_import_status(&r);
}
