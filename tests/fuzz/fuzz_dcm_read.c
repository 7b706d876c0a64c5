/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the DCMTK shim's reader: the input bytes become a file, which is read
 * (lazily, or eagerly when the first byte is odd), walked recursively (every value fetched)
 * and written back out. Seeds: fuzz_dcm_read.seeds.sh (files our own code writes).
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pdi/dicom/dcm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct pdg_dcm_item *item, int depth)
{
	struct pdg_dcm_elem elems[256];
	struct pdg_err err;
	size_t n;

	if (pdg_dcm_list(item, elems, PDG_ARRAY_SIZE(elems), &n, &err))
		return;
	if (n > PDG_ARRAY_SIZE(elems))
		n = PDG_ARRAY_SIZE(elems);
	for (size_t i = 0; i < n; i++) {
		uint32_t tag = elems[i].tag;
		if (elems[i].vr[0] == 'S' && elems[i].vr[1] == 'Q') {
			size_t items = pdg_dcm_seq_count(item, tag);
			if (depth > PDG_DCM_MAX_DEPTH)
				__builtin_trap(); /* the reader let too deep a file through */
			for (size_t j = 0; j < items; j++)
				walk(pdg_dcm_seq_item(item, tag, j), depth + 1);
			continue;
		}
		const uint8_t *v;
		size_t len;
		char buf[128];
		if (pdg_dcm_get_raw(item, tag, &v, &len, &err) == PDG_OK && len) {
			volatile uint8_t sink = v[0] ^ v[len - 1];
			(void)sink;
		}
		(void)pdg_dcm_get_string(item, tag, buf, sizeof(buf), &err);
		(void)pdg_dcm_dict_vr(tag);
		(void)pdg_dcm_dict_keyword(tag);
	}
}

static int memfd_path(const char *name, char *path, size_t cap)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd >= 0)
		snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in_path[64], out_path[64];
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err;
	int in = memfd_path("fuzz-in", in_path, sizeof(in_path));
	int out = memfd_path("fuzz-out", out_path, sizeof(out_path));

	if (in < 0 || out < 0)
		__builtin_trap();
	for (size_t done = 0; done < size;) {
		ssize_t w = write(in, data + done, size - done);
		if (w <= 0)
			__builtin_trap();
		done += (size_t)w;
	}
	unsigned flags = size && (data[0] & 1) ? 0 : PDG_DCM_READ_LAZY;
	if (pdg_dcm_read(in_path, flags, &dcm, &err) == PDG_OK) {
		walk(pdg_dcm_meta(dcm), 0);
		walk(pdg_dcm_dataset(dcm), 0);
		(void)pdg_dcm_write(dcm, out_path, NULL, &err);
	}
	pdg_dcm_free(dcm);
	close(in);
	close(out);
	return 0;
}
