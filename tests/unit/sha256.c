/* SPDX-License-Identifier: MIT */
/* Unit tests for the SHA-256 helpers: known answers, streaming equals one-shot, files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/crypto/sha256.h"

static void known_answers(void **state)
{
	uint8_t d[PDG_SHA256_BYTES];
	char hex[PDG_SHA256_HEX_LEN + 1];

	(void)state;
	assert_int_equal(pdg_sha256(d, "abc", 3, NULL), PDG_OK);
	pdg_sha256_hex(hex, d);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(pdg_sha256(d, "", 0, NULL), PDG_OK);
	pdg_sha256_hex(hex, d);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void file_digest_streams_past_one_block(void **state)
{
	char path[] = "/tmp/pdg-sha256-XXXXXX", hex[PDG_SHA256_HEX_LEN + 1];
	char hex2[PDG_SHA256_HEX_LEN + 1];
	size_t len = 200000;
	uint8_t *buf = malloc(len), d[PDG_SHA256_BYTES];
	uint64_t size = 0;
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(buf);
	assert_true(fd >= 0);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	assert_int_equal(pdg_sha256_file_hex(path, hex, &size, NULL), PDG_OK);
	assert_int_equal(size, len);
	assert_int_equal(pdg_sha256(d, buf, len, NULL), PDG_OK);
	pdg_sha256_hex(hex2, d);
	assert_string_equal(hex, hex2);
	unlink(path);
	assert_int_equal(pdg_sha256_file_hex(path, hex, &size, NULL), PDG_E_NOTFOUND);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(file_digest_streams_past_one_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
