/* SPDX-License-Identifier: MIT */
/* Unit tests for the center's ledger on SQLite, and on PostgreSQL when PDG_LEDGER_PG names one. */
#include <libpq-fe.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "center/ledger/ledger.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"

static char tmp[64], url[512];
static struct pdg_ledger *L;
static struct pdg_err err;

/* PostgreSQL: PDG_LEDGER_PG is a libpq conninfo of a database the test may wipe. */
static const char *pg(void)
{
	const char *s = getenv("PDG_LEDGER_PG");

	return s && *s ? s : NULL;
}

static void hex_of(const char *s, char hex[65])
{
	uint8_t d[PDG_SHA256_BYTES];

	assert_int_equal(pdg_sha256(d, s, strlen(s), NULL), PDG_OK);
	pdg_sha256_hex(hex, d);
}

static int setup(void **state)
{
	static int n;

	(void)state;
	if (pg()) {
		PGconn *c = PQconnectdb(pg());
		PGresult *r;

		if (PQstatus(c) != CONNECTION_OK)
			return -1;
		r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE;"
			" CREATE SCHEMA public");
		PQclear(r);
		PQfinish(c);
		snprintf(url, sizeof(url), "%s", pg());
	} else {
		snprintf(tmp, sizeof(tmp), "/tmp/pdg-unit-ledger.XXXXXX");
		if (!mkdtemp(tmp))
			return -1;
		snprintf(url, sizeof(url), "sqlite:%s/ledger%d.db", tmp, n++);
	}
	if (pdg_ledger_open(&L, url, &err))
		return -1;
	/* principals every test uses */
	struct pdg_ledger_client dc1 = { .kind = PDG_LEDGER_DATACENTER, .id = "dc1", .name = "DC 1",
		.recipient = "age1one" };
	struct pdg_ledger_client dc2 = { .kind = PDG_LEDGER_DATACENTER, .id = "dc2", .name = "DC 2",
		.recipient = "age1two" };
	struct pdg_ledger_client st = { .kind = PDG_LEDGER_STATION, .id = "st1", .name = "Station" };
	struct pdg_ledger_appliance a = { .id = "app1", .site = "Site", .pubkey = "key" };
	struct pdg_ledger_project p1 = { .name = "p1", .datacenter = "dc1", .retention_days = 30,
		.expiry_days = 60 };
	struct pdg_ledger_project p2 = { .name = "p2", .datacenter = "dc2", .retention_days = 0,
		.expiry_days = 1 };

	hex_of("dc1", dc1.cert_sha256);
	hex_of("dc2", dc2.cert_sha256);
	hex_of("st1", st.cert_sha256);
	if (pdg_ledger_client_add(L, &dc1, "admin", &err) ||
	    pdg_ledger_client_add(L, &dc2, "admin", &err) ||
	    pdg_ledger_client_add(L, &st, "admin", &err) ||
	    pdg_ledger_appliance_add(L, &a, "admin", &err) ||
	    pdg_ledger_project_add(L, &p1, "admin", &err) ||
	    pdg_ledger_project_add(L, &p2, "admin", &err))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	L = pdg_ledger_free(L);
	if (!pg()) {
		for (int i = 0; i < 64; i++) {
			snprintf(path, sizeof(path), "%s/ledger%d.db", tmp, i);
			unlink(path);
			snprintf(path, sizeof(path), "%s/ledger%d.db-wal", tmp, i);
			unlink(path);
			snprintf(path, sizeof(path), "%s/ledger%d.db-shm", tmp, i);
			unlink(path);
		}
		rmdir(tmp);
	}
	return 0;
}

/* A package id with nseg segments of 100 bytes; secret is its release secret text. */
static enum pdg_code create(const char *id, const char *project, unsigned nseg, const char *secret,
	const char *manifest)
{
	struct pdg_ledger_segment segs[4];
	char sh[65], ct[65], name[64];

	memset(segs, 0, sizeof(segs));
	for (unsigned i = 0; i < nseg; i++) {
		segs[i].index = i + 1;
		segs[i].size = 100;
		snprintf(name, sizeof(name), "%s.%u", id, i + 1);
		hex_of(name, segs[i].sha256);
	}
	hex_of(secret, sh);
	hex_of(id, ct);
	struct pdg_ledger_new_package np = { .id = id, .project = project, .appliance = "app1",
		.uploader = "st1", .manifest = (const uint8_t *)manifest, .manifest_len = strlen(manifest),
		.signature = (const uint8_t *)"sig", .signature_len = 3, .secret_sha256 = sh,
		.ciphertext_sha256 = ct, .ciphertext_size = 100u * nseg, .segments = segs,
		.nsegments = nseg };
	return pdg_ledger_package_create(L, &np, "cert:st1", NULL, &err);
}

static void upload(const char *id, unsigned nseg)
{
	char name[64], hex[65];

	for (unsigned i = 1; i <= nseg; i++) {
		snprintf(name, sizeof(name), "%s.%u", id, i);
		hex_of(name, hex);
		assert_int_equal(pdg_ledger_segment_progress(L, id, i, 40, "blob", &err), PDG_OK);
		assert_int_equal(pdg_ledger_segment_complete(L, id, i, 100, hex, &err), PDG_OK);
	}
	hex_of(id, hex);
	assert_int_equal(pdg_ledger_package_received(L, id, hex, "cert:st1", &err), PDG_OK);
}

static enum pdg_code redeem(const char *id, const char *secret, const char *dc,
	enum pdg_ledger_redeem_outcome *o)
{
	uint8_t h[PDG_SHA256_BYTES];

	assert_int_equal(pdg_sha256(h, secret, strlen(secret), NULL), PDG_OK);
	struct pdg_ledger_redeem r = { .package_id = id, .secret_sha256 = h,
		.sealed_secret = (const uint8_t *)"sealed", .sealed_len = 6, .datacenter = dc,
		.actor = "desk" };
	return pdg_ledger_redeem(L, &r, o, &err);
}

static enum pdg_ledger_state state_of(const char *id)
{
	struct pdg_ledger_package p;

	assert_int_equal(pdg_ledger_package_get(L, id, &p, &err), PDG_OK);
	return p.state;
}

static void assert_consistent(void)
{
	struct pdg_ledger_check c;

	assert_int_equal(pdg_ledger_check(L, &c, &err), PDG_OK);
	if (c.problems)
		fprintf(stderr, "ledger check: %s\n", c.reason);
	assert_int_equal(c.problems, 0);
	assert_int_equal(c.bad_seq, 0);
}

static void test_state_table(void **state)
{
	(void)state;
	assert_true(pdg_ledger_transition_legal(PDG_LS_UPLOADING, PDG_LS_RECEIVED));
	assert_true(pdg_ledger_transition_legal(PDG_LS_RECEIVED, PDG_LS_RELEASED));
	assert_true(pdg_ledger_transition_legal(PDG_LS_RELEASED, PDG_LS_ACKNOWLEDGED));
	assert_true(pdg_ledger_transition_legal(PDG_LS_EXPIRED, PDG_LS_PURGED));
	assert_false(pdg_ledger_transition_legal(PDG_LS_PURGED, PDG_LS_RECEIVED));
	assert_false(pdg_ledger_transition_legal(PDG_LS_UPLOADING, PDG_LS_RELEASED));
	assert_false(pdg_ledger_transition_legal(PDG_LS_ACKNOWLEDGED, PDG_LS_RELEASED));
	assert_false(pdg_ledger_transition_legal(PDG_LS_EXPIRED, PDG_LS_RELEASED));
	assert_false(pdg_ledger_transition_legal(PDG_LS_RELEASED, PDG_LS_RECEIVED));
	assert_false(pdg_ledger_transition_legal(PDG_LS_NONE, PDG_LS_UPLOADING));
	assert_int_equal(pdg_ledger_state_parse("DOWNLOADED"), PDG_LS_DOWNLOADED);
	assert_int_equal(pdg_ledger_state_parse("downloaded"), PDG_LS_NONE);
	assert_string_equal(pdg_ledger_state_name(PDG_LS_REVOKED), "REVOKED");
}

static void test_principals(void **state)
{
	struct pdg_ledger_client c = { .kind = PDG_LEDGER_STATION, .id = "st2", .name = "Other" };
	struct pdg_ledger_client got;
	struct pdg_ledger_project p = { .name = "p9", .datacenter = "nowhere", .retention_days = 1,
		.expiry_days = 1 };
	struct pdg_ledger_staff s = { .login = "alice", .pwhash = "$scrypt$..." }, sg;
	char up[65];

	(void)state;
	/* the same certificate cannot belong to two clients */
	hex_of("st1", c.cert_sha256);
	assert_int_equal(pdg_ledger_client_add(L, &c, NULL, &err), PDG_E_EXISTS);
	/* lookup by certificate ignores hex case */
	hex_of("dc2", up);
	for (char *q = up; *q; q++)
		if (*q >= 'a' && *q <= 'f')
			*q = (char)(*q - 'a' + 'A');
	assert_int_equal(pdg_ledger_client_by_cert(L, up, &got, &err), PDG_OK);
	assert_string_equal(got.id, "dc2");
	assert_int_equal(got.kind, PDG_LEDGER_DATACENTER);
	assert_string_equal(got.recipient, "age1two");
	assert_int_equal(pdg_ledger_project_add(L, &p, NULL, &err), PDG_E_NOTFOUND);
	/* a project must point at a data center, not a station */
	snprintf(p.datacenter, sizeof(p.datacenter), "st1");
	assert_int_equal(pdg_ledger_project_add(L, &p, NULL, &err), PDG_E_NOTFOUND);
	assert_int_equal(pdg_ledger_staff_add(L, &s, "admin", &err), PDG_OK);
	assert_int_equal(pdg_ledger_staff_add(L, &s, "admin", &err), PDG_E_EXISTS);
	assert_int_equal(pdg_ledger_staff_set_pwhash(L, "alice", "$scrypt$new", "admin", &err), PDG_OK);
	assert_int_equal(pdg_ledger_staff_get(L, "alice", &sg, &err), PDG_OK);
	assert_string_equal(sg.pwhash, "$scrypt$new");
	assert_int_equal(pdg_ledger_set_disabled(L, PDG_LEDGER_P_STAFF, "alice", 1, "admin", &err),
		PDG_OK);
	assert_int_equal(pdg_ledger_staff_get(L, "alice", &sg, &err), PDG_OK);
	assert_int_equal(sg.disabled, 1);
	assert_int_equal(pdg_ledger_set_disabled(L, PDG_LEDGER_P_STAFF, "bob", 1, "admin", &err),
		PDG_E_NOTFOUND);
	assert_int_equal(pdg_ledger_staff_get(L, "bob", &sg, &err), PDG_E_NOTFOUND);
	assert_consistent();
}

static void test_upload(void **state)
{
	struct pdg_ledger_segment seg;
	struct pdg_ledger_package p;
	char hex[65];
	int existed = 0;

	(void)state;
	assert_int_equal(create("PKG1", "p1", 2, "secret", "manifest one"), PDG_OK);
	assert_int_equal(state_of("PKG1"), PDG_LS_UPLOADING);
	/* a resumed upload with the same manifest is fine, another manifest is not */
	assert_int_equal(create("PKG1", "p1", 2, "secret", "manifest one"), PDG_OK);
	assert_int_equal(create("PKG1", "p1", 2, "secret", "manifest two"), PDG_E_EXISTS);
	assert_int_equal(create("PKG2", "nope", 1, "secret", "m"), PDG_E_NOTFOUND);
	(void)existed;
	/* progress bounds */
	assert_int_equal(pdg_ledger_segment_progress(L, "PKG1", 1, 101, NULL, &err), PDG_E_LIMIT);
	assert_int_equal(pdg_ledger_segment_progress(L, "PKG1", 3, 1, NULL, &err), PDG_E_NOTFOUND);
	assert_int_equal(pdg_ledger_segment_progress(L, "PKG1", 1, 60, "b/PKG1.001", &err), PDG_OK);
	assert_int_equal(pdg_ledger_segment_get(L, "PKG1", 1, &seg, &err), PDG_OK);
	assert_int_equal(seg.received, 60);
	/* the center cut its file shorter: the offset follows */
	assert_int_equal(pdg_ledger_segment_progress(L, "PKG1", 1, 30, NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_segment_get(L, "PKG1", 1, &seg, &err), PDG_OK);
	assert_int_equal(seg.received, 30);
	assert_string_equal(seg.path, "b/PKG1.001");
	/* a segment that does not match its manifest is not complete */
	hex_of("forged", hex);
	assert_int_equal(pdg_ledger_segment_complete(L, "PKG1", 1, 100, hex, &err), PDG_E_CRYPTO);
	hex_of("PKG1.1", hex);
	assert_int_equal(pdg_ledger_segment_complete(L, "PKG1", 1, 99, hex, &err), PDG_E_CRYPTO);
	assert_int_equal(pdg_ledger_segment_complete(L, "PKG1", 1, 100, hex, &err), PDG_OK);
	/* not received while a segment is missing */
	hex_of("PKG1", hex);
	assert_int_equal(pdg_ledger_package_received(L, "PKG1", hex, NULL, &err), PDG_E_POLICY);
	hex_of("PKG1.2", hex);
	assert_int_equal(pdg_ledger_segment_complete(L, "PKG1", 2, 100, hex, &err), PDG_OK);
	hex_of("other", hex);
	assert_int_equal(pdg_ledger_package_received(L, "PKG1", hex, NULL, &err), PDG_E_CRYPTO);
	hex_of("PKG1", hex);
	assert_int_equal(pdg_ledger_package_received(L, "PKG1", hex, NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_package_received(L, "PKG1", hex, NULL, &err), PDG_E_POLICY);
	assert_int_equal(pdg_ledger_package_get(L, "PKG1", &p, &err), PDG_OK);
	assert_int_equal(p.state, PDG_LS_RECEIVED);
	assert_int_equal(p.received_bytes, 200);
	assert_string_equal(p.datacenter, "dc1");
	assert_true(p.received_at > 0);
	/* no progress once received */
	assert_int_equal(pdg_ledger_segment_progress(L, "PKG1", 1, 0, NULL, &err), PDG_E_POLICY);
	/* a disabled appliance cannot start an upload */
	assert_int_equal(pdg_ledger_set_disabled(L, PDG_LEDGER_P_APPLIANCE, "app1", 1, NULL, &err),
		PDG_OK);
	assert_int_equal(create("PKG3", "p1", 1, "s", "m3"), PDG_E_POLICY);
	assert_consistent();
}

static void test_life_cycle(void **state)
{
	enum pdg_ledger_redeem_outcome o;
	uint8_t *blob = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(create("PKG1", "p1", 1, "secret", "m"), PDG_OK);
	/* nothing releasable while uploading */
	assert_int_equal(redeem("PKG1", "secret", "dc1", &o), PDG_E_POLICY);
	assert_int_equal(o, PDG_REDEEM_NOT_RELEASABLE);
	upload("PKG1", 1);
	assert_int_equal(pdg_ledger_package_blob(L, "PKG1", PDG_LEDGER_SEALED_SECRET, &blob, &len,
		&err), PDG_E_NOTFOUND);
	assert_int_equal(redeem("PKG1", "wrong", "dc1", &o), PDG_E_CRYPTO);
	assert_int_equal(o, PDG_REDEEM_WRONG_SECRET);
	assert_int_equal(redeem("NOPE", "secret", "dc1", &o), PDG_E_NOTFOUND);
	assert_int_equal(o, PDG_REDEEM_UNKNOWN);
	assert_int_equal(redeem("bad\033[2Jid", "secret", "dc1", &o), PDG_E_NOTFOUND);
	assert_int_equal(o, PDG_REDEEM_UNKNOWN);
	/* sealed for the wrong data center: refused, not released */
	assert_int_equal(redeem("PKG1", "secret", "dc2", &o), PDG_E_POLICY);
	assert_int_equal(state_of("PKG1"), PDG_LS_RECEIVED);
	/* the only way to RELEASED is redeem */
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_RECEIVED, PDG_LS_RELEASED, NULL,
		NULL, NULL, &err), PDG_E_POLICY);
	assert_int_equal(redeem("PKG1", "secret", "dc1", &o), PDG_OK);
	assert_int_equal(o, PDG_REDEEM_RELEASED);
	assert_int_equal(redeem("PKG1", "secret", "dc1", &o), PDG_E_POLICY);
	assert_int_equal(o, PDG_REDEEM_NOT_RELEASABLE);
	assert_int_equal(pdg_ledger_package_blob(L, "PKG1", PDG_LEDGER_SEALED_SECRET, &blob, &len,
		&err), PDG_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(blob, "sealed", 6);
	free(blob);
	/* illegal and stale transitions are refused */
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_RELEASED, PDG_LS_PURGED, NULL, NULL,
		NULL, &err), PDG_E_POLICY);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_RECEIVED, PDG_LS_EXPIRED, NULL,
		NULL, NULL, &err), PDG_E_POLICY);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_RELEASED, PDG_LS_DOWNLOADED, "dc2",
		NULL, NULL, &err), PDG_E_POLICY);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_RELEASED, PDG_LS_DOWNLOADED, "dc1",
		"cert:dc1", NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_RELEASED, PDG_LS_DOWNLOADED, "dc1",
		"cert:dc1", NULL, &err), PDG_E_POLICY);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_DOWNLOADED, PDG_LS_ACKNOWLEDGED,
		"dc1", "cert:dc1", NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_ACKNOWLEDGED, PDG_LS_PURGED, NULL,
		"purge", NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_transition(L, "PKG1", PDG_LS_PURGED, PDG_LS_REVOKED, NULL, NULL,
		NULL, &err), PDG_E_POLICY);
	assert_int_equal(redeem("PKG1", "secret", "dc1", &o), PDG_E_POLICY);
	assert_int_equal(state_of("PKG1"), PDG_LS_PURGED);
	assert_consistent();
}

static int count(void *ctx, const struct pdg_ledger_package *p)
{
	(void)p;
	++*(int *)ctx;
	return 0;
}

static int count_redeems(void *ctx, const struct pdg_ledger_audit_row *r)
{
	int *n = ctx;

	if (!strcmp(r->event, "redeem"))
		n[!strcmp(r->outcome, "released")]++;
	return 0;
}

static void test_queries(void **state)
{
	enum pdg_ledger_redeem_outcome o;
	int64_t now = time(NULL), day = 86400;
	struct pdg_ledger_filter f = { .state = PDG_LS_RECEIVED };
	int n, r[2] = { 0, 0 };

	(void)state;
	assert_int_equal(create("A1", "p1", 1, "a1", "m"), PDG_OK);
	assert_int_equal(create("A2", "p1", 1, "a2", "m"), PDG_OK);
	assert_int_equal(create("B1", "p2", 1, "b1", "m"), PDG_OK);
	assert_int_equal(create("B2", "p2", 1, "b2", "m"), PDG_OK);
	upload("A1", 1);
	upload("A2", 1);
	upload("B1", 1);
	assert_int_equal(redeem("A1", "a1", "dc1", &o), PDG_OK);
	assert_int_equal(redeem("B1", "b1", "dc2", &o), PDG_OK);
	/* each data center sees only its own */
	n = 0;
	assert_int_equal(pdg_ledger_released_list(L, "dc1", count, &n, &err), PDG_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(pdg_ledger_released_list(L, "dc2", count, &n, &err), PDG_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(pdg_ledger_released_list(L, "st1", count, &n, &err), PDG_OK);
	assert_int_equal(n, 0);
	n = 0;
	assert_int_equal(pdg_ledger_package_list(L, &f, count, &n, &err), PDG_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(pdg_ledger_package_list(L, NULL, count, &n, &err), PDG_OK);
	assert_int_equal(n, 4);
	/* expiry: p1 after 60 days, p2 after 1 day (B2 still uploading) */
	n = 0;
	assert_int_equal(pdg_ledger_due_expiry(L, now, count, &n, &err), PDG_OK);
	assert_int_equal(n, 0);
	n = 0;
	assert_int_equal(pdg_ledger_due_expiry(L, now + 2 * day, count, &n, &err), PDG_OK);
	assert_int_equal(n, 1); /* B2 */
	n = 0;
	assert_int_equal(pdg_ledger_due_expiry(L, now + 61 * day, count, &n, &err), PDG_OK);
	assert_int_equal(n, 2); /* B2, A2 */
	/* purge: acknowledged + retention (p1 30 days, p2 0 days), expired at once */
	assert_int_equal(pdg_ledger_transition(L, "A1", PDG_LS_RELEASED, PDG_LS_ACKNOWLEDGED, "dc1",
		NULL, NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_transition(L, "B1", PDG_LS_RELEASED, PDG_LS_ACKNOWLEDGED, "dc2",
		NULL, NULL, &err), PDG_OK);
	assert_int_equal(pdg_ledger_transition(L, "B2", PDG_LS_UPLOADING, PDG_LS_EXPIRED, NULL,
		"expiry", NULL, &err), PDG_OK);
	n = 0;
	assert_int_equal(pdg_ledger_due_purge(L, now + 1, count, &n, &err), PDG_OK);
	assert_int_equal(n, 2); /* B1, B2 */
	n = 0;
	assert_int_equal(pdg_ledger_due_purge(L, now + 31 * day, count, &n, &err), PDG_OK);
	assert_int_equal(n, 3);
	/* refusals are audited with the package id only */
	assert_int_equal(pdg_ledger_redeem_refused(L, "A2", PDG_REDEEM_RATE_LIMITED, "desk",
		"10.0.0.1", &err), PDG_OK);
	assert_int_equal(redeem("A2", "bad", "dc1", &o), PDG_E_CRYPTO);
	assert_int_equal(pdg_ledger_audit_list(L, 1, NULL, count_redeems, r, &err), PDG_OK);
	assert_int_equal(r[1], 2);
	assert_int_equal(r[0], 2);
	assert_consistent();
}

struct racer {
	int released, refused, other;
	pthread_mutex_t mu;
	pthread_barrier_t go;
};

static void *race_thread(void *arg)
{
	struct racer *r = arg;
	struct pdg_err e = { 0 };
	enum pdg_ledger_redeem_outcome o = 0;
	uint8_t h[PDG_SHA256_BYTES];
	enum pdg_code rc;

	if (pdg_sha256(h, "secret", 6, NULL))
		return NULL;
	struct pdg_ledger_redeem req = { .package_id = "RACE", .secret_sha256 = h,
		.sealed_secret = (const uint8_t *)"sealed", .sealed_len = 6, .datacenter = "dc1",
		.actor = "desk" };
	pthread_barrier_wait(&r->go);
	rc = pdg_ledger_redeem(L, &req, &o, &e);
	pthread_mutex_lock(&r->mu);
	if (!rc && o == PDG_REDEEM_RELEASED)
		r->released++;
	else if (rc == PDG_E_POLICY && o == PDG_REDEEM_NOT_RELEASABLE)
		r->refused++;
	else
		r->other++;
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void test_concurrent_redeem(void **state)
{
	struct racer r = { 0 };
	pthread_t t[8];

	(void)state;
	assert_int_equal(create("RACE", "p1", 1, "secret", "m"), PDG_OK);
	upload("RACE", 1);
	pthread_mutex_init(&r.mu, NULL);
	pthread_barrier_init(&r.go, NULL, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r.go);
	pthread_mutex_destroy(&r.mu);
	assert_int_equal(r.released, 1);
	assert_int_equal(r.refused, 7);
	assert_int_equal(r.other, 0);
	assert_consistent();
}

static void test_audit_chain(void **state)
{
	struct pdg_ledger_check c;

	(void)state;
	assert_int_equal(pdg_ledger_audit_append(L, "login-failed", NULL, "refused", "alice",
		"wrong password", &err), PDG_OK);
	assert_int_equal(pdg_ledger_audit_append(L, "bad event!", NULL, NULL, NULL, NULL, &err),
		PDG_E_INVALID);
	assert_int_equal(pdg_ledger_check(L, &c, &err), PDG_OK);
	assert_int_equal(c.problems, 0);
	assert_int_equal(c.audit_rows, 7); /* six registrations of setup, one login */
	/* tamper with a row behind the ledger's back: the check names it */
	if (pg()) {
		PGconn *pc = PQconnectdb(pg());
		PQclear(PQexec(pc, "UPDATE audit SET actor = 'mallory' WHERE seq = 3"));
		PQfinish(pc);
	} else {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"UPDATE audit SET actor = 'mallory' WHERE"
			" seq = 3\"", url + 7);
		if (system(cmd) != 0)
			skip();
	}
	assert_int_equal(pdg_ledger_check(L, &c, &err), PDG_OK);
	assert_int_equal(c.bad_seq, 3);
	assert_true(c.problems > 0);
}

static int count_any(void *ctx, const void *rec)
{
	(void)rec;
	++*(int *)ctx;
	return 0;
}

static int count_appliance(void *ctx, const struct pdg_ledger_appliance *a)
{
	return count_any(ctx, a);
}

static int count_client(void *ctx, const struct pdg_ledger_client *c)
{
	return count_any(ctx, c);
}

static int count_staff(void *ctx, const struct pdg_ledger_staff *s)
{
	return count_any(ctx, s);
}

static int first_project(void *ctx, const struct pdg_ledger_project *p)
{
	snprintf(ctx, PDG_LEDGER_ID_MAX + 1, "%s", p->name);
	return 1; /* stop after the first */
}

static void test_listings(void **state)
{
	struct pdg_ledger_staff s = { .login = "bob", .pwhash = "h" };
	char name[PDG_LEDGER_ID_MAX + 1] = "";
	int n;

	(void)state;
	n = 0;
	assert_int_equal(pdg_ledger_appliance_list(L, count_appliance, &n, &err), PDG_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(pdg_ledger_client_list(L, count_client, &n, &err), PDG_OK);
	assert_int_equal(n, 3);
	assert_int_equal(pdg_ledger_staff_add(L, &s, NULL, &err), PDG_OK);
	n = 0;
	assert_int_equal(pdg_ledger_staff_list(L, count_staff, &n, &err), PDG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(pdg_ledger_project_list(L, first_project, name, &err), PDG_OK);
	assert_string_equal(name, "p1");
}

/* A second handle on the same ledger, with url options, sees the first one's work. */
static void test_second_handle(void **state)
{
	struct pdg_ledger *l2 = NULL;
	struct pdg_ledger_package p;
	char u2[600];

	(void)state;
	assert_int_equal(create("H1", "p1", 1, "s", "m"), PDG_OK);
	if (pg())
		snprintf(u2, sizeof(u2), "%s pool=2", url);
	else
		snprintf(u2, sizeof(u2), "%s?synchronous=normal&pool=2", url);
	assert_int_equal(pdg_ledger_open(&l2, u2, &err), PDG_OK);
	assert_int_equal(pdg_ledger_package_get(l2, "H1", &p, &err), PDG_OK);
	assert_int_equal(p.state, PDG_LS_UPLOADING);
	l2 = pdg_ledger_free(l2);
	snprintf(u2, sizeof(u2), "%s%spool=0", url, pg() ? " " : "?");
	assert_int_equal(pdg_ledger_open(&l2, u2, &err), PDG_E_INVALID);
	assert_null(l2);
}

struct nested {
	struct pdg_ledger *l;
	int packages, segments, acked;
};

static int nested_seg(void *ctx, const struct pdg_ledger_segment *sg)
{
	struct nested *n = ctx;

	(void)sg;
	n->segments++;
	return 0;
}

static int nested_pkg(void *ctx, const struct pdg_ledger_package *p)
{
	struct nested *n = ctx;
	struct pdg_ledger_package again;
	struct pdg_err e;

	n->packages++;
	if (pdg_ledger_segment_list(n->l, p->id, nested_seg, n, &e) ||
	    pdg_ledger_package_get(n->l, p->id, &again, &e))
		return 1;
	if (!pdg_ledger_transition(n->l, p->id, PDG_LS_RELEASED, PDG_LS_ACKNOWLEDGED, "dc1", NULL,
	    NULL, &e))
		n->acked++;
	return 0;
}

/* A listing callback may call the ledger again, even with a pool of one connection. */
static void test_nested_calls(void **state)
{
	struct nested n = { 0 };
	enum pdg_ledger_redeem_outcome o;
	char u2[600];

	(void)state;
	assert_int_equal(create("N1", "p1", 2, "s", "m"), PDG_OK);
	assert_int_equal(create("N2", "p1", 3, "s", "m"), PDG_OK);
	upload("N1", 2);
	upload("N2", 3);
	assert_int_equal(redeem("N1", "s", "dc1", &o), PDG_OK);
	assert_int_equal(redeem("N2", "s", "dc1", &o), PDG_OK);
	snprintf(u2, sizeof(u2), "%s%spool=1", url, pg() ? " " : "?");
	assert_int_equal(pdg_ledger_open(&n.l, u2, &err), PDG_OK);
	assert_int_equal(pdg_ledger_released_list(n.l, "dc1", nested_pkg, &n, &err), PDG_OK);
	n.l = pdg_ledger_free(n.l);
	assert_int_equal(n.packages, 2);
	assert_int_equal(n.segments, 5);
	assert_int_equal(n.acked, 2);
	assert_consistent();
}

/* Rows removed from the end of the chain are noticed through the head row. */
static void test_audit_truncated(void **state)
{
	struct pdg_ledger_check c;
	const char *sql = "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)";

	(void)state;
	if (pg()) {
		PGconn *pc = PQconnectdb(pg());
		PQclear(PQexec(pc, sql));
		PQfinish(pc);
	} else {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "sqlite3 '%s' '%s'", url + 7, sql);
		if (system(cmd) != 0)
			skip();
	}
	assert_int_equal(pdg_ledger_check(L, &c, &err), PDG_OK);
	assert_true(c.problems > 0);
	assert_int_equal(c.bad_seq, 6);
}

static void test_bad_input(void **state)
{
	struct pdg_ledger *l2 = NULL;
	char longid[100];

	(void)state;
	assert_int_equal(pdg_ledger_open(&l2, "mysql://x", &err), PDG_E_INVALID);
	assert_null(l2);
	assert_int_equal(pdg_ledger_open(&l2, "sqlite:", &err), PDG_E_INVALID);
	assert_int_equal(pdg_ledger_open(&l2, "sqlite:/tmp/x.db?bogus=1", &err), PDG_E_INVALID);
	memset(longid, 'X', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(create(longid, "p1", 1, "s", "m"), PDG_E_LIMIT);
	assert_int_equal(create("with space", "p1", 1, "s", "m"), PDG_E_INVALID);
	assert_int_equal(create("PKGZ", "p1", 0, "s", "m"), PDG_E_LIMIT);
	assert_consistent();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table),
		cmocka_unit_test_setup_teardown(test_principals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_life_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_redeem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_calls, setup, teardown),
	};

	return cmocka_run_group_tests_name(pg() ? "ledger (PostgreSQL)" : "ledger (SQLite)", tests,
		NULL, NULL);
}
