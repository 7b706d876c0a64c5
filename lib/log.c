/* SPDX-License-Identifier: MIT */
/* Leveled logging to stderr with the program name as prefix. */
#include <stdarg.h>
#include <stdio.h>

#include "lib/log.h"

enum pdg_log_level pdg_log_threshold = PDG_LOG_INFO;
static const char *prog = "pdigate";

void pdg_log_set_prog(const char *p)
{
	prog = p;
}

void pdg_log_write(enum pdg_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	fprintf(stderr, "%s: %s", prog, prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
