/* SPDX-License-Identifier: MIT */
/* QR codes of release tokens: libqrencode in alphanumeric mode, error correction level Q. */
#ifndef PDG_TOKENS_QR_H
#define PDG_TOKENS_QR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define PDG_QR_QUIET_MODULES 4  /* the quiet zone ISO/IEC 18004 requires around the symbol */

/* A QR symbol as a square matrix of modules, without the quiet zone. */
struct pdg_qr {
	int width;              /* modules per side; 0 when empty */
	int version;            /* 1..40 */
	uint8_t *modules;       /* width * width bytes, row-major, 1 = dark, 0 = light */
};

/*
 * Encode text (characters of the QR alphanumeric set only: 0-9 A-Z space $ % * + - . / :)
 * in alphanumeric mode at error correction level Q, smallest version that fits. On success
 * qr owns a fresh matrix (release with pdg_qr_release). Errors: PDG_E_INVALID for text
 * outside the set or too long, PDG_E_NOMEM. On failure qr is empty. The matrix may encode
 * a secret: pdg_qr_release wipes it.
 */
PDG_MUST_CHECK enum pdg_code pdg_qr_encode(const char *text, struct pdg_qr *qr,
					   struct pdg_err *err);

/* Dark (1) or light (0) module at row y, column x; light outside the matrix. */
int pdg_qr_module(const struct pdg_qr *qr, int x, int y);

/* Wipe and free the matrix; qr becomes empty. Accepts an empty or zeroed struct. */
void pdg_qr_release(struct pdg_qr *qr);

#endif
