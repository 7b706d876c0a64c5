/* SPDX-License-Identifier: MIT */
/* What the ledger's files share: the handle, its connection pool and the transaction runner. */
#ifndef PDG_LEDGER_INTERNAL_H
#define PDG_LEDGER_INTERNAL_H

#include <pthread.h>

#include "center/ledger/db.h"
#include "center/ledger/ledger.h"

#define PDG_LEDGER_POOL_DEFAULT 8
#define PDG_LEDGER_POOL_MAX     64
#define PDG_LEDGER_RETRIES      20

struct pdg_wjob;

struct pdg_ledger {
	enum pdg_ledger_backend backend;
	char *target;                            /* SQLite path or libpq conninfo (may hold a password) */
	int sync_full;
	unsigned pool_max;
	pthread_mutex_t mu;                      /* guards idle, nidle, nopen */
	pthread_cond_t cv;
	struct pdg_ldb *idle[PDG_LEDGER_POOL_MAX];
	unsigned nidle, nopen;
	unsigned long pnext, pserving;           /* callers get connections in arrival order */
	/* SQLite: write transactions queue first come first served; one thread at a time leads
	 * and runs the queued ones in one database transaction, each in its own savepoint, with
	 * one commit (group commit: one fsync for many; each caller answered after the commit) */
	pthread_mutex_t wmu;
	pthread_cond_t wcv;
	struct pdg_wjob *wqueue, **wtail;
	int wleader;
	/* SQLite: a thread checkpointing the WAL, so writers never wait for it */
	pthread_t ckpt;
	int ckpt_running, ckpt_stop;
	pthread_cond_t ckpt_cv;
};

/* Kinds of transaction for pdg_ledger_txn. */
enum pdg_ltx_kind {
	PDG_LTX_READ = 0,                        /* one snapshot, no writes */
	PDG_LTX_WRITE = 1,                       /* durable: on disk when the commit returns */
	PDG_LTX_RELAXED = 2,                     /* atomic and crash-consistent, but a power cut
	                                            may lose it (SQLite synchronous=NORMAL,
	                                            PostgreSQL synchronous_commit=off) */
};

/* A transaction in progress. */
struct pdg_ltx {
	struct pdg_ledger *l;
	struct pdg_ldb *c;
	int commit_on_error;                     /* body failed but its audit row must stay */
};

/*
 * Run body in one transaction on a pooled connection. Commits when body returns PDG_OK or set
 * tx->commit_on_error, else rolls back; retries the whole body on transient failures. Returns
 * body's code, or the commit's. SQLite write kinds queue for the leader (BEGIN IMMEDIATE), which
 * may run body in another thread, in a savepoint of a transaction shared with other callers'
 * bodies (rolled back alone when body fails), and returns only after that transaction's commit
 * (durable if any body in it asked for PDG_LTX_WRITE); a body must not start a write
 * transaction itself (PDG_E_INTERNAL) and must not rely on the calling thread.
 */
enum pdg_code pdg_ledger_txn(struct pdg_ledger *l, enum pdg_ltx_kind kind,
	enum pdg_code (*body)(struct pdg_ltx *tx, void *ctx, struct pdg_err *err), void *ctx,
	struct pdg_err *err);

/* Run one statement outside an explicit transaction on a pooled connection. */
enum pdg_code pdg_ledger_query(struct pdg_ledger *l, const char *sql, const struct pdg_ldb_arg *args,
	int nargs, int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, struct pdg_err *err);

/* The audit row to append within a transaction (strings may be NULL = ""). */
struct pdg_ledger_audit_in {
	const char *event;
	const char *package_id;
	enum pdg_ledger_state from, to;
	const char *outcome;
	const char *actor;
	const char *detail;
};

/* Append one chained audit row inside tx (locks the chain head until the commit). */
enum pdg_code pdg_ledger_audit_tx(struct pdg_ltx *tx, const struct pdg_ledger_audit_in *a,
	struct pdg_err *err);

/* The chain hash of a row (its prev_hash and fields) into hex. */
enum pdg_code pdg_ledger_audit_hash(const struct pdg_ledger_audit_row *r,
	char hex[PDG_LEDGER_HEX_MAX + 1], struct pdg_err *err);

/* Copy src into dst[cap]; PDG_E_LIMIT (naming what) if it does not fit; NULL copies "". */
enum pdg_code pdg_ledger_copy(char *dst, size_t cap, const char *src, const char *what,
	struct pdg_err *err);

/* PDG_E_INVALID unless s is a non-empty printable ASCII id without spaces of at most
 * PDG_LEDGER_ID_MAX characters. */
enum pdg_code pdg_ledger_check_id(const char *s, const char *what, struct pdg_err *err);

/* PDG_E_INVALID unless s is 64 lowercase hex digits. */
enum pdg_code pdg_ledger_check_hex(const char *s, const char *what, struct pdg_err *err);

/* Seconds since the epoch now. */
int64_t pdg_ledger_now(void);

/* The package columns selected by PDG_LEDGER_PKG_COLS and their reader. */
#define PDG_LEDGER_PKG_COLS \
	"p.id, p.project, pr.datacenter, p.appliance, p.uploader, p.state, p.secret_sha256," \
	" p.ciphertext_sha256, p.ciphertext_size, p.nsegments," \
	" (SELECT CAST(COALESCE(SUM(s.received), 0) AS BIGINT) FROM segments s WHERE s.package = p.id)," \
	" COALESCE(p.released_to, ''), p.created, p.received_at, p.released_at, p.downloaded_at," \
	" p.acknowledged_at, p.purged_at, p.expired_at, p.revoked_at, p.updated"
#define PDG_LEDGER_PKG_FROM " FROM packages p JOIN projects pr ON pr.name = p.project"
void pdg_ledger_read_package(const struct pdg_ldb_row *r, struct pdg_ledger_package *p);

/* The audit columns and their reader. */
#define PDG_LEDGER_AUDIT_COLS "seq, time, event, package_id, from_state, to_state, outcome," \
	" actor, detail, prev_hash, hash"
void pdg_ledger_audit_read_row(const struct pdg_ldb_row *r, struct pdg_ledger_audit_row *a);

#endif
