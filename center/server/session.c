/* SPDX-License-Identifier: MIT */
/* In-memory staff sessions: SHA-256 of each bearer token in an open-addressing table. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/server/session.h"

struct slot {
	uint8_t hash[32];
	char login[PDG_SESSION_LOGIN_MAX + 1];
	time_t expires;         /* 0: free */
};

struct pdg_sessions {
	pthread_mutex_t mu;
	size_t cap;
	unsigned ttl;
	struct slot *slots;
};

struct pdg_sessions *pdg_sessions_new(size_t cap, unsigned ttl)
{
	struct pdg_sessions *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->slots = calloc(cap, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return NULL;
	}
	s->cap = cap;
	s->ttl = ttl;
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

void pdg_sessions_free(struct pdg_sessions *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->slots, s->cap * sizeof(*s->slots));
	free(s->slots);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void hash_of(const char *token, size_t len, uint8_t out[32])
{
	unsigned n = 32;

	if (EVP_Digest(token, len, out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);
}

static size_t home_of(const struct pdg_sessions *s, const uint8_t h[32])
{
	uint64_t v;

	memcpy(&v, h, sizeof(v));
	return (size_t)(v % s->cap);
}

enum pdg_code pdg_session_open(struct pdg_sessions *s, const char *login,
			       char token[PDG_SESSION_TOKEN_CHARS + 1], struct pdg_err *err)
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t raw[32], h[32];
	time_t now = time(NULL);
	size_t i, at, found = s->cap;
	unsigned acc = 0, bits = 0, o = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return pdg_err_set(err, PDG_E_CRYPTO, "no random bytes for a session");
	for (i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			token[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits)
		token[o++] = b64url[(acc << (6 - bits)) & 63];
	token[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	hash_of(token, o, h);
	pthread_mutex_lock(&s->mu);
	at = home_of(s, h);
	for (i = 0; i < s->cap; i++) {
		struct slot *sl = &s->slots[(at + i) % s->cap];

		if (sl->expires <= now) {
			found = (at + i) % s->cap;
			break;
		}
	}
	if (found < s->cap) {
		memcpy(s->slots[found].hash, h, 32);
		snprintf(s->slots[found].login, sizeof(s->slots[found].login), "%s", login);
		s->slots[found].expires = now + (time_t)s->ttl;
	}
	pthread_mutex_unlock(&s->mu);
	if (found == s->cap) {
		OPENSSL_cleanse(token, PDG_SESSION_TOKEN_CHARS + 1);
		return pdg_err_set(err, PDG_E_LIMIT, "too many open sessions");
	}
	return PDG_OK;
}

/* The slot holding hash h, or cap. Called with the mutex held. */
static size_t find(struct pdg_sessions *s, const uint8_t h[32], time_t now)
{
	size_t at = home_of(s, h);

	for (size_t i = 0; i < s->cap; i++) {
		struct slot *sl = &s->slots[(at + i) % s->cap];

		if (sl->expires > now && !CRYPTO_memcmp(sl->hash, h, 32))
			return (at + i) % s->cap;
		if (!sl->expires)
			break;  /* never used: the probe sequence ends here */
	}
	return s->cap;
}

int pdg_session_check(struct pdg_sessions *s, const char *token, size_t len,
		      char login[PDG_SESSION_LOGIN_MAX + 1])
{
	uint8_t h[32];
	size_t at;

	if (len != PDG_SESSION_TOKEN_CHARS)
		return 0;
	hash_of(token, len, h);
	pthread_mutex_lock(&s->mu);
	at = find(s, h, time(NULL));
	if (at < s->cap)
		memcpy(login, s->slots[at].login, PDG_SESSION_LOGIN_MAX + 1);
	pthread_mutex_unlock(&s->mu);
	return at < s->cap;
}

void pdg_session_close(struct pdg_sessions *s, const char *token, size_t len)
{
	uint8_t h[32];
	size_t at;

	hash_of(token, len, h);
	pthread_mutex_lock(&s->mu);
	at = find(s, h, time(NULL));
	if (at < s->cap)
		s->slots[at].expires = 1;       /* expired, but keeps the probe sequence going */
	pthread_mutex_unlock(&s->mu);
}
