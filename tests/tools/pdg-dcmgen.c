/* SPDX-License-Identifier: MIT */
/*
 * Test tool: write small synthetic CT-like DICOM files through the shim (for the shim's CLI
 * test and benchmark; the full synthetic study generator lives elsewhere). No real data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdi/dicom/dcm.h"

#define CT_IMAGE_STORAGE "1.2.840.10008.5.1.4.1.1.2"

static int usage(void)
{
	fputs("usage: pdg-dcmgen [-n count] [-s side] [-t transfer-syntax] [-j] <dir>\n"
	      "  writes <dir>/CT00001.dcm ...: 16-bit CT-like images side x side (default 512),\n"
	      "  with a nested sequence and a private element; -j: a Japanese name in\n"
	      "  ISO 2022 IR 87 (odd files) and ISO_IR 192 (even files)\n",
	      stderr);
	return 2;
}

static enum pdg_code put(struct pdg_dcm_item *it, uint32_t tag, const char *v, struct pdg_err *err)
{
	return pdg_dcm_put_string(it, tag, v, err);
}

static enum pdg_code build(struct pdg_dcm *dcm, unsigned idx, unsigned side, int japanese,
			   const uint16_t *px, struct pdg_err *err)
{
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm), *ref, *code;
	char uid[64], num[16];
	enum pdg_code rc;
	const char *charset = "ISO_IR 100", *name = "Synthetic^Patient";

	if (japanese && idx % 2) {
		charset = "\\ISO 2022 IR 87";
		name = "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^"
		       "\x1b$B$?$m$&\x1b(B";
	} else if (japanese) {
		charset = "ISO_IR 192";
		name = "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e";
	}
	snprintf(uid, sizeof(uid), "2.25.4242424242.1000.%u", idx);
	snprintf(num, sizeof(num), "%u", idx);
	if ((rc = put(ds, PDG_TAG(0x0008, 0x0005), charset, err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0008), "ORIGINAL\\PRIMARY\\AXIAL", err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0016), CT_IMAGE_STORAGE, err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0018), uid, err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0020), "20240102", err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0030), "101500", err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0050), "ACC0001", err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0060), "CT", err)) ||
	    (rc = put(ds, PDG_TAG(0x0008, 0x0070), "PDIGATE SYNTHETIC", err)) ||
	    (rc = put(ds, PDG_TAG(0x0009, 0x0010), "PDIGATE TEST", err)) ||
	    (rc = pdg_dcm_put_raw(ds, PDG_TAG(0x0009, 0x1001), "LO", "PRIVATE1", 8, err)) ||
	    (rc = put(ds, PDG_TAG(0x0010, 0x0010), name, err)) ||
	    (rc = put(ds, PDG_TAG(0x0010, 0x0020), "SYN0001", err)) ||
	    (rc = put(ds, PDG_TAG(0x0010, 0x0030), "19700101", err)) ||
	    (rc = put(ds, PDG_TAG(0x0010, 0x0040), "O", err)) ||
	    (rc = put(ds, PDG_TAG(0x0018, 0x0050), "1.25", err)) ||
	    (rc = put(ds, PDG_TAG(0x0020, 0x000d), "2.25.4242424242.1", err)) ||
	    (rc = put(ds, PDG_TAG(0x0020, 0x000e), "2.25.4242424242.2", err)) ||
	    (rc = put(ds, PDG_TAG(0x0020, 0x0013), num, err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0002), "1", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0004), "MONOCHROME2", err)))
		return rc;
	snprintf(num, sizeof(num), "%u", side);
	if ((rc = put(ds, PDG_TAG(0x0028, 0x0010), num, err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0011), num, err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0030), "0.5\\0.5", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0100), "16", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0101), "12", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0102), "11", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x0103), "0", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x1052), "-1024", err)) ||
	    (rc = put(ds, PDG_TAG(0x0028, 0x1053), "1", err)))
		return rc;
	/* Referenced Study Sequence > item > Procedure Code Sequence > item (two levels) */
	if ((rc = pdg_dcm_seq_append(ds, PDG_TAG(0x0008, 0x1110), &ref, err)) ||
	    (rc = put(ref, PDG_TAG(0x0008, 0x1150), "1.2.840.10008.3.1.2.3.1", err)) ||
	    (rc = put(ref, PDG_TAG(0x0008, 0x1155), "2.25.4242424242.3", err)) ||
	    (rc = pdg_dcm_seq_append(ref, PDG_TAG(0x0008, 0x1032), &code, err)) ||
	    (rc = put(code, PDG_TAG(0x0008, 0x0100), "CTHEAD", err)) ||
	    (rc = put(code, PDG_TAG(0x0008, 0x0102), "99PDG", err)) ||
	    (rc = put(code, PDG_TAG(0x0008, 0x0104), "CT head", err)))
		return rc;
	return pdg_dcm_put_raw(ds, PDG_TAG(0x7fe0, 0x0010), "OW", px, (size_t)side * side * 2, err);
}

int main(int argc, char **argv)
{
	unsigned count = 1, side = 512;
	const char *ts = NULL;
	int japanese = 0, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			side = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			ts = argv[++i];
		else if (strcmp(argv[i], "-j") == 0)
			japanese = 1;
		else if (strcmp(argv[i], "--help") == 0)
			return usage(), 0;
		else
			return usage();
	}
	if (argc - i != 1 || side == 0 || side > 4096)
		return usage();
	uint16_t *px = malloc((size_t)side * side * sizeof(*px));
	if (!px) {
		fputs("pdg-dcmgen: out of memory\n", stderr);
		return 1;
	}
	/* a disc of "tissue" on "air", with a little structured noise: compressible, not flat */
	for (unsigned y = 0; y < side; y++)
		for (unsigned x = 0; x < side; x++) {
			long dx = (long)x - side / 2, dy = (long)y - side / 2;
			int in = dx * dx + dy * dy < (long)(side * side) / 5;
			px[y * side + x] = (uint16_t)((in ? 1000 + ((x * 7 + y * 3) & 63) : 24) & 0x0fff);
		}
	for (unsigned n = 1; n <= count; n++) {
		char path[4096];
		struct pdg_err err;
		struct pdg_dcm *dcm = NULL;
		enum pdg_code rc;

		snprintf(path, sizeof(path), "%s/CT%05u.dcm", argv[i], n);
		rc = pdg_dcm_create(&dcm, &err);
		if (!rc)
			rc = build(dcm, n, side, japanese, px, &err);
		if (!rc)
			rc = pdg_dcm_write(dcm, path, ts, &err);
		pdg_dcm_free(dcm);
		if (rc) {
			fprintf(stderr, "pdg-dcmgen: %s: %s\n", pdg_code_name(rc), err.msg);
			free(px);
			return 1;
		}
	}
	free(px);
	return 0;
}
