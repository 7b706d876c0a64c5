/* SPDX-License-Identifier: MIT */
/* The sealing thread fills buffers, the writer thread drains them into the segments. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance/export/pipe.h"

struct pdg_xpipe {
	pdg_age_write_fn sink;
	void *sctx;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *buf[PDG_XPIPE_BUFS];
	size_t len[PDG_XPIPE_BUFS];
	unsigned head, count;         /* full buffers: head .. head + count - 1 (mod BUFS) */
	unsigned fill;                /* the buffer being filled (not among the full ones) */
	bool closing, cancel;
	enum pdg_code rc;             /* the sink's first failure */
	struct pdg_err err;
	double waited;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg)
{
	struct pdg_xpipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pdg_err err = { 0 };
		enum pdg_code rc;
		unsigned b;

		while (!p->cancel && !p->count && !p->closing)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->cancel || !p->count)
			break;
		b = p->head;
		pthread_mutex_unlock(&p->mu);
		rc = p->sink(p->sctx, p->buf[b], p->len[b], &err);
		pthread_mutex_lock(&p->mu);
		p->head = (p->head + 1) % PDG_XPIPE_BUFS;
		p->count--;
		pthread_cond_broadcast(&p->cv);
		if (rc) {
			p->rc = rc;
			p->err = err;
			break;
		}
	}
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

enum pdg_code pdg_xpipe_start(struct pdg_xpipe **out, pdg_age_write_fn sink, void *sctx,
			      const char *name, struct pdg_err *err)
{
	struct pdg_xpipe *p;

	*out = p = calloc(1, sizeof(*p));
	if (!p)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	p->sink = sink;
	p->sctx = sctx;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (unsigned i = 0; i < PDG_XPIPE_BUFS; i++)
		if (!(p->buf[i] = malloc(PDG_XPIPE_BUF)))
			return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	if (pthread_create(&p->thread, NULL, drain, p))
		return pdg_err_set(err, PDG_E_NOMEM, "cannot start the writer thread");
	(void)pthread_setname_np(p->thread, name);
	p->started = true;
	return PDG_OK;
}

/* Queue the buffer being filled and take a free one; with the lock held. */
static enum pdg_code hand_over(struct pdg_xpipe *p, struct pdg_err *err)
{
	double t = 0;

	p->count++;
	pthread_cond_broadcast(&p->cv);
	/* every buffer full: wait for the writer to free one */
	if (p->count >= PDG_XPIPE_BUFS && !p->rc)
		t = now();
	while (p->count >= PDG_XPIPE_BUFS && !p->rc)
		pthread_cond_wait(&p->cv, &p->mu);
	if (t > 0)
		p->waited += now() - t;
	if (p->rc) {
		*err = p->err;
		return p->rc;
	}
	p->fill = (p->head + p->count) % PDG_XPIPE_BUFS;
	p->len[p->fill] = 0;
	return PDG_OK;
}

enum pdg_code pdg_xpipe_write(void *pv, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_xpipe *p = pv;
	enum pdg_code rc = PDG_OK;

	while (len) {
		size_t room = PDG_XPIPE_BUF - p->len[p->fill];
		size_t n = len < room ? len : room;

		memcpy(p->buf[p->fill] + p->len[p->fill], buf, n);
		p->len[p->fill] += n;
		buf += n;
		len -= n;
		if (p->len[p->fill] == PDG_XPIPE_BUF) {
			pthread_mutex_lock(&p->mu);
			rc = hand_over(p, err);
			pthread_mutex_unlock(&p->mu);
			if (rc)
				return rc;
		}
	}
	return PDG_OK;
}

enum pdg_code pdg_xpipe_finish(struct pdg_xpipe *p, struct pdg_err *err)
{
	enum pdg_code rc = PDG_OK;

	pthread_mutex_lock(&p->mu);
	if (p->len[p->fill])
		rc = hand_over(p, err);
	p->closing = true;
	pthread_cond_broadcast(&p->cv);
	while (!rc && p->count && !p->rc)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!rc && p->rc) {
		rc = p->rc;
		*err = p->err;
	}
	pthread_mutex_unlock(&p->mu);
	if (p->started) {
		if (rc) {
			pthread_mutex_lock(&p->mu);
			p->cancel = true;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
		}
		pthread_join(p->thread, NULL);
		p->started = false;
	}
	return rc;
}

double pdg_xpipe_waited(const struct pdg_xpipe *p)
{
	return p ? p->waited : 0;
}

void pdg_xpipe_stop(struct pdg_xpipe *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->cancel = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (unsigned i = 0; i < PDG_XPIPE_BUFS; i++)
		free(p->buf[i]);
	free(p);
}
