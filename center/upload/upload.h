/* SPDX-License-Identifier: MIT */
/*
 * The upload station: find the sealed packages on a stick (or folder), check each one offline
 * — the appliance's signature over the exact manifest bytes, every segment's size and SHA-256,
 * the whole ciphertext's SHA-256 — then upload it to the service center with resume
 * (docs/center-api.md, tus-style PATCH at Upload-Offset) and compare the center's receipt.
 */
#ifndef PDG_UPLOAD_H
#define PDG_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "center/client/https.h"
#include "lib/err.h"
#include "pdi/medium.h"

#define PDG_UPLOAD_MAX_PACKAGES 256
#define PDG_UPLOAD_CHUNK ((uint64_t)16 << 20) /* bytes per PATCH (the center takes <= 64 MiB) */

/* Why a package was not uploaded: each has its own exit status (docs/exit-codes.md). */
enum pdg_upload_failure {
	PDG_UPLOAD_OK = 0,
	PDG_UPLOAD_FAIL_OTHER,     /* I/O, network, memory */
	PDG_UPLOAD_FAIL_SIGNATURE, /* no given appliance key verifies the manifest */
	PDG_UPLOAD_FAIL_SEGMENTS,  /* a segment missing, of the wrong size or hash */
	PDG_UPLOAD_FAIL_CENTER,    /* the center refused the package, or its receipt differs */
};

/* One package of the medium, checked offline. */
struct pdg_upload_pkg {
	char dir[4096];                     /* the PDIGATE folder */
	char id[PDG_MEDIUM_PKGID_MAX];
	char *man, *sig;                    /* exact bytes of <PKG>.MAN and <PKG>.SIG, owned */
	size_t man_len, sig_len;
	char man_sha256[65], sig_sha256[65];
	struct pdg_medium_manifest m;       /* parsed once the signature verified */
	enum pdg_upload_failure failure;
};

/* What the center stored, from GET /v1/packages/{id}/receipt, compared with ours. */
struct pdg_upload_receipt {
	char state[24];
	char received_at[32];
	uint64_t size;
	char ciphertext_sha256[65];
	size_t nsegments;
};

/*
 * List the packages of a medium: source is a stick's root, its PDIGATE/ folder or one
 * <PKG>.MAN; only_id (may be NULL) keeps one. *ids gets up to cap ids, *n their number.
 * Nothing found: PDG_E_NOTFOUND.
 */
PDG_MUST_CHECK enum pdg_code pdg_upload_find(const char *source, const char *only_id,
					     char dir[4096], char (*ids)[PDG_MEDIUM_PKGID_MAX],
					     size_t cap, size_t *n, struct pdg_err *err);

/*
 * Check package id in dir offline (see the file comment). Keys: the given public key files
 * (tried in turn) and/or keys_dir/<appliance_id>.pub. p->failure says why it failed. Release
 * p with pdg_upload_pkg_release, also after a failure.
 */
PDG_MUST_CHECK enum pdg_code pdg_upload_check(const char *dir, const char *id,
					      const char *const *keys, size_t nkeys,
					      const char *keys_dir, struct pdg_upload_pkg *p,
					      struct pdg_err *err);
void pdg_upload_pkg_release(struct pdg_upload_pkg *p);

/*
 * Upload a checked package: announce it (POST /v1/packages), send what the center lacks from
 * its Upload-Offset on in PATCHes of chunk bytes (0: PDG_UPLOAD_CHUNK), retry a broken transfer `retries` times (resuming where the center's
 * durable offset says), then fetch the receipt and compare every hash and size with the
 * medium. PDG_OK only when the receipt matches; p->failure = PDG_UPLOAD_FAIL_CENTER when the
 * center refused or disagrees.
 */
PDG_MUST_CHECK enum pdg_code pdg_upload_send(struct pdg_https *h, struct pdg_upload_pkg *p,
					     unsigned retries, uint64_t chunk,
					     struct pdg_upload_receipt *rcpt,
					     struct pdg_err *err);

/*
 * Remove the package's files from the medium: segments, then the signature, the manifest
 * last; then sync the folder. Call only after pdg_upload_send succeeded.
 */
PDG_MUST_CHECK enum pdg_code pdg_upload_wipe(const struct pdg_upload_pkg *p, struct pdg_err *err);

#endif
