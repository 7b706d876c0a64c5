/* SPDX-License-Identifier: MIT */
/* Two age layers in one streaming pass (DESIGN.md "Seal"). */
#include <stdlib.h>
#include <string.h>

#include "appliance/export/seal.h"

struct pdg_seal {
	struct pdg_age_enc *outer, *inner;
	struct pdg_xs_times *xs;
	uint64_t bytes;
};

/* The inner layer's output is the outer layer's input. */
static enum pdg_code to_outer(void *ctx, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_seal *s = ctx;
	enum pdg_code rc;

	pdg_xs_enter(s->xs, PDG_XS_OUTER);
	rc = pdg_age_encrypt_update(s->outer, buf, len, err);
	pdg_xs_leave(s->xs);
	return rc;
}

enum pdg_code pdg_seal_open(struct pdg_seal **out, const char *passphrase,
			    const char *const *recipients, size_t nrecipients,
			    pdg_age_write_fn write, void *wctx, struct pdg_xs_times *xs,
			    struct pdg_err *err)
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
	pdg_xs_enter(xs, PDG_XS_OUTER);
	rc = pdg_age_encrypt_init(&s->outer, &outer_to, write, wctx, err);
	pdg_xs_leave(xs);
	pdg_xs_enter(xs, PDG_XS_INNER);
	if (!rc)
		rc = pdg_age_encrypt_init(&s->inner, &inner_to, to_outer, s, err);
	pdg_xs_leave(xs);
	return rc;
}

enum pdg_code pdg_seal_write(void *seal, const uint8_t *buf, size_t len, struct pdg_err *err)
{
	struct pdg_seal *s = seal;
	enum pdg_code rc;

	pdg_xs_enter(s->xs, PDG_XS_INNER);
	rc = pdg_age_encrypt_update(s->inner, buf, len, err);
	pdg_xs_leave(s->xs);
	s->bytes += len;
	return rc;
}

enum pdg_code pdg_seal_finish(struct pdg_seal *s, struct pdg_err *err)
{
	enum pdg_code rc;

	pdg_xs_enter(s->xs, PDG_XS_INNER);
	rc = pdg_age_encrypt_final(s->inner, err);
	pdg_xs_leave(s->xs);
	if (rc)
		return rc;
	pdg_xs_enter(s->xs, PDG_XS_OUTER);
	rc = pdg_age_encrypt_final(s->outer, err);
	pdg_xs_leave(s->xs);
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
	pdg_age_encrypt_free(s->inner);
	pdg_age_encrypt_free(s->outer);
	free(s);
}
