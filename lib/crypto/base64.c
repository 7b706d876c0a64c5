/* SPDX-License-Identifier: MIT */
/* Strict standard base64 codec: age uses it unpadded, signify padded. */
#include "lib/crypto/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pdg_b64_encoded_len(size_t n, bool pad)
{
	if (pad)
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t pdg_b64_encode(char *out, const uint8_t *in, size_t n, bool pad)
{
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum pdg_code pdg_b64_decode(const char *in, size_t inlen, bool pad, uint8_t *out, size_t outsz,
	size_t *outlen, struct pdg_err *err)
{
	size_t full, rest, need, o = 0;
	uint32_t v = 0;

	if (pad) {
		size_t eq = 0;

		if (inlen % 4 != 0)
			return pdg_err_set(err, PDG_E_INVALID, "base64 length is not a multiple of 4");
		while (eq < 2 && eq < inlen && in[inlen - 1 - eq] == '=')
			eq++;
		inlen -= eq;
		if (eq > 0 && inlen % 4 != 4 - eq)
			return pdg_err_set(err, PDG_E_INVALID, "bad base64 padding");
	}
	full = inlen / 4;
	rest = inlen % 4;
	if (rest == 1)
		return pdg_err_set(err, PDG_E_INVALID, "truncated base64");
	need = full * 3 + (rest ? rest - 1 : 0);
	if (need > outsz)
		return pdg_err_set(err, PDG_E_LIMIT, "base64 decodes to more than %zu bytes", outsz);
	for (size_t i = 0; i < inlen; i++) {
		int d = value_of(in[i]);

		if (d < 0)
			return pdg_err_set(err, PDG_E_INVALID, "invalid base64 character");
		v = v << 6 | (uint32_t)d;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
			v = 0;
		}
	}
	/* Canonical encodings leave the unused low bits of the last character zero. */
	if (rest == 2) {
		if (v & 0xf)
			return pdg_err_set(err, PDG_E_INVALID, "non-canonical base64");
		out[o++] = (uint8_t)(v >> 4);
	} else if (rest == 3) {
		if (v & 0x3)
			return pdg_err_set(err, PDG_E_INVALID, "non-canonical base64");
		out[o++] = (uint8_t)(v >> 10);
		out[o++] = (uint8_t)(v >> 2);
	}
	*outlen = o;
	return PDG_OK;
}
