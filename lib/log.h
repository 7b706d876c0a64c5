/* SPDX-License-Identifier: MIT */
/* Leveled logging for programs; library code logs at debug level only. Never log PHI. */
#ifndef PDG_LOG_H
#define PDG_LOG_H

#include "lib/compiler.h"

enum pdg_log_level { PDG_LOG_ERR, PDG_LOG_WARN, PDG_LOG_INFO, PDG_LOG_DEBUG };

/* The current threshold; messages above it are not formatted at all. Default PDG_LOG_INFO. */
extern enum pdg_log_level pdg_log_threshold;

/* Program name used as the message prefix ("pdigate: ..."). */
void pdg_log_set_prog(const char *prog);

void pdg_log_write(enum pdg_log_level level, const char *fmt, ...) PDG_PRINTF(2, 3);

#define pdg_log(level, ...) \
	do { \
		if ((level) <= pdg_log_threshold) \
			pdg_log_write((level), __VA_ARGS__); \
	} while (0)

#endif
