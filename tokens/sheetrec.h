/* SPDX-License-Identifier: MIT */
/* The stored data of a token sheet, for a later reprint: no PHI, the release secret sealed (age). */
#ifndef PDG_TOKENS_SHEETREC_H
#define PDG_TOKENS_SHEETREC_H

#include <stddef.h>

#include "lib/compiler.h"
#include "lib/err.h"
#include "tokens/sheet.h"

#define PDG_SHEETREC_FORMAT "pdigate-sheet-1"
#define PDG_SHEETREC_MAX    (16 * 1024)   /* bytes of one record file */

/* A sheet of one package, as stored: what struct pdg_sheet points to, owned. */
struct pdg_sheetrec {
	char site[64], project[64], operator_name[128], export_date[16];
	char created[32];                /* when stored, UTC */
	struct pdg_sheet_pkg pkg;        /* pkg.token.secret is zero until unsealed: wipe */
};

/*
 * The record as a JSON document (docs/formats.md "Stored token sheets") in a new string *out
 * the caller frees: every field of r in clear except the release secret, which is an age file
 * (base64) encrypted to the X25519 recipient admin_recipient ("age1..."), so that only the
 * holder of the administrator key can print the sheet again.
 * Errors: PDG_E_INVALID (bad recipient, a string that is not UTF-8), PDG_E_NOMEM, PDG_E_CRYPTO.
 */
PDG_MUST_CHECK enum pdg_code pdg_sheetrec_encode(const struct pdg_sheetrec *r,
						 const char *admin_recipient, char **out,
						 struct pdg_err *err);

/*
 * Parse a record (len bytes of text) into *r. With admin_identity ("AGE-SECRET-KEY-1...") the
 * secret is unsealed into r->pkg.token.secret; with NULL it stays zero (the record can be
 * shown but not printed). Errors: PDG_E_INVALID (malformed, another format, a package id that
 * is not one), PDG_E_CRYPTO (the identity does not open the secret), PDG_E_NOMEM.
 */
PDG_MUST_CHECK enum pdg_code pdg_sheetrec_decode(const char *text, size_t len,
						 const char *admin_identity,
						 struct pdg_sheetrec *r, struct pdg_err *err);

/* The one-package sheet of r, pointing into r (valid while r is). */
void pdg_sheetrec_sheet(const struct pdg_sheetrec *r, struct pdg_sheet *out);

/* Wipe r (its secret). */
void pdg_sheetrec_wipe(struct pdg_sheetrec *r);

#endif
