/* SPDX-License-Identifier: MIT */
/* The read-back thread: rereads every written block from the device and compares it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appliance/export/readback.h"
#include "lib/fdio.h"
#include "pdi/medium.h"

#define ALIGN 4096                    /* O_DIRECT buffer and length alignment */

struct item {
	unsigned seg;
	uint64_t off;
	uint8_t *block;
	size_t len;
	bool last;
	char part[48];
};

struct pdg_readback {
	pthread_t thread;
	bool started;
	int dirfd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item q[2 * PDG_READBACK_BLOCKS]; /* ring: q[head..head+n) are waiting */
	size_t head, n;
	uint8_t *blocks[PDG_READBACK_BLOCKS];    /* every block, for freeing */
	uint8_t *free_[PDG_READBACK_BLOCKS];     /* the free ones: a stack */
	size_t nfree;
	bool closing, cancel, busy;   /* closing: no more items; busy: an item is being read */
	enum pdg_code rc;             /* the reader's first failure */
	struct pdg_err err;
	/* the reader's own state */
	int fd;                       /* the segment being read, -1 between segments */
	bool direct;                  /* fd is O_DIRECT: reads bypass the page cache */
	uint8_t *buf;                 /* PDG_READBACK_BLOCK bytes, aligned */
	double busy_s;
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

static enum pdg_code differs(struct pdg_err *err, const char *part)
{
	return pdg_err_set(err, PDG_E_IO, "'%s' reads back differently from what was written: "
			   "the medium is faulty", part + 1);
}

/* One block: wait for its writeback, drop it from the cache, read it from the device. */
static enum pdg_code read_block(struct pdg_readback *rb, const struct item *it,
				struct pdg_err *err)
{
	size_t done = 0;

	if (rb->fd < 0) {
		/* straight from the device where the file system allows it, else via the cache */
		int direct;

		rb->fd = pdg_open_direct(rb->dirfd, it->part, O_RDONLY | O_CLOEXEC, 0, &direct);
		rb->direct = direct;
		if (rb->fd < 0)
			return io_fail(err, errno, it->part);
		rb->size[it->seg] = 0;
	}
	if (it->len) {
		/*
		 * Written through the page cache (the segment's tail, or a file system without
		 * O_DIRECT): wait for the writeback, then drop the pages, so that the read below
		 * comes from the device. Direct writes left nothing to wait for. Unsupported on
		 * some file systems (EINVAL, ESPIPE): then the writer's fsync covers it.
		 */
		if (sync_file_range(rb->fd, (off64_t)it->off, (off64_t)it->len,
				    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) &&
		    errno != EINVAL && errno != ESPIPE && errno != ENOSYS)
			return io_fail(err, errno, it->part);
		(void)posix_fadvise(rb->fd, (off_t)it->off, (off_t)it->len, POSIX_FADV_DONTNEED);
	}
	while (done < it->len) {
		size_t want = it->len - done;
		/* O_DIRECT wants whole sectors: round the last read up, the file's end cuts it */
		size_t ask = rb->direct ? (want + ALIGN - 1) / ALIGN * ALIGN : want;
		ssize_t n = pread(rb->fd, rb->buf + done, ask, (off_t)(it->off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && rb->direct) {
			/* the device wants other alignment: read through the (dropped) cache */
			rb->direct = false;
			if (!pdg_set_direct(rb->fd, 0))
				continue;
		}
		if (n < 0)
			return io_fail(err, errno, it->part);
		if (n == 0)
			return pdg_err_set(err, PDG_E_IO, "'%s' reads back shorter than it was "
					   "written: the medium is faulty", it->part + 1);
		if ((size_t)n > want)
			return pdg_err_set(err, PDG_E_IO, "'%s' reads back longer than it was "
					   "written: the medium is faulty", it->part + 1);
		done += (size_t)n;
	}
	if (memcmp(rb->buf, it->block, it->len))
		return differs(err, it->part);
	rb->size[it->seg] += it->len;
	if (it->last) {
		close(rb->fd);
		rb->fd = -1;
	}
	return PDG_OK;
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

		while (!rb->cancel && rb->rc == PDG_OK && !rb->n && !rb->closing)
			pthread_cond_wait(&rb->cv, &rb->mu);
		if (rb->cancel || rb->rc != PDG_OK || !rb->n)
			break;
		it = rb->q[rb->head];
		rb->head = (rb->head + 1) % PDG_ARRAY_SIZE(rb->q);
		rb->n--;
		rb->busy = true;
		pthread_mutex_unlock(&rb->mu);
		t = now();
		rc = read_block(rb, &it, &err);
		pthread_mutex_lock(&rb->mu);
		rb->busy_s += now() - t;
		rb->busy = false;
		if (it.block)
			rb->free_[rb->nfree++] = it.block;
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

static uint8_t *aligned_block(void)
{
	void *p;

	return posix_memalign(&p, ALIGN, PDG_READBACK_BLOCK) ? NULL : p;
}

enum pdg_code pdg_readback_start(struct pdg_readback **out, int dirfd, struct pdg_err *err)
{
	struct pdg_readback *rb;

	*out = rb = calloc(1, sizeof(*rb));
	if (!rb)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	rb->dirfd = dirfd;
	rb->fd = -1;
	pthread_mutex_init(&rb->mu, NULL);
	pthread_cond_init(&rb->cv, NULL);
	if (!(rb->buf = aligned_block()))
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	for (size_t i = 0; i < PDG_READBACK_BLOCKS; i++) {
		if (!(rb->blocks[i] = aligned_block()))
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		rb->free_[rb->nfree++] = rb->blocks[i];
	}
	if (pthread_create(&rb->thread, NULL, reader, rb))
		return pdg_err_set(err, PDG_E_NOMEM, "cannot start the read-back thread");
	(void)pthread_setname_np(rb->thread, "pdg-read-back");
	rb->started = true;
	return PDG_OK;
}

uint8_t *pdg_readback_block(struct pdg_readback *rb, struct pdg_err *err)
{
	uint8_t *b = NULL;

	pthread_mutex_lock(&rb->mu);
	while (!rb->rc && !rb->nfree && !rb->cancel)
		pthread_cond_wait(&rb->cv, &rb->mu);
	if (rb->rc)
		*err = rb->err;
	else if (rb->nfree)
		b = rb->free_[--rb->nfree];
	else
		pdg_err_set(err, PDG_E_INTERNAL, "the read-back thread has ended");
	pthread_mutex_unlock(&rb->mu);
	return b;
}

enum pdg_code pdg_readback_queue(struct pdg_readback *rb, unsigned seg, const char *part,
				 uint64_t off, uint8_t *block, size_t len, int last,
				 struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;

	pthread_mutex_lock(&rb->mu);
	/* full only with many empty last items (segments of whole blocks): wait for the reader */
	while (!rb->rc && !rb->cancel && rb->n == PDG_ARRAY_SIZE(rb->q))
		pthread_cond_wait(&rb->cv, &rb->mu);
	if (rb->rc) {
		rc = rb->rc;
		*err = rb->err;
	} else if (rb->cancel) {
		rc = pdg_err_set(err, PDG_E_INTERNAL, "the read-back thread has ended");
	} else {
		struct item *it = &rb->q[(rb->head + rb->n++) % PDG_ARRAY_SIZE(rb->q)];

		*it = (struct item){ .seg = seg, .off = off, .block = block, .len = len,
				     .last = last != 0 };
		snprintf(it->part, sizeof(it->part), "%s", part);
		block = NULL;
		pthread_cond_broadcast(&rb->cv);
	}
	if (block) /* not queued: free again */
		rb->free_[rb->nfree++] = block;
	pthread_mutex_unlock(&rb->mu);
	return rc;
}

enum pdg_code pdg_readback_finish(struct pdg_readback *rb, unsigned nseg, uint64_t *size,
				  struct pdg_err *err)
{
	enum pdg_code rc;

	pthread_mutex_lock(&rb->mu);
	rb->closing = true;
	pthread_cond_broadcast(&rb->cv);
	while (rb->rc == PDG_OK && (rb->n || rb->busy))
		pthread_cond_wait(&rb->cv, &rb->mu);
	rc = rb->rc;
	if (rc)
		*err = rb->err;
	pthread_mutex_unlock(&rb->mu);
	if (rc)
		return rc;
	pthread_join(rb->thread, NULL);
	rb->started = false;
	for (unsigned i = 0; i < nseg && i < PDG_MEDIUM_MAX_SEGMENTS; i++)
		size[i] = rb->size[i];
	return PDG_OK;
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
	pthread_mutex_destroy(&rb->mu);
	pthread_cond_destroy(&rb->cv);
	for (size_t i = 0; i < PDG_READBACK_BLOCKS; i++)
		free(rb->blocks[i]);
	free(rb->buf);
	free(rb);
}
