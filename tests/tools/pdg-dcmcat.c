/* SPDX-License-Identifier: MIT */
/* Test tool: read DICOM files through the shim (lazily) and write each to another path. */
#include <stdio.h>
#include <string.h>

#include "pdi/dicom/dcm.h"

static int usage(void)
{
	fputs("usage: pdg-dcmcat [-e] [-t transfer-syntax] <in> <out> [<in> <out>]...\n"
	      "  -e  eager: read every value into memory (default: lazy)\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *ts = NULL;
	unsigned flags = PDG_DCM_READ_LAZY;
	int i = 1, status = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-e") == 0)
			flags = 0;
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			ts = argv[++i];
		else if (strcmp(argv[i], "--help") == 0)
			return usage(), 0;
		else
			return usage();
	}
	if (argc - i < 2 || (argc - i) % 2)
		return usage();
	for (; i + 1 < argc; i += 2) {
		struct pdg_err err;
		struct pdg_dcm *dcm = NULL;
		enum pdg_code rc = pdg_dcm_read(argv[i], flags, &dcm, &err);
		if (rc == PDG_OK)
			rc = pdg_dcm_write(dcm, argv[i + 1], ts, &err);
		dcm = pdg_dcm_free(dcm);
		if (rc) {
			fprintf(stderr, "pdg-dcmcat: %s: %s\n", pdg_code_name(rc), err.msg);
			status = 1;
		}
	}
	return status;
}
