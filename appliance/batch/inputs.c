/* SPDX-License-Identifier: MIT */
/* Input discovery: walk operands in a stable order and record every entry with an outcome. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/batch/inputs.h"

struct pdg_inputs_seen {
	dev_t dev;
	ino_t ino;
	int used;
};

void pdg_inputs_init(struct pdg_inputs *in, uint64_t max_file_bytes)
{
	*in = (struct pdg_inputs){ .max_file_bytes = max_file_bytes ? max_file_bytes
								      : PDG_BATCH_MAX_FILE_BYTES };
}

void pdg_inputs_release(struct pdg_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->v[i].path);
	free(in->v);
	free(in->seen);
	*in = (struct pdg_inputs){ 0 };
}

size_t pdg_inputs_count(const struct pdg_inputs *in, enum pdg_outcome outcome)
{
	size_t c = 0;

	for (size_t i = 0; i < in->n; i++)
		c += in->v[i].outcome == outcome;
	return c;
}

static size_t seen_slot(const struct pdg_inputs *in, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
	size_t i = (size_t)(h >> 17) & (in->capseen - 1);

	while (in->seen[i].used && (in->seen[i].dev != dev || in->seen[i].ino != ino))
		i = (i + 1) & (in->capseen - 1);
	return i;
}

/* Remember (dev, ino); *dup is set when it was seen before. */
static enum pdg_code seen_add(struct pdg_inputs *in, dev_t dev, ino_t ino, int *dup,
			      struct pdg_err *err)
{
	size_t i;

	if ((in->nseen + 1) * 2 > in->capseen) {
		size_t cap = in->capseen ? in->capseen * 2 : 1024;
		struct pdg_inputs_seen *old = in->seen;
		size_t oldcap = in->capseen;

		in->seen = calloc(cap, sizeof(*in->seen));
		if (!in->seen) {
			in->seen = old;
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory listing inputs");
		}
		in->capseen = cap;
		for (size_t j = 0; j < oldcap; j++)
			if (old[j].used)
				in->seen[seen_slot(in, old[j].dev, old[j].ino)] = old[j];
		free(old);
	}
	i = seen_slot(in, dev, ino);
	*dup = in->seen[i].used;
	if (!*dup) {
		in->seen[i] = (struct pdg_inputs_seen){ .dev = dev, .ino = ino, .used = 1 };
		in->nseen++;
	}
	return PDG_OK;
}

static enum pdg_code push(struct pdg_inputs *in, const char *path, uint64_t size,
			  const char *skip_reason, struct pdg_err *err)
{
	struct pdg_input *e;

	if (in->n >= PDG_BATCH_MAX_INPUTS)
		return pdg_err_set(err, PDG_E_LIMIT, "more than %u inputs in one batch",
				   PDG_BATCH_MAX_INPUTS);
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 256;
		struct pdg_input *v = realloc(in->v, cap * sizeof(*v));

		if (!v)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory listing inputs");
		in->v = v;
		in->cap = cap;
	}
	e = &in->v[in->n];
	*e = (struct pdg_input){ .path = strdup(path), .size = size };
	if (!e->path)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory listing inputs");
	if (skip_reason) {
		e->outcome = PDG_OUTCOME_SKIPPED;
		e->reason = skip_reason;
	}
	in->n++;
	return PDG_OK;
}

/* A regular file opened as fd (by us, without following links): pending, or skipped. */
static enum pdg_code add_file(struct pdg_inputs *in, const char *path, int fd,
			      struct pdg_err *err)
{
	struct stat st;
	enum pdg_code rc;
	int dup;

	if (fstat(fd, &st))
		return push(in, path, 0, PDG_REASON_NOREAD, err);
	if (!S_ISREG(st.st_mode))
		return push(in, path, 0, PDG_REASON_SPECIAL, err);
	rc = seen_add(in, st.st_dev, st.st_ino, &dup, err);
	if (rc)
		return rc;
	if (dup)
		return push(in, path, (uint64_t)st.st_size, PDG_REASON_DUPLICATE, err);
	if ((uint64_t)st.st_size > in->max_file_bytes)
		return push(in, path, (uint64_t)st.st_size, PDG_REASON_TOO_BIG, err);
	return push(in, path, (uint64_t)st.st_size, NULL, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the names in dirfd (without "." and ".."), sorted bytewise. *names owned by caller. */
static int read_names(int dirfd, char ***names, size_t *n)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		close(dirfd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto fail;
		(*n)++;
		errno = 0;
	}
	if (errno)
		goto fail;
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_names);
	*names = v;
	return 0;
fail:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	*n = 0;
	return -1;
}

static enum pdg_code walk(struct pdg_inputs *in, int dirfd, char *path, size_t len, int depth,
			  struct pdg_err *err);

/* One entry name inside the folder dirfd whose path is path[0..len). */
static enum pdg_code visit(struct pdg_inputs *in, int dirfd, char *path, size_t len,
			   const char *name, int depth, struct pdg_err *err)
{
	size_t nlen = strlen(name);
	struct stat st;
	enum pdg_code rc;
	int fd;

	if (len + 1 + nlen >= PATH_MAX) {
		/* record what fits; the path is only used to count, never opened */
		return push(in, "(path too long)", 0, PDG_REASON_TOO_LONG, err);
	}
	path[len] = '/';
	memcpy(path + len + 1, name, nlen + 1);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		rc = push(in, path, 0, PDG_REASON_NOREAD, err);
	else if (S_ISLNK(st.st_mode))
		rc = push(in, path, 0, PDG_REASON_SYMLINK, err);
	else if (S_ISDIR(st.st_mode)) {
		if (depth + 1 > PDG_BATCH_MAX_DEPTH)
			rc = push(in, path, 0, PDG_REASON_TOO_DEEP, err);
		else if ((fd = openat(dirfd, name,
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			rc = push(in, path, 0, PDG_REASON_NODIR, err);
		else
			rc = walk(in, fd, path, len + 1 + nlen, depth + 1, err);
	} else if (!S_ISREG(st.st_mode))
		rc = push(in, path, 0, PDG_REASON_SPECIAL, err);
	else if ((fd = openat(dirfd, name,
			      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		rc = push(in, path, 0, PDG_REASON_NOREAD, err);
	else {
		rc = add_file(in, path, fd, err);
		close(fd);
	}
	path[len] = '\0';
	return rc;
}

/* Walk the open folder dirfd (consumed) whose path is path[0..len). */
static enum pdg_code walk(struct pdg_inputs *in, int dirfd, char *path, size_t len, int depth,
			  struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;
	char **names;
	size_t n;
	int fd = dup(dirfd);

	if (fd < 0) {
		close(dirfd);
		return pdg_err_sys(err, PDG_E_IO, "cannot walk a folder");
	}
	/* fdopendir takes dirfd; fd stays ours for the *at calls */
	if (read_names(dirfd, &names, &n)) {
		close(fd);
		return push(in, path, 0, PDG_REASON_NODIR, err);
	}
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = visit(in, fd, path, len, names[i], depth, err);
		free(names[i]);
	}
	free(names);
	close(fd);
	return rc;
}

enum pdg_code pdg_inputs_add(struct pdg_inputs *in, const char *arg, size_t argno,
			     struct pdg_err *err)
{
	char path[PATH_MAX];
	size_t len = strlen(arg);
	struct stat st;
	int fd;

	if (len == 0 || len >= sizeof(path))
		return pdg_err_set(err, PDG_E_INVALID, "input argument %zu is not a usable path",
				   argno);
	memcpy(path, arg, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (stat(path, &st)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return pdg_err_set(err, PDG_E_NOTFOUND, "input argument %zu does not exist",
					   argno);
		return pdg_err_sys(err, PDG_E_IO, "cannot examine input argument %zu", argno);
	}
	if (S_ISDIR(st.st_mode)) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return push(in, path, 0, PDG_REASON_NODIR, err);
		if (len == 1 && path[0] == '/')
			len = 0; /* children of "/" are "/name", not "//name" */
		return walk(in, fd, path, len, 0, err);
	}
	if (!S_ISREG(st.st_mode))
		return push(in, path, 0, PDG_REASON_SPECIAL, err);
	{
		/* a link named as an operand is followed once, here: workers never follow one */
		struct stat lst;
		char real[PATH_MAX];

		if (!lstat(path, &lst) && S_ISLNK(lst.st_mode) && realpath(path, real))
			memcpy(path, real, strlen(real) + 1);
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return push(in, path, 0, PDG_REASON_NOREAD, err);
	enum pdg_code rc = add_file(in, path, fd, err);
	close(fd);
	return rc;
}
