/* SPDX-License-Identifier: MIT */
/* The callback through which file set checks report each violation they find. */
#ifndef PDG_PDI_REPORT_H
#define PDG_PDI_REPORT_H

/*
 * Called once per violation: path is the file-set-relative path (or ZIP entry name, made safe
 * for printing) concerned, "" for the set as a whole; problem is a short lowercase phrase.
 * Neither ever holds an attribute value.
 */
typedef void pdg_pdi_report_fn(void *ctx, const char *path, const char *problem);

#endif
