/* SPDX-License-Identifier: MIT */
/* Unit tests for the center's part files: every shape of chunk lands byte-exact and hashed in order. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "center/server/partfile.h"

#define SIZE ((size_t)(5u << 20) + 4321u)

static char dir[64], path[96];
static uint8_t *data;

static int setup(void **state)
{
	uint32_t x = 2463534242u;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pdg-unit-part.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/1.part", dir);
	data = malloc(SIZE);
	if (!data)
		return -1;
	for (size_t i = 0; i < SIZE; i++) {     /* xorshift: no block repeats another */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (uint8_t)x;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	free(data);
	return 0;
}

/* The SHA-256 of md (finalised) equals that of the first n bytes of data. */
static void assert_hash(EVP_MD_CTX *md, size_t n)
{
	uint8_t a[32], b[32];
	unsigned la = 0, lb = 0;

	assert_int_equal(EVP_DigestFinal_ex(md, a, &la), 1);
	assert_int_equal(EVP_Digest(data, n, b, &lb, EVP_sha256(), NULL), 1);
	assert_memory_equal(a, b, 32);
}

/* The file holds exactly the first n bytes of data. */
static void assert_file(size_t n)
{
	struct stat sb;
	uint8_t *got = malloc(n + 1);
	int fd = open(path, O_RDONLY);
	size_t have = 0;
	ssize_t k;

	assert_non_null(got);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal((size_t)sb.st_size, n);
	while (have < n && (k = read(fd, got + have, n - have)) > 0)
		have += (size_t)k;
	close(fd);
	assert_int_equal(have, n);
	assert_memory_equal(got, data, n);
	free(got);
}

/*
 * Upload data in chunks of chunk bytes (the last one shorter), each handed over in pieces of
 * piece bytes (as MHD does), with bounce buffers (direct) or without; the hash state carries
 * over from chunk to chunk as the center's does.
 */
static void upload(size_t chunk, size_t piece, int direct)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t off = 0;

	assert_non_null(md);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	unlink(path);
	while (off < SIZE) {
		struct pdg_part p;
		size_t len = SIZE - off < chunk ? SIZE - off : chunk, done = 0;

		assert_true(pdg_part_open(&p, path) >= 0);
		assert_int_equal(pdg_part_start(&p, off, direct ? pdg_part_cap(off, len) : 0, md), 0);
		while (done < len) {
			size_t k = len - done < piece ? len - done : piece;

			assert_int_equal(pdg_part_write(&p, data + off + done, k), 0);
			done += k;
		}
		assert_int_equal(pdg_part_sync(&p), 0);
		pdg_part_close(&p);
		assert_int_equal(p.fd, -1);
		off += len;
	}
	assert_file(SIZE);
	assert_hash(md, SIZE);
	EVP_MD_CTX_free(md);
}

static void test_one_chunk(void **state)
{
	(void)state;
	upload(SIZE, 65536, 1);
	upload(SIZE, 16384 + 29, 1);
	upload(SIZE, SIZE, 1);
}

static void test_unaligned_chunks(void **state)
{
	(void)state;
	upload(1000003, 65536, 1);
	upload(65537, 4093, 1);
	upload(2500001, 100000, 1);
	upload(4095, 1000, 1);
}

static void test_aligned_chunks(void **state)
{
	(void)state;
	upload(PDG_PART_BLOCK, 65536, 1);
	upload(3 * PDG_PART_BLOCK, 65536, 1);
	upload(4096, 4096, 1);
}

static void test_buffered(void **state)
{
	(void)state;
	upload(SIZE, 65536, 0);
	upload(700001, 30000, 0);
}

/* A chunk cut short (the connection broke) and started again at an earlier offset: the file
 * is cut back, and the bytes written again replace the old ones. */
static void test_restart(void **state)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct pdg_part p;
	size_t off = 1234567;

	(void)state;
	assert_non_null(md);
	unlink(path);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_true(pdg_part_open(&p, path) >= 0);
	assert_int_equal(pdg_part_start(&p, 0, pdg_part_cap(0, SIZE), md), 0);
	assert_int_equal(pdg_part_write(&p, data, 3 * PDG_PART_BLOCK + 17), 0);
	pdg_part_close(&p);     /* no sync: as when the connection breaks */
	/* the center rehashes the first off bytes and starts there */
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, data, off), 1);
	assert_true(pdg_part_open(&p, path) >= 0);
	assert_int_equal(pdg_part_start(&p, off, pdg_part_cap(off, SIZE - off), md), 0);
	assert_int_equal(pdg_part_write(&p, data + off, SIZE - off), 0);
	assert_int_equal(pdg_part_sync(&p), 0);
	pdg_part_close(&p);
	assert_file(SIZE);
	assert_hash(md, SIZE);
	EVP_MD_CTX_free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aligned_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
