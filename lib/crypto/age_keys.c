/* SPDX-License-Identifier: MIT */
/* age X25519 key strings and identity files: generate, encode, decode, read, write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"
#include "lib/crypto/bech32.h"
#include "lib/fdio.h"

#define RECIPIENT_HRP "age"
#define IDENTITY_HRP "age-secret-key-"

static enum pdg_code decode_key(const char *s, const char *want_hrp, bool want_upper,
	uint8_t key[PDG_X25519_BYTES], const char *what, struct pdg_err *err)
{
	char hrp[32];
	uint8_t data[64];
	size_t n = 0;
	enum pdg_code rc;

	/* Recipients are lower case and identities upper case, as age writes and requires. */
	if (!s || (want_upper ? (s[0] < 'A' || s[0] > 'Z') : (s[0] < 'a' || s[0] > 'z')))
		return pdg_err_set(err, PDG_E_INVALID, "malformed %s", what);
	rc = pdg_bech32_decode(s, hrp, sizeof(hrp), data, sizeof(data), &n, err);
	if (rc || strcmp(hrp, want_hrp) != 0 || n != PDG_X25519_BYTES) {
		OPENSSL_cleanse(data, sizeof(data));
		return pdg_err_set(err, PDG_E_INVALID, "malformed %s", what);
	}
	memcpy(key, data, PDG_X25519_BYTES);
	OPENSSL_cleanse(data, sizeof(data));
	return PDG_OK;
}

enum pdg_code age_recipient_decode(const char *s, uint8_t pk[PDG_X25519_BYTES], struct pdg_err *err)
{
	return decode_key(s, RECIPIENT_HRP, false, pk, "age recipient", err);
}

enum pdg_code age_identity_decode(const char *s, uint8_t sk[PDG_X25519_BYTES], struct pdg_err *err)
{
	return decode_key(s, IDENTITY_HRP, true, sk, "age identity", err);
}

enum pdg_code pdg_age_recipient_check(const char *s, struct pdg_err *err)
{
	uint8_t pk[PDG_X25519_BYTES];

	return age_recipient_decode(s, pk, err);
}

static enum pdg_code encode_recipient(const uint8_t sk[PDG_X25519_BYTES],
	char recipient[PDG_AGE_RECIPIENT_LEN + 1], struct pdg_err *err)
{
	uint8_t pk[PDG_X25519_BYTES];

	AGE_TRY(pdg_x25519_base(pk, sk, err));
	return pdg_bech32_encode(recipient, PDG_AGE_RECIPIENT_LEN + 1, RECIPIENT_HRP, pk, sizeof(pk),
		false, err);
}

enum pdg_code pdg_age_identity_recipient(const char *identity,
	char recipient[PDG_AGE_RECIPIENT_LEN + 1], struct pdg_err *err)
{
	uint8_t sk[PDG_X25519_BYTES];
	enum pdg_code rc;

	rc = age_identity_decode(identity, sk, err);
	if (!rc)
		rc = encode_recipient(sk, recipient, err);
	OPENSSL_cleanse(sk, sizeof(sk));
	return rc;
}

enum pdg_code pdg_age_keygen(char identity[PDG_AGE_IDENTITY_LEN + 1],
	char recipient[PDG_AGE_RECIPIENT_LEN + 1], struct pdg_err *err)
{
	uint8_t sk[PDG_X25519_BYTES];
	enum pdg_code rc;

	rc = pdg_random(sk, sizeof(sk), err);
	if (!rc)
		rc = encode_recipient(sk, recipient, err);
	if (!rc)
		rc = pdg_bech32_encode(identity, PDG_AGE_IDENTITY_LEN + 1, IDENTITY_HRP, sk,
			sizeof(sk), true, err);
	OPENSSL_cleanse(sk, sizeof(sk));
	return rc;
}

enum pdg_code pdg_age_keygen_file(const char *path, char recipient[PDG_AGE_RECIPIENT_LEN + 1],
	struct pdg_err *err)
{
	char identity[PDG_AGE_IDENTITY_LEN + 1], text[256], when[32];
	time_t now = time(NULL);
	struct tm tm;
	enum pdg_code rc;
	int fd, n;

	rc = pdg_age_keygen(identity, recipient, err);
	if (rc)
		return rc;
	if (!gmtime_r(&now, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	n = snprintf(text, sizeof(text), "# created: %s\n# public key: %s\n%s\n", when, recipient,
		identity);
	OPENSSL_cleanse(identity, sizeof(identity));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
			"cannot create '%s'", path);
		goto out;
	}
	rc = pdg_write_all(fd, text, (size_t)n, path, err);
	if (!rc && fsync(fd) != 0)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync '%s'", path);
	if (close(fd) != 0 && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot close '%s'", path);
	if (rc)
		(void)unlink(path);
out:
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

enum pdg_code pdg_age_identities_read(const char *path, char ids[][PDG_AGE_IDENTITY_LEN + 1],
	size_t max, size_t *n, struct pdg_err *err)
{
	char buf[64 * 1024 + 1], *p, *line;
	enum pdg_code rc = PDG_OK;
	size_t len = 0;
	int fd;

	*n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pdg_err_sys(err, errno == ENOENT ? PDG_E_NOTFOUND : PDG_E_IO,
			"cannot open '%s'", path);
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == sizeof(buf) - 1) {
			rc = pdg_err_set(err, PDG_E_INVALID, "identity file '%s' is too large", path);
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	for (p = buf; !rc && (line = strsep(&p, "\n")) != NULL;) {
		uint8_t sk[PDG_X25519_BYTES];
		size_t l = strlen(line);

		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		if (l == 0 || line[0] == '#')
			continue;
		if (*n >= max) {
			rc = pdg_err_set(err, PDG_E_LIMIT, "too many identities in '%s'", path);
		} else if (l != PDG_AGE_IDENTITY_LEN || age_identity_decode(line, sk, err)) {
			rc = pdg_err_set(err, PDG_E_INVALID, "malformed identity in '%s'", path);
		} else {
			memcpy(ids[*n], line, l + 1);
			(*n)++;
		}
		OPENSSL_cleanse(sk, sizeof(sk));
	}
	if (!rc && *n == 0)
		rc = pdg_err_set(err, PDG_E_INVALID, "no identity in '%s'", path);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc) {
		for (size_t i = 0; i < *n; i++)
			OPENSSL_cleanse(ids[i], sizeof(ids[i]));
		*n = 0;
	}
	return rc;
}
