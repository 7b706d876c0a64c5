/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary bytes as a pixel masking rule file (docs/pixel-rules.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/deid/pixrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdg_pixrules rs;
	struct pdg_pixhdr h;
	struct pdg_err err;
	const struct pdg_pixrule *r;

	pdg_pixrules_init(&rs);
	if (pdg_pixrules_parse(&rs, (const char *)data, size, "fuzz", &err) == PDG_OK) {
		memset(&h, 0, sizeof(h));
		snprintf(h.sel[PDG_PIXSEL_MODALITY], PDG_PIXRULE_VALUE_MAX, "US");
		snprintf(h.sel[PDG_PIXSEL_MANUFACTURER], PDG_PIXRULE_VALUE_MAX, "ACME Medical");
		h.num[PDG_PIXNUM_ROWS] = (uint32_t)(size % 2000);
		h.num[PDG_PIXNUM_COLUMNS] = 640;
		h.num[PDG_PIXNUM_FRAMES] = 3;
		r = pdg_pixrules_match(&rs, &h);
		for (size_t m = 0; r && m < r->nmask; m++) {
			uint32_t x0, y0, x1, y1;
			/* every resolved rectangle lies inside the image */
			if (pdg_pixmask_rect(&r->mask[m], h.num[PDG_PIXNUM_ROWS], 640, 2, &x0, &y0,
					     &x1, &y1) &&
			    (x1 > 640 || y1 > h.num[PDG_PIXNUM_ROWS] || x0 >= x1 || y0 >= y1))
				abort();
		}
	}
	pdg_pixrules_free(&rs);
	return 0;
}
