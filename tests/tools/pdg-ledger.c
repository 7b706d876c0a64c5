/* SPDX-License-Identifier: MIT */
/* Test tool: drive the service center's ledger API from the shell (tests t70xx). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "center/ledger/ledger.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"

static const char usage_text[] =
	"usage: pdg-ledger URL COMMAND [ARGS]\n"
	"  init                                   open (create the schema)\n"
	"  setup                                  register datacenter dc1 (+dc2), station st1,\n"
	"                                         appliance app1, projects p1 (->dc1) p2 (->dc2)\n"
	"                                         with retention 30 and expiry 60 days\n"
	"  add-appliance ID SITE PUBKEY | add-client station|datacenter ID NAME FP [RECIPIENT]\n"
	"  add-project NAME DC RETENTION EXPIRY | add-staff LOGIN HASH\n"
	"  disable appliance|client|staff ID | enable appliance|client|staff ID\n"
	"  create PKG PROJECT NSEG SECRET         a package from app1 by st1 with NSEG segments\n"
	"  progress PKG IDX BYTES | complete PKG IDX [bad] | received PKG [bad]\n"
	"  upload PKG                             complete every segment, then received\n"
	"  redeem PKG SECRET DC                   exit 0 released, 3 unknown, 4 wrong secret,\n"
	"                                         5 not releasable, 1 other failure\n"
	"  race PKG SECRET DC THREADS             redeem from THREADS threads; prints released=N\n"
	"  refused PKG                            record a rate-limited attempt\n"
	"  transition PKG FROM TO [DC]            exit 5 when refused\n"
	"  get PKG | segments PKG | blob PKG manifest|signature|sealed\n"
	"  list [STATE] | released DC | due-purge NOW | due-expiry NOW | audit [PKG]\n"
	"  check                                  exit 0 when consistent\n"
	"  chaos SEED STEPS                       random life cycles (for kill -9 tests)\n"
	"  get-after PKG FILE                     get, wait until FILE exists, get and redeem\n"
	"                                         again (same handle; the server may restart)\n"
	"  bench-redeem PKG THREADS N             N redeems with a wrong secret from THREADS\n"
	"                                         threads; prints rate and p50/p99 latency\n";

static struct pdg_ledger *L;

static void sha_hex(const char *s, char hex[PDG_SHA256_HEX_LEN + 1])
{
	uint8_t d[PDG_SHA256_BYTES];

	if (pdg_sha256(d, s, strlen(s), NULL)) {
		fprintf(stderr, "pdg-ledger: sha256 failed\n");
		exit(1);
	}
	pdg_sha256_hex(hex, d);
}

/* A segment's content is "<pkg>.<idx>" repeated to 100 + idx bytes; we only need its hash. */
static void seg_hash(const char *pkg, unsigned idx, char hex[PDG_SHA256_HEX_LEN + 1])
{
	char buf[128];

	snprintf(buf, sizeof(buf), "segment %s.%03u", pkg, idx);
	sha_hex(buf, hex);
}

static uint64_t seg_size(unsigned idx)
{
	return 100 + idx;
}

static void ct_hash(const char *pkg, char hex[PDG_SHA256_HEX_LEN + 1])
{
	char buf[128];

	snprintf(buf, sizeof(buf), "ciphertext %s", pkg);
	sha_hex(buf, hex);
}

static int fail(enum pdg_code rc, const struct pdg_err *err)
{
	fprintf(stderr, "pdg-ledger: %s (%s)\n", err->msg, pdg_code_name(rc));
	return 1;
}

static int print_pkg(void *ctx, const struct pdg_ledger_package *p)
{
	(void)ctx;
	printf("%s state=%s project=%s dc=%s released_to=%s segments=%u received_bytes=%" PRIu64
		" size=%" PRIu64 "\n", p->id, pdg_ledger_state_name(p->state), p->project,
		p->datacenter, p->released_to[0] ? p->released_to : "-", p->nsegments,
		p->received_bytes, p->ciphertext_size);
	return 0;
}

static int print_seg(void *ctx, const struct pdg_ledger_segment *s)
{
	(void)ctx;
	printf("%u size=%" PRIu64 " received=%" PRIu64 " complete=%d path=%s\n", s->index, s->size,
		s->received, s->complete, s->path[0] ? s->path : "-");
	return 0;
}

static int print_audit(void *ctx, const struct pdg_ledger_audit_row *r)
{
	(void)ctx;
	printf("%" PRId64 " %s pkg=%s %s->%s outcome=%s actor=%s detail=%s\n", r->seq, r->event,
		r->package_id[0] ? r->package_id : "-", r->from_state[0] ? r->from_state : "-",
		r->to_state[0] ? r->to_state : "-", r->outcome, r->actor, r->detail);
	return 0;
}

static enum pdg_code create(const char *id, const char *project, unsigned n, const char *secret,
	struct pdg_err *err)
{
	struct pdg_ledger_segment segs[16];
	char man[512], sig[64], secret_hex[65], ct[65];
	uint64_t total = 0;

	if (n < 1 || n > 16)
		return pdg_err_set(err, PDG_E_INVALID, "1..16 segments");
	memset(segs, 0, sizeof(segs));
	for (unsigned i = 0; i < n; i++) {
		segs[i].index = i + 1;
		segs[i].size = seg_size(i + 1);
		seg_hash(id, i + 1, segs[i].sha256);
		snprintf(segs[i].path, sizeof(segs[i].path), "blobs/%s.%03u", id, i + 1);
		total += segs[i].size;
	}
	snprintf(man, sizeof(man), "{\"format\": \"pdigate-package/1\", \"package_id\": \"%s\"}\n",
		id);
	snprintf(sig, sizeof(sig), "signature of %s\n", id);
	sha_hex(secret, secret_hex);
	ct_hash(id, ct);
	struct pdg_ledger_new_package np = {
		.id = id, .project = project, .appliance = "app1", .uploader = "st1",
		.manifest = (const uint8_t *)man, .manifest_len = strlen(man),
		.signature = (const uint8_t *)sig, .signature_len = strlen(sig),
		.secret_sha256 = secret_hex, .ciphertext_sha256 = ct, .ciphertext_size = total,
		.segments = segs, .nsegments = n,
	};
	int existed = 0;
	enum pdg_code rc = pdg_ledger_package_create(L, &np, "cert:st1", &existed, err);

	if (!rc && existed)
		printf("existed\n");
	return rc;
}

static enum pdg_code upload(const char *id, struct pdg_err *err)
{
	struct pdg_ledger_package p;
	char hex[65];
	enum pdg_code rc = pdg_ledger_package_get(L, id, &p, err);

	/* resumes like the center: segments already complete are skipped */
	for (unsigned i = 1; !rc && i <= p.nsegments; i++) {
		struct pdg_ledger_segment s;

		rc = pdg_ledger_segment_get(L, id, i, &s, err);
		if (rc || s.complete)
			continue;
		if (s.received < seg_size(i) / 2)
			rc = pdg_ledger_segment_progress(L, id, i, seg_size(i) / 2, NULL, err);
		seg_hash(id, i, hex);
		if (!rc)
			rc = pdg_ledger_segment_complete(L, id, i, seg_size(i), hex, err);
	}
	ct_hash(id, hex);
	if (!rc)
		rc = pdg_ledger_package_received(L, id, hex, "cert:st1", err);
	return rc;
}

static enum pdg_code seal_redeem(const char *id, const char *secret, const char *dc,
	enum pdg_ledger_redeem_outcome *o, struct pdg_err *err)
{
	uint8_t h[PDG_SHA256_BYTES];
	char sealed[128];

	if (pdg_sha256(h, secret, strlen(secret), err))
		return err->code;
	snprintf(sealed, sizeof(sealed), "age-sealed-for-%s", dc);
	struct pdg_ledger_redeem r = { .package_id = id, .secret_sha256 = h,
		.sealed_secret = (const uint8_t *)sealed, .sealed_len = strlen(sealed),
		.datacenter = dc, .actor = "desk", .client = "127.0.0.1" };
	return pdg_ledger_redeem(L, &r, o, err);
}

static int redeem_exit(enum pdg_code rc, enum pdg_ledger_redeem_outcome o, const struct pdg_err *err)
{
	printf("%s\n", o ? pdg_ledger_redeem_outcome_name(o) : "error");
	switch (o) {
	case PDG_REDEEM_RELEASED: return 0;
	case PDG_REDEEM_UNKNOWN: return 3;
	case PDG_REDEEM_WRONG_SECRET: return 4;
	case PDG_REDEEM_NOT_RELEASABLE: return 5;
	default: return fail(rc, err);
	}
}

struct race {
	const char *id, *secret, *dc;
	int released, failed;
	pthread_mutex_t mu;
	pthread_barrier_t go;
};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	struct pdg_err err = { 0 };
	enum pdg_ledger_redeem_outcome o = 0;
	enum pdg_code rc;

	pthread_barrier_wait(&r->go);
	rc = seal_redeem(r->id, r->secret, r->dc, &o, &err);
	pthread_mutex_lock(&r->mu);
	if (!rc)
		r->released++;
	else if (o != PDG_REDEEM_NOT_RELEASABLE) {
		r->failed++;
		fprintf(stderr, "pdg-ledger: race: %s\n", err.msg);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static int race(const char *id, const char *secret, const char *dc, int n)
{
	struct race r = { .id = id, .secret = secret, .dc = dc };
	pthread_t t[64];

	if (n < 1 || n > 64)
		return 2;
	pthread_mutex_init(&r.mu, NULL);
	pthread_barrier_init(&r.go, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, race_thread, &r);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("released=%d failed=%d\n", r.released, r.failed);
	return r.failed ? 1 : 0;
}

struct bench {
	const char *id;
	int n, next;
	double *lat;
	pthread_mutex_t mu;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *bench_thread(void *arg)
{
	struct bench *b = arg;

	for (;;) {
		struct pdg_err err = { 0 };
		enum pdg_ledger_redeem_outcome o;
		enum pdg_code rc;
		double t0;
		int i;

		pthread_mutex_lock(&b->mu);
		i = b->next++;
		pthread_mutex_unlock(&b->mu);
		if (i >= b->n)
			break;
		t0 = now_s();
		rc = seal_redeem(b->id, "wrong", "dc1", &o, &err);
		b->lat[i] = now_s() - t0;
		if (rc != PDG_E_CRYPTO && rc != PDG_E_NOTFOUND) {
			fprintf(stderr, "pdg-ledger: bench: %s\n", err.msg);
			exit(1);
		}
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Not a test: a measurement of refused redeems (each one an audited write transaction). */
static int bench_redeem(const char *id, int threads, int n)
{
	struct bench b = { .id = id, .n = n };
	pthread_t t[64];
	double t0, el;

	if (threads < 1 || threads > 64 || n < 1)
		return 2;
	b.lat = calloc((size_t)n, sizeof(double));
	if (!b.lat)
		return 1;
	pthread_mutex_init(&b.mu, NULL);
	t0 = now_s();
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, bench_thread, &b);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	el = now_s() - t0;
	qsort(b.lat, (size_t)n, sizeof(double), cmp_double);
	printf("redeems=%d threads=%d seconds=%.2f rate=%.0f/s p50=%.2fms p99=%.2fms\n", n, threads,
		el, n / el, b.lat[n / 2] * 1e3, b.lat[(n * 99) / 100] * 1e3);
	free(b.lat);
	return 0;
}

/* Random life cycles forever (or STEPS): each step one transition, printed before and after. */
static int chaos(unsigned seed, long steps)
{
	struct pdg_err err = { 0 };
	char id[32], secret[40];

	srand(seed);
	for (long k = 0; steps <= 0 || k < steps; k++) {
		int n = rand() % 40;
		struct pdg_ledger_package p;
		enum pdg_ledger_redeem_outcome o;
		enum pdg_code rc;

		snprintf(id, sizeof(id), "C%u-%d", seed, n);
		snprintf(secret, sizeof(secret), "s-%s", id);
		rc = pdg_ledger_package_get(L, id, &p, &err);
		if (rc == PDG_E_NOTFOUND) {
			rc = create(id, n % 2 ? "p1" : "p2", 1 + (unsigned)(n % 3), secret, &err);
		} else if (!rc) {
			const char *dc = n % 2 ? "dc1" : "dc2";

			switch (p.state) {
			case PDG_LS_UPLOADING:
				rc = rand() % 8 ? upload(id, &err) : pdg_ledger_transition(L, id,
					PDG_LS_UPLOADING, PDG_LS_REVOKED, NULL, "admin", NULL, &err);
				break;
			case PDG_LS_RECEIVED:
				if (rand() % 6) {
					rc = seal_redeem(id, rand() % 4 ? secret : "wrong", dc, &o, &err);
					if (rc == PDG_E_CRYPTO)
						rc = PDG_OK;
				} else {
					rc = pdg_ledger_transition(L, id, PDG_LS_RECEIVED, PDG_LS_EXPIRED,
						NULL, "expiry", NULL, &err);
				}
				break;
			case PDG_LS_RELEASED:
				rc = pdg_ledger_transition(L, id, PDG_LS_RELEASED, PDG_LS_DOWNLOADED, dc,
					"cert:dc", NULL, &err);
				break;
			case PDG_LS_DOWNLOADED:
				rc = pdg_ledger_transition(L, id, PDG_LS_DOWNLOADED,
					PDG_LS_ACKNOWLEDGED, dc, "cert:dc", NULL, &err);
				break;
			case PDG_LS_ACKNOWLEDGED:
			case PDG_LS_EXPIRED:
			case PDG_LS_REVOKED:
				rc = pdg_ledger_transition(L, id, p.state, PDG_LS_PURGED, NULL, "purge",
					NULL, &err);
				break;
			default:
				rc = seal_redeem(id, secret, dc, &o, &err);
				if (rc == PDG_E_POLICY)
					rc = PDG_OK;
				break;
			}
		}
		if (rc)
			return fail(rc, &err);
		printf("step %ld\n", k);
		fflush(stdout);
	}
	return 0;
}

static int setup(struct pdg_err *err)
{
	struct pdg_ledger_client dc1 = { .kind = PDG_LEDGER_DATACENTER, .id = "dc1",
		.name = "Data center one", .recipient = "age1dc1" };
	struct pdg_ledger_client dc2 = { .kind = PDG_LEDGER_DATACENTER, .id = "dc2",
		.name = "Data center two", .recipient = "age1dc2" };
	struct pdg_ledger_client st = { .kind = PDG_LEDGER_STATION, .id = "st1",
		.name = "Upload station" };
	struct pdg_ledger_appliance a = { .id = "app1", .site = "Site",
		.pubkey = "untrusted comment: test\nRWQAAAAA\n" };
	struct pdg_ledger_project p1 = { .name = "p1", .datacenter = "dc1", .retention_days = 30,
		.expiry_days = 60 };
	struct pdg_ledger_project p2 = { .name = "p2", .datacenter = "dc2", .retention_days = 30,
		.expiry_days = 60 };
	enum pdg_code rc;

	sha_hex("dc1", dc1.cert_sha256);
	sha_hex("dc2", dc2.cert_sha256);
	sha_hex("st1", st.cert_sha256);
	rc = pdg_ledger_client_add(L, &dc1, "admin", err);
	if (!rc)
		rc = pdg_ledger_client_add(L, &dc2, "admin", err);
	if (!rc)
		rc = pdg_ledger_client_add(L, &st, "admin", err);
	if (!rc)
		rc = pdg_ledger_appliance_add(L, &a, "admin", err);
	if (!rc)
		rc = pdg_ledger_project_add(L, &p1, "admin", err);
	if (!rc)
		rc = pdg_ledger_project_add(L, &p2, "admin", err);
	return rc ? fail(rc, err) : 0;
}

static enum pdg_ledger_principal principal(const char *s)
{
	return !strcmp(s, "appliance") ? PDG_LEDGER_P_APPLIANCE
		: !strcmp(s, "client") ? PDG_LEDGER_P_CLIENT
		: !strcmp(s, "staff") ? PDG_LEDGER_P_STAFF : (enum pdg_ledger_principal)0;
}

static int run(int argc, char **argv)
{
	struct pdg_err err = { 0 };
	const char *cmd = argv[2];
	enum pdg_code rc = PDG_OK;
	char hex[65];

#define NEED(n) do { if (argc != (n)) { fputs(usage_text, stderr); return 2; } } while (0)
	if (!strcmp(cmd, "init")) {
		NEED(3);
	} else if (!strcmp(cmd, "setup")) {
		NEED(3);
		return setup(&err);
	} else if (!strcmp(cmd, "add-appliance")) {
		struct pdg_ledger_appliance a = { 0 };

		NEED(6);
		snprintf(a.id, sizeof(a.id), "%s", argv[3]);
		snprintf(a.site, sizeof(a.site), "%s", argv[4]);
		snprintf(a.pubkey, sizeof(a.pubkey), "%s", argv[5]);
		rc = pdg_ledger_appliance_add(L, &a, "admin", &err);
	} else if (!strcmp(cmd, "add-client")) {
		struct pdg_ledger_client c = { 0 };

		if (argc != 7 && argc != 8)
			return 2;
		c.kind = !strcmp(argv[3], "station") ? PDG_LEDGER_STATION
			: !strcmp(argv[3], "datacenter") ? PDG_LEDGER_DATACENTER : 0;
		snprintf(c.id, sizeof(c.id), "%s", argv[4]);
		snprintf(c.name, sizeof(c.name), "%s", argv[5]);
		snprintf(c.cert_sha256, sizeof(c.cert_sha256), "%s", argv[6]);
		snprintf(c.recipient, sizeof(c.recipient), "%s", argc == 8 ? argv[7] : "");
		rc = pdg_ledger_client_add(L, &c, "admin", &err);
	} else if (!strcmp(cmd, "add-project")) {
		struct pdg_ledger_project p = { 0 };

		NEED(7);
		snprintf(p.name, sizeof(p.name), "%s", argv[3]);
		snprintf(p.datacenter, sizeof(p.datacenter), "%s", argv[4]);
		p.retention_days = strtoll(argv[5], NULL, 10);
		p.expiry_days = strtoll(argv[6], NULL, 10);
		rc = pdg_ledger_project_add(L, &p, "admin", &err);
	} else if (!strcmp(cmd, "add-staff")) {
		struct pdg_ledger_staff s = { 0 };

		NEED(5);
		snprintf(s.login, sizeof(s.login), "%s", argv[3]);
		snprintf(s.pwhash, sizeof(s.pwhash), "%s", argv[4]);
		rc = pdg_ledger_staff_add(L, &s, "admin", &err);
	} else if (!strcmp(cmd, "disable") || !strcmp(cmd, "enable")) {
		NEED(5);
		rc = pdg_ledger_set_disabled(L, principal(argv[3]), argv[4], cmd[0] == 'd', "admin",
			&err);
	} else if (!strcmp(cmd, "create")) {
		NEED(7);
		rc = create(argv[3], argv[4], (unsigned)(int)strtol(argv[5], NULL, 10), argv[6], &err);
	} else if (!strcmp(cmd, "progress")) {
		NEED(6);
		rc = pdg_ledger_segment_progress(L, argv[3], (unsigned)(int)strtol(argv[4], NULL, 10),
			strtoull(argv[5], NULL, 10), NULL, &err);
	} else if (!strcmp(cmd, "complete")) {
		unsigned idx;

		if (argc != 5 && argc != 6)
			return 2;
		idx = (unsigned)(int)strtol(argv[4], NULL, 10);
		seg_hash(argc == 6 ? "forged" : argv[3], idx, hex);
		rc = pdg_ledger_segment_complete(L, argv[3], idx, seg_size(idx), hex, &err);
	} else if (!strcmp(cmd, "received")) {
		if (argc != 4 && argc != 5)
			return 2;
		ct_hash(argc == 5 ? "forged" : argv[3], hex);
		rc = pdg_ledger_package_received(L, argv[3], hex, "cert:st1", &err);
	} else if (!strcmp(cmd, "upload")) {
		NEED(4);
		rc = upload(argv[3], &err);
	} else if (!strcmp(cmd, "redeem")) {
		enum pdg_ledger_redeem_outcome o = 0;

		NEED(6);
		rc = seal_redeem(argv[3], argv[4], argv[5], &o, &err);
		return redeem_exit(rc, o, &err);
	} else if (!strcmp(cmd, "race")) {
		NEED(7);
		return race(argv[3], argv[4], argv[5], (int)strtol(argv[6], NULL, 10));
	} else if (!strcmp(cmd, "refused")) {
		NEED(4);
		rc = pdg_ledger_redeem_refused(L, argv[3], PDG_REDEEM_RATE_LIMITED, "desk",
			"127.0.0.1", &err);
	} else if (!strcmp(cmd, "transition")) {
		enum pdg_ledger_state from, to;

		if (argc != 6 && argc != 7)
			return 2;
		from = pdg_ledger_state_parse(argv[4]);
		to = pdg_ledger_state_parse(argv[5]);
		rc = pdg_ledger_transition(L, argv[3], from, to, argc == 7 ? argv[6] : NULL, "test",
			NULL, &err);
		if (rc == PDG_E_POLICY) {
			fail(rc, &err);
			return 5;
		}
	} else if (!strcmp(cmd, "get")) {
		struct pdg_ledger_package p;

		NEED(4);
		rc = pdg_ledger_package_get(L, argv[3], &p, &err);
		if (!rc)
			print_pkg(NULL, &p);
	} else if (!strcmp(cmd, "segments")) {
		NEED(4);
		rc = pdg_ledger_segment_list(L, argv[3], print_seg, NULL, &err);
	} else if (!strcmp(cmd, "blob")) {
		uint8_t *b = NULL;
		size_t n = 0;

		NEED(5);
		rc = pdg_ledger_package_blob(L, argv[3], !strcmp(argv[4], "manifest")
			? PDG_LEDGER_MANIFEST : !strcmp(argv[4], "signature") ? PDG_LEDGER_SIGNATURE
			: PDG_LEDGER_SEALED_SECRET, &b, &n, &err);
		if (!rc)
			fwrite(b, 1, n, stdout);
		free(b);
	} else if (!strcmp(cmd, "list")) {
		struct pdg_ledger_filter f = { 0 };

		if (argc == 4)
			f.state = pdg_ledger_state_parse(argv[3]);
		rc = pdg_ledger_package_list(L, &f, print_pkg, NULL, &err);
	} else if (!strcmp(cmd, "released")) {
		NEED(4);
		rc = pdg_ledger_released_list(L, argv[3], print_pkg, NULL, &err);
	} else if (!strcmp(cmd, "due-purge") || !strcmp(cmd, "due-expiry")) {
		NEED(4);
		rc = (cmd[4] == 'p' ? pdg_ledger_due_purge : pdg_ledger_due_expiry)(L,
			strtoll(argv[3], NULL, 10), print_pkg, NULL, &err);
	} else if (!strcmp(cmd, "audit")) {
		rc = pdg_ledger_audit_list(L, 1, argc == 4 ? argv[3] : NULL, print_audit, NULL, &err);
	} else if (!strcmp(cmd, "check")) {
		struct pdg_ledger_check c;

		NEED(3);
		rc = pdg_ledger_check(L, &c, &err);
		if (!rc) {
			printf("audit_rows=%" PRId64 " packages=%" PRId64 " bad_seq=%" PRId64
				" problems=%u%s%s\n", c.audit_rows, c.packages, c.bad_seq, c.problems,
				c.problems ? " reason=" : "", c.reason);
			return c.problems ? 1 : 0;
		}
	} else if (!strcmp(cmd, "get-after")) {
		struct pdg_ledger_package p;
		enum pdg_ledger_redeem_outcome o;

		NEED(5);
		rc = pdg_ledger_package_get(L, argv[3], &p, &err);
		if (!rc) {
			printf("first %s\n", pdg_ledger_state_name(p.state));
			fflush(stdout);
			for (int i = 0; i < 600 && access(argv[4], F_OK); i++)
				usleep(100000);
			rc = pdg_ledger_package_get(L, argv[3], &p, &err);
		}
		if (!rc) {
			printf("again %s\n", pdg_ledger_state_name(p.state));
			rc = seal_redeem(argv[3], "wrong", "dc1", &o, &err);
			if (rc == PDG_E_CRYPTO)
				rc = PDG_OK;
		}
	} else if (!strcmp(cmd, "bench-redeem")) {
		NEED(6);
		return bench_redeem(argv[3], (int)strtol(argv[4], NULL, 10),
			(int)strtol(argv[5], NULL, 10));
	} else if (!strcmp(cmd, "chaos")) {
		NEED(5);
		return chaos((unsigned)(int)strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10));
	} else {
		fputs(usage_text, stderr);
		return 2;
	}
	return rc ? fail(rc, &err) : 0;
}

int main(int argc, char **argv)
{
	struct pdg_err err = { 0 };
	enum pdg_code rc;
	int status;

	if (argc < 3) {
		fputs(usage_text, stderr);
		return 2;
	}
	rc = pdg_ledger_open(&L, argv[1], &err);
	if (rc)
		return fail(rc, &err);
	status = run(argc, argv);
	L = pdg_ledger_free(L);
	return status;
}
