/* SPDX-License-Identifier: MIT */
/* Keyed mappings (HMAC-SHA256): UIDs, patient pseudonyms, per-patient date offsets, shifting. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "appliance/deid/deid.h"
#include "appliance/deid/profile.h"

/* HMAC-SHA256(ctx->key, prefix || msg) into out. */
static enum pdg_code hmac(const struct pdg_deid_ctx *ctx, const char *prefix, const char *msg,
			  uint8_t out[32], struct pdg_err *err)
{
	EVP_MAC_CTX *m;
	size_t len = 0;
	int ok;

	if (!ctx->have_key || !ctx->mac)
		return pdg_err_set(err, PDG_E_POLICY,
				   "profile '%s' scopes its mappings to one batch: set a batch id",
				   ctx->profile ? ctx->profile->id : "?");
	m = EVP_MAC_CTX_dup(ctx->mac);
	if (!m)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	ok = EVP_MAC_update(m, (const unsigned char *)prefix, strlen(prefix)) &&
	     EVP_MAC_update(m, (const unsigned char *)msg, strlen(msg)) &&
	     EVP_MAC_final(m, out, &len, 32) && len == 32;
	EVP_MAC_CTX_free(m);
	if (!ok)
		return pdg_err_set(err, PDG_E_CRYPTO, "HMAC-SHA256 failed");
	return PDG_OK;
}

enum pdg_code pdg_deid_map_uid(const struct pdg_deid_ctx *ctx, const char *old,
			       char out[PDG_DEID_UID_MAX], struct pdg_err *err)
{
	uint8_t h[32];
	unsigned __int128 v = 0;
	char digits[48];
	size_t n = 0;
	enum pdg_code rc;

	rc = hmac(ctx, "uid:", old, h, err);
	if (rc)
		return rc;
	/* PS3.5 B.2: 2.25.<integer of a 128-bit UUID-like value>, at most 39 digits. */
	for (int i = 0; i < 16; i++)
		v = (v << 8) | h[i];
	do {
		digits[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	memcpy(out, "2.25.", 5);
	for (size_t i = 0; i < n; i++)
		out[5 + i] = digits[n - 1 - i];
	out[5 + n] = '\0';
	return PDG_OK;
}

enum pdg_code pdg_deid_pseudonym(const struct pdg_deid_ctx *ctx, const char *patient_key,
				 char out[PDG_DEID_PSEUDONYM_MAX], struct pdg_err *err)
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */
	uint8_t h[32];
	enum pdg_code rc;

	rc = hmac(ctx, "pid:", patient_key, h, err);
	if (rc)
		return rc;
	out[0] = ctx->profile && ctx->profile->per_batch ? 'A' : 'P';
	/* 16 characters = the first 80 bits, 5 bits each, most significant first */
	for (int i = 0; i < 16; i++) {
		int bit = i * 5, v = 0;
		for (int b = 0; b < 5; b++, bit++)
			v = (v << 1) | ((h[bit / 8] >> (7 - bit % 8)) & 1);
		out[1 + i] = b32[v];
	}
	out[17] = '\0';
	return PDG_OK;
}

enum pdg_code pdg_deid_date_offset(const struct pdg_deid_ctx *ctx, const char *patient_key,
				   int *days, struct pdg_err *err)
{
	uint8_t h[32];
	uint64_t v = 0;
	long lo = ctx->shift_min, hi = ctx->shift_max, n, off;
	int spans_zero = lo <= 0 && hi >= 0;
	enum pdg_code rc;

	*days = 0;
	if (ctx->options & (1u << PDG_OPT_RTN_LONG_FULL))
		return PDG_OK; /* full dates retained: nothing is shifted */
	rc = hmac(ctx, "date:", patient_key, h, err);
	if (rc)
		return rc;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	n = hi - lo + 1 - spans_zero;
	if (n <= 0)
		return pdg_err_set(err, PDG_E_INVALID, "empty date shift range");
	off = lo + (long)(v % (uint64_t)n);
	if (spans_zero && off >= 0)
		off++; /* never 0 */
	*days = (int)off;
	return PDG_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Shift the 8 digits at in into out (8 characters, no NUL); -1 when not a valid date. */
static int shift8(const char *in, int days, char *out)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y = 0, ny;
	unsigned m, d, nm, nd;

	for (int i = 0; i < 8; i++)
		if (in[i] < '0' || in[i] > '9')
			return -1;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (in[i] - '0');
	m = (unsigned)((in[4] - '0') * 10 + (in[5] - '0'));
	d = (unsigned)((in[6] - '0') * 10 + (in[7] - '0'));
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && is_leap(y)))
		return -1;
	civil_from_days(days_from_civil(y, m, d) + days, &ny, &nm, &nd);
	if (ny < 1 || ny > 9999)
		return -1;
	out[0] = (char)('0' + ny / 1000);
	out[1] = (char)('0' + ny / 100 % 10);
	out[2] = (char)('0' + ny / 10 % 10);
	out[3] = (char)('0' + ny % 10);
	out[4] = (char)('0' + nm / 10);
	out[5] = (char)('0' + nm % 10);
	out[6] = (char)('0' + nd / 10);
	out[7] = (char)('0' + nd % 10);
	return 0;
}

int pdg_deid_shift_da(const char *in, int days, char *out, size_t cap)
{
	if (strlen(in) != 8 || cap < 9)
		return -1;
	if (shift8(in, days, out))
		return -1;
	out[8] = '\0';
	return 0;
}

int pdg_deid_shift_dt(const char *in, int days, char *out, size_t cap)
{
	size_t n = strlen(in), i = 8;

	/* PS3.5 6.2: YYYYMMDDHHMMSS.FFFFFF&ZZXX, at most 26 characters; a DT without a full
	 * date (YYYY or YYYYMM) cannot be shifted and is refused. */
	if (n < 8 || n > 26 || cap < n + 1)
		return -1;
	while (i < n && in[i] >= '0' && in[i] <= '9' && i < 14)
		i++;
	if (i < n && in[i] == '.') {
		size_t f = ++i;
		while (i < n && in[i] >= '0' && in[i] <= '9')
			i++;
		if (i == f || i - f > 6)
			return -1;
	}
	if (i < n && (in[i] == '+' || in[i] == '-')) {
		if (n - i != 5)
			return -1;
		for (size_t k = i + 1; k < n; k++)
			if (in[k] < '0' || in[k] > '9')
				return -1;
		i = n;
	}
	if (i != n || (n > 8 && (in[8] < '0' || in[8] > '9') && in[8] != '+' && in[8] != '-'))
		return -1;
	if (shift8(in, days, out))
		return -1;
	memcpy(out + 8, in + 8, n - 8 + 1);
	return 0;
}
