/* SPDX-License-Identifier: MIT */
/* A bounded hand-off of bytes from the sealing thread to a writer thread (the second core). */
#ifndef PDG_EXPORT_PIPE_H
#define PDG_EXPORT_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/crypto/age.h"
#include "lib/err.h"

struct pdg_xpipe;

#define PDG_XPIPE_BUFS 4                     /* buffers in flight */
#define PDG_XPIPE_BUF ((size_t)1 << 20)      /* bytes per buffer */

/*
 * Start a thread that passes everything given to pdg_xpipe_write, in order and in blocks of
 * up to PDG_XPIPE_BUF bytes, to sink(sctx, ...). Memory: PDG_XPIPE_BUFS buffers. sink runs
 * only on that thread until pdg_xpipe_finish returns. Free with pdg_xpipe_stop, also after
 * failures. name (up to 15 bytes) names the thread for ps and perf.
 */
PDG_MUST_CHECK enum pdg_code pdg_xpipe_start(struct pdg_xpipe **out, pdg_age_write_fn sink,
					     void *sctx, const char *name, struct pdg_err *err);

/*
 * Copy len bytes into the pipe (p is a struct pdg_xpipe *; pdg_age_write_fn's shape), waiting
 * while every buffer is taken. Once sink has failed, its error is returned here.
 */
PDG_MUST_CHECK enum pdg_code pdg_xpipe_write(void *p, const uint8_t *buf, size_t len,
					     struct pdg_err *err);

/* Hand over the last bytes, wait until sink has taken everything, end the thread. */
PDG_MUST_CHECK enum pdg_code pdg_xpipe_finish(struct pdg_xpipe *p, struct pdg_err *err);

/* Seconds the sealing thread waited for a free buffer (the writer was the slower one). */
double pdg_xpipe_waited(const struct pdg_xpipe *p);

/* End the thread if it still runs (abandoning what is queued) and free p. NULL is fine. */
void pdg_xpipe_stop(struct pdg_xpipe *p);

#endif
