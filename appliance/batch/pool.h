/* SPDX-License-Identifier: MIT */
/*
 * A pool of worker processes for work on hostile input: the parent hands jobs (an index and
 * a path) to forked workers over pipes and collects fixed-size replies. A worker that dies
 * (signal, exit) or exceeds the per-job timeout is killed and replaced, and its job is
 * reported as lost; the pool goes on with the other jobs.
 */
#ifndef PDG_BATCH_POOL_H
#define PDG_BATCH_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_POOL_MAX_JOBS 64            /* worker processes */
#define PDG_POOL_MAX_REPLY (64u << 10)  /* bytes per reply */
#define PDG_POOL_DEFAULT_TIMEOUT 60     /* seconds per job */
#define PDG_POOL_DEFAULT_MEM (4ull << 30) /* RLIMIT_AS per worker */

/* Why a job has no reply. */
enum pdg_pool_loss {
	PDG_POOL_DONE = 0,   /* the worker answered */
	PDG_POOL_CRASHED,    /* the worker died (signal or exit) while holding the job */
	PDG_POOL_TIMEOUT,    /* the job took longer than the timeout; the worker was killed */
};

struct pdg_pool_ops {
	/* The path of job index (parent side; the string must stay valid during the run). */
	const char *(*path_of)(void *ctx, size_t index);
	/*
	 * Run in a worker process, once after fork, before any job (may be NULL). Returns 0 to
	 * go on; non-zero makes the worker exit.
	 */
	int (*worker_init)(void *ctx);
	/*
	 * Run in a worker process for each job: fill reply[0..reply_size) (zeroed before the
	 * call). Must not write to stdout. May crash: that is what the pool is for.
	 */
	void (*work)(void *ctx, size_t index, const char *path, void *reply);
	/*
	 * Run in the parent for each job, exactly once, in completion order: reply is the
	 * worker's answer (loss PDG_POOL_DONE), or NULL with the reason it was lost.
	 */
	void (*done)(void *ctx, size_t index, const void *reply, enum pdg_pool_loss loss);
	/* Run in the parent after each done call with the number of jobs finished (may be NULL). */
	void (*progress)(void *ctx, size_t finished, size_t total);
	/*
	 * Run in the parent once, before the first job is handed out (may be NULL): with
	 * opts.fork_server, the first moment the caller may start threads. An error ends the
	 * pool with that error before any job is run (no job is reported).
	 */
	enum pdg_code (*started)(void *ctx, struct pdg_err *err);
	/*
	 * Run in the parent before jobs are handed out (may be NULL): non-zero ends the pool at
	 * once (workers killed, the jobs not yet reported never are) with PDG_E_POLICY.
	 */
	int (*stop)(void *ctx);
};

struct pdg_pool_opts {
	unsigned jobs;          /* worker processes, 1..PDG_POOL_MAX_JOBS */
	unsigned timeout_ms;    /* per job; 0 means PDG_POOL_DEFAULT_TIMEOUT seconds */
	uint64_t mem_limit;     /* RLIMIT_AS of each worker in bytes; 0 means no limit */
	size_t reply_size;      /* bytes, 1..PDG_POOL_MAX_REPLY */
	/*
	 * Fork every worker from a fork server process, itself forked before ops->started:
	 * the parent may then run threads while the pool replaces crashed workers (a fork in a
	 * threaded process could copy a lock another thread holds). 0: fork here.
	 */
	int fork_server;
};

/*
 * Run ops->work in worker processes for each index in todo[0..ntodo), handed out in that
 * order, with the path ops->path_of gives. Returns PDG_OK when every job was reported
 * through ops->done. Fails (with some jobs never reported) only when the pool itself cannot
 * work: fork or pipe failure with no worker left (PDG_E_IO), workers dying without holding a
 * job again and again (PDG_E_INTERNAL), PDG_E_NOMEM, or bad options (PDG_E_INVALID).
 * SIGPIPE is ignored while the pool runs. Workers are forked, not executed: they inherit
 * ctx (secrets included, as it was when the pool started with a fork server) and the memory
 * limit; they die with the parent (and the fork server with it).
 */
PDG_MUST_CHECK enum pdg_code pdg_pool_run(const struct pdg_pool_opts *opts,
					  const struct pdg_pool_ops *ops, void *ctx,
					  const size_t *todo, size_t ntodo, struct pdg_err *err);

#endif
