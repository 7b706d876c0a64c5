/* SPDX-License-Identifier: MIT */
/* The service center's HTTPS server (libmicrohttpd + GnuTLS): start, run, stop. */
#ifndef PDG_CENTER_SERVER_H
#define PDG_CENTER_SERVER_H

#include "center/server/config.h"
#include "lib/compiler.h"
#include "lib/err.h"

struct pdg_center;

/*
 * Open the ledger, create <state>/blobs, read the TLS files and start listening with cfg's
 * settings (the API of docs/center-api.md, served by cfg->threads threads). On success *out
 * owns the running server (stop it with pdg_center_stop). PDG_E_IO when a file cannot be read
 * or the port cannot be bound (the message says which), PDG_E_INVALID for bad TLS material.
 */
PDG_MUST_CHECK enum pdg_code pdg_center_start(const struct pdg_center_config *cfg,
	struct pdg_center **out, struct pdg_err *err);

/* Stop accepting, finish or abort the requests in flight, close the ledger, free. NULL ok. */
void pdg_center_stop(struct pdg_center *c);

#endif
