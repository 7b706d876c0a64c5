/* SPDX-License-Identifier: MIT */
/* HID POS Scanned Data Reports (usage page 0x8C) reassembled into scans; layout in hidpos.h. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tokens/hidpos.h"

void pdg_hidpos_init(struct pdg_hidpos *h)
{
	memset(h, 0, sizeof(*h));
}

void pdg_hidpos_next(struct pdg_hidpos *h)
{
	OPENSSL_cleanse(h, sizeof(*h));
}

void pdg_hidpos_wipe(struct pdg_hidpos *h)
{
	OPENSSL_cleanse(h, sizeof(*h));
}

/* A bad report: forget the scan; if more reports of it follow, skip them (broken). */
static enum pdg_hidpos_result bad(struct pdg_hidpos *h, int more, const char *what, char *why,
				  size_t cap)
{
	pdg_hidpos_next(h);
	h->broken = more;
	snprintf(why, cap, "%s", what);
	return PDG_HIDPOS_BAD;
}

enum pdg_hidpos_result pdg_hidpos_feed(struct pdg_hidpos *h, const uint8_t *rep, size_t n,
				       char *why, size_t cap)
{
	size_t len;
	int more;

	if (!n || rep[0] != PDG_HIDPOS_REPORT_ID)
		return PDG_HIDPOS_MORE; /* another report: status, trigger, ... */
	if (n < PDG_HIDPOS_REPORT_MIN || n > PDG_HIDPOS_REPORT_MAX)
		return bad(h, 0, "short report", why, cap);
	more = rep[n - 1] & 1;
	if (h->broken) {
		/* the rest of a scan already reported as bad */
		h->broken = more;
		return PDG_HIDPOS_MORE;
	}
	len = rep[1];
	if (len > n - 6)
		return bad(h, more, "length exceeds report", why, cap);
	for (size_t i = 0; i < len; i++)
		if (rep[5 + i] < 0x20 || rep[5 + i] > 0x7e)
			return bad(h, more, "control byte in data", why, cap);
	if (h->len + len > PDG_HIDPOS_SCAN_MAX)
		return bad(h, more, "scan too long", why, cap);
	if (h->len == 0 && !h->aim[0]) {
		for (int i = 0; i < 3; i++)
			h->aim[i] = rep[2 + i] >= 0x21 && rep[2 + i] <= 0x7e ? (char)rep[2 + i] : '\0';
		h->aim[3] = '\0';
		if (strlen(h->aim) != 3)
			h->aim[0] = '\0';
	}
	memcpy(h->text + h->len, rep + 5, len);
	h->len += len;
	h->text[h->len] = '\0';
	if (more)
		return PDG_HIDPOS_MORE;
	if (h->len == 0) {
		pdg_hidpos_next(h);
		return PDG_HIDPOS_MORE; /* an empty scan: nothing to report */
	}
	return PDG_HIDPOS_SCAN;
}
