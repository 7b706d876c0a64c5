/* SPDX-License-Identifier: MIT */
/* Printing a PDF on a CUPS queue: look the queue up, refuse stopped/rejecting ones, submit. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cups/cups.h>

#include "appliance/print/print.h"

/* The named destination, or an error saying whether the server or the queue is missing. */
static enum pdg_code find_dest(http_t *http, const char *printer, cups_dest_t **out,
			       struct pdg_err *err)
{
	cups_dest_t *dest = cupsGetNamedDest(http, printer, NULL);

	if (dest) {
		*out = dest;
		return PDG_OK;
	}
	return pdg_err_set(err, PDG_E_NOTFOUND, "printer '%s' does not exist on the CUPS server %s",
			   printer, cupsServer());
}

enum pdg_code pdg_print_pdf(const char *printer, const char *path, const char *title,
			    int *job_id, struct pdg_err *err)
{
	http_t *http;
	cups_dest_t *dest = NULL;
	const char *state, *accepting, *reason;
	enum pdg_code rc;
	int job;

	if (!printer || !*printer)
		return pdg_err_set(err, PDG_E_INVALID, "no printer named");
	if (access(path, R_OK))
		return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
	http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1, 30000,
			    NULL);
	if (!http)
		return pdg_err_set(err, PDG_E_NET, "cannot reach the CUPS server %s: %s",
				   cupsServer(), cupsLastErrorString());
	rc = find_dest(http, printer, &dest, err);
	if (rc) {
		httpClose(http);
		return rc;
	}
	state = cupsGetOption("printer-state", dest->num_options, dest->options);
	accepting = cupsGetOption("printer-is-accepting-jobs", dest->num_options, dest->options);
	reason = cupsGetOption("printer-state-reasons", dest->num_options, dest->options);
	if (!reason || !*reason)
		reason = "none";
	if (state && !strcmp(state, "5")) {
		rc = pdg_err_set(err, PDG_E_POLICY, "printer '%s' is stopped (reason: %s); "
				 "start it with 'cupsenable %s'", printer, reason, printer);
	} else if (accepting && !strcmp(accepting, "false")) {
		rc = pdg_err_set(err, PDG_E_POLICY, "printer '%s' is rejecting jobs (reason: %s); "
				 "let it accept with 'cupsaccept %s'", printer, reason, printer);
	}
	cupsFreeDests(1, dest);
	if (rc) {
		httpClose(http);
		return rc;
	}
	job = cupsPrintFile2(http, printer, path, title, 0, NULL);
	httpClose(http);
	if (job <= 0)
		return pdg_err_set(err, PDG_E_NET, "printer '%s' refused the job: %s", printer,
				   cupsLastErrorString());
	if (job_id)
		*job_id = job;
	return PDG_OK;
}
