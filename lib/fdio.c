/* SPDX-License-Identifier: MIT */
/* Writing a whole buffer to a file descriptor. */
#include <errno.h>
#include <unistd.h>

#include "lib/fdio.h"

int pdg_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

enum pdg_code pdg_write_all(int fd, const void *buf, size_t len, const char *path,
			    struct pdg_err *err)
{
	if (pdg_write_full(fd, buf, len))
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
	return PDG_OK;
}
