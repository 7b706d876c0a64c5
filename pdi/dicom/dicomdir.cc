// SPDX-License-Identifier: MIT
// DICOMDIR creation and listing over DCMTK's DicomDirInterface and DcmDicomDir (C API in dicomdir.h).
#include "dcmtk/config/osconfig.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "dcmtk/dcmdata/dcddirif.h"
#include "dcmtk/dcmdata/dcdicdir.h"
#include "dcmtk/dcmdata/dcdirrec.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/oflog/oflog.h"

extern "C" {
#include "pdi/dicom/dicomdir.h"
}

namespace {

// DCMTK logs warnings that may quote attribute values (PHI): keep it quiet while we work.
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

// Copy a std::string into a fixed field; false when it does not fit.
bool put(char *dst, size_t cap, const OFString &s)
{
	if (s.size() >= cap)
		return false;
	std::memcpy(dst, s.c_str(), s.size());
	dst[s.size()] = '\0';
	return true;
}

OFString get(DcmItem *item, const DcmTagKey &tag)
{
	OFString s;
	if (item->findAndGetOFStringArray(tag, s).bad())
		s.clear();
	return s;
}

long get_number(DcmItem *item, const DcmTagKey &tag)
{
	OFString s = get(item, tag);
	if (s.empty())
		return LONG_MIN;
	char *end = nullptr;
	long v = std::strtol(s.c_str(), &end, 10);
	while (end && *end == ' ')
		end++;
	if (!end || *end || end == s.c_str())
		return LONG_MIN;
	return v;
}

bool valid_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The date and time DCMTK would put in a STUDY record, without its "now" fallback.
// PS3.3 F.5.2: Study Date and Study Time are type 1 in the STUDY record.
void study_date_time(DcmItem *ds, OFString &date, OFString &time)
{
	static const DcmTagKey dates[] = { DCM_StudyDate, DCM_SeriesDate, DCM_AcquisitionDate,
					   DCM_ContentDate };
	static const DcmTagKey times[] = { DCM_StudyTime, DCM_SeriesTime, DCM_AcquisitionTime,
					   DCM_ContentTime };
	date.clear();
	time.clear();
	for (const DcmTagKey &t : dates)
		if (!(date = get(ds, t)).empty())
			break;
	for (const DcmTagKey &t : times)
		if (!(time = get(ds, t)).empty())
			break;
	if (date.empty())
		date = "19000101"; // docs/formats.md: the fixed stand-in for an emptied date
	if (time.empty())
		time = "000000";
}

// The first file ID below a record (depth first), as a path relative to the root.
bool first_file_below(DcmDirectoryRecord *rec, OFString &file_id)
{
	DcmDirectoryRecord *sub = nullptr;
	while ((sub = rec->nextSub(sub)) != nullptr) {
		OFString v;
		if (sub->findAndGetOFStringArray(DCM_ReferencedFileID, v).good() && !v.empty()) {
			for (char &c : v)
				if (c == '\\')
					c = '/';
			file_id = v;
			return true;
		}
		if (first_file_below(sub, file_id))
			return true;
	}
	return false;
}

// The patient folder ("P0000001") of the first file below a record, "" if none.
std::string patient_dir(DcmDirectoryRecord *rec)
{
	OFString id;
	if (!first_file_below(rec, id))
		return std::string();
	std::string s = id.c_str();
	size_t a = s.find('/');
	if (a == std::string::npos)
		return std::string();
	size_t b = s.find('/', a + 1);
	return s.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

// A sub-record of dst that stands for the same study or series as rec, if any.
DcmDirectoryRecord *same_record(DcmDirectoryRecord *dst, DcmDirectoryRecord *rec)
{
	const E_DirRecType type = rec->getRecordType();
	DcmTagKey key;

	if (type == ERT_Study)
		key = DCM_StudyInstanceUID;
	else if (type == ERT_Series)
		key = DCM_SeriesInstanceUID;
	else
		return nullptr;
	OFString want = get(rec, key);
	if (want.empty())
		return nullptr;
	DcmDirectoryRecord *sub = nullptr;
	while ((sub = dst->nextSub(sub)) != nullptr)
		if (sub->getRecordType() == type && get(sub, key) == want)
			return sub;
	return nullptr;
}

// Move every record below src under dst, joining studies and series with the same UID.
bool merge_into(DcmDirectoryRecord *dst, DcmDirectoryRecord *src)
{
	while (src->cardSub() > 0) {
		DcmDirectoryRecord *child = src->removeSub(0UL);
		if (!child)
			return false;
		DcmDirectoryRecord *match = same_record(dst, child);
		if (match) {
			bool ok = merge_into(match, child);
			delete child;
			if (!ok)
				return false;
		} else if (dst->insertSub(child).bad()) {
			delete child;
			return false;
		}
	}
	return true;
}

/*
 * DCMTK matches a file to a PATIENT record by Patient ID, or by Patient's Name when the ID is
 * empty, and never matches empty values: files whose Patient ID and Name were both emptied
 * would each get a PATIENT record (and a study could be split over several). The file set
 * puts one patient in one P folder; join the PATIENT records of one folder into the first.
 */
bool join_patients(DcmDirectoryRecord &root)
{
	std::vector<std::string> seen;
	std::vector<DcmDirectoryRecord *> first;
	unsigned long i = 0;

	while (i < root.cardSub()) {
		DcmDirectoryRecord *rec = root.getSub(i);
		std::string dir = rec->getRecordType() == ERT_Patient ? patient_dir(rec) : "";
		size_t k = 0;
		while (k < seen.size() && seen[k] != dir)
			k++;
		if (dir.empty() || k == seen.size()) {
			if (!dir.empty()) {
				seen.push_back(dir);
				first.push_back(rec);
			}
			i++;
			continue;
		}
		rec = root.removeSub(i);
		bool ok = rec && merge_into(first[k], rec);
		delete rec;
		if (!ok)
			return false;
	}
	return true;
}

} // namespace

struct pdg_dicomdir {
	DicomDirInterface dir;
	std::string root;
	std::string path;
	std::string fileset_uid;
	const char *profile_name;
};

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

extern "C" enum pdg_code pdg_dicomdir_read_keys(const char *path, struct pdg_dicomdir_keys *out,
						 struct pdg_err *err)
{
	try {
		QuietDcmtk quiet;
		DcmFileFormat ff;
		*out = pdg_dicomdir_keys{};
		OFCondition c = ff.loadFileUntilTag(path, EXS_Unknown, EGL_noChange,
						    DCM_MaxReadLength, ERM_fileOnly,
						    DCM_PixelData);
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot read '%s' as DICOM: %s", path,
					   c.text());
		DcmItem *meta = ff.getMetaInfo(), *ds = ff.getDataset();
		// Identity keys must fit whole; descriptive ones (date, time, modality) are cut.
		const struct {
			DcmItem *item;
			const DcmTagKey &tag;
			char *dst;
			size_t cap;
			bool whole;
			const char *name;
		} keys[] = {
			{ meta, DCM_MediaStorageSOPClassUID, out->sop_class_uid,
			  sizeof(out->sop_class_uid), true, "MediaStorageSOPClassUID" },
			{ meta, DCM_MediaStorageSOPInstanceUID, out->sop_instance_uid,
			  sizeof(out->sop_instance_uid), true, "MediaStorageSOPInstanceUID" },
			{ meta, DCM_TransferSyntaxUID, out->transfer_syntax,
			  sizeof(out->transfer_syntax), true, "TransferSyntaxUID" },
			{ ds, DCM_PatientID, out->patient_id, sizeof(out->patient_id), true,
			  "PatientID" },
			{ ds, DCM_PatientName, out->patient_name, sizeof(out->patient_name), true,
			  "PatientName" },
			{ ds, DCM_StudyInstanceUID, out->study_uid, sizeof(out->study_uid), true,
			  "StudyInstanceUID" },
			{ ds, DCM_SeriesInstanceUID, out->series_uid, sizeof(out->series_uid), true,
			  "SeriesInstanceUID" },
			{ ds, DCM_StudyDate, out->study_date, sizeof(out->study_date), false, "" },
			{ ds, DCM_StudyTime, out->study_time, sizeof(out->study_time), false, "" },
			{ ds, DCM_Modality, out->modality, sizeof(out->modality), false, "" },
		};
		for (const auto &k : keys) {
			OFString v = get(k.item, k.tag);
			if (v.size() >= k.cap) {
				if (k.whole)
					return pdg_err_set(err, PDG_E_LIMIT,
							   "'%s': %s is longer than %zu bytes",
							   path, k.name, k.cap - 1);
				v.erase(k.cap - 1);
			}
			(void)put(k.dst, k.cap, v);
		}
		if (!out->sop_class_uid[0] || !out->sop_instance_uid[0] ||
		    !out->transfer_syntax[0])
			return pdg_err_set(err, PDG_E_DICOM,
					   "'%s': no SOP class, SOP instance or transfer syntax in "
					   "the file meta information", path);
		out->has_patient_name = ds->tagExists(DCM_PatientName);
		out->series_number = get_number(ds, DCM_SeriesNumber);
		out->instance_number = get_number(ds, DCM_InstanceNumber);
		return PDG_OK;
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", path);
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed reading '%s'", path);
	}
}

extern "C" enum pdg_code pdg_dicomdir_create(const char *root, enum pdg_dicomdir_profile p,
					      const char *fileset_id, const char *fileset_uid,
					      struct pdg_dicomdir **out, struct pdg_err *err)
{
	DicomDirInterface::E_ApplicationProfile ap;
	struct stat st;

	*out = nullptr;
	switch (p) {
	case PDG_DICOMDIR_GEN_CD:
		ap = DicomDirInterface::AP_GeneralPurpose;
		break;
	case PDG_DICOMDIR_USB_JPEG:
		ap = DicomDirInterface::AP_USBandFlashJPEG;
		break;
	case PDG_DICOMDIR_USB_J2K:
		ap = DicomDirInterface::AP_USBandFlashJPEG2000;
		break;
	default:
		return pdg_err_set(err, PDG_E_INVALID, "no application profile");
	}
	if (!fileset_id || std::strlen(fileset_id) > 16)
		return pdg_err_set(err, PDG_E_INVALID, "file-set id longer than 16 characters");
	for (const char *c = fileset_id; *c; c++)
		if (!valid_char(*c))
			return pdg_err_set(err, PDG_E_INVALID, "file-set id '%s' is not [A-Z0-9_]",
					   fileset_id);
	if (fileset_uid && (std::strlen(fileset_uid) >= PDG_DICOMDIR_UID_MAX || !*fileset_uid))
		return pdg_err_set(err, PDG_E_INVALID, "bad file-set uid");
	try {
		QuietDcmtk quiet;
		pdg_dicomdir *d = new pdg_dicomdir;
		d->root = root;
		d->path = d->root + "/DICOMDIR";
		d->profile_name = pdg_dicomdir_profile_name(p);
		if (fileset_uid)
			d->fileset_uid = fileset_uid;
		if (stat(d->path.c_str(), &st) == 0) {
			delete d;
			return pdg_err_set(err, PDG_E_EXISTS, "'%s/DICOMDIR' exists", root);
		}
		// Type 1 keys the de-identification emptied are invented by DCMTK with counters,
		// deterministic for a fixed order of files (docs/formats.md "PDI file set").
		d->dir.enableInventMode(OFTrue);
		d->dir.disableBackupMode(OFFalse);
		OFCondition c = d->dir.createNewDicomDir(ap, d->path.c_str(), fileset_id);
		if (c.bad()) {
			delete d;
			return pdg_err_set(err, PDG_E_DICOM, "cannot create a DICOMDIR in '%s': %s",
					   root, c.text());
		}
		*out = d;
		return PDG_OK;
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory creating a DICOMDIR");
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed creating a DICOMDIR");
	}
}

extern "C" enum pdg_code pdg_dicomdir_add(struct pdg_dicomdir *d, const char *file_id,
					   struct pdg_err *err)
{
	if (!pdg_dicomdir_file_id_ok(file_id))
		return pdg_err_set(err, PDG_E_DICOM, "'%s' is not a legal DICOM File ID", file_id);
	try {
		QuietDcmtk quiet;
		OFCondition c = d->dir.addDicomFile(file_id, d->root.c_str());
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot add '%s' to the DICOMDIR (%s): %s",
					   file_id, d->profile_name, c.text());
		return PDG_OK;
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory adding '%s'", file_id);
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed adding '%s'", file_id);
	}
}

// Join split patients, replace the study dates and times DCMTK took from the clock, and set
// the File-set UID.
static enum pdg_code finish(struct pdg_dicomdir *d, struct pdg_err *err)
{
	DcmDicomDir dd(d->path.c_str());
	if (dd.error().bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot reread the DICOMDIR: %s",
				   dd.error().text());
	DcmDirectoryRecord &root = dd.getRootRecord();
	if (!join_patients(root))
		return pdg_err_set(err, PDG_E_DICOM, "cannot join patient records");
	DcmDirectoryRecord *pat = nullptr;
	while ((pat = root.nextSub(pat)) != nullptr) {
		if (pat->getRecordType() != ERT_Patient)
			continue;
		DcmDirectoryRecord *study = nullptr;
		while ((study = pat->nextSub(study)) != nullptr) {
			if (study->getRecordType() != ERT_Study)
				continue;
			OFString file_id, date, time;
			if (!first_file_below(study, file_id))
				continue;
			DcmFileFormat ff;
			std::string path = d->root + "/" + file_id.c_str();
			OFCondition c = ff.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange,
							    DCM_MaxReadLength, ERM_autoDetect,
							    DCM_PixelData);
			if (c.bad())
				return pdg_err_set(err, PDG_E_DICOM, "cannot reread '%s': %s",
						   file_id.c_str(), c.text());
			study_date_time(ff.getDataset(), date, time);
			if (study->putAndInsertString(DCM_StudyDate, date.c_str()).bad() ||
			    study->putAndInsertString(DCM_StudyTime, time.c_str()).bad())
				return pdg_err_set(err, PDG_E_DICOM, "cannot set a study date");
		}
	}
	DcmMetaInfo *meta = dd.getDirFileFormat().getMetaInfo();
	if (!d->fileset_uid.empty() &&
	    meta->putAndInsertString(DCM_MediaStorageSOPInstanceUID, d->fileset_uid.c_str()).bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot set the file-set uid");
	OFCondition c = dd.write(DICOMDIR_DEFAULT_TRANSFERSYNTAX, EET_UndefinedLength,
				 EGL_withoutGL);
	if (c.bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot rewrite the DICOMDIR: %s", c.text());
	return PDG_OK;
}

extern "C" enum pdg_code pdg_dicomdir_write(struct pdg_dicomdir *d, struct pdg_err *err)
{
	try {
		QuietDcmtk quiet;
		OFCondition c = d->dir.writeDicomDir();
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot write the DICOMDIR: %s",
					   c.text());
		return finish(d, err);
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory writing the DICOMDIR");
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed writing the DICOMDIR");
	}
}

extern "C" struct pdg_dicomdir *pdg_dicomdir_free(struct pdg_dicomdir *d)
{
	try {
		QuietDcmtk quiet;
		delete d;
	} catch (...) {
	}
	return nullptr;
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
