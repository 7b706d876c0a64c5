/* SPDX-License-Identifier: MIT */
/* A segment's part file, appended and hashed: O_DIRECT whole blocks written by a thread beside. */
#ifndef PDG_CENTER_PARTFILE_H
#define PDG_CENTER_PARTFILE_H

#include <openssl/evp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Alignment of O_DIRECT offsets, lengths and buffers (covers 512- and 4096-byte sectors). */
#define PDG_PART_ALIGN 4096u
/* The largest bounce buffer (a part has two): handed to the writer each time it is full. */
#define PDG_PART_BLOCK ((size_t)1 << 20)

/*
 * Bytes go to the disk without the page cache (O_DIRECT) when the file system allows it: a
 * buffered write into the page cache costs more CPU than the disk takes to write them durably,
 * and the fsync before the answer then waits for all of them. The caller fills one bounce
 * buffer while a writer thread hashes the other and writes it (double buffering), so receiving,
 * hashing and the disk work at the same time. Bytes before the first block boundary and after
 * the last one are written through the page cache; pdg_part_sync makes all of them durable.
 * Without bounce buffers (or O_DIRECT) every write is buffered and hashed by the caller, and the
 * write-back of every 8 MiB starts at once (sync_file_range) so that the final fsync has little
 * left. Bytes are hashed into md in file order either way.
 */
struct pdg_part {
	int fd;
	int direct;             /* fd has O_DIRECT and the buffers are set */
	EVP_MD_CTX *md;         /* the caller's: every byte written is hashed into it */
	uint8_t *bufs[2];       /* cap bytes each, PDG_PART_ALIGN-aligned, or NULL */
	unsigned cur;           /* the buffer being filled */
	size_t cap;             /* a multiple of PDG_PART_ALIGN */
	size_t len;             /* bytes in bufs[cur], which start at file offset at (aligned) */
	uint64_t at;            /* where the next byte goes (buffered) or bufs[cur] starts (direct) */
	uint64_t flushed;       /* buffered: write-back started up to here */
	/* the writer thread, started at the first full buffer */
	pthread_t th;
	int th_on;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy;               /* a job is queued or being written (mu) */
	int stop;               /* the writer must end (mu) */
	int err;                /* errno of a failed job, sticky (mu) */
	int fellback;           /* a job found O_DIRECT refused: it left O_DIRECT (mu) */
	const uint8_t *job;
	size_t job_len;
	uint64_t job_at;
};

/*
 * Open (create, mode 0600) path for writing into p, with O_DIRECT when the file system takes it.
 * Returns the descriptor (also p->fd), or -1 with errno set. Close with pdg_part_close, also
 * after a failure.
 */
PDG_MUST_CHECK int pdg_part_open(struct pdg_part *p, const char *path);

/* The bounce buffer size for len bytes at off: whole blocks up to PDG_PART_BLOCK. */
size_t pdg_part_cap(uint64_t off, uint64_t len);

/*
 * Cut the file to off bytes and write from there on, hashing every byte into md (the caller's,
 * which must hold the hash of the first off bytes, and which the writer uses until
 * pdg_part_sync or pdg_part_close returns). cap: bytes of each of the two bounce buffers (a
 * multiple of PDG_PART_ALIGN), or 0 to write through the page cache only (also when the buffers
 * cannot be allocated). Returns 0, or -1 with errno set.
 */
PDG_MUST_CHECK int pdg_part_start(struct pdg_part *p, uint64_t off, size_t cap, EVP_MD_CTX *md);

/* Append and hash len bytes. Returns 0, or -1 with errno set (then the file past off and md
 * are unknown: the caller must rehash). */
PDG_MUST_CHECK int pdg_part_write(struct pdg_part *p, const void *data, size_t len);

/* Write and hash what is buffered, then fsync: every byte written so far is durable and in md.
 * 0, or -1 with errno set. */
PDG_MUST_CHECK int pdg_part_sync(struct pdg_part *p);

/* Stop the writer, close the file (idempotent; p->fd becomes -1), free the buffers. */
void pdg_part_close(struct pdg_part *p);

#endif
