/* SPDX-License-Identifier: MIT */
/*
 * pdigate export as a library: de-identify → IHE PDI file set → ZIP → two age layers →
 * segments, manifest and signature on the medium (DESIGN.md "Package formats").
 */
#ifndef PDG_EXPORT_H
#define PDG_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "appliance/batch/batch.h"
#include "appliance/export/seal.h"
#include "appliance/export/stages.h"
#include "lib/err.h"
#include "pdi/fileset.h"
#include "pdi/medium.h"
#include "tokens/codec.h"

struct pdg_export_opts {
	const char *home;             /* the appliance home (resolved path) */
	const char *project;
	const char *medium;           /* the medium's root folder; PDIGATE/ is made in it */
	const char *medium_serial;    /* USB serial for the manifest; NULL: "folder" */
	unsigned jobs;                /* de-identification workers; 0: one per processor */
	uint64_t segment_size;        /* 0: PDG_MEDIUM_SEGMENT_MAX */
	const char *batch_id;         /* for per-batch profiles; NULL: the package id */
	/* stage is "de-identifying", then "sealing" (what the batch did not seal beside it),
	   "verifying"; called on the calling thread only; may be NULL */
	void (*progress)(void *arg, const char *stage, uint64_t done, uint64_t total);
	void *progress_arg;
};

struct pdg_export_result {
	struct pdg_batch batch;                 /* what happened to every input */
	char profile[32];
	struct pdg_token token;                 /* package id + release secret: wipe */
	struct pdg_fileset_counts counts;
	struct pdg_medium_manifest manifest;    /* as written to the medium */
	char quarantine_dir[4096];              /* where quarantined originals were kept, or "" */
	int written;                            /* the package is complete on the medium */
	struct pdg_xs_times times;              /* where the time went (wall clock per stage) */
	struct pdg_xs_times zip_times;          /* the zip thread's stages (beside the batch) */
	struct pdg_xs_times io_times;           /* the writer thread's stages (in parallel) */
	struct pdg_seal_times seal_times;       /* the age layer threads' (in parallel) */
	struct pdg_xs_times hash_times;         /* SHA-256 of the ciphertext (the hash thread) */
	double readback_busy;                   /* seconds of reading back, beside the writing */
	double seal_waited;                     /* seconds the outer layer waited for the hash thread */
	double hash_waited;                     /* seconds the hash thread waited for the writer */
};

/*
 * Run an export. Inputs are files and folders as for pdigate deid. On success the package is
 * on the medium, read back and verified, and r describes it. Quarantined inputs do not stop
 * an export; they are kept on the appliance in r->quarantine_dir (under the home's state/).
 * If nothing could be exported: PDG_E_POLICY. A project without data-center recipients:
 * PDG_E_POLICY. Medium full, read-only or gone: PDG_E_IO, and nothing on the medium looks
 * complete; a retry cleans up the leftovers. r must be released with pdg_export_release.
 */
PDG_MUST_CHECK enum pdg_code pdg_export_run(const struct pdg_export_opts *o,
					    const char *const *inputs, size_t ninputs,
					    struct pdg_export_result *r, struct pdg_err *err);

/* Write README.TXT (what this medium is, Japanese and English, no PHI) at the medium's root. */
PDG_MUST_CHECK enum pdg_code pdg_export_write_readme(const char *medium, struct pdg_err *err);

/* Free r's contents and wipe the token. */
void pdg_export_release(struct pdg_export_result *r);

#endif
