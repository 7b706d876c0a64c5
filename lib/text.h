/* SPDX-License-Identifier: MIT */
/* DICOM text values as UTF-8 for screens and JSON: decoded by Specific Character Set, cleaned. */
#ifndef PDG_LIB_TEXT_H
#define PDG_LIB_TEXT_H

#include <stddef.h>

/*
 * Decode value, bytes of a DICOM string in the character set named by charset (the value of
 * Specific Character Set (0008,0005), backslash-separated; NULL or "" is the default
 * repertoire), into UTF-8 in out[0..cap) (always NUL-terminated, cut at a character boundary).
 * Single-byte sets (ISO_IR 100 ... 203, ISO_IR 13), ISO_IR 192, GB18030, GBK and the ISO 2022
 * sets with escape sequences (ISO 2022 IR 87, 159, 149, 58 ...; the half-width katakana that
 * ISO 2022 IR 13 puts in G1 without an escape too) are decoded with iconv; a value
 * that does not decode, or an unknown set, keeps its ASCII bytes. Every byte or character that
 * cannot be shown (control characters, ESC, invalid sequences) becomes '?', so the result is
 * always valid UTF-8 that cannot steer a terminal. Returns the length written.
 */
size_t pdg_text_utf8(const char *charset, const char *value, char *out, size_t cap);

/* Clean text of unknown origin the same way (valid UTF-8 kept, anything else '?'). */
size_t pdg_text_clean(const char *value, char *out, size_t cap);

#endif
