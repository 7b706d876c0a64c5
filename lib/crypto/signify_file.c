/* SPDX-License-Identifier: MIT */
/* signify key generation and file-level sign/verify: reading and writing key and .sig files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/crypto/signify.h"

#define SMALL_FILE_MAX 4096

static enum pdg_code write_file(const char *path, const char *data, size_t len, int flags,
	mode_t mode, struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | flags, mode);

	if (fd < 0)
		return pdg_err_sys(err, errno == EEXIST ? PDG_E_EXISTS : PDG_E_IO,
			"cannot create '%s'", path);
	while (len > 0 && !rc) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
		else {
			data += w;
			len -= (size_t)w;
		}
	}
	if (!rc && fsync(fd) != 0)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync '%s'", path);
	if (close(fd) != 0 && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot close '%s'", path);
	if (rc)
		(void)unlink(path);
	return rc;
}

/* Read a whole file of at most max bytes into a new buffer (NUL-terminated). */
static enum pdg_code read_file(const char *path, size_t max, char **out, size_t *len,
	struct pdg_err *err)
{
	struct stat st;
	size_t n = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return pdg_err_sys(err, errno == ENOENT ? PDG_E_NOTFOUND : PDG_E_IO,
			"cannot open '%s'", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pdg_err_set(err, PDG_E_IO, "'%s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return pdg_err_set(err, PDG_E_LIMIT, "'%s' is larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			free(buf);
			return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (size_t)st.st_size) {
			close(fd);
			free(buf);
			return pdg_err_set(err, PDG_E_IO, "'%s' changed while being read", path);
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return PDG_OK;
}

static void free_secret(char *buf, size_t len)
{
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
}

enum pdg_code pdg_signify_pub_read(const char *path, struct pdg_signify_pub *pub,
	struct pdg_err *err)
{
	char *text;
	size_t len = 0;
	enum pdg_code rc = read_file(path, SMALL_FILE_MAX, &text, &len, err);

	if (!rc && (rc = pdg_signify_pub_parse(text, len, pub, err)) != PDG_OK)
		pdg_err_prefix(err, "'%s'", path);
	free(text);
	return rc;
}

enum pdg_code pdg_signify_sig_read(const char *path, struct pdg_signify_sig *sig,
	struct pdg_err *err)
{
	char *text;
	size_t len = 0;
	enum pdg_code rc = read_file(path, SMALL_FILE_MAX, &text, &len, err);

	if (!rc && (rc = pdg_signify_sig_parse(text, len, sig, err)) != PDG_OK)
		pdg_err_prefix(err, "'%s'", path);
	free(text);
	return rc;
}

enum pdg_code pdg_signify_sec_read(const char *path, struct pdg_signify_sec *sec,
	struct pdg_err *err)
{
	char *text;
	size_t len = 0;
	enum pdg_code rc = read_file(path, SMALL_FILE_MAX, &text, &len, err);

	if (!rc && (rc = pdg_signify_sec_parse(text, len, sec, err)) != PDG_OK)
		pdg_err_prefix(err, "'%s'", path);
	free_secret(text, len);
	return rc;
}

enum pdg_code pdg_signify_keygen(const char *sec_path, const char *pub_path, const char *comment,
	struct pdg_signify_pub *pub_out, struct pdg_err *err)
{
	struct pdg_signify_sec sec = { 0 };
	struct pdg_signify_pub pub = { 0 };
	char sectext[1200], pubtext[1200], c[PDG_SIGNIFY_MAX_COMMENT + 1];
	enum pdg_code rc;

	if (!comment)
		comment = "signify";
	if (strlen(comment) > PDG_SIGNIFY_MAX_COMMENT - 16)
		return pdg_err_set(err, PDG_E_INVALID, "signify comment too long");
	rc = pdg_random(sec.keynum, sizeof(sec.keynum), err);
	if (!rc)
		rc = pdg_random(sec.seed, sizeof(sec.seed), err);
	if (!rc)
		rc = pdg_ed25519_public(sec.pub, sec.seed, err);
	if (!rc) {
		snprintf(c, sizeof(c), "%s secret key", comment);
		rc = pdg_signify_sec_format(&sec, c, sectext, sizeof(sectext), err);
	}
	if (!rc) {
		memcpy(pub.keynum, sec.keynum, sizeof(pub.keynum));
		memcpy(pub.key, sec.pub, sizeof(pub.key));
		snprintf(c, sizeof(c), "%s public key", comment);
		rc = pdg_signify_pub_format(&pub, c, pubtext, sizeof(pubtext), err);
	}
	if (!rc)
		rc = write_file(sec_path, sectext, strlen(sectext), O_EXCL, 0600, err);
	if (!rc) {
		rc = write_file(pub_path, pubtext, strlen(pubtext), O_EXCL, 0644, err);
		if (rc)
			(void)unlink(sec_path);
	}
	if (!rc && pub_out)
		*pub_out = pub;
	pdg_signify_sec_wipe(&sec);
	OPENSSL_cleanse(sectext, sizeof(sectext));
	return rc;
}

/* signify's default comment: "verify with <key>.pub" for the secret key "<key>.sec". */
static void default_comment(const char *sec_path, char *out, size_t outsz)
{
	char copy[4096], *base;
	size_t n;

	snprintf(copy, sizeof(copy), "%s", sec_path);
	base = basename(copy);
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".sec") == 0)
		snprintf(out, outsz, "verify with %.*s.pub", (int)(n - 4), base);
	else
		snprintf(out, outsz, "verify with %s", base);
}

enum pdg_code pdg_signify_sign_buf(const char *sec_path, const void *msg, size_t len,
	const char *sig_path, const char *comment, struct pdg_err *err)
{
	struct pdg_signify_sec sec = { 0 };
	struct pdg_signify_sig sig;
	char text[1200], c[PDG_SIGNIFY_MAX_COMMENT + 1];
	enum pdg_code rc;

	if (!comment) {
		default_comment(sec_path, c, sizeof(c));
		comment = c;
	}
	rc = pdg_signify_sec_read(sec_path, &sec, err);
	if (!rc)
		rc = pdg_signify_sign(&sec, msg, len, &sig, err);
	pdg_signify_sec_wipe(&sec);
	if (!rc)
		rc = pdg_signify_sig_format(&sig, comment, text, sizeof(text), err);
	if (!rc)
		rc = write_file(sig_path, text, strlen(text), O_TRUNC, 0644, err);
	return rc;
}

enum pdg_code pdg_signify_sign_file(const char *sec_path, const char *msg_path,
	const char *sig_path, const char *comment, struct pdg_err *err)
{
	char *msg;
	size_t len = 0;
	enum pdg_code rc = read_file(msg_path, PDG_SIGNIFY_MAX_MESSAGE, &msg, &len, err);

	if (!rc)
		rc = pdg_signify_sign_buf(sec_path, msg, len, sig_path, comment, err);
	free(msg);
	return rc;
}

enum pdg_code pdg_signify_verify_buf(const char *pub_path, const void *msg, size_t len,
	const char *sig_path, struct pdg_err *err)
{
	struct pdg_signify_pub pub;
	struct pdg_signify_sig sig;
	enum pdg_code rc;

	rc = pdg_signify_pub_read(pub_path, &pub, err);
	if (!rc)
		rc = pdg_signify_sig_read(sig_path, &sig, err);
	if (!rc)
		rc = pdg_signify_verify(&pub, &sig, msg, len, err);
	return rc;
}

enum pdg_code pdg_signify_verify_file(const char *pub_path, const char *msg_path,
	const char *sig_path, struct pdg_err *err)
{
	char *msg;
	size_t len = 0;
	enum pdg_code rc = read_file(msg_path, PDG_SIGNIFY_MAX_MESSAGE, &msg, &len, err);

	if (!rc)
		rc = pdg_signify_verify_buf(pub_path, msg, len, sig_path, err);
	free(msg);
	return rc;
}
