/* SPDX-License-Identifier: MIT */
/* Unit tests for signify key and signature formats, signing and verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/crypto/signify.h"

/* A key pair made by `signify-openbsd -G -n`, with a signature of "hello\n" by it. */
static const char sec_text[] =
	"untrusted comment: signify secret key\n"
	"RWRCSwAAAABsvS2qUL6/8anew56iK+EwE0TdCo+q6kRJCxR9LfOjSeOKsEgacwvNGjpM8FB1p29KWGeyWmRB54flPynxVelEi+2olpHJSFBlaOd7sJaBTr8XZ22WboG06p/x9fBjXek=\n";
static const char pub_text[] =
	"untrusted comment: signify public key\n"
	"RWRJCxR9LfOjSYvtqJaRyUhQZWjne7CWgU6/F2dtlm6BtOqf8fXwY13p\n";
static const char sig_text[] =
	"untrusted comment: verify with s.pub\n"
	"RWRJCxR9LfOjSaRziOYTcU4QJ9MgzYJx+P+SA59PMS93VtZmvM8B1iWW/mzRKsdTtQdar9DZNvmHldaJcYhkV7uyJjci9RdH/AI=\n";

static void known_key_signs_and_verifies(void **state)
{
	struct pdg_signify_sec sec;
	struct pdg_signify_pub pub;
	struct pdg_signify_sig sig, mine;
	char out[1200];

	(void)state;
	assert_int_equal(pdg_signify_sec_parse(sec_text, strlen(sec_text), &sec, NULL), PDG_OK);
	assert_int_equal(pdg_signify_pub_parse(pub_text, strlen(pub_text), &pub, NULL), PDG_OK);
	assert_int_equal(pdg_signify_sig_parse(sig_text, strlen(sig_text), &sig, NULL), PDG_OK);
	assert_memory_equal(sec.keynum, pub.keynum, 8);
	assert_memory_equal(sec.pub, pub.key, 32);
	assert_int_equal(pdg_signify_verify(&pub, &sig, "hello\n", 6, NULL), PDG_OK);
	assert_int_equal(pdg_signify_verify(&pub, &sig, "hellp\n", 6, NULL), PDG_E_CRYPTO);
	/* Ed25519 is deterministic: the same bytes as the stored signature. */
	assert_int_equal(pdg_signify_sign(&sec, "hello\n", 6, &mine, NULL), PDG_OK);
	assert_memory_equal(mine.sig, sig.sig, 64);
	assert_int_equal(pdg_signify_sig_format(&mine, "verify with s.pub", out, sizeof(out), NULL),
		PDG_OK);
	assert_string_equal(out, sig_text);
	assert_int_equal(pdg_signify_pub_format(&pub, NULL, out, sizeof(out), NULL), PDG_OK);
	assert_string_equal(out, pub_text);
	pdg_signify_sec_wipe(&sec);
}

static void wrong_key_number_is_reported(void **state)
{
	struct pdg_signify_pub pub;
	struct pdg_signify_sig sig;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_signify_pub_parse(pub_text, strlen(pub_text), &pub, NULL), PDG_OK);
	assert_int_equal(pdg_signify_sig_parse(sig_text, strlen(sig_text), &sig, NULL), PDG_OK);
	sig.keynum[0] ^= 1;
	assert_int_equal(pdg_signify_verify(&pub, &sig, "hello\n", 6, &err), PDG_E_CRYPTO);
	assert_string_equal(err.msg, "signature made with a different key");
}

static void malformed_files_are_rejected(void **state)
{
	char buf[512];
	struct pdg_signify_pub pub;
	struct pdg_signify_sec sec;
	size_t n = strlen(pub_text);

	(void)state;
	/* no comment header; trailing data; missing final newline; bad base64 */
	assert_int_equal(pdg_signify_pub_parse(pub_text + 10, n - 10, &pub, NULL), PDG_E_INVALID);
	snprintf(buf, sizeof(buf), "%sx", pub_text);
	assert_int_equal(pdg_signify_pub_parse(buf, n + 1, &pub, NULL), PDG_E_INVALID);
	assert_int_equal(pdg_signify_pub_parse(pub_text, n - 1, &pub, NULL), PDG_E_INVALID);
	memcpy(buf, pub_text, n + 1);
	buf[n - 3] = '*';
	assert_int_equal(pdg_signify_pub_parse(buf, n, &pub, NULL), PDG_E_INVALID);
	/* a signature is not a public key (length differs) */
	assert_int_equal(pdg_signify_pub_parse(sig_text, strlen(sig_text), &pub, NULL),
		PDG_E_INVALID);
	/* a changed secret key byte breaks the checksum */
	memcpy(buf, sec_text, sizeof(sec_text));
	buf[strlen("untrusted comment: signify secret key\n") + 80] ^= 'A' ^ 'B';
	assert_int_not_equal(pdg_signify_sec_parse(buf, strlen(buf), &sec, NULL), PDG_OK);
}

static void encrypted_secret_keys_are_refused(void **state)
{
	struct pdg_signify_sec sec = { 0 }, parsed;
	char text[1200], *b64;
	struct pdg_err err;

	(void)state;
	assert_int_equal(pdg_signify_sec_format(&sec, "x", text, sizeof(text), NULL), PDG_OK);
	/* kdfrounds is bytes 4..7 of the blob: base64 characters 5..10; set rounds = 42. */
	b64 = strchr(text, '\n') + 1;
	memcpy(b64, "RWRCSwAAACo", 11);
	assert_int_equal(pdg_signify_sec_parse(text, strlen(text), &parsed, &err), PDG_E_POLICY);
	assert_non_null(strstr(err.msg, "passphrase"));
}

static void keygen_files_round_trip(void **state)
{
	char dir[] = "/tmp/pdg-signify-XXXXXX", sec[128], pub[128], msg[128], sig[128];
	struct pdg_signify_pub p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sec, sizeof(sec), "%s/k.sec", dir);
	snprintf(pub, sizeof(pub), "%s/k.pub", dir);
	snprintf(msg, sizeof(msg), "%s/m", dir);
	snprintf(sig, sizeof(sig), "%s/m.sig", dir);
	assert_int_equal(pdg_signify_keygen(sec, pub, "pdigate test", &p, NULL), PDG_OK);
	assert_int_equal(pdg_signify_keygen(sec, pub, NULL, NULL, NULL), PDG_E_EXISTS);
	f = fopen(msg, "w");
	assert_non_null(f);
	fputs("manifest bytes", f);
	fclose(f);
	assert_int_equal(pdg_signify_sign_file(sec, msg, sig, NULL, NULL), PDG_OK);
	assert_int_equal(pdg_signify_verify_file(pub, msg, sig, NULL), PDG_OK);
	assert_int_equal(pdg_signify_verify_buf(pub, "manifest bytez", 14, sig, NULL), PDG_E_CRYPTO);
	unlink(sig);
	unlink(msg);
	unlink(pub);
	unlink(sec);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_key_signs_and_verifies),
		cmocka_unit_test(wrong_key_number_is_reported),
		cmocka_unit_test(malformed_files_are_rejected),
		cmocka_unit_test(encrypted_secret_keys_are_refused),
		cmocka_unit_test(keygen_files_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
