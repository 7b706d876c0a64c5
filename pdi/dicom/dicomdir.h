/* SPDX-License-Identifier: MIT */
/*
 * The C face of DCMTK's DICOMDIR support (DicomDirInterface, DcmDicomDir): create the DICOMDIR
 * of a file set, list what an existing one references, and read the directory keys of one
 * DICOM file. No C++ types here; the implementation (dicomdir.cc) catches every exception at
 * its entry points and silences DCMTK's own logging while it works, because DCMTK messages may
 * quote attribute values. Messages in struct pdg_err hold File IDs, never attribute values.
 *
 * File IDs are passed and returned with '/' between components ("DICOM/P0000001/I0000001");
 * inside the DICOMDIR they are stored as multi-valued CS (PS3.10 8.2).
 */
#ifndef PDG_DICOMDIR_H
#define PDG_DICOMDIR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define PDG_DICOMDIR_UID_MAX 65       /* a UID and its NUL */
#define PDG_DICOMDIR_FILE_ID_MAX 72   /* 8 components of 8 characters, 7 slashes, NUL */
#define PDG_DICOMDIR_FILESET_ID_MAX 17 /* File-set ID (0004,1130): CS, 16 characters */

/* Media storage application profiles (PS3.11) we write; names as DCMTK prints them. */
enum pdg_dicomdir_profile {
	PDG_DICOMDIR_GEN_CD,       /* STD-GEN-CD: explicit VR little endian only */
	PDG_DICOMDIR_USB_JPEG,     /* STD-GEN-USB/MMC/CF/SD-JPEG: + JPEG baseline/extended/lossless */
	PDG_DICOMDIR_USB_J2K,      /* STD-GEN-USB/MMC/CF/SD-J2K: + JPEG 2000 (lossless and lossy) */
	PDG_DICOMDIR_PROFILE_NONE  /* no profile fits */
};

/* The profile's PS3.11 identifier, e.g. "STD-GEN-CD". Never NULL. */
const char *pdg_dicomdir_profile_name(enum pdg_dicomdir_profile p);

/*
 * The profile that admits a transfer syntax UID: GEN_CD for explicit VR little endian, USB_JPEG
 * for JPEG baseline (1), extended (2 & 4) and lossless SV1 (14), USB_J2K for JPEG 2000 (both),
 * PROFILE_NONE otherwise (implicit VR, big endian, deflate, RLE, JPEG-LS, video...).
 */
enum pdg_dicomdir_profile pdg_dicomdir_profile_for_ts(const char *ts_uid);

/*
 * The one profile that admits a set of transfer syntaxes, given as a bit set of
 * (1u << profile_for_ts(ts)): explicit VR LE alone gives GEN_CD; with JPEG, USB_JPEG; with
 * JPEG 2000, USB_J2K; JPEG and JPEG 2000 together, or any PROFILE_NONE, give PROFILE_NONE.
 */
enum pdg_dicomdir_profile pdg_dicomdir_profile_for_set(unsigned ts_profiles);

/* Bytes of the directory key dataset kept with the keys (struct pdg_dicomdir_keys.rec). */
#define PDG_DICOMDIR_REC_MAX 2048

/*
 * The keys of one DICOM file that order it in the file set, describe it in the web view and
 * make its DICOMDIR records. A plain, flat struct (it may cross a pipe between processes).
 */
struct pdg_dicomdir_keys {
	char patient_id[68];          /* (0010,0020), may be empty (bytes in the file's charset) */
	char patient_name[324];       /* (0010,0010), only for grouping, never shown or logged */
	char study_uid[PDG_DICOMDIR_UID_MAX];
	char study_date[12];          /* (0008,0020) or "", cut to 11 bytes */
	char study_time[28];          /* (0008,0030) or "", cut to 27 bytes */
	char series_uid[PDG_DICOMDIR_UID_MAX];
	char modality[17];            /* (0008,0060) or "", cut to 16 bytes */
	long series_number;           /* (0020,0011), LONG_MIN when absent or not a number */
	long instance_number;         /* (0020,0013), LONG_MIN when absent or not a number */
	char sop_class_uid[PDG_DICOMDIR_UID_MAX];    /* from the file meta information */
	char sop_instance_uid[PDG_DICOMDIR_UID_MAX]; /* from the file meta information */
	char transfer_syntax[PDG_DICOMDIR_UID_MAX];
	int has_patient_name;         /* (0010,0010) present, even empty */
	/*
	 * The directory key dataset: the top-level attributes of the file that any DICOMDIR
	 * record or application-profile check may use (identification, dates, image keys,
	 * SR/presentation/RT keys, ...; never pixel data), encoded as a dataset in explicit VR
	 * little endian. rec_len 0: not kept (too large or not asked for); the DICOMDIR builder
	 * then reads the file itself.
	 */
	uint32_t rec_len;
	unsigned char rec[PDG_DICOMDIR_REC_MAX];
};

/*
 * Read the keys of the DICOM file at path (PS3.10 with meta information; reading stops before
 * the pixel data). Not a PS3.10 file or no SOP class/instance/transfer syntax in the meta
 * information: PDG_E_DICOM. A UID, Patient ID or Patient's Name too long for its field:
 * PDG_E_LIMIT (the message names the attribute); date, time and modality are cut to fit.
 * The directory key dataset is kept when it fits.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_read_keys(const char *path,
						    struct pdg_dicomdir_keys *out,
						    struct pdg_err *err);

struct pdg_dcm;

/*
 * The same keys from an object already in memory, as it was last written with pdg_dcm_write
 * (the file meta information that write built gives SOP class, instance and transfer
 * syntax). Never reads or writes a file besides what a lazily read object loads. Errors as
 * pdg_dicomdir_read_keys, with no path in the message.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_keys_of(struct pdg_dcm *dcm,
						  struct pdg_dicomdir_keys *out,
						  struct pdg_err *err);

/*
 * Whether k is safe to use: every string ends within its field, a SOP Instance UID is there,
 * and rec_len fits rec. Keys that crossed a process boundary must pass before any use.
 */
int pdg_dicomdir_keys_ok(const struct pdg_dicomdir_keys *k);

struct pdg_dicomdir; /* a DICOMDIR being built */

/*
 * Start a new DICOMDIR for the file set rooted at root (the folder the File IDs are relative
 * to; the DICOMDIR is written as root/DICOMDIR). fileset_id: 0..16 characters of [A-Z0-9_]
 * (PS3.10 8.5), else PDG_E_INVALID. fileset_uid: the File-set UID (meta Media Storage SOP
 * Instance UID); NULL lets DCMTK generate a random one. Missing type 1 directory keys are
 * invented (DCMTK invent mode; see docs/formats.md "PDI file set"). On success *out owns the
 * builder; free it with pdg_dicomdir_free(). An existing root/DICOMDIR: PDG_E_EXISTS.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_create(const char *root, enum pdg_dicomdir_profile p,
						 const char *fileset_id, const char *fileset_uid,
						 struct pdg_dicomdir **out, struct pdg_err *err);

/*
 * Add the DICOM file root/file_id (file_id with '/' separators), reading its keys from the
 * file. As pdg_dicomdir_add_keys otherwise.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_add(struct pdg_dicomdir *d, const char *file_id,
					      struct pdg_err *err);

/*
 * Add the instance at root/file_id described by k (from pdg_dicomdir_read_keys or
 * pdg_dicomdir_keys_of) without reading the file, unless k holds no directory key dataset
 * (rec_len 0). Records: PATIENT (one per Patient ID, or per Patient's Name when the ID is
 * empty), STUDY, SERIES and the instance's record type (IMAGE, SR DOCUMENT, KEY OBJECT DOC,
 * PRESENTATION, WAVEFORM, RT DOSE, ENCAP DOC, ...; palettes, hanging protocols and implant
 * templates under the root), with the keys DCMTK's DicomDirInterface puts in them for the
 * profile; parents are found in O(1). A File ID breaking PS3.10 8.2, a SOP instance already
 * added, or an instance the profile does not admit (transfer syntax, SOP class, missing
 * keys): PDG_E_DICOM (PDG_E_INVALID for the duplicate, and for keys failing
 * pdg_dicomdir_keys_ok), with the File ID in the message.
 * Files must be added in File ID order for a deterministic result.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_add_keys(struct pdg_dicomdir *d, const char *file_id,
						   const struct pdg_dicomdir_keys *k,
						   struct pdg_err *err);

/*
 * Write root/DICOMDIR (explicit VR little endian) with the File-set UID. Two runs over the
 * same files in the same order with the same fileset_uid give the same bytes.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_write(struct pdg_dicomdir *d, struct pdg_err *err);

/* Free the builder (the written file stays). Accepts NULL; returns NULL. */
struct pdg_dicomdir *pdg_dicomdir_free(struct pdg_dicomdir *d);

/* One directory record that references a file, as listed by pdg_dicomdir_list. */
struct pdg_dicomdir_entry {
	char file_id[PDG_DICOMDIR_FILE_ID_MAX];          /* with '/' separators */
	char record_type[32];                            /* "IMAGE", "SR DOCUMENT", ... */
	char sop_class_uid[PDG_DICOMDIR_UID_MAX];        /* (0004,1510) */
	char sop_instance_uid[PDG_DICOMDIR_UID_MAX];     /* (0004,1511) */
	char transfer_syntax[PDG_DICOMDIR_UID_MAX];      /* (0004,1512) */
	int depth;                                       /* 0 for records under the root */
};

/* What pdg_dicomdir_list found besides the entries. */
struct pdg_dicomdir_info {
	char fileset_id[PDG_DICOMDIR_FILESET_ID_MAX];
	size_t patients, studies, series, instances;     /* records of those types */
	size_t bad_file_ids;                             /* referenced File IDs not PS3.10-legal */
};

/*
 * Parse the DICOMDIR at path and call fn(ctx, &entry) for every record that references a file,
 * in directory order (depth first). A callback returning non-zero stops the walk (the function
 * then returns PDG_OK). Not a readable DICOMDIR: PDG_E_DICOM; absent: PDG_E_NOTFOUND. A
 * referenced File ID too long for the entry is passed with file_id "" and counted in
 * info->bad_file_ids. info may be NULL.
 */
PDG_MUST_CHECK enum pdg_code pdg_dicomdir_list(const char *path,
					       int (*fn)(void *ctx,
							 const struct pdg_dicomdir_entry *e),
					       void *ctx, struct pdg_dicomdir_info *info,
					       struct pdg_err *err);

/*
 * Whether file_id ('/'-separated) is a legal PS3.10 File ID: 1..8 components of 1..8
 * characters from [A-Z0-9_].
 */
int pdg_dicomdir_file_id_ok(const char *file_id);

#endif
