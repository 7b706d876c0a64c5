/* SPDX-License-Identifier: MIT */
/*
 * pdg-slices: write a synthetic CT series (16-bit slices) through the DCMTK shim, for batch
 * tests and benchmarks. Deterministic: the same arguments give the same bytes.
 *   pdg-slices --out DIR --count N [--size PIXELS] [--patient ID] [--seed S]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "pdi/dicom/dcm.h"

#define UID_ROOT "2.25.1234567"

struct attr {
	uint16_t g, e;
	const char *value;
};

static int put(struct pdg_dcm_item *ds, uint16_t g, uint16_t e, const char *v,
	       struct pdg_err *err)
{
	return pdg_dcm_put_string(ds, PDG_TAG(g, e), v, err);
}

static int put_us(struct pdg_dcm_item *ds, uint16_t g, uint16_t e, uint16_t v,
		  struct pdg_err *err)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return pdg_dcm_put_raw(ds, PDG_TAG(g, e), "US", b, 2, err);
}

static int slice(const char *dir, unsigned i, unsigned n, unsigned size, const char *patient,
		 unsigned long seed, uint8_t *pixels, struct pdg_err *err)
{
	char path[4096], uid[80], num[32], pos[64];
	struct pdg_dcm *dcm = NULL;
	struct pdg_dcm_item *ds;
	int rc;

	if ((rc = pdg_dcm_create(&dcm, err)))
		return rc;
	ds = pdg_dcm_dataset(dcm);
	const struct attr common[] = {
		{ 0x0008, 0x0005, "ISO_IR 100" },
		{ 0x0008, 0x0016, "1.2.840.10008.5.1.4.1.1.2" },
		{ 0x0008, 0x0020, "20240115" },
		{ 0x0008, 0x0030, "101500" },
		{ 0x0008, 0x0050, "ACC0001" },
		{ 0x0008, 0x0060, "CT" },
		{ 0x0008, 0x0070, "PDG Synthetic" },
		{ 0x0008, 0x0080, "Test Hospital" },
		{ 0x0008, 0x0090, "Referring^Doctor" },
		{ 0x0010, 0x0010, "Test^Patient" },
		{ 0x0010, 0x0020, patient },
		{ 0x0010, 0x0030, "19600704" },
		{ 0x0010, 0x0040, "F" },
		{ 0x0018, 0x0050, "1.0" },
		{ 0x0020, 0x0010, "S1" },
		{ 0x0020, 0x0011, "1" },
		{ 0x0028, 0x0004, "MONOCHROME2" },
		{ 0x0028, 0x0030, "0.5\\0.5" },
		{ 0x0028, 0x1050, "40" },
		{ 0x0028, 0x1051, "400" },
		{ 0x0028, 0x1052, "-1024" },
		{ 0x0028, 0x1053, "1" },
	};
	for (size_t k = 0; k < sizeof(common) / sizeof(common[0]); k++)
		if ((rc = put(ds, common[k].g, common[k].e, common[k].value, err)))
			goto out;
	snprintf(uid, sizeof(uid), UID_ROOT ".%lu.1", seed);
	if ((rc = put(ds, 0x0020, 0x000d, uid, err)))
		goto out;
	snprintf(uid, sizeof(uid), UID_ROOT ".%lu.2", seed);
	if ((rc = put(ds, 0x0020, 0x000e, uid, err)))
		goto out;
	snprintf(uid, sizeof(uid), UID_ROOT ".%lu.3.%u", seed, i + 1);
	if ((rc = put(ds, 0x0008, 0x0018, uid, err)))
		goto out;
	snprintf(num, sizeof(num), "%u", i + 1);
	if ((rc = put(ds, 0x0020, 0x0013, num, err)))
		goto out;
	snprintf(pos, sizeof(pos), "0\\0\\%u", i);
	if ((rc = put(ds, 0x0020, 0x0032, pos, err)) ||
	    (rc = put(ds, 0x0020, 0x0037, "1\\0\\0\\0\\1\\0", err)))
		goto out;
	if ((rc = put_us(ds, 0x0028, 0x0002, 1, err)) ||
	    (rc = put_us(ds, 0x0028, 0x0010, (uint16_t)size, err)) ||
	    (rc = put_us(ds, 0x0028, 0x0011, (uint16_t)size, err)) ||
	    (rc = put_us(ds, 0x0028, 0x0100, 16, err)) ||
	    (rc = put_us(ds, 0x0028, 0x0101, 12, err)) ||
	    (rc = put_us(ds, 0x0028, 0x0102, 11, err)) ||
	    (rc = put_us(ds, 0x0028, 0x0103, 0, err)))
		goto out;
	/* a sphere-ish phantom whose radius changes along the series */
	for (unsigned y = 0; y < size; y++)
		for (unsigned x = 0; x < size; x++) {
			long dx = (long)x - size / 2, dy = (long)y - size / 2;
			long r = (long)size / 3 - (long)(i * size / 6 / (n ? n : 1));
			uint16_t v = dx * dx + dy * dy < r * r ? 1064 : 24;

			v = (uint16_t)(v + ((x * 7 + y * 13 + i + seed) & 15));
			pixels[2 * ((size_t)y * size + x)] = (uint8_t)v;
			pixels[2 * ((size_t)y * size + x) + 1] = (uint8_t)(v >> 8);
		}
	if ((rc = pdg_dcm_put_raw(ds, PDG_TAG(0x7fe0, 0x0010), "OW", pixels,
				  (size_t)size * size * 2, err)))
		goto out;
	snprintf(path, sizeof(path), "%s/CT%06u.dcm", dir, i + 1);
	rc = pdg_dcm_write(dcm, path, NULL, err);
out:
	pdg_dcm_free(dcm);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "patient", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ 0 },
	};
	const char *dir = NULL, *patient = "PID0001";
	unsigned long n = 1, size = 512, seed = 1;
	struct pdg_err err;
	uint8_t *pixels;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'p': patient = optarg; break;
		case 'S': seed = strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (!dir || optind != argc || !n || n > 100000 || size < 2 || size > 4096)
		goto usage;
	if (mkdir(dir, 0755) && access(dir, W_OK)) {
		perror("pdg-slices: cannot create the output folder");
		return 1;
	}
	pixels = malloc(size * size * 2);
	if (!pixels)
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (slice(dir, i, (unsigned)n, (unsigned)size, patient, seed, pixels, &err)) {
			fprintf(stderr, "pdg-slices: %s\n", err.msg);
			free(pixels);
			return 1;
		}
	free(pixels);
	return 0;
usage:
	fprintf(stderr, "usage: pdg-slices --out DIR --count N [--size PIXELS] [--patient ID] "
			"[--seed S]\n");
	return 2;
}
