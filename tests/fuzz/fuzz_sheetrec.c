/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: parse arbitrary bytes as a stored token sheet (state/sheets/PKG.json). */
#include <stdint.h>
#include <stdlib.h>

#include "tokens/sheetrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a fixed identity (not a real key): the unseal path runs on whatever parses */
	static const char id[] =
		"AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
	struct pdg_sheetrec r;
	struct pdg_err err;

	if (pdg_sheetrec_decode((const char *)data, size, NULL, &r, &err) == PDG_OK)
		pdg_sheetrec_wipe(&r);
	if (pdg_sheetrec_decode((const char *)data, size, id, &r, &err) == PDG_OK)
		pdg_sheetrec_wipe(&r);
	return 0;
}
