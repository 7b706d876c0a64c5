// SPDX-License-Identifier: MIT
// DICOMDIR profiles, File IDs and listing over DCMTK's DcmDicomDir (C API in dicomdir.h).
#include "dcmtk/config/osconfig.h"

#include <cstring>
#include <new>

#include <sys/stat.h>

#include "dcmtk/dcmdata/dcdicdir.h"
#include "dcmtk/dcmdata/dcdirrec.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"

#include "pdi/dicom/dicomdir_impl.h"

using namespace pdg_dicomdir_impl;

namespace {

bool valid_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

} // namespace

extern "C" const char *pdg_dicomdir_profile_name(enum pdg_dicomdir_profile p)
{
	switch (p) {
	case PDG_DICOMDIR_GEN_CD:
		return "STD-GEN-CD";
	case PDG_DICOMDIR_USB_JPEG:
		return "STD-GEN-USB-JPEG";
	case PDG_DICOMDIR_USB_J2K:
		return "STD-GEN-USB-J2K";
	default:
		return "none";
	}
}

extern "C" enum pdg_dicomdir_profile pdg_dicomdir_profile_for_ts(const char *ts)
{
	// PS3.11 D (STD-GEN-CD) and DCMTK dcddirif.cc checkSOPClassAndXfer (USB and flash profiles)
	if (!ts)
		return PDG_DICOMDIR_PROFILE_NONE;
	if (!std::strcmp(ts, UID_LittleEndianExplicitTransferSyntax))
		return PDG_DICOMDIR_GEN_CD;
	if (!std::strcmp(ts, UID_JPEGProcess1TransferSyntax) ||
	    !std::strcmp(ts, UID_JPEGProcess2_4TransferSyntax) ||
	    !std::strcmp(ts, UID_JPEGProcess14SV1TransferSyntax))
		return PDG_DICOMDIR_USB_JPEG;
	if (!std::strcmp(ts, UID_JPEG2000LosslessOnlyTransferSyntax) ||
	    !std::strcmp(ts, UID_JPEG2000TransferSyntax))
		return PDG_DICOMDIR_USB_J2K;
	return PDG_DICOMDIR_PROFILE_NONE;
}

extern "C" enum pdg_dicomdir_profile pdg_dicomdir_profile_for_set(unsigned set)
{
	const unsigned jpeg = 1u << PDG_DICOMDIR_USB_JPEG, j2k = 1u << PDG_DICOMDIR_USB_J2K;

	if (set & (1u << PDG_DICOMDIR_PROFILE_NONE))
		return PDG_DICOMDIR_PROFILE_NONE;
	if ((set & jpeg) && (set & j2k))
		return PDG_DICOMDIR_PROFILE_NONE;
	if (set & jpeg)
		return PDG_DICOMDIR_USB_JPEG;
	if (set & j2k)
		return PDG_DICOMDIR_USB_J2K;
	return PDG_DICOMDIR_GEN_CD;
}

extern "C" int pdg_dicomdir_file_id_ok(const char *id)
{
	// PS3.10 8.2 and 8.5: 1..8 components of 1..8 characters from [A-Z0-9_]
	int comps = 0, len = 0;

	if (!id || !*id)
		return 0;
	for (const char *p = id;; p++) {
		if (*p == '/' || *p == '\0') {
			if (len == 0 || ++comps > 8)
				return 0;
			len = 0;
			if (*p == '\0')
				return 1;
			continue;
		}
		if (!valid_char(*p) || ++len > 8)
			return 0;
	}
}

namespace {

struct Walk {
	int (*fn)(void *, const struct pdg_dicomdir_entry *);
	void *ctx;
	struct pdg_dicomdir_info *info;
	bool stop;
};

void walk(DcmDirectoryRecord *parent, int depth, Walk &w)
{
	DcmDirectoryRecord *rec = nullptr;
	while (!w.stop && (rec = parent->nextSub(rec)) != nullptr) {
		switch (rec->getRecordType()) {
		case ERT_Patient:
			w.info->patients++;
			break;
		case ERT_Study:
			w.info->studies++;
			break;
		case ERT_Series:
			w.info->series++;
			break;
		default:
			break;
		}
		OFString id;
		if (rec->findAndGetOFStringArray(DCM_ReferencedFileID, id).good() && !id.empty()) {
			struct pdg_dicomdir_entry e = {};
			w.info->instances++;
			for (char &c : id)
				if (c == '\\')
					c = '/';
			if (!put(e.file_id, sizeof(e.file_id), id) ||
			    !pdg_dicomdir_file_id_ok(e.file_id)) {
				w.info->bad_file_ids++;
				if (id.size() >= sizeof(e.file_id))
					e.file_id[0] = '\0';
			}
			(void)put(e.record_type, sizeof(e.record_type),
				  get(rec, DCM_DirectoryRecordType));
			(void)put(e.sop_class_uid, sizeof(e.sop_class_uid),
				  get(rec, DCM_ReferencedSOPClassUIDInFile));
			(void)put(e.sop_instance_uid, sizeof(e.sop_instance_uid),
				  get(rec, DCM_ReferencedSOPInstanceUIDInFile));
			(void)put(e.transfer_syntax, sizeof(e.transfer_syntax),
				  get(rec, DCM_ReferencedTransferSyntaxUIDInFile));
			e.depth = depth;
			if (w.fn && w.fn(w.ctx, &e)) {
				w.stop = true;
				return;
			}
		}
		if (depth < 16)
			walk(rec, depth + 1, w);
	}
}

} // namespace

extern "C" enum pdg_code pdg_dicomdir_list(const char *path,
					    int (*fn)(void *ctx, const struct pdg_dicomdir_entry *e),
					    void *ctx, struct pdg_dicomdir_info *info,
					    struct pdg_err *err)
{
	struct pdg_dicomdir_info local;
	struct stat st;

	if (!info)
		info = &local;
	*info = pdg_dicomdir_info{};
	if (stat(path, &st) != 0)
		return pdg_err_sys(err, PDG_E_NOTFOUND, "cannot open '%s'", path);
	if (!S_ISREG(st.st_mode))
		return pdg_err_set(err, PDG_E_DICOM, "'%s' is not a regular file", path);
	try {
		QuietDcmtk quiet;
		// Read with DcmFileFormat first: DcmDicomDir would start an empty DICOMDIR on failure.
		DcmFileFormat ff;
		OFCondition c = ff.loadFile(path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
					    ERM_fileOnly);
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot read '%s' as DICOM: %s", path,
					   c.text());
		if (get(ff.getMetaInfo(), DCM_MediaStorageSOPClassUID) !=
		    UID_MediaStorageDirectoryStorage)
			return pdg_err_set(err, PDG_E_DICOM, "'%s' is not a DICOMDIR", path);
		DcmDicomDir dd(path);
		if (dd.error().bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot read '%s' as a DICOMDIR: %s",
					   path, dd.error().text());
		(void)put(info->fileset_id, sizeof(info->fileset_id),
			  get(ff.getDataset(), DCM_FileSetID));
		Walk w = { fn, ctx, info, false };
		walk(&dd.getRootRecord(), 0, w);
		return PDG_OK;
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", path);
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed reading '%s'", path);
	}
}
