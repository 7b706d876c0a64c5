/* SPDX-License-Identifier: MIT */
/* Test tool over lib/crypto/signify, with signify(1)'s options, for interop tests. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/crypto/signify.h"

static const char usage[] =
	"usage: pdg-signify -G -p <pubkey> -s <seckey> [-c <comment>]\n"
	"       pdg-signify -S -s <seckey> -m <message> [-x <signature>]\n"
	"       pdg-signify -V -p <pubkey> -m <message> [-x <signature>]\n";

int main(int argc, char **argv)
{
	const char *pub = NULL, *sec = NULL, *msg = NULL, *sig = NULL, *comment = NULL;
	char sigbuf[4096];
	struct pdg_err err = { 0 };
	enum pdg_code rc;
	int mode = 0, opt;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	while ((opt = getopt(argc, argv, "GSVp:s:m:x:c:")) != -1) {
		switch (opt) {
		case 'G': case 'S': case 'V': mode = opt; break;
		case 'p': pub = optarg; break;
		case 's': sec = optarg; break;
		case 'm': msg = optarg; break;
		case 'x': sig = optarg; break;
		case 'c': comment = optarg; break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (msg && !sig) {
		snprintf(sigbuf, sizeof(sigbuf), "%s.sig", msg);
		sig = sigbuf;
	}
	if (mode == 'G' && pub && sec)
		rc = pdg_signify_keygen(sec, pub, comment, NULL, &err);
	else if (mode == 'S' && sec && msg)
		rc = pdg_signify_sign_file(sec, msg, sig, comment, &err);
	else if (mode == 'V' && pub && msg)
		rc = pdg_signify_verify_file(pub, msg, sig, &err);
	else {
		fputs(usage, stderr);
		return 2;
	}
	if (rc) {
		fprintf(stderr, "pdg-signify: %s\n", err.msg);
		return 1;
	}
	if (mode == 'V')
		puts("Signature Verified");
	return 0;
}
