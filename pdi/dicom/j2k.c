/* SPDX-License-Identifier: MIT */
/* JPEG 2000 frames through OpenJPEG: DCMTK 3.6.7 has no JPEG 2000 codec (pixels.h). */
#include <stdlib.h>
#include <string.h>

#include <openjpeg.h>

#include "pdi/dicom/pixels.h"

struct mem {
	uint8_t *p;
	size_t n, pos, cap;
};

static OPJ_SIZE_T mem_read(void *buf, OPJ_SIZE_T nb, void *user)
{
	struct mem *m = user;
	size_t k;

	if (m->pos >= m->n)
		return (OPJ_SIZE_T)-1;
	k = m->n - m->pos < nb ? m->n - m->pos : nb;
	memcpy(buf, m->p + m->pos, k);
	m->pos += k;
	return k;
}

static OPJ_SIZE_T mem_write(void *buf, OPJ_SIZE_T nb, void *user)
{
	struct mem *m = user;

	if (m->pos + nb > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		uint8_t *p;
		while (cap < m->pos + nb)
			cap *= 2;
		p = realloc(m->p, cap);
		if (!p)
			return (OPJ_SIZE_T)-1;
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->pos, buf, nb);
	m->pos += nb;
	if (m->pos > m->n)
		m->n = m->pos;
	return nb;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T nb, void *user)
{
	struct mem *m = user;

	if (nb < 0 && (size_t)-nb > m->pos)
		return -1;
	m->pos = (size_t)((OPJ_OFF_T)m->pos + nb);
	return nb;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T to, void *user)
{
	struct mem *m = user;

	if (to < 0)
		return OPJ_FALSE;
	m->pos = (size_t)to;
	return OPJ_TRUE;
}

static void quiet(const char *msg, void *user)
{
	(void)msg, (void)user; /* libraries never print */
}

static opj_stream_t *mem_stream(struct mem *m, int input)
{
	opj_stream_t *s = opj_stream_create(65536, input ? OPJ_TRUE : OPJ_FALSE);

	if (!s)
		return NULL;
	opj_stream_set_user_data(s, m, NULL);
	opj_stream_set_skip_function(s, mem_skip);
	opj_stream_set_seek_function(s, mem_seek);
	if (input) {
		opj_stream_set_read_function(s, mem_read);
		opj_stream_set_user_data_length(s, m->n);
	} else {
		opj_stream_set_write_function(s, mem_write);
	}
	return s;
}

static void quiet_codec(opj_codec_t *c)
{
	opj_set_info_handler(c, quiet, NULL);
	opj_set_warning_handler(c, quiet, NULL);
	opj_set_error_handler(c, quiet, NULL);
}

static void put_sample(uint8_t *out, unsigned bytes, int32_t v)
{
	for (unsigned b = 0; b < bytes; b++)
		out[b] = (uint8_t)((uint32_t)v >> (8 * b));
}

static int32_t get_sample(const uint8_t *in, unsigned bytes, unsigned bits, int is_signed)
{
	uint32_t u = 0;

	for (unsigned b = 0; b < bytes; b++)
		u |= (uint32_t)in[b] << (8 * b);
	if (bits < 32)
		u &= (1u << bits) - 1;
	if (is_signed && bits < 32 && (u & (1u << (bits - 1))))
		return (int32_t)(u | ~((1u << bits) - 1));
	return (int32_t)u;
}

enum pdg_code pdg_j2k_decode(const uint8_t *cs, size_t n, const struct pdg_pix_image *img,
			     uint8_t *out, struct pdg_err *err)
{
	static const uint8_t jp2_sig[] = { 0, 0, 0, 12, 'j', 'P', ' ', ' ' };
	struct mem m = { .p = (uint8_t *)cs, .n = n };
	opj_dparameters_t p;
	opj_image_t *im = NULL;
	opj_codec_t *codec;
	opj_stream_t *s;
	enum pdg_code rc = PDG_OK;
	unsigned bytes = img->bits_alloc / 8u;

	if (n < 12)
		return pdg_err_set(err, PDG_E_DICOM, "JPEG 2000 frame too short");
	codec = opj_create_decompress(memcmp(cs, jp2_sig, 8) ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
	s = mem_stream(&m, 1);
	if (!codec || !s) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory for the JPEG 2000 decoder");
		goto out;
	}
	quiet_codec(codec);
	opj_set_default_decoder_parameters(&p);
	if (!opj_setup_decoder(codec, &p) || !opj_read_header(s, codec, &im) ||
	    !opj_decode(codec, s, im) || !opj_end_decompress(codec, s)) {
		rc = pdg_err_set(err, PDG_E_DICOM, "OpenJPEG cannot decode a JPEG 2000 frame");
		goto out;
	}
	if (im->numcomps != img->spp) {
		rc = pdg_err_set(err, PDG_E_POLICY, "JPEG 2000 frame has %u components, header %u",
				 im->numcomps, (unsigned)img->spp);
		goto out;
	}
	for (unsigned c = 0; c < im->numcomps; c++) {
		const opj_image_comp_t *k = &im->comps[c];
		if (k->w != img->cols || k->h != img->rows || k->dx != 1 || k->dy != 1 ||
		    !k->data || k->prec > img->bits_alloc) {
			rc = pdg_err_set(err, PDG_E_POLICY,
					 "JPEG 2000 frame does not match Rows, Columns or Bits Allocated");
			goto out;
		}
	}
	for (size_t i = 0, np = (size_t)img->rows * img->cols; i < np; i++)
		for (unsigned c = 0; c < img->spp; c++)
			put_sample(out + (i * img->spp + c) * bytes, bytes, im->comps[c].data[i]);
out:
	if (im)
		opj_image_destroy(im);
	if (s)
		opj_stream_destroy(s);
	if (codec)
		opj_destroy_codec(codec);
	return rc;
}

enum pdg_code pdg_j2k_encode(const uint8_t *frame, const struct pdg_pix_image *img, uint8_t **out,
			     size_t *n, struct pdg_err *err)
{
	opj_image_cmptparm_t cp[3];
	opj_cparameters_t p;
	opj_image_t *im = NULL;
	opj_codec_t *codec = NULL;
	opj_stream_t *s = NULL;
	struct mem m = { 0 };
	enum pdg_code rc = PDG_OK;
	unsigned bytes = img->bits_alloc / 8u, res = 1;
	size_t np = (size_t)img->rows * img->cols;

	*out = NULL;
	*n = 0;
	if (img->bits_stored > 24 || img->high_bit + 1u != img->bits_stored)
		return pdg_err_set(err, PDG_E_POLICY, "JPEG 2000 needs Bits Stored <= 24, High Bit = "
				   "Bits Stored - 1");
	while (res < 6 && (1u << res) <= img->rows && (1u << res) <= img->cols)
		res++;
	memset(cp, 0, sizeof(cp));
	for (unsigned c = 0; c < img->spp; c++) {
		cp[c].dx = cp[c].dy = 1;
		cp[c].w = img->cols;
		cp[c].h = img->rows;
		cp[c].prec = img->bits_stored;
		cp[c].sgnd = img->pixel_rep ? 1 : 0;
	}
	im = opj_image_create(img->spp, cp, img->spp == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
	codec = opj_create_compress(OPJ_CODEC_J2K);
	s = mem_stream(&m, 0);
	if (!im || !codec || !s) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory for the JPEG 2000 encoder");
		goto out;
	}
	im->x0 = im->y0 = 0;
	im->x1 = img->cols;
	im->y1 = img->rows;
	for (size_t i = 0; i < np; i++)
		for (unsigned c = 0; c < img->spp; c++) {
			size_t at = img->planar ? c * np + i : i * img->spp + c;
			im->comps[c].data[i] = get_sample(frame + at * bytes, bytes,
							  img->bits_stored, img->pixel_rep);
		}
	quiet_codec(codec);
	opj_set_default_encoder_parameters(&p);
	p.tcp_numlayers = 1;
	p.tcp_rates[0] = 0; /* no rate target: every bit kept */
	p.cp_disto_alloc = 1;
	p.irreversible = 0; /* 5/3 reversible wavelet */
	p.tcp_mct = 0;      /* no colour transform: Photometric Interpretation stays */
	p.numresolution = (int)res;
	if (!opj_setup_encoder(codec, &p, im) || !opj_start_compress(codec, im, s) ||
	    !opj_encode(codec, s) || !opj_end_compress(codec, s)) {
		rc = pdg_err_set(err, PDG_E_DICOM, "OpenJPEG cannot encode a frame");
		goto out;
	}
	*out = m.p;
	*n = m.n;
	m.p = NULL;
out:
	free(m.p);
	if (s)
		opj_stream_destroy(s);
	if (codec)
		opj_destroy_codec(codec);
	if (im)
		opj_image_destroy(im);
	return rc;
}
