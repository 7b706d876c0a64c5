/* SPDX-License-Identifier: MIT */
/* USB HID point-of-sale barcode scanners (usage page 0x8C): the report parser and a libusb reader. */
#ifndef PDG_TOKENS_HIDPOS_H
#define PDG_TOKENS_HIDPOS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"
#include "tokens/codec.h"

/*
 * The Scanned Data Report of HID POS scanners (HID Usage Tables, Bar Code Scanner page 0x8C,
 * usage 0x12; the layout Honeywell, Zebra and Datalogic scanners send in "HID POS" mode):
 *   byte 0      report id 0x02
 *   byte 1      n, the number of data bytes in this report (at most size - 6)
 *   bytes 2-4   symbology identifier (AIM, e.g. "]Q1" for QR Code), ASCII or zero
 *   bytes 5..   n bytes of decoded data
 *   last byte   flags: bit 0 set when the data continues in the next report
 * A scan longer than one report comes as several reports, the last without bit 0. Reports
 * with another id (status, trigger) are ignored.
 */
#define PDG_HIDPOS_REPORT_ID   0x02
#define PDG_HIDPOS_REPORT_MAX  64
#define PDG_HIDPOS_REPORT_MIN  7      /* id, n, 3 AIM bytes, 1 data byte, flags */
#define PDG_HIDPOS_SCAN_MAX    PDG_TOKEN_INPUT_MAX

/* Reassembly state of one scanner. Holds token text: wipe with pdg_hidpos_wipe. */
struct pdg_hidpos {
	char text[PDG_HIDPOS_SCAN_MAX + 1];   /* the scan so far, NUL-terminated */
	size_t len;
	char aim[4];                          /* symbology identifier of the scan, "" if none */
	int broken;                           /* a bad report: skip until the scan ends */
};

enum pdg_hidpos_result {
	PDG_HIDPOS_MORE = 0,   /* report taken (or ignored): no complete scan yet */
	PDG_HIDPOS_SCAN,       /* a complete scan is in h->text (h->len bytes) */
	PDG_HIDPOS_BAD,        /* the scan was malformed (why says how); state reset */
};

/* Start with no scan in progress. */
void pdg_hidpos_init(struct pdg_hidpos *h);

/*
 * Take one interrupt-IN report of n bytes. On PDG_HIDPOS_SCAN the caller uses h->text, then
 * calls pdg_hidpos_next (which wipes it). On PDG_HIDPOS_BAD why (cap bytes) names the fault:
 * "short report", "length exceeds report", "control byte in data", "scan too long". Any
 * byte sequence is safe input (fuzzed: tests/fuzz/fuzz_hidpos.c).
 */
enum pdg_hidpos_result pdg_hidpos_feed(struct pdg_hidpos *h, const uint8_t *rep, size_t n,
				       char *why, size_t cap);

/* Wipe the completed scan and start the next. */
void pdg_hidpos_next(struct pdg_hidpos *h);

/* Wipe everything. */
void pdg_hidpos_wipe(struct pdg_hidpos *h);

/* Called for each complete scan (text NUL-terminated, wiped after the call) or bad scan. */
struct pdg_hidpos_sink {
	enum pdg_code (*scan)(void *ctx, unsigned n, const char *text);
	enum pdg_code (*bad)(void *ctx, unsigned n, const char *why);
	void *ctx;
};

/*
 * Read scans from a HID POS scanner through libusb: the device vendor:product (both 0: the
 * first device with a non-boot HID interface that has an interrupt-IN endpoint), its kernel
 * driver detached while reading. Stops after count scans (0: no limit), after idle_ms without
 * a report (0: never), or when a sink callback returns non-zero (returned).
 * Errors: PDG_E_NOTFOUND (no such scanner), PDG_E_IO (cannot open or claim it: permissions,
 * another program; the message says which), those of the sink.
 */
PDG_MUST_CHECK enum pdg_code pdg_hidpos_read_usb(uint16_t vendor, uint16_t product,
						 unsigned count, unsigned idle_ms,
						 const struct pdg_hidpos_sink *sink,
						 struct pdg_err *err);

#endif
