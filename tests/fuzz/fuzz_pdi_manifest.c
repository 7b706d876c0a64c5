/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary bytes as PDIGATE.JSN, the inner manifest of a file set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdi/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdg_manifest m;
	struct pdg_err err;

	if (pdg_manifest_load_buffer((const char *)data, size, "fuzz", &m, &err) == PDG_OK) {
		/* what the parser accepts is sorted, unique, safe and findable */
		for (size_t i = 0; i < m.n; i++) {
			if (!pdg_pdi_path_safe(m.files[i].path) || strlen(m.files[i].sha256) != 64)
				abort();
			if (i && strcmp(m.files[i - 1].path, m.files[i].path) >= 0)
				abort();
			if (pdg_manifest_find(&m, m.files[i].path) != &m.files[i])
				abort();
		}
	}
	pdg_manifest_release(&m); /* also after a failure: m may hold a partial list */
	return 0;
}
