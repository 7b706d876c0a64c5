/* SPDX-License-Identifier: MIT */
/* File-system helpers for the home: atomic writes, bounded reads, random bytes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/fdio.h"

enum pdg_code pdg_path_join(char *buf, size_t cap, const char *dir, const char *name,
			    struct pdg_err *err)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		return pdg_err_set(err, PDG_E_LIMIT, "path too long: '%s/%s'", dir, name);
	return PDG_OK;
}

enum pdg_code pdg_fsync_dir(const char *path, struct pdg_err *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open folder '%s'", path);
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return pdg_err_sys(err, PDG_E_IO, "cannot sync folder '%s'", path);
	}
	close(fd);
	return PDG_OK;
}

enum pdg_code pdg_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			       int flags, struct pdg_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	enum pdg_code rc;
	int fd = -1, n;

	if (slash) {
		size_t dl = (size_t)(slash - path);

		if (dl >= sizeof(dir))
			return pdg_err_set(err, PDG_E_LIMIT, "path too long: '%s'", path);
		memcpy(dir, path, dl);
		dir[dl ? dl : 1] = '\0';
		if (!dl)
			dir[0] = '/';
		n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.XXXXXX", dir, slash + 1);
	} else {
		memcpy(dir, ".", 2);
		n = snprintf(tmp, sizeof(tmp), "./.%s.tmp.XXXXXX", path);
	}
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return pdg_err_set(err, PDG_E_LIMIT, "path too long: '%s'", path);

	/* mkstemp opens with O_CREAT|O_EXCL and mode 0600: never a world-readable moment */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create a temporary file beside '%s'", path);
	if (fchmod(fd, mode) < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot set the mode of '%s'", tmp);
		goto fail;
	}
	rc = pdg_write_all(fd, data, len, tmp, err);
	if (rc)
		goto fail;
	if (fsync(fd) < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync '%s'", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = pdg_err_sys(err, PDG_E_IO, "cannot close '%s'", tmp);
		goto fail;
	}
	fd = -1;
	if (flags & PDG_WRITE_NOREPLACE) {
		/* link(2) fails with EEXIST instead of replacing: an atomic create-if-absent */
		if (link(tmp, path) < 0) {
			if (errno == EEXIST)
				rc = pdg_err_set(err, PDG_E_EXISTS, "'%s' already exists", path);
			else
				rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", path);
			goto fail;
		}
		(void)unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot rename '%s' to '%s'", tmp, path);
		goto fail;
	}
	return pdg_fsync_dir(dir, err);
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return rc;
}

enum pdg_code pdg_read_file(const char *path, size_t max, char **out, size_t *len,
			    struct pdg_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return pdg_err_set(err, PDG_E_NOTFOUND, "'%s' does not exist", path);
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", path);
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return pdg_err_sys(err, PDG_E_IO, "cannot stat '%s'", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file", path);
	}
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return pdg_err_set(err, PDG_E_LIMIT, "'%s' is larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			enum pdg_code rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);

			close(fd);
			explicit_bzero(buf, got);
			free(buf);
			return rc;
		}
		if (r == 0)
			break; /* shrank meanwhile: return what is there */
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return PDG_OK;
}

enum pdg_code pdg_random_bytes(void *buf, size_t n, struct pdg_err *err)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pdg_err_sys(err, PDG_E_IO, "cannot get random bytes");
		p += r;
		n -= (size_t)r;
	}
	return PDG_OK;
}

int pdg_str_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return 0;
	memcpy(dst, src, n + 1);
	return 1;
}

void pdg_utc_now(char *buf, size_t cap)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
