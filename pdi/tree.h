/* SPDX-License-Identifier: MIT */
/* The files of a folder tree as sorted relative paths: what a file set, its manifest and its ZIP hold. */
#ifndef PDG_PDI_TREE_H
#define PDG_PDI_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_PDI_MAX_FILES 1000000u /* files in one file set */
#define PDG_PDI_MAX_DEPTH 12       /* folder levels below the root */
#define PDG_PDI_PATH_MAX 256       /* a relative path and its NUL */

struct pdg_pdi_file {
	char *path;     /* relative, '/'-separated, owned by the tree */
	uint64_t size;
	int regular;    /* 0: a symlink, device, socket... (listed so that checks can refuse it) */
};

struct pdg_pdi_tree {
	struct pdg_pdi_file *files; /* sorted by path, byte order */
	size_t n;
};

/*
 * List every non-directory entry below root into *t (initialised here; release with
 * pdg_pdi_tree_release, also after failure). Symbolic links are listed (regular = 0), never
 * followed. Deeper than PDG_PDI_MAX_DEPTH, more than PDG_PDI_MAX_FILES or a path longer than
 * PDG_PDI_PATH_MAX: PDG_E_LIMIT. Unreadable folder: PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_tree_read(const char *root, struct pdg_pdi_tree *t,
					       struct pdg_err *err);

/* Free what the tree holds and leave it empty. */
void pdg_pdi_tree_release(struct pdg_pdi_tree *t);

/* The entry with exactly this path, or NULL (binary search). */
const struct pdg_pdi_file *pdg_pdi_tree_find(const struct pdg_pdi_tree *t, const char *path);

/*
 * SHA-256 of the file at path as 64 lowercase hex digits and NUL in hex[65]; *size receives
 * the number of bytes read. Streams in fixed blocks. Failure: PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_sha256_file(const char *path, char hex[65], uint64_t *size,
						 struct pdg_err *err);

/*
 * Remove root and everything below it without following symlinks. An absent root is not an
 * error. Failure: PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_tree_remove(const char *root, struct pdg_err *err);

#endif
