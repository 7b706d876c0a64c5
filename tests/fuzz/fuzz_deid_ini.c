/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary bytes as a project INI for the de-identification engine. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "appliance/deid/deid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[PDG_SECRET_BYTES] = { 0x33 };
	static const char *const profiles[] = { "ps315-basic", "jp-pseudonymized",
						"jp-anonymized" };
	char path[] = "/tmp/pdg-fuzz-deid-ini.XXXXXX";
	struct pdg_deid_ctx ctx;
	struct pdg_err err;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (pdg_deid_ctx_init_with(&ctx, profiles[size % 3], path, secret, &err) == PDG_OK) {
		/* every resolved rule is a valid action */
		for (uint32_t g = 0; g < 0x10; g++)
			if (pdg_deid_rule_for(&ctx, (g << 16) | 0x0010, NULL).act >= PDG_ACT_MAX)
				abort();
	}
	pdg_deid_ctx_release(&ctx);
	unlink(path);
	return 0;
}
