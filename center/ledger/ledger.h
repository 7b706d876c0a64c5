/* SPDX-License-Identifier: MIT */
/* The service center's ledger: principals, packages, their state machine and a hash-chained audit. */
#ifndef PDG_LEDGER_H
#define PDG_LEDGER_H

/*
 * One handle (struct pdg_ledger) per process, shared by every thread. Backends:
 *   "sqlite:/path/ledger.db[?synchronous=full|normal&pool=N]"   (created if missing)
 *   "postgresql://user@host/db?..." or "postgres://..." or a libpq conninfo "host=... dbname=..."
 *     ("pg:" followed by a conninfo is accepted too; "pool=N" is not passed to libpq)
 * Thread safety: every function may be called from any thread at the same time. The handle holds
 * a pool of backend connections (default 8); a call takes one for its duration and gives it back,
 * waiting when all are in use. With SQLite, write transactions are serialized by a mutex in the
 * handle (so threads of one process never spin on SQLITE_BUSY) and by SQLite's lock across
 * processes (busy timeout 10 s). Waiters are served in arrival order. A listing callback may
 * call the ledger again: the thread reuses the connection it holds. Reads are always fine; a
 * write from inside a listing works, but with SQLite fails (PDG_E_IO, after retries) when
 * another connection wrote since the listing began, as the listing pins its snapshot: to
 * change what a listing returns, collect the ids, then write. Do not use a handle in a child
 * after fork(); open a new one.
 *
 * Every state transition is one transaction: a conditional update (... WHERE state = 'FROM')
 * plus one audit row in the same transaction, so a repeated or concurrent transition happens at
 * most once. The ledger never holds a release secret in clear, nor any DICOM: only SHA-256 of the
 * secret and the secret sealed (age) for the data center by the caller.
 *
 * Strings in the records below are NUL-terminated, in fixed buffers; inputs longer than the
 * buffer are refused with PDG_E_LIMIT. Ids are printable ASCII without spaces. Times are Unix
 * seconds (UTC); 0 means "not yet". Callbacks get records valid during the callback only; a
 * callback returning non-zero stops the listing, and the function then returns PDG_OK.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_LEDGER_ID_MAX        64    /* package id, appliance id, client id, login, project */
#define PDG_LEDGER_NAME_MAX      128   /* site and display names */
#define PDG_LEDGER_KEY_MAX       512   /* signify public key file text (two lines) */
#define PDG_LEDGER_RECIPIENT_MAX 256   /* an age recipient ("age1...") */
#define PDG_LEDGER_PWHASH_MAX    256   /* a staff password hash string (scrypt, made by the center) */
#define PDG_LEDGER_PATH_MAX      256   /* a blob path, relative to the center's blob folder */
#define PDG_LEDGER_TEXT_MAX      256   /* audit actor and detail */
#define PDG_LEDGER_HEX_MAX       64    /* SHA-256 as lowercase hex */
#define PDG_LEDGER_SEGMENTS_MAX  999   /* <PKG>.001 ... <PKG>.999 */
#define PDG_LEDGER_BLOB_MAX      (1u << 20) /* manifest, signature, sealed secret: at most 1 MiB */

struct pdg_ledger;

/* ---- opening ---------------------------------------------------------------------------- */

enum pdg_ledger_backend {
	PDG_LEDGER_SQLITE = 1,
	PDG_LEDGER_POSTGRESQL = 2,
};

/*
 * Open (and create or upgrade the schema of) the ledger named by url, see above. On success
 * *out owns a handle to free with pdg_ledger_free. PDG_E_INVALID for a malformed url, PDG_E_IO
 * when the database cannot be opened or the schema cannot be created, PDG_E_POLICY for a
 * schema newer than this program. The url may hold a password (libpq): it is never copied
 * into err.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_open(struct pdg_ledger **out, const char *url,
	struct pdg_err *err);

/* Close every connection and free the handle. Accepts NULL; returns NULL. Not concurrent. */
struct pdg_ledger *pdg_ledger_free(struct pdg_ledger *l);

/* Which backend the handle uses. */
enum pdg_ledger_backend pdg_ledger_backend_of(const struct pdg_ledger *l);

/* ---- principals ------------------------------------------------------------------------- */

/* An appliance: packages it signs are accepted when its key verifies them. */
struct pdg_ledger_appliance {
	char id[PDG_LEDGER_ID_MAX + 1];          /* the appliance's UUID (manifest appliance_id) */
	char site[PDG_LEDGER_NAME_MAX + 1];
	char pubkey[PDG_LEDGER_KEY_MAX + 1];     /* signify public key file text */
	int64_t created;
	int disabled;                            /* 1: its uploads are refused */
};

/* Upload stations and data centers authenticate with a client certificate. */
enum pdg_ledger_client_kind {
	PDG_LEDGER_STATION = 1,
	PDG_LEDGER_DATACENTER = 2,
};

struct pdg_ledger_client {
	enum pdg_ledger_client_kind kind;
	char id[PDG_LEDGER_ID_MAX + 1];
	char name[PDG_LEDGER_NAME_MAX + 1];
	char cert_sha256[PDG_LEDGER_HEX_MAX + 1];  /* SHA-256 of the certificate DER, lowercase hex */
	char recipient[PDG_LEDGER_RECIPIENT_MAX + 1]; /* data centers: age recipient sealing the
	                                              release secret; "" for stations */
	int64_t created;
	int disabled;                            /* 1: authentication refused */
};

/* A member of the scan desk staff. */
struct pdg_ledger_staff {
	char login[PDG_LEDGER_ID_MAX + 1];
	char pwhash[PDG_LEDGER_PWHASH_MAX + 1];  /* opaque to the ledger */
	int64_t created;
	int disabled;
};

/* A project: whose packages go to which data center, and how long the center keeps them. */
struct pdg_ledger_project {
	char name[PDG_LEDGER_ID_MAX + 1];        /* the manifest's project */
	char datacenter[PDG_LEDGER_ID_MAX + 1];  /* id of a PDG_LEDGER_DATACENTER client */
	int64_t retention_days;                  /* purge this long after acknowledgement (>= 0) */
	int64_t expiry_days;                     /* expire when unredeemed this long after receipt (>= 1) */
	int64_t created;
};

/*
 * Register a principal; actor (e.g. "admin:alice", may be NULL) is written to the audit row the
 * registration adds. PDG_E_EXISTS if the id (or, for clients, the certificate fingerprint) is
 * taken; PDG_E_INVALID for empty or malformed fields; PDG_E_NOTFOUND when a project names an
 * unknown data center. created/disabled of the input are ignored (now / 0).
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_appliance_add(struct pdg_ledger *l,
	const struct pdg_ledger_appliance *a, const char *actor, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_client_add(struct pdg_ledger *l,
	const struct pdg_ledger_client *c, const char *actor, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_staff_add(struct pdg_ledger *l,
	const struct pdg_ledger_staff *s, const char *actor, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_project_add(struct pdg_ledger *l,
	const struct pdg_ledger_project *p, const char *actor, struct pdg_err *err);

/* Look one up into *out. PDG_E_NOTFOUND when there is none (disabled ones are returned). */
PDG_MUST_CHECK enum pdg_code pdg_ledger_appliance_get(struct pdg_ledger *l, const char *id,
	struct pdg_ledger_appliance *out, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_client_get(struct pdg_ledger *l, const char *id,
	struct pdg_ledger_client *out, struct pdg_err *err);
/* The client whose certificate has this SHA-256 (lowercase or uppercase hex, no colons). */
PDG_MUST_CHECK enum pdg_code pdg_ledger_client_by_cert(struct pdg_ledger *l, const char *cert_sha256,
	struct pdg_ledger_client *out, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_staff_get(struct pdg_ledger *l, const char *login,
	struct pdg_ledger_staff *out, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_project_get(struct pdg_ledger *l, const char *name,
	struct pdg_ledger_project *out, struct pdg_err *err);

/* Replace a staff member's password hash (audited, the hash itself is not). PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_staff_set_pwhash(struct pdg_ledger *l, const char *login,
	const char *pwhash, const char *actor, struct pdg_err *err);

enum pdg_ledger_principal {
	PDG_LEDGER_P_APPLIANCE = 1,
	PDG_LEDGER_P_CLIENT = 2,
	PDG_LEDGER_P_STAFF = 3,
};

/* Disable (1) or enable (0) an appliance, client or staff member (audited). PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_set_disabled(struct pdg_ledger *l,
	enum pdg_ledger_principal which, const char *id, int disabled, const char *actor,
	struct pdg_err *err);

/* List every appliance / client / staff member / project, ordered by id. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_appliance_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_appliance *a), void *ctx, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_client_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_client *c), void *ctx, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_staff_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_staff *s), void *ctx, struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_ledger_project_list(struct pdg_ledger *l,
	int (*fn)(void *ctx, const struct pdg_ledger_project *p), void *ctx, struct pdg_err *err);

/* ---- packages ---------------------------------------------------------------------------- */

/*
 * The states of DESIGN.md. Legal transitions (anything else is refused with PDG_E_POLICY):
 *   UPLOADING    -> RECEIVED (all segments complete), EXPIRED, REVOKED
 *   RECEIVED     -> RELEASED (only by pdg_ledger_redeem), EXPIRED, REVOKED
 *   RELEASED     -> DOWNLOADED, ACKNOWLEDGED, REVOKED
 *   DOWNLOADED   -> ACKNOWLEDGED, REVOKED
 *   ACKNOWLEDGED -> PURGED
 *   EXPIRED      -> PURGED
 *   REVOKED      -> PURGED
 *   PURGED       (final)
 * The numbering is stable (stored as the name, not the number).
 */
enum pdg_ledger_state {
	PDG_LS_NONE = 0,           /* not a state: "no package" / "any" in filters */
	PDG_LS_UPLOADING = 1,
	PDG_LS_RECEIVED,
	PDG_LS_RELEASED,
	PDG_LS_DOWNLOADED,
	PDG_LS_ACKNOWLEDGED,
	PDG_LS_PURGED,
	PDG_LS_EXPIRED,
	PDG_LS_REVOKED,
	PDG_LS_MAX
};

/* "UPLOADING", "RECEIVED"...; "NONE" for PDG_LS_NONE, "?" out of range. Never NULL. */
const char *pdg_ledger_state_name(enum pdg_ledger_state s);

/* The state named s (upper case, as above), or PDG_LS_NONE when s names none. */
enum pdg_ledger_state pdg_ledger_state_parse(const char *s);

/* 1 if from -> to is a legal transition (RECEIVED -> RELEASED included), else 0. */
int pdg_ledger_transition_legal(enum pdg_ledger_state from, enum pdg_ledger_state to);

/* One segment of a package as the manifest lists it, and how much of it the center holds. */
struct pdg_ledger_segment {
	unsigned index;                          /* 1 for <PKG>.001 ... */
	uint64_t size;                           /* from the manifest */
	char sha256[PDG_LEDGER_HEX_MAX + 1];     /* from the manifest */
	uint64_t received;                       /* bytes stored so far (the resume offset) */
	int complete;                            /* 1 once stored with size and sha256 checked */
	char path[PDG_LEDGER_PATH_MAX + 1];      /* where the center keeps it, "" until set */
};

/* A package as the ledger knows it (manifest and signature bytes: pdg_ledger_package_blob). */
struct pdg_ledger_package {
	char id[PDG_LEDGER_ID_MAX + 1];          /* manifest package_id */
	char project[PDG_LEDGER_ID_MAX + 1];
	char datacenter[PDG_LEDGER_ID_MAX + 1];  /* the project's data center (joined, for redeem) */
	char appliance[PDG_LEDGER_ID_MAX + 1];
	char uploader[PDG_LEDGER_ID_MAX + 1];    /* the upload station's client id */
	enum pdg_ledger_state state;
	char secret_sha256[PDG_LEDGER_HEX_MAX + 1];     /* manifest release_secret_sha256 */
	char ciphertext_sha256[PDG_LEDGER_HEX_MAX + 1]; /* manifest ciphertext.sha256 */
	uint64_t ciphertext_size;                /* manifest ciphertext.size */
	unsigned nsegments;
	uint64_t received_bytes;                 /* sum of the segments' received counts */
	char released_to[PDG_LEDGER_ID_MAX + 1]; /* data center id, "" unless released */
	int64_t created;                         /* entered UPLOADING */
	int64_t received_at, released_at, downloaded_at, acknowledged_at;
	int64_t purged_at, expired_at, revoked_at;
	int64_t updated;                         /* last change of any kind */
};

/* What the center knows of a package when its upload starts (all from the verified manifest). */
struct pdg_ledger_new_package {
	const char *id;
	const char *project;                     /* must be registered */
	const char *appliance;                   /* must be registered and enabled */
	const char *uploader;                    /* station client id, must be registered */
	const uint8_t *manifest;                 /* the exact .MAN bytes */
	size_t manifest_len;
	const uint8_t *signature;                /* the exact .SIG bytes */
	size_t signature_len;
	const char *secret_sha256;               /* lowercase hex */
	const char *ciphertext_sha256;           /* lowercase hex */
	uint64_t ciphertext_size;                /* must equal the sum of the segment sizes */
	const struct pdg_ledger_segment *segments; /* index 1..n in order; size, sha256 and path
	                                              are used, received/complete ignored */
	unsigned nsegments;                      /* 1..PDG_LEDGER_SEGMENTS_MAX */
};

/*
 * Record a package entering UPLOADING (audited). If a package with this id exists and its
 * manifest and signature bytes are identical, nothing changes, *existed (may be NULL) is set to
 * 1 and PDG_OK is returned (a resumed upload); with other bytes, PDG_E_EXISTS. PDG_E_NOTFOUND
 * for an unknown project, appliance or uploader; PDG_E_POLICY for a disabled appliance or
 * uploader; PDG_E_INVALID for inconsistent fields; PDG_E_LIMIT beyond the maxima.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_package_create(struct pdg_ledger *l,
	const struct pdg_ledger_new_package *np, const char *actor, int *existed, struct pdg_err *err);

/*
 * Record that segment index of package id now holds `received` bytes (the resume offset; at most
 * the segment's size, else PDG_E_LIMIT; it may go back when the center cut its file to fewer
 * bytes, e.g. after a power cut); path, when not NULL, sets where it is kept. Not audited (too
 * frequent) and relaxed (see docs/center-ledger.md: a power cut may lose the last offsets, so
 * resume from the smaller of the file's size and this offset). Only in UPLOADING, and not for
 * a complete segment: else PDG_E_POLICY. PDG_E_NOTFOUND.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_segment_progress(struct pdg_ledger *l, const char *id,
	unsigned index, uint64_t received, const char *path, struct pdg_err *err);

/*
 * Mark a segment complete: sha256 (lowercase hex of the stored bytes) and size must equal the
 * manifest's, else PDG_E_CRYPTO and nothing changes. Idempotent for a complete segment with the
 * same hash. Only in UPLOADING (PDG_E_POLICY). PDG_E_NOTFOUND.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_segment_complete(struct pdg_ledger *l, const char *id,
	unsigned index, uint64_t size, const char *sha256, struct pdg_err *err);

/*
 * UPLOADING -> RECEIVED when every segment is complete (else PDG_E_POLICY) and ciphertext_sha256
 * (the center's hash over the concatenated segments) equals the manifest's (else PDG_E_CRYPTO).
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_package_received(struct pdg_ledger *l, const char *id,
	const char *ciphertext_sha256, const char *actor, struct pdg_err *err);

/* The package with this id into *out. PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_package_get(struct pdg_ledger *l, const char *id,
	struct pdg_ledger_package *out, struct pdg_err *err);

/* Segment index (1-based) of package id into *out. PDG_E_NOTFOUND. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_segment_get(struct pdg_ledger *l, const char *id,
	unsigned index, struct pdg_ledger_segment *out, struct pdg_err *err);

/* Every segment of package id in order. PDG_E_NOTFOUND for an unknown package. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_segment_list(struct pdg_ledger *l, const char *id,
	int (*fn)(void *ctx, const struct pdg_ledger_segment *s), void *ctx, struct pdg_err *err);

enum pdg_ledger_blob {
	PDG_LEDGER_MANIFEST = 1,                 /* the .MAN bytes */
	PDG_LEDGER_SIGNATURE = 2,                /* the .SIG bytes */
	PDG_LEDGER_SEALED_SECRET = 3,            /* set at redemption; PDG_E_NOTFOUND before */
};

/*
 * Copy one stored blob of package id into a malloc'd buffer: *out (caller frees; for the sealed
 * secret it is ciphertext, no need to wipe) and *len. PDG_E_NOTFOUND, PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_package_blob(struct pdg_ledger *l, const char *id,
	enum pdg_ledger_blob which, uint8_t **out, size_t *len, struct pdg_err *err);

/* ---- redeem and the other transitions --------------------------------------------------- */

enum pdg_ledger_redeem_outcome {
	PDG_REDEEM_RELEASED = 1,      /* RECEIVED -> RELEASED now; PDG_OK */
	PDG_REDEEM_UNKNOWN,           /* no such package; PDG_E_NOTFOUND */
	PDG_REDEEM_WRONG_SECRET,      /* SHA-256 of the secret differs; PDG_E_CRYPTO */
	PDG_REDEEM_NOT_RELEASABLE,    /* not in RECEIVED (already released, expired...); PDG_E_POLICY */
	PDG_REDEEM_RATE_LIMITED,      /* only recorded, via pdg_ledger_redeem_refused; PDG_E_LIMIT */
};

/* "released", "unknown", "wrong-secret", "not-releasable", "rate-limited"; "?" else. */
const char *pdg_ledger_redeem_outcome_name(enum pdg_ledger_redeem_outcome o);

struct pdg_ledger_redeem {
	const char *package_id;
	const uint8_t *secret_sha256;            /* SHA-256 of the presented secret (32 raw bytes) */
	const uint8_t *sealed_secret;            /* the secret sealed for the project's data center */
	size_t sealed_len;                       /* 1..PDG_LEDGER_BLOB_MAX */
	const char *datacenter;                  /* the data center it was sealed for: must be the
	                                            project's, else PDG_E_POLICY (sealed for the
	                                            wrong one, e.g. the project changed meanwhile) */
	const char *actor;                       /* staff login or "cert:<client id>", audited */
	const char *client;                      /* peer address or station, audited; may be NULL */
};

/*
 * Redeem a token: in one transaction, compare the secret's hash in constant time, release the
 * package (RECEIVED -> RELEASED, released_to = the project's data center, store the sealed
 * secret) and append the audit row; or, when refused, append an audit row saying why (the
 * package id only, never the secret) and refuse. At most one of any number of concurrent or
 * repeated redeems of one package, in any process, gets PDG_REDEEM_RELEASED. *outcome (may be
 * NULL) says what happened; the return code as listed with the outcomes; PDG_E_IO when the
 * database failed (then nothing happened, not even the audit row). A package id that is not a
 * valid id (empty, too long, spaces or control characters) is an unknown package, audited as
 * "(malformed)". PDG_E_INVALID (nothing audited) when secret hash, sealed secret or data
 * center are missing.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_redeem(struct pdg_ledger *l, const struct pdg_ledger_redeem *r,
	enum pdg_ledger_redeem_outcome *outcome, struct pdg_err *err);

/*
 * Record a redeem attempt the center refused before reaching the ledger (rate limited,
 * malformed token): an audit row with package_id (may be NULL or unknown), outcome, actor and
 * client. PDG_OK when recorded.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_redeem_refused(struct pdg_ledger *l, const char *package_id,
	enum pdg_ledger_redeem_outcome outcome, const char *actor, const char *client,
	struct pdg_err *err);

/*
 * Move package id from state `from` to state `to` (both given, so a stale caller cannot move a
 * package it did not see) in one transaction with its audit row (actor and detail, may be NULL).
 * PDG_E_POLICY if the transition is not legal or not through this function (-> RELEASED: use
 * pdg_ledger_redeem; -> RECEIVED: pdg_ledger_package_received) or if the package is not in
 * `from` any more (nothing changes); PDG_E_NOTFOUND. For RELEASED/DOWNLOADED -> DOWNLOADED/
 * ACKNOWLEDGED pass the data center in datacenter: it must be released_to (else PDG_E_POLICY);
 * NULL elsewhere (ignored).
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_transition(struct pdg_ledger *l, const char *id,
	enum pdg_ledger_state from, enum pdg_ledger_state to, const char *datacenter,
	const char *actor, const char *detail, struct pdg_err *err);

/* ---- queries --------------------------------------------------------------------------- */

/*
 * Packages released to data center dc and not yet acknowledged (RELEASED, DOWNLOADED) whose
 * project still belongs to dc, oldest release first.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_released_list(struct pdg_ledger *l, const char *dc,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err);

/* Listing filter; zero/NULL fields match everything. */
struct pdg_ledger_filter {
	enum pdg_ledger_state state;
	const char *project;
	const char *appliance;
	unsigned limit;                          /* 0: no limit */
};

/* Packages matching f (may be NULL), newest first (admin view). */
PDG_MUST_CHECK enum pdg_code pdg_ledger_package_list(struct pdg_ledger *l,
	const struct pdg_ledger_filter *f,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err);

/*
 * Packages due for purge at time now: ACKNOWLEDGED with acknowledged_at + the project's
 * retention_days <= now, and every EXPIRED or REVOKED package (their ciphertext serves nobody).
 * The caller deletes the blobs, then calls pdg_ledger_transition(..., -> PURGED).
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_due_purge(struct pdg_ledger *l, int64_t now,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err);

/*
 * Packages due for expiry at time now: RECEIVED with received_at + the project's expiry_days
 * <= now, and UPLOADING ones whose created + expiry_days <= now (abandoned uploads).
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_due_expiry(struct pdg_ledger *l, int64_t now,
	int (*fn)(void *ctx, const struct pdg_ledger_package *p), void *ctx, struct pdg_err *err);

/* ---- audit ------------------------------------------------------------------------------- */

/*
 * One audit row. Rows form a chain: hash = SHA-256 over prev_hash and the row's fields (see
 * docs/center-ledger.md), the first row's prev_hash is 64 zeros.
 */
struct pdg_ledger_audit_row {
	int64_t seq;                             /* 1, 2, 3 ... without gaps */
	int64_t time;
	char event[32];                          /* "transition", "redeem", "register", "center"... */
	char package_id[PDG_LEDGER_ID_MAX + 1];  /* "" when none */
	char from_state[16], to_state[16];       /* state names, "" when none */
	char outcome[32];                        /* "ok" or a redeem outcome name */
	char actor[PDG_LEDGER_TEXT_MAX + 1];
	char detail[PDG_LEDGER_TEXT_MAX + 1];
	char prev_hash[PDG_LEDGER_HEX_MAX + 1];
	char hash[PDG_LEDGER_HEX_MAX + 1];
};

/*
 * Append an audit row for an event of the center itself (login failure, certificate refused,
 * purge run...): event (letters, digits, '-', at most 31), package_id, outcome, actor, detail
 * (all but event may be NULL). Never pass a secret or PHI. PDG_E_LIMIT for too long strings.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_audit_append(struct pdg_ledger *l, const char *event,
	const char *package_id, const char *outcome, const char *actor, const char *detail,
	struct pdg_err *err);

/* Audit rows with seq >= from_seq in order; package_id, when not NULL, restricts to it. */
PDG_MUST_CHECK enum pdg_code pdg_ledger_audit_list(struct pdg_ledger *l, int64_t from_seq,
	const char *package_id, int (*fn)(void *ctx, const struct pdg_ledger_audit_row *r), void *ctx,
	struct pdg_err *err);

/* The result of pdg_ledger_check. */
struct pdg_ledger_check {
	int64_t audit_rows;                      /* rows read */
	int64_t packages;                        /* packages read */
	int64_t bad_seq;                         /* 0 if the chain is intact, else the first bad row */
	unsigned problems;                       /* 0 when consistent */
	char reason[256];                        /* the first problem found, "" when none */
};

/*
 * Verify the ledger: the audit chain (every hash, no gap, the head), and that every package is
 * consistent with its rows (its state is the to_state of its last transition row, it was
 * released at most once, a released one has released_to and a sealed secret, the timestamps of
 * the states it passed are set, segment counts and byte counts add up, RECEIVED or later means
 * every segment complete). Fills *out; returns PDG_OK when the check ran (read out->problems),
 * PDG_E_IO when it could not.
 */
PDG_MUST_CHECK enum pdg_code pdg_ledger_check(struct pdg_ledger *l, struct pdg_ledger_check *out,
	struct pdg_err *err);

#endif
