/* SPDX-License-Identifier: MIT */
/* A thread that removes staged files as soon as they are sealed (reaper.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance/export/reaper.h"

struct node {
	struct node *next;
	char path[];
};

struct pdg_reaper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct node *head, *tail;     /* waiting for removal, oldest first */
	bool closing;
};

static void *reap(void *arg)
{
	struct pdg_reaper *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct node *n;

		while (!r->head && !r->closing)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->head)
			break;
		n = r->head;
		r->head = n->next;
		if (!r->head)
			r->tail = NULL;
		pthread_mutex_unlock(&r->mu);
		(void)unlink(n->path);
		free(n);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

enum pdg_code pdg_reaper_start(struct pdg_reaper **out, struct pdg_err *err)
{
	struct pdg_reaper *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, reap, r)) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return pdg_err_set(err, PDG_E_NOMEM, "cannot start the staging cleanup thread");
	}
	(void)pthread_setname_np(r->thread, "pdg-reaper");
	*out = r;
	return PDG_OK;
}

void pdg_reaper_add(void *rv, const char *path)
{
	struct pdg_reaper *r = rv;
	size_t len = strlen(path) + 1;
	struct node *n = r ? malloc(sizeof(*n) + len) : NULL;

	if (!n) {
		(void)unlink(path);
		return;
	}
	n->next = NULL;
	memcpy(n->path, path, len);
	pthread_mutex_lock(&r->mu);
	if (r->tail)
		r->tail->next = n;
	else
		r->head = n;
	r->tail = n;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void pdg_reaper_stop(struct pdg_reaper *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->closing = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
