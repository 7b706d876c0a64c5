/* SPDX-License-Identifier: MIT */
/* Removing staged files on a thread of their own, off the sealing thread's path. */
#ifndef PDG_EXPORT_REAPER_H
#define PDG_EXPORT_REAPER_H

#include "lib/err.h"

struct pdg_reaper;

/*
 * Start a thread that unlinks the paths given to pdg_reaper_add, in order. Removing a staged
 * instance can wait for the device (ext4 frees its blocks, and with the discard mount option
 * waits for the discard); that wait is the thread's, not the caller's. Start it only after
 * any fork (the batch's workers): a forked child gets no copy of this thread. Free with
 * pdg_reaper_stop, also after failures. PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_reaper_start(struct pdg_reaper **out, struct pdg_err *err);

/*
 * Queue path (copied) for removal. Best effort: a path that cannot be queued (out of
 * memory) is removed here instead, and failures to remove are ignored (the stage's own
 * removal follows). r NULL: path is removed here.
 */
void pdg_reaper_add(void *r, const char *path);

/* Wait until every queued path is removed, end the thread and free r. NULL is fine. */
void pdg_reaper_stop(struct pdg_reaper *r);

#endif
