/* SPDX-License-Identifier: MIT */
/* Printing a PDF (the token sheet) on a CUPS queue through libcups, refusing a bad queue clearly. */
#ifndef PDG_APPLIANCE_PRINT_H
#define PDG_APPLIANCE_PRINT_H

#include "lib/compiler.h"
#include "lib/err.h"

/*
 * Check that the CUPS queue printer exists, is not stopped and accepts jobs, then submit
 * the PDF at path as one job titled title (never PHI; the job title is visible to anyone
 * who can list the queue). The server is libcups' default: $CUPS_SERVER, client.conf, or
 * the local socket. On success *job_id (may be NULL) is the CUPS job id.
 * Errors: PDG_E_NOTFOUND the queue does not exist; PDG_E_POLICY the queue is stopped or
 * rejecting jobs (the message names the state and CUPS' reason); PDG_E_NET the server
 * cannot be reached or refused the job; PDG_E_INVALID an empty name.
 */
PDG_MUST_CHECK enum pdg_code pdg_print_pdf(const char *printer, const char *path,
					   const char *title, int *job_id, struct pdg_err *err);

#endif
