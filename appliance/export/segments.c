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

#include <openssl/evp.h>

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

	*w = (struct pdg_segw){ .dirfd = -1, .mediumfd = -1, .fd = -1 };
	snprintf(w->pkgid, sizeof(w->pkgid), "%s", pkgid);
	w->seg_max = seg_max ? seg_max : PDG_MEDIUM_SEGMENT_MAX;
	mfd = open(medium_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open the medium '%s'", medium_dir);
	if (!mkdirat(mfd, PDG_MEDIUM_DIR, 0755)) {
		w->mediumfd = mfd; /* ours: removed again if the export leaves nothing in it */
	} else if (errno != EEXIST) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create " PDG_MEDIUM_DIR " on the medium '%s'",
				 medium_dir);
		close(mfd);
		return rc;
	}
	w->dirfd = openat(mfd, PDG_MEDIUM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->mediumfd < 0)
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
	w->fd = pdg_open_direct(w->dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644,
				&w->direct);
	if (w->fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s' on the medium", part);
	w->written = 0;
	w->nseg++;
	return PDG_OK;
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

/* Leave O_DIRECT: for a tail that is not a whole number of sectors, or a file system that
 * refuses a direct write. 0, or -1 with errno. */
static int go_buffered(struct pdg_segw *w)
{
	w->direct = 0;
	return pdg_set_direct(w->fd, 0);
}

/*
 * Write the bytes waiting in the current block (a whole block; with last the segment's tail,
 * possibly empty, after which the segment is flushed and closed), then hand the block to the
 * read-back thread.
 */
static enum pdg_code put_block(struct pdg_segw *w, int last, struct pdg_err *err)
{
	const struct pdg_medium_segment *s = &w->seg[w->nseg - 1];
	uint64_t off = w->written;
	size_t len = w->bounced;
	uint8_t *block = w->bounce;
	char part[48];
	enum pdg_code rc = PDG_OK;
	struct pdg_err ignored;

	w->bounce = NULL;
	w->bounced = 0;
	pdg_xs_enter(w->xs, PDG_XS_WRITE);
	if (len && w->direct && len % 4096 && go_buffered(w))
		rc = write_fail(errno, s->name, err);
	if (!rc && len && w->direct && pdg_pwrite_full(w->fd, block, len, off)) {
		/* a file system that refuses direct I/O here: the same bytes again, buffered */
		if (errno != EINVAL || go_buffered(w))
			rc = write_fail(errno, s->name, err);
	}
	if (!rc && len && !w->direct && pdg_pwrite_full(w->fd, block, len, off))
		rc = write_fail(errno, s->name, err);
	/* through the page cache: start the writeback now, the reader waits for it */
	if (!rc && len && !w->direct && !last)
		(void)sync_file_range(w->fd, (off64_t)off, (off64_t)len, SYNC_FILE_RANGE_WRITE);
	pdg_xs_leave(w->xs);
	w->written += len;
	if (last) {
		/* flushed now: a full or vanished medium must show here, not after the manifest */
		pdg_xs_enter(w->xs, PDG_XS_FSYNC);
		if (!rc && fsync(w->fd))
			rc = write_fail(errno, s->name, err);
		if (close(w->fd) && !rc)
			rc = write_fail(errno, s->name, err);
		w->fd = -1;
		pdg_xs_leave(w->xs);
	}
	part_name(part, sizeof(part), s->name);
	if (rc) {
		/* the block goes back to the free ones, unread */
		if (pdg_readback_queue(w->rb, w->nseg - 1, part, off, block, 0, 0, &ignored))
			pdg_err_clear(&ignored);
		return rc;
	}
	return pdg_readback_queue(w->rb, w->nseg - 1, part, off, block, len, last, err);
}

/* A block to fill, from the read-back thread's free ones. */
static enum pdg_code get_block(struct pdg_segw *w, struct pdg_err *err)
{
	if (w->bounce)
		return PDG_OK;
	pdg_xs_enter(w->xs, PDG_XS_READBACK);
	w->bounce = pdg_readback_block(w->rb, err);
	pdg_xs_leave(w->xs);
	w->bounced = 0;
	return w->bounce ? PDG_OK : err->code ? err->code : PDG_E_IO;
}

/* The digest of the segment that pdg_segw_hash has just completed (index hash_seg). */
static enum pdg_code hash_segment_done(struct pdg_segw *w, struct pdg_err *err)
{
	uint8_t d[PDG_SHA256_BYTES];
	enum pdg_code rc = PDG_OK;

	/* the first segment's digest is the running digest of everything at its end */
	if (!w->hash_seg) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		if (!md || EVP_MD_CTX_copy_ex(md, w->hash_all.md) != 1) {
			EVP_MD_CTX_free(md);
			return pdg_err_set(err, PDG_E_CRYPTO, "cannot copy a SHA-256 state");
		}
		pdg_sha256_release(&w->hash_ctx);
		w->hash_ctx.md = md;
	}
	rc = pdg_sha256_final(&w->hash_ctx, d, err);
	if (!rc)
		pdg_sha256_hex(w->hash_hex[w->hash_seg++], d);
	w->hash_size = 0;
	return rc;
}

enum pdg_code pdg_segw_hash(struct pdg_segw *w, const uint8_t *buf, size_t len,
			    struct pdg_err *err)
{
	enum pdg_code rc;

	if (!w->hash_all.md && (rc = pdg_sha256_init(&w->hash_all, err)))
		return rc;
	while (len) {
		size_t n;

		if (w->hash_seg >= PDG_MEDIUM_MAX_SEGMENTS)
			return pdg_err_set(err, PDG_E_LIMIT, "the package needs more than %d "
					   "segments", PDG_MEDIUM_MAX_SEGMENTS);
		/* segments after the first are hashed twice: on their own and in the whole */
		if (w->hash_seg && !w->hash_ctx.md && (rc = pdg_sha256_init(&w->hash_ctx, err)))
			return rc;
		n = w->seg_max - w->hash_size < len ? (size_t)(w->seg_max - w->hash_size) : len;
		if ((rc = pdg_sha256_update(&w->hash_all, buf, n, err)) ||
		    (w->hash_seg && (rc = pdg_sha256_update(&w->hash_ctx, buf, n, err))))
			return rc;
		w->hash_size += n;
		w->hash_any = 1;
		buf += n;
		len -= n;
		if (w->hash_size == w->seg_max && (rc = hash_segment_done(w, err)))
			return rc;
	}
	return PDG_OK;
}

/* After the last pdg_segw_hash: the last segment's digest and that of everything. */
static enum pdg_code hash_finish(struct pdg_segw *w, struct pdg_err *err)
{
	uint8_t d[PDG_SHA256_BYTES];
	enum pdg_code rc;

	if (!w->hash_any)
		return pdg_err_set(err, PDG_E_INTERNAL, "the ciphertext was not hashed");
	if (w->hash_size && (rc = hash_segment_done(w, err)))
		return rc;
	if ((rc = pdg_sha256_final(&w->hash_all, d, err)))
		return rc;
	pdg_sha256_hex(w->all_sha256, d);
	if (w->hash_seg != w->nseg)
		return pdg_err_set(err, PDG_E_INTERNAL, "the ciphertext was hashed as %u segments "
				   "but written as %u", w->hash_seg, w->nseg);
	for (unsigned i = 0; i < w->nseg; i++)
		memcpy(w->seg[i].sha256, w->hash_hex[i], sizeof(w->seg[i].sha256));
	return PDG_OK;
}

enum pdg_code pdg_segw_write(void *arg, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_segw *w = arg;
	enum pdg_code rc = PDG_OK;

	while (len) {
		struct pdg_medium_segment *s;
		size_t n;

		if (w->fd < 0 && (rc = next_segment(w, err)))
			return rc;
		if ((rc = get_block(w, err)))
			return rc;
		s = &w->seg[w->nseg - 1];
		n = w->seg_max - s->size < len ? (size_t)(w->seg_max - s->size) : len;
		if (PDG_READBACK_BLOCK - w->bounced < n)
			n = PDG_READBACK_BLOCK - w->bounced;
		memcpy(w->bounce + w->bounced, buf, n);
		w->bounced += n;
		s->size += n;
		w->total += n;
		buf += n;
		len -= n;
		if (s->size == w->seg_max)
			rc = put_block(w, 1, err);
		else if (w->bounced == PDG_READBACK_BLOCK)
			rc = put_block(w, 0, err);
		if (rc)
			return rc;
	}
	return PDG_OK;
}

enum pdg_code pdg_segw_finish(struct pdg_segw *w, struct pdg_err *err)
{
	uint64_t *size = NULL;
	enum pdg_code rc;
	char part[48];

	if (w->fd >= 0 && ((rc = get_block(w, err)) || (rc = put_block(w, 1, err))))
		return rc;
	if (!w->nseg)
		return pdg_err_set(err, PDG_E_INTERNAL, "no ciphertext was written");
	if ((rc = hash_finish(w, err)))
		return rc;
	size = calloc(w->nseg, sizeof(*size));
	if (!size)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	pdg_xs_enter(w->xs, PDG_XS_READBACK);
	rc = pdg_readback_finish(w->rb, w->nseg, size, err);
	pdg_xs_leave(w->xs);
	w->readback_busy = pdg_readback_busy(w->rb);
	if (rc)
		goto out;
	for (unsigned i = 0; i < w->nseg; i++)
		if (size[i] != w->seg[i].size) {
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
	/* a failed export leaves the medium as it found it: no empty PDIGATE/ of its own */
	if (w->mediumfd >= 0) {
		(void)unlinkat(w->mediumfd, PDG_MEDIUM_DIR, AT_REMOVEDIR); /* fails unless empty */
		close(w->mediumfd);
	}
	w->mediumfd = -1;
	pdg_sha256_release(&w->hash_ctx);
	pdg_sha256_release(&w->hash_all);
	w->bounce = NULL; /* the read-back thread's: freed with it */
}
