/* SPDX-License-Identifier: MIT */
/* Writing a file set as one stored, deterministic ZIP in a single streaming pass. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>

#include "lib/fdio.h"
#include "pdi/manifest.h"
#include "pdi/tree.h"
#include "pdi/zip.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define MADE_BY 0x033fu      /* UNIX, 6.3 (what libzip writes) */
#define NEED_STORE 10u       /* 1.0: stored */
#define NEED_ZIP64 45u       /* 4.5: zip64 */
#define U32_MAX 0xffffffffu
#define U16_MAX 0xffffu
#define DATA_BLOCK ((size_t)1 << 20)    /* reads of files larger than the whole-file buffer */
#define WHOLE_FILE ((size_t)8 << 20)    /* files up to this size are read once */
#define CD_BUF ((size_t)64 << 10)

/* What the central directory needs of one entry. */
struct zentry {
	char *name;
	uint64_t size;
	uint64_t lho;            /* offset of its local header */
	uint32_t crc;
};

/* A ZIP being written (pdg_zip, zip.h). */
struct pdg_zip {
	pdg_zip_write_fn write;
	void *wctx;
	struct pdg_zip_opts o;
	uint64_t off;            /* bytes written so far */
	uint16_t date;           /* DOS date; time is 00:00:00 */
	struct zentry *e;        /* per entry */
	size_t n, cap;
	uint64_t bytes;          /* data bytes of all entries */
	uint8_t *buf;            /* WHOLE_FILE bytes */
	int done;                /* closed, or a call failed: only free is allowed */
	struct pdg_err *err;
};

static uint8_t *put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, v & 0xffffu);
	return put16(p, v >> 16);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)v);
	return put32(p, (uint32_t)(v >> 32));
}

static enum pdg_code out(struct pdg_zip *z, const void *buf, size_t len)
{
	enum pdg_code rc;

	if (!len)
		return PDG_OK;
	rc = z->write(z->wctx, buf, len, z->err);
	z->off += len;
	return rc;
}

/* CRC-32 (ISO 3309) with libdeflate: PCLMULQDQ where the processor has it, 3-6x zlib's */
static uint32_t crc_of(uint32_t crc, const uint8_t *p, size_t len)
{
	return libdeflate_crc32(crc, p, len);
}

/* Local header: sizes and CRC are known (no data descriptor); zip64 extra for large entries. */
static enum pdg_code local_header(struct pdg_zip *z, const char *name, uint64_t size, uint32_t crc)
{
	uint8_t h[30 + PDG_PDI_PATH_MAX + 20], *p = h;
	size_t nlen = strlen(name);
	int big = size >= U32_MAX;

	p = put32(p, SIG_LOCAL);
	p = put16(p, big ? NEED_ZIP64 : NEED_STORE);
	p = put16(p, 0);                /* flags */
	p = put16(p, 0);                /* method: stored */
	p = put16(p, 0);                /* time */
	p = put16(p, z->date);
	p = put32(p, crc);
	p = put32(p, big ? U32_MAX : (uint32_t)size);
	p = put32(p, big ? U32_MAX : (uint32_t)size);
	p = put16(p, (unsigned)nlen);
	p = put16(p, big ? 20 : 0);
	memcpy(p, name, nlen);
	p += nlen;
	if (big) {
		p = put16(p, 0x0001);
		p = put16(p, 16);
		p = put64(p, size);
		p = put64(p, size);
	}
	return out(z, h, (size_t)(p - h));
}

static enum pdg_code read_fail(struct pdg_zip *z, const char *name)
{
	return pdg_err_sys(z->err, PDG_E_IO, "cannot read '%s'", name);
}

static enum pdg_code changed(struct pdg_zip *z, const char *name)
{
	return pdg_err_set(z->err, PDG_E_IO, "'%s' changed while it was being archived", name);
}

/* Read exactly len bytes at off (short only at a premature end of file: returns fewer). */
static ssize_t pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * One entry: the file at path as name. Small files are read once into the buffer (CRC,
 * header, data); larger ones are read twice, once for the CRC that the local header needs and
 * once to write them out, with the CRC checked again, so that a file changing underneath is an
 * error, not a bad ZIP. want: the size the file must have, or UINT64_MAX: any.
 */
static enum pdg_code entry(struct pdg_zip *z, const char *name, const char *path, uint64_t want)
{
	struct zentry *e;
	uint32_t crc = 0, again;
	enum pdg_code rc = PDG_OK;
	struct stat st;
	uint64_t off, size = 0;
	int fd;

	if (z->n == z->cap) {
		size_t cap = z->cap ? 2 * z->cap : 1024;
		struct zentry *grown = realloc(z->e, cap * sizeof(*grown));

		if (!grown)
			return pdg_err_set(z->err, PDG_E_NOMEM, "out of memory");
		z->e = grown;
		z->cap = cap;
	}
	e = &z->e[z->n];
	memset(e, 0, sizeof(*e));
	if (!(e->name = strdup(name)))
		return pdg_err_set(z->err, PDG_E_NOMEM, "out of memory");
	z->n++;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = read_fail(z, name);
		goto done;
	}
	size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || (want != UINT64_MAX && size != want)) {
		rc = changed(z, name);
		goto done;
	}
	e->size = size;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	e->lho = z->off;
	if (size <= WHOLE_FILE) {
		ssize_t n = pread_full(fd, z->buf, (size_t)size + 1, 0);

		if (n < 0) {
			rc = read_fail(z, name);
			goto done;
		}
		if ((uint64_t)n != size) {
			rc = changed(z, name);
			goto done;
		}
		crc = crc_of(crc, z->buf, (size_t)n);
		if (!(rc = local_header(z, name, size, crc)))
			rc = out(z, z->buf, (size_t)n);
		e->crc = crc;
		goto done;
	}
	for (off = 0; off < size;) {
		ssize_t n = pread_full(fd, z->buf, DATA_BLOCK, off);

		if (n <= 0) {
			rc = n < 0 ? read_fail(z, name) : changed(z, name);
			goto done;
		}
		crc = crc_of(crc, z->buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (off != size) {
		rc = changed(z, name);
		goto done;
	}
	if ((rc = local_header(z, name, size, crc)))
		goto done;
	again = 0;
	for (off = 0; off < size;) {
		size_t len = size - off < DATA_BLOCK ? (size_t)(size - off) : DATA_BLOCK;
		ssize_t n = pread_full(fd, z->buf, len, off);

		if (n < 0) {
			rc = read_fail(z, name);
			goto done;
		}
		if ((size_t)n != len) {
			rc = changed(z, name);
			goto done;
		}
		again = crc_of(again, z->buf, len);
		if ((rc = out(z, z->buf, len)))
			goto done;
		off += len;
	}
	if (again != crc)
		rc = changed(z, name);
	e->crc = crc;
done:
	if (fd >= 0)
		close(fd);
	if (!rc) {
		z->bytes += size;
		if (z->o.entry_done)
			z->o.entry_done(z->o.entry_done_arg, path);
	}
	return rc;
}

/* Central directory records, gathered in blocks of CD_BUF bytes. */
static enum pdg_code central(struct pdg_zip *z)
{
	size_t used = 0;
	enum pdg_code rc;

	for (size_t i = 0; i < z->n; i++) {
		const struct zentry *f = &z->e[i];
		size_t nlen = strlen(f->name);
		int bsize = f->size >= U32_MAX, boff = f->lho >= U32_MAX;
		unsigned xlen = (bsize ? 16u : 0u) + (boff ? 8u : 0u);
		uint8_t *p;

		if (used + 46 + nlen + 4 + xlen > CD_BUF) {
			if ((rc = out(z, z->buf, used)))
				return rc;
			used = 0;
		}
		p = z->buf + used;
		p = put32(p, SIG_CENTRAL);
		p = put16(p, MADE_BY);
		p = put16(p, xlen ? NEED_ZIP64 : NEED_STORE);
		p = put16(p, 0);             /* flags */
		p = put16(p, 0);             /* stored */
		p = put16(p, 0);             /* time */
		p = put16(p, z->date);
		p = put32(p, f->crc);
		p = put32(p, bsize ? U32_MAX : (uint32_t)f->size);
		p = put32(p, bsize ? U32_MAX : (uint32_t)f->size);
		p = put16(p, (unsigned)nlen);
		p = put16(p, xlen ? xlen + 4 : 0);
		p = put16(p, 0);             /* comment */
		p = put16(p, 0);             /* disk */
		p = put16(p, 0);             /* internal attributes */
		p = put32(p, (uint32_t)0100644 << 16);
		p = put32(p, boff ? U32_MAX : (uint32_t)f->lho);
		memcpy(p, f->name, nlen);
		p += nlen;
		if (xlen) {
			p = put16(p, 0x0001);
			p = put16(p, xlen);
			if (bsize) {
				p = put64(p, f->size);
				p = put64(p, f->size);
			}
			if (boff)
				p = put64(p, f->lho);
		}
		used = (size_t)(p - z->buf);
	}
	return out(z, z->buf, used);
}

/* End of central directory, with the zip64 record and locator when a field overflows. */
static enum pdg_code end(struct pdg_zip *z, uint64_t n, uint64_t cd_off, uint64_t cd_size)
{
	uint8_t e[56 + 20 + 22], *p = e;
	int big = n >= U16_MAX || cd_off >= U32_MAX || cd_size >= U32_MAX;

	if (big) {
		uint64_t at = z->off;

		p = put32(p, SIG_END64);
		p = put64(p, 44);
		p = put16(p, MADE_BY);
		p = put16(p, NEED_ZIP64);
		p = put32(p, 0);
		p = put32(p, 0);
		p = put64(p, n);
		p = put64(p, n);
		p = put64(p, cd_size);
		p = put64(p, cd_off);
		p = put32(p, SIG_LOC64);
		p = put32(p, 0);
		p = put64(p, at);
		p = put32(p, 1);
	}
	p = put32(p, SIG_END);
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, n >= U16_MAX ? U16_MAX : (unsigned)n);
	p = put16(p, n >= U16_MAX ? U16_MAX : (unsigned)n);
	p = put32(p, cd_size >= U32_MAX ? U32_MAX : (uint32_t)cd_size);
	p = put32(p, cd_off >= U32_MAX ? U32_MAX : (uint32_t)cd_off);
	p = put16(p, 0);                     /* comment */
	return out(z, e, (size_t)(p - e));
}

static uint16_t dos_date(const struct pdg_zip_opts *o)
{
	if (!o || !o->year)
		return (uint16_t)((0 << 9) | (1 << 5) | 1);
	return (uint16_t)(((o->year - 1980) << 9) | (o->month << 5) | o->day);
}

enum pdg_code pdg_zip_open(struct pdg_zip **zp, const struct pdg_zip_opts *o,
			   pdg_zip_write_fn write, void *wctx, struct pdg_err *err)
{
	struct pdg_zip *z;

	*zp = NULL;
	if (o && o->year && (o->year < 1980 || o->year > 2107 || o->month < 1 || o->month > 12 ||
			     o->day < 1 || o->day > 31))
		return pdg_err_set(err, PDG_E_INVALID, "bad ZIP entry date");
	if (!(z = calloc(1, sizeof(*z))) || !(z->buf = malloc(WHOLE_FILE + 1))) {
		free(z);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	z->write = write;
	z->wctx = wctx;
	if (o)
		z->o = *o;
	z->date = dos_date(o);
	*zp = z;
	return PDG_OK;
}

static enum pdg_code failed(struct pdg_err *err)
{
	return pdg_err_set(err, PDG_E_INVALID, "the ZIP failed or was closed before");
}

enum pdg_code pdg_zip_add(struct pdg_zip *z, const char *name, const char *path,
			  struct pdg_err *err)
{
	enum pdg_code rc;

	if (z->done)
		return failed(err);
	if (!pdg_pdi_path_safe(name))
		rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a portable ZIP entry name", name);
	else if (z->n >= PDG_PDI_MAX_FILES)
		rc = pdg_err_set(err, PDG_E_LIMIT, "more than %u entries", PDG_PDI_MAX_FILES);
	else
		z->err = err, rc = entry(z, name, path, UINT64_MAX);
	z->done = rc != PDG_OK;
	return rc;
}

enum pdg_code pdg_zip_add_tree(struct pdg_zip *z, const char *root, const char *skip,
			       struct pdg_err *err)
{
	size_t skip_len = skip ? strlen(skip) : 0;
	struct pdg_pdi_tree t;
	enum pdg_code rc;

	if (z->done)
		return failed(err);
	z->err = err;
	rc = pdg_pdi_tree_read(root, &t, err);
	for (size_t i = 0; !rc && i < t.n; i++) {
		if (!t.files[i].regular)
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file",
					 t.files[i].path);
		else if (!pdg_pdi_path_safe(t.files[i].path))
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a portable ZIP entry name",
					 t.files[i].path);
	}
	if (!rc && z->n + t.n > PDG_PDI_MAX_FILES)
		rc = pdg_err_set(err, PDG_E_LIMIT, "more than %u entries", PDG_PDI_MAX_FILES);
	for (size_t i = 0; !rc && i < t.n; i++) {
		char path[PATH_MAX];

		if (skip_len && !strncmp(t.files[i].path, skip, skip_len))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, t.files[i].path);
		rc = entry(z, t.files[i].path, path, t.files[i].size);
	}
	pdg_pdi_tree_release(&t);
	z->done = rc != PDG_OK;
	return rc;
}

enum pdg_code pdg_zip_close(struct pdg_zip *z, struct pdg_zip_stats *st, struct pdg_err *err)
{
	uint64_t cd_off;
	enum pdg_code rc;

	if (z->done)
		return failed(err);
	z->done = 1;
	z->err = err;
	cd_off = z->off;
	if ((rc = central(z)) || (rc = end(z, z->n, cd_off, z->off - cd_off)))
		return rc;
	if (st) {
		st->entries = z->n;
		st->bytes = z->bytes;
	}
	return PDG_OK;
}

void pdg_zip_free(struct pdg_zip *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->n; i++)
		free(z->e[i].name);
	free(z->e);
	free(z->buf);
	free(z);
}

enum pdg_code pdg_pdi_zip_stream(const char *stage, const struct pdg_zip_opts *o,
				 pdg_zip_write_fn write, void *wctx, struct pdg_zip_stats *st,
				 struct pdg_err *err)
{
	struct pdg_zip *z;
	enum pdg_code rc;

	if (st)
		memset(st, 0, sizeof(*st));
	if ((rc = pdg_zip_open(&z, o, write, wctx, err)))
		return rc;
	if (!(rc = pdg_zip_add_tree(z, stage, NULL, err)))
		rc = pdg_zip_close(z, st, err);
	pdg_zip_free(z);
	return rc;
}

struct file_out {
	int fd;
	const char *path;
};

static enum pdg_code to_file(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	const struct file_out *f = ctx;

	if (!pdg_write_full(f->fd, buf, len))
		return PDG_OK;
	return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", f->path);
}

enum pdg_code pdg_pdi_zip_write(const char *stage, const char *zip_path,
				const struct pdg_zip_opts *o, struct pdg_zip_stats *st,
				struct pdg_err *err)
{
	struct file_out f = { .path = zip_path };
	enum pdg_code rc;

	f.fd = open(zip_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f.fd < 0)
		return pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
				   "cannot create '%s'", zip_path);
	rc = pdg_pdi_zip_stream(stage, o, to_file, &f, st, err);
	if (!rc && close(f.fd))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", zip_path);
	else if (rc)
		close(f.fd);
	if (rc)
		unlink(zip_path);
	return rc;
}
