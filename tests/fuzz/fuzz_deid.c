/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: read an arbitrary file as DICOM, classify, de-identify, write it back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance/deid/deid.h"
#include "pdi/dicom/dcm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pdg_deid_ctx ctx;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[PDG_SECRET_BYTES] = { 0x5a };
	char in[] = "/tmp/pdg-fuzz-deid-in.XXXXXX", out[] = "/tmp/pdg-fuzz-deid-out.XXXXXX";
	struct pdg_deid_result res;
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err;
	int fd, ofd;

	if (!ready) {
		if (pdg_deid_ctx_init_with(&ctx, "jp-pseudonymized", NULL, secret, &err))
			abort();
		ready = 1;
	}
	fd = mkstemp(in);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(in);
		return 0;
	}
	close(fd);
	if (pdg_dcm_read(in, PDG_DCM_READ_LAZY, &dcm, &err) == PDG_OK) {
		(void)pdg_deid_classify(&ctx, dcm);
		if (pdg_deid_apply(&ctx, dcm, &res, &err) == PDG_OK) {
			(void)pdg_deid_classify_after(&ctx, dcm, &res);
			ofd = mkstemp(out);
			if (ofd >= 0) {
				close(ofd);
				(void)pdg_dcm_write(dcm, out, NULL, &err);
				unlink(out);
			}
		}
		pdg_deid_result_wipe(&res);
	}
	pdg_dcm_free(dcm);
	unlink(in);
	return 0;
}
