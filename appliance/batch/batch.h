/* SPDX-License-Identifier: MIT */
/*
 * A de-identification batch: discover inputs, de-identify each in a worker process, write
 * the results atomically, quarantine what cannot be exported, and account for every input.
 * Output layout and reasons: docs/cli-pdigate-deid.md.
 */
#ifndef PDG_BATCH_H
#define PDG_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "appliance/batch/inputs.h"
#include "appliance/batch/risk.h"
#include "appliance/deid/deid.h"
#include "lib/err.h"
#include "pdi/dicom/dicomdir.h"

#define PDG_BATCH_QUARANTINE "quarantine"   /* folder inside the output folder */
#define PDG_BATCH_REASONS "REASONS.TSV"     /* inside the quarantine folder */
#define PDG_BATCH_REASON_MAX 160            /* bytes of one reason, NUL included */

/* Reasons decided by the batch itself (static strings, no PHI). */
#define PDG_REASON_DICOMDIR "DICOMDIR index"
#define PDG_REASON_EMPTY "empty file"
#define PDG_REASON_NOT_DICOM "not a DICOM file"
#define PDG_REASON_DAMAGED "damaged DICOM file (truncated or corrupt)"
#define PDG_REASON_LIMITS "the file exceeds the safety limits (nesting depth or size)"
#define PDG_REASON_NOMEM "the file needs more memory than a worker may use"
#define PDG_REASON_UNSAFE "unreadable: the file could not be parsed safely"
#define PDG_REASON_DEID_FAILED "de-identification failed"
#define PDG_REASON_WRITE_DICOM "the de-identified file could not be encoded"
#define PDG_REASON_DUP_INSTANCE "an identical copy of another input"
#define PDG_REASON_UID_CLASH "another input has the same SOP Instance UID but other content"
#define PDG_REASON_VANISHED "the file disappeared or changed during the batch"

struct pdg_batch_opts {
	const char *out_dir;      /* created if absent; must be empty if present */
	unsigned jobs;            /* worker processes; 0: number of online CPUs */
	unsigned timeout_ms;      /* per file; 0: 60 s */
	uint64_t mem_limit;       /* per worker address space; 0: 4 GiB */
	int fsync_each;           /* fsync each output before renaming it into place (slow); the
				     batch is always flushed before REASONS.TSV is written */
	int no_flush;             /* a staging folder removed after use (pdigate export): never
				     flush or start writing back the outputs, the list or the
				     folders; after a crash its names may hold lost data. Wins
				     over fsync_each */
	int keep_keys;            /* keep each exported output's DICOMDIR keys, size and SHA-256
				     in b->outputs (for a file set without re-reading the
				     outputs); off: no cost */
	/* called in the parent after each file (may be NULL) */
	void (*progress)(void *arg, size_t finished, size_t total);
	void *progress_arg;
	/*
	 * Streaming (needs keep_keys and no_flush; may be NULL): the workers are forked by a fork
	 * server (pool.h), then started(stream_arg) runs in the parent: from then on the caller
	 * may run threads. An error stops the batch before any file is worked on. Then ready is
	 * called in the parent for every input, in input order, as soon as it and every input
	 * before it are finished: path is its de-identified file (under its temporary name in
	 * out_dir, valid during the call) when it is exported and is not an instance an earlier
	 * input exported already (those are dropped afterwards, as always: the first in input
	 * order stays), else NULL. A file given to ready is the caller's: the batch neither names
	 * it nor counts it in the output folder's check; the caller may remove it. ready returns
	 * non-zero to stop the batch: no more files are worked on, and pdg_batch_run fails with
	 * PDG_E_POLICY (the caller knows why).
	 */
	enum pdg_code (*started)(void *arg, struct pdg_err *err);
	int (*ready)(void *arg, size_t index, const char *path);
	void *stream_arg;
};

/* What the file set needs of one exported output, as the worker wrote it. */
struct pdg_batch_output {
	struct pdg_dicomdir_keys keys; /* pdg_dicomdir_keys_of the object written */
	uint8_t sha256[32];            /* of the output file */
	uint64_t size;                 /* bytes of the output file */
};

/* Count of inputs with one (outcome, reason). */
struct pdg_batch_tally {
	enum pdg_outcome outcome;
	const char *reason; /* NULL for exported */
	size_t count;
};

struct pdg_batch {
	struct pdg_inputs in;           /* outcome and reason of every input after the run */
	size_t exported, quarantined, skipped, failed; /* failed: output could not be written */
	struct pdg_batch_tally *tally;  /* distinct (outcome, reason), sorted, after the run */
	size_t ntally;
	/*
	 * Link records of exported instances (original patient ID: PHI), one per distinct
	 * (patient ID, pseudonym, offset). For the encrypted link table only; wiped by release.
	 */
	struct pdg_deid_link *links;
	size_t nlinks;
	/* k-anonymity of the exported patients (counts only), after the run */
	struct pdg_risk_report risk;
	/*
	 * With opts->keep_keys: per input (discovery order), its exported output; all zero
	 * (keys.sop_instance_uid "") for inputs not exported or whose keys could not be taken.
	 * NULL otherwise. Values come from worker processes: pdg_fileset_build_keyed checks
	 * the keys. Freed by release.
	 */
	struct pdg_batch_output *outputs;
	/* private */
	char **reasons;                 /* interned reasons from workers */
	size_t nreasons;
};

/* Prepare an empty batch; max_file_bytes as for pdg_inputs_init. Never fails. */
void pdg_batch_init(struct pdg_batch *b, uint64_t max_file_bytes);

/* Free everything and wipe the link records. Safe on an initialised or half-run batch. */
void pdg_batch_release(struct pdg_batch *b);

/*
 * Run the batch over b->in (filled with pdg_inputs_add) with the de-identification context
 * ctx: every pending input ends exported (OUT/Ennnnnn.dcm), quarantined (original copied to
 * OUT/quarantine/Qnnnnnn.dcm, reason in OUT/quarantine/REASONS.TSV) or skipped, where nnnnnn
 * is the input's position in discovery order (1-based). Afterwards the output folder is
 * checked against the counts. Per-file problems are outcomes, not errors; errors are what
 * stops the batch: output folder not empty (PDG_E_EXISTS) or not writable, a file that cannot
 * be written or copied for lack of space (PDG_E_IO, counted in b->failed), workers that cannot
 * start, or a failed consistency check (PDG_E_INTERNAL). Messages carry no PHI.
 */
PDG_MUST_CHECK enum pdg_code pdg_batch_run(struct pdg_batch *b, const struct pdg_deid_ctx *ctx,
					   const struct pdg_batch_opts *opts, struct pdg_err *err);

/*
 * Keep the batch's link records (original patient ID -> pseudonym, date offset) in the
 * encrypted link table of home (appliance/home/linktab.h). Records without an original
 * patient ID link nothing and are left out; *stored counts the records kept. The plaintext
 * copies made here are wiped. A failure means the exported files cannot be traced back:
 * the message says not to export them.
 */
PDG_MUST_CHECK enum pdg_code pdg_batch_store_links(const struct pdg_batch *b, const char *home,
						   const char *project, size_t *stored,
						   struct pdg_err *err);

/* "exported", "quarantined", "skipped", "failed" or "pending". */
const char *pdg_outcome_name(enum pdg_outcome outcome);

#endif
