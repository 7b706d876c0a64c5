/* SPDX-License-Identifier: MIT */
/* Two age layers in one streaming pass (DESIGN.md "Seal"). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/export/seal.h"

#define SEAL_BLOCK (1024 * 1024)

/* The inner layer's output is the outer layer's input. */
static enum pdg_code to_outer(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	return pdg_age_encrypt_update(ctx, buf, len, err);
}

enum pdg_code pdg_seal_file(const char *zip_path, const char *passphrase,
			    const char *const *recipients, size_t nrecipients,
			    pdg_age_write_fn write, void *wctx,
			    void (*progress)(void *arg, uint64_t done, uint64_t total),
			    void *progress_arg, struct pdg_err *err)
{
	const struct pdg_age_to outer_to = { .recipients = recipients, .n_recipients = nrecipients };
	const struct pdg_age_to inner_to = { .passphrase = passphrase,
					     .passphrase_len = strlen(passphrase),
					     .scrypt_log2n = PDG_AGE_SCRYPT_TOKEN_LOG2N };
	struct pdg_age_enc *outer = NULL, *inner = NULL;
	uint8_t *buf = NULL;
	uint64_t done = 0;
	enum pdg_code rc;
	struct stat st;
	int fd;

	fd = open(zip_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot read the package archive");
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = malloc(SEAL_BLOCK);
	if (!buf) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = pdg_age_encrypt_init(&outer, &outer_to, write, wctx, err)) ||
	    (rc = pdg_age_encrypt_init(&inner, &inner_to, to_outer, outer, err)))
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, SEAL_BLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read the package archive");
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = pdg_age_encrypt_update(inner, buf, (size_t)n, err)))
			goto out;
		done += (uint64_t)n;
		if (progress)
			progress(progress_arg, done, (uint64_t)st.st_size);
	}
	if ((rc = pdg_age_encrypt_final(inner, err)) || (rc = pdg_age_encrypt_final(outer, err)))
		goto out;
out:
	pdg_age_encrypt_free(inner);
	pdg_age_encrypt_free(outer);
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}
