/* SPDX-License-Identifier: MIT */
/* Opening the ledger: the url, the connection pool, the transaction runner and the schema. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "center/ledger/db_internal.h"
#include "center/ledger/internal.h"

#define PDG_LEDGER_SCHEMA_VERSION 1

/* One schema for both backends; @BLOB@ is the blob type (BLOB or BYTEA). */
static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS appliances (id TEXT PRIMARY KEY, site TEXT NOT NULL,"
	" pubkey TEXT NOT NULL, created BIGINT NOT NULL, disabled BIGINT NOT NULL DEFAULT 0)",
	"CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('station', 'datacenter')), name TEXT NOT NULL,"
	" cert_sha256 TEXT NOT NULL UNIQUE, recipient TEXT NOT NULL, created BIGINT NOT NULL,"
	" disabled BIGINT NOT NULL DEFAULT 0)",
	"CREATE TABLE IF NOT EXISTS staff (login TEXT PRIMARY KEY, pwhash TEXT NOT NULL,"
	" created BIGINT NOT NULL, disabled BIGINT NOT NULL DEFAULT 0)",
	"CREATE TABLE IF NOT EXISTS projects (name TEXT PRIMARY KEY,"
	" datacenter TEXT NOT NULL REFERENCES clients(id), retention_days BIGINT NOT NULL,"
	" expiry_days BIGINT NOT NULL, created BIGINT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS packages (id TEXT PRIMARY KEY,"
	" project TEXT NOT NULL REFERENCES projects(name),"
	" appliance TEXT NOT NULL REFERENCES appliances(id),"
	" uploader TEXT NOT NULL REFERENCES clients(id),"
	" state TEXT NOT NULL CHECK (state IN ('UPLOADING', 'RECEIVED', 'RELEASED', 'DOWNLOADED',"
	" 'ACKNOWLEDGED', 'PURGED', 'EXPIRED', 'REVOKED')),"
	" manifest @BLOB@ NOT NULL, signature @BLOB@ NOT NULL, secret_sha256 TEXT NOT NULL,"
	" ciphertext_sha256 TEXT NOT NULL, ciphertext_size BIGINT NOT NULL,"
	" nsegments BIGINT NOT NULL, released_to TEXT REFERENCES clients(id), sealed_secret @BLOB@,"
	" created BIGINT NOT NULL, received_at BIGINT NOT NULL DEFAULT 0,"
	" released_at BIGINT NOT NULL DEFAULT 0, downloaded_at BIGINT NOT NULL DEFAULT 0,"
	" acknowledged_at BIGINT NOT NULL DEFAULT 0, purged_at BIGINT NOT NULL DEFAULT 0,"
	" expired_at BIGINT NOT NULL DEFAULT 0, revoked_at BIGINT NOT NULL DEFAULT 0,"
	" updated BIGINT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS packages_state ON packages (state)",
	"CREATE INDEX IF NOT EXISTS packages_released_to ON packages (released_to, state)",
	"CREATE TABLE IF NOT EXISTS segments (package TEXT NOT NULL REFERENCES packages(id),"
	" idx BIGINT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL,"
	" received BIGINT NOT NULL DEFAULT 0, complete BIGINT NOT NULL DEFAULT 0,"
	" path TEXT NOT NULL DEFAULT '', PRIMARY KEY (package, idx))",
	"CREATE TABLE IF NOT EXISTS audit (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL,"
	" event TEXT NOT NULL, package_id TEXT NOT NULL, from_state TEXT NOT NULL,"
	" to_state TEXT NOT NULL, outcome TEXT NOT NULL, actor TEXT NOT NULL,"
	" detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS audit_package ON audit (package_id, seq)",
	"CREATE TABLE IF NOT EXISTS audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL,"
	" hash TEXT NOT NULL)",
	"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0,"
	" '0000000000000000000000000000000000000000000000000000000000000000')"
	" ON CONFLICT DO NOTHING",
	"INSERT INTO meta (key, value) VALUES ('schema', '1') ON CONFLICT DO NOTHING",
};

int64_t pdg_ledger_now(void)
{
	return (int64_t)time(NULL);
}

enum pdg_code pdg_ledger_copy(char *dst, size_t cap, const char *src, const char *what,
	struct pdg_err *err)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		return pdg_err_set(err, PDG_E_LIMIT, "%s is longer than %zu bytes", what, cap - 1);
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return PDG_OK;
}

enum pdg_code pdg_ledger_check_id(const char *s, const char *what, struct pdg_err *err)
{
	size_t n = 0;

	if (!s || !*s)
		return pdg_err_set(err, PDG_E_INVALID, "%s is empty", what);
	for (; s[n]; n++)
		if (!isgraph((unsigned char)s[n]) || (unsigned char)s[n] > 126)
			return pdg_err_set(err, PDG_E_INVALID, "%s has a character that is not "
				"printable ASCII", what);
	if (n > PDG_LEDGER_ID_MAX)
		return pdg_err_set(err, PDG_E_LIMIT, "%s is longer than %d characters", what,
			PDG_LEDGER_ID_MAX);
	return PDG_OK;
}

enum pdg_code pdg_ledger_check_hex(const char *s, const char *what, struct pdg_err *err)
{
	size_t n = 0;

	if (!s)
		return pdg_err_set(err, PDG_E_INVALID, "%s is missing", what);
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return pdg_err_set(err, PDG_E_INVALID, "%s is not lowercase hex", what);
	if (n != PDG_LEDGER_HEX_MAX)
		return pdg_err_set(err, PDG_E_INVALID, "%s is not a SHA-256 (64 hex digits)", what);
	return PDG_OK;
}

enum pdg_ledger_backend pdg_ledger_backend_of(const struct pdg_ledger *l)
{
	return l->backend;
}

/* ---- pool ---- */

static enum pdg_code conn_open(struct pdg_ledger *l, struct pdg_ldb **out, struct pdg_err *err)
{
	if (l->backend == PDG_LEDGER_SQLITE)
		return pdg_ldb_open_sqlite(out, l->target, l->sync_full, err);
	return pdg_ldb_open_pg(out, l->target, err);
}

static enum pdg_code conn_get_pooled(struct pdg_ledger *l, struct pdg_ldb **out,
	struct pdg_err *err)
{
	enum pdg_code rc;
	unsigned long mine;

	pthread_mutex_lock(&l->mu);
	/* nobody in line and a connection free: no ticket, no wake-up of anybody (a strict hand-
	 * over from ticket to ticket stalls every caller behind one that is not running) */
	if (l->pnext != l->pserving || (!l->nidle && l->nopen >= l->pool_max)) {
		mine = l->pnext++;
		while (mine != l->pserving || (!l->nidle && l->nopen >= l->pool_max))
			pthread_cond_wait(&l->cv, &l->mu);
		l->pserving++;
		pthread_cond_broadcast(&l->cv); /* the next in line may find one too */
	}
	if (l->nidle) {
		*out = l->idle[--l->nidle];
		pthread_mutex_unlock(&l->mu);
		return PDG_OK;
	}
	l->nopen++;
	pthread_mutex_unlock(&l->mu);
	rc = conn_open(l, out, err);
	if (rc) {
		pthread_mutex_lock(&l->mu);
		l->nopen--;
		pthread_cond_broadcast(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	return rc;
}

/*
 * The connection this thread already holds, if any: a listing callback that calls the ledger
 * again (the center builds a package's JSON, segments included, inside released_list) reuses
 * it instead of waiting for a second one, which could wait for ever when every pooled
 * connection is held by such a thread.
 */
static _Thread_local struct held {
	const struct pdg_ledger *l;
	struct pdg_ldb *c;
	unsigned depth;
} held;

static enum pdg_code conn_get(struct pdg_ledger *l, struct pdg_ldb **out, struct pdg_err *err)
{
	enum pdg_code rc;

	if (held.l == l && held.c) {
		held.depth++;
		*out = held.c;
		return PDG_OK;
	}
	rc = conn_get_pooled(l, out, err);
	if (!rc && !held.c) {
		held.l = l;
		held.c = *out;
		held.depth = 0;
	}
	return rc;
}

static void conn_put(struct pdg_ledger *l, struct pdg_ldb *c)
{
	if (held.l == l && held.c == c) {
		if (held.depth) {
			held.depth--;
			return;
		}
		held.l = NULL;
		held.c = NULL;
	}
	pthread_mutex_lock(&l->mu);
	if (pdg_ldb_broken(c)) {
		pdg_ldb_close(c);
		l->nopen--;
	} else {
		l->idle[l->nidle++] = c;
	}
	if (l->pnext != l->pserving)
		pthread_cond_broadcast(&l->cv); /* somebody is in line */
	pthread_mutex_unlock(&l->mu);
}

enum pdg_code pdg_ledger_query(struct pdg_ledger *l, const char *sql, const struct pdg_ldb_arg *args,
	int nargs, int (*fn)(void *ctx, const struct pdg_ldb_row *r), void *ctx, struct pdg_err *err)
{
	struct pdg_ldb *c;
	enum pdg_code rc = conn_get(l, &c, err);

	if (rc)
		return rc;
	rc = pdg_ldb_exec(c, sql, args, nargs, fn, ctx, NULL, err);
	if (rc && pdg_ldb_broken(c) && !held.depth) {
		/* the server went away (PostgreSQL restarted): once more on a new connection */
		conn_put(l, c);
		rc = conn_get(l, &c, err);
		if (rc)
			return rc;
		rc = pdg_ldb_exec(c, sql, args, nargs, fn, ctx, NULL, err);
	}
	conn_put(l, c);
	return rc;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, (long)(1000000L * (1 + (attempt % 10))) };

	nanosleep(&ts, NULL);
}

/* Before BEGIN (SQLite cannot change it inside a transaction): the durability of the next one. */
static enum pdg_code sqlite_sync(struct pdg_ledger *l, struct pdg_ldb *c, int relaxed,
	struct pdg_err *err)
{
	if (!l->sync_full || c->relaxed == relaxed)
		return PDG_OK;
	c->relaxed = relaxed;
	return pdg_ldb_exec(c, relaxed ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
		NULL, 0, NULL, NULL, NULL, err);
}

/* One transaction on its own, retried on transient failures (SQLite writes: only the leader). */
static enum pdg_code txn_one(struct pdg_ledger *l, enum pdg_ltx_kind kind,
	enum pdg_code (*body)(struct pdg_ltx *tx, void *ctx, struct pdg_err *err), void *ctx,
	struct pdg_err *err)
{
	int write = kind != PDG_LTX_READ, relaxed = kind == PDG_LTX_RELAXED;
	const char *begin = l->backend == PDG_LEDGER_POSTGRESQL
		? (!write ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
		   : relaxed ? "BEGIN ISOLATION LEVEL READ COMMITTED;"
		               " SET LOCAL synchronous_commit = off"
		   : "BEGIN ISOLATION LEVEL READ COMMITTED")
		: (write ? "BEGIN IMMEDIATE" : "BEGIN");
	struct pdg_ltx tx = { .l = l };
	enum pdg_code rc;

	rc = conn_get(l, &tx.c, err);
	if (rc)
		return rc;
	for (int attempt = 0, reconnected = 0;; attempt++) {
		int retry, committed = 0;

		tx.commit_on_error = 0;
		if (l->backend == PDG_LEDGER_SQLITE && write) {
			rc = sqlite_sync(l, tx.c, relaxed, err);
			if (rc)
				goto next;
		}
		rc = pdg_ldb_script(tx.c, begin, err);
		if (rc && pdg_ldb_broken(tx.c) && !reconnected && !held.depth) {
			/* nothing happened yet: once more on a new connection */
			reconnected = 1;
			conn_put(l, tx.c);
			rc = conn_get(l, &tx.c, err);
			if (rc) {
				tx.c = NULL;
				break;
			}
			continue;
		}
		if (rc)
			goto next;
		rc = body(&tx, ctx, err);
		if (!rc || tx.commit_on_error) {
			struct pdg_err cerr = { 0 };
			enum pdg_code crc = pdg_ldb_script(tx.c, "COMMIT", &cerr);

			if (crc) {
				rc = crc;
				if (err)
					*err = cerr;
			} else {
				committed = 1;
			}
		}
		if (!committed) {
			int keep = pdg_ldb_retryable(tx.c);
			enum pdg_code ignored = pdg_ldb_script(tx.c, "ROLLBACK", NULL);

			(void)ignored;
			tx.c->retry = keep;
		}
next:
		retry = rc && pdg_ldb_retryable(tx.c) && !pdg_ldb_broken(tx.c);
		if (!retry || attempt >= PDG_LEDGER_RETRIES)
			break;
		backoff(attempt);
	}
	if (tx.c)
		conn_put(l, tx.c);
	return rc;
}

/* ---- SQLite group commit ---- */

#define PDG_LEDGER_BATCH_MAX 64

/* A write transaction waiting for (or run by) the leader. */
struct pdg_wjob {
	struct pdg_wjob *next;
	enum pdg_ltx_kind kind;
	enum pdg_code (*body)(struct pdg_ltx *tx, void *ctx, struct pdg_err *err);
	void *ctx;
	struct pdg_err *err;
	enum pdg_code rc;
	int done;
};

/* Set while this thread leads: a write transaction started by a body would wait for itself. */
static _Thread_local int leading;

static int batch_step(struct pdg_ldb *c, const char *sql)
{
	return pdg_ldb_script(c, sql, NULL) == PDG_OK;
}

/*
 * Run the jobs of batch in one transaction, each body in a savepoint (rolled back alone when it
 * fails, unless it asked for its audit row to stay), and commit once: durable when any job is.
 * 1 when committed (each job's rc set); 0 when nothing was committed: the caller runs each job
 * again on its own (bodies are written to be run again, as for the retries of txn_one).
 */
static int batch_once(struct pdg_ledger *l, struct pdg_ldb *c, struct pdg_wjob *batch)
{
	struct pdg_ltx tx = { .l = l, .c = c };
	int relaxed = 1;

	for (struct pdg_wjob *j = batch; j; j = j->next)
		if (j->kind == PDG_LTX_WRITE)
			relaxed = 0;
	if (sqlite_sync(l, c, relaxed, NULL) || !batch_step(c, "BEGIN IMMEDIATE"))
		return 0;
	for (struct pdg_wjob *j = batch; j; j = j->next) {
		tx.commit_on_error = 0;
		if (!batch_step(c, "SAVEPOINT pdg_job"))
			goto abort;
		j->rc = j->body(&tx, j->ctx, j->err);
		/* a transient failure or a transaction SQLite ended itself: each on its own */
		if ((j->rc && pdg_ldb_retryable(c)) || sqlite3_get_autocommit(c->db))
			goto abort;
		if (j->rc && !tx.commit_on_error && !batch_step(c, "ROLLBACK TO pdg_job"))
			goto abort;
		if (!batch_step(c, "RELEASE pdg_job"))
			goto abort;
	}
	if (batch_step(c, "COMMIT"))
		return 1;
abort:
	(void)batch_step(c, "ROLLBACK");
	return 0;
}

static void run_batch(struct pdg_ledger *l, struct pdg_wjob *batch)
{
	struct pdg_ldb *c;

	if (batch->next && !conn_get(l, &c, NULL)) {
		int ok = batch_once(l, c, batch);

		conn_put(l, c);
		if (ok)
			return;
	}
	for (struct pdg_wjob *j = batch; j; j = j->next)
		j->rc = txn_one(l, j->kind, j->body, j->ctx, j->err);
}

static enum pdg_code txn_grouped(struct pdg_ledger *l, enum pdg_ltx_kind kind,
	enum pdg_code (*body)(struct pdg_ltx *tx, void *ctx, struct pdg_err *err), void *ctx,
	struct pdg_err *err)
{
	struct pdg_wjob job = { .kind = kind, .body = body, .ctx = ctx, .err = err };

	if (leading)
		return pdg_err_set(err, PDG_E_INTERNAL, "a ledger write transaction inside another");
	pthread_mutex_lock(&l->wmu);
	*l->wtail = &job;
	l->wtail = &job.next;
	for (;;) {
		struct pdg_wjob *batch, *last;
		unsigned n = 1;

		while (!job.done && l->wleader)
			pthread_cond_wait(&l->wcv, &l->wmu);
		if (job.done)
			break;
		/* lead: take the queue's first jobs (this one among them unless the queue is long) */
		batch = last = l->wqueue;
		while (last->next && n < PDG_LEDGER_BATCH_MAX) {
			last = last->next;
			n++;
		}
		l->wqueue = last->next;
		if (!l->wqueue)
			l->wtail = &l->wqueue;
		last->next = NULL;
		l->wleader = 1;
		pthread_mutex_unlock(&l->wmu);
		leading = 1;
		run_batch(l, batch);
		leading = 0;
		pthread_mutex_lock(&l->wmu);
		while (batch) {
			struct pdg_wjob *next = batch->next;

			batch->done = 1;        /* its owner may return (and free it) from here on */
			batch = next;
		}
		l->wleader = 0;
		pthread_cond_broadcast(&l->wcv);
	}
	pthread_mutex_unlock(&l->wmu);
	return job.rc;
}

enum pdg_code pdg_ledger_txn(struct pdg_ledger *l, enum pdg_ltx_kind kind,
	enum pdg_code (*body)(struct pdg_ltx *tx, void *ctx, struct pdg_err *err), void *ctx,
	struct pdg_err *err)
{
	if (kind == PDG_LTX_READ || l->backend != PDG_LEDGER_SQLITE)
		return txn_one(l, kind, body, ctx, err);
	return txn_grouped(l, kind, body, ctx, err);
}

/* ---- SQLite WAL checkpoints in the background ---- */

#define PDG_LEDGER_CKPT_MS 250

static void *ckpt_main(void *arg)
{
	struct pdg_ledger *l = arg;
	struct pdg_ldb *c = NULL;

	if (pdg_ldb_open_sqlite(&c, l->target, l->sync_full, NULL))
		return NULL;
	pthread_mutex_lock(&l->mu);
	while (!l->ckpt_stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PDG_LEDGER_CKPT_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&l->ckpt_cv, &l->mu, &ts);
		pthread_mutex_unlock(&l->mu);
		/* PASSIVE: copies what it can without blocking readers or writers */
		(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	pdg_ldb_close(c);
	return NULL;
}

static void ckpt_start(struct pdg_ledger *l)
{
	if (l->backend != PDG_LEDGER_SQLITE)
		return;
	l->ckpt_running = pthread_create(&l->ckpt, NULL, ckpt_main, l) == 0;
}

static void ckpt_stop(struct pdg_ledger *l)
{
	if (!l->ckpt_running)
		return;
	pthread_mutex_lock(&l->mu);
	l->ckpt_stop = 1;
	pthread_cond_signal(&l->ckpt_cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->ckpt, NULL);
	l->ckpt_running = 0;
}

/* ---- url ---- */

/* Remove "pool=N" from a libpq conninfo or URI query into *pool; edits s in place. */
static enum pdg_code take_pool(char *s, unsigned *pool, struct pdg_err *err)
{
	char *p = s;

	while ((p = strstr(p, "pool=")) != NULL) {
		char *end;
		unsigned long v;

		if (p != s && p[-1] != '?' && p[-1] != '&' && p[-1] != ' ') {
			p += 5;
			continue;
		}
		v = strtoul(p + 5, &end, 10);
		if (end == p + 5 || v < 1 || v > PDG_LEDGER_POOL_MAX || (*end && *end != '&' && *end != ' '))
			return pdg_err_set(err, PDG_E_INVALID, "ledger pool= must be 1..%d",
				PDG_LEDGER_POOL_MAX);
		*pool = (unsigned)v;
		if (*end)
			end++;
		memmove(p, end, strlen(end) + 1);
		size_t n = strlen(s);
		while (n && (s[n - 1] == '?' || s[n - 1] == '&' || s[n - 1] == ' '))
			s[--n] = '\0';
	}
	return PDG_OK;
}

static enum pdg_code parse_url(struct pdg_ledger *l, const char *url, struct pdg_err *err)
{
	enum pdg_code rc;
	char *q;

	if (!url || !*url)
		return pdg_err_set(err, PDG_E_INVALID, "no ledger url");
	if (!strncmp(url, "sqlite:", 7)) {
		l->backend = PDG_LEDGER_SQLITE;
		l->target = strdup(url + 7);
		if (!l->target)
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		q = strchr(l->target, '?');
		if (q) {
			*q++ = '\0';
			char *save = NULL;

			for (char *opt = strtok_r(q, "&", &save); opt; opt = strtok_r(NULL, "&", &save)) {
				if (!strcmp(opt, "synchronous=full"))
					l->sync_full = 1;
				else if (!strcmp(opt, "synchronous=normal"))
					l->sync_full = 0;
				else if (!strncmp(opt, "pool=", 5)) {
					char buf[32] = "";
					snprintf(buf, sizeof(buf), "%s", opt);
					rc = take_pool(buf, &l->pool_max, err);
					if (rc)
						return rc;
				} else
					return pdg_err_set(err, PDG_E_INVALID, "unknown sqlite ledger "
						"option (synchronous=full|normal, pool=N)");
			}
		}
		if (!*l->target)
			return pdg_err_set(err, PDG_E_INVALID, "sqlite ledger url without a path");
		return PDG_OK;
	}
	l->backend = PDG_LEDGER_POSTGRESQL;
	if (!strncmp(url, "pg:", 3))
		url += 3;
	else if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11) &&
	    !strchr(url, '='))
		return pdg_err_set(err, PDG_E_INVALID, "ledger url is neither sqlite:PATH nor a "
			"PostgreSQL url or conninfo");
	l->target = strdup(url);
	if (!l->target)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	return take_pool(l->target, &l->pool_max, err);
}

/* ---- schema ---- */

static int read_version(void *ctx, const struct pdg_ldb_row *r)
{
	*(int64_t *)ctx = strtoll(pdg_ldb_text(r, 0), NULL, 10);
	return 1;
}

static enum pdg_code create_schema(struct pdg_ltx *tx, void *ctx, struct pdg_err *err)
{
	const char *blob = tx->l->backend == PDG_LEDGER_SQLITE ? "BLOB" : "BYTEA";
	int64_t version = 0;
	enum pdg_code rc;

	(void)ctx;
	if (tx->l->backend == PDG_LEDGER_POSTGRESQL) {
		/* two processes creating the schema at once would collide in pg_type */
		rc = pdg_ldb_exec(tx->c, "SELECT pg_advisory_xact_lock(7003001)", NULL, 0, NULL,
			NULL, NULL, err);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++) {
		char sql[2048];
		const char *in = schema[i];
		size_t o = 0;

		while (*in && o + 8 < sizeof(sql)) {
			if (!strncmp(in, "@BLOB@", 6)) {
				o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s", blob);
				in += 6;
			} else {
				sql[o++] = *in++;
			}
		}
		sql[o] = '\0';
		rc = pdg_ldb_exec(tx->c, sql, NULL, 0, NULL, NULL, NULL, err);
		if (rc)
			return pdg_err_prefix(err, "creating the ledger schema");
	}
	rc = pdg_ldb_exec(tx->c, "SELECT value FROM meta WHERE key = 'schema'", NULL, 0,
		read_version, &version, NULL, err);
	if (rc)
		return rc;
	if (version > PDG_LEDGER_SCHEMA_VERSION)
		return pdg_err_set(err, PDG_E_POLICY, "the ledger's schema version %lld is newer "
			"than this program's (%d)", (long long)version, PDG_LEDGER_SCHEMA_VERSION);
	return PDG_OK;
}

enum pdg_code pdg_ledger_open(struct pdg_ledger **out, const char *url, struct pdg_err *err)
{
	struct pdg_ledger *l = calloc(1, sizeof(*l));
	enum pdg_code rc;

	*out = NULL;
	if (!l)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	l->sync_full = 1;
	l->pool_max = PDG_LEDGER_POOL_DEFAULT;
	pthread_mutex_init(&l->mu, NULL);
	pthread_mutex_init(&l->wmu, NULL);
	l->wtail = &l->wqueue;
	pthread_cond_init(&l->wcv, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_cond_init(&l->ckpt_cv, NULL);
	rc = parse_url(l, url, err);
	if (!rc)
		rc = pdg_ledger_txn(l, PDG_LTX_WRITE, create_schema, NULL, err);
	if (rc) {
		pdg_ledger_free(l);
		return rc;
	}
	ckpt_start(l);
	*out = l;
	return PDG_OK;
}

struct pdg_ledger *pdg_ledger_free(struct pdg_ledger *l)
{
	if (!l)
		return NULL;
	ckpt_stop(l);
	for (unsigned i = 0; i < l->nidle; i++)
		pdg_ldb_close(l->idle[i]);
	if (l->target) {
		OPENSSL_cleanse(l->target, strlen(l->target));
		free(l->target);
	}
	pthread_cond_destroy(&l->ckpt_cv);
	pthread_cond_destroy(&l->cv);
	pthread_cond_destroy(&l->wcv);
	pthread_mutex_destroy(&l->wmu);
	pthread_mutex_destroy(&l->mu);
	free(l);
	return NULL;
}
