/* SPDX-License-Identifier: MIT */
/* Conditional (Type 1C) attributes left without their condition by de-identification. */
#ifndef PDG_DEID_CONDITIONS_H
#define PDG_DEID_CONDITIONS_H

#include "lib/err.h"

struct pdg_dcm_item;

/*
 * Remove from the dataset ds every Type 1C attribute whose condition ("required if X is
 * present") the de-identification removed, so the object stays conformant. Returns PDG_OK or
 * the shim's error (PDG_E_DICOM) with *err filled.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_drop_orphans(struct pdg_dcm_item *ds, struct pdg_err *err);

#endif
