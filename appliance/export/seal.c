/* SPDX-License-Identifier: MIT */
/* Two age layers in one streaming pass, each on a thread of its own (DESIGN.md "Seal"). */
#include <stdlib.h>
#include <string.h>

#include "appliance/export/pipe.h"
#include "appliance/export/seal.h"

/*
 * The caller's bytes → pipe → inner thread: inner layer → pipe → outer thread: outer layer →
 * write. The layers' last chunks are encrypted on the caller's thread once the pipes are
 * drained and their threads ended.
 */
struct pdg_seal {
	struct pdg_age_enc *outer, *inner;
	struct pdg_xpipe *to_inner, *to_outer;
	struct pdg_xs_times *xs;            /* the caller's thread */
	struct pdg_seal_times *times;       /* the layer threads' own recorders */
	uint64_t bytes;
};

/* On the outer thread: the inner layer's ciphertext through the outer layer. */
static enum pdg_code outer_sink(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_seal *s = ctx;
	enum pdg_code rc;

	pdg_xs_enter(&s->times->outer, PDG_XS_OUTER);
	rc = pdg_age_encrypt_update(s->outer, buf, len, err);
	pdg_xs_leave(&s->times->outer);
	return rc;
}

/* On the inner thread: plaintext through the inner layer. */
static enum pdg_code inner_sink(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_seal *s = ctx;
	enum pdg_code rc;

	pdg_xs_enter(&s->times->inner, PDG_XS_INNER);
	rc = pdg_age_encrypt_update(s->inner, buf, len, err);
	pdg_xs_leave(&s->times->inner);
	return rc;
}

enum pdg_code pdg_seal_open(struct pdg_seal **out, const char *passphrase,
			    const char *const *recipients, size_t nrecipients,
			    pdg_age_write_fn write, void *wctx, struct pdg_xs_times *xs,
			    struct pdg_seal_times *times, struct pdg_err *err)
{
	const struct pdg_age_to outer_to = { .recipients = recipients, .n_recipients = nrecipients };
	const struct pdg_age_to inner_to = { .passphrase = passphrase,
					     .passphrase_len = strlen(passphrase),
					     .scrypt_log2n = PDG_AGE_SCRYPT_TOKEN_LOG2N };
	struct pdg_seal *s;
	enum pdg_code rc;

	*out = s = calloc(1, sizeof(*s));
	if (!s)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	s->xs = xs;
	s->times = times;
	*times = (struct pdg_seal_times){ 0 };
	pdg_xs_start(&times->inner);
	pdg_xs_start(&times->outer);
	/* the headers: outer first (it goes out first), then the inner one through the outer */
	pdg_xs_enter(xs, PDG_XS_OUTER);
	rc = pdg_age_encrypt_init(&s->outer, &outer_to, write, wctx, err);
	pdg_xs_leave(xs);
	if (!rc)
		rc = pdg_xpipe_start(&s->to_outer, outer_sink, s, "pdg-outer-age", err);
	pdg_xs_enter(xs, PDG_XS_INNER);
	if (!rc)
		rc = pdg_age_encrypt_init(&s->inner, &inner_to, pdg_xpipe_write, s->to_outer, err);
	pdg_xs_leave(xs);
	if (!rc)
		rc = pdg_xpipe_start(&s->to_inner, inner_sink, s, "pdg-inner-age", err);
	return rc;
}

enum pdg_code pdg_seal_write(void *seal, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_seal *s = seal;
	enum pdg_code rc;

	pdg_xs_enter(s->xs, PDG_XS_INNER);
	rc = pdg_xpipe_write(s->to_inner, buf, len, err);
	pdg_xs_leave(s->xs);
	s->bytes += len;
	return rc;
}

enum pdg_code pdg_seal_finish(struct pdg_seal *s, struct pdg_err *err)
{
	enum pdg_code rc;

	/* each thread has ended before its layer's last chunk is made here */
	pdg_xs_enter(s->xs, PDG_XS_INNER);
	rc = pdg_xpipe_finish(s->to_inner, err);
	if (!rc)
		rc = pdg_age_encrypt_final(s->inner, err);
	pdg_xs_leave(s->xs);
	pdg_xs_enter(s->xs, PDG_XS_OUTER);
	if (!rc)
		rc = pdg_xpipe_finish(s->to_outer, err);
	if (!rc)
		rc = pdg_age_encrypt_final(s->outer, err);
	pdg_xs_leave(s->xs);
	s->times->inner_waited = pdg_xpipe_waited(s->to_inner);
	s->times->outer_waited = pdg_xpipe_waited(s->to_outer);
	pdg_xs_stop(&s->times->inner);
	pdg_xs_stop(&s->times->outer);
	return rc;
}

uint64_t pdg_seal_bytes(const struct pdg_seal *s)
{
	return s->bytes;
}

void pdg_seal_free(struct pdg_seal *s)
{
	if (!s)
		return;
	/* threads first: they use the layers */
	pdg_xpipe_stop(s->to_inner);
	pdg_xpipe_stop(s->to_outer);
	pdg_age_encrypt_free(s->inner);
	pdg_age_encrypt_free(s->outer);
	free(s);
}
