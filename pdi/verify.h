/* SPDX-License-Identifier: MIT */
/* Check a PDI file set (a folder, or a ZIP of one) against the DICOMDIR, PDIGATE.JSN and our layout. */
#ifndef PDG_PDI_VERIFY_H
#define PDG_PDI_VERIFY_H

#include <stddef.h>

#include "lib/err.h"
#include "pdi/report.h"


/* What a successful (or failed) check saw. */
struct pdg_pdi_verify_stats {
	size_t files;                           /* files in the set */
	size_t patients, studies, series, instances; /* from the DICOMDIR */
	size_t violations;
};

/*
 * Check the file set in folder root: DICOMDIR present and readable; every referenced File ID
 * legal, present and holding the SOP instance, class and transfer syntax its record names;
 * every file under DICOM/ referenced; README.TXT, INDEX.HTM, PDIGATE.JSN present; every file
 * listed in PDIGATE.JSN with its size and SHA-256 and nothing listed missing; counts in
 * PDIGATE.JSN equal to the DICOMDIR's; no file outside DICOMDIR, README.TXT, INDEX.HTM,
 * PDIGATE.JSN, IHE_PDI/ and the referenced DICOM files; no symlinks or special files.
 * Each violation goes to report (may be NULL). Returns PDG_OK when there is none,
 * PDG_E_INVALID when there are some, another code when the check itself could not run.
 * stats may be NULL.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_verify_dir(const char *root, pdg_pdi_report_fn *report,
						void *ctx, struct pdg_pdi_verify_stats *stats,
						struct pdg_err *err);

/*
 * Check a ZIP of a file set: the entries first (pdg_pdi_unzip rules: safe names, no
 * duplicates, sizes as in PDIGATE.JSN, bounded), then, unpacked into a private temporary
 * folder that is removed afterwards, as pdg_pdi_verify_dir. Same results.
 */
PDG_MUST_CHECK enum pdg_code pdg_pdi_verify_zip(const char *zip_path, pdg_pdi_report_fn *report,
						void *ctx, struct pdg_pdi_verify_stats *stats,
						struct pdg_err *err);

#endif
