/* SPDX-License-Identifier: MIT */
/* Ciphertext segments on the medium: temporary names, hashing, read-back, atomic naming. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/export/segments.h"
#include "lib/fdio.h"

static void part_name(char *buf, size_t cap, const char *final)
{
	snprintf(buf, cap, ".%s" PDG_SEGW_PART_SUFFIX, final);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * Remove what an interrupted export left: temporary files, and segments or signatures of a
 * package whose manifest never appeared. Published packages (with a .MAN) are untouched.
 */
static enum pdg_code sweep(int dirfd, struct pdg_err *err)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return pdg_err_sys(err, PDG_E_IO, "cannot read the medium's " PDG_MEDIUM_DIR " folder");
	}
	while ((e = readdir(d))) {
		char pkg[PDG_MEDIUM_PKGID_MAX + 1], man[48];
		const char *dot = strchr(e->d_name, '.');
		struct stat st;
		int stale = 0;

		if (e->d_name[0] == '.' && has_suffix(e->d_name, PDG_SEGW_PART_SUFFIX)) {
			stale = 1;
		} else if (dot && dot != e->d_name && (size_t)(dot - e->d_name) < sizeof(pkg) &&
			   strcmp(dot, ".MAN")) {
			memcpy(pkg, e->d_name, (size_t)(dot - e->d_name));
			pkg[dot - e->d_name] = '\0';
			pdg_medium_name(man, sizeof(man), pkg, "MAN");
			stale = fstatat(dirfd, man, &st, 0) && errno == ENOENT;
		}
		if (stale && unlinkat(dirfd, e->d_name, 0) && errno != ENOENT) {
			closedir(d);
			return pdg_err_sys(err, PDG_E_IO, "cannot remove a leftover file from an "
							  "interrupted export");
		}
	}
	closedir(d);
	return PDG_OK;
}

enum pdg_code pdg_segw_open(struct pdg_segw *w, const char *medium_dir, const char *pkgid,
			    uint64_t seg_max, struct pdg_err *err)
{
	char path[4096];
	int mfd;
	enum pdg_code rc;

	*w = (struct pdg_segw){ .dirfd = -1, .fd = -1 };
	if (posix_memalign((void **)&w->bounce, 4096, PDG_SEGW_BLOCK)) {
		w->bounce = NULL;
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	snprintf(w->pkgid, sizeof(w->pkgid), "%s", pkgid);
	w->seg_max = seg_max ? seg_max : PDG_MEDIUM_SEGMENT_MAX;
	mfd = open(medium_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open the medium '%s'", medium_dir);
	if (mkdirat(mfd, PDG_MEDIUM_DIR, 0755) && errno != EEXIST) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create " PDG_MEDIUM_DIR " on the medium '%s'",
				 medium_dir);
		close(mfd);
		return rc;
	}
	w->dirfd = openat(mfd, PDG_MEDIUM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	snprintf(path, sizeof(path), "%s/" PDG_MEDIUM_DIR, medium_dir);
	if (w->dirfd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	if ((rc = sweep(w->dirfd, err)))
		return rc;
	return pdg_readback_start(&w->rb, w->dirfd, err);
}

static enum pdg_code next_segment(struct pdg_segw *w, struct pdg_err *err)
{
	struct pdg_medium_segment *s;
	char part[48];

	if (w->nseg >= PDG_MEDIUM_MAX_SEGMENTS)
		return pdg_err_set(err, PDG_E_LIMIT, "the package needs more than %d segments",
				   PDG_MEDIUM_MAX_SEGMENTS);
	s = &w->seg[w->nseg];
	*s = (struct pdg_medium_segment){ 0 };
	pdg_medium_segment_name(s->name, sizeof(s->name), w->pkgid, w->nseg + 1);
	part_name(part, sizeof(part), s->name);
	w->fd = openat(w->dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
	w->direct = w->fd >= 0;
	if (w->fd < 0 && errno == EINVAL) /* no O_DIRECT on this file system */
		w->fd = openat(w->dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s' on the medium", part);
	w->queued = w->written = 0;
	w->bounced = 0;
	w->nseg++;
	return PDG_OK;
}

/*
 * Hand [queued, size) of the current segment to the read-back thread: whole ranges while
 * writing (their writeback started here), the rest with last set once the segment is flushed.
 */
static enum pdg_code queue_range(struct pdg_segw *w, int last, struct pdg_err *err)
{
	const struct pdg_medium_segment *s = &w->seg[w->nseg - 1];
	uint64_t len = w->written - w->queued;
	char part[48];
	enum pdg_code rc;

	if (!last) {
		len -= len % PDG_READBACK_RANGE;
		if (!len)
			return PDG_OK;
		/* start writing the range to the device now; the reader waits for it */
		(void)sync_file_range(w->fd, (off64_t)w->queued, (off64_t)len,
				      SYNC_FILE_RANGE_WRITE);
	}
	part_name(part, sizeof(part), s->name);
	rc = pdg_readback_queue(w->rb, w->nseg - 1, part, w->queued, len, last, err);
	w->queued += len;
	return rc;
}

static enum pdg_code write_fail(int e, const char *name, struct pdg_err *err)
{
	errno = e;
	if (e == ENOSPC)
		return pdg_err_set(err, PDG_E_IO, "the medium is full (writing '%s')", name);
	return pdg_err_sys(err, PDG_E_IO, "cannot write '%s' to the medium", name);
}

static enum pdg_code write_all(int fd, const uint8_t *buf, size_t len, const char *name,
			       struct pdg_err *err)
{
	return pdg_write_full(fd, buf, len) ? write_fail(errno, name, err) : PDG_OK;
}

/* pwrite all of buf at off: 0, or -1 with errno. */
static int pwrite_full(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Leave O_DIRECT: for a tail that is not a whole number of sectors, or a file system that
 * refuses a direct write. 0 or -1 with errno. */
static int go_buffered(struct pdg_segw *w)
{
	int fl = fcntl(w->fd, F_GETFL);

	w->direct = 0;
	return fl < 0 ? -1 : fcntl(w->fd, F_SETFL, fl & ~O_DIRECT);
}

/* Write the bytes waiting in the bounce buffer (a whole block, or the segment's tail). */
static enum pdg_code flush_bounce(struct pdg_segw *w, struct pdg_err *err)
{
	const struct pdg_medium_segment *s = &w->seg[w->nseg - 1];

	if (!w->bounced)
		return PDG_OK;
	if (w->direct && w->bounced % 4096 && go_buffered(w))
		return write_fail(errno, s->name, err);
	if (w->direct && pwrite_full(w->fd, w->bounce, w->bounced, w->written)) {
		/* a file system that refuses direct I/O here: the same bytes again, buffered */
		if (errno != EINVAL || go_buffered(w))
			return write_fail(errno, s->name, err);
	}
	if (!w->direct && pwrite_full(w->fd, w->bounce, w->bounced, w->written))
		return write_fail(errno, s->name, err);
	w->written += w->bounced;
	w->bounced = 0;
	return PDG_OK;
}

static enum pdg_code end_segment(struct pdg_segw *w, struct pdg_err *err)
{
	struct pdg_medium_segment *s = &w->seg[w->nseg - 1];
	enum pdg_code rc;

	if ((rc = flush_bounce(w, err)))
		return rc;
	/* flushed now: a full or vanished medium must show here, not after the manifest */
	if (fsync(w->fd)) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s' to the medium", s->name);
		close(w->fd);
		w->fd = -1;
		return rc;
	}
	if (close(w->fd)) {
		w->fd = -1;
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s' to the medium", s->name);
	}
	w->fd = -1;
	return queue_range(w, 1, err);
}

static enum pdg_code end_segment_timed(struct pdg_segw *w, struct pdg_err *err)
{
	enum pdg_code rc;

	pdg_xs_enter(w->xs, PDG_XS_FSYNC);
	rc = end_segment(w, err);
	pdg_xs_leave(w->xs);
	return rc;
}

enum pdg_code pdg_segw_hash(struct pdg_segw *w, const uint8_t *buf, size_t len,
			    struct pdg_err *err)
{
	uint8_t d[PDG_SHA256_BYTES];
	enum pdg_code rc;

	while (len) {
		size_t n;

		if (!w->hash_ctx.md) {
			if (w->hash_seg >= PDG_MEDIUM_MAX_SEGMENTS)
				return pdg_err_set(err, PDG_E_LIMIT, "the package needs more than "
						   "%d segments", PDG_MEDIUM_MAX_SEGMENTS);
			if ((rc = pdg_sha256_init(&w->hash_ctx, err)))
				return rc;
			w->hash_size = 0;
		}
		n = w->seg_max - w->hash_size < len ? (size_t)(w->seg_max - w->hash_size) : len;
		if ((rc = pdg_sha256_update(&w->hash_ctx, buf, n, err)))
			return rc;
		w->hash_size += n;
		buf += n;
		len -= n;
		if (w->hash_size == w->seg_max) {
			if ((rc = pdg_sha256_final(&w->hash_ctx, d, err)))
				return rc;
			pdg_sha256_hex(w->hash_hex[w->hash_seg++], d);
		}
	}
	return PDG_OK;
}

enum pdg_code pdg_segw_write(void *arg, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_segw *w = arg;
	enum pdg_code rc;

	while (len) {
		struct pdg_medium_segment *s;
		size_t n;

		if (w->fd < 0 && (rc = next_segment(w, err)))
			return rc;
		s = &w->seg[w->nseg - 1];
		n = w->seg_max - s->size < len ? (size_t)(w->seg_max - s->size) : len;
		rc = PDG_OK;
		s->size += n;
		w->total += n;
		len -= n;
		pdg_xs_enter(w->xs, PDG_XS_WRITE);
		while (!rc && n) {
			size_t m = PDG_SEGW_BLOCK - w->bounced < n ? PDG_SEGW_BLOCK - w->bounced : n;

			memcpy(w->bounce + w->bounced, buf, m);
			w->bounced += m;
			buf += m;
			n -= m;
			if (w->bounced == PDG_SEGW_BLOCK)
				rc = flush_bounce(w, err);
		}
		pdg_xs_leave(w->xs);
		if (rc)
			return rc;
		if (s->size == w->seg_max)
			rc = end_segment_timed(w, err);
		else if (w->written - w->queued >= PDG_READBACK_RANGE)
			rc = queue_range(w, 0, err);
		if (rc)
			return rc;
	}
	return PDG_OK;
}

enum pdg_code pdg_segw_finish(struct pdg_segw *w, struct pdg_err *err)
{
	char (*sha)[65] = NULL;
	uint64_t *size = NULL;
	enum pdg_code rc;
	char part[48];

	if (w->fd >= 0 && (rc = end_segment_timed(w, err)))
		return rc;
	if (!w->nseg)
		return pdg_err_set(err, PDG_E_INTERNAL, "no ciphertext was written");
	/* the digests of what was given to write, from pdg_segw_hash */
	if (w->hash_ctx.md) {
		uint8_t d[PDG_SHA256_BYTES];

		if ((rc = pdg_sha256_final(&w->hash_ctx, d, err)))
			return rc;
		pdg_sha256_hex(w->hash_hex[w->hash_seg++], d);
	}
	if (w->hash_seg != w->nseg)
		return pdg_err_set(err, PDG_E_INTERNAL, "the ciphertext was hashed as %u segments "
				   "but written as %u", w->hash_seg, w->nseg);
	for (unsigned i = 0; i < w->nseg; i++)
		memcpy(w->seg[i].sha256, w->hash_hex[i], sizeof(w->seg[i].sha256));
	sha = calloc(w->nseg, sizeof(*sha));
	size = calloc(w->nseg, sizeof(*size));
	if (!sha || !size) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	pdg_xs_enter(w->xs, PDG_XS_READBACK);
	rc = pdg_readback_finish(w->rb, w->nseg, sha, size, w->all_sha256, err);
	pdg_xs_leave(w->xs);
	w->readback_busy = pdg_readback_busy(w->rb);
	if (rc)
		goto out;
	for (unsigned i = 0; i < w->nseg; i++)
		if (size[i] != w->seg[i].size || strcmp(sha[i], w->seg[i].sha256)) {
			rc = pdg_err_set(err, PDG_E_IO, "'%s' reads back differently from what was "
							  "written: the medium is faulty", w->seg[i].name);
			goto out;
		}
	for (unsigned i = 0; i < w->nseg; i++) {
		part_name(part, sizeof(part), w->seg[i].name);
		if (renameat(w->dirfd, part, w->dirfd, w->seg[i].name)) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot name '%s' on the medium",
					 w->seg[i].name);
			goto out;
		}
	}
	if (fsync(w->dirfd))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot flush the medium's folder");
out:
	free(sha);
	free(size);
	return rc;
}

static enum pdg_code write_part(int dirfd, const char *part, const char *data, size_t len,
				struct pdg_err *err)
{
	enum pdg_code rc;
	int fd = openat(dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s' on the medium", part);
	rc = write_all(fd, (const uint8_t *)data, len, part, err);
	if (!rc && fsync(fd))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s' to the medium", part);
	if (close(fd) && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s' to the medium", part);
	return rc;
}

enum pdg_code pdg_segw_publish(struct pdg_segw *w, const char *man, size_t man_len,
			       enum pdg_code (*sign)(void *ctx, const char *man_path,
						     const char *sig_path, struct pdg_err *err),
			       void *ctx, const char *medium_dir, struct pdg_err *err)
{
	char man_name[48], sig_name[48], man_part[56], sig_part[56];
	char man_path[4200], sig_path[4200];
	enum pdg_code rc;
	int fd;

	pdg_medium_name(man_name, sizeof(man_name), w->pkgid, "MAN");
	pdg_medium_name(sig_name, sizeof(sig_name), w->pkgid, "SIG");
	part_name(man_part, sizeof(man_part), man_name);
	part_name(sig_part, sizeof(sig_part), sig_name);
	if ((rc = write_part(w->dirfd, man_part, man, man_len, err)))
		return rc;
	snprintf(man_path, sizeof(man_path), "%s/" PDG_MEDIUM_DIR "/%s", medium_dir, man_part);
	snprintf(sig_path, sizeof(sig_path), "%s/" PDG_MEDIUM_DIR "/%s", medium_dir, sig_part);
	(void)unlinkat(w->dirfd, sig_part, 0);
	if ((rc = sign(ctx, man_path, sig_path, err)))
		return rc;
	fd = openat(w->dirfd, sig_part, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s' to the medium", sig_name);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	/* signature first, manifest last: the manifest is what makes a package exist */
	if (renameat(w->dirfd, sig_part, w->dirfd, sig_name) || fsync(w->dirfd) ||
	    renameat(w->dirfd, man_part, w->dirfd, man_name) || fsync(w->dirfd))
		return pdg_err_sys(err, PDG_E_IO, "cannot name the manifest on the medium");
	return PDG_OK;
}

void pdg_segw_release(struct pdg_segw *w)
{
	char part[48];

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	pdg_readback_stop(w->rb); /* before the files go: it may still be reading them */
	w->rb = NULL;
	if (w->dirfd >= 0) {
		for (unsigned i = 0; i < w->nseg; i++) {
			part_name(part, sizeof(part), w->seg[i].name);
			(void)unlinkat(w->dirfd, part, 0);
		}
		close(w->dirfd);
	}
	w->dirfd = -1;
	pdg_sha256_release(&w->hash_ctx);
	free(w->bounce);
	w->bounce = NULL;
}
