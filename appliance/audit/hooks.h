/* SPDX-License-Identifier: MIT */
/* The audit records the pdigate commands write: one function per kind of appliance action. */
#ifndef PDG_AUDIT_HOOKS_H
#define PDG_AUDIT_HOOKS_H

#include <stddef.h>

#include "lib/compiler.h"
#include "lib/err.h"

/*
 * Every function appends one DICOM audit message (PS3.15 A.5) to <home>/state/audit.log,
 * with the home's site and appliance id as audit source (PS3.15 "pdigate" when the home has
 * no readable config). Arguments carry pseudonyms, ids and counts only, never PHI. command
 * is the subcommand ("pdigate export"), recorded as AlternativeUserID of the process.
 * Errors: those of pdg_audit_append (PDG_E_IO, PDG_E_INVALID, PDG_E_CRYPTO, PDG_E_NOMEM);
 * the caller must report them and fail (the log is fail closed).
 */

/* init: Application Activity 110100/110120 Application Start, then Security Alert 110113/
 * 110129 Security Configuration for the administrator key (its age recipient, a public key). */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_init(const char *home, struct pdg_err *err);

/* project add: Security Alert 110113/110129 Security Configuration, the project as object. */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_project(const char *home, const char *project,
						    size_t nrecipients, struct pdg_err *err);

/* A batch's counts. */
struct pdg_audit_counts {
	size_t inputs, exported, quarantined, skipped, failed;
};

/*
 * deid: DICOM Instances Accessed 110103, action C (instances created by de-identification),
 * EventTypeCode 113100 Basic Application Confidentiality Profile; the batch as object with
 * its counts. outcome 0, 4 (some inputs quarantined) or 8 (the batch failed).
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_deid(const char *home, const char *project,
						 const char *batch_id,
						 const struct pdg_audit_counts *c, int outcome,
						 struct pdg_err *err);

/*
 * export: Export 110106, action R; the stick as Destination Media 110154 with MediaType
 * 110030 USB Disk Emulation and UserID its serial, or 110037 URI when the medium is a plain
 * folder (serial "folder" or empty); the package (id may be "" when none was written) with
 * its counts. outcome 0, 4 (some inputs kept back) or 8 (failed: desc says why, no PHI).
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_export(const char *home, const char *project,
						   const char *package_id, const char *serial,
						   const struct pdg_audit_counts *c,
						   size_t instances, int outcome,
						   const char *desc, struct pdg_err *err);

struct pdg_export_result;

/*
 * pdg_audit_hook_export for the outcome of pdg_export_run: failed is the export's error code
 * (PDG_OK when the package was written); then 4 if some inputs were kept back. On a failure
 * to record, err says the package (if any) stays written on the medium.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_export_result(const char *home, const char *project,
							  const struct pdg_export_result *r,
							  enum pdg_code failed,
							  struct pdg_err *err);

/*
 * token read: Security Alert 110113/110132 Use of Restricted Function, one per token read;
 * the package id only (the secret never); a malformed token is outcome 4 with package id
 * "malformed" and fault its kind ("check", "length"...), never the text read.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_token_read(const char *home, const char *package_id,
						       const char *fault, struct pdg_err *err);

/*
 * token sheet printed (export --print, token print, token reprint) or written to a file:
 * Export 110106, action R, the sheet as Destination Media 110154 with MediaType 110038 Paper
 * Document and UserID "printer:QUEUE" or "file"; the package as object. command says which
 * ("pdigate token reprint"); outcome 0, or 8 with desc (the refusal or failure, no PHI).
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_sheet(const char *home, const char *command,
						  const char *package_id, const char *printer,
						  int outcome, const char *desc,
						  struct pdg_err *err);

/*
 * A USB stick refused by the [media] policy: Security Alert 110113/110130 Hardware
 * Configuration, outcome 4, the stick as Destination Media 110154 (MediaType 110030 USB,
 * UserID its identity "VID:PID SERIAL"), why in EventOutcomeDescription.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_medium_refused(const char *home, const char *command,
							   const char *identity, const char *why,
							   struct pdg_err *err);

/*
 * A stick ejected (unmounted, powered off): Security Alert 110113/110130 Hardware
 * Configuration, action E, the stick as in pdg_audit_hook_medium_refused; outcome 0, or 4
 * with desc when it was unmounted but not powered off, 8 when it could not be unmounted.
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_medium_eject(const char *home, const char *command,
							 const char *identity, int outcome,
							 const char *desc, struct pdg_err *err);

/*
 * A key change (pdigate keys --generate made the signing key): Security Alert 110113/110129
 * Security Configuration, action C, the key as object (id: what, e.g. "appliance signing
 * key", detail: its public fingerprint).
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_key_change(const char *home, const char *what,
						       const char *fingerprint,
						       struct pdg_err *err);

/*
 * purge (pdigate purge --exported-before DATE): DICOM Instances Accessed 110103, action D, the
 * originals deleted from the spool after their export; the packages they left in as object
 * (ids, comma-separated, "none" when nothing was purged) with detail "removed=N before=DATE".
 * outcome 0, or 8 with desc (the failure, no PHI).
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_purge(const char *home, const char *before,
						  size_t removed, const char *packages,
						  int outcome, const char *desc,
						  struct pdg_err *err);

/* What one import or one association brought in. */
struct pdg_audit_import {
	size_t imported, duplicates, refused;
};

/*
 * receive (one association) and import (one folder or disc): DICOM Instances Transferred
 * 110104, action C (instances created on the appliance). Participants: the sender as Source
 * 110153 — for receive its calling AE title with its IP address as NetworkAccessPoint, for
 * import source ("folder" or "DICOMDIR") with MediaType 110037 URI (address NULL) — and the
 * appliance process (command) as Destination 110152. The object is the transfer with its
 * counts ("imported=N duplicates=N refused=N"): no UIDs, no names. outcome 0, 4 (some
 * refused) or 8 (stopped: desc says why, no PHI).
 */
PDG_MUST_CHECK enum pdg_code pdg_audit_hook_import(const char *home, const char *command,
						   const char *source, const char *address,
						   const struct pdg_audit_import *c, int outcome,
						   const char *desc, struct pdg_err *err);

#endif
