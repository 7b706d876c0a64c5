/* SPDX-License-Identifier: MIT */
/* Writing a whole buffer to a file descriptor, past short writes and interruptions; O_DIRECT. */
#ifndef PDG_FDIO_H
#define PDG_FDIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/*
 * Write all len bytes of buf to fd, retrying short writes and EINTR. Returns 0, or -1 with
 * errno set (EIO if write(2) made no progress). For callers with their own messages.
 */
PDG_MUST_CHECK int pdg_write_full(int fd, const void *buf, size_t len);

/* As pdg_write_full, at file offset off (pwrite(2): the descriptor's offset stays). */
PDG_MUST_CHECK int pdg_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* As pdg_write_full; a failure is PDG_E_IO "cannot write '<path>': <strerror>". */
PDG_MUST_CHECK enum pdg_code pdg_write_all(int fd, const void *buf, size_t len, const char *path,
					   struct pdg_err *err);

/*
 * openat(dirfd, path, flags | O_DIRECT, mode), or the same without O_DIRECT where the file
 * system refuses it (EINVAL). *direct tells whether the descriptor has O_DIRECT. Returns the
 * descriptor, or -1 with errno set.
 */
PDG_MUST_CHECK int pdg_open_direct(int dirfd, const char *path, int flags, mode_t mode,
				   int *direct);

/* Set (on) or clear O_DIRECT on fd. Returns 0, or -1 with errno set. */
PDG_MUST_CHECK int pdg_set_direct(int fd, int on);

#endif
