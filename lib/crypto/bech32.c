/* SPDX-License-Identifier: MIT */
/* Bech32 codec for age recipients (age1...) and identities (AGE-SECRET-KEY-1...). */
#include <string.h>

#include "lib/crypto/bech32.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;

	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (int i = 0; i < 5; i++)
		if (top >> i & 1)
			chk ^= gen[i];
	return chk;
}

/* The checksum state after the expanded hrp (BIP 173 hrp_expand). */
static uint32_t polymod_hrp(const char *hrp, size_t hlen)
{
	uint32_t chk = 1;

	for (size_t i = 0; i < hlen; i++)
		chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
	chk = polymod_step(chk, 0);
	for (size_t i = 0; i < hlen; i++)
		chk = polymod_step(chk, (uint8_t)(hrp[i] & 31));
	return chk;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char upper_of(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

enum pdg_code pdg_bech32_encode(char *out, size_t outsz, const char *hrp, const uint8_t *data,
	size_t len, bool upper, struct pdg_err *err)
{
	size_t hlen = strlen(hrp), n5 = (len * 8 + 4) / 5, o = 0;
	uint32_t chk, acc = 0;
	int bits = 0;

	if (hlen == 0)
		return pdg_err_set(err, PDG_E_INVALID, "empty bech32 prefix");
	for (size_t i = 0; i < hlen; i++)
		if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
			return pdg_err_set(err, PDG_E_INVALID, "invalid bech32 prefix");
	if (hlen + 1 + n5 + 6 + 1 > outsz || hlen + 1 + n5 + 6 > PDG_BECH32_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "bech32 string too long");
	chk = polymod_hrp(hrp, hlen);
	for (size_t i = 0; i < hlen; i++)
		out[o++] = upper ? upper_of(hrp[i]) : hrp[i];
	out[o++] = '1';
	for (size_t i = 0; i < len; i++) {
		acc = acc << 8 | data[i];
		bits += 8;
		while (bits >= 5) {
			uint8_t v = (uint8_t)(acc >> (bits - 5) & 31);

			bits -= 5;
			chk = polymod_step(chk, v);
			out[o++] = charset[v];
		}
	}
	if (bits > 0) {
		uint8_t v = (uint8_t)(acc << (5 - bits) & 31);

		chk = polymod_step(chk, v);
		out[o++] = charset[v];
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (int i = 0; i < 6; i++)
		out[o++] = charset[chk >> (5 * (5 - i)) & 31];
	out[o] = '\0';
	if (upper)
		for (size_t i = 0; i < o; i++)
			out[i] = upper_of(out[i]);
	return PDG_OK;
}

enum pdg_code pdg_bech32_decode(const char *s, char *hrp, size_t hrpsz, uint8_t *data,
	size_t datasz, size_t *datalen, struct pdg_err *err)
{
	size_t n = strnlen(s, PDG_BECH32_MAX + 1), sep = 0, o = 0;
	bool has_lower = false, has_upper = false;
	uint32_t chk, acc = 0;
	int bits = 0;

	if (n > PDG_BECH32_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "bech32 string too long");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 33 || s[i] > 126)
			return pdg_err_set(err, PDG_E_INVALID, "invalid character in bech32 string");
		has_lower |= s[i] >= 'a' && s[i] <= 'z';
		has_upper |= s[i] >= 'A' && s[i] <= 'Z';
		if (s[i] == '1')
			sep = i;
	}
	if (has_lower && has_upper)
		return pdg_err_set(err, PDG_E_INVALID, "mixed case in bech32 string");
	if (sep == 0 || n - sep - 1 < 6)
		return pdg_err_set(err, PDG_E_INVALID, "malformed bech32 string");
	if (sep + 1 > hrpsz)
		return pdg_err_set(err, PDG_E_LIMIT, "bech32 prefix too long");
	for (size_t i = 0; i < sep; i++)
		hrp[i] = lower(s[i]);
	hrp[sep] = '\0';
	chk = polymod_hrp(hrp, sep);
	for (size_t i = sep + 1; i < n; i++) {
		const char *p = strchr(charset, lower(s[i]));
		uint8_t v;

		if (!p || *p == '\0')
			return pdg_err_set(err, PDG_E_INVALID, "invalid character in bech32 string");
		v = (uint8_t)(p - charset);
		chk = polymod_step(chk, v);
		if (i >= n - 6)
			continue;
		acc = (acc << 5 | v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= datasz)
				return pdg_err_set(err, PDG_E_LIMIT, "bech32 data too long");
			data[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (chk != 1)
		return pdg_err_set(err, PDG_E_INVALID, "bad bech32 checksum");
	/* BIP 173 convertbits without padding: at most 4 leftover bits, all zero. */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return pdg_err_set(err, PDG_E_INVALID, "non-canonical bech32 padding");
	*datalen = o;
	return PDG_OK;
}
