/* SPDX-License-Identifier: MIT */
/* Writing a whole buffer to a file descriptor; O_DIRECT. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/fdio.h"

/* write(2), or pwrite(2) at off when positional, until len bytes are written. */
static int write_loop(int fd, const char *p, size_t len, int positional, uint64_t off)
{
	while (len > 0) {
		ssize_t w = positional ? pwrite(fd, p, len, (off_t)off) : write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int pdg_write_full(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, 0, 0);
}

int pdg_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	return write_loop(fd, buf, len, 1, off);
}

enum pdg_code pdg_write_all(int fd, const void *buf, size_t len, const char *path,
			    struct pdg_err *err)
{
	if (pdg_write_full(fd, buf, len))
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
	return PDG_OK;
}

int pdg_open_direct(int dirfd, const char *path, int flags, mode_t mode, int *direct)
{
	int fd = openat(dirfd, path, flags | O_DIRECT, mode);

	*direct = fd >= 0;
	if (fd < 0 && errno == EINVAL) /* no O_DIRECT on this file system */
		fd = openat(dirfd, path, flags, mode);
	return fd;
}

int pdg_set_direct(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT);
}
