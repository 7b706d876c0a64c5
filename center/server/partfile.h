/* SPDX-License-Identifier: MIT */
/* A segment's part file written at increasing offsets: O_DIRECT whole blocks through a bounce buffer. */
#ifndef PDG_CENTER_PARTFILE_H
#define PDG_CENTER_PARTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Alignment of O_DIRECT offsets, lengths and buffers (covers 512- and 4096-byte sectors). */
#define PDG_PART_ALIGN 4096u
/* The largest bounce buffer: written to the disk each time it is full. */
#define PDG_PART_BLOCK ((size_t)1 << 20)

/*
 * Bytes go to the disk without the page cache (O_DIRECT) when the file system allows it: a
 * buffered write into the page cache costs more CPU than the disk takes to write them durably,
 * and the fsync before the answer then waits for all of them. Bytes before the first block
 * boundary and after the last one are written through the page cache; pdg_part_sync makes all of
 * them durable. Without a bounce buffer (or O_DIRECT) every write is buffered, and the write-back
 * of every 8 MiB starts at once (sync_file_range) so that the final fsync has little left.
 */
struct pdg_part {
	int fd;
	int direct;             /* fd has O_DIRECT and buf is set */
	uint8_t *buf;           /* cap bytes, PDG_PART_ALIGN-aligned, or NULL */
	size_t cap;             /* a multiple of PDG_PART_ALIGN */
	size_t len;             /* bytes in buf, which start at file offset at (aligned) */
	uint64_t at;            /* where the next byte goes (buffered) or buf starts (direct) */
	uint64_t flushed;       /* buffered: write-back started up to here */
};

/*
 * Open (create, mode 0600) path for writing into p, with O_DIRECT when the file system takes it.
 * Returns the descriptor (also p->fd), or -1 with errno set. Close with pdg_part_close.
 */
PDG_MUST_CHECK int pdg_part_open(struct pdg_part *p, const char *path);

/* The bounce buffer size for len bytes at off: whole blocks up to PDG_PART_BLOCK. */
size_t pdg_part_cap(uint64_t off, uint64_t len);

/*
 * Cut the file to off bytes and write from there on. buf: a PDG_PART_ALIGN-aligned buffer of cap
 * bytes (a multiple of PDG_PART_ALIGN) that p owns from now on (freed by pdg_part_close), or NULL
 * to write through the page cache only. Returns 0, or -1 with errno set.
 */
PDG_MUST_CHECK int pdg_part_start(struct pdg_part *p, uint64_t off, uint8_t *buf, size_t cap);

/* Append len bytes. Returns 0, or -1 with errno set (the file's state past off is then unknown). */
PDG_MUST_CHECK int pdg_part_write(struct pdg_part *p, const void *data, size_t len);

/* Write what is buffered and fsync: every byte written so far is durable. 0, or -1 with errno. */
PDG_MUST_CHECK int pdg_part_sync(struct pdg_part *p);

/* Close the file (idempotent; p->fd becomes -1) and free the bounce buffer. */
void pdg_part_close(struct pdg_part *p);

#endif
