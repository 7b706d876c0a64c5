/* SPDX-License-Identifier: MIT */
/*
 * Pixel masking rules (Clean Pixel Data): which instances get which rectangles blanked.
 * The file format is specified in docs/pixel-rules.md; this parser is its reference.
 * Rules select on values of the ORIGINAL header; none of those values are PHI by design
 * (modality, manufacturer, model, software, SOP class, image type, photometric, size).
 */
#ifndef PDG_PIXRULES_H
#define PDG_PIXRULES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_PIXRULE_NAME_MAX 64   /* 1..63 characters [A-Za-z0-9._-] + NUL */
#define PDG_PIXRULE_VALUE_MAX 128 /* a selector pattern: up to 127 bytes + NUL */
#define PDG_PIXRULE_MAX_MASKS 32  /* masks in one rule */
#define PDG_PIXRULE_MAX_RULES 512 /* rules in one set (all files together) */
#define PDG_PIXRULE_LINE_MAX 1024 /* longest line, newline included */
#define PDG_PIXRULE_FILE_MAX (1u << 20)
#define PDG_PIXRULE_SUFFIX ".pixel-rules" /* projects/NAME.ini -> projects/NAME.pixel-rules */

/* Text selectors: glob patterns (fnmatch) on the original value. */
enum pdg_pixsel {
	PDG_PIXSEL_MODALITY,     /* (0008,0060) */
	PDG_PIXSEL_MANUFACTURER, /* (0008,0070) */
	PDG_PIXSEL_MODEL,        /* (0008,1090) Manufacturer's Model Name */
	PDG_PIXSEL_SOFTWARE,     /* (0018,1020) Software Versions, all values as stored */
	PDG_PIXSEL_SOP_CLASS,    /* (0008,0016) */
	PDG_PIXSEL_IMAGE_TYPE,   /* (0008,0008), values joined by '\' */
	PDG_PIXSEL_PHOTOMETRIC,  /* (0028,0004) */
	PDG_PIXSEL_COUNT
};

/* Numeric selectors: inclusive ranges. */
enum pdg_pixnum {
	PDG_PIXNUM_ROWS,    /* (0028,0010) */
	PDG_PIXNUM_COLUMNS, /* (0028,0011) */
	PDG_PIXNUM_FRAMES,  /* (0028,0008), 1 when absent */
	PDG_PIXNUM_COUNT
};

/* One coordinate: pixels, or percent of the image's width/height; `rest` is '*'. */
struct pdg_pixcoord {
	uint32_t v;
	uint8_t percent;
	uint8_t rest;
};

struct pdg_pixmask {
	struct pdg_pixcoord x, y, w, h;
	uint32_t first, last; /* frames, 1-based inclusive; 1..UINT32_MAX for all */
};

struct pdg_pixrule {
	char name[PDG_PIXRULE_NAME_MAX];
	char origin[16];   /* "default" or "project" or what the loader was told */
	unsigned line;     /* of the [rule] header */
	char sel[PDG_PIXSEL_COUNT][PDG_PIXRULE_VALUE_MAX];
	uint32_t has_sel;  /* bit per enum pdg_pixsel */
	uint32_t lo[PDG_PIXNUM_COUNT], hi[PDG_PIXNUM_COUNT]; /* 0..UINT32_MAX when not given */
	struct pdg_pixmask mask[PDG_PIXRULE_MAX_MASKS];
	size_t nmask;
};

struct pdg_pixrules {
	struct pdg_pixrule *rule; /* owned */
	size_t n, cap;
	int use_defaults;         /* cleared by "use-defaults = no" in a parsed file */
};

/* The header values a rule set is matched against (filled by pixels.c from the original). */
struct pdg_pixhdr {
	char sel[PDG_PIXSEL_COUNT][PDG_PIXRULE_VALUE_MAX]; /* "" when absent */
	uint32_t num[PDG_PIXNUM_COUNT];
};

/* An empty set (use_defaults = 1). */
void pdg_pixrules_init(struct pdg_pixrules *rs);

/* Free the rules; rs is empty again. */
void pdg_pixrules_free(struct pdg_pixrules *rs);

/*
 * Parse text (len bytes, need not be NUL-terminated) and append its rules to rs, each tagged
 * with origin. Errors (PDG_E_INVALID, PDG_E_LIMIT) name origin and the line; on error rs keeps
 * the rules appended before the bad one: free it.
 */
PDG_MUST_CHECK enum pdg_code pdg_pixrules_parse(struct pdg_pixrules *rs, const char *text,
						size_t len, const char *origin,
						struct pdg_err *err);

/* Read path (at most PDG_PIXRULE_FILE_MAX bytes) and parse it. Absent: PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_pixrules_load(struct pdg_pixrules *rs, const char *path,
					       const char *origin, struct pdg_err *err);

/* The built-in default rule set (rules/default.conf, compiled in), NUL-terminated. */
extern const char pdg_pixrules_default_text[];

/*
 * The rules for a project: the project's file (its INI path with ".ini" replaced by
 * PDG_PIXRULE_SUFFIX, when present) first, then the defaults unless that file says
 * "use-defaults = no". ini_path NULL or "": the defaults alone.
 */
PDG_MUST_CHECK enum pdg_code pdg_pixrules_load_project(struct pdg_pixrules *rs,
						       const char *ini_path, struct pdg_err *err);

/* The first rule (in set order) whose every selector matches h, or NULL. */
const struct pdg_pixrule *pdg_pixrules_match(const struct pdg_pixrules *rs,
					     const struct pdg_pixhdr *h);

/*
 * The pixel rectangle of m on a rows x cols image for frame (1-based), clipped to the image:
 * [*x0, *x1) x [*y0, *y1). Returns 0 when the mask does not apply to that frame or is empty
 * after clipping.
 */
int pdg_pixmask_rect(const struct pdg_pixmask *m, uint32_t rows, uint32_t cols, uint32_t frame,
		     uint32_t *x0, uint32_t *y0, uint32_t *x1, uint32_t *y1);

/* The keyword of a text/numeric selector ("modality", "rows"...). */
const char *pdg_pixsel_name(enum pdg_pixsel s);
const char *pdg_pixnum_name(enum pdg_pixnum n);

#endif
