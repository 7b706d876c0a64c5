/* SPDX-License-Identifier: MIT */
/* Unit tests for the worker pool: every job is reported once, crashes and hangs included. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "appliance/batch/pool.h"

#define NJOBS 40

struct reply {
	uint32_t len;
	pid_t pid;
	pid_t ppid;
	char echo[32];
};

struct state {
	const char *paths[NJOBS];
	int reported[NJOBS];
	enum pdg_pool_loss loss[NJOBS];
	struct reply rep[NJOBS];
	size_t last_progress;
};

static const char *path_of(void *ctx, size_t index)
{
	return ((struct state *)ctx)->paths[index];
}

/* The behaviour under test is chosen by the job's "path": these are the hostile files. */
static void work(void *ctx, size_t index, const char *path, void *reply)
{
	struct reply *r = reply;

	(void)ctx;
	(void)index;
	if (!strcmp(path, "crash"))
		raise(SIGSEGV);
	if (!strcmp(path, "abort"))
		abort();
	if (!strcmp(path, "exit"))
		_exit(3);
	if (!strcmp(path, "hang"))
		for (;;)
			pause();
	if (!strcmp(path, "bomb")) {
		/* the memory limit makes this allocation fail instead of exhausting the machine */
		void *big = malloc((size_t)8 << 30);

		r->len = big ? 1u : 0u;
		free(big);
		snprintf(r->echo, sizeof(r->echo), "bomb");
		r->pid = getpid();
		return;
	}
	r->len = (uint32_t)strlen(path);
	r->pid = getpid();
	r->ppid = getppid();
	snprintf(r->echo, sizeof(r->echo), "%s", path);
}

static void done(void *ctx, size_t index, const void *reply, enum pdg_pool_loss loss)
{
	struct state *s = ctx;

	s->reported[index]++;
	s->loss[index] = loss;
	if (reply)
		memcpy(&s->rep[index], reply, sizeof(s->rep[index]));
}

static void progress(void *ctx, size_t finished, size_t total)
{
	struct state *s = ctx;

	assert_true(finished <= total);
	assert_true(finished >= s->last_progress);
	s->last_progress = finished;
}

static const struct pdg_pool_ops ops = {
	.path_of = path_of, .work = work, .done = done, .progress = progress,
};

static void run_jobs(struct state *s, unsigned jobs, size_t n)
{
	struct pdg_pool_opts opts = { .jobs = jobs, .timeout_ms = 500,
				      .mem_limit = 2ull << 30, .reply_size = sizeof(struct reply) };
	size_t todo[NJOBS];
	struct pdg_err err;

	for (size_t i = 0; i < n; i++)
		todo[i] = i;
	assert_int_equal(pdg_pool_run(&opts, &ops, s, todo, n, &err), PDG_OK);
}

static void every_job_reported_once(void **st)
{
	static char names[NJOBS][16];
	struct state s = { 0 };

	(void)st;
	for (size_t i = 0; i < NJOBS; i++) {
		snprintf(names[i], sizeof(names[i]), "file%zu", i);
		s.paths[i] = names[i];
	}
	run_jobs(&s, 3, NJOBS);
	for (size_t i = 0; i < NJOBS; i++) {
		assert_int_equal(s.reported[i], 1);
		assert_int_equal(s.loss[i], PDG_POOL_DONE);
		assert_string_equal(s.rep[i].echo, names[i]);
		assert_int_equal(s.rep[i].len, strlen(names[i]));
		assert_int_not_equal(s.rep[i].pid, getpid()); /* the work ran in a worker */
	}
	assert_int_equal(s.last_progress, NJOBS);
}

static void crashes_and_hangs_lose_only_their_job(void **st)
{
	static const char *const p[] = { "a", "crash", "b", "hang", "c", "exit", "d", "abort",
					 "e", "crash", "f", "hang", "g" };
	struct state s = { 0 };
	size_t n = sizeof(p) / sizeof(p[0]);

	(void)st;
	for (size_t i = 0; i < n; i++)
		s.paths[i] = p[i];
	run_jobs(&s, 2, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(s.reported[i], 1);
		if (!strcmp(p[i], "hang"))
			assert_int_equal(s.loss[i], PDG_POOL_TIMEOUT);
		else if (!strcmp(p[i], "crash") || !strcmp(p[i], "exit") || !strcmp(p[i], "abort"))
			assert_int_equal(s.loss[i], PDG_POOL_CRASHED);
		else {
			assert_int_equal(s.loss[i], PDG_POOL_DONE);
			assert_string_equal(s.rep[i].echo, p[i]);
		}
	}
}

static void single_worker_survives_repeated_crashes(void **st)
{
	struct state s = { 0 };

	(void)st;
	for (size_t i = 0; i < 10; i++)
		s.paths[i] = i % 2 ? "crash" : "ok";
	run_jobs(&s, 1, 10);
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(s.reported[i], 1);
		assert_int_equal(s.loss[i], i % 2 ? PDG_POOL_CRASHED : PDG_POOL_DONE);
	}
}

static void memory_limit_applies_in_workers(void **st)
{
	struct state s = { 0 };

	(void)st;
	s.paths[0] = "bomb";
	run_jobs(&s, 1, 1);
	assert_int_equal(s.reported[0], 1);
#if !defined(__SANITIZE_ADDRESS__)
	assert_int_equal(s.loss[0], PDG_POOL_DONE);
	assert_int_equal(s.rep[0].len, 0); /* 8 GiB refused under a 2 GiB limit */
#else
	/* ASan needs its own address space (no RLIMIT_AS) and aborts on a huge malloc, slowly
	 * (symbolizing): crashed or timed out, reported once either way */
#endif
}

/* A thread of the parent that keeps taking malloc's and a mutex while workers are forked. */
static atomic_int spin_stop;
static pthread_t spin_thread;
static pthread_mutex_t spin_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t spins;

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&spin_stop)) {
		void *p = malloc(64 + spins % 4096);

		pthread_mutex_lock(&spin_lock);
		spins++;
		pthread_mutex_unlock(&spin_lock);
		free(p);
	}
	return NULL;
}

static enum pdg_code start_spinner(void *ctx, struct pdg_err *err)
{
	(void)ctx;
	atomic_store(&spin_stop, 0);
	if (pthread_create(&spin_thread, NULL, spinner, NULL))
		return pdg_err_set(err, PDG_E_IO, "no thread");
	return PDG_OK;
}

static enum pdg_code refuse_start(void *ctx, struct pdg_err *err)
{
	(void)ctx;
	return pdg_err_set(err, PDG_E_POLICY, "not now");
}

static void fork_server_replaces_workers_while_a_thread_runs(void **st)
{
	static const struct pdg_pool_ops sops = {
		.path_of = path_of, .work = work, .done = done, .progress = progress,
		.started = start_spinner,
	};
	struct pdg_pool_opts opts = { .jobs = 2, .timeout_ms = 5000, .reply_size = sizeof(struct reply),
				      .fork_server = 1 };
	struct state s = { 0 };
	size_t todo[NJOBS];
	struct pdg_err err;
	pid_t server = 0;

	(void)st;
	for (size_t i = 0; i < NJOBS; i++) {
		s.paths[i] = i % 3 == 1 ? "crash" : "ok";
		todo[i] = i;
	}
	assert_int_equal(pdg_pool_run(&opts, &sops, &s, todo, NJOBS, &err), PDG_OK);
	atomic_store(&spin_stop, 1);
	pthread_join(spin_thread, NULL);
	for (size_t i = 0; i < NJOBS; i++) {
		assert_int_equal(s.reported[i], 1);
		if (i % 3 == 1) {
			assert_int_equal(s.loss[i], PDG_POOL_CRASHED);
			continue;
		}
		assert_int_equal(s.loss[i], PDG_POOL_DONE);
		/* every worker, the replacements too, is a child of one fork server, not of us */
		assert_int_not_equal(s.rep[i].ppid, getpid());
		if (!server)
			server = s.rep[i].ppid;
		assert_int_equal(s.rep[i].ppid, server);
	}
	/* the server is gone with the pool */
	assert_int_equal(kill(server, 0), -1);
}

static void a_failed_start_runs_no_job(void **st)
{
	static const struct pdg_pool_ops rops = {
		.path_of = path_of, .work = work, .done = done, .started = refuse_start,
	};
	struct pdg_pool_opts opts = { .jobs = 2, .reply_size = sizeof(struct reply),
				      .fork_server = 1 };
	struct state s = { 0 };
	size_t todo[2] = { 0, 1 };
	struct pdg_err err;

	(void)st;
	s.paths[0] = s.paths[1] = "ok";
	assert_int_equal(pdg_pool_run(&opts, &rops, &s, todo, 2, &err), PDG_E_POLICY);
	assert_string_equal(err.msg, "not now");
	assert_int_equal(s.reported[0] + s.reported[1], 0);
}

static int stop_after_three(void *ctx)
{
	const struct state *s = ctx;
	int n = 0;

	for (size_t i = 0; i < NJOBS; i++)
		n += s->reported[i];
	return n >= 3;
}

static void stop_ends_the_pool_early(void **st)
{
	static const struct pdg_pool_ops tops = {
		.path_of = path_of, .work = work, .done = done, .stop = stop_after_three,
	};
	struct pdg_pool_opts opts = { .jobs = 1, .reply_size = sizeof(struct reply) };
	struct state s = { 0 };
	size_t todo[NJOBS];
	struct pdg_err err;
	int n = 0;

	(void)st;
	for (size_t i = 0; i < NJOBS; i++) {
		s.paths[i] = "ok";
		todo[i] = i;
	}
	assert_int_equal(pdg_pool_run(&opts, &tops, &s, todo, NJOBS, &err), PDG_E_POLICY);
	for (size_t i = 0; i < NJOBS; i++) {
		assert_true(s.reported[i] <= 1);
		n += s.reported[i];
	}
	assert_int_equal(n, 3); /* one worker: the fourth job was never handed out */
}

static void bad_options_refused(void **st)
{
	struct pdg_pool_opts opts = { .jobs = 0, .reply_size = 8 };
	size_t todo[1] = { 0 };
	struct state s = { 0 };
	struct pdg_err err;

	(void)st;
	assert_int_equal(pdg_pool_run(&opts, &ops, &s, todo, 1, &err), PDG_E_INVALID);
	opts.jobs = 1;
	opts.reply_size = 0;
	assert_int_equal(pdg_pool_run(&opts, &ops, &s, todo, 1, &err), PDG_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_job_reported_once),
		cmocka_unit_test(crashes_and_hangs_lose_only_their_job),
		cmocka_unit_test(single_worker_survives_repeated_crashes),
		cmocka_unit_test(memory_limit_applies_in_workers),
		cmocka_unit_test(fork_server_replaces_workers_while_a_thread_runs),
		cmocka_unit_test(a_failed_start_runs_no_job),
		cmocka_unit_test(stop_ends_the_pool_early),
		cmocka_unit_test(bad_options_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
