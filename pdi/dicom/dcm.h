/* SPDX-License-Identifier: MIT */
/*
 * The C face of DCMTK: read, walk, edit and write DICOM files. This header holds no C++
 * types; the implementation (the .cc files in pdi/dicom/) is the only C++ in pdigate and
 * catches every exception at its entry points, turning it into PDG_E_DICOM or PDG_E_NOMEM.
 *
 * Values travel as raw bytes exactly as stored: strings in the object's Specific Character
 * Set, numbers little-endian. Nothing here logs or prints; messages in struct pdg_err never
 * contain attribute values (they may contain PHI).
 */
#ifndef PDG_DCM_H
#define PDG_DCM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "lib/err.h"

/*
 * (0002,0012) Implementation Class UID written into every file's meta header: a UUID-derived
 * UID under 2.25 (PS3.5 B.2), fixed once for pdigate. The version name is
 * PDG_IMPLEMENTATION_VERSION_NAME from lib/version.h.
 */
#define PDG_IMPLEMENTATION_CLASS_UID "2.25.203246392236027650925614627509564405007"

/* A tag as one 32-bit number: group in the high half. */
#define PDG_TAG(g, e) ((uint32_t)(((uint32_t)(g) << 16) | (uint32_t)(e)))
#define PDG_TAG_GROUP(t) ((uint16_t)((t) >> 16))
#define PDG_TAG_ELEM(t) ((uint16_t)((t)&0xffffu))

/* Bounds applied while reading; hostile input beyond them is refused with PDG_E_LIMIT. */
#define PDG_DCM_MAX_DEPTH 16         /* nested sequence levels */
#define PDG_DCM_LAZY_THRESHOLD 4096  /* values longer than this stay on disk until written */

struct pdg_dcm;      /* one DICOM file: file meta information + dataset */
struct pdg_dcm_item; /* the dataset, the meta header, or one sequence item; owned by its pdg_dcm */

/* One element as seen while listing an item. */
struct pdg_dcm_elem {
	uint32_t tag;
	char vr[3];       /* two letters and NUL: "PN", "SQ", "OB", "UN", ... */
	uint32_t length;  /* value length in bytes; for SQ the number of items; for encapsulated
			     (compressed) pixel data PDG_DCM_UNDEFINED_LENGTH */
};

#define PDG_DCM_UNDEFINED_LENGTH 0xffffffffu

/* Flags for pdg_dcm_read. */
#define PDG_DCM_READ_LAZY 1u /* leave long values (pixel data) on disk until pdg_dcm_write */

/*
 * Read a DICOM file (PS3.10 with meta header; a bare dataset in implicit VR little endian is
 * accepted too). On success *out owns the object; free it with pdg_dcm_free(). Not DICOM,
 * truncated or corrupt: PDG_E_DICOM. Nesting deeper than PDG_DCM_MAX_DEPTH: PDG_E_LIMIT.
 * With PDG_DCM_READ_LAZY the file must stay in place until the object is freed.
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_read(const char *path, unsigned flags, struct pdg_dcm **out,
					  struct pdg_err *err);

/* Create an empty object (empty meta and dataset), e.g. for the synthetic study generator. */
PDG_MUST_CHECK enum pdg_code pdg_dcm_create(struct pdg_dcm **out, struct pdg_err *err);

/*
 * Write the object to path as PS3.10: a fresh meta header (Media Storage SOP Class/Instance
 * UID taken from the dataset's SOP Class/Instance UID, our implementation class UID and
 * version name), group lengths dropped. transfer_syntax NULL keeps the one the object was read
 * with (or explicit VR little endian for a created object); another UID converts when DCMTK
 * has the codec, else PDG_E_DICOM. The file is written in place (callers do temp + rename).
 * Sequences and items are written with undefined length. Converting affects only the file:
 * the object keeps its representation and transfer syntax. A dataset without SOP Class or
 * SOP Instance UID cannot be written (PDG_E_DICOM); one nested deeper than
 * PDG_DCM_MAX_DEPTH neither (PDG_E_LIMIT), since pdg_dcm_read would refuse it. The file
 * must not be the one a lazy object was read from.
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_write(struct pdg_dcm *dcm, const char *path,
					   const char *transfer_syntax, struct pdg_err *err);

/* Free the object and everything in it. Accepts NULL; returns NULL. */
struct pdg_dcm *pdg_dcm_free(struct pdg_dcm *dcm);

/* The dataset and the meta header of an object. Never NULL for a valid object. */
struct pdg_dcm_item *pdg_dcm_dataset(struct pdg_dcm *dcm);
struct pdg_dcm_item *pdg_dcm_meta(struct pdg_dcm *dcm);

/* The transfer syntax UID the object was read with (static storage). */
const char *pdg_dcm_transfer_syntax(const struct pdg_dcm *dcm);

/*
 * List the elements of item, in tag order, into out[0..cap). *n receives the number of
 * elements (which may exceed cap: call again with a larger array).
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_list(struct pdg_dcm_item *item, struct pdg_dcm_elem *out,
					  size_t cap, size_t *n, struct pdg_err *err);

/* Whether item holds tag. */
int pdg_dcm_has(struct pdg_dcm_item *item, uint32_t tag);

/*
 * The raw value of tag in item: *data points into the object and stays valid until item is
 * next modified or the object is freed. Absent: PDG_E_NOTFOUND. SQ or encapsulated pixel
 * data: PDG_E_INVALID. A lazy value is loaded from disk first (and then stays in memory).
 * String values come without the trailing padding (DCMTK strips it while reading).
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_get_raw(struct pdg_dcm_item *item, uint32_t tag,
					     const uint8_t **data, size_t *len, struct pdg_err *err);

/*
 * The value of a string-VR element copied into buf as a NUL-terminated string, with all
 * values (backslash-separated) and without trailing padding. Too long for cap: PDG_E_LIMIT.
 * Numeric binary VRs (US SS UL SL FL FD AT UV SV) are formatted as decimal text the same
 * way ("512", "0.5\0.5"); OB/OW/UN and the other O* VRs: PDG_E_INVALID.
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_get_string(struct pdg_dcm_item *item, uint32_t tag,
						char *buf, size_t cap, struct pdg_err *err);

/*
 * Set tag in item to a string value (bytes in the object's character set), replacing any
 * existing element. The VR is the existing element's, else the data dictionary's; an unknown
 * tag needs pdg_dcm_put_raw (PDG_E_INVALID). Padding to even length is done here (space, NUL
 * for UI). Numeric VRs parse the text ("512\512" for US). An existing UN element stays UN
 * and takes the bytes of value. SQ: PDG_E_INVALID.
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_put_string(struct pdg_dcm_item *item, uint32_t tag,
						const char *value, struct pdg_err *err);

/*
 * Set tag in item to raw bytes with the given VR (two letters), replacing any existing
 * element. For OB/OW/US/SS/UL/SL/FL/FD/AT the bytes are little-endian binary values.
 * len must be a whole number of values of the VR, else PDG_E_INVALID; so is VR "SQ".
 */
PDG_MUST_CHECK enum pdg_code pdg_dcm_put_raw(struct pdg_dcm_item *item, uint32_t tag,
					     const char *vr, const void *data, size_t len,
					     struct pdg_err *err);

/* Make tag zero-length (for SQ: no items). Absent tags are left absent. Items of a
 * sequence emptied here are freed: item handles into it become invalid. */
PDG_MUST_CHECK enum pdg_code pdg_dcm_empty(struct pdg_dcm_item *item, uint32_t tag,
					   struct pdg_err *err);

/* Remove tag (with all its items) from item. Absent is not an error. Item handles into a
 * removed sequence become invalid. */
PDG_MUST_CHECK enum pdg_code pdg_dcm_remove(struct pdg_dcm_item *item, uint32_t tag,
					    struct pdg_err *err);

/* Number of items in sequence tag (0 when absent or not SQ), and item i of it (NULL if none). */
size_t pdg_dcm_seq_count(struct pdg_dcm_item *item, uint32_t tag);
struct pdg_dcm_item *pdg_dcm_seq_item(struct pdg_dcm_item *item, uint32_t tag, size_t i);

/* Remove item i of sequence tag and free it (handles into it become invalid; later items move
 * down by one). No such item: PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_dcm_seq_remove(struct pdg_dcm_item *item, uint32_t tag, size_t i,
						struct pdg_err *err);

/* Append a new empty item to sequence tag (created if absent); *out is the new item. */
PDG_MUST_CHECK enum pdg_code pdg_dcm_seq_append(struct pdg_dcm_item *item, uint32_t tag,
						struct pdg_dcm_item **out, struct pdg_err *err);

/* The dictionary VR of tag ("UN" when unknown) and its keyword (NULL when unknown). */
const char *pdg_dcm_dict_vr(uint32_t tag);
const char *pdg_dcm_dict_keyword(uint32_t tag);

#ifdef __cplusplus
}
#endif

#endif
