/* SPDX-License-Identifier: MIT */
/* Reading segments back from the device on a second thread while the next bytes are written. */
#ifndef PDG_EXPORT_READBACK_H
#define PDG_EXPORT_READBACK_H

#include <stdint.h>

#include "lib/err.h"

struct pdg_readback;

/* Bytes of a segment queued for reading back at a time (a multiple of the page size). */
#define PDG_READBACK_RANGE ((uint64_t)32 << 20)

/*
 * Start the reader thread for files in the folder dirfd (not owned; must stay open until
 * pdg_readback_finish or pdg_readback_stop). Stop it with pdg_readback_stop, also after
 * pdg_readback_finish and after failures.
 */
PDG_MUST_CHECK enum pdg_code pdg_readback_start(struct pdg_readback **out, int dirfd,
						struct pdg_err *err);

/*
 * The bytes [off, off + len) of segment seg (0-based), stored in the file part of dirfd, have
 * been written; the writer has started their writeback. The reader waits for that writeback,
 * drops the range from the page cache and reads it from the device, hashing it. Ranges of
 * one segment come in order, off a multiple of PDG_READBACK_RANGE, and last set on the final
 * one (after the writer's fsync). Returns the reader's error if it has failed (reading, a
 * write error surfacing in the writeback, the medium full or gone: PDG_E_IO).
 */
PDG_MUST_CHECK enum pdg_code pdg_readback_queue(struct pdg_readback *rb, unsigned seg,
						const char *part, uint64_t off, uint64_t len,
						int last, struct pdg_err *err);

/*
 * Wait until everything queued has been read back. Then sha256[i] (65 bytes each, hex) and
 * size[i] hold what the device returned for segments 0..nseg-1 and all_sha256 the digest of
 * all of them in order. The reader's error, if any, is returned.
 */
PDG_MUST_CHECK enum pdg_code pdg_readback_finish(struct pdg_readback *rb, unsigned nseg,
						 char (*sha256)[65], uint64_t *size,
						 char all_sha256[65], struct pdg_err *err);

/* Seconds the reader spent working (not waiting for work). */
double pdg_readback_busy(const struct pdg_readback *rb);

/* Stop the thread (abandoning queued work), close its files, free rb. NULL is fine. */
void pdg_readback_stop(struct pdg_readback *rb);

#endif
