/* SPDX-License-Identifier: MIT */
/* Clean Structured Content: what the engine removes from SR content trees (docs: "SR"). */
#ifndef PDG_DEID_SR_H
#define PDG_DEID_SR_H

#include "lib/err.h"

struct pdg_dcm_item;

/*
 * Remove from the content tree rooted at ds (the dataset: the root content item) every content
 * item that is observation context (relationship HAS OBS CONTEXT: observer and subject context
 * with their names, IDs, UIDs and codes), a person name (PNAME), of a value type we do not know,
 * or without value type and without a by-reference identifier, with everything under it. A
 * Content Sequence left without items is removed. What stays is cleaned by the attribute walk
 * (text scrubbed, dates shifted or dummied, UIDs keyed). *removed counts the items removed (not
 * reset). Nesting deeper than PDG_DCM_MAX_DEPTH: PDG_E_LIMIT. No PHI in messages.
 */
PDG_MUST_CHECK enum pdg_code pdg_deid_sr_prune(struct pdg_dcm_item *ds, unsigned *removed,
					       struct pdg_err *err);

/* Whether sop_class is a structured report class (1.2.840.10008.5.1.4.1.1.88.x). */
int pdg_deid_sr_class(const char *sop_class);

/* Whether sop_class is Key Object Selection Document (88.59): kept by every profile. */
int pdg_deid_ko_class(const char *sop_class);

#endif
