/* SPDX-License-Identifier: MIT */
/* One deterministic, stored (uncompressed) ZIP of a PDI file set, written by streaming the files. */
#ifndef PDG_PDI_ZIP_H
#define PDG_PDI_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct pdg_zip_opts {
	/* The date every entry carries (DOS date, midnight local time). 0: 1980-01-01. */
	int year, month, day;
};

struct pdg_zip_stats {
	size_t entries;
	uint64_t bytes;   /* uncompressed (= stored) bytes of all entries */
};

/*
 * Write every file below stage (sorted by path in byte order, no folder entries) into a new
 * ZIP at zip_path: method STORE, the fixed entry date, UNIX file mode 0644, no extra fields,
 * zip64 only where the sizes need it. The same stage gives the same ZIP bytes. File data is
 * read only while the archive is written (libzip streams it), so memory use does not grow with
 * the data. An existing zip_path: PDG_E_EXISTS. A path that is not printable ASCII without
 * backslash or ':' (see pdg_pdi_path_safe), a symlink or special file: PDG_E_INVALID. o and
 * st may be NULL. On failure no zip_path is left behind.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_zip_write(const char *stage, const char *zip_path,
					       const struct pdg_zip_opts *o,
					       struct pdg_zip_stats *st, struct pdg_err *err);

#endif
