/* SPDX-License-Identifier: MIT */
/* Sealing a package: ZIP → inner age layer (release secret) → outer age layer (data centers). */
#ifndef PDG_EXPORT_SEAL_H
#define PDG_EXPORT_SEAL_H

#include <stddef.h>

#include "appliance/export/stages.h"
#include "lib/crypto/age.h"
#include "lib/err.h"

struct pdg_seal;

/* Where the two layer threads spent their time (each recorder written by its thread only). */
struct pdg_seal_times {
	struct pdg_xs_times inner, outer;   /* PDG_XS_INNER / PDG_XS_OUTER: encrypting, including
					       waiting for the next stage to take the output */
	double inner_waited, outer_waited;  /* seconds the feeding side waited for a free buffer
					       of the inner / outer thread's pipe (pipe.h) */
};

/*
 * Start sealing: plaintext given to pdg_seal_write is encrypted first to the scrypt passphrase
 * recipient whose passphrase is the token's release secret text (PDG_AGE_SCRYPT_TOKEN_LOG2N),
 * and that ciphertext to the data-center X25519 recipients, the result going out through
 * write(wctx) as it is produced (both headers are written here, on this thread). Each layer
 * runs on a thread of its own, fed through a bounded pipe (pipe.h): write is called from the
 * outer layer's thread until pdg_seal_finish has returned, one call at a time. Memory: two
 * pipes and two age chunks. xs (may be NULL) is charged this thread's time in the seal (the
 * headers, handing bytes over, the last chunks); *times (filled here, read it after
 * pdg_seal_finish) the threads'. *out must be freed with pdg_seal_free, also after failures.
 */
PDG_MUST_CHECK enum pdg_code pdg_seal_open(struct pdg_seal **out, const char *passphrase,
					   const char *const *recipients, size_t nrecipients,
					   pdg_age_write_fn write, void *wctx,
					   struct pdg_xs_times *xs, struct pdg_seal_times *times,
					   struct pdg_err *err);

/* Seal len more bytes of plaintext (seal is a struct pdg_seal *; pdg_age_write_fn's shape). */
PDG_MUST_CHECK enum pdg_code pdg_seal_write(void *seal, const uint8_t *buf, size_t len,
					    struct pdg_err *err);

/*
 * Wait until both threads have encrypted everything, end them, and end both layers (the last
 * chunks go out through write, from this thread). A failure of write or of a layer is
 * returned here or by a pdg_seal_write.
 */
PDG_MUST_CHECK enum pdg_code pdg_seal_finish(struct pdg_seal *s, struct pdg_err *err);

/* Plaintext bytes sealed so far. */
uint64_t pdg_seal_bytes(const struct pdg_seal *s);

/* End the threads if they still run (abandoning what is queued), free s (NULL is fine); key
 * material is wiped. */
void pdg_seal_free(struct pdg_seal *s);

#endif
