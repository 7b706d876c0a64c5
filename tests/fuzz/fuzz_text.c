/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: DICOM text decoded to UTF-8 (lib/text): any bytes, any character set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: [charset NUL] value. Output must be NUL-terminated, valid UTF-8, no control bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = { "", "ISO_IR 100", "ISO_IR 13", "ISO_IR 192",
					    "\\ISO 2022 IR 87", "ISO 2022 IR 13\\ISO 2022 IR 87",
					    "GB18030", "ISO_IR 144", "ISO_IR 166", "GBK" };
	char *in = malloc(size + 1), out[700];
	size_t n;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		for (size_t cap = 1; cap <= sizeof(out); cap += sizeof(out) - 1) {
			n = pdg_text_utf8(sets[s], in, out, cap);
			if (n >= cap || out[n] || strlen(out) != n)
				abort();
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
					abort();
		}
	}
	n = pdg_text_clean(in, out, sizeof(out));
	{
		char again[700];

		/* clean output is a fixed point: valid UTF-8 stays as it is */
		if (pdg_text_clean(out, again, sizeof(again)) != n || memcmp(out, again, n))
			abort();
	}
	free(in);
	return 0;
}
