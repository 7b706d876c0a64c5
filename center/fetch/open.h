/* SPDX-License-Identifier: MIT */
/*
 * Opening a sealed package at the data center: verify the appliance's signature and every
 * hash, check the paper token against the manifest, decrypt both age layers streaming,
 * unpack safely and verify the IHE PDI file set. Nothing is left behind on failure.
 */
#ifndef PDG_FETCH_OPEN_H
#define PDG_FETCH_OPEN_H

#include <stddef.h>

#include "lib/err.h"
#include "pdi/medium.h"

/* Why an open failed: each has its own exit status (docs/exit-codes.md). */
enum pdg_open_failure {
	PDG_OPEN_OK = 0,
	PDG_OPEN_FAIL_OTHER,      /* I/O, memory, usage of the files */
	PDG_OPEN_FAIL_SIGNATURE,  /* manifest not signed by the given appliance key, or changed */
	PDG_OPEN_FAIL_SEGMENTS,   /* a segment missing, damaged, truncated or out of order */
	PDG_OPEN_FAIL_KEY,        /* the data-center key is not a recipient of this package */
	PDG_OPEN_FAIL_TOKEN,      /* the token is malformed or belongs to another package */
	PDG_OPEN_FAIL_CONTENT,    /* decrypted, but the archive or file set is not valid */
};

struct pdg_open_opts {
	const char *source;          /* a medium root, its PDIGATE/ folder, or a <PKG>.MAN file */
	const char *package_id;      /* which package when the medium holds several; may be NULL */
	const char *identity_path;   /* age identity file of the data center */
	const char *appliance_pub;   /* signify public key of the appliance */
	const char *token;           /* scanned or typed token text (secret) */
	const char *out_dir;         /* the package is unpacked into out_dir/<PKG> */
	/* each problem found in the file set, for the operator (may be NULL) */
	void (*report)(void *ctx, const char *path, const char *problem);
	void *report_ctx;
};

struct pdg_open_result {
	enum pdg_open_failure failure;
	struct pdg_medium_manifest manifest;
	char target[4096];           /* out_dir/<PKG> on success */
};

/* Open a package; see the file comment. r->failure says why it failed. */
PDG_MUST_CHECK enum pdg_code pdg_open_package(const struct pdg_open_opts *o,
					      struct pdg_open_result *r, struct pdg_err *err);

void pdg_open_release(struct pdg_open_result *r);

#endif
