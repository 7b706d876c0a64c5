/* SPDX-License-Identifier: MIT */
/* Built-in de-identification profiles, the Annex E options, and rule resolution. */
#include <string.h>

#include "appliance/deid/profile.h"
#include "lib/compiler.h"

#define OPT(o) (1u << (o))

/* MHLW 2024 guideline table (seeds/DIGEST.md 002): name deleted (Z), patient ID pseudonymised,
 * birth date generalised to year-month, age and sex kept, study dates shifted. */
static const struct pdg_deid_builtin basic_builtin[] = {
	{ PDG_TAG(0x0010, 0x0020), PDG_ACT_PSEUDONYM }, /* Patient ID: D, the dummy is keyed */
};
static const struct pdg_deid_builtin pseudo_builtin[] = {
	{ PDG_TAG(0x0010, 0x0020), PDG_ACT_PSEUDONYM }, /* Patient ID: linking code, pseudonym */
	{ PDG_TAG(0x0010, 0x0030), PDG_ACT_YEARMONTH }, /* Patient's Birth Date: year-month */
};
static const struct pdg_deid_builtin anon_builtin[] = {
	{ PDG_TAG(0x0010, 0x0020), PDG_ACT_PSEUDONYM }, /* per-batch, unlinkable across batches */
	{ PDG_TAG(0x0010, 0x0030), PDG_ACT_YEAR },      /* year only; empty when top-coded */
	{ PDG_TAG(0x0010, 0x1010), PDG_ACT_AGE },       /* Patient's Age top-coded at 90Y */
};

static const struct pdg_deid_profile profiles[] = {
	{
		.id = "ps315-basic",
		.title = "PS3.15 Basic Application Confidentiality Profile",
		.options = 0,
		.builtin = basic_builtin,
		.nbuiltin = PDG_ARRAY_SIZE(basic_builtin),
	},
	{
		.id = "jp-pseudonymized",
		.title = "MHLW 2024 pseudonymized information",
		.options = OPT(PDG_OPT_RTN_PAT_CHARS) | OPT(PDG_OPT_RTN_LONG_MODIF),
		.builtin = pseudo_builtin,
		.nbuiltin = PDG_ARRAY_SIZE(pseudo_builtin),
	},
	{
		.id = "jp-anonymized",
		.title = "MHLW 2024 anonymized information",
		.options = OPT(PDG_OPT_RTN_PAT_CHARS) | OPT(PDG_OPT_RTN_LONG_MODIF) |
			   OPT(PDG_OPT_CLEAN_STRUCT),
		.per_batch = 1,
		.age_limit = 90,
		.builtin = anon_builtin,
		.nbuiltin = PDG_ARRAY_SIZE(anon_builtin),
	},
};

const struct pdg_deid_profile *pdg_deid_profile_find(const char *id)
{
	for (size_t i = 0; i < PDG_ARRAY_SIZE(profiles); i++)
		if (id && strcmp(profiles[i].id, id) == 0)
			return &profiles[i];
	return NULL;
}

size_t pdg_deid_profile_count(void)
{
	return PDG_ARRAY_SIZE(profiles);
}

const struct pdg_deid_profile *pdg_deid_profile_at(size_t i)
{
	return i < PDG_ARRAY_SIZE(profiles) ? &profiles[i] : NULL;
}

/* CID 7050 (PS3.16), as DCMTK dcmsr/codes/dcm.h spells the meanings. */
static const struct {
	const char *name, *code, *meaning;
} opts[PDG_OPT_COUNT] = {
	[PDG_OPT_RTN_SAFE_PRIV] = { "retain-safe-private", "113111", "Retain Safe Private Option" },
	[PDG_OPT_RTN_UIDS] = { "retain-uids", "113110", "Retain UIDs Option" },
	[PDG_OPT_RTN_DEV_ID] = { "retain-device-identity", "113109",
				 "Retain Device Identity Option" },
	[PDG_OPT_RTN_INST_ID] = { "retain-institution-identity", "113112",
				  "Retain Institution Identity Option" },
	[PDG_OPT_RTN_PAT_CHARS] = { "retain-patient-characteristics", "113108",
				    "Retain Patient Characteristics Option" },
	[PDG_OPT_RTN_LONG_FULL] = { "retain-long-full-dates", "113106",
				    "Retain Longitudinal Temporal Information Full Dates Option" },
	[PDG_OPT_RTN_LONG_MODIF] = {
		"retain-long-modified-dates", "113107",
		"Retain Longitudinal Temporal Information Modified Dates Option" },
	[PDG_OPT_CLEAN_DESC] = { "clean-descriptors", "113105", "Clean Descriptors Option" },
	[PDG_OPT_CLEAN_STRUCT] = { "clean-structured-content", "113104",
				   "Clean Structured Content Option" },
	[PDG_OPT_CLEAN_GRAPH] = { "clean-graphics", "113103", "Clean Graphics Option" },
};

const char *pdg_deid_opt_name(enum pdg_deid_opt opt)
{
	return opts[opt].name;
}

const char *pdg_deid_opt_code(enum pdg_deid_opt opt)
{
	return opts[opt].code;
}

const char *pdg_deid_opt_meaning(enum pdg_deid_opt opt)
{
	return opts[opt].meaning;
}

int pdg_deid_opt_parse(const char *name)
{
	for (int i = 0; i < PDG_OPT_COUNT; i++)
		if (strcmp(opts[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * PS3.15 E.1.1 compound codes, for an attribute that is present. We have no per-IOD Type
 * table, and a present attribute is likely required by its IOD, so we take the weakest
 * removing form that keeps the object conformant: X/Z -> Z, X/D, X/Z/D, Z/D -> D (a dummy
 * carries no information), X/Z/U* -> keep the sequence and replace the UIDs inside it (they
 * are U rows of their own).
 */
uint8_t pdg_deid_act_of_code(enum pdg_deid_code code)
{
	switch (code) {
	case PDG_AC_X:
		return PDG_ACT_REMOVE;
	case PDG_AC_Z:
	case PDG_AC_XZ:
		return PDG_ACT_EMPTY;
	case PDG_AC_D:
	case PDG_AC_XD:
	case PDG_AC_XZD:
	case PDG_AC_ZD:
		return PDG_ACT_DUMMY;
	case PDG_AC_U:
		return PDG_ACT_UID;
	case PDG_AC_K:
	case PDG_AC_XZU:
		return PDG_ACT_KEEP;
	case PDG_AC_C:
		return PDG_ACT_CLEAN;
	case PDG_AC_NONE:
	case PDG_AC_MAX:
		break;
	}
	return PDG_ACT_REMOVE; /* unreachable for generated rows; fail closed */
}

/*
 * Options override the basic action on their rows (PS3.15 E.3). When two chosen options
 * disagree on a row (only Retain Device Identity K against Retain Longitudinal Modified
 * Dates C on calibration/manufacture dates), the one that keeps less wins: C over K.
 */
struct pdg_deid_rule pdg_deid_resolve_row(const struct pdg_deid_row *row, uint32_t options)
{
	enum pdg_deid_code code = (enum pdg_deid_code)row->basic;
	int any_k = 0, any_c = 0;
	struct pdg_deid_rule r;

	for (int o = 0; o < PDG_OPT_COUNT; o++) {
		if (!(options & OPT(o)))
			continue;
		any_k |= row->opt[o] == PDG_AC_K;
		any_c |= row->opt[o] == PDG_AC_C;
	}
	if (any_c)
		code = PDG_AC_C;
	else if (any_k)
		code = PDG_AC_K;
	r.act = pdg_deid_act_of_code(code);
	/* A sequence the Retain UIDs option keeps is a container of UID references; for X/Z we
	 * treat it like X/Z/U*: kept, its items cleaned, the UIDs inside replaced. */
	if (code == PDG_AC_XZ && row->vr[0] == 'S' && row->vr[1] == 'Q' &&
	    row->opt[PDG_OPT_RTN_UIDS] == PDG_AC_K)
		r.act = PDG_ACT_KEEP;
	r.fallback = pdg_deid_act_of_code((enum pdg_deid_code)row->basic);
	if (r.fallback == PDG_ACT_CLEAN)
		r.fallback = PDG_ACT_REMOVE;
	/* Graphic annotations (text drawn over the image) go whole unless Clean Graphics keeps
	 * and scrubs them: the basic D would keep every item with dummied text (docs). */
	if (row->tag == PDG_TAG(0x0070, 0x0001) && !(options & OPT(PDG_OPT_CLEAN_GRAPH)))
		r.act = r.fallback = PDG_ACT_REMOVE;
	return r;
}

const char *pdg_deid_act_name(enum pdg_deid_act act)
{
	static const char *const names[PDG_ACT_MAX] = {
		[PDG_ACT_KEEP] = "keep", [PDG_ACT_REMOVE] = "remove", [PDG_ACT_EMPTY] = "empty",
		[PDG_ACT_DUMMY] = "dummy", [PDG_ACT_UID] = "uid", [PDG_ACT_CLEAN] = "clean",
		[PDG_ACT_FIXED] = "fixed", [PDG_ACT_PSEUDONYM] = "pseudonym",
		[PDG_ACT_YEARMONTH] = "year-month", [PDG_ACT_YEAR] = "year",
		[PDG_ACT_SHIFT] = "shift", [PDG_ACT_AGE] = "age",
	};

	if ((unsigned)act >= PDG_ACT_MAX)
		return "?";
	return names[act];
}
