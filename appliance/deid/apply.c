/* SPDX-License-Identifier: MIT */
/* Apply the resolved de-identification rules to one DICOM object, recursively (PS3.15 E.1.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "appliance/deid/conditions.h"
#include "appliance/deid/deid.h"
#include "appliance/deid/pixels.h"
#include "appliance/deid/profile.h"
#include "appliance/deid/sr.h"
#include "lib/version.h"
#include "pdi/dicom/dcm.h"

#define MAX_VALUE 65536 /* longest string value we read to rewrite (UIDs, dates, IDs) */
#define STACK_ELEMS 128

struct walk {
	const struct pdg_deid_ctx *ctx;
	struct pdg_deid_result *res;
	int offset;       /* days added to DA/DT */
	int top_coded;    /* the patient's age is at or over the profile's limit */
	char *buf;        /* MAX_VALUE scratch for reading values */
	char *out;        /* MAX_VALUE scratch for writing values */
	size_t used;      /* high-water mark of both scratch buffers, wiped at the end */
};

static int vr_is(const char *vr, const char *list)
{
	for (const char *p = list; p[0] && p[1]; p += p[2] ? 3 : 2)
		if (vr[0] == p[0] && vr[1] == p[1])
			return 1;
	return 0;
}

static int is_string_vr(const char *vr)
{
	return vr_is(vr, "AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT");
}

/* A dummy value for D, valid for the VR and carrying no information (docs: "Dummies"). */
static enum pdg_code put_dummy(struct walk *w, struct pdg_dcm_item *item,
			       const struct pdg_dcm_elem *e, struct pdg_err *err)
{
	static const uint8_t zeros[8];
	static const struct {
		const char *vr, *value;
	} text[] = {
		{ "DA", "19000101" }, { "DT", "19000101000000" }, { "TM", "000000" },
		{ "AS", "000Y" },     { "DS", "0" },              { "IS", "0" },
		{ "UR", "REMOVED" },
	};
	size_t n = 0;

	(void)w;
	if (is_string_vr(e->vr)) {
		const char *v = "REMOVED";
		for (size_t i = 0; i < PDG_ARRAY_SIZE(text); i++)
			if (vr_is(e->vr, text[i].vr))
				v = text[i].value;
		return pdg_dcm_put_string(item, e->tag, v, err);
	}
	if (vr_is(e->vr, "SQ"))
		return pdg_dcm_empty(item, e->tag, err); /* a dummy item would need Type 1 content */
	if (vr_is(e->vr, "US SS OB OW UN"))
		n = 2;
	else if (vr_is(e->vr, "UL SL FL AT OF OL"))
		n = 4;
	else
		n = 8; /* FD SV UV OD OV */
	return pdg_dcm_put_raw(item, e->tag, e->vr, zeros, n, err);
}

/* Rewrite every backslash-separated value of a string element through fn. */
typedef int (*value_fn)(struct walk *w, const char *in, char *out, size_t cap,
			struct pdg_err *err);

static enum pdg_code rewrite_values(struct walk *w, struct pdg_dcm_item *item, uint32_t tag,
				    value_fn fn, struct pdg_err *err)
{
	enum pdg_code rc;
	size_t used = 0;
	char *p, *next;

	rc = pdg_dcm_get_string(item, tag, w->buf, MAX_VALUE, err);
	if (rc == PDG_E_LIMIT) {
		w->used = MAX_VALUE;
		w->res->emptied++;
		return pdg_dcm_empty(item, tag, err); /* too long to be a real value: fail closed */
	}
	if (rc)
		return rc;
	if (strlen(w->buf) + 1 > w->used)
		w->used = strlen(w->buf) + 1;
	if (!w->buf[0])
		return PDG_OK;
	for (p = w->buf; p; p = next) {
		next = strchr(p, '\\');
		if (next)
			*next++ = '\0';
		if (used && used + 1 < MAX_VALUE)
			w->out[used++] = '\\';
		int r = fn(w, p, w->out + used, MAX_VALUE - used, err);
		if (r != 0)
			w->used = MAX_VALUE; /* rare: wipe all of both buffers */
		if (r < 0)
			return err->code ? err->code : PDG_E_INTERNAL;
		if (r > 0) { /* not a value we can rewrite: remove its content */
			w->res->emptied++;
			return pdg_dcm_empty(item, tag, err);
		}
		used += strlen(w->out + used);
	}
	w->out[used] = '\0';
	if (used + 1 > w->used)
		w->used = used + 1;
	w->res->replaced++;
	return pdg_dcm_put_string(item, tag, w->out, err);
}

/* value_fn results: 0 written, 1 unusable value (empty the element), -1 error in err. */
static int map_uid_value(struct walk *w, const char *in, char *out, size_t cap,
			 struct pdg_err *err)
{
	char uid[PDG_DEID_UID_MAX];

	if (!*in)
		return (*out = '\0'), 0;
	if (pdg_deid_map_uid(w->ctx, in, uid, err))
		return -1;
	if (strlen(uid) + 1 > cap)
		return 1;
	memcpy(out, uid, strlen(uid) + 1);
	return 0;
}

static int shift_da_value(struct walk *w, const char *in, char *out, size_t cap,
			  struct pdg_err *err)
{
	(void)err;
	return pdg_deid_shift_da(in, w->offset, out, cap) ? 1 : 0;
}

static int shift_dt_value(struct walk *w, const char *in, char *out, size_t cap,
			  struct pdg_err *err)
{
	(void)err;
	return pdg_deid_shift_dt(in, w->offset, out, cap) ? 1 : 0;
}

/* DA generalised: YYYYMM01 (year-month) or YYYY0101 (year); never shifted. */
static int generalise(const char *in, int keep_month, char *out, size_t cap)
{
	char tmp[16];

	if (cap < 9 || pdg_deid_shift_da(in, 0, tmp, sizeof(tmp)))
		return 1;
	memcpy(out, in, 4);
	memcpy(out + 4, keep_month ? in + 4 : "01", 2);
	memcpy(out + 6, "01", 3);
	return 0;
}

static int year_month_value(struct walk *w, const char *in, char *out, size_t cap,
			    struct pdg_err *err)
{
	(void)w, (void)err;
	return generalise(in, 1, out, cap);
}

static int year_value(struct walk *w, const char *in, char *out, size_t cap, struct pdg_err *err)
{
	(void)err;
	if (w->top_coded)
		return 1; /* the birth year would reveal the top-coded age */
	return generalise(in, 0, out, cap);
}

/* Age in whole years from an AS value ("045Y", "011M", "003W", "020D"), or -1. */
static int age_years(const char *as)
{
	int n = 0;

	if (strlen(as) != 4)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (as[i] < '0' || as[i] > '9')
			return -1;
		n = n * 10 + (as[i] - '0');
	}
	switch (as[3]) {
	case 'Y':
		return n;
	case 'M':
		return n / 12;
	case 'W':
		return n / 52;
	case 'D':
		return n / 365;
	}
	return -1;
}

static int age_value(struct walk *w, const char *in, char *out, size_t cap, struct pdg_err *err)
{
	int y = age_years(in);

	(void)err;
	if (y < 0 || cap < 5)
		return 1;
	if (w->ctx->profile->age_limit > 0 && y >= w->ctx->profile->age_limit)
		snprintf(out, cap, "%03dY", w->ctx->profile->age_limit);
	else
		memcpy(out, in, 5);
	return 0;
}

static enum pdg_code walk_item(struct walk *w, struct pdg_dcm_item *item, int depth, int scrub,
			       struct pdg_err *err);

static int removes(struct pdg_deid_rule r)
{
	return r.act == PDG_ACT_REMOVE || (r.act == PDG_ACT_CLEAN && r.fallback == PDG_ACT_REMOVE);
}

#define MAX_CREATORS 64

/* Private creators (gggg,0010-00FF) whose block has a kept element in this item. */
struct creators {
	uint32_t tag[MAX_CREATORS];
	size_t n;
};

static int is_private_creator(uint32_t tag)
{
	return (PDG_TAG_GROUP(tag) & 1) && PDG_TAG_ELEM(tag) >= 0x0010 &&
	       PDG_TAG_ELEM(tag) <= 0x00ff;
}

static void find_kept_creators(const struct pdg_deid_ctx *ctx, const struct pdg_dcm_elem *e,
			       size_t n, struct creators *c)
{
	c->n = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = e[i].tag, creator;
		if (!(PDG_TAG_GROUP(t) & 1) || PDG_TAG_ELEM(t) < 0x1000)
			continue;
		if (pdg_deid_rule_for(ctx, t, NULL).act == PDG_ACT_REMOVE)
			continue;
		creator = PDG_TAG(PDG_TAG_GROUP(t), PDG_TAG_ELEM(t) >> 8);
		if (c->n < MAX_CREATORS)
			c->tag[c->n++] = creator;
	}
}

static enum pdg_code apply_elem(struct walk *w, struct pdg_dcm_item *item,
				const struct pdg_dcm_elem *e, const struct creators *keep_creators,
				int depth, int scrub, struct pdg_err *err)
{
	const char *fixed = NULL;
	struct pdg_deid_rule rule = pdg_deid_rule_for(w->ctx, e->tag, &fixed);
	int act = rule.act;
	uint16_t group = PDG_TAG_GROUP(e->tag);

	/* Inside a sequence replaced by a dummy (D) or cleaned (C), attributes the table does not
	 * list get dummies too when they can hold identifying text or dates (docs: "Scrubbed
	 * sequences"): the items keep their structure and lose their content. */
	if (scrub && rule.fallback == PDG_ACT_MAX) {
		if (vr_is(e->vr, "AE LO LT PN SH ST UC UT UR"))
			act = PDG_ACT_DUMMY;
		else if (vr_is(e->vr, "DA DT TM"))
			act = w->ctx->options & ((1u << PDG_OPT_RTN_LONG_MODIF) |
						 (1u << PDG_OPT_RTN_LONG_FULL))
				      ? PDG_ACT_CLEAN
				      : PDG_ACT_DUMMY;
	}
	/* PS3.15 E.3.3: without Clean Graphics, overlays are removed: the whole Overlay Plane
	 * group 60xx goes with its Overlay Data, not only the listed elements. */
	if ((group & 0xff01) == 0x6000 && rule.fallback == PDG_ACT_MAX &&
	    removes(pdg_deid_rule_for(w->ctx, PDG_TAG(group, 0x3000), NULL)))
		act = PDG_ACT_REMOVE;

	/* PS3.5 7.8.1: a kept private element keeps the creator that reserves its block. */
	if (is_private_creator(e->tag) && act == PDG_ACT_REMOVE)
		for (size_t i = 0; i < keep_creators->n; i++)
			if (keep_creators->tag[i] == e->tag)
				act = PDG_ACT_KEEP;
	int sq = vr_is(e->vr, "SQ");

	/* PS3.15 E.1.1 C: what "clean" can honestly mean for each VR. */
	if (act == PDG_ACT_CLEAN || act == PDG_ACT_SHIFT) {
		if (vr_is(e->vr, "DA DT"))
			act = PDG_ACT_SHIFT;
		else if (vr_is(e->vr, "TM") || sq)
			act = PDG_ACT_KEEP; /* whole-day shifts keep times; items are cleaned */
		else
			act = rule.fallback; /* free text cannot be cleaned safely */
	}
	if (sq && act != PDG_ACT_KEEP && act != PDG_ACT_REMOVE)
		act = act == PDG_ACT_DUMMY || act == PDG_ACT_EMPTY ? act : PDG_ACT_REMOVE;
	if (!sq && !is_string_vr(e->vr) &&
	    (act == PDG_ACT_FIXED || act == PDG_ACT_PSEUDONYM || act == PDG_ACT_UID ||
	     act == PDG_ACT_SHIFT || act == PDG_ACT_YEARMONTH || act == PDG_ACT_YEAR ||
	     act == PDG_ACT_AGE))
		act = PDG_ACT_REMOVE; /* a binary value cannot take a text rule: fail closed */
	if (act == PDG_ACT_DUMMY && vr_is(e->vr, "UI"))
		act = PDG_ACT_UID;

	if (sq && (act == PDG_ACT_DUMMY || rule.act == PDG_ACT_CLEAN)) {
		act = PDG_ACT_KEEP; /* keep the items, scrub their content */
		scrub = 1;
	}
	switch (act) {
	case PDG_ACT_KEEP:
		if (sq) {
			size_t n = pdg_dcm_seq_count(item, e->tag);
			w->res->kept_sequences++;
			for (size_t i = 0; i < n; i++) {
				struct pdg_dcm_item *sub = pdg_dcm_seq_item(item, e->tag, i);
				enum pdg_code rc;
				if (!sub)
					return pdg_err_set(err, PDG_E_INTERNAL, "sequence item vanished");
				rc = walk_item(w, sub, depth + 1, scrub, err);
				if (rc)
					return rc;
			}
		}
		return PDG_OK;
	case PDG_ACT_REMOVE:
		w->res->removed++;
		return pdg_dcm_remove(item, e->tag, err);
	case PDG_ACT_EMPTY:
		w->res->emptied++;
		return pdg_dcm_empty(item, e->tag, err);
	case PDG_ACT_DUMMY:
		w->res->replaced++;
		return put_dummy(w, item, e, err);
	case PDG_ACT_UID:
		return rewrite_values(w, item, e->tag, map_uid_value, err);
	case PDG_ACT_FIXED:
		w->res->replaced++;
		return pdg_dcm_put_string(item, e->tag, fixed ? fixed : "", err);
	case PDG_ACT_PSEUDONYM:
		w->res->replaced++;
		return pdg_dcm_put_string(item, e->tag, w->res->link.pseudonym, err);
	case PDG_ACT_SHIFT:
		if (w->offset == 0)
			return PDG_OK; /* Retain Full Dates */
		return rewrite_values(w, item, e->tag,
				      vr_is(e->vr, "DA") ? shift_da_value : shift_dt_value, err);
	case PDG_ACT_YEARMONTH:
	case PDG_ACT_YEAR:
		if (!vr_is(e->vr, "DA")) {
			w->res->emptied++;
			return pdg_dcm_empty(item, e->tag, err);
		}
		return rewrite_values(w, item, e->tag,
				      act == PDG_ACT_YEAR ? year_value : year_month_value, err);
	case PDG_ACT_AGE:
		if (!vr_is(e->vr, "AS")) {
			w->res->emptied++;
			return pdg_dcm_empty(item, e->tag, err);
		}
		return rewrite_values(w, item, e->tag, age_value, err);
	}
	return pdg_err_set(err, PDG_E_INTERNAL, "unknown de-identification action %d", act);
}

static enum pdg_code walk_item(struct walk *w, struct pdg_dcm_item *item, int depth, int scrub,
			       struct pdg_err *err)
{
	struct pdg_dcm_elem stack[STACK_ELEMS], *elems = stack;
	struct creators creators;
	size_t n = 0;
	enum pdg_code rc;

	if (depth > PDG_DCM_MAX_DEPTH)
		return pdg_err_set(err, PDG_E_LIMIT, "sequences nested deeper than %d",
				   PDG_DCM_MAX_DEPTH);
	rc = pdg_dcm_list(item, stack, STACK_ELEMS, &n, err);
	if (rc)
		return rc;
	if (n > STACK_ELEMS) {
		size_t again = 0;
		elems = calloc(n, sizeof(*elems));
		if (!elems)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		rc = pdg_dcm_list(item, elems, n, &again, err);
		if (!rc && again != n)
			rc = pdg_err_set(err, PDG_E_INTERNAL, "element count changed while listing");
		if (rc)
			goto out;
	}
	find_kept_creators(w->ctx, elems, n, &creators);
	for (size_t i = 0; i < n; i++) {
		rc = apply_elem(w, item, &elems[i], &creators, depth, scrub, err);
		if (rc)
			break;
	}
out:
	if (elems != stack)
		free(elems);
	return rc;
}

/* The key that stands for the patient in the keyed mappings (docs: "Patient key"). */
static enum pdg_code patient_key(struct pdg_dcm_item *ds, struct pdg_deid_result *res,
				 char *key, size_t cap, struct pdg_err *err)
{
	static const struct {
		uint32_t tag;
		const char *prefix;
	} alt[] = {
		{ PDG_TAG(0x0020, 0x000d), "study:" },
		{ PDG_TAG(0x0008, 0x0018), "sop:" },
	};
	enum pdg_code rc;

	rc = pdg_dcm_get_string(ds, PDG_TAG(0x0010, 0x0020), res->link.patient_id,
				sizeof(res->link.patient_id), err);
	if (rc == PDG_E_NOTFOUND)
		res->link.patient_id[0] = '\0';
	else if (rc == PDG_E_LIMIT)
		return pdg_err_set(err, PDG_E_INVALID, "Patient ID longer than 64 characters");
	else if (rc)
		return rc;
	if (res->link.patient_id[0]) {
		snprintf(key, cap, "%s", res->link.patient_id);
		return PDG_OK;
	}
	/* no Patient ID: one pseudo-patient per study, never one for all unknown patients */
	for (size_t i = 0; i < PDG_ARRAY_SIZE(alt); i++) {
		char uid[PDG_DEID_UID_MAX];
		if (pdg_dcm_get_string(ds, alt[i].tag, uid, sizeof(uid), NULL) == PDG_OK && uid[0]) {
			snprintf(key, cap, "%s%s", alt[i].prefix, uid);
			return PDG_OK;
		}
	}
	return pdg_err_set(err, PDG_E_POLICY, "instance has neither Patient ID nor UIDs");
}

static int year_of(const char *date)
{
	int y = 0;

	for (int i = 0; i < 4; i++) {
		if (date[i] < '0' || date[i] > '9')
			return -1;
		y = y * 10 + (date[i] - '0');
	}
	return y;
}

/* Whether the patient's age is at or over the profile's top-coding limit. */
static int is_top_coded(const struct pdg_deid_ctx *ctx, struct pdg_dcm_item *ds)
{
	char v[32], birth[32], study[32];
	int y;

	if (ctx->profile->age_limit <= 0)
		return 0;
	if (pdg_dcm_get_string(ds, PDG_TAG(0x0010, 0x1010), v, sizeof(v), NULL) == PDG_OK &&
	    (y = age_years(v)) >= 0)
		return y >= ctx->profile->age_limit;
	if (pdg_dcm_get_string(ds, PDG_TAG(0x0010, 0x0030), birth, sizeof(birth), NULL) ||
	    strlen(birth) < 4)
		return 0;
	if (pdg_dcm_get_string(ds, PDG_TAG(0x0008, 0x0020), study, sizeof(study), NULL) ||
	    strlen(study) < 4)
		return 1; /* no study date to compare with: assume the worst */
	y = year_of(study) - year_of(birth);
	return year_of(study) < 0 || year_of(birth) < 0 || y >= ctx->profile->age_limit - 1;
}

/*
 * PS3.3 C.7.5.1.1.2 / PS3.15 E.1.1: one Contributing Equipment item for us, with Purpose of
 * Reference (109104, DCM, "De-identifying Equipment"). No Contribution DateTime (Type 3): the
 * output must not depend on the clock.
 */
static enum pdg_code add_equipment(const struct pdg_deid_ctx *ctx, struct pdg_dcm_item *ds,
				   struct pdg_err *err)
{
	struct pdg_dcm_item *eq, *code;
	char desc[128];
	enum pdg_code rc;

	rc = pdg_dcm_seq_append(ds, PDG_TAG(0x0018, 0xa001), &eq, err);
	if (!rc)
		rc = pdg_dcm_seq_append(eq, PDG_TAG(0x0040, 0xa170), &code, err);
	if (!rc)
		rc = pdg_dcm_put_string(code, PDG_TAG(0x0008, 0x0100), "109104", err);
	if (!rc)
		rc = pdg_dcm_put_string(code, PDG_TAG(0x0008, 0x0102), "DCM", err);
	if (!rc)
		rc = pdg_dcm_put_string(code, PDG_TAG(0x0008, 0x0104), "De-identifying Equipment",
					err);
	if (!rc)
		rc = pdg_dcm_put_string(eq, PDG_TAG(0x0008, 0x0070), "pdigate", err);
	if (!rc)
		rc = pdg_dcm_put_string(eq, PDG_TAG(0x0008, 0x1090), "pdigate", err);
	if (!rc)
		rc = pdg_dcm_put_string(eq, PDG_TAG(0x0018, 0x1020), PDG_VERSION, err);
	snprintf(desc, sizeof(desc), "De-identified with profile %s", ctx->profile->id);
	if (!rc)
		rc = pdg_dcm_put_string(eq, PDG_TAG(0x0018, 0xa003), desc, err);
	return rc;
}

/* PS3.15 E.1.1 / PS3.3 C.7.1.1: say what was done. */
static enum pdg_code add_method(const struct pdg_deid_ctx *ctx, struct pdg_dcm_item *ds,
				struct pdg_err *err)
{
	char method[1024];
	size_t used;
	enum pdg_code rc;
	struct pdg_dcm_item *it;
	int o;

	rc = pdg_dcm_put_string(ds, PDG_TAG(0x0012, 0x0062), "YES", err);
	if (rc)
		return rc;
	used = (size_t)snprintf(method, sizeof(method), "%s\\pdigate %s profile %s",
				ctx->profile->title, PDG_VERSION, ctx->profile->id);
	for (o = 0; o < PDG_OPT_COUNT; o++)
		if (ctx->options & (1u << o))
			used += (size_t)snprintf(method + used, sizeof(method) - used, "\\%s",
						 pdg_deid_opt_meaning((enum pdg_deid_opt)o));
	if (ctx->nini_overrides)
		snprintf(method + used, sizeof(method) - used, "\\%zu per-attribute overrides",
			 ctx->nini_overrides);
	rc = pdg_dcm_put_string(ds, PDG_TAG(0x0012, 0x0063), method, err);
	if (rc)
		return rc;
	rc = pdg_dcm_remove(ds, PDG_TAG(0x0012, 0x0064), err);
	for (o = -1; !rc && o < PDG_OPT_COUNT; o++) {
		if (o >= 0 && !(ctx->options & (1u << o)))
			continue;
		rc = pdg_dcm_seq_append(ds, PDG_TAG(0x0012, 0x0064), &it, err);
		if (!rc)
			rc = pdg_dcm_put_string(it, PDG_TAG(0x0008, 0x0100),
						o < 0 ? "113100"
						      : pdg_deid_opt_code((enum pdg_deid_opt)o),
						err);
		if (!rc)
			rc = pdg_dcm_put_string(it, PDG_TAG(0x0008, 0x0102), "DCM", err);
		if (!rc)
			rc = pdg_dcm_put_string(it, PDG_TAG(0x0008, 0x0104),
						o < 0 ? "Basic Application Confidentiality Profile"
						      : pdg_deid_opt_meaning((enum pdg_deid_opt)o),
						err);
	}
	if (rc)
		return rc;
	rc = add_equipment(ctx, ds, err);
	if (rc)
		return rc;
	return pdg_dcm_put_string(ds, PDG_TAG(0x0028, 0x0303),
				  ctx->options & (1u << PDG_OPT_RTN_LONG_MODIF) ? "MODIFIED"
				  : ctx->options & (1u << PDG_OPT_RTN_LONG_FULL) ? "UNMODIFIED"
										  : "REMOVED",
				  err);
}

/* Meta header attributes that name sending/receiving stations; the writer makes a new meta. */
static enum pdg_code clean_meta(struct pdg_dcm_item *meta, struct pdg_err *err)
{
	static const uint32_t tags[] = {
		PDG_TAG(0x0002, 0x0016), PDG_TAG(0x0002, 0x0017), PDG_TAG(0x0002, 0x0018),
		PDG_TAG(0x0002, 0x0100), PDG_TAG(0x0002, 0x0102),
	};
	enum pdg_code rc = PDG_OK;

	for (size_t i = 0; !rc && i < PDG_ARRAY_SIZE(tags); i++)
		rc = pdg_dcm_remove(meta, tags[i], err);
	return rc;
}

static void get_uid(struct pdg_dcm_item *ds, uint32_t tag, char out[PDG_DEID_UID_MAX])
{
	if (pdg_dcm_get_string(ds, tag, out, PDG_DEID_UID_MAX, NULL))
		out[0] = '\0';
}

enum pdg_code pdg_deid_apply(const struct pdg_deid_ctx *ctx, struct pdg_dcm *dcm,
			     struct pdg_deid_result *res, struct pdg_err *err)
{
	struct pdg_dcm_item *ds = pdg_dcm_dataset(dcm), *meta = pdg_dcm_meta(dcm);
	struct walk w = { .ctx = ctx, .res = res };
	const struct pdg_pixrule *pixrule;
	char key[PDG_DEID_ID_MAX + PDG_DEID_UID_MAX + 8];
	enum pdg_code rc;

	*res = (struct pdg_deid_result){ 0 };
	if (!ctx->profile || !ctx->rules)
		return pdg_err_set(err, PDG_E_INTERNAL, "de-identification context not set up");
	if (!ctx->have_key)
		return pdg_err_set(err, PDG_E_POLICY,
				   "profile '%s' scopes its mappings to one batch: set a batch id",
				   ctx->profile->id);
	rc = patient_key(ds, res, key, sizeof(key), err);
	if (!rc)
		rc = pdg_deid_pseudonym(ctx, key, res->link.pseudonym, err);
	if (!rc)
		rc = pdg_deid_date_offset(ctx, key, &res->link.date_offset_days, err);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc)
		return rc;
	res->link.linkable = !ctx->profile->per_batch;
	w.offset = res->link.date_offset_days;
	w.top_coded = is_top_coded(ctx, ds);
	w.buf = malloc(MAX_VALUE);
	w.out = malloc(MAX_VALUE);
	if (!w.buf || !w.out) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	get_uid(ds, PDG_TAG(0x0008, 0x0016), res->sop_class_uid);
	pixrule = pdg_deid_pixels_rule(ctx, dcm); /* on the original header */
	rc = PDG_OK;
	if (pdg_deid_sr_class(res->sop_class_uid)) /* classify let it through: clean its tree */
		rc = pdg_deid_sr_prune(ds, &res->removed, err);
	if (!rc)
		rc = walk_item(&w, ds, 0, 0, err);
	if (!rc)
		rc = pdg_deid_drop_orphans(ds, err);
	if (!rc)
		rc = walk_item(&w, meta, 0, 0, err);
	if (!rc)
		rc = clean_meta(meta, err);
	if (!rc)
		rc = add_method(ctx, ds, err);
	if (!rc && pixrule) {
		rc = pdg_deid_pixels_clean(dcm, pixrule, err);
		snprintf(res->pixel_rule, sizeof(res->pixel_rule), "%s (%s)", pixrule->name,
			 pixrule->origin);
	}
	if (rc)
		goto out;
	get_uid(ds, PDG_TAG(0x0008, 0x0018), res->sop_instance_uid);
	get_uid(ds, PDG_TAG(0x0020, 0x000d), res->study_uid);
	get_uid(ds, PDG_TAG(0x0020, 0x000e), res->series_uid);
out:
	if (w.buf)
		OPENSSL_cleanse(w.buf, w.used);
	if (w.out)
		OPENSSL_cleanse(w.out, w.used);
	free(w.buf);
	free(w.out);
	return rc;
}

void pdg_deid_result_wipe(struct pdg_deid_result *res)
{
	if (res)
		OPENSSL_cleanse(res, sizeof(*res));
}
