/* SPDX-License-Identifier: MIT */
/*
 * pdg-gen: write synthetic DICOM studies with planted PHI in every attribute of PS3.15 Table
 * E.1-1, plus an answer key (JSON) listing every planted value. Deterministic: one seed, one
 * set of bytes. Documented in tests/tools/README.md.
 *
 *   pdg-gen --seed N --out DIR [--patients P] [--ct-slices N] [--mr-slices N] [--key KEY.json]
 *           [--only ct]
 */
#include <errno.h>
#include <getopt.h>
#include <iconv.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/err.h"
#include "pdi/dicom/dcm.h"
#include "tests/tools/planted_table.h"

#define GEN_MAX_PATH 4096
#define GEN_MAX_VALUE 1024
#define GEN_MAX_PATIENTS 40

/* Storage SOP classes (PS3.4 B.5). */
#define UID_CT "1.2.840.10008.5.1.4.1.1.2"
#define UID_MR "1.2.840.10008.5.1.4.1.1.4"
#define UID_US_MF "1.2.840.10008.5.1.4.1.1.3.1"
#define UID_SC "1.2.840.10008.5.1.4.1.1.7"
#define UID_SR_TEXT "1.2.840.10008.5.1.4.1.1.88.11"
#define UID_PDF "1.2.840.10008.5.1.4.1.1.104.1"

enum kind { K_CT, K_MR, K_US, K_SC, K_SR, K_PDF, K_COUNT };
static const char *const kind_name[K_COUNT] = { "ct", "mr", "us", "sc", "sr", "pdf" };
static const char *const kind_class[K_COUNT] = { UID_CT, UID_MR, UID_US_MF,
						 UID_SC, UID_SR_TEXT, UID_PDF };
static const char *const kind_modality[K_COUNT] = { "CT", "MR", "US", "OT", "SR", "DOC" };

/* Which objects of a patient share a value: scopes of the planted values. */
enum scope { S_PATIENT, S_STUDY, S_SERIES, S_INSTANCE };

struct gen {
	uint64_t seed;
	const char *out;
	int patients, ct_slices, mr_slices;
	unsigned kinds;           /* bit per enum kind */
	json_t *key;              /* NULL when no key is wanted */
	json_t *kvalues, *kindex, *kfiles, *kpairs;
	int16_t *noise;           /* shared noise table, NOISE_N entries */
	uint8_t *pixbuf;
	struct pdg_err err;
};

/* One object being written. */
struct obj {
	int patient, study;       /* study 0: CT, SC, SR, PDF; study 1: MR, US */
	enum kind kind;
	int index, count;         /* instance index within its series and series size */
	int file_no;              /* index in the key's file list */
	char rel[64];             /* path relative to --out */
	char sop[65], series[65], study_uid[65], for_uid[65];
	const char *charset;
	struct pdg_dcm_item *ds;
};

/* --- deterministic hashing, PRNG, markers ------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	h ^= 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return mix64(h);
}

/* snprintf that truncates silently (paths and values here are bounded by construction). */
static void fmt(char *buf, size_t cap, const char *f, ...) PDG_PRINTF(3, 4);
static void fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, cap, f, ap);
	va_end(ap);
}

static uint64_t hashf(const struct gen *g, const char *fmt, ...) PDG_PRINTF(2, 3);
static uint64_t hashf(const struct gen *g, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return hash_str(g->seed, buf);
}

/* Crockford base32: upper case letters and digits, valid in CS, AE, SH and file names. */
static void marker(uint64_t h, char out[12])
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	memcpy(out, "PLT", 3);
	for (int i = 0; i < 8; i++)
		out[3 + i] = b32[(h >> (5 * i)) & 31];
	out[11] = 0;
}

/* A UID 2.25.<128-bit decimal> from two hashes (PS3.5 B.2). */
static void uid_from(uint64_t a, uint64_t b, char out[65])
{
	unsigned __int128 v = ((unsigned __int128)(a >> 1) << 64) | b; /* < 2^127: <= 39 digits */
	char d[48];
	int n = 0;

	do {
		d[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	memcpy(out, "2.25.", 5);
	for (int i = 0; i < n; i++)
		out[5 + i] = d[n - 1 - i];
	out[5 + n] = 0;
}

static void make_uid(const struct gen *g, char out[65], const char *what, int a, int b, int c)
{
	uid_from(hashf(g, "uid/%s/%d/%d/%d/a", what, a, b, c),
		 hashf(g, "uid/%s/%d/%d/%d/b", what, a, b, c), out);
}

/* --- dates --------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, char out[9])
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	fmt(out, 9, "%04ld%02ld%02ld", y % 10000, m, d);
}

/* The first study of patient p; the second is 21 days later. Patients lie 811 days apart. */
static long study_day(const struct obj *o)
{
	return days_from_civil(2019, 4, 8) + 811L * o->patient + 21L * o->study;
}

static long birth_day(int patient)
{
	return days_from_civil(1958 + 3 * patient, 1 + (patient * 5) % 12, 3 + (patient * 7) % 25);
}

static const struct pdg_planted *planted_find(uint32_t tag);

/* Rank of each DA/DT attribute among the table's DA/DT attributes (set up by main). */
static unsigned char date_rank[PDG_ARRAY_SIZE(pdg_planted_table)];

static void rank_dates(void)
{
	unsigned k = 0;
	for (size_t i = 0; i < PDG_ARRAY_SIZE(pdg_planted_table); i++)
		if (!strcmp(pdg_planted_table[i].vr, "DA") || !strcmp(pdg_planted_table[i].vr, "DT"))
			date_rank[i] = (unsigned char)(k++ % 250);
}

/* Dates that are the study day itself in a real study. */
static int same_day_date(uint32_t tag)
{
	switch (tag) {
	case 0x00080012: case 0x00080020: case 0x00080021: case 0x00080022: case 0x00080023:
	case 0x0008002A: case 0x00400244: case 0x00400250: case 0x00321040: case 0x00321050:
	case 0x00400002: case 0x00400004: case 0x00321000: case 0x00321010:
		return 1;
	default:
		return 0;
	}
}

/* The day of a DA/DT attribute: the study day, or a distinct earlier day per attribute. */
static long attr_day(const struct obj *o, uint32_t tag)
{
	if (tag == 0x00100030)
		return birth_day(o->patient);
	if (same_day_date(tag))
		return study_day(o);
	/* distinct per attribute within a patient, spread over at most ~200 days before */
	const struct pdg_planted *a = planted_find(tag);
	long k = a ? date_rank[a - pdg_planted_table] : 0;
	return study_day(o) - 5 - 3 * (k % 66);
}

/* Time of day in seconds for a TM/DT attribute. */
static int attr_seconds(const struct gen *g, const struct obj *o, uint32_t tag)
{
	switch (tag) {
	case 0x00080030: /* study time */
		return 9 * 3600 + 30 * 60;
	case 0x00080031: /* series time */
		return 9 * 3600 + 31 * 60 + 60 * (int)o->kind;
	case 0x00080013: case 0x00080032: case 0x00080033: case 0x0008002A:
		return 9 * 3600 + 31 * 60 + 60 * (int)o->kind + o->index;
	default:
		return 7 * 3600 + (int)(hashf(g, "tm/%08x/%d", tag, o->patient) % (12 * 3600));
	}
}

/* --- the answer key ------------------------------------------------------------------------- */

static int utf8_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* Decode bytes in the object's character set to UTF-8 (iconv), for the key. */
static int to_utf8(const char *charset, const uint8_t *in, size_t n, char *out, size_t cap)
{
	const char *from = charset && strstr(charset, "2022") ? "ISO-2022-JP" : "UTF-8";
	iconv_t cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return -1;
	char *ip = (char *)(uintptr_t)in, *op = out;
	size_t il = n, ol = cap - 1;
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	iconv_close(cd);
	if (r == (size_t)-1)
		return -1;
	*op = 0;
	return 0;
}

/*
 * Record one planted value: path is the tag path, check "raw" (a unique byte string that must
 * not occur in any output) or "element" (a short or numeric value, compared at its path).
 */
static void key_add(struct gen *g, const struct obj *o, const char *path, const char *vr,
		    const uint8_t *v, size_t n, const char *check, unsigned flags)
{
	if (!g->key || !n)
		return;
	char hex[2 * GEN_MAX_VALUE + 1];
	size_t hn = n < GEN_MAX_VALUE ? n : GEN_MAX_VALUE;
	static const char xd[] = "0123456789abcdef";
	for (size_t i = 0; i < hn; i++) {
		hex[2 * i] = xd[v[i] >> 4];
		hex[2 * i + 1] = xd[v[i] & 15];
	}
	hex[2 * hn] = 0;
	char id[GEN_MAX_PATH + 2 * GEN_MAX_VALUE + 8];
	snprintf(id, sizeof id, "%s=%s", path, hex);
	json_t *e = json_object_get(g->kindex, id);
	if (!e) {
		e = json_object();
		json_object_set_new(e, "path", json_string(path));
		json_object_set_new(e, "vr", json_string(vr));
		int binary = !strcmp(vr, "OB") || !strcmp(vr, "OW") || !strcmp(vr, "UN") ||
			     !strcmp(vr, "US");
		if (!binary && utf8_valid(v, n)) {
			json_object_set_new(e, "value", json_stringn((const char *)v, n));
			char u[4 * GEN_MAX_VALUE];
			int plain = 1;
			for (size_t i = 0; i < n; i++)
				plain &= v[i] >= 0x20 && v[i] < 0x7f;
			if (!plain && !to_utf8(o->charset, v, n, u, sizeof u))
				json_object_set_new(e, "utf8", json_string(u));
		}
		json_object_set_new(e, "hex", json_string(hex));
		json_object_set_new(e, "check", json_string(check));
		json_object_set_new(e, "patient", json_integer(o->patient));
		if (flags & PDG_PLANT_PATCHAR)
			json_object_set_new(e, "patient_characteristic", json_true());
		if (flags & PDG_PLANT_LONGDATE)
			json_object_set_new(e, "longitudinal", json_true());
		json_object_set_new(e, "files", json_array());
		json_object_set(g->kindex, id, e);
		json_array_append_new(g->kvalues, e);
	}
	json_t *files = json_object_get(e, "files");
	size_t nf = json_array_size(files);
	if (!nf || json_integer_value(json_array_get(files, nf - 1)) != o->file_no)
		json_array_append_new(files, json_integer(o->file_no));
}

/* Intra-patient date pair whose interval a date-shifting profile must preserve. */
static void key_pair(struct gen *g, const struct obj *oa, const char *pa, long da,
		     const struct obj *ob, const char *pb, long db)
{
	if (!g->key)
		return;
	json_array_append_new(g->kpairs,
			      json_pack("{s:i, s:{s:i, s:s}, s:{s:i, s:s}, s:i}", "patient",
					oa->patient, "a", "file", oa->file_no, "path", pa, "b",
					"file", ob->file_no, "path", pb, "days", (int)(db - da)));
}

/* --- writing elements ---------------------------------------------------------------------- */

static int is_string_vr(const char *vr)
{
	static const char *const s[] = { "AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT",
					 "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT" };
	for (size_t i = 0; i < PDG_ARRAY_SIZE(s); i++)
		if (!strcmp(vr, s[i]))
			return 1;
	return 0;
}

/* Put bytes with an explicit VR, padded to even length as PS3.5 7.1.1 requires. */
static int put(struct gen *g, struct pdg_dcm_item *it, uint32_t tag, const char *vr,
	       const void *v, size_t n)
{
	uint8_t small[GEN_MAX_VALUE + 2];
	const void *data = v;

	if (n % 2) {
		if (n > GEN_MAX_VALUE)
			return pdg_err_set(&g->err, PDG_E_LIMIT, "odd value too long"), -1;
		memcpy(small, v, n);
		small[n] = !strcmp(vr, "UI") || !is_string_vr(vr) ? 0 : ' ';
		data = small;
		n++;
	}
	if (pdg_dcm_put_raw(it, tag, vr, data, n, &g->err))
		return pdg_err_prefix(&g->err, "(%04x,%04x)", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag)),
		       -1;
	return 0;
}

static int puts_(struct gen *g, struct pdg_dcm_item *it, uint32_t tag, const char *vr,
		 const char *s)
{
	return put(g, it, tag, vr, s, strlen(s));
}

static int put_us(struct gen *g, struct pdg_dcm_item *it, uint32_t tag, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v & 0xff), (uint8_t)(v >> 8) };
	return put(g, it, tag, "US", b, 2);
}

static int put_ul(struct gen *g, struct pdg_dcm_item *it, uint32_t tag, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	return put(g, it, tag, "UL", b, 4);
}

static int seq_item(struct gen *g, struct pdg_dcm_item *it, uint32_t tag,
		    struct pdg_dcm_item **out)
{
	if (pdg_dcm_seq_append(it, tag, out, &g->err))
		return pdg_err_prefix(&g->err, "(%04x,%04x)", PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag)),
		       -1;
	return 0;
}

static void path_join(char *out, size_t cap, const char *prefix, uint32_t tag)
{
	fmt(out, cap, "%s%s(%04X,%04X)", prefix, *prefix ? "/" : "", PDG_TAG_GROUP(tag),
		 PDG_TAG_ELEM(tag));
}

static const struct pdg_planted *planted_find(uint32_t tag)
{
	size_t lo = 0, hi = PDG_ARRAY_SIZE(pdg_planted_table);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pdg_planted_table[mid].tag < tag)
			lo = mid + 1;
		else if (pdg_planted_table[mid].tag > tag)
			hi = mid;
		else
			return &pdg_planted_table[mid];
	}
	return NULL;
}

static enum scope scope_of(uint32_t tag)
{
	uint16_t gr = PDG_TAG_GROUP(tag);
	if (gr == 0x0010 || gr == 0x0038 || tag == 0x00081120)
		return S_PATIENT;
	if (gr == 0x0032 || gr == 0x0040)
		return S_STUDY;
	switch (tag) {
	case 0x00080020: case 0x00080030: case 0x00080050: case 0x00080090: case 0x00080092:
	case 0x00080094: case 0x00080096: case 0x0008009C: case 0x0008009D: case 0x00081030:
	case 0x00081048: case 0x00081049: case 0x00081060: case 0x00081062: case 0x00081080:
	case 0x00081084: case 0x00081110: case 0x00200010: case 0x0020000D:
		return S_STUDY;
	case 0x00080012: case 0x00080013: case 0x00080018: case 0x00080022: case 0x00080023:
	case 0x0008002A: case 0x00080032: case 0x00080033: case 0x00020003:
		return S_INSTANCE;
	default:
		return S_SERIES;
	}
}

static uint64_t value_hash(const struct gen *g, const struct obj *o, uint32_t tag,
			   const char *path)
{
	switch (scope_of(tag)) {
	case S_PATIENT:
		return hashf(g, "v/%s/p%d", path, o->patient);
	case S_STUDY:
		return hashf(g, "v/%s/p%d/s%d", path, o->patient, o->study);
	case S_SERIES:
		return hashf(g, "v/%s/p%d/k%d", path, o->patient, (int)o->kind);
	default:
		return hashf(g, "v/%s/p%d/k%d/i%d", path, o->patient, (int)o->kind, o->index);
	}
}

/* Japanese names, UTF-8; the checker derives the ISO-2022-JP and Shift-JIS forms itself. */
static const char *const jp_name[2][2] = {
	{ "山田^太郎", "やまだ^たろう" },
	{ "佐藤^花子", "さとう^はなこ" },
};
static const char *const jp_doctor[2] = { "鈴木^一郎", "高橋^次郎" };

/* UTF-8 to the patient's character set: ISO 2022 IR 87 via iconv ISO-2022-JP (PS3.5 6.1). */
static int encode(const struct obj *o, const char *utf8, char *out, size_t cap)
{
	if (!o->charset || !strstr(o->charset, "2022")) {
		snprintf(out, cap, "%s", utf8);
		return 0;
	}
	iconv_t cd = iconv_open("ISO-2022-JP", "UTF-8");
	if (cd == (iconv_t)-1)
		return -1;
	char *ip = (char *)(uintptr_t)utf8, *op = out;
	size_t il = strlen(utf8), ol = cap - 1;
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	/* flush: return to ASCII with ESC ( B at the end of the value */
	if (r != (size_t)-1)
		r = iconv(cd, NULL, NULL, &op, &ol);
	iconv_close(cd);
	if (r == (size_t)-1)
		return -1;
	*op = 0;
	return 0;
}

/* A person name: the marker as family name; Japanese components for patients 0 and 1. */
static int person_name(const struct obj *o, uint32_t tag, const char *mk, char *out, size_t cap)
{
	/* short given names keep the Japanese three-group names within 64 characters */
	static const char *const given[] = { "TARO", "HANA", "JIRO", "YUKI", "KEN" };
	char alpha[96], utf[256];

	snprintf(alpha, sizeof alpha, "%s^%s", mk, given[(mk[3] + mk[4]) % 5]);
	if (o->patient < 2 && tag == 0x00100010) {
		snprintf(utf, sizeof utf, "%s=%s=%s", alpha, jp_name[o->patient][0],
			 jp_name[o->patient][1]);
		return encode(o, utf, out, cap);
	}
	if (o->patient < 2 && tag == 0x00080090) {
		snprintf(utf, sizeof utf, "%s=%s", alpha, jp_doctor[o->patient]);
		return encode(o, utf, out, cap);
	}
	snprintf(out, cap, "%s", alpha);
	return 0;
}

static const char *cs_enum(uint32_t tag)
{
	switch (tag) {
	case 0x00100040: return "F";          /* Patient's Sex */
	case 0x00102203: return "UNALTERED";  /* Patient's Sex Neutered */
	case 0x001021A0: return "NO";         /* Smoking Status */
	case 0x04000600: return "LOCAL";      /* Instance Origin Status */
	case 0x04000565: return "COERCE";     /* Reason for the Attribute Modification */
	case 0x00160071: case 0x00160083: return "N";
	case 0x00160073: case 0x00160085: return "E";
	case 0x00160079: return "A";
	case 0x0016007A: return "3";
	case 0x0016007C: case 0x0016007E: case 0x00160080: case 0x00160087: return "T";
	case 0x00160089: return "K";
	default: return NULL;
	}
}

/*
 * The planted value of attribute a at path in object o, as bytes, and whether the checker
 * looks for it as raw bytes or at its path. Returns the length, or -1 on failure.
 */
static long planted_value(struct gen *g, const struct obj *o, const struct pdg_planted *a,
			  const char *path, uint8_t *v, size_t cap, const char **check)
{
	uint64_t h = value_hash(g, o, a->tag, path);
	char mk[12], day[9];
	const char *vr = a->vr;
	char *s = (char *)v;

	marker(h, mk);
	*check = "raw";
	if (!strcmp(vr, "PN")) {
		if (person_name(o, a->tag, mk, s, cap))
			return pdg_err_set(&g->err, PDG_E_INTERNAL, "iconv failed"), -1;
	} else if (a->tag == 0x00080201) { /* Timezone Offset From UTC */
		snprintf(s, cap, "+0900");
		*check = "element";
	} else if (!strcmp(vr, "SH") || !strcmp(vr, "AE")) {
		snprintf(s, cap, "%s", mk);
	} else if (!strcmp(vr, "CS")) {
		const char *e = cs_enum(a->tag);
		snprintf(s, cap, "%s", e ? e : mk);
		if (e)
			*check = "element";
	} else if (!strcmp(vr, "LO")) {
		snprintf(s, cap, "%s %.40s", mk, a->keyword);
	} else if (!strcmp(vr, "ST") || !strcmp(vr, "LT") || !strcmp(vr, "UT") ||
		   !strcmp(vr, "UC")) {
		snprintf(s, cap, "%s %s of patient Yamada Taro, Tokyo", mk, a->keyword);
	} else if (!strcmp(vr, "UR")) {
		snprintf(s, cap, "https://%s.example.org/r", mk);
	} else if (!strcmp(vr, "UI")) {
		uid_from(h, mix64(h ^ 0x5555), s);
	} else if (!strcmp(vr, "DA")) {
		civil_from_days(attr_day(o, a->tag), s);
		*check = "element";
	} else if (!strcmp(vr, "DT") || !strcmp(vr, "TM")) {
		int t = attr_seconds(g, o, a->tag);
		char tm[32];
		snprintf(tm, sizeof tm, "%02d%02d%02d.%03d", t / 3600, t / 60 % 60, t % 60,
			 (int)(h % 1000));
		if (!strcmp(vr, "DT")) {
			civil_from_days(attr_day(o, a->tag), day);
			snprintf(s, cap, "%s%s", day, tm);
		} else {
			snprintf(s, cap, "%s", tm);
		}
		*check = "element";
	} else if (!strcmp(vr, "AS")) {
		long years = (study_day(o) - birth_day(o->patient)) / 365;
		snprintf(s, cap, a->tag == 0x00101010 ? "%03ldY" : "%03ldM", years);
		*check = "element";
	} else if (!strcmp(vr, "DS") || !strcmp(vr, "IS")) {
		size_t n = 0;
		for (unsigned i = 0; i < a->nval; i++) {
			uint64_t x = mix64(h + i);
			if (!strcmp(vr, "IS"))
				n += (size_t)snprintf(s + n, cap - n, "%s%u", i ? "\\" : "",
						      (unsigned)(x % 90000 + 10000));
			else
				n += (size_t)snprintf(s + n, cap - n, "%s%u.%04u", i ? "\\" : "",
						      (unsigned)(x % 170 + 10),
						      (unsigned)(x >> 20) % 10000);
		}
		*check = "element";
	} else if (!strcmp(vr, "US")) {
		unsigned x = a->tag == 0x001021C0 ? 4 : 0; /* Pregnancy Status: unknown */
		v[0] = (uint8_t)x;
		v[1] = 0;
		*check = "element";
		return 2;
	} else { /* OB, UN, OW: bytes holding the marker */
		int n = snprintf(s, cap, "%s:%s", mk, a->keyword);
		return n + (n % 2 ? 1 : 0); /* the NUL pads */
	}
	return (long)strlen(s);
}

static int plant_attr(struct gen *g, struct obj *o, struct pdg_dcm_item *it, const char *prefix,
		      const struct pdg_planted *a);

/* Plant the attributes listed in tags (dictionary from the table, else the given VR). */
static int plant_tags(struct gen *g, struct obj *o, struct pdg_dcm_item *it, const char *prefix,
		      const uint32_t *tags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pdg_planted *a = planted_find(tags[i]);
		struct pdg_planted tmp;
		if (!a) {
			const char *vr = pdg_dcm_dict_vr(tags[i]);
			tmp = (struct pdg_planted){ tags[i], vr, 1, pdg_dcm_dict_keyword(tags[i]),
						    "-", 0 };
			if (!tmp.keyword)
				tmp.keyword = "Attribute";
			a = &tmp;
		}
		if (plant_attr(g, o, it, prefix, a))
			return -1;
	}
	return 0;
}

/* One code item (PS3.3 8.8) whose meaning and value are planted. */
static int plant_code(struct gen *g, struct obj *o, struct pdg_dcm_item *item, const char *path)
{
	static const uint32_t code[] = { 0x00080100, 0x00080104 };
	if (puts_(g, item, 0x00080102, "SH", "99PLT"))
		return -1;
	return plant_tags(g, o, item, path, code, PDG_ARRAY_SIZE(code));
}

/* Append a reference item (class, instance) to sequence seq of it; prefix: it's tag path. */
static int ref_item(struct gen *g, const struct obj *o, struct pdg_dcm_item *it,
		    const char *prefix, uint32_t seq, const char *cls, const char *inst)
{
	struct pdg_dcm_item *item;
	char path[GEN_MAX_PATH], p[GEN_MAX_PATH];
	size_t i = pdg_dcm_seq_count(it, seq);

	if (seq_item(g, it, seq, &item) || puts_(g, item, 0x00081150, "UI", cls) ||
	    puts_(g, item, 0x00081155, "UI", inst))
		return -1;
	path_join(p, sizeof p, prefix, seq);
	fmt(path, sizeof path, "%s[%zu]/(0008,1155)", p, i);
	key_add(g, o, path, "UI", (const uint8_t *)inst, strlen(inst), "raw", 0);
	return 0;
}

/* SOP Instance UID of slice i of the CT (kind K_CT) or MR series of o's patient. */
static void image_uid(const struct gen *g, const struct obj *o, enum kind k, int i, char out[65])
{
	make_uid(g, out, "sop", o->patient, (int)k, i);
}

/* Real references between objects: neighbours in a series, CT for the derived objects. */
static int plant_references(struct gen *g, struct obj *o, struct pdg_dcm_item *it,
			    const char *prefix, uint32_t seq)
{
	char uid[65];
	int with_ct = g->kinds & (1u << K_CT) && g->ct_slices > 0;

	if (o->kind == K_CT || o->kind == K_MR) {
		const char *cls = kind_class[o->kind];
		if (o->index > 0) {
			image_uid(g, o, o->kind, o->index - 1, uid);
			if (ref_item(g, o, it, prefix, seq, cls, uid))
				return -1;
		}
		if (o->index + 1 < o->count) {
			image_uid(g, o, o->kind, o->index + 1, uid);
			if (ref_item(g, o, it, prefix, seq, cls, uid))
				return -1;
		}
		return 0;
	}
	if (!with_ct)
		return 0;
	image_uid(g, o, K_CT, g->ct_slices / 2, uid);
	return ref_item(g, o, it, prefix, seq, UID_CT, uid);
}

static int person_sequence(const char *kw)
{
	static const char *const words[] = { "Physician", "Observer", "Performer", "Participant",
					     "Author", "Approver", "Creator", "Interpreter",
					     "Person", "Operator", "Recipient", "Custodial" };
	for (size_t i = 0; i < PDG_ARRAY_SIZE(words); i++)
		if (strstr(kw, words[i]))
			return 1;
	return 0;
}

/* Fill one item of sequence a (already appended) at path. */
static int plant_sequence(struct gen *g, struct obj *o, struct pdg_dcm_item *it,
			  const struct pdg_planted *a, const char *prefix, const char *path)
{
	struct pdg_dcm_item *item;
	char ipath[GEN_MAX_PATH];

	switch (a->tag) {
	case 0x00081140: /* Referenced Image Sequence */
	case 0x00082112: /* Source Image Sequence */
		return plant_references(g, o, it, prefix, a->tag);
	case 0x00081110: { /* Referenced Study Sequence: the patient's other study */
		char uid[65];
		make_uid(g, uid, "study", o->patient, !o->study, 0);
		return ref_item(g, o, it, prefix, a->tag, "1.2.840.10008.3.1.2.3.1", uid);
	}
	default:
		break;
	}
	if (seq_item(g, it, a->tag, &item))
		return -1;
	fmt(ipath, sizeof ipath, "%s[0]", path);
	switch (a->tag) {
	case 0x00400275: { /* Request Attributes Sequence */
		static const uint32_t t[] = { 0x00080050, 0x00321060, 0x00400007, 0x00400009,
					      0x00401001 };
		return plant_tags(g, o, item, ipath, t, PDG_ARRAY_SIZE(t));
	}
	case 0x00101002: { /* Other Patient IDs Sequence */
		static const uint32_t t[] = { 0x00100020, 0x00100021 };
		if (puts_(g, item, 0x00100022, "CS", "TEXT"))
			return -1;
		return plant_tags(g, o, item, ipath, t, PDG_ARRAY_SIZE(t));
	}
	case 0x00880200: { /* Icon Image Sequence: an 8x8 icon whose pixels hold a marker */
		uint8_t px[64];
		char mk[12];
		marker(value_hash(g, o, a->tag, ipath), mk);
		for (int i = 0; i < 64; i++)
			px[i] = (uint8_t)(i < 11 ? mk[i] : 16 + i);
		if (put_us(g, item, 0x00280002, 1) ||
		    puts_(g, item, 0x00280004, "CS", "MONOCHROME2") ||
		    put_us(g, item, 0x00280010, 8) || put_us(g, item, 0x00280011, 8) ||
		    put_us(g, item, 0x00280100, 8) || put_us(g, item, 0x00280101, 8) ||
		    put_us(g, item, 0x00280102, 7) || put_us(g, item, 0x00280103, 0) ||
		    put(g, item, 0x7FE00010, "OB", px, sizeof px))
			return -1;
		char p[GEN_MAX_PATH];
		path_join(p, sizeof p, ipath, 0x7FE00010);
		key_add(g, o, p, "OB", (const uint8_t *)mk, 11, "raw", 0);
		return 0;
	}
	case 0x04000561: { /* Original Attributes Sequence: a name changed earlier (PS3.3 C.12.1) */
		static const uint32_t t[] = { 0x04000562, 0x04000563, 0x04000564, 0x04000565 };
		static const uint32_t old[] = { 0x00100010, 0x00100020 };
		struct pdg_dcm_item *mod;
		char mpath[GEN_MAX_PATH];
		if (plant_tags(g, o, item, ipath, t, PDG_ARRAY_SIZE(t)) ||
		    seq_item(g, item, 0x04000550, &mod))
			return -1;
		fmt(mpath, sizeof mpath, "%s/(0400,0550)[0]", ipath);
		return plant_tags(g, o, mod, mpath, old, PDG_ARRAY_SIZE(old));
	}
	case 0xFFFAFFFA: { /* Digital Signatures Sequence */
		static const uint32_t t[] = { 0x04000100, 0x04000105, 0x04000115 };
		if (put_us(g, item, 0x04000005, 1) || puts_(g, item, 0x04000110, "CS", "X509_1993_SIG"))
			return -1;
		return plant_tags(g, o, item, ipath, t, PDG_ARRAY_SIZE(t));
	}
	case 0x0040A730: { /* Content Sequence outside an SR: one TEXT item naming the patient */
		static const uint32_t t[] = { 0x0040A160 };
		struct pdg_dcm_item *cn;
		char cpath[GEN_MAX_PATH];
		if (puts_(g, item, 0x0040A010, "CS", "CONTAINS") ||
		    puts_(g, item, 0x0040A040, "CS", "TEXT") || seq_item(g, item, 0x0040A043, &cn))
			return -1;
		fmt(cpath, sizeof cpath, "%s/(0040,A043)[0]", ipath);
		if (plant_code(g, o, cn, cpath))
			return -1;
		return plant_tags(g, o, item, ipath, t, PDG_ARRAY_SIZE(t));
	}
	default:
		break;
	}
	if (plant_code(g, o, item, ipath))
		return -1;
	if (person_sequence(a->keyword)) {
		static const uint32_t t[] = { 0x00080080, 0x0040A123 };
		return plant_tags(g, o, item, ipath, t, PDG_ARRAY_SIZE(t));
	}
	return 0;
}

static int plant_attr(struct gen *g, struct obj *o, struct pdg_dcm_item *it, const char *prefix,
		      const struct pdg_planted *a)
{
	char path[GEN_MAX_PATH];
	uint8_t v[GEN_MAX_VALUE];
	const char *check;

	path_join(path, sizeof path, prefix, a->tag);
	if (!strcmp(a->vr, "SQ"))
		return plant_sequence(g, o, it, a, prefix, path);
	long n = planted_value(g, o, a, path, v, sizeof v, &check);
	if (n < 0 || put(g, it, a->tag, a->vr, v, (size_t)n))
		return -1;
	/* odd-length values gain a pad byte in the file, not in the key */
	size_t kn = (size_t)n;
	while (kn && is_string_vr(a->vr) && (v[kn - 1] == ' ' || v[kn - 1] == 0))
		kn--;
	key_add(g, o, path, a->vr, v, kn, check, a->flags);
	return 0;
}

/* The identifying attributes the object itself carries (real UIDs, not planted ones). */
static int own_attr(uint32_t tag, const struct obj *o)
{
	switch (tag) {
	case 0x00020003: /* written by the shim from SOP Instance UID */
	case 0x00080018: case 0x0020000D: case 0x0020000E: case 0x00200052:
	case 0x00081155: /* only inside reference sequences, with real UIDs */
		return 1;
	case 0x0040A730: /* Content Sequence: the SR's own tree */
		return o->kind == K_SR;
	case 0x00420011: /* Encapsulated Document: only the PDF has one (an object that holds
			  * a document is a document, and would be quarantined as one) */
		return 1;
	case 0xFFFCFFFC: /* Data Set Trailing Padding must be the last element */
		return 1;
	default:
		return 0;
	}
}

/* Every Table E.1-1 attribute, plus the hand-made rows: overlay, curve, private group. */
static int plant_all(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds;

	for (size_t i = 0; i < PDG_ARRAY_SIZE(pdg_planted_table); i++) {
		const struct pdg_planted *a = &pdg_planted_table[i];
		if (!own_attr(a->tag, o) && plant_attr(g, o, ds, "", a))
			return -1;
	}
	/* The real UIDs are PHI too (action U): the key lists them. */
	static const uint32_t uids[] = { 0x00080018, 0x0020000D, 0x0020000E, 0x00200052 };
	const char *vals[] = { o->sop, o->study_uid, o->series, o->for_uid };
	for (size_t i = 0; i < PDG_ARRAY_SIZE(uids); i++) {
		char p[32];
		if (!*vals[i])
			continue;
		path_join(p, sizeof p, "", uids[i]);
		if (puts_(g, ds, uids[i], "UI", vals[i]))
			return -1;
		key_add(g, o, p, "UI", (const uint8_t *)vals[i], strlen(vals[i]), "raw", 0);
	}

	/* (50XX,XXXX) Curve Data (retired) and (60XX,3000/4000) overlay with planted bytes */
	char mk[12], buf[64];
	marker(hashf(g, "curve/%d/%d/%d", o->patient, (int)o->kind, o->index), mk);
	int n = snprintf(buf, sizeof buf, "%s:CurveData", mk);
	if (put_us(g, ds, 0x50000005, 1) || put_us(g, ds, 0x50000010, (unsigned)(n + 1) / 2) ||
	    put(g, ds, 0x50003000, "OB", buf, (size_t)n))
		return -1;
	key_add(g, o, "(5000,3000)", "OB", (const uint8_t *)mk, 11, "raw", 0);
	/* an 8x16 overlay whose bits spell the marker */
	marker(hashf(g, "overlay/%d/%d/%d", o->patient, (int)o->kind, o->index), mk);
	uint8_t ov[16] = { 0 };
	memcpy(ov, mk, 11);
	if (put_us(g, ds, 0x60000010, 8) || put_us(g, ds, 0x60000011, 16) ||
	    puts_(g, ds, 0x60000040, "CS", "G") || put(g, ds, 0x60000050, "SS", "\1\0\1\0", 4) ||
	    put_us(g, ds, 0x60000100, 1) || put_us(g, ds, 0x60000102, 0) ||
	    put(g, ds, 0x60003000, "OW", ov, sizeof ov))
		return -1;
	key_add(g, o, "(6000,3000)", "OW", (const uint8_t *)mk, 11, "raw", 0);
	marker(hashf(g, "ovc/%d/%d/%d", o->patient, (int)o->kind, o->index), mk);
	snprintf(buf, sizeof buf, "%s overlay drawn by Dr Suzuki", mk);
	if (puts_(g, ds, 0x60004000, "LT", buf))
		return -1;
	key_add(g, o, "(6000,4000)", "LT", (const uint8_t *)buf, strlen(buf), "raw", 0);

	/* private group 0009 of creator "PLANTED CORP" */
	if (puts_(g, ds, 0x00090010, "LO", "PLANTED CORP"))
		return -1;
	static const struct { uint32_t tag; const char *vr; const char *what; } priv[] = {
		{ 0x00091001, "LO", "private patient id" },
		{ 0x00091002, "PN", "" },
		{ 0x00091003, "LT", "private note on patient Yamada" },
		{ 0x00091004, "DA", "" },
	};
	for (size_t i = 0; i < PDG_ARRAY_SIZE(priv); i++) {
		char p[32];
		path_join(p, sizeof p, "", priv[i].tag);
		marker(hashf(g, "priv/%s/%d", p, o->patient), mk);
		const char *check = "raw";
		if (!strcmp(priv[i].vr, "PN"))
			snprintf(buf, sizeof buf, "%s^PRIVATE", mk);
		else if (!strcmp(priv[i].vr, "DA")) {
			civil_from_days(birth_day(o->patient) + 1, buf);
			check = "element";
		} else
			snprintf(buf, sizeof buf, "%s %s", mk, priv[i].what);
		if (puts_(g, ds, priv[i].tag, priv[i].vr, buf))
			return -1;
		key_add(g, o, p, priv[i].vr, (const uint8_t *)buf, strlen(buf), check, 0);
	}
	/*
	 * Procedure Code Sequence is not in Table E.1-1: its code is kept, but the table applies
	 * inside it too (PS3.15 E.1.1 "embedded in an Item of a Sequence"), so the planted
	 * attributes in its item must go while the code stays.
	 */
	static const uint32_t inside[] = { 0x00080080, 0x00081048, 0x00100010, 0x0040A123 };
	struct pdg_dcm_item *item;
	if (seq_item(g, ds, 0x00081032, &item) || puts_(g, item, 0x00080100, "SH", "CTCHEST") ||
	    puts_(g, item, 0x00080102, "SH", "99LOCAL") ||
	    puts_(g, item, 0x00080104, "LO", "CT chest without contrast") ||
	    plant_tags(g, o, item, "(0008,1032)[0]", inside, PDG_ARRAY_SIZE(inside)))
		return -1;
	return 0;
}

/* --- pixel data --------------------------------------------------------------------------- */

#define NOISE_N (1u << 20)

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int init_noise(struct gen *g)
{
	uint64_t s = mix64(g->seed ^ 0xabcdefull) | 1;
	g->noise = malloc(NOISE_N * sizeof *g->noise);
	g->pixbuf = malloc(512 * 512 * 2 > 320 * 240 * 3 * 8 ? 512 * 512 * 2 : 320 * 240 * 3 * 8);
	if (!g->noise || !g->pixbuf)
		return pdg_err_set(&g->err, PDG_E_NOMEM, "out of memory"), -1;
	for (size_t i = 0; i < NOISE_N; i++)
		g->noise[i] = (int16_t)((int)(xorshift(&s) % 41) - 20);
	return 0;
}

/*
 * A slice of a cylinder-like body: air -1000 HU, soft tissue 40 HU, a spine disc 700 HU, plus
 * noise from the shared table at an offset that depends on the slice. Signed 16 bit for CT;
 * for MR the value + 1024 fits in 12 unsigned bits. High bytes stay in 0x00-0x0f or 0xfc-0xff,
 * so no multi-byte text encoding can occur by chance in the pixel data.
 */
static void slice_pixels(struct gen *g, const struct obj *o, int rows, int cols, int mr)
{
	uint8_t *p = g->pixbuf;
	double t = o->count > 1 ? (double)o->index / (o->count - 1) : 0.5;
	double r = cols * 0.42 * (0.75 + 0.25 * (1 - (2 * t - 1) * (2 * t - 1)));
	double cx = cols / 2.0, cy = rows / 2.0 + 10;
	size_t off = (size_t)(mix64(g->seed + (uint64_t)o->index * 7919u + (uint64_t)o->kind) %
			      (NOISE_N - (size_t)rows * cols));
	const int16_t *nz = g->noise + off;

	long r2 = (long)(r * r), s2 = (long)(r * 0.12 * r * 0.12);
	int icx = (int)cx, icy = (int)cy, sy0 = (int)(cy + r * 0.55);
	for (int y = 0; y < rows; y++) {
		long dy2 = (long)(y - icy) * (y - icy), sy2 = (long)(y - sy0) * (y - sy0);
		for (int x = 0; x < cols; x++) {
			long dx2 = (long)(x - icx) * (x - icx);
			int v = dx2 + sy2 < s2 ? 700 : dx2 + dy2 < r2 ? 40 : -1000;
			v += *nz++;
			if (mr)
				v = v + 1024 > 4095 ? 4095 : v + 1024;
			*p++ = (uint8_t)(v & 0xff);
			*p++ = (uint8_t)((unsigned)v >> 8 & 0xff);
		}
	}
}

/* 8-bit samples kept below 0x80 for the same reason. */
static void small_pixels(struct gen *g, const struct obj *o, size_t n)
{
	uint64_t s = mix64(g->seed ^ ((uint64_t)o->kind << 32) ^ (uint64_t)o->patient) | 1;
	for (size_t i = 0; i < n; i++)
		g->pixbuf[i] = (uint8_t)((i / 7 % 64) + (xorshift(&s) & 31));
}

/* --- objects ------------------------------------------------------------------------------- */

static int common(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds;
	char num[16];

	if (o->charset && puts_(g, ds, 0x00080005, "CS", o->charset))
		return -1;
	if (puts_(g, ds, 0x00080016, "UI", kind_class[o->kind]) ||
	    puts_(g, ds, 0x00080060, "CS", kind_modality[o->kind]) ||
	    puts_(g, ds, 0x00080070, "LO", "PDIGATE SYNTHETIC") ||
	    puts_(g, ds, 0x00081090, "LO", "PDG-GEN") ||
	    puts_(g, ds, 0x00180015, "CS", o->kind == K_MR || o->kind == K_US ? "ABDOMEN" : "CHEST"))
		return -1;
	snprintf(num, sizeof num, "%d", (int)o->kind + 1);
	if (puts_(g, ds, 0x00200011, "IS", num))
		return -1;
	snprintf(num, sizeof num, "%d", o->index + 1);
	if (puts_(g, ds, 0x00200013, "IS", num))
		return -1;
	return 0;
}

static int image_pixel(struct gen *g, struct pdg_dcm_item *ds, int rows, int cols, int spp,
		       int bits, int stored, int sign, size_t frames)
{
	if (put_us(g, ds, 0x00280002, (unsigned)spp) ||
	    puts_(g, ds, 0x00280004, "CS", spp == 3 ? "RGB" : "MONOCHROME2") ||
	    (spp == 3 && put_us(g, ds, 0x00280006, 0)) || put_us(g, ds, 0x00280010, (unsigned)rows) ||
	    put_us(g, ds, 0x00280011, (unsigned)cols) || put_us(g, ds, 0x00280100, (unsigned)bits) ||
	    put_us(g, ds, 0x00280101, (unsigned)stored) ||
	    put_us(g, ds, 0x00280102, (unsigned)stored - 1) ||
	    put_us(g, ds, 0x00280103, (unsigned)sign))
		return -1;
	size_t n = (size_t)rows * cols * spp * (bits / 8) * frames;
	return put(g, ds, 0x7FE00010, bits > 8 ? "OW" : "OB", g->pixbuf, n);
}

static int write_ct_mr(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds;
	int ct = o->kind == K_CT, n = ct ? 512 : 256;
	double step = ct ? 1.25 : 5.0, z = -200.0 + step * o->index;
	char buf[128];

	if (puts_(g, ds, 0x00080008, "CS", ct ? "ORIGINAL\\PRIMARY\\AXIAL" : "ORIGINAL\\PRIMARY\\M\\ND") ||
	    puts_(g, ds, 0x00180050, "DS", ct ? "1.25" : "5") ||
	    puts_(g, ds, 0x00185100, "CS", "HFS") ||
	    puts_(g, ds, 0x00200020, "CS", "L\\P") ||
	    puts_(g, ds, 0x00201040, "LO", "") ||
	    puts_(g, ds, 0x00200037, "DS", "1\\0\\0\\0\\1\\0") ||
	    puts_(g, ds, 0x00200012, "IS", "1"))
		return -1;
	snprintf(buf, sizeof buf, "-%g\\-%g\\%.2f", n * (ct ? 0.976562 : 1.5) / 2,
		 n * (ct ? 0.976562 : 1.5) / 2, z);
	if (puts_(g, ds, 0x00200032, "DS", buf))
		return -1;
	snprintf(buf, sizeof buf, "%.2f", z);
	if (puts_(g, ds, 0x00201041, "DS", buf) ||
	    puts_(g, ds, 0x00280030, "DS", ct ? "0.976562\\0.976562" : "1.5\\1.5"))
		return -1;
	if (ct) {
		if (puts_(g, ds, 0x00180060, "DS", "120") ||
		    puts_(g, ds, 0x00181210, "SH", "STANDARD") ||
		    puts_(g, ds, 0x00181151, "IS", "200") ||
		    puts_(g, ds, 0x00281050, "DS", "40") || puts_(g, ds, 0x00281051, "DS", "400") ||
		    puts_(g, ds, 0x00281052, "DS", "0") || puts_(g, ds, 0x00281053, "DS", "1") ||
		    puts_(g, ds, 0x00281054, "LO", "HU"))
			return -1;
	} else {
		if (puts_(g, ds, 0x00180020, "CS", "SE") || puts_(g, ds, 0x00180021, "CS", "NONE") ||
		    puts_(g, ds, 0x00180022, "CS", "") || puts_(g, ds, 0x00180023, "CS", "2D") ||
		    puts_(g, ds, 0x00180080, "DS", "500") || puts_(g, ds, 0x00180081, "DS", "15") ||
		    puts_(g, ds, 0x00180091, "IS", "1") || puts_(g, ds, 0x00180087, "DS", "1.5"))
			return -1;
	}
	slice_pixels(g, o, n, n, !ct);
	return image_pixel(g, ds, n, n, 1, 16, ct ? 16 : 12, ct, 1);
}

static int write_us(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds;
	const int frames = 8;
	uint8_t at[4] = { 0x18, 0x00, 0x63, 0x10 }; /* (0018,1063) Frame Time */

	if (puts_(g, ds, 0x00080008, "CS", "ORIGINAL\\PRIMARY\\ABDOMINAL") ||
	    puts_(g, ds, 0x00280301, "CS", "YES") || puts_(g, ds, 0x00280008, "IS", "8") ||
	    put(g, ds, 0x00280009, "AT", at, 4) || puts_(g, ds, 0x00181063, "DS", "33.3") ||
	    puts_(g, ds, 0x00082124, "IS", "1"))
		return -1;
	small_pixels(g, o, (size_t)320 * 240 * 3 * frames);
	return image_pixel(g, ds, 240, 320, 3, 8, 8, 0, frames);
}

static int write_sc(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds;

	if (puts_(g, ds, 0x00080064, "CS", "WSD") || puts_(g, ds, 0x00280301, "CS", "NO") ||
	    puts_(g, ds, 0x00200020, "CS", "L\\P"))
		return -1;
	small_pixels(g, o, 256 * 256);
	return image_pixel(g, ds, 256, 256, 1, 8, 8, 0, 1);
}

static int sr_code(struct gen *g, struct pdg_dcm_item *it, uint32_t seq, const char *value,
		   const char *scheme, const char *meaning)
{
	struct pdg_dcm_item *c;
	if (seq_item(g, it, seq, &c) || puts_(g, c, 0x00080100, "SH", value) ||
	    puts_(g, c, 0x00080102, "SH", scheme) || puts_(g, c, 0x00080104, "LO", meaning))
		return -1;
	return 0;
}

/* One content item: relationship, value type and concept name. */
static int sr_item(struct gen *g, struct pdg_dcm_item *parent, const char *rel, const char *vt,
		   const char *code, const char *meaning, struct pdg_dcm_item **out)
{
	if (seq_item(g, parent, 0x0040A730, out) || puts_(g, *out, 0x0040A010, "CS", rel) ||
	    puts_(g, *out, 0x0040A040, "CS", vt) ||
	    sr_code(g, *out, 0x0040A043, code, "DCM", meaning))
		return -1;
	return 0;
}

/*
 * The rest of the report's tree, after the TEXT, PNAME and IMAGE items: observer and subject
 * context (HAS OBS CONTEXT: observer type, observer name, subject ID), a findings CONTAINER
 * holding TEXT, DATE, TIME, DATETIME and UIDREF items, and an item of a value type no standard
 * defines. Names, IDs, text and the UID carry planted values (raw); the dates are plain.
 */
static int write_sr_context(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds, *it, *box, *cc;
	size_t k = pdg_dcm_seq_count(ds, 0x0040A730);
	char v[256], mk[12], path[96], uid[65];

	if (sr_item(g, ds, "HAS OBS CONTEXT", "CODE", "121005", "Observer Type", &it) ||
	    sr_code(g, it, 0x0040A168, "121006", "DCM", "Person"))
		return -1;
	marker(hashf(g, "srobserver/%d", o->patient), mk);
	snprintf(v, sizeof v, "%s^OBSERVER", mk);
	if (sr_item(g, ds, "HAS OBS CONTEXT", "PNAME", "121008", "Person Observer Name", &it) ||
	    puts_(g, it, 0x0040A123, "PN", v))
		return -1;
	snprintf(path, sizeof path, "(0040,A730)[%zu]/(0040,A123)", k + 1);
	key_add(g, o, path, "PN", (const uint8_t *)v, strlen(v), "raw", 0);
	marker(hashf(g, "srsubject/%d", o->patient), mk);
	if (sr_item(g, ds, "HAS OBS CONTEXT", "TEXT", "121030", "Subject ID", &it) ||
	    puts_(g, it, 0x0040A160, "UT", mk))
		return -1;
	snprintf(path, sizeof path, "(0040,A730)[%zu]/(0040,A160)", k + 2);
	key_add(g, o, path, "UT", (const uint8_t *)mk, strlen(mk), "raw", 0);

	if (sr_item(g, ds, "CONTAINS", "CONTAINER", "121070", "Findings", &box) ||
	    puts_(g, box, 0x0040A050, "CS", "SEPARATE"))
		return -1;
	marker(hashf(g, "srnested/%d", o->patient), mk);
	snprintf(v, sizeof v, "%s nested finding: follow-up for Ms Sato Hanako at home", mk);
	if (sr_item(g, box, "CONTAINS", "TEXT", "121071", "Finding", &it) ||
	    puts_(g, it, 0x0040A160, "UT", v))
		return -1;
	snprintf(path, sizeof path, "(0040,A730)[%zu]/(0040,A730)[0]/(0040,A160)", k + 3);
	key_add(g, o, path, "UT", (const uint8_t *)v, strlen(v), "raw", 0);
	if (sr_item(g, box, "CONTAINS", "DATE", "111060", "Study Date", &it) ||
	    puts_(g, it, 0x0040A121, "DA", "20190407") ||
	    sr_item(g, box, "CONTAINS", "TIME", "111061", "Study Time", &it) ||
	    puts_(g, it, 0x0040A122, "TM", "101112") ||
	    sr_item(g, box, "CONTAINS", "DATETIME", "111526", "DateTime Started", &it) ||
	    puts_(g, it, 0x0040A120, "DT", "20190407101112"))
		return -1;
	make_uid(g, uid, "sruidref", o->patient, 0, 0);
	if (sr_item(g, box, "CONTAINS", "UIDREF", "110180", "Study Instance UID", &it) ||
	    puts_(g, it, 0x0040A124, "UI", uid))
		return -1;
	snprintf(path, sizeof path, "(0040,A730)[%zu]/(0040,A730)[4]/(0040,A124)", k + 3);
	key_add(g, o, path, "UI", (const uint8_t *)uid, strlen(uid), "raw", 0);

	marker(hashf(g, "srunknown/%d", o->patient), mk);
	if (sr_item(g, ds, "CONTAINS", "WIDGET", "121071", "Finding", &cc) ||
	    puts_(g, cc, 0x0040A160, "UT", mk))
		return -1;
	snprintf(path, sizeof path, "(0040,A730)[%zu]/(0040,A160)", k + 4);
	key_add(g, o, path, "UT", (const uint8_t *)mk, strlen(mk), "raw", 0);
	return 0;
}

/* A Basic Text SR: a report that names the patient and references CT images (TID 2000-like). */
static int write_sr(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds, *item, *ref, *ev, *ser;
	char text[512], mk[12], path[64], uid[65];
	int with_ct = g->kinds & (1u << K_CT) && g->ct_slices > 0;

	if (puts_(g, ds, 0x0040A040, "CS", "CONTAINER") ||
	    puts_(g, ds, 0x0040A050, "CS", "SEPARATE") ||
	    puts_(g, ds, 0x0040A491, "CS", "COMPLETE") ||
	    puts_(g, ds, 0x0040A493, "CS", "UNVERIFIED") ||
	    sr_code(g, ds, 0x0040A043, "18748-4", "LN", "Diagnostic Imaging Report"))
		return -1;
	/* TEXT: findings that name the patient */
	marker(hashf(g, "srtext/%d", o->patient), mk);
	snprintf(text, sizeof text,
		 "%s Findings for Mr Yamada Taro (MRN %s): no acute abnormality. "
		 "Discussed with Dr Suzuki Ichiro.", mk, mk);
	if (seq_item(g, ds, 0x0040A730, &item) || puts_(g, item, 0x0040A010, "CS", "CONTAINS") ||
	    puts_(g, item, 0x0040A040, "CS", "TEXT") ||
	    sr_code(g, item, 0x0040A043, "121071", "DCM", "Finding") ||
	    puts_(g, item, 0x0040A160, "UT", text))
		return -1;
	key_add(g, o, "(0040,A730)[0]/(0040,A160)", "UT", (const uint8_t *)text, strlen(text), "raw",
		0);
	/* PNAME: the reporting physician */
	marker(hashf(g, "srpname/%d", o->patient), mk);
	snprintf(text, sizeof text, "%s^ICHIRO", mk);
	if (seq_item(g, ds, 0x0040A730, &item) || puts_(g, item, 0x0040A010, "CS", "CONTAINS") ||
	    puts_(g, item, 0x0040A040, "CS", "PNAME") ||
	    sr_code(g, item, 0x0040A043, "121008", "DCM", "Person Observer Name") ||
	    puts_(g, item, 0x0040A123, "PN", text))
		return -1;
	key_add(g, o, "(0040,A730)[1]/(0040,A123)", "PN", (const uint8_t *)text, strlen(text), "raw",
		0);
	if (!with_ct)
		return write_sr_context(g, o);
	/* IMAGE: references to CT slices, and the evidence sequence that lists them */
	char ctseries[65];
	make_uid(g, ctseries, "series", o->patient, K_CT, 0);
	if (seq_item(g, ds, 0x0040A375, &ev) || puts_(g, ev, 0x0020000D, "UI", o->study_uid) ||
	    seq_item(g, ev, 0x00081115, &ser) || puts_(g, ser, 0x0020000E, "UI", ctseries))
		return -1;
	for (int i = 0; i < 2 && i < g->ct_slices; i++) {
		image_uid(g, o, K_CT, i * (g->ct_slices - 1), uid);
		if (i && g->ct_slices == 1)
			break;
		if (seq_item(g, ds, 0x0040A730, &item) ||
		    puts_(g, item, 0x0040A010, "CS", "CONTAINS") ||
		    puts_(g, item, 0x0040A040, "CS", "IMAGE") ||
		    sr_code(g, item, 0x0040A043, "121112", "DCM", "Source of Measurement") ||
		    seq_item(g, item, 0x00081199, &ref) ||
		    puts_(g, ref, 0x00081150, "UI", UID_CT) || puts_(g, ref, 0x00081155, "UI", uid) ||
		    ref_item(g, o, ser, "(0040,A375)[0]/(0008,1115)[0]", 0x00081199, UID_CT, uid))
			return -1;
		snprintf(path, sizeof path, "(0040,A730)[%d]/(0008,1199)[0]/(0008,1155)", 2 + i);
		key_add(g, o, path, "UI", (const uint8_t *)uid, strlen(uid), "raw", 0);
	}
	return write_sr_context(g, o);
}

/* A tiny valid PDF (PDF 1.4, one page, Helvetica) whose text names the patient. */
static size_t make_pdf(const char *name, char *out, size_t cap)
{
	char content[256];
	long off[6];
	size_t n = 0;
	int clen = snprintf(content, sizeof content,
			    "BT /F1 14 Tf 72 720 Td (Patient: %s  Referral letter) Tj ET\n", name);

	n += (size_t)snprintf(out + n, cap - n, "%%PDF-1.4\n");
	off[1] = (long)n;
	n += (size_t)snprintf(out + n, cap - n, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = (long)n;
	n += (size_t)snprintf(out + n, cap - n,
			      "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
	off[3] = (long)n;
	n += (size_t)snprintf(out + n, cap - n,
			      "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
			      "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n");
	off[4] = (long)n;
	n += (size_t)snprintf(out + n, cap - n, "4 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n",
			      clen, content);
	off[5] = (long)n;
	n += (size_t)snprintf(out + n, cap - n,
			      "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
	long xref = (long)n;
	n += (size_t)snprintf(out + n, cap - n, "xref\n0 6\n0000000000 65535 f \n");
	for (int i = 1; i <= 5; i++)
		n += (size_t)snprintf(out + n, cap - n, "%010ld 00000 n \n", off[i]);
	n += (size_t)snprintf(out + n, cap - n,
			      "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", xref);
	return n;
}

static int write_pdf(struct gen *g, struct obj *o)
{
	struct pdg_dcm_item *ds = o->ds;
	char pdf[2048], name[64], mk[12];

	marker(hashf(g, "pdfname/%d", o->patient), mk);
	snprintf(name, sizeof name, "%s Yamada Taro", mk);
	size_t n = make_pdf(name, pdf, sizeof pdf);
	if (puts_(g, ds, 0x00280301, "CS", "YES") || puts_(g, ds, 0x00080064, "CS", "WSD") ||
	    puts_(g, ds, 0x00420012, "LO", "application/pdf") ||
	    sr_code(g, ds, 0x0040A043, "11488-4", "LN", "Consult note") ||
	    put_ul(g, ds, 0x00420015, (uint32_t)n) ||
	    put(g, ds, 0x00420011, "OB", pdf, n))
		return -1;
	key_add(g, o, "(0042,0011)", "OB", (const uint8_t *)name, strlen(name), "raw", 0);
	return 0;
}

static int mkdirs(struct gen *g, const char *path)
{
	char p[GEN_MAX_PATH];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return pdg_err_sys(&g->err, PDG_E_IO, "cannot create '%s'", p), -1;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return pdg_err_sys(&g->err, PDG_E_IO, "cannot create '%s'", p), -1;
	return 0;
}

static int write_object(struct gen *g, struct obj *o)
{
	struct pdg_dcm *dcm = NULL;
	char path[GEN_MAX_PATH];
	int rc = -1;

	make_uid(g, o->study_uid, "study", o->patient, o->study, 0);
	make_uid(g, o->series, "series", o->patient, (int)o->kind, 0);
	image_uid(g, o, o->kind, o->index, o->sop);
	o->for_uid[0] = 0;
	if (o->kind == K_CT || o->kind == K_MR)
		make_uid(g, o->for_uid, "for", o->patient, o->study, 0);
	o->charset = o->patient == 0 ? "\\ISO 2022 IR 87" : o->patient == 1 ? "ISO_IR 192" : NULL;
	if (g->key) {
		o->file_no = (int)json_array_size(g->kfiles);
		json_array_append_new(
			g->kfiles,
			json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s?}", "file", o->rel,
				  "patient", o->patient, "kind", kind_name[o->kind], "sop_class",
				  kind_class[o->kind], "sop_instance_uid", o->sop,
				  "study_instance_uid", o->study_uid, "series_instance_uid",
				  o->series, "charset", o->charset));
	}
	if (pdg_dcm_create(&dcm, &g->err))
		return -1;
	o->ds = pdg_dcm_dataset(dcm);
	if (common(g, o) || plant_all(g, o))
		goto out;
	switch (o->kind) {
	case K_CT: case K_MR: rc = write_ct_mr(g, o); break;
	case K_US: rc = write_us(g, o); break;
	case K_SC: rc = write_sc(g, o); break;
	case K_SR: rc = write_sr(g, o); break;
	case K_PDF: rc = write_pdf(g, o); break;
	default: break;
	}
	if (rc)
		goto out;
	rc = -1;
	snprintf(path, sizeof path, "%s/%s", g->out, o->rel);
	if (pdg_dcm_write(dcm, path, NULL, &g->err))
		goto out;
	rc = 0;
out:
	pdg_dcm_free(dcm);
	return rc;
}

/* The date pairs of one object: Study Date against every other longitudinal date it holds. */
static void object_pairs(struct gen *g, const struct obj *o)
{
	long base = study_day(o);
	for (size_t i = 0; i < PDG_ARRAY_SIZE(pdg_planted_table); i++) {
		const struct pdg_planted *a = &pdg_planted_table[i];
		char p[32];
		if (strcmp(a->vr, "DA") || !(a->flags & PDG_PLANT_LONGDATE) || a->tag == 0x00080020)
			continue;
		path_join(p, sizeof p, "", a->tag);
		key_pair(g, o, "(0008,0020)", base, o, p, attr_day(o, a->tag));
	}
}

static int generate(struct gen *g)
{
	char dir[GEN_MAX_PATH];

	if (init_noise(g))
		return -1;
	for (int p = 0; p < g->patients; p++) {
		static const int counts_kind[K_COUNT] = { -1, -2, 1, 1, 1, 1 };
		struct obj first[K_COUNT];
		int have_first[K_COUNT] = { 0 };
		for (int k = 0; k < K_COUNT; k++) {
			if (!(g->kinds & (1u << k)))
				continue;
			int count = counts_kind[k] == -1 ? g->ct_slices :
				    counts_kind[k] == -2 ? g->mr_slices : 1;
			snprintf(dir, sizeof dir, "%s/pat%02d/%s", g->out, p + 1, kind_name[k]);
			if (count > 0 && mkdirs(g, dir))
				return -1;
			for (int i = 0; i < count; i++) {
				struct obj o = { .patient = p, .kind = (enum kind)k, .index = i,
						 .count = count,
						 .study = k == K_MR || k == K_US };
				snprintf(o.rel, sizeof o.rel, "pat%02d/%s/%04d.dcm", p + 1,
					 kind_name[k], i + 1);
				if (write_object(g, &o))
					return pdg_err_prefix(&g->err, "writing '%s'", o.rel), -1;
				if (i == 0) {
					first[k] = o;
					have_first[k] = 1;
					object_pairs(g, &o);
				}
			}
		}
		/* across the patient's two studies: 21 days between the Study Dates */
		if (have_first[K_CT] && have_first[K_MR])
			key_pair(g, &first[K_CT], "(0008,0020)", study_day(&first[K_CT]),
				 &first[K_MR], "(0008,0020)", study_day(&first[K_MR]));
	}
	return 0;
}

static int write_key(struct gen *g, const char *path)
{
	json_t *names = json_array();
	for (int p = 0; p < g->patients && p < 2; p++)
		json_array_append_new(names, json_pack("{s:i, s:s, s:s, s:s}", "patient", p,
						       "ideographic", jp_name[p][0], "phonetic",
						       jp_name[p][1], "referring_physician",
						       jp_doctor[p]));
	json_object_set_new(g->key, "generator", json_string("pdg-gen"));
	json_object_set_new(g->key, "seed", json_integer((json_int_t)g->seed));
	json_object_set_new(g->key, "files", g->kfiles);
	json_object_set_new(g->key, "values", g->kvalues);
	json_object_set_new(g->key, "date_pairs", g->kpairs);
	json_object_set_new(g->key, "japanese_names", names);
	g->kfiles = g->kvalues = g->kpairs = NULL;
	if (json_dump_file(g->key, path, JSON_INDENT(1) | JSON_ENSURE_ASCII))
		return pdg_err_set(&g->err, PDG_E_IO, "cannot write '%s'", path), -1;
	return 0;
}

/* Marker collisions would make the key ambiguous: refuse them. */
static int key_unique(struct gen *g)
{
	json_t *seen = json_object(), *e;
	size_t i;
	int rc = 0;

	json_array_foreach(g->kvalues, i, e) {
		const char *v = json_string_value(json_object_get(e, "hex"));
		const char *path = json_string_value(json_object_get(e, "path"));
		if (strcmp(json_string_value(json_object_get(e, "check")), "raw"))
			continue;
		const char *prev = json_string_value(json_object_get(seen, v));
		if (prev && strcmp(prev, path) && !strstr(path, "(0008,1155)") &&
		    !strstr(prev, "(0008,1155)")) {
			rc = pdg_err_set(&g->err, PDG_E_INTERNAL, "planted value collision at %s and %s",
					 prev, path);
			break;
		}
		json_object_set_new(seen, v, json_string(path));
	}
	json_decref(seen);
	return rc ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pdg-gen --seed N --out DIR [--patients P] [--ct-slices N] [--mr-slices N]\n"
		   "               [--key KEY.json] [--only KIND[,KIND...]]\n"
		   "KIND: ct mr us sc sr pdf\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "patients", required_argument, NULL, 'p' },
		{ "ct-slices", required_argument, NULL, 'c' },
		{ "mr-slices", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ "only", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct gen g = { .patients = 2, .ct_slices = 8, .mr_slices = 8,
			 .kinds = (1u << K_COUNT) - 1 };
	const char *key = NULL;
	int have_seed = 0, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		long v = 0;
		if (c != 'o' && c != 'k' && c != 'O' && c != 'h') {
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 100000) {
				fprintf(stderr, "pdg-gen: bad number '%s'\n", optarg);
				return 2;
			}
		}
		switch (c) {
		case 's': g.seed = (uint64_t)v; have_seed = 1; break;
		case 'o': g.out = optarg; break;
		case 'p': g.patients = (int)v; break;
		case 'c': g.ct_slices = (int)v; break;
		case 'm': g.mr_slices = (int)v; break;
		case 'k': key = optarg; break;
		case 'O': {
			g.kinds = 0;
			char list[128], *save = NULL;
			snprintf(list, sizeof list, "%s", optarg);
			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int k;
				for (k = 0; k < K_COUNT && strcmp(t, kind_name[k]); k++)
					;
				if (k == K_COUNT) {
					fprintf(stderr, "pdg-gen: unknown kind '%s'\n", t);
					return 2;
				}
				g.kinds |= 1u << k;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!have_seed || !g.out || optind != argc || g.patients < 1 ||
	    g.patients > GEN_MAX_PATIENTS) {
		usage(stderr);
		return 2;
	}
	rank_dates();
	if (key) {
		g.key = json_object();
		g.kvalues = json_array();
		g.kindex = json_object();
		g.kfiles = json_array();
		g.kpairs = json_array();
	}
	int rc = mkdirs(&g, g.out) || generate(&g) || (key && (key_unique(&g) || write_key(&g, key)));
	if (rc)
		fprintf(stderr, "pdg-gen: %s\n", g.err.msg);
	json_decref(g.key);
	json_decref(g.kindex);
	json_decref(g.kvalues);
	json_decref(g.kfiles);
	json_decref(g.kpairs);
	free(g.noise);
	free(g.pixbuf);
	return rc ? 1 : 0;
}
