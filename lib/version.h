/* SPDX-License-Identifier: MIT */
/* The software version, written into manifests and DICOM (0018,1020)-style fields. */
#ifndef PDG_VERSION_H
#define PDG_VERSION_H

#define PDG_VERSION "0.1.0"
#define PDG_IMPLEMENTATION_VERSION_NAME "PDIGATE_010"

#endif
