// SPDX-License-Identifier: MIT
// The DCMTK shim's object life cycle: process setup, reading, creating, writing and freeing.
#include <cstdio>
#include <cstring>
#include <mutex>

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcrleerg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpeg/djencode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/dcmjpls/djencode.h"
#include "dcmtk/oflog/oflog.h"

extern "C" {
#include "lib/fdio.h"
}
#include "lib/version.h"
#include "pdi/dicom/dcm_impl.h"
#include "pdi/dicom/dcm_scan.h"

using namespace pdg_dcm_impl;

namespace {

std::once_flag init_flag;

void init_once()
{
	/*
	 * DCMTK parser settings that matter for hostile input. They are process-wide globals;
	 * pdigate sets them here once and nothing else touches them.
	 *  - dcmIgnoreParsingErrors = false: stop at the first parse error and refuse the file
	 *    rather than guess how to resynchronise (a guess could hide or invent elements).
	 *  - dcmAcceptOddAttributeLength = true: read exactly the odd length the file states;
	 *    false would read one byte more than stated and lose sync with the stream. The value
	 *    is padded to even length on output.
	 *  - dcmConvertUndefinedLengthOBOWtoSQ, dcmReplaceWrongDelimitationItem,
	 *    dcmReadImplPrivAttribMaxLengthAsSQ, dcmUseExplLengthPixDataForEncTS,
	 *    dcmAcceptUnexpectedImplicitEncoding = false: no silent repair of malformed
	 *    structure; such files are refused.
	 *  - dcmAutoDetectDatasetXfer = false, dcmPreferVRFromDataDictionary = false,
	 *    dcmPreferLengthFieldSizeFromDataDictionary = false,
	 *    dcmIgnoreFileMetaInformationGroupLength = false: the file is parsed as it declares
	 *    itself, not reinterpreted.
	 *  - Maximum element length: every file is parsed with maxReadLength =
	 *    PDG_DCM_LAZY_THRESHOLD, so a value larger than that is never allocated while
	 *    parsing: DCMTK only records where it is. A forged huge length therefore cannot make
	 *    us allocate memory; the value is read (and allocated) only when asked for, after
	 *    the parser has checked the bytes are there (pdg_dcm_read checks element extents
	 *    against the file size in its pre-scan, see dcm_scan.h).
	 *  - dcmEnableAutomaticInputDataCorrection stays on (DCMTK's default): it strips
	 *    trailing padding from strings and pads odd values; values are otherwise untouched.
	 *  - dcmWriteOversizedSeqsAndItemsUndefined stays on: never write a wrapped length.
	 */
	dcmIgnoreParsingErrors.set(OFFalse);
	dcmAcceptOddAttributeLength.set(OFTrue);
	dcmConvertUndefinedLengthOBOWtoSQ.set(OFFalse);
	dcmReplaceWrongDelimitationItem.set(OFFalse);
	dcmReadImplPrivAttribMaxLengthAsSQ.set(OFFalse);
	dcmUseExplLengthPixDataForEncTS.set(OFFalse);
	dcmAcceptUnexpectedImplicitEncoding.set(OFFalse);
	dcmAutoDetectDatasetXfer.set(OFFalse);
	dcmPreferVRFromDataDictionary.set(OFFalse);
	dcmPreferLengthFieldSizeFromDataDictionary.set(OFFalse);
	dcmIgnoreFileMetaInformationGroupLength.set(OFFalse);
	dcmEnableAutomaticInputDataCorrection.set(OFTrue);
	dcmWriteOversizedSeqsAndItemsUndefined.set(OFTrue);

	/* Libraries never print: DCMTK's own logger would write warnings to stderr. */
	OFLog::configure(OFLogger::OFF_LOG_LEVEL);

	/* Codecs, registered once for the life of the process. */
	DcmRLEDecoderRegistration::registerCodecs();
	DcmRLEEncoderRegistration::registerCodecs();
	DJDecoderRegistration::registerCodecs();
	DJEncoderRegistration::registerCodecs();
	DJLSDecoderRegistration::registerCodecs();
	/* raw (not "cooked" through dcmimage) encoding: the stored samples, bit for bit, colour too */
	DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFFalse);
}

/* Deepest sequence nesting under item: 0 for an item without sequences. Stops past limit. */
int depth_of(DcmItem *item, int limit)
{
	int deepest = 0;
	/* nextInContainer: linear walk (getElement(i) restarts from the head each time) */
	for (DcmObject *obj = item->nextInContainer(NULL); obj && deepest <= limit;
	     obj = item->nextInContainer(obj)) {
		DcmSequenceOfItems *sq = dynamic_cast<DcmSequenceOfItems *>(obj);
		if (!sq)
			continue;
		int d = 1;
		unsigned long m = sq->card();
		for (unsigned long j = 0; j < m && d <= limit; j++) {
			int sub = 1 + depth_of(sq->getItem(j), limit - 1);
			if (sub > d)
				d = sub;
		}
		if (d > deepest)
			deepest = d;
	}
	return deepest;
}

enum pdg_code put_meta_uid(DcmMetaInfo *mi, const DcmTagKey &key, const char *uid,
			   struct pdg_err *err)
{
	OFCondition c = mi->putAndInsertString(key, uid);
	if (c.bad())
		return fail(err, PDG_E_DICOM, "cannot build the file meta information", c);
	return PDG_OK;
}

/* A fresh PS3.10 meta header for writing in xfer: PS3.10 7.1. */
enum pdg_code build_meta(struct pdg_dcm *dcm, E_TransferSyntax xfer, const char *path,
			 struct pdg_err *err)
{
	DcmDataset *ds = dcm->ff.getDataset();
	DcmMetaInfo *mi = dcm->ff.getMetaInfo();
	const char *cls = NULL, *inst = NULL;
	enum pdg_code rc;

	if (ds->findAndGetString(DCM_SOPClassUID, cls).bad() || !cls || !*cls)
		return pdg_err_set(err, PDG_E_DICOM, "cannot write '%s': no SOP Class UID", path);
	if (ds->findAndGetString(DCM_SOPInstanceUID, inst).bad() || !inst || !*inst)
		return pdg_err_set(err, PDG_E_DICOM, "cannot write '%s': no SOP Instance UID",
				   path);
	mi->clear();
	static const Uint8 version[2] = {0, 1};
	OFCondition c = mi->putAndInsertUint32(DCM_FileMetaInformationGroupLength, 0);
	if (c.good())
		c = mi->putAndInsertUint8Array(DCM_FileMetaInformationVersion, version, 2);
	if (c.bad())
		return fail(err, PDG_E_DICOM, "cannot build the file meta information", c);
	if ((rc = put_meta_uid(mi, DCM_MediaStorageSOPClassUID, cls, err)) ||
	    (rc = put_meta_uid(mi, DCM_MediaStorageSOPInstanceUID, inst, err)) ||
	    (rc = put_meta_uid(mi, DCM_TransferSyntaxUID, DcmXfer(xfer).getXferID(), err)) ||
	    (rc = put_meta_uid(mi, DCM_ImplementationClassUID, PDG_IMPLEMENTATION_CLASS_UID, err)) ||
	    (rc = put_meta_uid(mi, DCM_ImplementationVersionName, PDG_IMPLEMENTATION_VERSION_NAME,
			       err)))
		return rc;
	c = mi->computeGroupLengthAndPadding(EGL_withGL, EPD_noChange, EXS_LittleEndianExplicit,
					     EET_ExplicitLength);
	if (c.bad())
		return fail(err, PDG_E_DICOM, "cannot compute the meta information group length", c);
	return PDG_OK;
}

/*
 * The dataset's Pixel Data when it can be copied from the source file instead of through
 * DCMTK: the object was read lazily, the element is the dataset's last, still on disk
 * (never loaded, so never changed: a changed or replaced value is in memory), native, of the
 * even length the pre-scan found at pix_off, and the file is written in the transfer syntax
 * it was read with, little endian, so its bytes on disk are exactly the bytes to write.
 */
DcmElement *streamable_pixels(struct pdg_dcm *dcm, E_TransferSyntax xfer)
{
	if (dcm->src.empty() || !dcm->pix_len || (dcm->pix_len & 1) || xfer != dcm->xfer ||
	    (xfer != EXS_LittleEndianExplicit && xfer != EXS_LittleEndianImplicit))
		return NULL;
	DcmList *list = item_list::of(dcm->ff.getDataset());
	DcmObject *last = list->empty() ? NULL : list->seek(ELP_last);
	if (!last || last->getTag() != DCM_PixelData)
		return NULL;
	DcmElement *el = dynamic_cast<DcmPixelData *>(last);
	if (!el || el->valueLoaded() || el->getLengthField() != dcm->pix_len)
		return NULL;
	const DcmEVR vr = DcmVR(el->getVR()).getValidEVR();
	if (vr != EVR_OB && vr != EVR_OW)
		return NULL;
	return el;
}

/* Takes the last element out of the dataset for a write, and puts it back in every case. */
struct detached_last {
	DcmDataset *ds;
	DcmElement *el;
	detached_last(DcmDataset *d, DcmElement *e) : ds(d), el(e)
	{
		DcmList *list = item_list::of(ds);
		list->seek(ELP_last);
		list->remove();
		el->setParent(NULL);
	}
	~detached_last()
	{
		item_list::of(ds)->append(el);
		el->setParent(ds);
	}
	detached_last(const detached_last &) = delete;
	detached_last &operator=(const detached_last &) = delete;
};

/* Close fd keeping errno. */
void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

/*
 * Append the Pixel Data element el (header, then its value copied from the source file by
 * copy_file_range, or read/write where the kernel cannot) to the file at path.
 */
enum pdg_code append_pixels(struct pdg_dcm *dcm, DcmElement *el, E_TransferSyntax xfer,
			    const char *path, struct pdg_err *err)
{
	uint8_t h[12] = {0xe0, 0x7f, 0x10, 0x00};
	size_t hlen;
	uint32_t len = dcm->pix_len;
	struct stat st;

	if (xfer == EXS_LittleEndianExplicit) {
		const char *vr = DcmVR(el->getVR()).getValidVRName();
		h[4] = (uint8_t)vr[0];
		h[5] = (uint8_t)vr[1];
		h[6] = h[7] = 0;
		hlen = 12;
	} else {
		hlen = 8;
	}
	for (int i = 0; i < 4; i++)
		h[hlen - 4 + i] = (uint8_t)(len >> (8 * i));

	int in = open(dcm->src.c_str(), O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s': cannot reopen its source", path);
	if (fstat(in, &st) || (uint64_t)st.st_size < dcm->pix_off + len) {
		close(in);
		return pdg_err_set(err, PDG_E_DICOM, "cannot write '%s': its source file changed",
				   path);
	}
	int out = open(path, O_WRONLY | O_CLOEXEC);
	if (out < 0) {
		close_keep_errno(in);
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
	}
	/* the header at the end, then the value from the file position on */
	off_t in_off = (off_t)dcm->pix_off;
	bool ok = lseek(out, 0, SEEK_END) >= 0 && pdg_write_full(out, h, hlen) == 0;
	uint64_t left = len;
	bool kernel = true;
	while (ok && left) {
		ssize_t n;
		if (kernel) {
			n = copy_file_range(in, &in_off, out, NULL, left, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
				      errno == EOPNOTSUPP)) {
				kernel = false; /* another file system, or no support: copy by hand */
				continue;
			}
		} else {
			uint8_t buf[65536];
			n = pread(in, buf, left < sizeof(buf) ? left : sizeof(buf), in_off);
			if (n > 0 && pdg_write_full(out, buf, (size_t)n))
				n = -1;
			if (n > 0)
				in_off += n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO; /* the source ended early: it changed under us */
		ok = n > 0;
		if (ok)
			left -= (uint64_t)n;
	}
	close(in);
	if (!ok) {
		close_keep_errno(out);
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
	}
	if (close(out))
		return pdg_err_sys(err, PDG_E_IO, "cannot write '%s'", path);
	return PDG_OK;
}

} // namespace

namespace pdg_dcm_impl {

void init()
{
	std::call_once(init_flag, init_once);
}

enum pdg_code fail(struct pdg_err *err, enum pdg_code code, const char *what,
		   const OFCondition &cond)
{
	return pdg_err_set(err, code, "%s: %s", what, cond.text());
}

} // namespace pdg_dcm_impl

extern "C" enum pdg_code pdg_dcm_read(const char *path, unsigned flags, struct pdg_dcm **out,
				      struct pdg_err *err)
{
	PDG_DCM_TRY
	struct pdg_dcm *dcm = NULL;
	enum pdg_code rc;

	*out = NULL;
	init();
	/*
	 * Look at the raw structure first: refuse what is not DICOM, truncated, or nested deeper
	 * than PDG_DCM_MAX_DEPTH before DCMTK's recursive parser sees it (its recursion depth
	 * follows the nesting of the input, so deep nesting could exhaust the stack).
	 */
	struct pdg_dcm_scan_info info;
	if ((rc = pdg_dcm_scan_file(path, PDG_DCM_MAX_DEPTH, &info, err)))
		return rc;

	dcm = new struct pdg_dcm;
	dcm->xfer = EXS_Unknown;
	/* Always parse lazily: large values are never allocated while parsing (see init_once). */
	OFCondition c = dcm->ff.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange,
					 PDG_DCM_LAZY_THRESHOLD, ERM_autoDetect);
	if (c.bad()) {
		delete dcm;
		if (c == EC_StreamNotifyClient || c == EC_EndOfStream)
			return pdg_err_set(err, PDG_E_DICOM, "'%s': truncated DICOM file", path);
		if (c == EC_InvalidFilename || c == EC_InvalidStream)
			return pdg_err_set(err, PDG_E_IO, "cannot open '%s'", path);
		return pdg_err_set(err, PDG_E_DICOM, "'%s': not a valid DICOM file: %s", path,
				   c.text());
	}
	DcmDataset *ds = dcm->ff.getDataset();
	if (ds->card() == 0) {
		delete dcm;
		return pdg_err_set(err, PDG_E_DICOM, "'%s': not a DICOM file (empty dataset)", path);
	}
	/* Authoritative depth check on what DCMTK built (the pre-scan is a cheap guard). */
	if (depth_of(ds, PDG_DCM_MAX_DEPTH) > PDG_DCM_MAX_DEPTH) {
		delete dcm;
		return pdg_err_set(err, PDG_E_LIMIT, "'%s': sequences nested deeper than %d", path,
				   PDG_DCM_MAX_DEPTH);
	}
	dcm->xfer = ds->getOriginalXfer();
	if (dcm->xfer == EXS_Unknown) {
		delete dcm;
		return pdg_err_set(err, PDG_E_DICOM, "'%s': unknown transfer syntax", path);
	}
	if (!(flags & PDG_DCM_READ_LAZY)) {
		c = dcm->ff.loadAllDataIntoMemory();
		if (c.bad()) {
			delete dcm;
			return fail(err, PDG_E_DICOM, "cannot load DICOM values", c);
		}
	} else if (info.pixel_length > PDG_DCM_LAZY_THRESHOLD) {
		dcm->src = path;
		dcm->pix_off = info.pixel_offset;
		dcm->pix_len = info.pixel_length;
	}
	*out = dcm;
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_create(struct pdg_dcm **out, struct pdg_err *err)
{
	PDG_DCM_TRY
	*out = NULL;
	init();
	struct pdg_dcm *dcm = new struct pdg_dcm;
	dcm->xfer = EXS_LittleEndianExplicit;
	*out = dcm;
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" enum pdg_code pdg_dcm_write(struct pdg_dcm *dcm, const char *path,
				       const char *transfer_syntax, struct pdg_err *err)
{
	PDG_DCM_TRY
	enum pdg_code rc;
	E_TransferSyntax xfer = dcm->xfer;
	DcmDataset *ds = dcm->ff.getDataset();

	/* DCMTK's writer recurses per level too; never write what pdg_dcm_read would refuse */
	if (depth_of(ds, PDG_DCM_MAX_DEPTH) > PDG_DCM_MAX_DEPTH)
		return pdg_err_set(err, PDG_E_LIMIT, "cannot write '%s': sequences nested deeper than %d",
				   path, PDG_DCM_MAX_DEPTH);
	if (transfer_syntax) {
		xfer = DcmXfer(transfer_syntax).getXfer();
		if (xfer == EXS_Unknown)
			return pdg_err_set(err, PDG_E_DICOM, "unknown transfer syntax '%s'",
					   transfer_syntax);
	}
	if (xfer != dcm->xfer) {
		OFCondition c = ds->chooseRepresentation(xfer, NULL);
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM,
					   "cannot write '%s': cannot convert to transfer syntax '%s': %s",
					   path, DcmXfer(xfer).getXferID(), c.text());
	}
	if (!ds->canWriteXfer(xfer, dcm->xfer))
		return pdg_err_set(err, PDG_E_DICOM, "cannot write '%s' in transfer syntax '%s'",
				   path, DcmXfer(xfer).getXferID());
	if ((rc = build_meta(dcm, xfer, path, err)))
		return rc;

	/*
	 * Find out about an unwritable path ourselves: DCMTK reports it without errno. The probe
	 * goes again, so that DCMTK creates the file rather than truncating an empty one: ext4
	 * writes a file truncated to zero back when it is closed (auto_da_alloc), which would put
	 * every header on the disk at once, even in a staging folder that is never flushed.
	 */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", path);
	close(fd);
	(void)unlink(path);
	/*
	 * Sequences and items are written with undefined length (DCMTK's default): a de-
	 * identified item has new content anyway, so its original explicit length could not be
	 * kept; undefined length never overflows and needs no second pass over lazily-loaded
	 * values. Group lengths are dropped (retired, PS3.5 7.2). The meta header was built
	 * above (DCMTK's own update would stamp its implementation UID), so it is left alone.
	 */
	/*
	 * Untouched native pixel data goes from file to file in the kernel (copy_file_range):
	 * DCMTK would read it into memory and write it out again. DCMTK writes everything before
	 * it; the element, always the dataset's last, follows with the bytes DCMTK would write.
	 */
	DcmElement *pixels = streamable_pixels(dcm, xfer);
	OFCondition c = EC_Normal;
	if (pixels) {
		detached_last detached(ds, pixels);
		c = dcm->ff.saveFile(OFFilename(path), xfer, EET_UndefinedLength, EGL_withoutGL,
				     EPD_noChange, 0, 0, EWM_dontUpdateMeta);
		if (c.bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot write '%s': %s", path, c.text());
		return append_pixels(dcm, pixels, xfer, path, err);
	}
	c = dcm->ff.saveFile(OFFilename(path), xfer, EET_UndefinedLength, EGL_withoutGL,
			     EPD_noChange, 0, 0, EWM_dontUpdateMeta);
	if (xfer != dcm->xfer) {
		/*
		 * Writing converts only the file: the object goes back to the representation it
		 * had (DCMTK keeps it, so this costs no decoding) and keeps its transfer syntax.
		 */
		OFCondition back = ds->chooseRepresentation(dcm->xfer, NULL);
		if (c.good() && back.bad())
			c = back;
	}
	if (c.bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot write '%s': %s", path, c.text());
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

extern "C" struct pdg_dcm *pdg_dcm_free(struct pdg_dcm *dcm)
{
	try {
		delete dcm;
	} catch (...) {
		/* a destructor that throws leaves nothing to recover */
	}
	return NULL;
}

extern "C" struct pdg_dcm_item *pdg_dcm_dataset(struct pdg_dcm *dcm)
{
	return handle_of(dcm->ff.getDataset());
}

extern "C" struct pdg_dcm_item *pdg_dcm_meta(struct pdg_dcm *dcm)
{
	return handle_of(dcm->ff.getMetaInfo());
}

extern "C" const char *pdg_dcm_transfer_syntax(const struct pdg_dcm *dcm)
{
	E_TransferSyntax x = dcm->xfer == EXS_Unknown ? EXS_LittleEndianExplicit : dcm->xfer;
	return DcmXfer(x).getXferID();
}
