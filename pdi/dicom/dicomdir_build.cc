// SPDX-License-Identifier: MIT
// Building a DICOMDIR from directory keys in memory: DCMTK's record builders, our own O(1) index.
#include "dcmtk/config/osconfig.h"

#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <sys/stat.h>

#include "dcmtk/dcmdata/dcddirif.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdicdir.h"
#include "dcmtk/dcmdata/dcdirrec.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcuid.h"

#include "pdi/dicom/dicomdir_impl.h"

using namespace pdg_dicomdir_impl;

namespace {

/*
 * The record type of a SOP class: DCMTK 3.6.7 dcddirif.cc sopClassToRecordType (a static
 * function there), as a table; every other SOP class is an IMAGE.
 */
const struct {
	const char *uid;
	E_DirRecType type;
} record_types[] = {
	{ UID_RETIRED_StandaloneOverlayStorage, ERT_Overlay },
	{ UID_RETIRED_StandaloneModalityLUTStorage, ERT_ModalityLut },
	{ UID_RETIRED_StandaloneVOILUTStorage, ERT_VoiLut },
	{ UID_RETIRED_StandaloneCurveStorage, ERT_Curve },
	{ UID_RETIRED_StandalonePETCurveStorage, ERT_Curve },
	{ UID_BasicTextSRStorage, ERT_SRDocument },
	{ UID_EnhancedSRStorage, ERT_SRDocument },
	{ UID_ComprehensiveSRStorage, ERT_SRDocument },
	{ UID_Comprehensive3DSRStorage, ERT_SRDocument },
	{ UID_ExtensibleSRStorage, ERT_SRDocument },
	{ UID_ProcedureLogStorage, ERT_SRDocument },
	{ UID_MammographyCADSRStorage, ERT_SRDocument },
	{ UID_ChestCADSRStorage, ERT_SRDocument },
	{ UID_ColonCADSRStorage, ERT_SRDocument },
	{ UID_XRayRadiationDoseSRStorage, ERT_SRDocument },
	{ UID_EnhancedXRayRadiationDoseSRStorage, ERT_SRDocument },
	{ UID_RadiopharmaceuticalRadiationDoseSRStorage, ERT_SRDocument },
	{ UID_SpectaclePrescriptionReportStorage, ERT_SRDocument },
	{ UID_MacularGridThicknessAndVolumeReportStorage, ERT_SRDocument },
	{ UID_ImplantationPlanSRDocumentStorage, ERT_SRDocument },
	{ UID_AcquisitionContextSRStorage, ERT_SRDocument },
	{ UID_SimplifiedAdultEchoSRStorage, ERT_SRDocument },
	{ UID_PatientRadiationDoseSRStorage, ERT_SRDocument },
	{ UID_PerformedImagingAgentAdministrationSRStorage, ERT_SRDocument },
	{ UID_PlannedImagingAgentAdministrationSRStorage, ERT_SRDocument },
	{ UID_GrayscaleSoftcopyPresentationStateStorage, ERT_Presentation },
	{ UID_ColorSoftcopyPresentationStateStorage, ERT_Presentation },
	{ UID_PseudoColorSoftcopyPresentationStateStorage, ERT_Presentation },
	{ UID_BlendingSoftcopyPresentationStateStorage, ERT_Presentation },
	{ UID_XAXRFGrayscaleSoftcopyPresentationStateStorage, ERT_Presentation },
	{ UID_GrayscalePlanarMPRVolumetricPresentationStateStorage, ERT_Presentation },
	{ UID_CompositingPlanarMPRVolumetricPresentationStateStorage, ERT_Presentation },
	{ UID_AdvancedBlendingPresentationStateStorage, ERT_Presentation },
	{ UID_VolumeRenderingVolumetricPresentationStateStorage, ERT_Presentation },
	{ UID_SegmentedVolumeRenderingVolumetricPresentationStateStorage, ERT_Presentation },
	{ UID_MultipleVolumeRenderingVolumetricPresentationStateStorage, ERT_Presentation },
	{ UID_BasicStructuredDisplayStorage, ERT_Presentation },
	{ UID_TwelveLeadECGWaveformStorage, ERT_Waveform },
	{ UID_GeneralECGWaveformStorage, ERT_Waveform },
	{ UID_AmbulatoryECGWaveformStorage, ERT_Waveform },
	{ UID_HemodynamicWaveformStorage, ERT_Waveform },
	{ UID_CardiacElectrophysiologyWaveformStorage, ERT_Waveform },
	{ UID_BasicVoiceAudioWaveformStorage, ERT_Waveform },
	{ UID_GeneralAudioWaveformStorage, ERT_Waveform },
	{ UID_ArterialPulseWaveformStorage, ERT_Waveform },
	{ UID_RespiratoryWaveformStorage, ERT_Waveform },
	{ UID_RoutineScalpElectroencephalogramWaveformStorage, ERT_Waveform },
	{ UID_ElectromyogramWaveformStorage, ERT_Waveform },
	{ UID_ElectrooculogramWaveformStorage, ERT_Waveform },
	{ UID_SleepElectroencephalogramWaveformStorage, ERT_Waveform },
	{ UID_MultichannelRespiratoryWaveformStorage, ERT_Waveform },
	{ UID_BodyPositionWaveformStorage, ERT_Waveform },
	{ UID_RTDoseStorage, ERT_RTDose },
	{ UID_RTStructureSetStorage, ERT_RTStructureSet },
	{ UID_RTPlanStorage, ERT_RTPlan },
	{ UID_RTIonPlanStorage, ERT_RTPlan },
	{ UID_RTBeamsTreatmentRecordStorage, ERT_RTTreatRecord },
	{ UID_RTBrachyTreatmentRecordStorage, ERT_RTTreatRecord },
	{ UID_RTTreatmentSummaryRecordStorage, ERT_RTTreatRecord },
	{ UID_RTIonBeamsTreatmentRecordStorage, ERT_RTTreatRecord },
	{ UID_RETIRED_StoredPrintStorage, ERT_StoredPrint },
	{ UID_KeyObjectSelectionDocumentStorage, ERT_KeyObjectDoc },
	{ UID_SpatialRegistrationStorage, ERT_Registration },
	{ UID_DeformableSpatialRegistrationStorage, ERT_Registration },
	{ UID_SpatialFiducialsStorage, ERT_Fiducial },
	{ UID_RawDataStorage, ERT_RawData },
	{ UID_MRSpectroscopyStorage, ERT_Spectroscopy },
	{ UID_EncapsulatedPDFStorage, ERT_EncapDoc },
	{ UID_EncapsulatedCDAStorage, ERT_EncapDoc },
	{ UID_EncapsulatedSTLStorage, ERT_EncapDoc },
	{ UID_EncapsulatedOBJStorage, ERT_EncapDoc },
	{ UID_EncapsulatedMTLStorage, ERT_EncapDoc },
	{ UID_RealWorldValueMappingStorage, ERT_ValueMap },
	{ UID_HangingProtocolStorage, ERT_HangingProtocol },
	{ UID_StereometricRelationshipStorage, ERT_Stereometric },
	{ UID_ColorPaletteStorage, ERT_Palette },
	{ UID_SurfaceSegmentationStorage, ERT_Surface },
	{ UID_LensometryMeasurementsStorage, ERT_Measurement },
	{ UID_AutorefractionMeasurementsStorage, ERT_Measurement },
	{ UID_KeratometryMeasurementsStorage, ERT_Measurement },
	{ UID_SubjectiveRefractionMeasurementsStorage, ERT_Measurement },
	{ UID_VisualAcuityMeasurementsStorage, ERT_Measurement },
	{ UID_OphthalmicAxialMeasurementsStorage, ERT_Measurement },
	{ UID_IntraocularLensCalculationsStorage, ERT_Measurement },
	{ UID_OphthalmicVisualFieldStaticPerimetryMeasurementsStorage, ERT_Measurement },
	{ UID_GenericImplantTemplateStorage, ERT_Implant },
	{ UID_ImplantTemplateGroupStorage, ERT_ImplantGroup },
	{ UID_ImplantAssemblyTemplateStorage, ERT_ImplantAssy },
	{ UID_RTBeamsDeliveryInstructionStorage, ERT_Plan },
	{ UID_RTBrachyApplicationSetupDeliveryInstructionStorage, ERT_Plan },
	{ UID_SurfaceScanMeshStorage, ERT_SurfaceScan },
	{ UID_SurfaceScanPointCloudStorage, ERT_SurfaceScan },
	{ UID_TractographyResultsStorage, ERT_Tract },
	{ UID_ContentAssessmentResultsStorage, ERT_Assessment },
	{ UID_RTPhysicianIntentStorage, ERT_Radiotherapy },
	{ UID_RTSegmentAnnotationStorage, ERT_Radiotherapy },
	{ UID_RTRadiationSetStorage, ERT_Radiotherapy },
	{ UID_CArmPhotonElectronRadiationStorage, ERT_Radiotherapy },
	{ UID_TomotherapeuticRadiationStorage, ERT_Radiotherapy },
	{ UID_RoboticArmRadiationStorage, ERT_Radiotherapy },
	{ UID_RTRadiationRecordSetStorage, ERT_Radiotherapy },
	{ UID_RTRadiationSalvageRecordStorage, ERT_Radiotherapy },
	{ UID_TomotherapeuticRadiationRecordStorage, ERT_Radiotherapy },
	{ UID_CArmPhotonElectronRadiationRecordStorage, ERT_Radiotherapy },
	{ UID_RoboticRadiationRecordStorage, ERT_Radiotherapy },
	{ UID_RTRadiationSetDeliveryInstructionStorage, ERT_Radiotherapy },
	{ UID_RTTreatmentPreparationStorage, ERT_Radiotherapy },
	{ UID_MicroscopyBulkSimpleAnnotationsStorage, ERT_Annotation },
};

E_DirRecType record_type_of(const char *sop_class)
{
	for (const auto &r : record_types)
		if (!std::strcmp(r.uid, sop_class))
			return r.type;
	return ERT_Image;
}

/*
 * DicomDirInterface without its file handling and its linear searches: we keep the tree and
 * the index ourselves and use only its checks and record builders (protected members).
 */
class Builder : public DicomDirInterface {
public:
	OFCondition profile(E_ApplicationProfile p) { return selectApplicationProfile(p); }

	// as loadAndCheckDicomFile after loading: SOP class, transfer syntax, required keys
	OFCondition check(DcmFileFormat &ff, const OFFilename &src)
	{
		DcmDataset *ds = ff.getDataset();
		if (!ds || ds->card() == 0)
			return EC_CorruptedData;
		OFCondition c = checkSOPClassAndXfer(ff.getMetaInfo(), ds, src);
		if (c.good() && checkMandatoryAttributes(ff.getMetaInfo(), ds, src).bad())
			c = EC_ApplicationProfileViolated;
		return c;
	}

	// as addRecord for a new record, without the search and the insertion
	DcmDirectoryRecord *build(E_DirRecType t, DcmFileFormat *ff, const OFString &id,
				  const OFFilename &src)
	{
		DcmDirectoryRecord *r;
		switch (t) {
		case ERT_Patient: r = buildPatientRecord(nullptr, ff, src); break;
		case ERT_Study: r = buildStudyRecord(nullptr, ff, src); break;
		case ERT_Series: r = buildSeriesRecord(nullptr, ff, src); break;
		case ERT_Overlay: r = buildOverlayRecord(nullptr, ff, id, src); break;
		case ERT_ModalityLut: r = buildModalityLutRecord(nullptr, ff, id, src); break;
		case ERT_VoiLut: r = buildVoiLutRecord(nullptr, ff, id, src); break;
		case ERT_Curve: r = buildCurveRecord(nullptr, ff, id, src); break;
		case ERT_SRDocument: r = buildStructReportRecord(nullptr, ff, id, src); break;
		case ERT_Presentation: r = buildPresentationRecord(nullptr, ff, id, src); break;
		case ERT_Waveform: r = buildWaveformRecord(nullptr, ff, id, src); break;
		case ERT_RTDose: r = buildRTDoseRecord(nullptr, ff, id, src); break;
		case ERT_RTStructureSet: r = buildRTStructureSetRecord(nullptr, ff, id, src); break;
		case ERT_RTPlan: r = buildRTPlanRecord(nullptr, ff, id, src); break;
		case ERT_RTTreatRecord: r = buildRTTreatmentRecord(nullptr, ff, id, src); break;
		case ERT_StoredPrint: r = buildStoredPrintRecord(nullptr, ff, id, src); break;
		case ERT_KeyObjectDoc: r = buildKeyObjectDocRecord(nullptr, ff, id, src); break;
		case ERT_Registration: r = buildRegistrationRecord(nullptr, ff, id, src); break;
		case ERT_Fiducial: r = buildFiducialRecord(nullptr, ff, id, src); break;
		case ERT_RawData: r = buildRawDataRecord(nullptr, ff, id, src); break;
		case ERT_Spectroscopy: r = buildSpectroscopyRecord(nullptr, ff, id, src); break;
		case ERT_EncapDoc: r = buildEncapDocRecord(nullptr, ff, id, src); break;
		case ERT_ValueMap: r = buildValueMapRecord(nullptr, ff, id, src); break;
		case ERT_HangingProtocol: r = buildHangingProtocolRecord(nullptr, ff, id, src); break;
		case ERT_Stereometric: r = buildStereometricRecord(nullptr, ff, id, src); break;
		case ERT_Palette: r = buildPaletteRecord(nullptr, ff, id, src); break;
		case ERT_Surface: r = buildSurfaceRecord(nullptr, ff, id, src); break;
		case ERT_Measurement: r = buildMeasurementRecord(nullptr, ff, id, src); break;
		case ERT_Implant: r = buildImplantRecord(nullptr, ff, id, src); break;
		case ERT_ImplantGroup: r = buildImplantGroupRecord(nullptr, ff, id, src); break;
		case ERT_ImplantAssy: r = buildImplantAssyRecord(nullptr, ff, id, src); break;
		case ERT_Plan: r = buildPlanRecord(nullptr, ff, id, src); break;
		case ERT_SurfaceScan: r = buildSurfaceScanRecord(nullptr, ff, id, src); break;
		case ERT_Tract: r = buildTractRecord(nullptr, ff, id, src); break;
		case ERT_Assessment: r = buildAssessmentRecord(nullptr, ff, id, src); break;
		case ERT_Radiotherapy: r = buildRadiotherapyRecord(nullptr, ff, id, src); break;
		case ERT_Annotation: r = buildAnnotationRecord(nullptr, ff, id, src); break;
		default: r = buildImageRecord(nullptr, ff, id, src); break;
		}
		// type 1C: required if an extended character set is used in one of the record keys
		if (r && r->isAffectedBySpecificCharacterSet())
			copyElementType1C(ff->getDataset(), DCM_SpecificCharacterSet, r, src);
		return r;
	}

	void invent(DcmDirectoryRecord *r, const DcmTagKey &key, unsigned long n,
		    const char *prefix)
	{
		setDefaultValue(r, key, n, prefix);
	}
};

/* The key by which DCMTK sorts records of a type under their parent (insertSortedUnder). */
const DcmTagKey *sort_key(E_DirRecType t)
{
	static const DcmTagKey instance = DCM_InstanceNumber, series = DCM_SeriesNumber,
			       overlay = DCM_RETIRED_OverlayNumber, curve = DCM_RETIRED_CurveNumber,
			       lut = DCM_RETIRED_LUTNumber;
	switch (t) {
	case ERT_Patient: case ERT_Study: case ERT_Stereometric: case ERT_Plan:
	case ERT_HangingProtocol: case ERT_Palette: case ERT_Implant: case ERT_ImplantGroup:
	case ERT_ImplantAssy:
		return nullptr;
	case ERT_Series: return &series;
	case ERT_Overlay: return &overlay;
	case ERT_Curve: return &curve;
	case ERT_ModalityLut: case ERT_VoiLut: return &lut;
	default: return &instance;
	}
}

/* What DCMTK's invent mode fills in a record of a type, and from which counter. */
enum counter { C_NONE, C_INSTANCE, C_OVERLAY, C_LUT, C_CURVE, C_N };

counter invent_counter(E_DirRecType t, const DcmTagKey *&key)
{
	static const DcmTagKey instance = DCM_InstanceNumber, overlay = DCM_RETIRED_OverlayNumber,
			       curve = DCM_RETIRED_CurveNumber, lut = DCM_RETIRED_LUTNumber;
	switch (t) {
	case ERT_Image: case ERT_RTDose: case ERT_RTStructureSet: case ERT_RTPlan:
	case ERT_StoredPrint: case ERT_Surface:
		key = &instance;
		return C_INSTANCE;
	case ERT_Overlay:
		key = &overlay;
		return C_OVERLAY;
	case ERT_ModalityLut: case ERT_VoiLut:
		key = &lut;
		return C_LUT;
	case ERT_Curve:
		key = &curve;
		return C_CURVE;
	default:
		return C_NONE;
	}
}

/*
 * The date or time DICOMDIR readers see for a study (PS3.3 F.5.2 makes both type 1): the
 * first of tags with a value, without the separators of ACR-NEMA dates and times
 * ("2001.02.03", "11:20:00") that DA and TM no longer allow, else the fixed stand-in.
 */
OFString study_value(DcmItem *ds, const DcmTagKey *tags, char separator, const char *fallback)
{
	for (int i = 0; i < 4; i++) {
		OFString v = get(ds, tags[i]), out;
		for (char c : v)
			if (c != separator)
				out += c;
		if (!out.empty())
			return out;
	}
	return fallback; // docs/formats.md: the fixed stand-in for an emptied date
}

} // namespace

struct pdg_dicomdir {
	Builder dir;
	DcmDicomDir *dd = nullptr;
	std::string root, path, fileset_uid;
	const char *profile_name = "";
	// parents by key: patient by ID or name, study and series by UID under their parent
	std::unordered_map<std::string, DcmDirectoryRecord *> index;
	std::unordered_set<std::string> instances;
	// the largest sort key among each record's children (insertion in O(1) when in order)
	std::unordered_map<DcmDirectoryRecord *, Sint32> max_key;
	// DCMTK's counters and their first values (DicomDirInterface constructor)
	unsigned long patients = 0, studies = 0, series = 0, counters[C_N] = { 1, 1, 1, 1, 1 };

	~pdg_dicomdir() { delete dd; }
};

namespace {

/*
 * Insert child under parent where DCMTK's insertSortedUnder puts it: before the first child
 * whose sort key is larger, else at the end. Children arrive in order, so the end is found
 * from the largest key so far; only an out-of-order child costs a scan.
 */
OFCondition insert_sorted(struct pdg_dicomdir *d, DcmDirectoryRecord *parent,
			  DcmDirectoryRecord *child, E_DirRecType t)
{
	const DcmTagKey *key = sort_key(t);
	Sint32 n = 0;

	if (!key || child->findAndGetSint32(*key, n).bad())
		return parent->insertSub(child);
	auto m = d->max_key.find(parent);
	if (m == d->max_key.end() || m->second <= n) {
		d->max_key[parent] = n;
		return parent->insertSub(child);
	}
	DcmDirectoryRecord *r = nullptr;
	Sint32 v = 0;
	while ((r = parent->nextSub(r)) != nullptr)
		if (r->findAndGetSint32(*key, v).good() && v > n)
			return parent->insertSubAtCurrentPos(child, OFTrue);
	return parent->insertSub(child);
}

/* A record's sort key changed (invented): keep the parent's largest key up to date. */
void note_key(struct pdg_dicomdir *d, DcmDirectoryRecord *parent, DcmDirectoryRecord *child,
	      const DcmTagKey &key)
{
	Sint32 n = 0;
	if (child->findAndGetSint32(key, n).bad())
		return;
	auto m = d->max_key.find(parent);
	if (m == d->max_key.end() || m->second < n)
		d->max_key[parent] = n;
}

std::string index_key(char level, const void *parent, const OFString &v)
{
	char p[32];
	std::snprintf(p, sizeof(p), "%c%p/", level, parent);
	return std::string(p) + v.c_str();
}

/* The parent record at one level: found in the index, or built, inserted and completed. */
DcmDirectoryRecord *level(struct pdg_dicomdir *d, E_DirRecType t, DcmDirectoryRecord *parent,
			  const std::string &key, DcmFileFormat &ff, const OFFilename &src)
{
	auto it = d->index.find(key);
	if (it != d->index.end())
		return it->second;
	DcmDirectoryRecord *r = d->dir.build(t, &ff, OFString(), src);
	if (!r)
		return nullptr;
	if (insert_sorted(d, parent, r, t).bad()) {
		delete r;
		return nullptr;
	}
	d->index.emplace(key, r);
	return r;
}

enum pdg_code add(struct pdg_dicomdir *d, const char *file_id, DcmFileFormat &ff,
		  struct pdg_err *err)
{
	static const DcmTagKey dates[] = { DCM_StudyDate, DCM_SeriesDate, DCM_AcquisitionDate,
					   DCM_ContentDate };
	static const DcmTagKey times[] = { DCM_StudyTime, DCM_SeriesTime, DCM_AcquisitionTime,
					   DCM_ContentTime };
	DcmDataset *ds = ff.getDataset();
	OFFilename src(file_id);
	OFString dicom_id(file_id), sop_class = get(ff.getMetaInfo(), DCM_MediaStorageSOPClassUID);

	for (char &c : dicom_id)
		if (c == '/')
			c = '\\';
	OFCondition c = d->dir.check(ff, src);
	if (c.bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot add '%s' to the DICOMDIR (%s): %s",
				   file_id, d->profile_name, c.text());
	DcmDirectoryRecord &root = d->dd->getRootRecord();
	E_DirRecType t = record_type_of(sop_class.c_str());
	// hanging protocols, palettes and implant templates live under the root (addDicomFile)
	bool top = t == ERT_HangingProtocol || t == ERT_Palette ||
		   !std::strcmp(sop_class.c_str(), UID_GenericImplantTemplateStorage) ||
		   !std::strcmp(sop_class.c_str(), UID_ImplantAssemblyTemplateStorage) ||
		   !std::strcmp(sop_class.c_str(), UID_ImplantTemplateGroupStorage);
	if (!std::strcmp(sop_class.c_str(), UID_GenericImplantTemplateStorage))
		t = ERT_Implant;
	else if (!std::strcmp(sop_class.c_str(), UID_ImplantAssemblyTemplateStorage))
		t = ERT_ImplantGroup;
	else if (!std::strcmp(sop_class.c_str(), UID_ImplantTemplateGroupStorage))
		t = ERT_ImplantAssy;
	DcmDirectoryRecord *parent = &root, *pat = nullptr, *study = nullptr, *ser = nullptr;
	if (!top) {
		size_t before = d->index.size();
		OFString id = get(ds, DCM_PatientID);
		std::string pkey = id.empty() ? index_key('N', nullptr, get(ds, DCM_PatientName))
					      : index_key('I', nullptr, id);
		pat = level(d, ERT_Patient, &root, pkey, ff, src);
		size_t new_pat = d->index.size() > before;
		before = d->index.size();
		study = pat ? level(d, ERT_Study, pat,
				    index_key('S', pat, get(ds, DCM_StudyInstanceUID)), ff, src)
			    : nullptr;
		bool new_study = d->index.size() > before;
		before = d->index.size();
		ser = study ? level(d, ERT_Series, study,
				    index_key('E', study, get(ds, DCM_SeriesInstanceUID)), ff, src)
			    : nullptr;
		bool new_series = d->index.size() > before;
		if (!ser)
			return pdg_err_set(err, PDG_E_DICOM, "cannot make the records of '%s'",
					   file_id);
		// DCMTK's invent mode, in its order: patient, study, series (instance below)
		if (new_pat && !pat->tagExistsWithValue(DCM_PatientID))
			d->dir.invent(pat, DCM_PatientID, d->patients++, "DCMTKPAT");
		if (new_study) {
			if (!study->tagExistsWithValue(DCM_StudyID))
				d->dir.invent(study, DCM_StudyID, d->studies++, "DCMTKSTUDY");
			// the study's own date and time, else the first file's fallbacks, never
			// the clock DCMTK would use (docs/formats.md "PDI file set")
			if (study->putAndInsertString(DCM_StudyDate,
						      study_value(ds, dates, '.', "19000101").c_str())
				    .bad() ||
			    study->putAndInsertString(DCM_StudyTime,
						      study_value(ds, times, ':', "000000").c_str())
				    .bad())
				return pdg_err_set(err, PDG_E_DICOM, "cannot set a study date");
		}
		if (new_series && !ser->tagExistsWithValue(DCM_SeriesNumber)) {
			d->dir.invent(ser, DCM_SeriesNumber, d->series++, nullptr);
			note_key(d, study, ser, DCM_SeriesNumber);
		}
		parent = ser;
	}
	DcmDirectoryRecord *rec = d->dir.build(t, &ff, dicom_id, src);
	if (!rec || rec->error().bad()) {
		delete rec;
		return pdg_err_set(err, PDG_E_DICOM, "cannot make the record of '%s'", file_id);
	}
	if (insert_sorted(d, parent, rec, t).bad()) {
		delete rec;
		return pdg_err_set(err, PDG_E_DICOM, "cannot insert the record of '%s'", file_id);
	}
	const DcmTagKey *key = nullptr;
	counter ctr = invent_counter(t, key);
	if (!top && ctr != C_NONE && !rec->tagExistsWithValue(*key)) {
		d->dir.invent(rec, *key, d->counters[ctr]++, nullptr);
		note_key(d, parent, rec, *key);
	}
	return PDG_OK;
}

} // namespace

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
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
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
		// Type 1 keys the de-identification emptied are invented with counters,
		// deterministic for a fixed order of files (docs/formats.md "PDI file set").
		d->dir.enableInventMode(OFTrue);
		OFCondition c = d->dir.profile(ap);
		if (c.good()) {
			d->dd = new DcmDicomDir(d->path.c_str(), fileset_id);
			c = d->dd->error();
		}
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

extern "C" enum pdg_code pdg_dicomdir_add_keys(struct pdg_dicomdir *d, const char *file_id,
						const struct pdg_dicomdir_keys *k,
						struct pdg_err *err)
{
	if (!pdg_dicomdir_file_id_ok(file_id))
		return pdg_err_set(err, PDG_E_DICOM, "'%s' is not a legal DICOM File ID", file_id);
	if (!pdg_dicomdir_keys_ok(k))
		return pdg_err_set(err, PDG_E_INVALID, "'%s': bad directory keys", file_id);
	try {
		QuietDcmtk quiet;
		if (d->instances.count(k->sop_instance_uid))
			return pdg_err_set(err, PDG_E_INVALID,
					   "'%s': the SOP instance is in the DICOMDIR already",
					   file_id);
		DcmFileFormat ff;
		if (!keys_to_fileformat(k, ff)) {
			std::string path = d->root + "/" + file_id;
			ff.clear();
			OFCondition c = ff.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange,
							    DCM_MaxReadLength, ERM_fileOnly,
							    DCM_PixelData);
			if (c.bad())
				return pdg_err_set(err, PDG_E_DICOM, "cannot read '%s': %s", file_id,
						   c.text());
		}
		enum pdg_code rc = add(d, file_id, ff, err);
		if (!rc)
			d->instances.insert(k->sop_instance_uid);
		return rc;
	} catch (const std::bad_alloc &) {
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory adding '%s'", file_id);
	} catch (...) {
		return pdg_err_set(err, PDG_E_DICOM, "DCMTK failed adding '%s'", file_id);
	}
}

extern "C" enum pdg_code pdg_dicomdir_add(struct pdg_dicomdir *d, const char *file_id,
					   struct pdg_err *err)
{
	struct pdg_dicomdir_keys *k;
	enum pdg_code rc;

	if (!pdg_dicomdir_file_id_ok(file_id))
		return pdg_err_set(err, PDG_E_DICOM, "'%s' is not a legal DICOM File ID", file_id);
	k = static_cast<struct pdg_dicomdir_keys *>(std::malloc(sizeof(*k)));
	if (!k)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory adding '%s'", file_id);
	std::string path = d->root + "/" + file_id;
	rc = pdg_dicomdir_read_keys(path.c_str(), k, err);
	if (!rc)
		rc = pdg_dicomdir_add_keys(d, file_id, k, err);
	std::free(k);
	return rc;
}

extern "C" enum pdg_code pdg_dicomdir_write(struct pdg_dicomdir *d, struct pdg_err *err)
{
	try {
		QuietDcmtk quiet;
		DcmMetaInfo *meta = d->dd->getDirFileFormat().getMetaInfo();
		if (!d->fileset_uid.empty() &&
		    meta->putAndInsertString(DCM_MediaStorageSOPInstanceUID,
					     d->fileset_uid.c_str()).bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot set the file-set uid");
		OFCondition c = d->dd->write(DICOMDIR_DEFAULT_TRANSFERSYNTAX, EET_UndefinedLength,
					     EGL_withoutGL);
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot write the DICOMDIR: %s",
					   c.text());
		return PDG_OK;
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
