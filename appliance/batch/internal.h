/* SPDX-License-Identifier: MIT */
/* Shared between the parts of a batch run: the worker's reply and the output folder. */
#ifndef PDG_BATCH_INTERNAL_H
#define PDG_BATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "appliance/batch/batch.h"
#include "appliance/batch/risk.h"

#define PDG_BATCH_NAME_MAX 32     /* "E000001.dcm", ".Q000001.tmp", ... */
#define PDG_BATCH_UID_HASH 16     /* bytes of SHA-256 kept per exported instance UID */

/* What a worker answers for one file. Crosses a pipe from a process that parsed hostile
 * input: the parent validates every field. */
struct pdg_batch_reply {
	uint8_t outcome;              /* enum pdg_outcome */
	uint8_t has_link;             /* link is set and linkable */
	char reason[PDG_BATCH_REASON_MAX];
	uint8_t uid_hash[PDG_BATCH_UID_HASH]; /* of the new SOP Instance UID, when exported */
	struct pdg_deid_link link;    /* PHI: the original patient ID */
	struct pdg_risk_record risk;  /* quasi-identifiers as written, when exported */
	uint8_t has_keys;             /* out is set */
	/* last: sent only with opts->keep_keys (the reply is cut before it otherwise) */
	struct pdg_batch_output out;  /* keys, size and SHA-256 of the output, when exported */
};

/* State of one run, shared by the parent and (read-only, after fork) the workers. */
struct pdg_batch_run {
	struct pdg_batch *b;
	const struct pdg_deid_ctx *ctx;
	const struct pdg_batch_opts *opts;
	int outfd, qfd;               /* the output and quarantine folders */
	uint8_t (*uid_hash)[PDG_BATCH_UID_HASH]; /* per input, parent side */
	size_t *exported_idx;         /* inputs exported, in completion order */
	size_t nexported_idx;
	struct pdg_risk_record *risk; /* per input, parent side; wiped at the end */
	size_t ncap_links;
	/* streaming (opts->ready): inputs finished, the next one to hand over, and the new
	   SOP Instance UID hashes handed over (open addressing, index + 1, 0: free) */
	uint8_t *finished;
	size_t next_ready;
	size_t *handed;
	size_t handed_cap;            /* a power of two, > 2 x inputs */
	int stopped;                  /* ready asked to stop */
	enum pdg_code fatal;          /* first error that stops the batch (parent side) */
	struct pdg_err fatal_err;
};

/* Kinds of names in the output folder. */
enum pdg_batch_kind { PDG_KIND_EXPORT = 'E', PDG_KIND_QUARANTINE = 'Q' };

/* Final and temporary names of input index (0-based) of kind, into buf[PDG_BATCH_NAME_MAX]. */
void pdg_batch_name(char *buf, enum pdg_batch_kind kind, size_t index);
void pdg_batch_tmp_name(char *buf, enum pdg_batch_kind kind, size_t index);

/* Create or check (empty) the output folder and its quarantine folder; open both. */
PDG_MUST_CHECK enum pdg_code pdg_batch_outdir_open(struct pdg_batch_run *r, const char *dir,
						   struct pdg_err *err);

/*
 * A temporary file of index is written. With --fsync-each: flush it and rename it to its
 * final name now. Otherwise start its write-back and leave it under the temporary name until
 * pdg_batch_publish. PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_batch_commit(const struct pdg_batch_run *r,
					      enum pdg_batch_kind kind, size_t index,
					      struct pdg_err *err);

/* Copy the open file srcfd (from its start) to quarantine as index, atomically. PDG_E_IO. */
PDG_MUST_CHECK enum pdg_code pdg_batch_quarantine_copy(const struct pdg_batch_run *r, int srcfd,
						       size_t index, struct pdg_err *err);

/*
 * After the workers (and duplicate handling): flush the output file system once, then give
 * every exported and quarantined input's temporary file its final name, and flush both
 * folders. So a file under its final name is complete on disk even after a crash, without a
 * flush per file. An input whose file is missing becomes failed. Nothing to do with
 * --fsync-each. PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_batch_publish(const struct pdg_batch_run *r,
					       struct pdg_err *err);

/* Remove every name index may have (final and temporary, both kinds). */
void pdg_batch_forget(const struct pdg_batch_run *r, size_t index);

/*
 * After pdg_batch_publish (which flushed the outputs): write quarantine/REASONS.TSV (every
 * quarantined and skipped input) atomically and flush it: its presence marks a finished
 * batch. PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_batch_write_reasons(const struct pdg_batch_run *r,
						     struct pdg_err *err);

/* Check the folders hold exactly the files the counts say (and at most REASONS.TSV besides). */
PDG_MUST_CHECK enum pdg_code pdg_batch_outdir_check(const struct pdg_batch_run *r,
						    struct pdg_err *err);

/* Work on one file in a worker process (a pdg_pool_ops.work function). */
void pdg_batch_work(void *run, size_t index, const char *path, void *reply);

/* Open path for reading without following a final symbolic link; -1 with errno. */
int pdg_batch_open_input(const char *path);

#endif
