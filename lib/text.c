// SPDX-License-Identifier: MIT
// DICOM text values as UTF-8 for screens and JSON: decoded by Specific Character Set, cleaned.
#include "lib/text.h"

#include <iconv.h>
#include <stdint.h>
#include <string.h>

/* The iconv name for the first value of a Specific Character Set (PS3.3 C.12.1.1.2). */
static const char *codec_of(const char *charset)
{
	static const struct {
		const char *term, *codec;
	} map[] = {
		{ "ISO_IR 100", "ISO-8859-1" }, { "ISO_IR 101", "ISO-8859-2" },
		{ "ISO_IR 109", "ISO-8859-3" }, { "ISO_IR 110", "ISO-8859-4" },
		{ "ISO_IR 144", "ISO-8859-5" }, { "ISO_IR 127", "ISO-8859-6" },
		{ "ISO_IR 126", "ISO-8859-7" }, { "ISO_IR 138", "ISO-8859-8" },
		{ "ISO_IR 148", "ISO-8859-9" }, { "ISO_IR 203", "ISO-8859-15" },
		{ "ISO_IR 166", "TIS-620" },    { "ISO_IR 13", "SHIFT_JIS" },
		{ "ISO_IR 192", "UTF-8" },      { "GB18030", "GB18030" },
		{ "GBK", "GBK" },
	};
	char first[24];
	size_t n;

	if (!charset)
		return NULL;
	while (*charset == ' ')
		charset++;
	n = strcspn(charset, "\\");
	while (n && charset[n - 1] == ' ')
		n--;
	if (strstr(charset, "ISO 2022 IR 13"))
		return "ISO-2022-JP-3"; /* half-width katakana too (see katakana_g1) */
	if (strstr(charset, "ISO 2022"))
		return "ISO-2022-JP-2"; /* escape sequences: JIS X 0208/0212, KS X 1001, GB 2312 */
	if (n >= sizeof(first))
		return NULL;
	memcpy(first, charset, n);
	first[n] = '\0';
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(first, map[i].term))
			return map[i].codec;
	return NULL;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid (overlong, surrogate, cut). */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

size_t pdg_text_clean(const char *value, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)(value ? value : "");
	size_t o = 0;

	if (!cap)
		return 0;
	while (*s) {
		size_t n = utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		if (o + (n ? n : 1) >= cap)
			break;
		if (n) {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		} else {
			out[o++] = '?';
			s++;
		}
	}
	out[o] = '\0';
	return o;
}

/*
 * ISO 2022 IR 13 (PS3.5 6.1.2.5.3) puts JIS X 0201 katakana in G1: bytes A1..DF without an
 * escape while G0 is single-byte. ISO-2022-JP-3 wants them designated: each run becomes
 * ESC ( I and the bytes less 80, then ESC ( B. Returns the new length, 0 when it does not fit.
 */
static size_t katakana_g1(const unsigned char *in, char *out, size_t cap)
{
	static const char to_kana[] = "\x1b(I", to_ascii[] = "\x1b(B";
	int two = 0, kana = 0;
	size_t o = 0;

	for (; *in; in++) {
		const char *esc = NULL;
		size_t n = 1;

		if (*in == 0x1b) {
			while (in[n] >= 0x20 && in[n] <= 0x2f) /* intermediate bytes, then the final */
				n++;
			if (!in[n])
				break;
			two = in[1] == '$';
			kana = 0;
			n++;
		} else if (!two && *in >= 0xa1 && *in <= 0xdf && !kana) {
			esc = to_kana;
			kana = 1;
		} else if (kana && !(*in >= 0xa1 && *in <= 0xdf)) {
			esc = to_ascii;
			kana = 0;
		}
		if (o + (esc ? 3 : 0) + n + 1 > cap)
			return 0;
		if (esc) {
			memcpy(out + o, esc, 3);
			o += 3;
		}
		if (kana) {
			out[o++] = (char)(*in - 0x80);
			continue;
		}
		memcpy(out + o, in, n);
		o += n;
		in += n - 1;
	}
	if (kana) {
		if (o + 4 > cap)
			return 0;
		memcpy(out + o, to_ascii, 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

size_t pdg_text_utf8(const char *charset, const char *value, char *out, size_t cap)
{
	const char *codec = codec_of(charset), *src;
	char buf[2048], g1[1024];
	iconv_t cd;

	if (!value)
		value = "";
	src = value;
	if (codec && !strcmp(codec, "ISO-2022-JP-3") && strlen(value) < sizeof(g1) / 4 &&
	    katakana_g1((const unsigned char *)value, g1, sizeof(g1)))
		src = g1;
	if (codec && strcmp(codec, "UTF-8") && strlen(src) < sizeof(buf) / 4 &&
	    (cd = iconv_open("UTF-8", codec)) != (iconv_t)-1) {
		char *in = (char *)src, *o = buf;
		size_t inleft = strlen(src), outleft = sizeof(buf) - 1;
		size_t r = iconv(cd, &in, &inleft, &o, &outleft);

		if (r != (size_t)-1)
			r = iconv(cd, NULL, NULL, &o, &outleft);
		iconv_close(cd);
		if (r != (size_t)-1 && !inleft) {
			*o = '\0';
			return pdg_text_clean(buf, out, cap);
		}
	}
	return pdg_text_clean(value, out, cap);
}
