/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a stream of HID POS reports (length-prefixed) through the reassembler. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokens/hidpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: repeated [n][n bytes] records, each one interrupt report. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdg_hidpos h;
	char why[64];
	size_t off = 0;

	pdg_hidpos_init(&h);
	while (off < size) {
		size_t n = data[off++];

		if (n > size - off)
			n = size - off;
		switch (pdg_hidpos_feed(&h, data + off, n, why, sizeof(why))) {
		case PDG_HIDPOS_SCAN:
			/* invariants: printable ASCII, NUL-terminated, within bounds */
			if (h.len == 0 || h.len > PDG_HIDPOS_SCAN_MAX || strlen(h.text) != h.len)
				abort();
			for (size_t i = 0; i < h.len; i++)
				if (h.text[i] < 0x20 || h.text[i] > 0x7e)
					abort();
			pdg_hidpos_next(&h);
			break;
		case PDG_HIDPOS_BAD:
			if (!why[0] || h.len)
				abort();
			break;
		case PDG_HIDPOS_MORE:
			if (h.len > PDG_HIDPOS_SCAN_MAX || h.text[h.len])
				abort();
			break;
		}
		off += n;
	}
	pdg_hidpos_wipe(&h);
	return 0;
}
