/* SPDX-License-Identifier: MIT */
/* pdigate-upload: the upload station's program; check sealed packages offline, upload, receipt. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/upload/upload.h"
#include "lib/log.h"
#include "lib/version.h"

#define MAX_KEYS 16

static const char usage_text[] =
	"usage: pdigate-upload --center <url> --cacert <file> --cert <file> --key <file>\n"
	"                      (--appliance-key <file.pub>... | --keys <dir>) [--package <id>]\n"
	"                      [--retries <n>] [--chunk <size>] [--limit-rate <bytes/s>]\n"
	"                      [--wipe] [--quiet] <stick-or-folder>\n"
	"       pdigate-upload --check (--appliance-key <file.pub>... | --keys <dir>)\n"
	"                      [--package <id>] <stick-or-folder>\n"
	"\n"
	"Check every sealed package on a stick offline (the appliance's signature over the\n"
	"manifest, every segment's size and SHA-256), upload it to the service center, resuming\n"
	"where a broken transfer stopped, and print the center's receipt: one line per package\n"
	"with its id, state, size and the ciphertext SHA-256 the center stored. Run it again\n"
	"after an interruption: it continues where the center's copy ends.\n"
	"\n"
	"  --center <url>            the service center, https://host:port\n"
	"  --cacert <file>           the center's CA certificate\n"
	"  --cert, --key <file>      this upload station's client certificate and key\n"
	"  --appliance-key <file>    an appliance's public key (from 'pdigate keys'); repeatable\n"
	"  --keys <dir>              registered appliance keys, as <dir>/<appliance id>.pub\n"
	"  --package <id>            only this package\n"
	"  --retries <n>             resume a broken transfer up to n times (default 3)\n"
	"  --chunk <size>            bytes per request (default 16M, at most 64M): a broken\n"
	"                            transfer resumes at the last whole chunk\n"
	"  --limit-rate <bytes/s>    do not use more of the line than this (k, M suffixes)\n"
	"  --wipe                    remove a package's files from the stick once the center's\n"
	"                            receipt matches every hash on the stick\n"
	"  --check                   only check offline; upload nothing\n"
	"  --quiet                   no progress on stderr\n"
	"\n"
	"exit status: 0 every package uploaded (or checked); 1 failure (network, I/O);\n"
	"2 usage; 4 a manifest's signature does not verify; 5 a segment is missing or damaged;\n"
	"9 the center refused a package or its receipt differs from the stick\n";

static const int exit_of[] = {
	[PDG_UPLOAD_OK] = 0,
	[PDG_UPLOAD_FAIL_OTHER] = 1,
	[PDG_UPLOAD_FAIL_SIGNATURE] = 4,
	[PDG_UPLOAD_FAIL_SEGMENTS] = 5,
	[PDG_UPLOAD_FAIL_CENTER] = 9,
};

struct progress {
	const char *pkg;
	int quiet, tty;
	unsigned last;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;

	if (p->quiet || pct == p->last)
		return;
	if (!p->tty && pct % 25 && pct != 100)
		return;
	p->last = pct;
	fprintf(stderr, "%spdigate-upload: %s: %3u%% of the segment sent (%" PRIu64 " of %" PRIu64
		" bytes)%s", p->tty ? "\r" : "", p->pkg, pct, done, total, p->tty ? "" : "\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "center", required_argument, NULL, 'u' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "appliance-key", required_argument, NULL, 'a' },
		{ "keys", required_argument, NULL, 'K' },
		{ "package", required_argument, NULL, 'p' },
		{ "retries", required_argument, NULL, 'r' },
		{ "chunk", required_argument, NULL, 'B' },
		{ "limit-rate", required_argument, NULL, 'L' },
		{ "wipe", no_argument, NULL, 'w' },
		{ "check", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *keys[MAX_KEYS], *keys_dir = NULL, *only = NULL;
	struct pdg_https_opts ho = { 0 };
	struct pdg_https h = { 0 };
	struct progress prog = { .tty = isatty(2) };
	struct pdg_err err = { 0 };
	char dir[4096], (*ids)[PDG_MEDIUM_PKGID_MAX];
	size_t nkeys = 0, n = 0;
	unsigned long retries = 3;
	uint64_t chunk = 0;
	int c, wipe = 0, check_only = 0, worst = 0;
	char *end;

	pdg_log_set_prog("pdigate-upload");
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case 'u': ho.base = optarg; break;
		case 'C': ho.cacert = optarg; break;
		case 'c': ho.cert = optarg; break;
		case 'k': ho.key = optarg; break;
		case 'a':
			if (nkeys == MAX_KEYS) {
				pdg_log(PDG_LOG_ERR, "at most %d --appliance-key options", MAX_KEYS);
				return 2;
			}
			keys[nkeys++] = optarg;
			break;
		case 'K': keys_dir = optarg; break;
		case 'p': only = optarg; break;
		case 'r':
			retries = strtoul(optarg, &end, 10);
			if (*end || end == optarg || retries > 100) {
				pdg_log(PDG_LOG_ERR, "--retries takes 0..100");
				return 2;
			}
			break;
		case 'B':
		case 'L': {
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end == 'k' || *end == 'K')
				v <<= 10, end++;
			else if (*end == 'm' || *end == 'M')
				v <<= 20, end++;
			if (*end || end == optarg || !v || (c == 'B' && v > (64ull << 20))) {
				pdg_log(PDG_LOG_ERR, "--%s takes a positive size (k, M suffixes%s)",
					c == 'B' ? "chunk" : "limit-rate",
					c == 'B' ? ", at most 64M" : "");
				return 2;
			}
			if (c == 'B')
				chunk = v;
			else
				ho.max_rate = v;
			break;
		}
		case 'w': wipe = 1; break;
		case 'n': check_only = 1; break;
		case 'q': prog.quiet = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("pdigate-upload %s\n", PDG_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || (!nkeys && !keys_dir) || (check_only && wipe) ||
	    (!check_only && (!ho.base || !ho.cacert || !ho.cert || !ho.key)) ||
	    (ho.base && strncmp(ho.base, "https://", 8))) {
		fputs(usage_text, stderr);
		return 2;
	}
	ids = calloc(PDG_UPLOAD_MAX_PACKAGES, sizeof(*ids));
	if (!ids) {
		pdg_log(PDG_LOG_ERR, "out of memory");
		return 1;
	}
	if (pdg_upload_find(argv[optind], only, dir, ids, PDG_UPLOAD_MAX_PACKAGES, &n, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		free(ids);
		return 1;
	}
	ho.progress = on_progress;
	ho.progress_ctx = &prog;
	if (!check_only && pdg_https_init(&h, &ho, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		free(ids);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct pdg_upload_pkg p;
		struct pdg_upload_receipt r;
		int st;

		prog.pkg = ids[i];
		prog.last = 101;
		if (pdg_upload_check(dir, ids[i], keys, nkeys, keys_dir, &p, &err) ||
		    (!check_only && pdg_upload_send(&h, &p, (unsigned)retries, chunk, &r, &err))) {
			if (prog.tty && !prog.quiet)
				fputc('\n', stderr);
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
			st = exit_of[p.failure] ? exit_of[p.failure] : 1;
			if (st > worst)
				worst = st;
			pdg_upload_pkg_release(&p);
			continue;
		}
		if (prog.tty && !prog.quiet && !check_only)
			fputc('\n', stderr);
		if (check_only) {
			printf("%s checked %" PRIu64 " bytes in %zu segments sha256 %s\n", p.id,
			       p.m.ciphertext_size, p.m.nsegments, p.m.ciphertext_sha256);
		} else {
			printf("%s %s %" PRIu64 " bytes in %zu segments sha256 %s", p.id, r.state,
			       r.size, r.nsegments, r.ciphertext_sha256);
			if (wipe && pdg_upload_wipe(&p, &err)) {
				printf(" not-wiped\n");
				pdg_log(PDG_LOG_ERR, "%s", err.msg);
				worst = worst ? worst : 1;
			} else {
				printf(wipe ? " wiped\n" : "\n");
			}
		}
		pdg_upload_pkg_release(&p);
	}
	pdg_https_release(&h);
	free(ids);
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		pdg_log(PDG_LOG_ERR, "cannot write the output");
		return worst ? worst : 1;
	}
	return worst;
}
