/* SPDX-License-Identifier: MIT */
/* Staff sessions after a password login: random bearer tokens kept (hashed) in memory only. */
#ifndef PDG_CENTER_SESSION_H
#define PDG_CENTER_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_SESSION_TOKEN_CHARS 43      /* 32 random bytes, base64url without padding */
#define PDG_SESSION_LOGIN_MAX 64

struct pdg_sessions;

/* A table of at most cap sessions of ttl seconds each. NULL when out of memory. */
struct pdg_sessions *pdg_sessions_new(size_t cap, unsigned ttl);

/* Wipe and free the table; accepts NULL. */
void pdg_sessions_free(struct pdg_sessions *s);

/*
 * Open a session for login: token receives a fresh bearer token (NUL-terminated; the caller
 * wipes it after sending it). Thread-safe. PDG_E_LIMIT when the table is full of live sessions,
 * PDG_E_CRYPTO without random bytes.
 */
PDG_MUST_CHECK enum pdg_code pdg_session_open(struct pdg_sessions *s, const char *login,
	char token[PDG_SESSION_TOKEN_CHARS + 1], struct pdg_err *err);

/*
 * The login of the live session whose token is token[0..len) into login (PDG_SESSION_LOGIN_MAX+1
 * bytes): returns 1, or 0 for an unknown or expired token. Thread-safe; constant-time in the
 * token's bytes (only its SHA-256 is stored and compared).
 */
int pdg_session_check(struct pdg_sessions *s, const char *token, size_t len,
		      char login[PDG_SESSION_LOGIN_MAX + 1]);

/* End the session of token (no effect when unknown). Thread-safe. */
void pdg_session_close(struct pdg_sessions *s, const char *token, size_t len);

#endif
