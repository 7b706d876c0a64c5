// SPDX-License-Identifier: MIT
// The directory keys of one DICOM instance, from a file or from an object in memory (dicomdir.h).
#include "dcmtk/config/osconfig.h"

#include <climits>
#include <cstring>
#include <cstdlib>
#include <new>

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcostrmb.h"

#include "pdi/dicom/dcm_impl.h"
#include "pdi/dicom/dicomdir_impl.h"

using namespace pdg_dicomdir_impl;

namespace {

/*
 * Every dataset attribute DCMTK 3.6.7's DicomDirInterface reads while checking a file against
 * an application profile or building any of its directory records (dcddirif.cc), plus the
 * dates and times the STUDY record falls back on. In tag order.
 */
const DcmTagKey rec_tags[] = {
	DCM_SpecificCharacterSet,
	DCM_ImageType,
	DCM_InstanceCreationDate,
	DCM_InstanceCreationTime,
	DCM_SOPClassUID,
	DCM_SOPInstanceUID,
	DCM_StudyDate,
	DCM_SeriesDate,
	DCM_AcquisitionDate,
	DCM_ContentDate,
	DCM_AcquisitionDateTime,
	DCM_StudyTime,
	DCM_SeriesTime,
	DCM_AcquisitionTime,
	DCM_ContentTime,
	DCM_AccessionNumber,
	DCM_Modality,
	DCM_Manufacturer,
	DCM_InstitutionName,
	DCM_InstitutionAddress,
	DCM_StudyDescription,
	DCM_PerformingPhysicianName,
	DCM_ManufacturerModelName,
	DCM_ReferencedSeriesSequence,
	DCM_ReferencedImageSequence,
	DCM_ReferencedImageEvidenceSequence,
	DCM_PatientName,
	DCM_PatientID,
	DCM_PatientBirthDate,
	DCM_PatientSex,
	DCM_AcquisitionTimeSynchronized,
	DCM_SequenceOfUltrasoundRegions,
	DCM_RegionSpatialFormat,
	DCM_RegionDataType,
	DCM_RegionFlags,
	DCM_RegionLocationMinX0,
	DCM_RegionLocationMinY0,
	DCM_RegionLocationMaxX1,
	DCM_RegionLocationMaxY1,
	DCM_PhysicalUnitsXDirection,
	DCM_PhysicalUnitsYDirection,
	DCM_PhysicalDeltaX,
	DCM_PhysicalDeltaY,
	DCM_PixelComponentOrganization,
	DCM_PixelComponentMask,
	DCM_PixelComponentRangeStart,
	DCM_PixelComponentRangeStop,
	DCM_PixelComponentPhysicalUnits,
	DCM_PixelComponentDataType,
	DCM_NumberOfTableBreakPoints,
	DCM_TableOfXBreakPoints,
	DCM_TableOfYBreakPoints,
	DCM_NumberOfTableEntries,
	DCM_TableOfPixelValues,
	DCM_TableOfParameterValues,
	DCM_DetectorID,
	DCM_DetectorManufacturerName,
	DCM_DetectorManufacturerModelName,
	DCM_StudyInstanceUID,
	DCM_SeriesInstanceUID,
	DCM_StudyID,
	DCM_SeriesNumber,
	DCM_InstanceNumber,
	DCM_RETIRED_OverlayNumber,
	DCM_RETIRED_CurveNumber,
	DCM_RETIRED_LUTNumber,
	DCM_ImagePositionPatient,
	DCM_ImageOrientationPatient,
	DCM_FrameOfReferenceUID,
	DCM_SynchronizationFrameOfReferenceUID,
	DCM_ImplantName,
	DCM_ImplantPartNumber,
	DCM_SamplesPerPixel,
	DCM_PhotometricInterpretation,
	DCM_NumberOfFrames,
	DCM_Rows,
	DCM_Columns,
	DCM_PixelSpacing,
	DCM_BitsAllocated,
	DCM_BitsStored,
	DCM_HighBit,
	DCM_PixelRepresentation,
	DCM_LossyImageCompressionRatio,
	DCM_DataPointRows,
	DCM_DataPointColumns,
	DCM_RelationshipType,
	DCM_VerificationDateTime,
	DCM_ConceptNameCodeSequence,
	DCM_VerifyingObserverSequence,
	DCM_CompletionFlag,
	DCM_VerificationFlag,
	DCM_ContentSequence,
	DCM_HL7InstanceIdentifier,
	DCM_DocumentTitle,
	DCM_MIMETypeOfEncapsulatedDocument,
	DCM_CalibrationImage,
	DCM_ImplantSize,
	DCM_ContentLabel,
	DCM_ContentDescription,
	DCM_PresentationCreationDate,
	DCM_PresentationCreationTime,
	DCM_ContentCreatorName,
	DCM_BlendingSequence,
	DCM_HangingProtocolName,
	DCM_HangingProtocolDescription,
	DCM_HangingProtocolLevel,
	DCM_HangingProtocolCreator,
	DCM_HangingProtocolCreationDateTime,
	DCM_HangingProtocolDefinitionSequence,
	DCM_HangingProtocolUserIdentificationCodeSequence,
	DCM_NumberOfPriorsReferenced,
	DCM_ImplantAssemblyTemplateName,
	DCM_ImplantAssemblyTemplateIssuer,
	DCM_ProcedureTypeCodeSequence,
	DCM_ImplantTemplateGroupName,
	DCM_ImplantTemplateGroupDescription,
	DCM_ImplantTemplateGroupIssuer,
	DCM_DoseComment,
	DCM_DoseSummationType,
	DCM_StructureSetLabel,
	DCM_StructureSetDate,
	DCM_StructureSetTime,
	DCM_TreatmentDate,
	DCM_TreatmentTime,
	DCM_RTPlanLabel,
	DCM_RTPlanDate,
	DCM_RTPlanTime,
	DCM_UserContentLabel,
	DCM_UserContentLongLabel,
	DCM_SharedFunctionalGroupsSequence,
	DCM_OverlayRows,
	DCM_OverlayColumns,
	DCM_OverlayBitsAllocated,
	DCM_OverlayBitPosition,
	DCM_OverlayData,
};

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

/* The directory key dataset of ds into out->rec; rec_len 0 when it does not fit. */
void encode_rec(DcmItem *ds, struct pdg_dicomdir_keys *out)
{
	DcmDataset sub;

	out->rec_len = 0;
	for (const DcmTagKey &t : rec_tags) {
		DcmElement *el = nullptr;
		if (ds->findAndGetElement(t, el, OFFalse, OFTrue).good() && el &&
		    sub.insert(el, OFTrue).bad())
			delete el;
	}
	Uint32 len = sub.getLength(EXS_LittleEndianExplicit, EET_ExplicitLength);
	if (len == 0 || len == DCM_UndefinedLength || len > sizeof(out->rec))
		return;
	DcmOutputBufferStream os(out->rec, sizeof(out->rec));
	sub.transferInit();
	OFCondition c = sub.write(os, EXS_LittleEndianExplicit, EET_ExplicitLength, nullptr,
				  EGL_withoutGL, EPD_withoutPadding);
	sub.transferEnd();
	void *buf = nullptr;
	offile_off_t n = 0;
	os.flushBuffer(buf, n);
	if (c.good() && buf == out->rec && n > 0 && (size_t)n <= sizeof(out->rec))
		out->rec_len = (uint32_t)n;
}

/* Fill out from meta and ds; what names the source in messages. */
enum pdg_code fill_keys(DcmItem *meta, DcmItem *ds, const char *what,
			struct pdg_dicomdir_keys *out, struct pdg_err *err)
{
	// Identity keys must fit whole; descriptive ones (date, time, modality) are cut.
	const struct {
		DcmItem *item;
		const DcmTagKey &tag;
		char *dst;
		size_t cap;
		bool whole;
		const char *name;
	} keys[] = {
		{ meta, DCM_MediaStorageSOPClassUID, out->sop_class_uid, sizeof(out->sop_class_uid),
		  true, "MediaStorageSOPClassUID" },
		{ meta, DCM_MediaStorageSOPInstanceUID, out->sop_instance_uid,
		  sizeof(out->sop_instance_uid), true, "MediaStorageSOPInstanceUID" },
		{ meta, DCM_TransferSyntaxUID, out->transfer_syntax, sizeof(out->transfer_syntax),
		  true, "TransferSyntaxUID" },
		{ ds, DCM_PatientID, out->patient_id, sizeof(out->patient_id), true, "PatientID" },
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
				return pdg_err_set(err, PDG_E_LIMIT, "%s: %s is longer than %zu bytes",
						   what, k.name, k.cap - 1);
			v.erase(k.cap - 1);
		}
		(void)put(k.dst, k.cap, v);
	}
	if (!out->sop_class_uid[0] || !out->sop_instance_uid[0] || !out->transfer_syntax[0])
		return pdg_err_set(err, PDG_E_DICOM,
				   "%s: no SOP class, SOP instance or transfer syntax in the file "
				   "meta information", what);
	out->has_patient_name = ds->tagExists(DCM_PatientName);
	out->series_number = get_number(ds, DCM_SeriesNumber);
	out->instance_number = get_number(ds, DCM_InstanceNumber);
	encode_rec(ds, out);
	return PDG_OK;
}

} // namespace

bool pdg_dicomdir_impl::keys_to_fileformat(const struct pdg_dicomdir_keys *k, DcmFileFormat &ff)
{
	if (k->rec_len == 0 || k->rec_len > sizeof(k->rec))
		return false;
	DcmMetaInfo *meta = ff.getMetaInfo();
	DcmDataset *ds = ff.getDataset();
	// the fields are NUL-terminated strings (pdg_dicomdir_keys), checked by the caller
	if (meta->putAndInsertString(DCM_MediaStorageSOPClassUID, k->sop_class_uid).bad() ||
	    meta->putAndInsertString(DCM_MediaStorageSOPInstanceUID, k->sop_instance_uid).bad() ||
	    meta->putAndInsertString(DCM_TransferSyntaxUID, k->transfer_syntax).bad())
		return false;
	DcmInputBufferStream in;
	in.setBuffer(k->rec, k->rec_len);
	in.setEos();
	ds->clear();
	ds->transferInit();
	OFCondition c = ds->read(in, EXS_LittleEndianExplicit, EGL_noChange, DCM_MaxReadLength);
	ds->transferEnd();
	return c.good() && ds->card() > 0;
}

extern "C" int pdg_dicomdir_keys_ok(const struct pdg_dicomdir_keys *k)
{
	return k && std::memchr(k->patient_id, 0, sizeof(k->patient_id)) &&
	       std::memchr(k->patient_name, 0, sizeof(k->patient_name)) &&
	       std::memchr(k->study_uid, 0, sizeof(k->study_uid)) &&
	       std::memchr(k->study_date, 0, sizeof(k->study_date)) &&
	       std::memchr(k->study_time, 0, sizeof(k->study_time)) &&
	       std::memchr(k->series_uid, 0, sizeof(k->series_uid)) &&
	       std::memchr(k->modality, 0, sizeof(k->modality)) &&
	       std::memchr(k->sop_class_uid, 0, sizeof(k->sop_class_uid)) &&
	       std::memchr(k->sop_instance_uid, 0, sizeof(k->sop_instance_uid)) &&
	       std::memchr(k->transfer_syntax, 0, sizeof(k->transfer_syntax)) &&
	       k->rec_len <= sizeof(k->rec) && k->sop_instance_uid[0];
}

extern "C" enum pdg_code pdg_dicomdir_read_keys(const char *path, struct pdg_dicomdir_keys *out,
						 struct pdg_err *err)
{
	try {
		QuietDcmtk quiet;
		DcmFileFormat ff;
		std::memset(out, 0, sizeof(*out));
		OFCondition c = ff.loadFileUntilTag(path, EXS_Unknown, EGL_noChange,
						    DCM_MaxReadLength, ERM_fileOnly,
						    DCM_PixelData);
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot read '%s' as DICOM: %s", path,
					   c.text());
		std::string what = std::string("'") + path + "'";
		return fill_keys(ff.getMetaInfo(), ff.getDataset(), what.c_str(), out, err);
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading '%s'", path);
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed reading '%s'", path);
	}
}

extern "C" enum pdg_code pdg_dicomdir_keys_of(struct pdg_dcm *dcm, struct pdg_dicomdir_keys *out,
					       struct pdg_err *err)
{
	try {
		QuietDcmtk quiet;
		std::memset(out, 0, sizeof(*out));
		return fill_keys(dcm->ff.getMetaInfo(), dcm->ff.getDataset(), "the instance", out,
				 err);
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory reading the directory keys");
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed reading the directory keys");
	}
}
