/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: parse arbitrary bytes as signify public key, signature and secret key. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/crypto/signify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdg_signify_pub pub;
	struct pdg_signify_sig sig;
	struct pdg_signify_sec sec;
	struct pdg_err err;

	if (pdg_signify_pub_parse((const char *)data, size, &pub, &err) == PDG_OK &&
	    pdg_signify_sig_parse((const char *)data, size, &sig, &err) == PDG_OK)
		abort(); /* the two blobs differ in length: one text cannot be both */
	if (pdg_signify_sec_parse((const char *)data, size, &sec, &err) == PDG_OK)
		pdg_signify_sec_wipe(&sec);
	return 0;
}
