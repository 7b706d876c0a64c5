/* SPDX-License-Identifier: MIT */
/*
 * The C face of DCMTK's storage SCU: send DICOM files to an archive by C-STORE and report the
 * archive's status for every one of them.
 *
 * Each file is sent as stored (no conversion): its SOP class and transfer syntax are read from
 * its meta header and proposed as one presentation context each, so the archive accepts or
 * refuses exactly what is sent. Files are grouped into associations of at most
 * PDG_SCU_MAX_CONTEXTS distinct (SOP class, transfer syntax) pairs. Nothing here logs; no
 * message contains attribute values or UIDs.
 */
#ifndef PDG_SCU_H
#define PDG_SCU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "lib/err.h"

#define PDG_SCU_MAX_CONTEXTS 100 /* of the 128 a DICOM association may carry */

/* Where to send. */
struct pdg_scu_config {
	const char *host;       /* name or address of the archive */
	unsigned port;
	const char *called_ae;  /* the archive's AE title */
	const char *calling_ae; /* ours; NULL or "" = "PDIGATE" */
	unsigned timeout;       /* network, ACSE and DIMSE timeout in seconds (0: 30) */
};

/* How one file fared. */
enum pdg_scu_outcome {
	PDG_SCU_NOT_SENT = 0,   /* not tried (an earlier association failed) */
	PDG_SCU_STORED,         /* status 0x0000 */
	PDG_SCU_STORED_WARNING, /* status 0xB000, 0xB006, 0xB007: stored, with coercion */
	PDG_SCU_FAILED,         /* any other status, or the transfer failed */
	PDG_SCU_UNREADABLE,     /* no meta header, or no SOP class / transfer syntax in it */
	PDG_SCU_REFUSED,        /* the archive accepted no presentation context for it */
};

struct pdg_scu_file {
	const char *path;             /* in: a PS3.10 file */
	enum pdg_scu_outcome outcome; /* out */
	uint16_t status;              /* out: the DIMSE status when the archive answered */
};

/*
 * Send files[0..n) to the archive, filling each file's outcome and status. Returns PDG_OK when
 * every association could be opened and released (look at the outcomes for the verdict per
 * file), PDG_E_NET when the archive cannot be reached or refuses the association (the files
 * of that association and the later ones stay PDG_SCU_NOT_SENT), PDG_E_INVALID for a bad
 * configuration, PDG_E_NOMEM / PDG_E_DICOM when DCMTK fails.
 */
PDG_MUST_CHECK enum pdg_code pdg_scu_store(const struct pdg_scu_config *cfg,
					   struct pdg_scu_file *files, size_t n,
					   struct pdg_err *err);

/* Send a C-ECHO: PDG_OK when the archive answers with success, else PDG_E_NET. */
PDG_MUST_CHECK enum pdg_code pdg_scu_echo(const struct pdg_scu_config *cfg, struct pdg_err *err);

/* A word for an outcome ("stored", "failed", ...), static storage. */
const char *pdg_scu_outcome_name(enum pdg_scu_outcome o);

#ifdef __cplusplus
}
#endif

#endif
