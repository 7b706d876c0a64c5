/* SPDX-License-Identifier: MIT */
/*
 * Internal to the DCMTK shim: a cheap structural pre-scan of a DICOM file, run before DCMTK
 * parses it. DCMTK's parser recurses once per nesting level of the input, so a hostile file
 * of a few hundred kilobytes of nested undefined-length sequences could exhaust the stack;
 * the pre-scan walks the element headers iteratively (values are skipped, never read) and
 * refuses such a file first.
 */
#ifndef PDG_DCM_SCAN_H
#define PDG_DCM_SCAN_H

#include <cstdint>

extern "C" {
#include "lib/err.h"
}

/*
 * Check that path looks like DICOM (PS3.10 preamble + "DICM", a meta group without preamble,
 * or a bare dataset starting with group 0008), that no element value extends
 * past the end of the file, and that sequences (and undefined-length values) nest no deeper
 * than max_depth. Not DICOM or truncated: PDG_E_DICOM; too deep: PDG_E_LIMIT; unreadable:
 * PDG_E_IO. The scan is conservative about depth (an implicit VR value that starts with an
 * item tag counts as a sequence) and is not a full validation: DCMTK's parse decides.
 * Deflated transfer syntax: only the meta header is scanned.
 */
/*
 * What the scan saw that the writer can use: where the top-level native Pixel Data value
 * (7fe0,0010) lies in the file (value_offset, value_length; length 0 when there is none, it is
 * encapsulated, or the dataset is big endian or deflated). Filled only on success.
 */
struct pdg_dcm_scan_info {
	uint64_t pixel_offset;
	uint32_t pixel_length;
};

PDG_MUST_CHECK enum pdg_code pdg_dcm_scan_file(const char *path, int max_depth,
					       struct pdg_dcm_scan_info *info,
					       struct pdg_err *err);

#endif
