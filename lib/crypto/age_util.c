/* SPDX-License-Identifier: MIT */
/* age convenience wrappers: whole buffers in memory, and file descriptor to file descriptor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"

struct membuf {
	uint8_t *p;
	size_t len, cap, max;
	bool secret;
};

static enum pdg_code mem_write(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct membuf *m = ctx;

	if (len > m->max - m->len)
		return pdg_err_set(err, PDG_E_LIMIT, "output larger than %zu bytes", m->max);
	if (m->len + len + 1 > m->cap) {
		size_t cap = m->cap ? m->cap : 1024;
		uint8_t *nb;

		while (cap < m->len + len + 1)
			cap *= 2;
		nb = malloc(cap);
		if (!nb)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		if (m->p) {
			memcpy(nb, m->p, m->len);
			if (m->secret)
				OPENSSL_cleanse(m->p, m->cap);
			free(m->p);
		}
		m->p = nb;
		m->cap = cap;
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	m->p[m->len] = '\0';
	return PDG_OK;
}

static void mem_discard(struct membuf *m)
{
	if (m->p && m->secret)
		OPENSSL_cleanse(m->p, m->cap);
	free(m->p);
	*m = (struct membuf){ 0 };
}

/* The failure category of a failed run; I/O and setup errors are PDG_AGE_FAIL_OTHER. */
static enum pdg_age_failure fail_of(const struct pdg_age_dec *d)
{
	enum pdg_age_failure f = d ? pdg_age_decrypt_failure(d) : PDG_AGE_FAIL_OTHER;

	return f == PDG_AGE_FAIL_NONE ? PDG_AGE_FAIL_OTHER : f;
}

enum pdg_code pdg_age_encrypt_mem(const struct pdg_age_to *to, const void *in, size_t len,
	uint8_t **out, size_t *outlen, struct pdg_err *err)
{
	struct membuf m = { .max = SIZE_MAX / 2 };
	struct pdg_age_enc *e = NULL;
	enum pdg_code rc;

	*out = NULL;
	*outlen = 0;
	rc = pdg_age_encrypt_init(&e, to, mem_write, &m, err);
	if (!rc)
		rc = pdg_age_encrypt_update(e, in, len, err);
	if (!rc)
		rc = pdg_age_encrypt_final(e, err);
	pdg_age_encrypt_free(e);
	if (rc) {
		mem_discard(&m);
		return rc;
	}
	*out = m.p;
	*outlen = m.len;
	return PDG_OK;
}

enum pdg_code pdg_age_decrypt_mem(const struct pdg_age_from *from, const void *in, size_t len,
	size_t max_out, uint8_t **out, size_t *outlen, enum pdg_age_failure *failure,
	struct pdg_err *err)
{
	struct membuf m = { .max = max_out, .secret = true };
	struct pdg_age_dec *d = NULL;
	enum pdg_code rc;

	*out = NULL;
	*outlen = 0;
	rc = pdg_age_decrypt_init(&d, from, mem_write, &m, err);
	if (!rc)
		rc = pdg_age_decrypt_update(d, in, len, err);
	if (!rc)
		rc = pdg_age_decrypt_final(d, err);
	if (failure)
		*failure = rc ? fail_of(d) : PDG_AGE_FAIL_NONE;
	pdg_age_decrypt_free(d);
	if (rc) {
		mem_discard(&m);
		return rc;
	}
	if (!m.p && mem_write(&m, (const uint8_t *)"", 0, err)) /* an empty, NUL-terminated buffer */
		return PDG_E_NOMEM;
	*out = m.p;
	*outlen = m.len;
	return PDG_OK;
}

/*
 * Descriptor I/O moves one chunk at a time, as age does: a 64 KiB block is read, sealed or
 * opened while it is still in the CPU cache, and written at once. Larger blocks measured slower
 * here (mk/bench-crypto.sh), as the copy into the page cache then reads cold memory.
 */
#define FD_BUF PDG_AGE_CHUNK

static enum pdg_code fd_write(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	int fd = *(const int *)ctx;

	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pdg_err_sys(err, PDG_E_IO, "cannot write output");
		buf += w;
		len -= (size_t)w;
	}
	return PDG_OK;
}

/* Read in_fd to its end, passing each block to update(state). */
static enum pdg_code pump(int in_fd, void *state,
	enum pdg_code (*update)(void *, const void *, size_t, struct pdg_err *),
	struct pdg_err *err)
{
	uint8_t *buf = malloc(FD_BUF);
	enum pdg_code rc = PDG_OK;

	if (!buf)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	for (;;) {
		ssize_t r = read(in_fd, buf, FD_BUF);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read input");
		else if (r > 0)
			rc = update(state, buf, (size_t)r, err);
		if (r <= 0 || rc)
			break;
	}
	OPENSSL_cleanse(buf, FD_BUF);
	free(buf);
	return rc;
}

static enum pdg_code enc_update(void *s, const void *b, size_t n, struct pdg_err *err)
{
	return pdg_age_encrypt_update(s, b, n, err);
}

static enum pdg_code dec_update(void *s, const void *b, size_t n, struct pdg_err *err)
{
	return pdg_age_decrypt_update(s, b, n, err);
}

enum pdg_code pdg_age_encrypt_fd(int in_fd, int out_fd, const struct pdg_age_to *to,
	struct pdg_err *err)
{
	struct pdg_age_enc *e = NULL;
	enum pdg_code rc;

	rc = pdg_age_encrypt_init(&e, to, fd_write, &out_fd, err);
	if (!rc)
		rc = pump(in_fd, e, enc_update, err);
	if (!rc)
		rc = pdg_age_encrypt_final(e, err);
	pdg_age_encrypt_free(e);
	return rc;
}

enum pdg_code pdg_age_decrypt_fd(int in_fd, int out_fd, const struct pdg_age_from *from,
	enum pdg_age_failure *failure, struct pdg_err *err)
{
	struct pdg_age_dec *d = NULL;
	enum pdg_code rc;

	rc = pdg_age_decrypt_init(&d, from, fd_write, &out_fd, err);
	if (!rc)
		rc = pump(in_fd, d, dec_update, err);
	if (!rc)
		rc = pdg_age_decrypt_final(d, err);
	if (failure)
		*failure = rc ? fail_of(d) : PDG_AGE_FAIL_NONE;
	pdg_age_decrypt_free(d);
	return rc;
}
