/* SPDX-License-Identifier: MIT */
/* Exclusive per-stage wall-clock timing of an export. */
#include <time.h>

#include "appliance/export/stages.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void charge(struct pdg_xs_times *t, double at)
{
	unsigned top = t->depth < PDG_XS_DEPTH ? t->depth : PDG_XS_DEPTH;
	enum pdg_xs cur = top ? t->stack[top - 1] : PDG_XS_OTHER;

	if (t->last > 0)
		t->s[cur] += at - t->last;
	t->last = at;
}

void pdg_xs_start(struct pdg_xs_times *t)
{
	if (!t)
		return;
	t->depth = 0;
	t->last = now();
}

void pdg_xs_enter(struct pdg_xs_times *t, enum pdg_xs stage)
{
	if (!t || t->last <= 0)
		return;
	charge(t, now());
	if (t->depth < PDG_XS_DEPTH)
		t->stack[t->depth] = stage;
	t->depth++;
}

void pdg_xs_leave(struct pdg_xs_times *t)
{
	if (!t || t->last <= 0 || !t->depth)
		return;
	charge(t, now());
	t->depth--;
}

void pdg_xs_stop(struct pdg_xs_times *t)
{
	if (!t || t->last <= 0)
		return;
	charge(t, now());
	t->last = 0;
	t->depth = 0;
}

void pdg_xs_add(struct pdg_xs_times *to, const struct pdg_xs_times *from)
{
	for (int i = 0; i < PDG_XS_N; i++)
		to->s[i] += from->s[i];
}

const char *pdg_xs_name(enum pdg_xs stage)
{
	static const char *const names[PDG_XS_N] = {
		[PDG_XS_OTHER] = "other", [PDG_XS_DEID] = "deid", [PDG_XS_LINKS] = "link-table",
		[PDG_XS_STREAM] = "zip-tail", [PDG_XS_IDLE] = "zip-idle",
		[PDG_XS_FILESET] = "fileset",
		[PDG_XS_ZIP] = "zip", [PDG_XS_INNER] = "inner-age", [PDG_XS_OUTER] = "outer-age",
		[PDG_XS_HASH] = "sha256", [PDG_XS_WRITE] = "write", [PDG_XS_FSYNC] = "fsync",
		[PDG_XS_READBACK] = "read-back", [PDG_XS_PUBLISH] = "publish",
		[PDG_XS_CLEANUP] = "cleanup",
	};

	return (unsigned)stage < PDG_XS_N ? names[stage] : "?";
}
