/* SPDX-License-Identifier: MIT */
/* In-memory token buckets keyed by a string (a client, a package id), bounded in size. */
#ifndef PDG_CENTER_RATELIMIT_H
#define PDG_CENTER_RATELIMIT_H

#include <stddef.h>

struct pdg_ratelimit;

/*
 * A set of buckets of `burst` tokens refilled at `rate` tokens per second, for at most about
 * `cap` keys (when full, the least recently used bucket in a small neighbourhood is reused, so
 * memory is bounded). NULL when out of memory.
 */
struct pdg_ratelimit *pdg_ratelimit_new(size_t cap, double rate, double burst);
void pdg_ratelimit_free(struct pdg_ratelimit *r);

/*
 * Take one token from key's bucket if `take`, else only look. Returns 0 when a token was (or
 * would be) available, else the seconds until one is (at least 1). Thread-safe.
 */
unsigned pdg_ratelimit_hit(struct pdg_ratelimit *r, const char *key, int take);

#endif
