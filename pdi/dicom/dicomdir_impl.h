/* SPDX-License-Identifier: MIT */
/*
 * Internal to the DICOMDIR part of the DCMTK shim (dicomdir*.cc): keeping DCMTK quiet while it
 * works, string helpers, and the directory key dataset shared by the key reader and builder.
 */
#ifndef PDG_DICOMDIR_IMPL_H
#define PDG_DICOMDIR_IMPL_H
#ifndef __cplusplus
#error "pdi/dicom/dicomdir_impl.h is C++ only"
#endif

#include "dcmtk/config/osconfig.h"

#include <cstring>

#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/oflog/oflog.h"

extern "C" {
#include "pdi/dicom/dicomdir.h"
}

namespace pdg_dicomdir_impl {

/* DCMTK logs warnings that may quote attribute values (PHI): keep it quiet while we work. */
class QuietDcmtk {
public:
	QuietDcmtk() : logger_(OFLog::getLogger("dcmtk.dcmdata")), old_(logger_.getLogLevel())
	{
		logger_.setLogLevel(OFLogger::OFF_LOG_LEVEL);
	}
	~QuietDcmtk() { logger_.setLogLevel(old_); }
	QuietDcmtk(const QuietDcmtk &) = delete;
	QuietDcmtk &operator=(const QuietDcmtk &) = delete;

private:
	OFLogger logger_;
	dcmtk::log4cplus::LogLevel old_;
};

/* Copy s into a fixed field; false when it does not fit. */
inline bool put(char *dst, size_t cap, const OFString &s)
{
	if (s.size() >= cap)
		return false;
	std::memcpy(dst, s.c_str(), s.size());
	dst[s.size()] = '\0';
	return true;
}

/* The value of tag in item with its values joined by '\', "" when absent. */
inline OFString get(DcmItem *item, const DcmTagKey &tag)
{
	OFString s;
	if (item->findAndGetOFStringArray(tag, s).bad())
		s.clear();
	return s;
}

/*
 * Fill ff with the instance k describes: meta information from k's fields and the dataset
 * decoded from k's directory key dataset. False when k holds none or it does not decode.
 */
bool keys_to_fileformat(const struct pdg_dicomdir_keys *k, DcmFileFormat &ff);

} // namespace pdg_dicomdir_impl

#endif
