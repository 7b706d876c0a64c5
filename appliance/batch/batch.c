/* SPDX-License-Identifier: MIT */
/* A batch run, parent side: hand files to workers, record outcomes, check the result. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "appliance/batch/internal.h"
#include "appliance/batch/pool.h"

void pdg_batch_init(struct pdg_batch *b, uint64_t max_file_bytes)
{
	*b = (struct pdg_batch){ 0 };
	pdg_inputs_init(&b->in, max_file_bytes);
}

void pdg_batch_release(struct pdg_batch *b)
{
	pdg_inputs_release(&b->in);
	free(b->tally);
	free(b->outputs);
	if (b->links)
		OPENSSL_cleanse(b->links, b->nlinks * sizeof(*b->links));
	free(b->links);
	for (size_t i = 0; i < b->nreasons; i++)
		free(b->reasons[i]);
	free(b->reasons);
	*b = (struct pdg_batch){ 0 };
	pdg_inputs_init(&b->in, 0);
}

const char *pdg_outcome_name(enum pdg_outcome outcome)
{
	switch (outcome) {
	case PDG_OUTCOME_EXPORTED:
		return "exported";
	case PDG_OUTCOME_QUARANTINED:
		return "quarantined";
	case PDG_OUTCOME_SKIPPED:
		return "skipped";
	case PDG_OUTCOME_FAILED:
		return "failed";
	default:
		return "pending";
	}
}

/*
 * Keep one copy of each reason a worker sent. The text comes from a process that parsed
 * hostile input: only printable ASCII survives, so a reason cannot break the summary,
 * the JSON or the TSV. Returns NULL when out of memory.
 */
static const char *intern(struct pdg_batch *b, const char *raw)
{
	char clean[PDG_BATCH_REASON_MAX];
	size_t i;
	char **v;

	for (i = 0; i + 1 < sizeof(clean) && raw[i]; i++)
		clean[i] = raw[i] >= 0x20 && raw[i] < 0x7f ? raw[i] : ' ';
	clean[i] = '\0';
	if (!clean[0])
		snprintf(clean, sizeof(clean), "no reason given");
	for (i = 0; i < b->nreasons; i++)
		if (!strcmp(b->reasons[i], clean))
			return b->reasons[i];
	v = realloc(b->reasons, (b->nreasons + 1) * sizeof(*v));
	if (!v)
		return NULL;
	b->reasons = v;
	if (!(v[b->nreasons] = strdup(clean)))
		return NULL;
	return v[b->nreasons++];
}

static void stop(struct pdg_batch_run *r, enum pdg_code code, const char *msg)
{
	if (!r->fatal)
		r->fatal = pdg_err_set(&r->fatal_err, code, "%s", msg);
}

static const char *path_of(void *arg, size_t index)
{
	return ((struct pdg_batch_run *)arg)->b->in.v[index].path;
}

/* The worker holding index died or hung: quarantine the original, copied by the parent
 * (a byte copy; the parent never parses input). */
static void lost(struct pdg_batch_run *r, size_t index)
{
	struct pdg_input *in = &r->b->in.v[index];
	struct pdg_err err;
	int fd;

	pdg_batch_forget(r, index); /* whatever the worker left half-done */
	fd = pdg_batch_open_input(in->path);
	if (fd < 0) {
		in->outcome = PDG_OUTCOME_SKIPPED;
		in->reason = PDG_REASON_VANISHED;
		return;
	}
	if (pdg_batch_quarantine_copy(r, fd, index, &err)) {
		in->outcome = PDG_OUTCOME_FAILED;
		in->reason = "the original could not be copied to quarantine";
		stop(r, PDG_E_IO, err.msg);
	} else {
		in->outcome = PDG_OUTCOME_QUARANTINED;
		in->reason = PDG_REASON_UNSAFE;
	}
	close(fd);
}

static void add_link(struct pdg_batch_run *r, const struct pdg_deid_link *l)
{
	struct pdg_batch *b = r->b;

	if (b->nlinks == r->ncap_links) {
		size_t cap = r->ncap_links ? r->ncap_links * 2 : 256;
		struct pdg_deid_link *v = calloc(cap, sizeof(*v));

		if (!v) {
			stop(r, PDG_E_NOMEM, "out of memory keeping link records");
			return;
		}
		if (b->links) {
			memcpy(v, b->links, b->nlinks * sizeof(*v));
			OPENSSL_cleanse(b->links, b->nlinks * sizeof(*v));
			free(b->links);
		}
		b->links = v;
		r->ncap_links = cap;
	}
	b->links[b->nlinks] = *l;
	/* the fields come from a worker: make sure they are terminated */
	b->links[b->nlinks].patient_id[sizeof(l->patient_id) - 1] = '\0';
	b->links[b->nlinks].pseudonym[sizeof(l->pseudonym) - 1] = '\0';
	b->nlinks++;
}

/* Whether an input before this one handed over the same new SOP instance; if not, note it. */
static int handed_before(struct pdg_batch_run *r, size_t index)
{
	const uint8_t *h = r->uid_hash[index];
	size_t m = r->handed_cap - 1, x = 0;

	for (int i = 0; i < 8; i++)
		x = x << 8 | h[i];
	for (x &= m; r->handed[x]; x = (x + 1) & m)
		if (!memcmp(r->uid_hash[r->handed[x] - 1], h, PDG_BATCH_UID_HASH))
			return 1;
	r->handed[x] = index + 1;
	return 0;
}

/* Streaming: hand over every input of the finished prefix, in input order. */
static void hand_over(struct pdg_batch_run *r)
{
	const struct pdg_inputs *in = &r->b->in;

	while (r->next_ready < in->n && (r->finished[r->next_ready] ||
					 in->v[r->next_ready].outcome != PDG_OUTCOME_PENDING)) {
		size_t i = r->next_ready++;
		char path[4096 + PDG_BATCH_NAME_MAX];

		if (in->v[i].outcome == PDG_OUTCOME_EXPORTED && !handed_before(r, i)) {
			char name[PDG_BATCH_NAME_MAX];

			pdg_batch_tmp_name(name, PDG_KIND_EXPORT, i);
			snprintf(path, sizeof(path), "%s/%s", r->opts->out_dir, name);
			if (r->opts->ready(r->opts->stream_arg, i, path))
				r->stopped = 1;
		} else if (r->opts->ready(r->opts->stream_arg, i, NULL)) {
			r->stopped = 1;
		}
	}
}

static enum pdg_code started(void *arg, struct pdg_err *err)
{
	struct pdg_batch_run *r = arg;
	enum pdg_code rc = r->opts->started ? r->opts->started(r->opts->stream_arg, err)
					    : PDG_OK;

	if (!rc && r->opts->ready)
		hand_over(r); /* the inputs decided before the batch (skipped) */
	return rc;
}

static int stopped_by_caller(void *arg)
{
	return ((struct pdg_batch_run *)arg)->stopped;
}

static void record(struct pdg_batch_run *r, size_t index, const void *reply,
		   enum pdg_pool_loss loss);

static void done(void *arg, size_t index, const void *reply, enum pdg_pool_loss loss)
{
	struct pdg_batch_run *r = arg;

	record(r, index, reply, loss);
	if (r->opts->ready) {
		r->finished[index] = 1;
		hand_over(r);
	}
}

static void record(struct pdg_batch_run *r, size_t index, const void *reply,
		   enum pdg_pool_loss loss)
{
	struct pdg_input *in = &r->b->in.v[index];
	const struct pdg_batch_reply *rep = reply;

	if (loss != PDG_POOL_DONE || !rep || rep->outcome < PDG_OUTCOME_EXPORTED ||
	    rep->outcome > PDG_OUTCOME_FAILED) {
		lost(r, index);
		return;
	}
	in->outcome = (enum pdg_outcome)rep->outcome;
	if (in->outcome == PDG_OUTCOME_EXPORTED) {
		memcpy(r->uid_hash[index], rep->uid_hash, PDG_BATCH_UID_HASH);
		r->exported_idx[r->nexported_idx++] = index;
		r->risk[index] = rep->risk;
		/* from a worker: make sure the strings are terminated */
		r->risk[index].patient[PDG_RISK_ID_MAX - 1] = '\0';
		for (unsigned a = 0; a < PDG_RISK_NATTR; a++)
			r->risk[index].qi[a][PDG_RISK_VAL_MAX - 1] = '\0';
		r->risk[index].order = index;
		if (rep->has_link)
			add_link(r, &rep->link);
		if (r->b->outputs && rep->has_keys)
			r->b->outputs[index] = rep->out; /* checked by pdg_fileset_build_keyed */
		if (rep->reason[0]) /* a note, e.g. which rule cleaned the pixels */
			in->reason = intern(r->b, rep->reason);
		return;
	}
	in->reason = intern(r->b, rep->reason);
	if (!in->reason) {
		in->reason = "out of memory";
		stop(r, PDG_E_NOMEM, "out of memory recording outcomes");
	}
	if (in->outcome == PDG_OUTCOME_FAILED)
		stop(r, PDG_E_IO, "an output file could not be written (is the disk full?)");
}

static void progress(void *arg, size_t finished, size_t total)
{
	struct pdg_batch_run *r = arg;

	if (r->opts->progress)
		r->opts->progress(r->opts->progress_arg, finished, total);
}

static const uint8_t (*sort_hashes)[PDG_BATCH_UID_HASH];

static int cmp_by_uid(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = memcmp(sort_hashes[x], sort_hashes[y], PDG_BATCH_UID_HASH);

	return c ? c : (x > y) - (x < y);
}

/* Whether the files at a and b hold the same bytes (1), differ (0), or cannot be read (-1). */
static int same_bytes(const char *a, const char *b)
{
	char x[1 << 15], y[1 << 15];
	int fa = pdg_batch_open_input(a), fb = pdg_batch_open_input(b), same = -1;

	if (fa >= 0 && fb >= 0) {
		for (;;) {
			ssize_t n = read(fa, x, sizeof(x)), m;

			if (n < 0)
				break;
			m = n ? read(fb, y, (size_t)n) : read(fb, y, 1);
			if (m < 0)
				break;
			if (n != m || memcmp(x, y, (size_t)n)) {
				same = 0;
				break;
			}
			if (!n) {
				same = 1;
				break;
			}
		}
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/*
 * Two inputs that are the same instance (same new SOP Instance UID, hence the same original
 * one) must not both be exported: keep the first in input order (so the result does not
 * depend on which worker was faster). A byte-identical copy is skipped; a file that differs
 * is quarantined for review, since one UID cannot name two different objects.
 */
static void drop_duplicate_instances(struct pdg_batch_run *r)
{
	size_t *v = r->exported_idx, n = r->nexported_idx, first = 0;

	sort_hashes = (const uint8_t (*)[PDG_BATCH_UID_HASH])r->uid_hash;
	qsort(v, n, sizeof(*v), cmp_by_uid);
	for (size_t i = 1; i < n; i++) {
		struct pdg_input *in = &r->b->in.v[v[i]];
		struct pdg_err err;
		int fd;

		if (memcmp(r->uid_hash[v[i]], r->uid_hash[v[first]], PDG_BATCH_UID_HASH)) {
			first = i;
			continue;
		}
		pdg_batch_forget(r, v[i]);
		if (same_bytes(r->b->in.v[v[first]].path, in->path) == 1) {
			in->outcome = PDG_OUTCOME_SKIPPED;
			in->reason = PDG_REASON_DUP_INSTANCE;
			continue;
		}
		fd = pdg_batch_open_input(in->path);
		if (fd < 0) {
			in->outcome = PDG_OUTCOME_SKIPPED;
			in->reason = PDG_REASON_VANISHED;
		} else if (pdg_batch_quarantine_copy(r, fd, v[i], &err)) {
			in->outcome = PDG_OUTCOME_FAILED;
			in->reason = "the original could not be copied to quarantine";
			stop(r, PDG_E_IO, err.msg);
		} else {
			in->outcome = PDG_OUTCOME_QUARANTINED;
			in->reason = PDG_REASON_UID_CLASH;
		}
		if (fd >= 0)
			close(fd);
	}
}

static int cmp_links(const void *a, const void *b)
{
	const struct pdg_deid_link *x = a, *y = b;
	int c = strcmp(x->patient_id, y->patient_id);

	if (!c)
		c = strcmp(x->pseudonym, y->pseudonym);
	if (!c)
		c = (x->date_offset_days > y->date_offset_days) -
		    (x->date_offset_days < y->date_offset_days);
	return c;
}

/* One link record per distinct (patient ID, pseudonym, offset). */
static void unique_links(struct pdg_batch *b)
{
	size_t n = 0;

	if (!b->nlinks)
		return;
	qsort(b->links, b->nlinks, sizeof(*b->links), cmp_links);
	for (size_t i = 1; i < b->nlinks; i++)
		if (cmp_links(&b->links[n], &b->links[i]))
			b->links[++n] = b->links[i];
	n++;
	OPENSSL_cleanse(b->links + n, (b->nlinks - n) * sizeof(*b->links));
	b->nlinks = n;
}

static int cmp_tally(const void *a, const void *b)
{
	const struct pdg_batch_tally *x = a, *y = b;

	if (x->outcome != y->outcome)
		return (int)x->outcome - (int)y->outcome;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->reason ? x->reason : "", y->reason ? y->reason : "");
}

static enum pdg_code count(struct pdg_batch *b, struct pdg_err *err)
{
	b->exported = b->quarantined = b->skipped = b->failed = 0;
	free(b->tally);
	b->ntally = 0;
	b->tally = calloc(b->in.n + 1, sizeof(*b->tally));
	if (!b->tally)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory counting outcomes");
	for (size_t i = 0; i < b->in.n; i++) {
		const struct pdg_input *e = &b->in.v[i];
		const char *reason = e->reason; /* exported: a note or NULL */
		size_t t;

		switch (e->outcome) {
		case PDG_OUTCOME_EXPORTED: b->exported++; break;
		case PDG_OUTCOME_QUARANTINED: b->quarantined++; break;
		case PDG_OUTCOME_SKIPPED: b->skipped++; break;
		case PDG_OUTCOME_FAILED: b->failed++; break;
		default: continue; /* pending: the consistency check will say so */
		}
		/* reasons are few distinct static or interned strings: compare by content */
		for (t = 0; t < b->ntally; t++)
			if (b->tally[t].outcome == e->outcome &&
			    (b->tally[t].reason == reason ||
			     (reason && b->tally[t].reason && !strcmp(b->tally[t].reason, reason))))
				break;
		if (t == b->ntally)
			b->tally[b->ntally++] = (struct pdg_batch_tally){ e->outcome, reason, 0 };
		b->tally[t].count++;
	}
	qsort(b->tally, b->ntally, sizeof(*b->tally), cmp_tally);
	return PDG_OK;
}

/* The risk report over the inputs still exported (duplicates dropped). */
static enum pdg_code risk_report(struct pdg_batch_run *r, struct pdg_err *err)
{
	struct pdg_batch *b = r->b;
	size_t n = 0;

	for (size_t i = 0; i < b->in.n; i++)
		if (b->in.v[i].outcome == PDG_OUTCOME_EXPORTED)
			r->risk[n++] = r->risk[i]; /* n <= i: compacting in place */
	return pdg_risk_compute(r->risk, n, r->ctx->k_threshold, &b->risk, err);
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > PDG_POOL_MAX_JOBS ? PDG_POOL_MAX_JOBS : (unsigned)n;
}

enum pdg_code pdg_batch_run(struct pdg_batch *b, const struct pdg_deid_ctx *ctx,
			    const struct pdg_batch_opts *opts, struct pdg_err *err)
{
	struct pdg_batch_run r = { .b = b, .ctx = ctx, .opts = opts, .outfd = -1, .qfd = -1 };
	struct pdg_pool_opts po = {
		.jobs = opts->jobs ? opts->jobs : default_jobs(),
		.timeout_ms = opts->timeout_ms,
		.mem_limit = opts->mem_limit ? opts->mem_limit : PDG_POOL_DEFAULT_MEM,
		/* the keys travel only when asked for (they are the reply's tail) */
		.reply_size = opts->keep_keys ? sizeof(struct pdg_batch_reply)
					      : offsetof(struct pdg_batch_reply, out),
		.fork_server = opts->ready != NULL,
	};
	struct pdg_pool_ops ops = {
		.path_of = path_of, .work = pdg_batch_work, .done = done, .progress = progress,
		.started = started, .stop = stopped_by_caller,
	};
	size_t *todo = NULL, ntodo = 0;
	enum pdg_code rc;

	if (opts->ready && (!opts->keep_keys || !opts->no_flush))
		return pdg_err_set(err, PDG_E_INVALID, "streaming needs keep_keys and no_flush");
	rc = pdg_batch_outdir_open(&r, opts->out_dir, err);
	if (rc)
		goto out;
	todo = calloc(b->in.n + 1, sizeof(*todo));
	r.exported_idx = calloc(b->in.n + 1, sizeof(*r.exported_idx));
	r.uid_hash = calloc(b->in.n + 1, sizeof(*r.uid_hash));
	r.risk = calloc(b->in.n + 1, sizeof(*r.risk));
	free(b->outputs);
	b->outputs = opts->keep_keys ? calloc(b->in.n + 1, sizeof(*b->outputs)) : NULL;
	if (opts->ready) {
		for (r.handed_cap = 1024; r.handed_cap <= 2 * b->in.n; r.handed_cap *= 2)
			;
		r.handed = calloc(r.handed_cap, sizeof(*r.handed));
		r.finished = calloc(b->in.n + 1, 1);
	}
	if (!todo || !r.exported_idx || !r.uid_hash || !r.risk ||
	    (opts->keep_keys && !b->outputs) || (opts->ready && (!r.handed || !r.finished))) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory preparing the batch");
		goto out;
	}
	for (size_t i = 0; i < b->in.n; i++)
		if (b->in.v[i].outcome == PDG_OUTCOME_PENDING)
			todo[ntodo++] = i;
	if (ntodo)
		rc = pdg_pool_run(&po, &ops, &r, todo, ntodo, err);
	else
		rc = started(&r, err); /* the pool runs nothing, not even started */
	if (!rc && r.stopped)
		rc = pdg_err_set(err, PDG_E_POLICY, "stopped by the caller");
	if (rc)
		goto out;
	if (r.fatal) {
		*err = r.fatal_err;
		rc = r.fatal;
	}
	drop_duplicate_instances(&r);
	unique_links(b);
	/* the check and the list run even after a failure: they say what was done */
	{
		struct pdg_err err2, err3;
		enum pdg_code rc2 = pdg_batch_publish(&r, &err2), rc3 = count(b, &err3);

		if (rc3 && !rc2) {
			rc2 = rc3;
			err2 = err3;
		}
		if (!rc2)
			rc2 = risk_report(&r, &err2);
		if (!rc2)
			rc2 = pdg_batch_outdir_check(&r, &err2);
		if (!rc2)
			rc2 = pdg_batch_write_reasons(&r, &err2);
		if (rc2 && !rc) {
			*err = err2;
			rc = rc2;
		}
	}
out:
	free(r.handed);
	free(r.finished);
	free(todo);
	free(r.exported_idx);
	free(r.uid_hash);
	if (r.risk)
		OPENSSL_cleanse(r.risk, (b->in.n + 1) * sizeof(*r.risk));
	free(r.risk);
	if (r.qfd >= 0)
		close(r.qfd);
	if (r.outfd >= 0)
		close(r.outfd);
	return rc;
}
