/* SPDX-License-Identifier: MIT */
/* Small file-system helpers: atomic writes, bounded reads, random bytes, paths. */
#ifndef PDG_LIB_FSUTIL_H
#define PDG_LIB_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

/* Flags for pdg_write_atomic. */
#define PDG_WRITE_NOREPLACE 1 /* fail with PDG_E_EXISTS if path already exists */

/*
 * Write len bytes of data to path so that path holds either its old content or all of the
 * new content, also after a crash: the bytes go to a temporary file beside path (created with
 * O_EXCL, mode `mode`), which is fsync'd, then renamed onto path (or, with PDG_WRITE_NOREPLACE,
 * linked to path, which fails if path exists), then the folder is fsync'd.
 * The temporary file is removed on every failure. Errors: PDG_E_EXISTS, PDG_E_IO.
 */
PDG_MUST_CHECK enum pdg_code pdg_write_atomic(const char *path, const void *data, size_t len,
					      mode_t mode, int flags, struct pdg_err *err);

/*
 * Read the whole file at path into a new buffer *out (NUL-terminated for convenience;
 * *len excludes the NUL). Files larger than max bytes fail with PDG_E_LIMIT; a missing file
 * fails with PDG_E_NOTFOUND. Caller frees *out (and wipes it first if it held a secret).
 */
PDG_MUST_CHECK enum pdg_code pdg_read_file(const char *path, size_t max, char **out,
					   size_t *len, struct pdg_err *err);

/* Fill buf with n bytes from the kernel's CSPRNG (getrandom(2)). Errors: PDG_E_IO. */
PDG_MUST_CHECK enum pdg_code pdg_random_bytes(void *buf, size_t n, struct pdg_err *err);

/* fsync the folder at path, so that entries created or renamed in it are durable. */
PDG_MUST_CHECK enum pdg_code pdg_fsync_dir(const char *path, struct pdg_err *err);

/* Join dir and name with one '/' into buf (cap bytes). Too long: PDG_E_LIMIT. */
PDG_MUST_CHECK enum pdg_code pdg_path_join(char *buf, size_t cap, const char *dir,
					   const char *name, struct pdg_err *err);

/* Copy the NUL-terminated src into dst (cap bytes). Returns 1, or 0 (dst untouched) if too long. */
int pdg_str_copy(char *dst, size_t cap, const char *src);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void pdg_utc_now(char *buf, size_t cap);

#endif
