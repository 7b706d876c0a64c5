// SPDX-License-Identifier: MIT
// Decode Pixel Data to native pixels in memory and encode it again losslessly (pixels.h).
#include <cstring>
#include <vector>

#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmjpeg/djrplol.h"
#include "dcmtk/dcmjpls/djrparam.h"

#include "pdi/dicom/dcm_impl.h"
#include "pdi/dicom/pixels.h"

using namespace pdg_dcm_impl;

namespace {

const char *const lossless_syntaxes[] = {
	"1.2.840.10008.1.2",      "1.2.840.10008.1.2.1",    "1.2.840.10008.1.2.1.99",
	"1.2.840.10008.1.2.2",    "1.2.840.10008.1.2.5",    "1.2.840.10008.1.2.4.57",
	"1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90",
	"1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.201", NULL,
};

bool is_j2k(E_TransferSyntax x)
{
	return x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000;
}

/* Syntaxes DCMTK decodes here with the codecs registered in dcm.cc. */
bool dcmtk_decodes(E_TransferSyntax x)
{
	switch (x) {
	case EXS_RLELossless:
	case EXS_JPEGProcess1:
	case EXS_JPEGProcess2_4:
	case EXS_JPEGProcess14:
	case EXS_JPEGProcess14SV1:
	case EXS_JPEGLSLossless:
	case EXS_JPEGLSLossy:
		return true;
	default:
		return false;
	}
}

DcmPixelData *pixel_data(DcmDataset *ds)
{
	DcmElement *el = NULL;
	if (ds->findAndGetElement(DCM_PixelData, el, OFFalse).bad() || !el)
		return NULL;
	return dynamic_cast<DcmPixelData *>(el);
}

enum pdg_code header(DcmDataset *ds, struct pdg_pix_image *img, struct pdg_err *err)
{
	const DcmTagKey keys[3] = { DCM_Rows, DCM_Columns, DCM_BitsAllocated };
	static const char *const names[3] = { "Rows", "Columns", "Bits Allocated" };
	Uint16 v[3];
	const char *pi = NULL;
	Sint32 frames = 1;

	for (size_t i = 0; i < 3; i++)
		if (ds->findAndGetUint16(keys[i], v[i]).bad() || v[i] == 0)
			return pdg_err_set(err, PDG_E_POLICY, "image without a usable %s", names[i]);
	*img = pdg_pix_image{};
	img->rows = v[0];
	img->cols = v[1];
	img->bits_alloc = v[2];
	img->spp = 1;
	(void)ds->findAndGetUint16(DCM_SamplesPerPixel, img->spp);
	img->bits_stored = img->bits_alloc;
	(void)ds->findAndGetUint16(DCM_BitsStored, img->bits_stored);
	img->high_bit = (Uint16)(img->bits_stored - 1);
	(void)ds->findAndGetUint16(DCM_HighBit, img->high_bit);
	(void)ds->findAndGetUint16(DCM_PixelRepresentation, img->pixel_rep);
	(void)ds->findAndGetUint16(DCM_PlanarConfiguration, img->planar);
	if (ds->findAndGetSint32(DCM_NumberOfFrames, frames).bad())
		frames = 1;
	if (ds->findAndGetString(DCM_PhotometricInterpretation, pi).good() && pi)
		snprintf(img->photometric, sizeof(img->photometric), "%s", pi);
	if (frames < 1 || (Uint32)frames > PDG_PIX_MAX_FRAMES)
		return pdg_err_set(err, PDG_E_POLICY, "Number of Frames out of range");
	img->frames = (uint32_t)frames;
	if (img->bits_alloc != 8 && img->bits_alloc != 16 && img->bits_alloc != 32)
		return pdg_err_set(err, PDG_E_POLICY, "Bits Allocated %u is not supported",
				   (unsigned)img->bits_alloc);
	if (img->spp != 1 && img->spp != 3)
		return pdg_err_set(err, PDG_E_POLICY, "Samples per Pixel %u is not supported",
				   (unsigned)img->spp);
	if (img->bits_stored == 0 || img->bits_stored > img->bits_alloc ||
	    img->high_bit >= img->bits_alloc)
		return pdg_err_set(err, PDG_E_POLICY, "inconsistent Bits Stored / High Bit");
	img->frame_bytes = (size_t)img->rows * img->cols * img->spp * (img->bits_alloc / 8);
	img->len = img->frame_bytes * img->frames;
	return PDG_OK;
}

/* Photometric interpretations whose native samples are one value per sample per pixel. */
bool plain_photometric(const char *pi, unsigned spp)
{
	if (spp == 1)
		return !strcmp(pi, "MONOCHROME1") || !strcmp(pi, "MONOCHROME2") ||
		       !strcmp(pi, "PALETTE COLOR");
	return !strcmp(pi, "RGB") || !strcmp(pi, "YBR_FULL");
}

/* The fragments of each frame (PS3.5 A.4): one per frame, all in one frame, or by offsets. */
enum pdg_code split_frames(DcmPixelSequence *seq, uint32_t frames,
			   std::vector<std::vector<Uint8>> &out, struct pdg_err *err)
{
	unsigned long n = seq->card();
	std::vector<Uint32> offs;
	DcmPixelItem *it = NULL;
	Uint8 *p = NULL;

	if (n < 2)
		return pdg_err_set(err, PDG_E_POLICY, "encapsulated pixel data without fragments");
	if (seq->getItem(it, 0).bad())
		return pdg_err_set(err, PDG_E_DICOM, "cannot read the basic offset table");
	if (it->getLength() >= 4 && it->getUint8Array(p).good() && p) {
		for (Uint32 i = 0; i + 4 <= it->getLength(); i += 4)
			offs.push_back((Uint32)p[i] | (Uint32)p[i + 1] << 8 |
				       (Uint32)p[i + 2] << 16 | (Uint32)p[i + 3] << 24);
	}
	out.assign(frames, std::vector<Uint8>());
	Uint32 pos = 0;
	size_t f = 0;
	for (unsigned long i = 1; i < n; i++) {
		if (seq->getItem(it, i).bad() || it->getUint8Array(p).bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot read a pixel data fragment");
		Uint32 len = it->getLength();
		if (n - 1 == frames)
			f = i - 1;
		else if (frames == 1)
			f = 0;
		else if (offs.size() == frames)
			while (f + 1 < frames && pos >= offs[f + 1])
				f++;
		else
			return pdg_err_set(err, PDG_E_POLICY,
					   "cannot tell the frames of the encapsulated pixel data apart");
		if (len && p)
			out[f].insert(out[f].end(), p, p + len);
		pos += 8 + len;
	}
	return PDG_OK;
}

enum pdg_code decode_j2k(DcmDataset *ds, DcmPixelData *pd, E_TransferSyntax x,
			 struct pdg_pix_image *img, struct pdg_err *err)
{
	DcmPixelSequence *seq = NULL;
	std::vector<std::vector<Uint8>> frames;
	enum pdg_code rc;

	if (pd->getEncapsulatedRepresentation(x, NULL, seq).bad() || !seq)
		return pdg_err_set(err, PDG_E_DICOM, "cannot read the JPEG 2000 pixel data");
	if ((rc = split_frames(seq, img->frames, frames, err)))
		return rc;
	std::vector<Uint8> buf(img->len);
	struct pdg_pix_image fi = *img;
	fi.planar = 0;
	for (uint32_t f = 0; f < img->frames; f++) {
		rc = pdg_j2k_decode(frames[f].data(), frames[f].size(), &fi,
				    buf.data() + (size_t)f * img->frame_bytes, err);
		if (rc)
			return rc;
		std::vector<Uint8>().swap(frames[f]);
	}
	/* OpenJPEG undoes the reversible/irreversible colour transform: the samples are RGB */
	if (img->spp == 3) {
		if (ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB").bad() ||
		    ds->putAndInsertUint16(DCM_PlanarConfiguration, 0).bad())
			return pdg_err_set(err, PDG_E_DICOM, "cannot update the image header");
	}
	OFCondition c = img->bits_alloc == 8
				? pd->putUint8Array(buf.data(), (unsigned long)buf.size())
				: pd->putUint16Array(reinterpret_cast<const Uint16 *>(buf.data()),
						     (unsigned long)(buf.size() / 2));
	if (c.bad())
		return fail(err, PDG_E_DICOM, "cannot store the decoded pixels", c);
	return PDG_OK;
}

} // namespace

extern "C" int pdg_pix_lossy_syntax(const char *ts)
{
	for (size_t i = 0; lossless_syntaxes[i]; i++)
		if (!strcmp(ts, lossless_syntaxes[i]))
			return 0;
	return 1;
}

extern "C" enum pdg_code pdg_pix_decode(struct pdg_dcm *dcm, struct pdg_pix_image *img,
					struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmDataset *ds = dcm->ff.getDataset();
	DcmPixelData *pd = pixel_data(ds);
	E_TransferSyntax x = dcm->xfer;
	DcmXfer xf(x);
	enum pdg_code rc;
	OFCondition c;

	*img = pdg_pix_image{};
	if (!pd)
		return pdg_err_set(err, PDG_E_NOTFOUND, "the instance has no Pixel Data");
	if ((rc = header(ds, img, err)))
		return rc;
	if (xf.isEncapsulated()) {
		if (is_j2k(x)) {
			if ((rc = decode_j2k(ds, pd, x, img, err)))
				return rc;
		} else if (!dcmtk_decodes(x)) {
			return pdg_err_set(err, PDG_E_POLICY,
					   "no decoder here for pixel data in transfer syntax %s",
					   xf.getXferID());
		} else {
			c = ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
			if (c.bad() || !ds->hasRepresentation(EXS_LittleEndianExplicit, NULL))
				return pdg_err_set(err, PDG_E_DICOM,
						   "cannot decode pixel data in transfer syntax %s",
						   xf.getXferID());
		}
		/* the decoder may have changed the photometric interpretation (YBR -> RGB) */
		if ((rc = header(ds, img, err)))
			return rc;
	} else {
		c = pd->loadAllDataIntoMemory();
		if (c.bad())
			return fail(err, PDG_E_DICOM, "cannot load the pixel data", c);
	}
	pd->removeAllButCurrentRepresentations();
	dcm->xfer = EXS_LittleEndianExplicit; /* never written back in a lossy syntax */
	if (!plain_photometric(img->photometric, img->spp))
		return pdg_err_set(err, PDG_E_POLICY,
				   "photometric interpretation %s with %u samples is not supported",
				   img->photometric[0] ? img->photometric : "(none)",
				   (unsigned)img->spp);
	Uint8 *data = NULL;
	c = pd->getUint8Array(data);
	if (c.bad() || !data)
		return fail(err, PDG_E_DICOM, "cannot read the native pixels", c);
	if (pd->getLength() < img->len)
		return pdg_err_set(err, PDG_E_POLICY,
				   "pixel data shorter than Rows x Columns x Samples x Frames");
	img->data = data;
	return PDG_OK;
	PDG_DCM_CATCH(err)
}

namespace {

enum pdg_code encode_j2k(struct pdg_dcm *dcm, struct pdg_err *err)
{
	DcmDataset *ds = dcm->ff.getDataset();
	DcmPixelData *pd = pixel_data(ds);
	struct pdg_pix_image img;
	Uint8 *data = NULL;
	enum pdg_code rc;

	if (!pd)
		return pdg_err_set(err, PDG_E_NOTFOUND, "the instance has no Pixel Data");
	if ((rc = header(ds, &img, err)))
		return rc;
	if (pd->getUint8Array(data).bad() || !data || pd->getLength() < img.len)
		return pdg_err_set(err, PDG_E_INTERNAL, "encode before decode");
	DcmPixelSequence *seq = new DcmPixelSequence(DCM_PixelSequenceTag);
	DcmPixelItem *table = new DcmPixelItem(DCM_PixelItemTag);
	std::vector<Uint8> offsets;
	Uint32 pos = 0;
	seq->insert(table);
	for (uint32_t f = 0; f < img.frames; f++) {
		uint8_t *cs = NULL;
		size_t n = 0;
		if ((rc = pdg_j2k_encode(data + (size_t)f * img.frame_bytes, &img, &cs, &n, err))) {
			delete seq;
			return rc;
		}
		size_t padded = n + (n & 1); /* fragments have even length: pad with a zero byte */
		std::vector<Uint8> frag(cs, cs + n);
		free(cs);
		frag.resize(padded, 0);
		DcmPixelItem *item = new DcmPixelItem(DCM_PixelItemTag);
		seq->insert(item);
		if (item->putUint8Array(frag.data(), (Uint32)padded).bad()) {
			delete seq;
			return pdg_err_set(err, PDG_E_DICOM, "cannot store a JPEG 2000 fragment");
		}
		for (int b = 0; b < 4; b++)
			offsets.push_back((Uint8)(pos >> (8 * b)));
		pos += (Uint32)(8 + padded);
	}
	if (table->putUint8Array(offsets.data(), (Uint32)offsets.size()).bad()) {
		delete seq;
		return pdg_err_set(err, PDG_E_DICOM, "cannot store the basic offset table");
	}
	if (img.spp == 3 && ds->putAndInsertUint16(DCM_PlanarConfiguration, 0).bad()) {
		delete seq;
		return pdg_err_set(err, PDG_E_DICOM, "cannot update the image header");
	}
	pd->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, NULL, seq);
	dcm->xfer = EXS_JPEG2000LosslessOnly;
	return PDG_OK;
}

} // namespace

extern "C" enum pdg_code pdg_pix_encode(struct pdg_dcm *dcm, const char *ts, struct pdg_err *err)
{
	PDG_DCM_TRY
	DcmDataset *ds = dcm->ff.getDataset();
	E_TransferSyntax x = DcmXfer(ts).getXfer();
	DJ_RPLossless jpeg(1, 0);
	DJLSRepresentationParameter jpls(0, OFTrue);
	DcmRepresentationParameter *param = NULL;

	if (dcm->xfer != EXS_LittleEndianExplicit)
		return pdg_err_set(err, PDG_E_INTERNAL, "pixels encoded twice or never decoded");
	switch (x) {
	case EXS_LittleEndianExplicit:
	case EXS_LittleEndianImplicit:
		dcm->xfer = x;
		return PDG_OK;
	case EXS_JPEG2000LosslessOnly:
		return encode_j2k(dcm, err);
	case EXS_RLELossless:
		break;
	case EXS_JPEGProcess14:
	case EXS_JPEGProcess14SV1:
		param = &jpeg;
		break;
	case EXS_JPEGLSLossless:
		param = &jpls;
		break;
	default:
		return pdg_err_set(err, PDG_E_POLICY,
				   "transfer syntax %s is not a lossless one pdigate encodes", ts);
	}
	OFCondition c = ds->chooseRepresentation(x, param);
	if (c.bad() || !ds->hasRepresentation(x, param)) {
		/* leave the object native: the caller may still write it uncompressed */
		(void)ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
		return pdg_err_set(err, PDG_E_DICOM, "cannot encode the pixels in %s: %s", ts,
				   c.bad() ? c.text() : "no codec");
	}
	DcmPixelData *pd = pixel_data(ds);
	if (pd)
		pd->removeAllButCurrentRepresentations();
	dcm->xfer = x;
	return PDG_OK;
	PDG_DCM_CATCH(err)
}
