/* SPDX-License-Identifier: MIT */
/* The one error type of pdigate: a code that says what kind of failure, and a message. */
#ifndef PDG_ERR_H
#define PDG_ERR_H

#include <stddef.h>
#include "lib/compiler.h"

/*
 * Library functions return one of these and fill a struct pdg_err. The numbering is stable:
 * programs turn a code into an exit status through pdg_exit_code() (docs/exit-codes.md).
 */
enum pdg_code {
	PDG_OK = 0,
	PDG_E_NOMEM,     /* out of memory */
	PDG_E_IO,        /* a file, device or socket operation failed (sys_errno says why) */
	PDG_E_INVALID,   /* bad input: malformed data, wrong argument */
	PDG_E_NOTFOUND,  /* a named thing does not exist (file, project, attribute, package) */
	PDG_E_EXISTS,    /* refusing to overwrite something that exists */
	PDG_E_DICOM,     /* DCMTK could not read or write a DICOM object */
	PDG_E_CRYPTO,    /* a signature, MAC or key check failed, or a crypto primitive failed */
	PDG_E_POLICY,    /* refused by configuration or safety policy (fail closed) */
	PDG_E_LIMIT,     /* a size, depth or count bound was exceeded */
	PDG_E_NET,       /* a network peer failed or refused */
	PDG_E_INTERNAL,  /* a bug: an invariant did not hold */
	PDG_CODE_MAX
};

struct pdg_err {
	enum pdg_code code;
	int sys_errno;          /* errno at the failure, 0 when not a system error */
	char msg[256];          /* what failed, lowercase, no trailing full stop, never PHI */
};

/* A short English description of the code, e.g. "input/output error". Never NULL. */
const char *pdg_strerror(enum pdg_code code);

/* The symbolic name of the code, e.g. "PDG_E_IO", for JSON output. Never NULL. */
const char *pdg_code_name(enum pdg_code code);

/*
 * Record a failure in *err (which may be NULL) and return code, so a failure reads
 * `return pdg_err_set(err, PDG_E_IO, "cannot open '%s'", path);`. sys_errno is cleared.
 */
enum pdg_code pdg_err_set(struct pdg_err *err, enum pdg_code code, const char *fmt, ...)
	PDG_PRINTF(3, 4);

/* As pdg_err_set, and appends ": <strerror(errno)>" and keeps errno in err->sys_errno. */
enum pdg_code pdg_err_sys(struct pdg_err *err, enum pdg_code code, const char *fmt, ...)
	PDG_PRINTF(3, 4);

/*
 * Prefix the message already in *err with more context: "reading 'x': <old message>".
 * Returns err->code.
 */
enum pdg_code pdg_err_prefix(struct pdg_err *err, const char *fmt, ...) PDG_PRINTF(2, 3);

/* Reset *err to "no error". */
void pdg_err_clear(struct pdg_err *err);

/* The process exit status for a code: 0 ok, 1 failure; see docs/exit-codes.md. */
int pdg_exit_code(enum pdg_code code);

#endif
