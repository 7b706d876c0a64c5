/* SPDX-License-Identifier: MIT */
/* A segment's part file, appended and hashed: O_DIRECT whole blocks written by a thread beside. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/server/partfile.h"
#include "lib/fdio.h"

#define WRITEBACK_WINDOW ((uint64_t)8 << 20)

int pdg_part_open(struct pdg_part *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->fd = pdg_open_direct(AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600, &p->direct);
	return p->fd;
}

static int hash(EVP_MD_CTX *md, const void *data, size_t len)
{
	if (EVP_DigestUpdate(md, data, len) == 1)
		return 0;
	errno = EIO;
	return -1;
}

/* Buffered: hash and write len bytes at *at, and start the write-back of every window. */
static int write_buffered(struct pdg_part *p, const void *data, size_t len)
{
	if (hash(p->md, data, len) || pdg_pwrite_full(p->fd, data, len, p->at))
		return -1;
	p->at += len;
	if (p->at - p->flushed >= WRITEBACK_WINDOW) {
		(void)sync_file_range(p->fd, (off_t)p->flushed, (off_t)(p->at - p->flushed),
				      SYNC_FILE_RANGE_WRITE);
		p->flushed = p->at;
	}
	return 0;
}

/* Hash and write n bytes (a multiple of PDG_PART_ALIGN) of an aligned buffer at off with
 * O_DIRECT; when O_DIRECT is refused after all, leave it for good and write them buffered
 * (sets *fellback). Runs on the writer thread, or on the caller's when the writer is idle. */
static int write_block(struct pdg_part *p, const uint8_t *buf, size_t n, uint64_t off,
		       int *fellback)
{
	if (hash(p->md, buf, n))
		return -1;
	if (!pdg_pwrite_full(p->fd, buf, n, off))
		return 0;
	if (errno != EINVAL || pdg_set_direct(p->fd, 0))
		return -1;
	*fellback = 1;
	return pdg_pwrite_full(p->fd, buf, n, off);
}

static void *writer_main(void *arg)
{
	struct pdg_part *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		int fb = 0, rc;

		while (!p->busy && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->busy)
			break;
		pthread_mutex_unlock(&p->mu);
		rc = p->err ? 0 : write_block(p, p->job, p->job_len, p->job_at, &fb);
		pthread_mutex_lock(&p->mu);
		if (rc && !p->err)
			p->err = errno ? errno : EIO;
		p->fellback |= fb;
		p->busy = 0;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Wait until the writer is idle; take over what it found. 0, or -1 with errno (its error). */
static int drain(struct pdg_part *p)
{
	int e;

	if (!p->th_on)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->busy)
		pthread_cond_wait(&p->cv, &p->mu);
	e = p->err;
	if (p->fellback)
		p->direct = 0;
	pthread_mutex_unlock(&p->mu);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

/* The current buffer is full: hand it to the writer (started now if need be; without a thread,
 * write it here) and fill the other one. */
static int hand_over(struct pdg_part *p)
{
	int fb = 0;

	if (drain(p))
		return -1;
	if (!p->direct) {       /* the writer left O_DIRECT: the rest goes buffered */
		if (write_buffered(p, p->bufs[p->cur], p->len))
			return -1;
		p->len = 0;
		return 0;
	}
	if (!p->th_on) {
		if (pthread_mutex_init(&p->mu, NULL))
			goto inline_write;
		if (pthread_cond_init(&p->cv, NULL)) {
			pthread_mutex_destroy(&p->mu);
			goto inline_write;
		}
		if (pthread_create(&p->th, NULL, writer_main, p)) {
			pthread_cond_destroy(&p->cv);
			pthread_mutex_destroy(&p->mu);
			goto inline_write;
		}
		(void)pthread_setname_np(p->th, "pdg-partwrite");
		p->th_on = 1;
	}
	pthread_mutex_lock(&p->mu);
	p->job = p->bufs[p->cur];
	p->job_len = p->len;
	p->job_at = p->at;
	p->busy = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	p->at += p->len;
	p->len = 0;
	p->cur ^= 1;
	return 0;
inline_write:
	if (write_block(p, p->bufs[p->cur], p->len, p->at, &fb))
		return -1;
	p->direct = !fb;
	p->at += p->len;
	p->len = 0;
	return 0;
}

size_t pdg_part_cap(uint64_t off, uint64_t len)
{
	uint64_t n = off % PDG_PART_ALIGN + len + PDG_PART_ALIGN - 1;

	n -= n % PDG_PART_ALIGN;
	return n < PDG_PART_BLOCK ? (size_t)n : PDG_PART_BLOCK;
}

int pdg_part_start(struct pdg_part *p, uint64_t off, size_t cap, EVP_MD_CTX *md)
{
	void *a = NULL, *b = NULL;

	p->md = md;
	p->len = 0;
	p->at = off;
	p->flushed = off;
	if (p->direct && cap && !posix_memalign(&a, PDG_PART_ALIGN, cap) &&
	    !posix_memalign(&b, PDG_PART_ALIGN, cap)) {
		p->bufs[0] = a;
		p->bufs[1] = b;
		p->cap = cap;
	} else {
		free(a);
		if (p->direct && pdg_set_direct(p->fd, 0))
			return -1;
		p->direct = 0;
	}
	return ftruncate(p->fd, (off_t)off);
}

int pdg_part_write(struct pdg_part *p, const void *data, size_t len)
{
	const uint8_t *d = data;

	while (len && p->direct) {
		size_t k;

		if (!p->len && p->at % PDG_PART_ALIGN) {
			/* up to the next block boundary through the page cache (only at the start:
			 * the writer is idle) */
			k = PDG_PART_ALIGN - (size_t)(p->at % PDG_PART_ALIGN);
			if (k > len)
				k = len;
			if (pdg_set_direct(p->fd, 0) || write_buffered(p, d, k))
				return -1;
			if (pdg_set_direct(p->fd, 1))
				p->direct = 0;
		} else {
			k = p->cap - p->len;
			if (k > len)
				k = len;
			memcpy(p->bufs[p->cur] + p->len, d, k);
			p->len += k;
			if (p->len == p->cap && hand_over(p))
				return -1;
		}
		d += k;
		len -= k;
	}
	return len ? write_buffered(p, d, len) : 0;
}

int pdg_part_sync(struct pdg_part *p)
{
	if (drain(p))
		return -1;
	if (p->len) {
		const uint8_t *buf = p->bufs[p->cur];
		size_t whole = p->direct ? p->len - p->len % PDG_PART_ALIGN : 0;
		int fb = 0;

		if (whole && write_block(p, buf, whole, p->at, &fb))
			return -1;
		p->at += whole;
		if (fb)
			p->direct = 0;
		/* the tail, not a whole block, through the page cache */
		if (p->len > whole) {
			if (p->direct && pdg_set_direct(p->fd, 0))
				return -1;
			p->direct = 0;
			if (write_buffered(p, buf + whole, p->len - whole))
				return -1;
		}
		p->len = 0;
	}
	return fsync(p->fd);
}

void pdg_part_close(struct pdg_part *p)
{
	if (p->th_on) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		p->th_on = 0;
	}
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->bufs[0]);
	free(p->bufs[1]);
	p->bufs[0] = p->bufs[1] = NULL;
	p->cap = 0;
	p->direct = 0;
	p->len = 0;
}
