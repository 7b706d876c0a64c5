/* SPDX-License-Identifier: MIT */
/* Token buckets for redeem and login attempts, in a fixed table with a mutex. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/server/ratelimit.h"

#define KEY_MAX 80
#define PROBE 8

struct bucket {
	char key[KEY_MAX];
	double tokens, last;
};

struct pdg_ratelimit {
	pthread_mutex_t mu;
	size_t cap;
	double rate, burst;
	struct bucket *b;
};

struct pdg_ratelimit *pdg_ratelimit_new(size_t cap, double rate, double burst)
{
	struct pdg_ratelimit *r = calloc(1, sizeof(*r));

	if (!r || !(r->b = calloc(cap, sizeof(*r->b)))) {
		free(r);
		return NULL;
	}
	r->cap = cap;
	r->rate = rate;
	r->burst = burst;
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void pdg_ratelimit_free(struct pdg_ratelimit *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->b);
	free(r);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned pdg_ratelimit_hit(struct pdg_ratelimit *r, const char *key, int take)
{
	uint64_t h = 1469598103934665603ull;
	double now = now_s(), wait;
	struct bucket *b = NULL, *oldest = NULL;
	unsigned out = 0;

	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < PROBE; i++) {
		struct bucket *c = &r->b[(h + i) % r->cap];

		if (!strncmp(c->key, key, KEY_MAX - 1) && c->key[0]) {
			b = c;
			break;
		}
		if (!oldest || c->last < oldest->last)
			oldest = c;
	}
	if (!b) {
		b = oldest;
		snprintf(b->key, sizeof(b->key), "%s", key);
		b->tokens = r->burst;
		b->last = now;
	}
	b->tokens = fmin(r->burst, b->tokens + (now - b->last) * r->rate);
	b->last = now;
	if (b->tokens >= 1.0) {
		if (take)
			b->tokens -= 1.0;
	} else {
		wait = ceil((1.0 - b->tokens) / r->rate);
		out = wait < 1 ? 1 : wait > 86400 ? 86400 : (unsigned)wait;
	}
	pthread_mutex_unlock(&r->mu);
	return out;
}
