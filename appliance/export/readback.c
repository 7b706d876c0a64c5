/* SPDX-License-Identifier: MIT */
/* The read-back thread: waits for each written range to reach the device, rereads and hashes it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "appliance/export/readback.h"
#include "lib/crypto/sha256.h"
#include "pdi/medium.h"

#define READ_BLOCK ((size_t)4 << 20)     /* bytes per read (a multiple of any sector size) */
#define READ_ALIGN 4096                   /* O_DIRECT buffer alignment */

struct item {
	unsigned seg;
	uint64_t off, len;
	bool last;
	char part[48];
};

struct pdg_readback {
	pthread_t thread;
	bool started;
	int dirfd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item *q;               /* q[head..n) are waiting */
	size_t head, n, cap;
	bool closing, cancel, busy;   /* closing: no more items; busy: an item is being read */
	enum pdg_code rc;             /* the reader's first failure */
	struct pdg_err err;
	/* the reader's own state */
	int fd;                       /* the segment being read, -1 between segments */
	bool direct;                  /* fd is O_DIRECT: reads bypass the page cache */
	unsigned fd_seg;
	/*
	 * all_ctx hashes everything; seg_ctx segments 2, 3 ... only: the first segment's digest is
	 * a copy of all_ctx at its end, so a one-segment package is hashed once.
	 */
	struct pdg_sha256_ctx seg_ctx, all_ctx;
	bool all_init;
	uint8_t *buf;
	double busy_s;
	char sha[PDG_MEDIUM_MAX_SEGMENTS][65];
	uint64_t size[PDG_MEDIUM_MAX_SEGMENTS];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum pdg_code io_fail(struct pdg_err *err, int e, const char *part)
{
	errno = e;
	if (e == ENOSPC)
		return pdg_err_set(err, PDG_E_IO, "the medium is full (writing '%s')", part + 1);
	return pdg_err_sys(err, PDG_E_IO, "cannot read '%s' back from the medium", part + 1);
}

/* *to = a copy of the running digest from (to is released first). */
static enum pdg_code snapshot(const struct pdg_sha256_ctx *from, struct pdg_sha256_ctx *to,
			      struct pdg_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	pdg_sha256_release(to);
	if (!md || EVP_MD_CTX_copy_ex(md, from->md) != 1) {
		EVP_MD_CTX_free(md);
		return pdg_err_set(err, PDG_E_CRYPTO, "cannot copy a SHA-256 state");
	}
	to->md = md;
	return PDG_OK;
}

/* One range: wait for its writeback, drop it from the cache, read it from the device. */
static enum pdg_code read_range(struct pdg_readback *rb, const struct item *it,
				struct pdg_err *err)
{
	uint8_t d[PDG_SHA256_BYTES];
	uint64_t off = it->off, end = it->off + it->len;
	enum pdg_code rc;

	if (rb->fd < 0) {
		/* straight from the device where the file system allows it, else via the cache */
		rb->fd = openat(rb->dirfd, it->part, O_RDONLY | O_DIRECT | O_CLOEXEC);
		rb->direct = rb->fd >= 0;
		if (rb->fd < 0 && errno == EINVAL)
			rb->fd = openat(rb->dirfd, it->part, O_RDONLY | O_CLOEXEC);
		if (rb->fd < 0)
			return io_fail(err, errno, it->part);
		rb->fd_seg = it->seg;
		rb->size[it->seg] = 0;
		if (it->seg && (rc = pdg_sha256_init(&rb->seg_ctx, err)))
			return rc;
	}
	if (it->len) {
		/* unsupported on some file systems (EINVAL, ESPIPE): then the fsync covers it */
		if (sync_file_range(rb->fd, (off64_t)it->off, (off64_t)it->len,
				    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) &&
		    errno != EINVAL && errno != ESPIPE && errno != ENOSYS)
			return io_fail(err, errno, it->part);
		/* the written pages are clean now: drop them (memory; buffered reads need it) */
		(void)posix_fadvise(rb->fd, (off_t)it->off, (off_t)it->len, POSIX_FADV_DONTNEED);
	}
	while (off < end) {
		size_t want = end - off < READ_BLOCK ? (size_t)(end - off) : READ_BLOCK;
		/* O_DIRECT wants whole sectors: round the last read up, the file's end cuts it */
		size_t ask = rb->direct ? (want + READ_ALIGN - 1) / READ_ALIGN * READ_ALIGN : want;
		ssize_t n = pread(rb->fd, rb->buf, ask, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_fail(err, errno, it->part);
		if (n == 0)
			return pdg_err_set(err, PDG_E_IO, "'%s' reads back shorter than it was "
					   "written: the medium is faulty", it->part + 1);
		if ((size_t)n > want)
			return pdg_err_set(err, PDG_E_IO, "'%s' reads back longer than it was "
					   "written: the medium is faulty", it->part + 1);
		if ((it->seg && (rc = pdg_sha256_update(&rb->seg_ctx, rb->buf, (size_t)n, err))) ||
		    (rc = pdg_sha256_update(&rb->all_ctx, rb->buf, (size_t)n, err)))
			return rc;
		off += (uint64_t)n;
		rb->size[it->seg] += (uint64_t)n;
	}
	if (!it->last)
		return PDG_OK;
	if (!it->seg)
		rc = snapshot(&rb->all_ctx, &rb->seg_ctx, err);
	if (!rc)
		rc = pdg_sha256_final(&rb->seg_ctx, d, err);
	pdg_sha256_release(&rb->seg_ctx);
	close(rb->fd);
	rb->fd = -1;
	if (!rc)
		pdg_sha256_hex(rb->sha[it->seg], d);
	return rc;
}

static void *reader(void *arg)
{
	struct pdg_readback *rb = arg;

	pthread_mutex_lock(&rb->mu);
	for (;;) {
		struct item it;
		struct pdg_err err = { 0 };
		enum pdg_code rc;
		double t;

		while (!rb->cancel && rb->rc == PDG_OK && rb->head == rb->n && !rb->closing)
			pthread_cond_wait(&rb->cv, &rb->mu);
		if (rb->cancel || rb->rc != PDG_OK || rb->head == rb->n)
			break;
		it = rb->q[rb->head++];
		if (rb->head == rb->n)
			rb->head = rb->n = 0;
		rb->busy = true;
		pthread_mutex_unlock(&rb->mu);
		t = now();
		rc = read_range(rb, &it, &err);
		pthread_mutex_lock(&rb->mu);
		rb->busy_s += now() - t;
		rb->busy = false;
		if (rc) {
			rb->rc = rc;
			rb->err = err;
		}
		pthread_cond_broadcast(&rb->cv);
	}
	rb->busy = false;
	pthread_cond_broadcast(&rb->cv);
	pthread_mutex_unlock(&rb->mu);
	return NULL;
}

enum pdg_code pdg_readback_start(struct pdg_readback **out, int dirfd, struct pdg_err *err)
{
	struct pdg_readback *rb;
	enum pdg_code rc;

	*out = rb = calloc(1, sizeof(*rb));
	if (!rb)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	rb->dirfd = dirfd;
	rb->fd = -1;
	pthread_mutex_init(&rb->mu, NULL);
	pthread_cond_init(&rb->cv, NULL);
	if (posix_memalign((void **)&rb->buf, READ_ALIGN, READ_BLOCK))
		rb->buf = NULL;
	if (!rb->buf)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	if ((rc = pdg_sha256_init(&rb->all_ctx, err)))
		return rc;
	rb->all_init = true;
	if (pthread_create(&rb->thread, NULL, reader, rb))
		return pdg_err_set(err, PDG_E_NOMEM, "cannot start the read-back thread");
	rb->started = true;
	return PDG_OK;
}

enum pdg_code pdg_readback_queue(struct pdg_readback *rb, unsigned seg, const char *part,
				 uint64_t off, uint64_t len, int last, struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;

	pthread_mutex_lock(&rb->mu);
	if (rb->rc) {
		rc = rb->rc;
		*err = rb->err;
	} else if (rb->n == rb->cap) {
		size_t cap = rb->cap ? 2 * rb->cap : 64;
		struct item *q = realloc(rb->q, cap * sizeof(*q));

		if (!q)
			rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		else
			rb->q = q, rb->cap = cap;
	}
	if (!rc) {
		struct item *it = &rb->q[rb->n++];

		*it = (struct item){ .seg = seg, .off = off, .len = len, .last = last != 0 };
		snprintf(it->part, sizeof(it->part), "%s", part);
		pthread_cond_broadcast(&rb->cv);
	}
	pthread_mutex_unlock(&rb->mu);
	return rc;
}

enum pdg_code pdg_readback_finish(struct pdg_readback *rb, unsigned nseg, char (*sha256)[65],
				  uint64_t *size, char all_sha256[65], struct pdg_err *err)
{
	uint8_t d[PDG_SHA256_BYTES];
	enum pdg_code rc;

	pthread_mutex_lock(&rb->mu);
	rb->closing = true;
	pthread_cond_broadcast(&rb->cv);
	while (rb->rc == PDG_OK && (rb->head < rb->n || rb->busy))
		pthread_cond_wait(&rb->cv, &rb->mu);
	rc = rb->rc;
	if (rc)
		*err = rb->err;
	pthread_mutex_unlock(&rb->mu);
	if (rc)
		return rc;
	pthread_join(rb->thread, NULL);
	rb->started = false;
	for (unsigned i = 0; i < nseg && i < PDG_MEDIUM_MAX_SEGMENTS; i++) {
		memcpy(sha256[i], rb->sha[i], 65);
		size[i] = rb->size[i];
	}
	rc = pdg_sha256_final(&rb->all_ctx, d, err);
	if (!rc)
		pdg_sha256_hex(all_sha256, d);
	return rc;
}

double pdg_readback_busy(const struct pdg_readback *rb)
{
	return rb ? rb->busy_s : 0;
}

void pdg_readback_stop(struct pdg_readback *rb)
{
	if (!rb)
		return;
	if (rb->started) {
		pthread_mutex_lock(&rb->mu);
		rb->cancel = true;
		pthread_cond_broadcast(&rb->cv);
		pthread_mutex_unlock(&rb->mu);
		pthread_join(rb->thread, NULL);
	}
	if (rb->fd >= 0)
		close(rb->fd);
	pdg_sha256_release(&rb->seg_ctx);
	if (rb->all_init)
		pdg_sha256_release(&rb->all_ctx);
	pthread_mutex_destroy(&rb->mu);
	pthread_cond_destroy(&rb->cv);
	free(rb->q);
	free(rb->buf);
	free(rb);
}
