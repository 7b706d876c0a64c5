/* SPDX-License-Identifier: MIT */
/* Test tool: make a token sheet for N random packages and print the tokens it used. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/err.h"
#include "tokens/sheet.h"

static const char usage_text[] =
	"usage: pdg-sheet [--site S] [--project P] [--operator O] [--date D] [--packages N]\n"
	"                 [--png PREFIX] -o FILE.pdf\n"
	"Writes a token sheet for N random packages (default 4) and prints one line per\n"
	"package: '<package id> <QR text> <typed text>'. PNG pages go to PREFIX-<page>.png.\n";

static unsigned long rnd(unsigned long max)
{
	uint32_t v = 0;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		abort();
	return v % max;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "project", required_argument, NULL, 'p' },
		{ "operator", required_argument, NULL, 'u' },
		{ "date", required_argument, NULL, 'd' },
		{ "packages", required_argument, NULL, 'n' },
		{ "png", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct pdg_sheet sheet = { .site = "Test Hospital", .project = "TEST-PROJECT",
				   .export_date = "2026-11-21", .operator_name = "operator1" };
	struct pdg_sheet_pkg *pkgs = NULL;
	const char *out = NULL, *png = NULL;
	struct pdg_err err = { 0 };
	long n = 4;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sheet.site = optarg; break;
		case 'p': sheet.project = optarg; break;
		case 'u': sheet.operator_name = optarg; break;
		case 'd': sheet.export_date = optarg; break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 'g': png = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (!out || n < 1 || n > 1000 || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	pkgs = calloc((size_t)n, sizeof(*pkgs));
	if (!pkgs)
		return 1;
	for (long i = 0; i < n; i++) {
		struct pdg_sheet_pkg *p = &pkgs[i];
		struct pdg_token_text txt;
		unsigned char h[32];

		if (pdg_token_new(&p->token, &err) || pdg_token_encode(&p->token, &txt, &err))
			goto out;
		p->studies = 1 + rnd(5);
		p->series = p->studies * (1 + rnd(8));
		p->instances = p->series * (1 + rnd(300));
		p->bytes = (uint64_t)p->instances * (100000 + rnd(500000));
		if (RAND_bytes(h, sizeof(h)) != 1)
			goto out;
		for (int k = 0; k < 32; k++)
			snprintf(p->cipher_sha256 + 2 * k, 3, "%02x", h[k]);
		snprintf(p->medium_serial, sizeof(p->medium_serial), "USB-%08lX", rnd(0xffffffffu));
		printf("%s %s %s\n", p->token.pkgid, txt.qr, txt.typed);
		pdg_token_text_wipe(&txt);
	}
	sheet.pkgs = pkgs;
	sheet.npkgs = (size_t)n;
	if (pdg_sheet_write_pdf(&sheet, out, &err))
		goto out;
	for (size_t p = 0; png && p < pdg_sheet_pages(&sheet); p++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s-%zu.png", png, p + 1);
		if (pdg_sheet_write_png(&sheet, p, path, &err))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "pdg-sheet: error: %s\n", err.msg);
	OPENSSL_cleanse(pkgs, (size_t)n * sizeof(*pkgs));
	free(pkgs);
	return rc;
}
