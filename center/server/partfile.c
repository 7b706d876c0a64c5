/* SPDX-License-Identifier: MIT */
/* A segment's part file written at increasing offsets: O_DIRECT whole blocks through a bounce buffer. */
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
	p->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_DIRECT, 0600);
	if (p->fd >= 0) {
		p->direct = 1;
	} else if (errno == EINVAL) {   /* no O_DIRECT on this file system */
		p->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	}
	return p->fd;
}

/* Set (on) or clear O_DIRECT on p->fd. */
static int set_direct(struct pdg_part *p, int on)
{
	int fl = fcntl(p->fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(p->fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT);
}

/* Leave O_DIRECT for good (a file system that refuses it after all): buffered from now on. */
static int leave_direct(struct pdg_part *p)
{
	p->direct = 0;
	return set_direct(p, 0);
}

/* Buffered: write len bytes at p->at, and start the write-back of every window. */
static int write_buffered(struct pdg_part *p, const void *data, size_t len)
{
	if (pdg_pwrite_full(p->fd, data, len, p->at))
		return -1;
	p->at += len;
	if (p->at - p->flushed >= WRITEBACK_WINDOW) {
		(void)sync_file_range(p->fd, (off_t)p->flushed, (off_t)(p->at - p->flushed),
				      SYNC_FILE_RANGE_WRITE);
		p->flushed = p->at;
	}
	return 0;
}

/* Direct: write the first n bytes of buf (n a multiple of PDG_PART_ALIGN) at p->at. */
static int write_block(struct pdg_part *p, size_t n)
{
	if (!pdg_pwrite_full(p->fd, p->buf, n, p->at)) {
		p->at += n;
		return 0;
	}
	if (errno != EINVAL)
		return -1;
	/* O_DIRECT refused (or a short write left a misaligned rest): write them buffered */
	if (leave_direct(p))
		return -1;
	return write_buffered(p, p->buf, n);
}

size_t pdg_part_cap(uint64_t off, uint64_t len)
{
	uint64_t n = off % PDG_PART_ALIGN + len + PDG_PART_ALIGN - 1;

	n -= n % PDG_PART_ALIGN;
	return n < PDG_PART_BLOCK ? (size_t)n : PDG_PART_BLOCK;
}

int pdg_part_start(struct pdg_part *p, uint64_t off, uint8_t *buf, size_t cap)
{
	p->buf = buf;
	p->cap = buf ? cap : 0;
	p->len = 0;
	p->at = off;
	p->flushed = off;
	if (p->direct && !buf && leave_direct(p))
		return -1;
	return ftruncate(p->fd, (off_t)off);
}

int pdg_part_write(struct pdg_part *p, const void *data, size_t len)
{
	const uint8_t *d = data;

	while (len && p->direct) {
		size_t k;

		if (!p->len && p->at % PDG_PART_ALIGN) {
			/* up to the next block boundary through the page cache */
			k = PDG_PART_ALIGN - (size_t)(p->at % PDG_PART_ALIGN);
			if (k > len)
				k = len;
			if (set_direct(p, 0) || write_buffered(p, d, k))
				return -1;
			if (set_direct(p, 1) && leave_direct(p))
				return -1;
		} else {
			k = p->cap - p->len;
			if (k > len)
				k = len;
			memcpy(p->buf + p->len, d, k);
			p->len += k;
			if (p->len == p->cap) {
				if (write_block(p, p->cap))
					return -1;
				p->len = 0;
			}
		}
		d += k;
		len -= k;
	}
	return len ? write_buffered(p, d, len) : 0;
}

int pdg_part_sync(struct pdg_part *p)
{
	if (p->direct && p->len) {
		size_t whole = p->len - p->len % PDG_PART_ALIGN;
		size_t rest = p->len - whole;

		if (whole && write_block(p, whole))
			return -1;
		/* the tail, not a whole block, through the page cache */
		if (rest && ((p->direct && leave_direct(p)) ||
			     write_buffered(p, p->buf + whole, rest)))
			return -1;
		p->len = 0;
	}
	return fsync(p->fd);
}

void pdg_part_close(struct pdg_part *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->buf);
	p->buf = NULL;
	p->cap = 0;
	p->direct = 0;
	p->len = 0;
}
