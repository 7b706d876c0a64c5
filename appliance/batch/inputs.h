/* SPDX-License-Identifier: MIT */
/*
 * Input discovery for a batch: the files and folders named on the command line, walked
 * recursively in a stable order, with every entry that cannot be processed kept as a
 * "skipped" outcome with a reason, so nothing is left out silently.
 */
#ifndef PDG_BATCH_INPUTS_H
#define PDG_BATCH_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_BATCH_MAX_INPUTS 2000000u              /* entries per batch (files, links, ...) */
#define PDG_BATCH_MAX_DEPTH 64                     /* folder levels below an operand */
#define PDG_BATCH_MAX_FILE_BYTES (4ull << 30)      /* default per-file size bound: 4 GiB */

/* Where one input ended up. */
enum pdg_outcome {
	PDG_OUTCOME_PENDING = 0,  /* a regular file not processed yet */
	PDG_OUTCOME_EXPORTED,     /* de-identified copy written to the output folder */
	PDG_OUTCOME_QUARANTINED,  /* original copied to quarantine/, with a reason */
	PDG_OUTCOME_SKIPPED,      /* not an instance (or not readable at all); reason says why */
	PDG_OUTCOME_FAILED,       /* the output could not be written (disk full, I/O error) */
};

/* Reasons found by discovery (static strings, no PHI). */
#define PDG_REASON_SYMLINK "symbolic link (links are not followed inside folders)"
#define PDG_REASON_SPECIAL "not a regular file (device, pipe or socket)"
#define PDG_REASON_NOREAD "the file cannot be read (permission denied or I/O error)"
#define PDG_REASON_NODIR "the folder cannot be read (permission denied or I/O error)"
#define PDG_REASON_TOO_DEEP "folder nested too deeply"
#define PDG_REASON_TOO_BIG "the file is larger than the size limit"
#define PDG_REASON_TOO_LONG "the path is too long"
#define PDG_REASON_DUPLICATE "the same file was given twice"

/* One entry found by discovery. */
struct pdg_input {
	char *path;               /* owned; may carry PHI: never print it */
	uint64_t size;            /* bytes, for regular files */
	enum pdg_outcome outcome; /* PENDING for files to process, SKIPPED otherwise */
	const char *reason;       /* static string, NULL while pending */
};

struct pdg_inputs {
	struct pdg_input *v;
	size_t n, cap;
	uint64_t max_file_bytes;  /* files above this are skipped (PDG_REASON_TOO_BIG) */
	/* (device, inode) of every regular file, to spot a file given twice */
	struct pdg_inputs_seen *seen;
	size_t nseen, capseen;
};

/* Prepare an empty list; max_file_bytes 0 means PDG_BATCH_MAX_FILE_BYTES. Never fails. */
void pdg_inputs_init(struct pdg_inputs *in, uint64_t max_file_bytes);

/* Free every path and the arrays; *in is empty afterwards (init again to reuse). */
void pdg_inputs_release(struct pdg_inputs *in);

/*
 * Add the operand arg (a file or a folder; a symbolic link given here IS followed, like
 * find -H) and, for a folder, everything below it: entries of each folder in byte order of
 * their names, depth first. Symbolic links below an operand are not followed (this also
 * makes loops harmless); each is recorded as skipped, like special files, unreadable
 * files and folders, files above the size bound and a file already listed.
 * Errors (the list is unusable, nothing is half-added that matters): operand missing
 * PDG_E_NOTFOUND, operand not accessible PDG_E_IO, more than PDG_BATCH_MAX_INPUTS entries
 * PDG_E_LIMIT, PDG_E_NOMEM. Messages name the operand by its position argno, never by path.
 */
PDG_MUST_CHECK enum pdg_code pdg_inputs_add(struct pdg_inputs *in, const char *arg, size_t argno,
					    struct pdg_err *err);

/* Number of inputs with the given outcome. */
size_t pdg_inputs_count(const struct pdg_inputs *in, enum pdg_outcome outcome);

#endif
