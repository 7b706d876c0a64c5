/* SPDX-License-Identifier: MIT */
/*
 * Pixel Data in memory for the Clean Pixel Data option: decode every frame of an object to
 * native pixels (DCMTK's RLE, JPEG and JPEG-LS codecs; OpenJPEG for JPEG 2000), let the caller
 * edit them, and encode them again losslessly (or leave them native). Never lossy. The pixel
 * values themselves are PHI-free numbers, but messages never carry attribute values anyway.
 */
#ifndef PDG_PIXELS_H
#define PDG_PIXELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "lib/err.h"

struct pdg_dcm;

#define PDG_PIX_MAX_FRAMES 100000u
#define PDG_PIX_MAX_SIDE 65535u

/* The image after pdg_pix_decode: native pixels, little-endian, frame after frame. */
struct pdg_pix_image {
	uint32_t rows, cols, frames;
	uint16_t spp;          /* samples per pixel: 1 or 3 */
	uint16_t bits_alloc;   /* 8, 16 or 32 */
	uint16_t bits_stored;
	uint16_t high_bit;
	uint16_t pixel_rep;    /* 0 unsigned, 1 two's complement */
	uint16_t planar;       /* 0 colour-by-pixel, 1 colour-by-plane (spp 3 only) */
	char photometric[17];  /* after decoding: JPEG YBR inputs come out RGB */
	uint8_t *data;         /* owned by the object: valid until it is modified or freed */
	size_t frame_bytes;    /* rows * cols * spp * bits_alloc / 8 */
	size_t len;            /* frames * frame_bytes (bytes beyond it, if any, are padding) */
};

/*
 * Decode the Pixel Data of dcm to native pixels held in the object, drop every other
 * representation, and describe them in *img. From here on the object is native (explicit VR
 * little endian) until pdg_pix_encode: it can never be written back in a lossy syntax by
 * accident. No Pixel Data: PDG_E_NOTFOUND. A syntax without a codec here (MPEG, HTJ2K...),
 * Bits Allocated 1, or pixel data shorter than the header says: PDG_E_POLICY with a message
 * naming the transfer syntax or the attribute (never values). Decoder failure: PDG_E_DICOM.
 */
PDG_MUST_CHECK enum pdg_code pdg_pix_decode(struct pdg_dcm *dcm, struct pdg_pix_image *img,
					    struct pdg_err *err);

/*
 * Encode the native pixels of a decoded object in transfer_syntax, which must be lossless:
 * native ones (1.2.840.10008.1.2, .1.2.1), RLE (1.2.5), JPEG lossless (4.57, 4.70), JPEG-LS
 * lossless (4.80) or JPEG 2000 reversible (4.90, through OpenJPEG). Anything else:
 * PDG_E_POLICY. Afterwards pdg_dcm_write(dcm, path, NULL, ...) writes that syntax.
 */
PDG_MUST_CHECK enum pdg_code pdg_pix_encode(struct pdg_dcm *dcm, const char *transfer_syntax,
					    struct pdg_err *err);

/* 1 if transfer_syntax may lose information (JPEG baseline/extended, JPEG-LS near-lossless,
 * JPEG 2000 (4.91), MPEG, HTJ2K lossy...), 0 if it is known lossless. */
int pdg_pix_lossy_syntax(const char *transfer_syntax);

/*
 * JPEG 2000 through OpenJPEG (pdi/dicom/j2k.c, plain C). Decode one codestream (or JP2) into
 * out (frame_bytes of colour-by-pixel samples of bits_alloc/8 bytes, little-endian); the
 * stream must have exactly img->spp components of img->rows x img->cols. Encode one frame
 * reversibly (5/3 wavelet, no quantisation, no colour transform): *out is malloc'd, free it.
 */
PDG_MUST_CHECK enum pdg_code pdg_j2k_decode(const uint8_t *cs, size_t n,
					    const struct pdg_pix_image *img, uint8_t *out,
					    struct pdg_err *err);
PDG_MUST_CHECK enum pdg_code pdg_j2k_encode(const uint8_t *frame, const struct pdg_pix_image *img,
					    uint8_t **out, size_t *n, struct pdg_err *err);

#ifdef __cplusplus
}
#endif

#endif
