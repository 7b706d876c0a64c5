/* SPDX-License-Identifier: MIT */
/*
 * Internal to the DCMTK shim (the .cc files in pdi/dicom/ only): the C++ side of struct
 * pdg_dcm, handle conversions and the exception guard every extern "C" entry point uses.
 */
#ifndef PDG_DCM_IMPL_H
#define PDG_DCM_IMPL_H

#ifndef __cplusplus
#error "pdi/dicom/dcm_impl.h is C++ only"
#endif

#include <new>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"

#include "pdi/dicom/dcm.h"

/* One DICOM file. Items handed out are the DcmItem objects inside ff, cast to the opaque type. */
struct pdg_dcm {
	DcmFileFormat ff;
	E_TransferSyntax xfer; /* the one read with, or explicit VR little endian when created */
};

namespace pdg_dcm_impl {

inline DcmItem *item_of(struct pdg_dcm_item *i)
{
	return reinterpret_cast<DcmItem *>(i);
}

inline struct pdg_dcm_item *handle_of(DcmItem *i)
{
	return reinterpret_cast<struct pdg_dcm_item *>(i);
}

inline DcmTagKey key_of(uint32_t tag)
{
	return DcmTagKey(PDG_TAG_GROUP(tag), PDG_TAG_ELEM(tag));
}

/* Process-wide DCMTK setup (parser settings, logging off, codecs); idempotent, thread-safe. */
void init();

/* Record a failed DCMTK condition: "<what>: <DCMTK condition text>" (never values). */
enum pdg_code fail(struct pdg_err *err, enum pdg_code code, const char *what,
		   const OFCondition &cond);

} // namespace pdg_dcm_impl

/* Every extern "C" entry point returning enum pdg_code wraps its body in these. */
#define PDG_DCM_TRY try {
#define PDG_DCM_CATCH(err)                                                                  \
	}                                                                                   \
	catch (const std::bad_alloc &)                                                      \
	{                                                                                   \
		return pdg_err_set((err), PDG_E_NOMEM, "out of memory in the DICOM layer");   \
	}                                                                                   \
	catch (...)                                                                         \
	{                                                                                   \
		return pdg_err_set((err), PDG_E_DICOM, "unexpected failure in the DICOM layer"); \
	}

#endif
