/* SPDX-License-Identifier: MIT */
/* pdigate-fetch sync: fetch every package released to this data center into research storage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/cmd/fetch/cmds.h"
#include "center/fetch/sync.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate-fetch sync --center <url> --cacert <file> --cert <file> --key <file>\n"
	"                          --identity <file> (--appliance-key <file> | --keys <dir>)\n"
	"                          --to <target> --work <dir> [--quarantine <dir>]\n"
	"                          [--package <id>] [--retries <n>] [--keep]\n"
	"                          [--limit-rate <bytes/s>] [--target-cacert <file>]\n"
	"                          [--target-cert <file> --target-key <file>]\n"
	"\n"
	"Ask the service center which packages were released to this data center (their paper\n"
	"token was scanned), and take each one all the way: download with resume, check the\n"
	"appliance's signature and every hash, open both layers with this data center's key and\n"
	"the token the center sealed to it, re-check every instance for PHI, import into the\n"
	"target, and acknowledge once the target confirmed every instance. Run it again at any\n"
	"time: it continues where it stopped and never imports a package twice.\n"
	"\n"
	"  --center <url>          the service center, https://host:port\n"
	"  --cacert <file>         the center's CA certificate\n"
	"  --cert, --key <file>    this data center's client certificate and key\n"
	"  --identity <file>       this data center's age identity\n"
	"  --appliance-key <file>  the appliance's public key, or\n"
	"  --keys <dir>            registered appliance keys as <dir>/<appliance id>.pub\n"
	"  --to <target>           folder:<dir>, dicom://<AE>@<host>:<port> or\n"
	"                          http(s)://.../dicom-web (see 'pdigate-fetch import --help')\n"
	"  --work <dir>            downloads and opened packages until acknowledged\n"
	"  --quarantine <dir>      keep a copy of each quarantined instance here\n"
	"  --package <id>          only this package\n"
	"  --retries <n>           resume a broken download up to n times (default 3)\n"
	"  --keep                  keep the work files after acknowledging\n"
	"  --limit-rate <bytes/s>  do not use more of the line than this (k, M suffixes)\n"
	"  --target-cacert, --target-cert, --target-key <file>\n"
	"                          TLS files for an https DICOMweb target\n"
	"\n"
	"stdout: one line per package: its id, project, what became of it, and the counts.\n"
	"exit status: 0 every package acknowledged (or none released); 1 failure; 2 usage;\n"
	"3 some instances were quarantined (that package is not acknowledged); 4..8 a package\n"
	"did not open (as 'pdigate-fetch open'); 9 the target did not confirm every instance\n";

static const int open_exit[] = {
	[PDG_OPEN_OK] = 1, [PDG_OPEN_FAIL_OTHER] = 1, [PDG_OPEN_FAIL_SIGNATURE] = 4,
	[PDG_OPEN_FAIL_SEGMENTS] = 5, [PDG_OPEN_FAIL_KEY] = 6, [PDG_OPEN_FAIL_TOKEN] = 7,
	[PDG_OPEN_FAIL_CONTENT] = 8,
};

static const char *const stage_name[] = {
	[PDG_SYNC_NONE] = "not-downloaded", [PDG_SYNC_DOWNLOADED] = "downloaded",
	[PDG_SYNC_OPENED] = "opened", [PDG_SYNC_IMPORTED] = "imported",
	[PDG_SYNC_ACKNOWLEDGED] = "acknowledged",
};

static void report(void *ctx, const char *pkg, const char *what)
{
	(void)ctx;
	pdg_log(PDG_LOG_INFO, "%s: %s", pkg, what);
}

int fetch_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "center", required_argument, NULL, 'u' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "identity", required_argument, NULL, 'i' },
		{ "appliance-key", required_argument, NULL, 'a' },
		{ "keys", required_argument, NULL, 'K' },
		{ "to", required_argument, NULL, 't' },
		{ "work", required_argument, NULL, 'w' },
		{ "quarantine", required_argument, NULL, 'q' },
		{ "package", required_argument, NULL, 'p' },
		{ "retries", required_argument, NULL, 'r' },
		{ "keep", no_argument, NULL, 'e' },
		{ "limit-rate", required_argument, NULL, 'L' },
		{ "target-cacert", required_argument, NULL, '1' },
		{ "target-cert", required_argument, NULL, '2' },
		{ "target-key", required_argument, NULL, '3' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pdg_https_opts ho = { 0 };
	struct pdg_https h = { 0 };
	struct pdg_import_target t;
	struct pdg_sync_opts so = { .h = &h, .target = &t, .retries = 3, .report = report };
	struct pdg_err err = { 0 };
	const char *to = NULL, *only = NULL, *tls[3] = { NULL, NULL, NULL };
	char (*ids)[PDG_MEDIUM_PKGID_MAX] = NULL;
	size_t n = 0;
	int c, worst = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': ho.base = optarg; break;
		case 'C': ho.cacert = optarg; break;
		case 'c': ho.cert = optarg; break;
		case 'k': ho.key = optarg; break;
		case 'i': so.identity_path = optarg; break;
		case 'a': so.appliance_key = optarg; break;
		case 'K': so.keys_dir = optarg; break;
		case 't': to = optarg; break;
		case 'w': so.work_dir = optarg; break;
		case 'q': so.quarantine_dir = optarg; break;
		case 'p': only = optarg; break;
		case 'r':
			so.retries = (unsigned)strtoul(optarg, &end, 10);
			if (*end || end == optarg || so.retries > 100) {
				pdg_log(PDG_LOG_ERR, "--retries takes 0..100");
				return 2;
			}
			break;
		case 'e': so.keep = 1; break;
		case '1': case '2': case '3': tls[c - '1'] = optarg; break;
		case 'L': {
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end == 'k' || *end == 'K')
				v <<= 10, end++;
			else if (*end == 'm' || *end == 'M')
				v <<= 20, end++;
			if (*end || end == optarg || !v) {
				pdg_log(PDG_LOG_ERR, "--limit-rate takes a positive size (k, M suffixes)");
				return 2;
			}
			ho.max_rate = v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc || !ho.base || strncmp(ho.base, "https://", 8) || !ho.cacert ||
	    !ho.cert || !ho.key || !so.identity_path || !!so.appliance_key == !!so.keys_dir ||
	    !to || !so.work_dir) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (pdg_import_target_parse(to, &t, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 2;
	}
	t.cacert = tls[0];
	t.cert = tls[1];
	t.key = tls[2];
	ids = calloc(PDG_SYNC_MAX_PACKAGES, sizeof(*ids));
	if (!ids || pdg_https_init(&h, &ho, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", ids ? err.msg : "out of memory");
		free(ids);
		return 1;
	}
	if (pdg_sync_list(&h, ids, PDG_SYNC_MAX_PACKAGES, &n, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		worst = 1;
		n = 0;
	}
	if (!worst && only) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (!strcmp(ids[i], only))
				memmove(ids[k++], ids[i], sizeof(ids[i]));
		n = k;
	}
	if (!worst && !n)
		pdg_log(PDG_LOG_INFO, "no package released to this data center is waiting");
	for (size_t i = 0; i < n; i++) {
		struct pdg_sync_result r;
		enum pdg_code rc = pdg_sync_package(&so, ids[i], &r, &err);
		int st = 0;

		if (rc) {
			pdg_log(PDG_LOG_ERR, "%s: %s", ids[i], err.msg);
			if (r.stage == PDG_SYNC_DOWNLOADED && r.open_failure)
				st = open_exit[r.open_failure];
			else if (r.stage == PDG_SYNC_OPENED && rc == PDG_E_POLICY)
				st = r.import.failed ? 9 : 3;
			else
				st = 1;
		}
		printf("%s %s %s instances %zu imported %zu already %zu quarantined %zu failed %zu\n",
		       r.id[0] ? r.id : ids[i], r.project[0] ? r.project : "-",
		       stage_name[r.stage], r.import.instances, r.import.imported,
		       r.import.already, r.import.quarantined, r.import.failed);
		if (st > worst)
			worst = st;
	}
	pdg_https_release(&h);
	free(ids);
	return worst;
}
