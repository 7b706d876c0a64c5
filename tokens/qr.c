/* SPDX-License-Identifier: MIT */
/* QR encoding of token text through libqrencode (the one glue module for it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <qrencode.h>

#include "tokens/qr.h"

static int is_alnum_qr(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c && strchr(" $%*+-./:", c));
}

enum pdg_code pdg_qr_encode(const char *text, struct pdg_qr *qr, struct pdg_err *err)
{
	QRinput *in = NULL;
	QRcode *code = NULL;
	size_t len = strlen(text), n;
	enum pdg_code rc = PDG_OK;

	*qr = (struct pdg_qr){ 0 };
	if (len == 0 || len > 4296)
		return pdg_err_set(err, PDG_E_INVALID, "QR text must be 1 to 4296 characters");
	for (size_t i = 0; i < len; i++)
		if (!is_alnum_qr(text[i]))
			return pdg_err_set(err, PDG_E_INVALID,
					   "QR text has a character outside the alphanumeric set");
	/* ISO/IEC 18004 alphanumeric mode, level Q: recovers about 25% damage */
	in = QRinput_new2(0, QR_ECLEVEL_Q);
	if (!in)
		return pdg_err_sys(err, PDG_E_NOMEM, "cannot start a QR input");
	if (QRinput_append(in, QR_MODE_AN, (int)len, (const unsigned char *)text) != 0) {
		rc = pdg_err_sys(err, errno == ENOMEM ? PDG_E_NOMEM : PDG_E_INVALID,
				 "cannot add text to a QR input");
		goto out;
	}
	code = QRcode_encodeInput(in);
	if (!code) {
		rc = pdg_err_sys(err, errno == ENOMEM ? PDG_E_NOMEM : PDG_E_INVALID,
				 "cannot encode a QR code");
		goto out;
	}
	n = (size_t)code->width * (size_t)code->width;
	qr->modules = malloc(n);
	if (!qr->modules) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory for a QR matrix");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		qr->modules[i] = code->data[i] & 1; /* bit 0 of libqrencode's byte: dark */
	qr->width = code->width;
	qr->version = code->version;
out:
	if (code) {
		OPENSSL_cleanse(code->data, (size_t)code->width * (size_t)code->width);
		QRcode_free(code);
	}
	QRinput_free(in);
	return rc;
}

int pdg_qr_module(const struct pdg_qr *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->modules[(size_t)y * (size_t)qr->width + (size_t)x];
}

void pdg_qr_release(struct pdg_qr *qr)
{
	if (!qr)
		return;
	if (qr->modules)
		OPENSSL_cleanse(qr->modules, (size_t)qr->width * (size_t)qr->width);
	free(qr->modules);
	*qr = (struct pdg_qr){ 0 };
}
