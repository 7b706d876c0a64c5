/* SPDX-License-Identifier: MIT */
/* PS3.15 Table E.1-1 as a static C table (generated into table_e11.c) and its lookup. */
#ifndef PDG_DEID_TABLE_H
#define PDG_DEID_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifndef PDG_TAG /* the same definitions as pdi/dicom/dcm.h */
#define PDG_TAG(g, e) ((uint32_t)(((uint32_t)(g) << 16) | (uint32_t)(e)))
#define PDG_TAG_GROUP(t) ((uint16_t)((t) >> 16))
#define PDG_TAG_ELEM(t) ((uint16_t)((t)&0xffffu))
#endif

/* Action codes of Table E.1-1a; the compound codes keep their own value. 0 = no entry. */
enum pdg_deid_code {
	PDG_AC_NONE = 0,
	PDG_AC_X,   /* remove */
	PDG_AC_D,   /* replace with a non-zero-length dummy */
	PDG_AC_Z,   /* replace with zero length */
	PDG_AC_K,   /* keep (sequences: keep, clean the items) */
	PDG_AC_C,   /* clean */
	PDG_AC_U,   /* replace UID consistently */
	PDG_AC_ZD,  /* Z/D */
	PDG_AC_XZ,  /* X/Z */
	PDG_AC_XD,  /* X/D */
	PDG_AC_XZD, /* X/Z/D */
	PDG_AC_XZU, /* X/Z/U* */
	PDG_AC_MAX
};

/* The option columns of Table E.1-1, in this order in pdg_deid_row.opt[]. */
enum pdg_deid_opt {
	PDG_OPT_RTN_SAFE_PRIV,    /* rtnSafePrivOpt        113111 */
	PDG_OPT_RTN_UIDS,         /* rtnUIDsOpt            113110 */
	PDG_OPT_RTN_DEV_ID,       /* rtnDevIdOpt           113109 */
	PDG_OPT_RTN_INST_ID,      /* rtnInstIdOpt          113112 */
	PDG_OPT_RTN_PAT_CHARS,    /* rtnPatCharsOpt        113108 */
	PDG_OPT_RTN_LONG_FULL,    /* rtnLongFullDatesOpt   113106 */
	PDG_OPT_RTN_LONG_MODIF,   /* rtnLongModifDatesOpt  113107 */
	PDG_OPT_CLEAN_DESC,       /* cleanDescOpt          113105 */
	PDG_OPT_CLEAN_STRUCT,     /* cleanStructContOpt    113104 */
	PDG_OPT_CLEAN_GRAPH,      /* cleanGraphOpt         113103 */
	PDG_OPT_COUNT
};

/*
 * One row. A tag t matches when (t & mask) == tag: plain rows have mask 0xffffffff; the
 * repeating-group rows (50XX,XXXX), (60XX,3000), (60XX,4000) mask the low group byte (and for
 * curves the element); the private row "(GGGG,EEEE) where GGGG is odd" has tag and mask
 * 0x00010000. vr is the PS3.6 dictionary VR ("" when the dictionary has none).
 */
struct pdg_deid_row {
	uint32_t tag;
	uint32_t mask;
	char vr[3];
	uint8_t basic;                /* enum pdg_deid_code */
	uint8_t opt[PDG_OPT_COUNT];   /* PDG_AC_NONE, PDG_AC_K or PDG_AC_C */
	const char *name;             /* attribute name, ASCII, one line */
};

/*
 * The generated table: first the plain rows sorted by tag, then the masked rows (the private
 * row last). pdg_deid_table_plain is the number of plain rows.
 */
extern const struct pdg_deid_row pdg_deid_table[];
extern const size_t pdg_deid_table_len;
extern const size_t pdg_deid_table_plain;
extern const char pdg_deid_table_source_sha256[];

/*
 * The index of the row that governs tag, or -1 when Table E.1-1 does not list it (the caller
 * keeps such attributes). Odd groups always match the private row, before any repeating-group
 * row, so (6001,3000) is private and (6000,3000) is Overlay Data.
 */
long pdg_deid_table_find(uint32_t tag);

/* The one-letter form of a code, e.g. "X/Z/U*" for PDG_AC_XZU; "" for PDG_AC_NONE. */
const char *pdg_deid_code_name(enum pdg_deid_code code);

#endif
