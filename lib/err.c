/* SPDX-License-Identifier: MIT */
/* The error type: codes, names, and message formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

static const struct {
	const char *name;
	const char *text;
} codes[PDG_CODE_MAX] = {
	[PDG_OK]         = { "PDG_OK",         "success" },
	[PDG_E_NOMEM]    = { "PDG_E_NOMEM",    "out of memory" },
	[PDG_E_IO]       = { "PDG_E_IO",       "input/output error" },
	[PDG_E_INVALID]  = { "PDG_E_INVALID",  "invalid input" },
	[PDG_E_NOTFOUND] = { "PDG_E_NOTFOUND", "not found" },
	[PDG_E_EXISTS]   = { "PDG_E_EXISTS",   "already exists" },
	[PDG_E_DICOM]    = { "PDG_E_DICOM",    "DICOM error" },
	[PDG_E_CRYPTO]   = { "PDG_E_CRYPTO",   "cryptographic check failed" },
	[PDG_E_POLICY]   = { "PDG_E_POLICY",   "refused by policy" },
	[PDG_E_LIMIT]    = { "PDG_E_LIMIT",    "limit exceeded" },
	[PDG_E_NET]      = { "PDG_E_NET",      "network error" },
	[PDG_E_INTERNAL] = { "PDG_E_INTERNAL", "internal error" },
};

const char *pdg_strerror(enum pdg_code code)
{
	if ((unsigned)code >= PDG_CODE_MAX)
		return "unknown error";
	return codes[code].text;
}

const char *pdg_code_name(enum pdg_code code)
{
	if ((unsigned)code >= PDG_CODE_MAX)
		return "PDG_E_UNKNOWN";
	return codes[code].name;
}

static void vset(struct pdg_err *err, enum pdg_code code, const char *fmt, va_list ap)
{
	err->code = code;
	err->sys_errno = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

enum pdg_code pdg_err_set(struct pdg_err *err, enum pdg_code code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

enum pdg_code pdg_err_sys(struct pdg_err *err, enum pdg_code code, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	err->sys_errno = saved;
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	errno = saved;
	return code;
}

enum pdg_code pdg_err_prefix(struct pdg_err *err, const char *fmt, ...)
{
	char prefix[sizeof(err->msg)], joined[2 * sizeof(err->msg) + 2];
	size_t len;
	va_list ap;

	if (!err)
		return PDG_E_INTERNAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof(joined), "%s: %s", prefix, err->msg);
	len = strnlen(joined, sizeof(err->msg) - 1); /* truncate, never overflow */
	memcpy(err->msg, joined, len);
	err->msg[len] = '\0';
	return err->code;
}

void pdg_err_clear(struct pdg_err *err)
{
	if (err)
		*err = (struct pdg_err){ .code = PDG_OK };
}

int pdg_exit_code(enum pdg_code code)
{
	return code == PDG_OK ? 0 : 1;
}
