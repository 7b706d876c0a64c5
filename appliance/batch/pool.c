/* SPDX-License-Identifier: MIT */
/* The worker pool: forked processes, jobs over pipes, crash and timeout detection. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "appliance/batch/pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define PDG_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDG_POOL_ASAN 1
#endif
#endif

#define HDR_BYTES 8 /* job index, little-endian, before every reply and request */

struct worker {
	pid_t pid;       /* 0: no process */
	int req, rep;    /* parent writes jobs to req, reads replies from rep */
	int busy;
	size_t index;    /* the job held while busy */
	uint64_t deadline;
	size_t got;      /* reply bytes received so far */
	unsigned char *buf;
};

struct pool {
	const struct pdg_pool_opts *opts;
	const struct pdg_pool_ops *ops;
	void *ctx;
	struct worker w[PDG_POOL_MAX_JOBS];
	unsigned nw;
	size_t msg_bytes; /* HDR_BYTES + reply_size */
	pid_t parent;     /* the process workers are children of (the fork server's, if any) */
	pid_t server;     /* the fork server, 0: none (workers are forked here) */
	int sock;         /* to the fork server, -1: none */
};

/* What the pool asks of its fork server, and the answer (with two descriptors for SPAWN). */
enum { SRV_SPAWN = 1, SRV_KILL, SRV_WAIT };
struct srv_req {
	int op;
	pid_t pid;
};
struct srv_rep {
	pid_t pid; /* SPAWN: the worker, 0: failed */
	int err;   /* errno of a failed SPAWN */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int read_full(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* The worker process: never returns. */
static void worker_main(struct pool *p, int req, int rep)
{
	unsigned char hdr[HDR_BYTES + 4];
	unsigned char *msg;
	char *path;

	/* die with the parent, and do not outlive it if it is already gone */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != p->parent)
		_exit(1);
	/* a crash must end the worker, whatever handlers the parent installed */
	static const int deadly[] = { SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
				      SIGTERM, SIGINT };
	for (size_t i = 0; i < sizeof(deadly) / sizeof(deadly[0]); i++)
		signal(deadly[i], SIG_DFL);
#ifndef PDG_POOL_ASAN
	/* a decompression or allocation bomb fails the file, not the machine */
	if (p->opts->mem_limit) {
		struct rlimit rl = { .rlim_cur = p->opts->mem_limit,
				     .rlim_max = p->opts->mem_limit };

		if (setrlimit(RLIMIT_AS, &rl))
			_exit(1);
	}
#endif
	msg = malloc(p->msg_bytes);
	path = malloc(PATH_MAX);
	if (!msg || !path)
		_exit(1);
	if (p->ops->worker_init && p->ops->worker_init(p->ctx))
		_exit(1);
	for (;;) {
		uint64_t index;
		uint32_t len;

		if (read_full(req, hdr, sizeof(hdr)))
			_exit(0); /* parent closed the pipe: no more work */
		index = get64(hdr);
		len = (uint32_t)hdr[8] | (uint32_t)hdr[9] << 8 | (uint32_t)hdr[10] << 16 |
		      (uint32_t)hdr[11] << 24;
		if (len >= PATH_MAX || read_full(req, path, len))
			_exit(1);
		path[len] = '\0';
		memset(msg, 0, p->msg_bytes);
		put64(msg, index);
		p->ops->work(p->ctx, (size_t)index, path, msg + HDR_BYTES);
		if (write_full(rep, msg, p->msg_bytes))
			_exit(1);
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Fork a worker with a pipe each way: in the parent, *req and *rep receive its ends. Returns
 * the pid, or -1 with errno set.
 */
static pid_t fork_worker(struct pool *p, int *req, int *rep)
{
	int a[2], b[2];
	pid_t pid;

	if (pipe2(a, O_CLOEXEC))
		return -1;
	if (pipe2(b, O_CLOEXEC)) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(a[0]);
		close(a[1]);
		close(b[0]);
		close(b[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		/* keep only our own ends: a worker holding another's pipe would hide its death */
		for (unsigned i = 0; i < p->nw; i++) {
			close_fd(&p->w[i].req);
			close_fd(&p->w[i].rep);
		}
		close_fd(&p->sock);
		close(a[1]);
		close(b[0]);
		worker_main(p, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	*req = a[1];
	*rep = b[0];
	return pid;
}

/*
 * The fork server: a process forked by the pool before its user starts any thread, so that it
 * has one thread and a consistent copy of every lock. It forks each worker (including the
 * replacements of crashed ones, which the parent may need while its threads run: a fork in a
 * threaded process copies only the calling thread, and a child of that copy could block
 * forever on a lock, malloc's or OpenSSL's, that another thread held at that moment), passes
 * the pipe ends back over sock (SCM_RIGHTS), and kills and reaps its children on request, so
 * that a pid the parent signals is never one the system has reused. Never returns.
 */
static void server_main(struct pool *p, int sock)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != p->parent)
		_exit(1);
	p->parent = getpid(); /* the workers' parent, which they check */
	p->sock = sock;       /* closed in the workers */
	for (;;) {
		struct srv_req q;
		struct srv_rep a = { 0 };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(2 * sizeof(int))];
		} cm;
		struct iovec iov = { .iov_base = &a, .iov_len = sizeof(a) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recv(sock, &q, sizeof(q), 0);
		int fds[2] = { -1, -1 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the pool has ended */
		if ((size_t)n != sizeof(q))
			_exit(1);
		if (q.op == SRV_SPAWN) {
			a.pid = fork_worker(p, &fds[0], &fds[1]);
			if (a.pid < 0) {
				a.err = errno;
				a.pid = 0;
			} else {
				memset(&cm, 0, sizeof(cm));
				m.msg_control = cm.buf;
				m.msg_controllen = sizeof(cm.buf);
				cm.h.cmsg_level = SOL_SOCKET;
				cm.h.cmsg_type = SCM_RIGHTS;
				cm.h.cmsg_len = CMSG_LEN(2 * sizeof(int));
				memcpy(CMSG_DATA(&cm.h), fds, sizeof(fds));
			}
		} else if ((q.op == SRV_KILL || q.op == SRV_WAIT) && q.pid > 0) {
			if (q.op == SRV_KILL)
				kill(q.pid, SIGKILL);
			while (waitpid(q.pid, NULL, 0) < 0 && errno == EINTR)
				;
		} else {
			_exit(1);
		}
		while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0)
			if (errno != EINTR)
				_exit(1);
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
}

/* Start the fork server (before the pool's user starts threads). -1 with errno on failure. */
static int start_server(struct pool *p)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		server_main(p, sv[1]);
	}
	close(sv[1]);
	p->sock = sv[0];
	p->server = pid;
	return 0;
}

/* One request to the fork server and its answer; fds[2] receives SPAWN's descriptors. */
static int ask_server(struct pool *p, int op, pid_t pid, struct srv_rep *a, int *fds)
{
	struct srv_req q = { .op = op, .pid = pid };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = a, .iov_len = sizeof(*a) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr *c;
	ssize_t n;

	while (send(p->sock, &q, sizeof(q), MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	while ((n = recvmsg(p->sock, &m, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return -1;
	if ((size_t)n != sizeof(*a) || (m.msg_flags & MSG_CTRUNC)) {
		errno = EPROTO;
		return -1;
	}
	c = CMSG_FIRSTHDR(&m);
	if (op == SRV_SPAWN && a->pid > 0) {
		if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
			errno = EPROTO;
			return -1;
		}
		memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	} else if (op == SRV_SPAWN) {
		errno = a->err ? a->err : EAGAIN;
		return -1;
	}
	return 0;
}

/* Start a process for slot w. Returns 0, or -1 with errno set (slot left empty). */
static int spawn(struct pool *p, struct worker *w)
{
	int fds[2];
	pid_t pid;

	if (p->server) {
		struct srv_rep a;

		if (ask_server(p, SRV_SPAWN, 0, &a, fds))
			return -1;
		pid = a.pid;
	} else if ((pid = fork_worker(p, &fds[0], &fds[1])) < 0) {
		return -1;
	}
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	w->pid = pid;
	w->req = fds[0];
	w->rep = fds[1];
	w->busy = 0;
	w->got = 0;
	return 0;
}

/* End the process of slot w (killing it if asked) and reap it. */
static void reap(struct pool *p, struct worker *w, int kill_it)
{
	close_fd(&w->req);
	close_fd(&w->rep);
	if (w->pid > 0 && p->server) {
		struct srv_rep a;

		/* the server reaps its own children; if it is gone, so are they (PDEATHSIG) */
		(void)ask_server(p, kill_it ? SRV_KILL : SRV_WAIT, w->pid, &a, NULL);
	} else if (w->pid > 0) {
		if (kill_it)
			kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	w->pid = 0;
	w->busy = 0;
	w->got = 0;
}

static int send_job(struct pool *p, struct worker *w, size_t index)
{
	const char *path = p->ops->path_of(p->ctx, index);
	size_t len = strlen(path);
	unsigned char hdr[HDR_BYTES + 4];

	if (len >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	put64(hdr, index);
	hdr[8] = (unsigned char)len;
	hdr[9] = (unsigned char)(len >> 8);
	hdr[10] = (unsigned char)(len >> 16);
	hdr[11] = (unsigned char)(len >> 24);
	if (write_full(w->req, hdr, sizeof(hdr)) || write_full(w->req, path, len))
		return -1;
	w->busy = 1;
	w->index = index;
	w->got = 0;
	w->deadline = now_ms() + (p->opts->timeout_ms ? p->opts->timeout_ms
						      : PDG_POOL_DEFAULT_TIMEOUT * 1000u);
	return 0;
}

/* Read what worker w has sent. Returns 1 when a reply is complete, 0 for more, -1 on death. */
static int receive(struct pool *p, struct worker *w)
{
	for (;;) {
		ssize_t r = read(w->rep, w->buf + w->got, p->msg_bytes - w->got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0)
			return -1;
		w->got += (size_t)r;
		if (w->got == p->msg_bytes)
			return 1;
	}
}

static enum pdg_code run(struct pool *p, const size_t *todo, size_t ntodo, struct pdg_err *err)
{
	struct pollfd pfd[PDG_POOL_MAX_JOBS];
	unsigned idle_deaths = 0, live;
	size_t next = 0, finished = 0;

	while (finished < ntodo) {
		uint64_t now, soonest = UINT64_MAX;
		unsigned np = 0;
		int timeout;

		if (p->ops->stop && p->ops->stop(p->ctx))
			return pdg_err_set(err, PDG_E_POLICY, "stopped by the caller");

		/* keep every slot staffed while work remains, and every idle worker busy */
		live = 0;
		for (unsigned i = 0; i < p->nw; i++) {
			struct worker *w = &p->w[i];

			if (!w->pid && next < ntodo && spawn(p, w))
				continue;
			if (!w->pid)
				continue;
			live++;
			if (!w->busy && next < ntodo) {
				if (send_job(p, w, todo[next])) {
					/* died before taking the job: the job stays queued */
					reap(p, w, 1);
					live--;
					if (++idle_deaths > 2 * p->nw + 3)
						return pdg_err_set(err, PDG_E_INTERNAL,
								   "worker processes keep dying "
								   "before taking a file");
					continue;
				}
				next++;
			}
		}
		if (!live)
			return pdg_err_sys(err, PDG_E_IO, "cannot start a worker process");

		now = now_ms();
		for (unsigned i = 0; i < p->nw; i++) {
			struct worker *w = &p->w[i];

			if (!w->pid)
				continue;
			if (w->busy && w->deadline < soonest)
				soonest = w->deadline;
			pfd[np++] = (struct pollfd){ .fd = w->rep, .events = POLLIN };
		}
		if (soonest == UINT64_MAX)
			timeout = -1;
		else
			timeout = soonest <= now ? 0 : (int)(soonest - now > INT_MAX ? INT_MAX : soonest - now);
		if (poll(pfd, np, timeout) < 0 && errno != EINTR)
			return pdg_err_sys(err, PDG_E_IO, "cannot wait for worker processes");

		now = now_ms();
		np = 0;
		for (unsigned i = 0; i < p->nw; i++) {
			struct worker *w = &p->w[i];
			short re;
			int r = 0;

			if (!w->pid)
				continue;
			re = pfd[np++].revents;
			if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
				r = receive(p, w);
			if (r == 1 && w->busy && get64(w->buf) == w->index) {
				w->busy = 0;
				w->got = 0;
				p->ops->done(p->ctx, w->index, w->buf + HDR_BYTES, PDG_POOL_DONE);
				finished++;
			} else if (r != 0) {
				/* died, or spoke out of turn: either way it cannot be trusted */
				int busy = w->busy;
				size_t index = w->index;

				reap(p, w, 1);
				if (busy) {
					p->ops->done(p->ctx, index, NULL, PDG_POOL_CRASHED);
					finished++;
				} else if (++idle_deaths > 2 * p->nw + 3) {
					return pdg_err_set(err, PDG_E_INTERNAL,
							   "worker processes keep dying "
							   "before taking a file");
				}
			} else if (w->busy && w->deadline <= now) {
				size_t index = w->index;

				reap(p, w, 1);
				p->ops->done(p->ctx, index, NULL, PDG_POOL_TIMEOUT);
				finished++;
			} else {
				continue;
			}
			if (p->ops->progress)
				p->ops->progress(p->ctx, finished, ntodo);
		}
	}
	return PDG_OK;
}

enum pdg_code pdg_pool_run(const struct pdg_pool_opts *opts, const struct pdg_pool_ops *ops,
			   void *ctx, const size_t *todo, size_t ntodo, struct pdg_err *err)
{
	struct pool *p;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	enum pdg_code rc;

	if (!opts->jobs || opts->jobs > PDG_POOL_MAX_JOBS || !opts->reply_size ||
	    opts->reply_size > PDG_POOL_MAX_REPLY || !ops->work || !ops->done || !ops->path_of)
		return pdg_err_set(err, PDG_E_INVALID, "bad worker pool options");
	if (!ntodo)
		return PDG_OK;
	p = calloc(1, sizeof(*p));
	if (!p)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory starting workers");
	p->opts = opts;
	p->ops = ops;
	p->ctx = ctx;
	p->msg_bytes = HDR_BYTES + opts->reply_size;
	p->parent = getpid();
	p->sock = -1;
	p->nw = opts->jobs < ntodo ? opts->jobs : (unsigned)ntodo;
	for (unsigned i = 0; i < p->nw; i++) {
		p->w[i].req = p->w[i].rep = -1;
		p->w[i].buf = malloc(p->msg_bytes);
		if (!p->w[i].buf) {
			rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory starting workers");
			goto out;
		}
	}
	sigaction(SIGPIPE, &ign, &old);
	if (opts->fork_server && start_server(p))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot start the worker fork server");
	else if (ops->started)
		rc = ops->started(ctx, err);
	else
		rc = PDG_OK;
	if (!rc)
		rc = run(p, todo, ntodo, err);
	for (unsigned i = 0; i < p->nw; i++)
		reap(p, &p->w[i], rc != PDG_OK); /* idle workers see end of input and exit */
	if (p->server) {
		close_fd(&p->sock); /* the server sees the end and exits */
		while (waitpid(p->server, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGPIPE, &old, NULL);
out:
	for (unsigned i = 0; i < p->nw; i++)
		free(p->w[i].buf);
	free(p);
	return rc;
}
