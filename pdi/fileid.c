/* SPDX-License-Identifier: MIT */
/* File IDs in input order: patients, studies, series numbered at first sight, by lookup. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdi/fileset_int.h"

#define MAX_PER_LEVEL 9999999u /* seven digits after the letter in a File ID component */

/* One patient, study, series or SOP instance, found by its key (level letter + identity). */
struct node {
	char *key;          /* NULL: free slot */
	size_t parent;      /* a study's patient, a series' study (slot index + 1); 0: none */
	unsigned num;       /* its number within its parent */
	unsigned children;  /* how many children it has numbered so far */
	const char *src;    /* the first instance that named it (borrowed), for messages */
};

struct pdg_fs_ids {
	struct node *slot;
	size_t cap, used;   /* cap is a power of two; used <= cap / 2 */
	unsigned patients;  /* patients numbered so far */
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot holding key, or the free slot where it belongs. */
static size_t find(const struct pdg_fs_ids *a, const char *key)
{
	size_t m = a->cap - 1, x = (size_t)hash(key) & m;

	while (a->slot[x].key && strcmp(a->slot[x].key, key))
		x = (x + 1) & m;
	return x;
}

static int grow(struct pdg_fs_ids *a)
{
	struct pdg_fs_ids b = { .cap = a->cap ? 2 * a->cap : 1024, .used = a->used };
	size_t *moved;

	b.slot = calloc(b.cap, sizeof(*b.slot));
	moved = calloc(a->cap + 1, sizeof(*moved));
	if (!b.slot || !moved) {
		free(b.slot);
		free(moved);
		return -1;
	}
	for (size_t x = 0; x < a->cap; x++)
		if (a->slot[x].key) {
			moved[x] = find(&b, a->slot[x].key);
			b.slot[moved[x]] = a->slot[x];
		}
	/* parents are slot indices: follow the move */
	for (size_t x = 0; x < b.cap; x++)
		if (b.slot[x].key && b.slot[x].parent)
			b.slot[x].parent = moved[b.slot[x].parent - 1] + 1;
	free(moved);
	free(a->slot);
	a->slot = b.slot;
	a->cap = b.cap;
	return 0;
}

/* The node for key; *is_new tells whether it was just made. Never grows the table. */
static struct node *get(struct pdg_fs_ids *a, const char *key, int *is_new)
{
	size_t x;

	*is_new = 0;
	x = find(a, key);
	if (a->slot[x].key)
		return &a->slot[x];
	if (!(a->slot[x].key = strdup(key)))
		return NULL;
	a->used++;
	*is_new = 1;
	return &a->slot[x];
}

enum pdg_code pdg_fs_ids_new(struct pdg_fs_ids **a, struct pdg_err *err)
{
	if (!(*a = calloc(1, sizeof(**a))) || grow(*a)) {
		free(*a);
		*a = NULL;
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	return PDG_OK;
}

void pdg_fs_ids_free(struct pdg_fs_ids *a)
{
	if (!a)
		return;
	for (size_t x = 0; x < a->cap; x++)
		free(a->slot[x].key);
	free(a->slot);
	free(a);
}

static enum pdg_code nomem(struct pdg_err *err)
{
	return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
}

static enum pdg_code too_many(struct pdg_err *err)
{
	return pdg_err_set(err, PDG_E_LIMIT, "more than %u entries on one level", MAX_PER_LEVEL);
}

enum pdg_code pdg_fs_ids_assign(struct pdg_fs_ids *a, struct pdg_fs_item *it,
				struct pdg_fileset_counts *c, struct pdg_err *err)
{
	const struct pdg_dicomdir_keys *k = it->k;
	char key[8 + sizeof(k->patient_name) + 2 * sizeof(k->study_uid)];
	struct node *pat, *stu, *ser, *sop;
	size_t pat_at, stu_at;
	int fresh;

	/* PS3.3 F.5: type 1 and 2 directory keys DCMTK cannot invent */
	if (!k->has_patient_name)
		return pdg_err_set(err, PDG_E_DICOM, "'%s': no PatientName (0010,0010); "
				   "the DICOMDIR needs it (type 2)", it->src);
	if (!k->study_uid[0] || !k->series_uid[0] || !k->modality[0])
		return pdg_err_set(err, PDG_E_DICOM, "'%s': StudyInstanceUID, "
				   "SeriesInstanceUID or Modality missing or empty; the "
				   "DICOMDIR needs them (type 1)", it->src);
	/* room for four new nodes, so that no pointer below moves */
	while ((a->used + 4) * 2 > a->cap)
		if (grow(a))
			return nomem(err);
	/* the SOP instance first: a duplicate changes no counter */
	snprintf(key, sizeof(key), "O%s", k->sop_instance_uid);
	if (!(sop = get(a, key, &fresh)))
		return nomem(err);
	if (!fresh)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' and '%s' hold the same SOP instance",
				   sop->src, it->src);
	sop->src = it->src;
	/* as DCMTK groups PATIENT records: by Patient ID, by Patient's Name when the ID is empty */
	if (k->patient_id[0])
		snprintf(key, sizeof(key), "PI%s", k->patient_id);
	else
		snprintf(key, sizeof(key), "PN%s", k->patient_name);
	if (!(pat = get(a, key, &fresh)))
		return nomem(err);
	if (fresh) {
		if (a->patients == MAX_PER_LEVEL)
			return too_many(err);
		pat->num = ++a->patients;
		pat->src = it->src;
		c->patients++;
	}
	pat_at = (size_t)(pat - a->slot) + 1;
	snprintf(key, sizeof(key), "T%s", k->study_uid);
	if (!(stu = get(a, key, &fresh)))
		return nomem(err);
	if (fresh) {
		if (pat->children == MAX_PER_LEVEL)
			return too_many(err);
		stu->parent = pat_at;
		stu->num = ++pat->children;
		stu->src = it->src;
		c->studies++;
	} else if (stu->parent != pat_at) {
		return pdg_err_set(err, PDG_E_INVALID, "'%s' and '%s' belong to one study but to "
				   "two patients", stu->src, it->src);
	}
	stu_at = (size_t)(stu - a->slot) + 1;
	snprintf(key, sizeof(key), "E%s\x1f%s", k->study_uid, k->series_uid);
	if (!(ser = get(a, key, &fresh)))
		return nomem(err);
	if (fresh) {
		if (stu->children == MAX_PER_LEVEL)
			return too_many(err);
		ser->parent = stu_at;
		ser->num = ++stu->children;
		c->series++;
	}
	if (ser->children == MAX_PER_LEVEL)
		return too_many(err);
	it->p = pat->num, it->s = stu->num, it->e = ser->num, it->i = ++ser->children;
	/* IHE PDI: DICOM files in DICOM/, PS3.10 8.2 File IDs */
	snprintf(it->file_id, sizeof(it->file_id), "DICOM/P%07u/S%07u/S%07u/I%07u", it->p, it->s,
		 it->e, it->i);
	c->instances++;
	c->bytes += it->size;
	return PDG_OK;
}
