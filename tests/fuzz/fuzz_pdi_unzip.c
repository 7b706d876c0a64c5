/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary bytes as a file set ZIP for the safe unpacker. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdi/manifest.h"
#include "pdi/tree.h"
#include "pdi/unzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pdg_unzip_limits lim = { .max_entries = 64,
						     .max_entry_bytes = 1u << 20,
						     .max_total_bytes = 4u << 20 };
	char dir[] = "/tmp/pdg-fuzz-unzip.XXXXXX", zip[PATH_MAX], out[PATH_MAX];
	struct pdg_pdi_tree t;
	struct pdg_err err;
	FILE *f;

	if (!mkdtemp(dir))
		return 0;
	snprintf(zip, sizeof(zip), "%s/in.zip", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	f = fopen(zip, "wb");
	if (f && fwrite(data, 1, size, f) == size && fclose(f) == 0) {
		if (pdg_pdi_unzip(zip, out, &lim, NULL, NULL, NULL, &err) == PDG_OK) {
			/* nothing unpacked may lie outside out/ or be other than a plain file */
			if (pdg_pdi_tree_read(out, &t, &err) == PDG_OK)
				for (size_t i = 0; i < t.n; i++)
					if (!t.files[i].regular || !pdg_pdi_path_safe(t.files[i].path))
						abort();
			pdg_pdi_tree_release(&t);
		}
	} else if (f) {
		fclose(f);
	}
	if (pdg_pdi_tree_remove(dir, &err))
		abort();
	return 0;
}
