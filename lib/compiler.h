/* SPDX-License-Identifier: MIT */
/* Compiler attributes and tiny helpers used across pdigate. */
#ifndef PDG_COMPILER_H
#define PDG_COMPILER_H

#define PDG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PDG_MUST_CHECK __attribute__((warn_unused_result))
#define PDG_UNUSED __attribute__((unused))
#define PDG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
