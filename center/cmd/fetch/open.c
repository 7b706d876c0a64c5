/* SPDX-License-Identifier: MIT */
/* pdigate-fetch open: open a sealed package with the data-center key and the paper token. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fsutil.h"
#include "center/cmd/fetch/cmds.h"
#include "center/fetch/open.h"
#include "lib/log.h"
#include "pdi/dicom/dicomdir.h"
#include "pdi/manifest.h"
#include "tokens/codec.h"

static const char usage_text[] =
	"usage: pdigate-fetch open --identity <file> --appliance-key <file.pub>\n"
	"                          (--token <token> | --token-file <file>) --out <dir>\n"
	"                          [--package <id>] <medium-or-manifest>\n"
	"\n"
	"Check the appliance's signature and every hash, check the token against the package,\n"
	"decrypt both layers, unpack safely into <dir>/<package id> and verify the IHE PDI file\n"
	"set, then list its studies. On any failure nothing decrypted is left behind.\n"
	"\n"
	"  --identity <file>       the data center's age identity (age-keygen format)\n"
	"  --appliance-key <file>  the appliance's signify public key (from 'pdigate keys')\n"
	"  --token <token>         the token from the paper sheet (scanned or typed)\n"
	"  --token-file <file>     read the token from a file instead (keeps it out of 'ps')\n"
	"  --out <dir>             where to unpack\n"
	"  --package <id>          which package, when the medium holds several\n"
	"\n"
	"exit status: 0 opened; 1 failure; 2 usage; 4 signature does not verify; 5 a segment is\n"
	"missing, damaged or out of order; 6 wrong data-center key; 7 wrong or mistyped token;\n"
	"8 the decrypted content is not a valid package\n";

static const int exit_of[] = {
	[PDG_OPEN_OK] = 0,
	[PDG_OPEN_FAIL_OTHER] = 1,
	[PDG_OPEN_FAIL_SIGNATURE] = 4,
	[PDG_OPEN_FAIL_SEGMENTS] = 5,
	[PDG_OPEN_FAIL_KEY] = 6,
	[PDG_OPEN_FAIL_TOKEN] = 7,
	[PDG_OPEN_FAIL_CONTENT] = 8,
};

static void report(void *ctx, const char *path, const char *problem)
{
	(void)ctx;
	pdg_log(PDG_LOG_ERR, "%s%s%s", path && path[0] ? path : "", path && path[0] ? ": " : "",
		problem);
}

struct study {
	char patient[68], uid[80], date[12], modality[17];
	size_t series, images;
	char last_series[80];
};

/* One line per study: pseudonym, date (shifted), modality, series and image counts. */
static void list_studies(const char *root)
{
	struct pdg_manifest m;
	struct study *s = NULL;
	struct pdg_err err;
	size_t n = 0;
	char path[4400];

	snprintf(path, sizeof(path), "%s/PDIGATE.JSN", root);
	if (pdg_manifest_load(path, &m, &err))
		return;
	s = calloc(m.n ? m.n : 1, sizeof(*s));
	for (size_t i = 0; s && i < m.n; i++) {
		struct pdg_dicomdir_keys k;
		size_t t;

		if (strncmp(m.files[i].path, "DICOM/", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, m.files[i].path);
		if (pdg_dicomdir_read_keys(path, &k, &err))
			continue;
		for (t = 0; t < n && strcmp(s[t].uid, k.study_uid); t++)
			;
		if (t == n) {
			snprintf(s[n].patient, sizeof(s[n].patient), "%s", k.patient_id);
			snprintf(s[n].uid, sizeof(s[n].uid), "%s", k.study_uid);
			snprintf(s[n].date, sizeof(s[n].date), "%s", k.study_date);
			snprintf(s[n].modality, sizeof(s[n].modality), "%s", k.modality);
			n++;
		}
		if (strcmp(s[t].last_series, k.series_uid)) {
			snprintf(s[t].last_series, sizeof(s[t].last_series), "%s", k.series_uid);
			s[t].series++;
		}
		s[t].images++;
	}
	printf("%-16s %-10s %-8s %7s %7s\n", "patient", "date", "modality", "series", "images");
	for (size_t t = 0; t < n; t++)
		printf("%-16s %-10s %-8s %7zu %7zu\n", s[t].patient[0] ? s[t].patient : "-",
		       s[t].date[0] ? s[t].date : "-", s[t].modality[0] ? s[t].modality : "-",
		       s[t].series, s[t].images);
	free(s);
	pdg_manifest_release(&m);
}

int fetch_open(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "identity", required_argument, NULL, 'i' },
		{ "appliance-key", required_argument, NULL, 'k' },
		{ "token", required_argument, NULL, 't' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "out", required_argument, NULL, 'o' },
		{ "package", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pdg_open_opts o = { .report = report };
	struct pdg_open_result r;
	struct pdg_err err = { 0 };
	const char *token_file = NULL;
	char *token_buf = NULL;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o.identity_path = optarg; break;
		case 'k': o.appliance_pub = optarg; break;
		case 't': o.token = optarg; break;
		case 'T': token_file = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'p': o.package_id = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!o.identity_path || !o.appliance_pub || !o.out_dir || !!o.token == !!token_file ||
	    optind != argc - 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	o.source = argv[optind];
	if (token_file) {
		if (pdg_read_file(token_file, PDG_TOKEN_INPUT_MAX, &token_buf, &len, &err)) {
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
			return 1;
		}
		token_buf[strcspn(token_buf, "\r\n")] = '\0';
		o.token = token_buf;
	}
	rc = pdg_open_package(&o, &r, &err);
	if (token_buf) {
		explicit_bzero(token_buf, len);
		free(token_buf);
	}
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		rc = exit_of[r.failure] ? exit_of[r.failure] : 1;
		pdg_open_release(&r);
		return rc;
	}
	fprintf(stderr, "pdigate-fetch: package %s from site '%s' (project %s) opened into '%s'\n",
		r.manifest.package_id, r.manifest.site, r.manifest.project, r.target);
	list_studies(r.target);
	pdg_open_release(&r);
	return 0;
}
