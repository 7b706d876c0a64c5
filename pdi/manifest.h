/* SPDX-License-Identifier: MIT */
/* PDIGATE.JSN, the inner manifest of a file set: read and checked here (written by the builder). */
#ifndef PDG_PDI_MANIFEST_H
#define PDG_PDI_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_MANIFEST_NAME "PDIGATE.JSN"
#define PDG_MANIFEST_FORMAT "pdigate-pdi-manifest"
#define PDG_MANIFEST_VERSION 1
#define PDG_MANIFEST_MAX_BYTES (256u << 20) /* refuse larger manifests unread */

struct pdg_manifest_file {
	char *path;          /* relative, '/'-separated; owned by the manifest */
	uint64_t size;
	char sha256[65];     /* lowercase hex */
};

struct pdg_manifest {
	struct pdg_manifest_file *files; /* sorted by path as written; checked for order */
	size_t n;
	size_t patients, studies, series, instances;
	uint64_t bytes;                  /* DICOM instance bytes (counts.bytes) */
	char profile[24];                /* fileset.profile */
	char fileset_uid[66];            /* fileset.uid */
};

/*
 * Parse the manifest at path into *m (initialised here; release with pdg_manifest_release,
 * also after failure). Larger than PDG_MANIFEST_MAX_BYTES: PDG_E_LIMIT. Not JSON, wrong format
 * or version, a missing or mistyped member, a bad path (absolute, "..", backslash, empty
 * component), paths not strictly increasing (so no duplicates), a bad hash: PDG_E_INVALID.
 * Absent: PDG_E_NOTFOUND.
 */
PDG_MUST_CHECK enum pdg_code pdg_manifest_load(const char *path, struct pdg_manifest *m,
					       struct pdg_err *err);

/* As pdg_manifest_load, from len bytes at buf (what = name for messages). */
PDG_MUST_CHECK enum pdg_code pdg_manifest_load_buffer(const char *buf, size_t len,
						      const char *what, struct pdg_manifest *m,
						      struct pdg_err *err);

/* The entry for path, or NULL (binary search over the sorted files). */
const struct pdg_manifest_file *pdg_manifest_find(const struct pdg_manifest *m, const char *path);

void pdg_manifest_release(struct pdg_manifest *m);

/*
 * Whether a relative path is safe to create below a folder: 1..PDG_PDI_PATH_MAX-1 bytes,
 * printable ASCII only, no leading '/', no backslash, no ':' , no empty, "." or ".."
 * component.
 */
int pdg_pdi_path_safe(const char *path);

#endif
