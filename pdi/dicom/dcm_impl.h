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
#include <string>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"

#include "pdi/dicom/dcm.h"

/* One DICOM file. Items handed out are the DcmItem objects inside ff, cast to the opaque type. */
struct pdg_dcm {
	DcmFileFormat ff;
	E_TransferSyntax xfer; /* the one read with, or explicit VR little endian when created */
	/*
	 * A lazily read object: the file it came from and where its top-level native Pixel Data
	 * value lies there (pix_len 0: none). pdg_dcm_write copies that value from file to file
	 * in the kernel when the element is still untouched on disk (dcm.cc, write_streamed).
	 */
	std::string src;
	uint64_t pix_off = 0;
	uint32_t pix_len = 0;
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

/*
 * DcmItem keeps its elements in a protected DcmList, in ascending tag order. Reaching it lets
 * the shim work from the list's cursor (dcm_item.cc) and take the last element (dcm.cc)
 * without DCMTK's scans from the head. Callers keep DCMTK's invariants (order, parent).
 */
struct item_list : DcmItem {
	static DcmList *of(DcmItem *item)
	{
		return item->*(&item_list::elementList);
	}
};

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
