/* SPDX-License-Identifier: MIT */
/* Test tool: classify and de-identify DICOM files with the engine, without an appliance home. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance/deid/deid.h"
#include "pdi/dicom/dcm.h"

static int usage(void)
{
	fputs("usage: pdg-deid-file [-p profile] [-i ini] [-k hex-secret] [-b batch] "
	      "(in out | -o dir in...)\n"
	      "  prints per input: 'ok <pseudonym> <offset-days>' or 'quarantine: <reason>'\n"
	      "  exit 0 all exported, 3 some quarantined, 1 failure, 2 usage\n",
	      stderr);
	return 2;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int one(const struct pdg_deid_ctx *ctx, const char *in, const char *out)
{
	struct pdg_deid_result res;
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err;
	const char *why;
	int status = 1;

	if (pdg_dcm_read(in, PDG_DCM_READ_LAZY, &dcm, &err)) {
		fprintf(stderr, "pdg-deid-file: '%s': %s\n", in, err.msg);
		return 1;
	}
	why = pdg_deid_classify(ctx, dcm);
	if (why) {
		printf("quarantine: %s\n", why);
		pdg_dcm_free(dcm);
		return 3;
	}
	if (pdg_deid_apply(ctx, dcm, &res, &err) || pdg_dcm_write(dcm, out, NULL, &err))
		fprintf(stderr, "pdg-deid-file: '%s': %s\n", in, err.msg);
	else {
		printf("ok %s %d\n", res.link.pseudonym, res.link.date_offset_days);
		status = 0;
	}
	pdg_deid_result_wipe(&res);
	pdg_dcm_free(dcm);
	return status;
}

int main(int argc, char **argv)
{
	const char *profile = "ps315-basic", *ini = NULL, *batch = NULL, *outdir = NULL;
	uint8_t secret[PDG_SECRET_BYTES] = { 0 };
	struct pdg_deid_ctx ctx;
	struct pdg_err err;
	int c, status = 0;

	while ((c = getopt(argc, argv, "p:i:k:b:o:h")) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'i':
			ini = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'k':
			if (strlen(optarg) != 2 * PDG_SECRET_BYTES)
				return usage();
			for (int i = 0; i < PDG_SECRET_BYTES; i++) {
				int hi = hexval(optarg[2 * i]), lo = hexval(optarg[2 * i + 1]);
				if (hi < 0 || lo < 0)
					return usage();
				secret[i] = (uint8_t)(hi * 16 + lo);
			}
			break;
		default:
			return usage();
		}
	}
	if (outdir ? optind >= argc : argc - optind != 2)
		return usage();
	if (pdg_deid_ctx_init_with(&ctx, profile, ini, secret, &err) ||
	    (batch && pdg_deid_ctx_set_batch(&ctx, batch, &err))) {
		fprintf(stderr, "pdg-deid-file: %s\n", err.msg);
		pdg_deid_ctx_release(&ctx);
		return 1;
	}
	if (!outdir)
		status = one(&ctx, argv[optind], argv[optind + 1]);
	for (int i = optind; outdir && i < argc; i++) {
		char out[4096];
		const char *base = strrchr(argv[i], '/');
		int s;

		snprintf(out, sizeof(out), "%s/%s", outdir, base ? base + 1 : argv[i]);
		s = one(&ctx, argv[i], out);
		if (s == 1 || (s == 3 && status == 0))
			status = s;
	}
	pdg_deid_ctx_release(&ctx);
	if (fflush(stdout) || ferror(stdout))
		return 1;
	return status;
}
