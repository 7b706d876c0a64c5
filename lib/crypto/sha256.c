/* SPDX-License-Identifier: MIT */
/* SHA-256 of files and descriptors, streamed with bounded memory. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/crypto/sha256.h"

void pdg_sha256_hex(char hex[PDG_SHA256_HEX_LEN + 1], const uint8_t digest[PDG_SHA256_BYTES])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < PDG_SHA256_BYTES; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[PDG_SHA256_HEX_LEN] = '\0';
}

enum pdg_code pdg_sha256_fd(int fd, uint8_t out[PDG_SHA256_BYTES], uint64_t *size,
	struct pdg_err *err)
{
	struct pdg_sha256_ctx c = { 0 };
	uint8_t buf[64 * 1024];
	uint64_t total = 0;
	enum pdg_code rc;

	rc = pdg_sha256_init(&c, err);
	while (!rc) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read input");
			break;
		}
		if (r == 0) {
			rc = pdg_sha256_final(&c, out, err);
			break;
		}
		total += (uint64_t)r;
		rc = pdg_sha256_update(&c, buf, (size_t)r, err);
	}
	pdg_sha256_release(&c);
	if (!rc && size)
		*size = total;
	return rc;
}

enum pdg_code pdg_sha256_file_hex(const char *path, char hex[PDG_SHA256_HEX_LEN + 1],
	uint64_t *size, struct pdg_err *err)
{
	uint8_t d[PDG_SHA256_BYTES];
	enum pdg_code rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pdg_err_sys(err, errno == ENOENT ? PDG_E_NOTFOUND : PDG_E_IO,
			"cannot open '%s'", path);
	rc = pdg_sha256_fd(fd, d, size, err);
	close(fd);
	if (rc) {
		pdg_err_prefix(err, "hashing '%s'", path);
		return rc;
	}
	pdg_sha256_hex(hex, d);
	return PDG_OK;
}
