/* SPDX-License-Identifier: MIT */
/* Reading segments back from the device on a second thread while the next bytes are written. */
#ifndef PDG_EXPORT_READBACK_H
#define PDG_EXPORT_READBACK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct pdg_readback;

/* Bytes per block: what the writer writes at once and the reader reads back and compares. */
#define PDG_READBACK_BLOCK ((size_t)4 << 20)
/* Blocks written but not yet read back, at most: the memory is PDG_READBACK_BLOCKS blocks. */
#define PDG_READBACK_BLOCKS 12

/*
 * Start the reader thread for files in the folder dirfd (not owned; must stay open until
 * pdg_readback_finish or pdg_readback_stop), with its PDG_READBACK_BLOCKS blocks (aligned for
 * O_DIRECT). Stop it with pdg_readback_stop, also after pdg_readback_finish and after
 * failures. PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_readback_start(struct pdg_readback **out, int dirfd,
						struct pdg_err *err);

/*
 * A free block of PDG_READBACK_BLOCK bytes to write from, waiting while every block is still
 * being compared. It belongs to the caller until given back with pdg_readback_queue (blocks
 * not given back are freed by pdg_readback_stop). NULL if the reader has failed: its error
 * is in *err.
 */
uint8_t *pdg_readback_block(struct pdg_readback *rb, struct pdg_err *err);

/*
 * The len bytes of block (from pdg_readback_block; NULL when len is 0) have been written at
 * off of segment seg (0-based), stored in the file part of dirfd. The reader waits for their
 * writeback if they went through the page cache (sync_file_range; the writer should have
 * started it), drops them from the cache, reads them from the device (O_DIRECT where the
 * file system allows it) and compares them with block, then frees block. Blocks of one
 * segment come in order, off a multiple of PDG_READBACK_BLOCK, and last set on the final one
 * (after the writer's fsync; len may be 0 there). Returns the reader's error if it has failed
 * (reading, a write error surfacing in the writeback, the medium full or gone, bytes that
 * differ: PDG_E_IO).
 */
PDG_MUST_CHECK enum pdg_code pdg_readback_queue(struct pdg_readback *rb, unsigned seg,
						const char *part, uint64_t off, uint8_t *block,
						size_t len, int last, struct pdg_err *err);

/*
 * Wait until everything queued has been read back and compared. Then size[i] holds the bytes
 * the device returned, equal to those written, for segments 0..nseg-1. The reader's error,
 * if any, is returned.
 */
PDG_MUST_CHECK enum pdg_code pdg_readback_finish(struct pdg_readback *rb, unsigned nseg,
						 uint64_t *size, struct pdg_err *err);

/* Seconds the reader spent working (not waiting for work). */
double pdg_readback_busy(const struct pdg_readback *rb);

/* Stop the thread (abandoning queued work), close its files, free rb and every block. NULL is
 * fine. */
void pdg_readback_stop(struct pdg_readback *rb);

#endif
