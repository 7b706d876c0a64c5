/* SPDX-License-Identifier: MIT */
/* Where an export spends its time: exclusive wall-clock seconds per stage, for tuning. */
#ifndef PDG_EXPORT_STAGES_H
#define PDG_EXPORT_STAGES_H

enum pdg_xs {
	PDG_XS_OTHER,      /* setup, listing, cleanup: what no stage below claims */
	PDG_XS_DEID,       /* de-identification workers (pdg_batch_run), the zip thread beside */
	PDG_XS_STREAM,     /* after the batch: waiting for the zip thread to finish the ZIP */
	PDG_XS_IDLE,       /* the zip thread waiting for the next instance of the batch */
	PDG_XS_LINKS,      /* storing the re-identification links of the batch */
	PDG_XS_FILESET,    /* DICOMDIR, PDIGATE.JSN, README, web view */
	PDG_XS_ZIP,        /* reading the file set and framing it as a ZIP (CRC-32) */
	PDG_XS_INNER,      /* inner age layer (scrypt recipient) */
	PDG_XS_OUTER,      /* outer age layer (data-center recipients) */
	PDG_XS_HASH,       /* SHA-256 of the ciphertext while it is written */
	PDG_XS_WRITE,      /* write(2) of segments to the medium */
	PDG_XS_FSYNC,      /* flushing segments to the device */
	PDG_XS_READBACK,   /* reading segments back and comparing their hash */
	PDG_XS_PUBLISH,    /* manifest, signature, renames */
	PDG_XS_CLEANUP,    /* removing the staging folder */
	PDG_XS_N
};

#define PDG_XS_DEPTH 8

/*
 * Exclusive timing: time between calls is charged to the stage on top of a small stack, so
 * nested stages (ZIP → inner → outer → write) split one streaming pass. Not thread-safe: one
 * per thread of the pipeline. All-zero is a valid, stopped recorder.
 */
struct pdg_xs_times {
	double s[PDG_XS_N];           /* seconds per stage */
	double last;                  /* clock at the last switch; 0: not started */
	enum pdg_xs stack[PDG_XS_DEPTH];
	unsigned depth;
};

/* Start charging time to PDG_XS_OTHER. t may be NULL in every function here (no timing). */
void pdg_xs_start(struct pdg_xs_times *t);

/* Charge from now on to stage, until the matching pdg_xs_leave. */
void pdg_xs_enter(struct pdg_xs_times *t, enum pdg_xs stage);

/* Back to the stage that was current before the matching pdg_xs_enter. */
void pdg_xs_leave(struct pdg_xs_times *t);

/* Stop: charge the time up to now. */
void pdg_xs_stop(struct pdg_xs_times *t);

/* Add the stage seconds of from into to (e.g. a worker thread's recorder). */
void pdg_xs_add(struct pdg_xs_times *to, const struct pdg_xs_times *from);

/* A short lowercase name of a stage ("deid", "zip", ...), static. */
const char *pdg_xs_name(enum pdg_xs stage);

#endif
