/* SPDX-License-Identifier: MIT */
/*
 * The link table (the guideline's 削除情報等): original patient ID <-> pseudonym and date
 * offset, kept on the appliance so that only the administrator can read it. The appliance
 * appends records unattended (encrypting to the administrator's age recipient in config.ini);
 * reading needs the administrator passphrase, which opens keys/admin.age. No plaintext record
 * is ever written to disk. Format: docs/appliance-home.md "Link table".
 */
#ifndef PDG_LINKTAB_H
#define PDG_LINKTAB_H

#include <stddef.h>
#include <stdint.h>

#include "appliance/home/home.h"
#include "lib/crypto/age.h"
#include "lib/err.h"

#define PDG_LINK_ID_MAX 65      /* DICOM LO: at most 64 characters, and NUL */
#define PDG_LINKTAB_FIND_MAX 16 /* distinct records returned by one find */
#define PDG_LINKTAB_PUT_MAX 100000 /* records per put */

struct pdg_link_record {
	char project[PDG_NAME_MAX];      /* set by put from its project argument */
	char pseudonym[PDG_LINK_ID_MAX]; /* the exported Patient ID (0010,0020) */
	char patient_id[PDG_LINK_ID_MAX]; /* the original Patient ID: PHI, never log it */
	int32_t date_offset_days;         /* exported date = original date + offset */
	char time[PDG_TIME_MAX];          /* when recorded, UTC; put fills it if empty */
};

/*
 * Append n records of project to the link table of home, as one new age file in linktab/
 * encrypted to the administrator's recipient; the file appears whole (atomic rename) or not
 * at all. Strings are bytes: any byte except NUL is allowed. n == 0 does nothing.
 * Errors: PDG_E_INVALID (empty or too long field, bad project name), PDG_E_POLICY (the home
 * has no administrator recipient), PDG_E_LIMIT (n > PDG_LINKTAB_PUT_MAX), PDG_E_IO,
 * PDG_E_CRYPTO. The caller wipes records when done.
 */
PDG_MUST_CHECK enum pdg_code pdg_linktab_put(const char *home, const char *project,
					     const struct pdg_link_record *records, size_t n,
					     struct pdg_err *err);

struct pdg_linktab_matches {
	size_t n;            /* distinct matching records in rec[] (identical repeats folded) */
	size_t more;         /* distinct matches beyond PDG_LINKTAB_FIND_MAX, not returned */
	size_t files;        /* link-table files read */
	size_t unreadable;   /* files that did not decrypt or parse: reported, not fatal */
	struct pdg_link_record rec[PDG_LINKTAB_FIND_MAX];
};

/*
 * Find every record whose pseudonym is pseudonym, opening keys/admin.age with passphrase
 * (NUL-terminated; the caller wipes it). *out is filled in file order (oldest first).
 * Errors: PDG_E_CRYPTO (wrong passphrase, or the key does not match config.ini),
 * PDG_E_NOTFOUND (no record, or no home), PDG_E_POLICY (the home has no administrator key),
 * PDG_E_IO. The caller wipes *out (pdg_linktab_matches_wipe) when done: it holds PHI.
 */
PDG_MUST_CHECK enum pdg_code pdg_linktab_find(const char *home, const char *pseudonym,
					      const char *passphrase,
					      struct pdg_linktab_matches *out,
					      struct pdg_err *err);

/*
 * The administrator's age identity ("AGE-SECRET-KEY-1...") into id: keys/admin.age opened with
 * passphrase and checked against config.ini's recipient (for other secrets sealed to the
 * administrator, such as the stored token sheets). The caller wipes id and passphrase.
 * Errors: as pdg_linktab_find (PDG_E_CRYPTO wrong passphrase, PDG_E_POLICY no key).
 */
PDG_MUST_CHECK enum pdg_code pdg_home_admin_identity(const char *home, const char *passphrase,
						     char id[PDG_AGE_IDENTITY_LEN + 1],
						     struct pdg_err *err);

/* Wipe the records held in *m. */
void pdg_linktab_matches_wipe(struct pdg_linktab_matches *m);

/*
 * Record a re-identification attempt: pseudonym looked up, outcome ("ok", "wrong-passphrase",
 * "not-found", "failed"), project ("-" if none) and n records shown. Appends one line to
 * state/reid.log (time, user, outcome, project, pseudonym, count; never the original ID) and
 * syncs it, then appends a DICOM audit message (Patient Record, Read; PS3.15 A.5) to the
 * audit log state/audit.log. pseudonym must be printable ASCII without spaces.
 * Errors: PDG_E_IO, PDG_E_INVALID, PDG_E_CRYPTO (the audit log is damaged).
 */
PDG_MUST_CHECK enum pdg_code pdg_linktab_note_reid(const char *home, const char *outcome,
						   const char *project, const char *pseudonym,
						   size_t n, struct pdg_err *err);

#endif
