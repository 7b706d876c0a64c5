/* SPDX-License-Identifier: MIT */
/* age v1 header: strict parsing and formatting of stanzas, and the header MAC. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/crypto/age_internal.h"
#include "lib/crypto/base64.h"

#define MAC_LINE_LEN (4 + 43) /* "--- " + base64 of 32 bytes */

size_t age_header_end(const uint8_t *buf, size_t len, size_t *scan)
{
	size_t pos = *scan;

	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);

		if (!nl)
			break;
		if (len - pos >= 3 && memcmp(buf + pos, "---", 3) == 0)
			return (size_t)(nl - buf) + 1;
		pos = (size_t)(nl - buf) + 1;
	}
	*scan = pos;
	return 0;
}

bool age_header_first_line_ok(const uint8_t *buf, size_t len)
{
	static const char want[] = AGE_VERSION_LINE "\n";
	size_t n = len < sizeof(want) - 1 ? len : sizeof(want) - 1;

	/* Anything starting "age-encryption.org/" is an age file, maybe of another version. */
	return memcmp(buf, want, n < 19 ? n : 19) == 0;
}

static bool is_vchar(char c)
{
	return c >= 33 && c <= 126;
}

static bool is_b64char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Split the next line off *p (NUL-terminating it); NULL at the end of the text. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return line;
}

static enum pdg_code parse_args(char *s, struct age_stanza *st, struct pdg_err *err)
{
	st->nargs = 0;
	for (;;) {
		char *sp = strchr(s, ' ');

		if (sp)
			*sp = '\0';
		if (*s == '\0')
			return pdg_err_set(err, PDG_E_INVALID, "empty stanza argument");
		for (const char *c = s; *c; c++)
			if (!is_vchar(*c))
				return pdg_err_set(err, PDG_E_INVALID,
					"invalid character in stanza argument");
		if (st->nargs < AGE_STANZA_ARGS)
			st->args[st->nargs] = s;
		st->nargs++;
		if (!sp)
			return PDG_OK;
		s = sp + 1;
	}
}

/* Body lines: full 64-column lines, then exactly one shorter (possibly empty) line. */
static enum pdg_code parse_body(char **p, char *end, uint8_t **out, struct age_stanza *st,
	struct pdg_err *err)
{
	st->body = *out;
	st->body_len = 0;
	for (;;) {
		char *line = next_line(p, end);
		size_t n, got = 0;

		if (!line)
			return pdg_err_set(err, PDG_E_INVALID, "stanza body is missing its final line");
		n = strlen(line);
		if (n > AGE_BODY_COLUMNS)
			return pdg_err_set(err, PDG_E_INVALID, "stanza body line longer than 64 columns");
		for (size_t i = 0; i < n; i++)
			if (!is_b64char(line[i]))
				return pdg_err_set(err, PDG_E_INVALID,
					"invalid character in stanza body");
		if (pdg_b64_decode(line, n, false, *out, 48, &got, err))
			return pdg_err_prefix(err, "stanza body");
		*out += got;
		st->body_len += got;
		if (n < AGE_BODY_COLUMNS)
			return PDG_OK;
	}
}

static enum pdg_code parse_mac(const char *line, struct age_header *h, struct pdg_err *err)
{
	size_t got = 0;

	if (strlen(line) != MAC_LINE_LEN || line[3] != ' ')
		return pdg_err_set(err, PDG_E_INVALID, "malformed header MAC line");
	if (pdg_b64_decode(line + 4, MAC_LINE_LEN - 4, false, h->mac, sizeof(h->mac), &got, err) ||
	    got != AGE_MAC_BYTES)
		return pdg_err_set(err, PDG_E_INVALID, "malformed header MAC");
	return PDG_OK;
}

enum pdg_code age_header_parse(const uint8_t *buf, size_t len, struct age_header *h,
	struct pdg_err *err)
{
	char *p, *end, *line;
	uint8_t *bodyp;
	size_t count = 0;

	*h = (struct age_header){ 0 };
	if (len == 0 || buf[len - 1] != '\n')
		return pdg_err_set(err, PDG_E_INVALID, "truncated header");
	if (memchr(buf, '\0', len))
		return pdg_err_set(err, PDG_E_INVALID, "NUL byte in header");
	for (size_t i = 0; i + 3 <= len; i++)
		if (memcmp(buf + i, "\n->", 3) == 0)
			count++;
	h->text = malloc(len + 1);
	h->bodies = malloc(len);
	h->stanzas = calloc(count ? count : 1, sizeof(*h->stanzas));
	if (!h->text || !h->bodies || !h->stanzas)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	memcpy(h->text, buf, len);
	h->text[len] = '\0';
	p = h->text;
	end = h->text + len;
	bodyp = h->bodies;

	line = next_line(&p, end);
	if (!line || strcmp(line, AGE_VERSION_LINE) != 0) {
		if (line && strncmp(line, "age-encryption.org/", 19) == 0)
			return pdg_err_set(err, PDG_E_INVALID, "unsupported age format version");
		return pdg_err_set(err, PDG_E_INVALID, "not an age file");
	}
	while ((line = next_line(&p, end)) != NULL) {
		if (strncmp(line, "-> ", 3) == 0) {
			struct age_stanza *st = &h->stanzas[h->n_stanzas];

			if (h->n_stanzas >= count)
				return pdg_err_set(err, PDG_E_INTERNAL, "stanza count mismatch");
			AGE_TRY(parse_args(line + 3, st, err));
			AGE_TRY(parse_body(&p, end, &bodyp, st, err));
			h->n_stanzas++;
			continue;
		}
		if (strncmp(line, "---", 3) == 0) {
			if (p != end)
				return pdg_err_set(err, PDG_E_INVALID, "data after header MAC line");
			h->mac_len = (size_t)(line - h->text) + 3;
			return parse_mac(line, h, err);
		}
		return pdg_err_set(err, PDG_E_INVALID, "malformed header line");
	}
	return pdg_err_set(err, PDG_E_INVALID, "header has no MAC line");
}

void age_header_release(struct age_header *h)
{
	if (!h)
		return;
	free(h->text);
	free(h->bodies);
	free(h->stanzas);
	*h = (struct age_header){ 0 };
}

enum pdg_code age_text_add(struct age_text *t, const char *s, size_t n, struct pdg_err *err)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 512;
		char *nb;

		while (cap < t->len + n + 1)
			cap *= 2;
		nb = realloc(t->buf, cap);
		if (!nb)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return PDG_OK;
}

void age_text_release(struct age_text *t)
{
	if (!t)
		return;
	if (t->buf)
		OPENSSL_cleanse(t->buf, t->cap);
	free(t->buf);
	*t = (struct age_text){ 0 };
}

enum pdg_code age_header_begin(struct age_text *t, struct pdg_err *err)
{
	return age_text_add(t, AGE_VERSION_LINE "\n", sizeof(AGE_VERSION_LINE), err);
}

enum pdg_code age_header_add_stanza(struct age_text *t, const char *const *args, size_t nargs,
	const uint8_t *body, size_t body_len, struct pdg_err *err)
{
	char b64[AGE_BODY_COLUMNS + 1];
	size_t off = 0;

	AGE_TRY(age_text_add(t, "->", 2, err));
	for (size_t i = 0; i < nargs; i++) {
		AGE_TRY(age_text_add(t, " ", 1, err));
		AGE_TRY(age_text_add(t, args[i], strlen(args[i]), err));
	}
	AGE_TRY(age_text_add(t, "\n", 1, err));
	/* 48 bytes per 64-column line; a final short line always ends the body, even if empty. */
	for (;;) {
		size_t n = body_len - off < 48 ? body_len - off : 48;
		size_t w = pdg_b64_encode(b64, body + off, n, false);

		AGE_TRY(age_text_add(t, b64, w, err));
		AGE_TRY(age_text_add(t, "\n", 1, err));
		off += n;
		if (w < AGE_BODY_COLUMNS)
			return PDG_OK;
	}
}

enum pdg_code age_header_mac(uint8_t mac[AGE_MAC_BYTES], const uint8_t file_key[AGE_FILE_KEY_BYTES],
	const void *text, size_t len, struct pdg_err *err)
{
	uint8_t key[32];
	enum pdg_code rc;

	rc = pdg_hkdf_sha256(key, sizeof(key), file_key, AGE_FILE_KEY_BYTES, NULL, 0, "header", err);
	if (!rc)
		rc = pdg_hmac_sha256(mac, key, sizeof(key), text, len, err);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

enum pdg_code age_header_finish(struct age_text *t, const uint8_t file_key[AGE_FILE_KEY_BYTES],
	struct pdg_err *err)
{
	uint8_t mac[AGE_MAC_BYTES];
	char b64[48];
	size_t w;

	AGE_TRY(age_text_add(t, "---", 3, err));
	AGE_TRY(age_header_mac(mac, file_key, t->buf, t->len, err));
	w = pdg_b64_encode(b64, mac, sizeof(mac), false);
	AGE_TRY(age_text_add(t, " ", 1, err));
	AGE_TRY(age_text_add(t, b64, w, err));
	return age_text_add(t, "\n", 1, err);
}
