/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: decrypt arbitrary bytes as an age file, whole and in odd-sized pieces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crypto/age.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The identity of the CCTV age vectors, so that mutated vectors reach the payload. */
static const char *const ids[] = {
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0",
};

static enum pdg_code sink(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	size_t *total = ctx;

	(void)buf;
	(void)err;
	*total += len;
	return PDG_OK;
}

static void run(const uint8_t *data, size_t size, size_t step, const char *pass)
{
	struct pdg_age_from from = { .identities = ids, .n_identities = 1, .passphrase = pass,
		.passphrase_len = pass ? strlen(pass) : 0, .max_log2n = 4 };
	struct pdg_age_dec *d = NULL;
	struct pdg_err err;
	size_t total = 0;
	enum pdg_code rc;

	if (pdg_age_decrypt_init(&d, &from, sink, &total, &err))
		abort();
	rc = PDG_OK;
	for (size_t off = 0; off < size && !rc; off += step)
		rc = pdg_age_decrypt_update(d, data + off, size - off < step ? size - off : step, &err);
	if (!rc && pdg_age_decrypt_final(d, &err) == PDG_OK &&
	    pdg_age_decrypt_failure(d) != PDG_AGE_FAIL_NONE)
		abort(); /* success must never carry a failure category */
	pdg_age_decrypt_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, size ? size : 1, NULL);
	run(data, size, 7, "fuzz");
	return 0;
}
