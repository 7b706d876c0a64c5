/* SPDX-License-Identifier: MIT */
/* The batch output folder: names without PHI, atomic writes, quarantine copies, the check. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "appliance/batch/internal.h"

void pdg_batch_name(char *buf, enum pdg_batch_kind kind, size_t index)
{
	snprintf(buf, PDG_BATCH_NAME_MAX, "%c%06zu.dcm", (char)kind, index + 1);
}

void pdg_batch_tmp_name(char *buf, enum pdg_batch_kind kind, size_t index)
{
	snprintf(buf, PDG_BATCH_NAME_MAX, ".%c%06zu.tmp", (char)kind, index + 1);
}

/* Is the folder fd empty? 1 yes, 0 no, -1 error. Consumes nothing: works on a dup. */
static int dir_empty(int fd)
{
	int d = dup(fd);
	DIR *dir;
	struct dirent *de;
	int empty = 1;

	if (d < 0 || !(dir = fdopendir(d))) {
		if (d >= 0)
			close(d);
		return -1;
	}
	rewinddir(dir); /* the offset is shared with fd: start from the top */
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(dir);
	return empty;
}

enum pdg_code pdg_batch_outdir_open(struct pdg_batch_run *r, const char *dir, struct pdg_err *err)
{
	int e;

	r->outfd = r->qfd = -1;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create the output folder");
	r->outfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->outfd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open the output folder");
	e = dir_empty(r->outfd);
	if (e < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot read the output folder");
	if (!e)
		return pdg_err_set(err, PDG_E_EXISTS,
				   "the output folder is not empty (refusing to mix batches)");
	if (mkdirat(r->outfd, PDG_BATCH_QUARANTINE, 0700))
		return pdg_err_sys(err, PDG_E_IO, "cannot create the quarantine folder");
	r->qfd = openat(r->outfd, PDG_BATCH_QUARANTINE, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->qfd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open the quarantine folder");
	return PDG_OK;
}

static int folder_of(const struct pdg_batch_run *r, enum pdg_batch_kind kind)
{
	return kind == PDG_KIND_EXPORT ? r->outfd : r->qfd;
}

enum pdg_code pdg_batch_commit(const struct pdg_batch_run *r, enum pdg_batch_kind kind,
			       size_t index, struct pdg_err *err)
{
	char tmp[PDG_BATCH_NAME_MAX], name[PDG_BATCH_NAME_MAX];
	int dfd = folder_of(r, kind);

	pdg_batch_tmp_name(tmp, kind, index);
	pdg_batch_name(name, kind, index);
	if (r->opts->no_flush)
		return PDG_OK; /* named by pdg_batch_publish; never written back on purpose */
	if (!r->opts->fsync_each) {
		/*
		 * Start writing the file to disk now, without waiting: the disk works while the
		 * next files are processed, and the one flush at the end has less left to do.
		 * The file keeps its temporary name: pdg_batch_publish names it after that flush.
		 */
		int fd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
			close(fd);
		}
		return PDG_OK;
	} else {
		int fd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0 || fsync(fd)) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			errno = e;
			(void)unlinkat(dfd, tmp, 0);
			return pdg_err_sys(err, PDG_E_IO, "cannot flush an output file");
		}
		close(fd);
	}
	if (renameat(dfd, tmp, dfd, name)) {
		(void)unlinkat(dfd, tmp, 0);
		return pdg_err_sys(err, PDG_E_IO, "cannot rename an output file into place");
	}
	return PDG_OK;
}

static int copy_fd(int in, int out)
{
	char buf[1 << 16];

	if (lseek(in, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
		break; /* not supported here: plain copy of the rest */
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			off += w;
		}
	}
}

enum pdg_code pdg_batch_quarantine_copy(const struct pdg_batch_run *r, int srcfd, size_t index,
					struct pdg_err *err)
{
	char tmp[PDG_BATCH_NAME_MAX];
	int fd;

	pdg_batch_tmp_name(tmp, PDG_KIND_QUARANTINE, index);
	(void)unlinkat(r->qfd, tmp, 0);
	/* originals keep their PHI: readable by the appliance user only */
	fd = openat(r->qfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create a quarantine file");
	if (copy_fd(srcfd, fd)) {
		int e = errno;

		close(fd);
		(void)unlinkat(r->qfd, tmp, 0);
		errno = e;
		return pdg_err_sys(err, PDG_E_IO, "cannot copy a file to quarantine");
	}
	if (close(fd)) {
		(void)unlinkat(r->qfd, tmp, 0);
		return pdg_err_sys(err, PDG_E_IO, "cannot copy a file to quarantine");
	}
	return pdg_batch_commit(r, PDG_KIND_QUARANTINE, index, err);
}

enum pdg_code pdg_batch_publish(const struct pdg_batch_run *r, struct pdg_err *err)
{
	struct pdg_inputs *in = &r->b->in;

	if (r->opts->fsync_each && !r->opts->no_flush)
		return PDG_OK; /* each file was flushed and named when it was written */
	/*
	 * One flush for the whole batch, then the names: a final name is always complete data.
	 * A staging folder (no_flush) is not flushed: it is removed after use, and its pages,
	 * removed before the kernel writes them back, never reach the disk.
	 */
	if (!r->opts->no_flush && syncfs(r->outfd))
		return pdg_err_sys(err, PDG_E_IO, "cannot flush the output folder");
	for (size_t i = 0; i < in->n; i++) {
		struct pdg_input *e = &in->v[i];
		char tmp[PDG_BATCH_NAME_MAX], name[PDG_BATCH_NAME_MAX];
		enum pdg_batch_kind kind;
		int dfd;

		if (e->outcome == PDG_OUTCOME_EXPORTED && r->opts->ready)
			continue; /* handed over: the caller's file */
		if (e->outcome == PDG_OUTCOME_EXPORTED)
			kind = PDG_KIND_EXPORT;
		else if (e->outcome == PDG_OUTCOME_QUARANTINED)
			kind = PDG_KIND_QUARANTINE;
		else
			continue;
		dfd = folder_of(r, kind);
		pdg_batch_tmp_name(tmp, kind, i);
		pdg_batch_name(name, kind, i);
		if (!renameat(dfd, tmp, dfd, name))
			continue;
		if (errno != ENOENT)
			return pdg_err_sys(err, PDG_E_IO, "cannot rename an output file into place");
		/* a worker answered for a file it did not leave: count it as failed */
		e->outcome = PDG_OUTCOME_FAILED;
		e->reason = kind == PDG_KIND_EXPORT ? "the de-identified file could not be written"
						    : "the original could not be copied to quarantine";
	}
	if (!r->opts->no_flush && (fsync(r->qfd) || fsync(r->outfd)))
		return pdg_err_sys(err, PDG_E_IO, "cannot flush the output folder");
	return PDG_OK;
}

void pdg_batch_forget(const struct pdg_batch_run *r, size_t index)
{
	static const enum pdg_batch_kind kinds[] = { PDG_KIND_EXPORT, PDG_KIND_QUARANTINE };
	char name[PDG_BATCH_NAME_MAX];

	for (size_t i = 0; i < 2; i++) {
		pdg_batch_name(name, kinds[i], index);
		(void)unlinkat(folder_of(r, kinds[i]), name, 0);
		pdg_batch_tmp_name(name, kinds[i], index);
		(void)unlinkat(folder_of(r, kinds[i]), name, 0);
	}
}

/* SHA-256 of the path bytes as 64 hex digits: lets an operator find a file without the
 * report naming it (`printf %s PATH | sha256sum`). */
static void path_hash(const char *path, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(path, strlen(path), md, &n, EVP_sha256(), NULL))
		n = 0;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", i < n ? md[i] : 0);
	hex[64] = '\0';
}

enum pdg_code pdg_batch_write_reasons(const struct pdg_batch_run *r, struct pdg_err *err)
{
	static const char tmp[] = ".REASONS.tmp";
	const struct pdg_inputs *in = &r->b->in;
	FILE *f;
	int fd;

	/*
	 * Everything written so far is on disk before the list that marks completion:
	 * pdg_batch_publish flushed it (or each file was flushed, --fsync-each), and nothing
	 * but renames and the folders' own flushes came after. No second syncfs: on a shared
	 * disk it would wait for every other writer's data again.
	 */
	(void)unlinkat(r->qfd, tmp, 0);
	fd = openat(r->qfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return pdg_err_sys(err, PDG_E_IO, "cannot create the reasons list");
	}
	fprintf(f, "name\toutcome\treason\tpath-sha256\n");
	for (size_t i = 0; i < in->n; i++) {
		const struct pdg_input *e = &in->v[i];
		char name[PDG_BATCH_NAME_MAX], hex[65];

		if (e->outcome == PDG_OUTCOME_EXPORTED)
			continue;
		if (e->outcome == PDG_OUTCOME_QUARANTINED)
			pdg_batch_name(name, PDG_KIND_QUARANTINE, i);
		else
			snprintf(name, sizeof(name), "-");
		path_hash(e->path, hex);
		fprintf(f, "%s\t%s\t%s\t%s\n", name, pdg_outcome_name(e->outcome),
			e->reason ? e->reason : "-", hex);
	}
	if (fflush(f) || ferror(f) || (!r->opts->no_flush && fsync(fileno(f)))) {
		fclose(f);
		(void)unlinkat(r->qfd, tmp, 0);
		return pdg_err_sys(err, PDG_E_IO, "cannot write the reasons list");
	}
	if (fclose(f) || renameat(r->qfd, tmp, r->qfd, PDG_BATCH_REASONS)) {
		(void)unlinkat(r->qfd, tmp, 0);
		return pdg_err_sys(err, PDG_E_IO, "cannot write the reasons list");
	}
	if (!r->opts->no_flush && (fsync(r->qfd) || fsync(r->outfd)))
		return pdg_err_sys(err, PDG_E_IO, "cannot flush the output folder");
	return PDG_OK;
}

/* Whether name is kind's final name of some input (the shape "K" + digits + ".dcm"). */
static int is_final_name(const char *name, char kind)
{
	size_t len = strlen(name);

	if (len < 6 || name[0] != kind || strcmp(name + len - 4, ".dcm"))
		return 0;
	for (size_t i = 1; i < len - 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 1;
}

/* Count final names of kind in fd; *other counts anything else except `allowed`. */
static int count_names(int fd, char kind, const char *allowed, size_t *finals, size_t *other)
{
	int d = dup(fd);
	DIR *dir;
	struct dirent *de;

	*finals = *other = 0;
	if (d < 0 || !(dir = fdopendir(d))) {
		if (d >= 0)
			close(d);
		return -1;
	}
	rewinddir(dir); /* the offset is shared with fd: start from the top */
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (is_final_name(de->d_name, kind))
			(*finals)++;
		else if (strcmp(de->d_name, allowed))
			(*other)++;
	}
	closedir(dir);
	return 0;
}

enum pdg_code pdg_batch_outdir_check(const struct pdg_batch_run *r, struct pdg_err *err)
{
	const struct pdg_batch *b = r->b;
	size_t e, q, oe, oq;

	if (b->exported + b->quarantined + b->skipped + b->failed != b->in.n)
		return pdg_err_set(err, PDG_E_INTERNAL,
				   "consistency check failed: %zu inputs but %zu exported + %zu "
				   "quarantined + %zu skipped + %zu failed", b->in.n, b->exported,
				   b->quarantined, b->skipped, b->failed);
	if (count_names(r->outfd, PDG_KIND_EXPORT, PDG_BATCH_QUARANTINE, &e, &oe) ||
	    count_names(r->qfd, PDG_KIND_QUARANTINE, PDG_BATCH_REASONS, &q, &oq))
		return pdg_err_sys(err, PDG_E_IO, "cannot list the output folder");
	if (r->opts->ready)
		e = b->exported, oe = 0; /* the exported files were handed over (opts->ready) */
	if (e != b->exported || q != b->quarantined || oe || oq)
		return pdg_err_set(err, PDG_E_INTERNAL,
				   "consistency check failed: the output folder holds %zu exported "
				   "and %zu quarantined files (expected %zu and %zu) and %zu others",
				   e, q, b->exported, b->quarantined, oe + oq);
	return PDG_OK;
}
