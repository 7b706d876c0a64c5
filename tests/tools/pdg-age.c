/* SPDX-License-Identifier: MIT */
/* Test tool over lib/crypto/age: keygen, encrypt and decrypt, for interop tests with age(1). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/crypto/age.h"

#define MAX_KEYS 16

static const char usage[] =
	"usage: pdg-age keygen -o <identity-file>\n"
	"       pdg-age recipient <identity-file>\n"
	"       pdg-age encrypt (-r <recipient>... | -p-file <file> [-n <log2N>]) [-o <out>] [<in>]\n"
	"       pdg-age decrypt (-i <identity-file>... | -p-file <file>) [-o <out>] [<in>]\n";

static int die(const struct pdg_err *err)
{
	fprintf(stderr, "pdg-age: %s\n", err->msg);
	return 1;
}

/* The first line of a file, without its newline, into buf. */
static int read_pass(const char *path, char *buf, size_t sz, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		fprintf(stderr, "pdg-age: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sz - 1, f);
	fclose(f);
	buf[n] = '\0';
	*len = strcspn(buf, "\r\n");
	buf[*len] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	const char *recips[MAX_KEYS], *idptr[MAX_KEYS * 4], *out = NULL, *in = NULL;
	static char ids[MAX_KEYS * 4][PDG_AGE_IDENTITY_LEN + 1];
	char pass[PDG_AGE_MAX_PASSPHRASE + 2], rcpt[PDG_AGE_RECIPIENT_LEN + 1];
	size_t n_recips = 0, n_ids = 0, passlen = 0;
	struct pdg_err err = { 0 };
	enum pdg_code rc;
	unsigned log2n = 0;
	int have_pass = 0, in_fd = 0, out_fd = 1, i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "recipient") == 0 && argc == 3) {
		size_t n = 0;

		if (pdg_age_identities_read(argv[2], ids, MAX_KEYS, &n, &err) ||
		    pdg_age_identity_recipient(ids[0], rcpt, &err))
			return die(&err);
		OPENSSL_cleanse(ids, sizeof(ids));
		puts(rcpt);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && strcmp(a, "-r") == 0 && n_recips < MAX_KEYS) {
			recips[n_recips++] = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "-i") == 0) {
			size_t n = 0;

			if (pdg_age_identities_read(argv[++i], ids + n_ids, MAX_KEYS, &n, &err))
				return die(&err);
			n_ids += n;
		} else if (i + 1 < argc && strcmp(a, "-p-file") == 0) {
			if (read_pass(argv[++i], pass, sizeof(pass), &passlen))
				return 1;
			have_pass = 1;
		} else if (i + 1 < argc && strcmp(a, "-n") == 0) {
			log2n = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (i + 1 < argc && strcmp(a, "-o") == 0) {
			out = argv[++i];
		} else if (a[0] != '-' && !in) {
			in = a;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (strcmp(argv[1], "keygen") == 0) {
		if (!out) {
			fputs(usage, stderr);
			return 2;
		}
		if (pdg_age_keygen_file(out, rcpt, &err))
			return die(&err);
		puts(rcpt);
		return 0;
	}
	if (in && (in_fd = open(in, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "pdg-age: cannot open '%s': %s\n", in, strerror(errno));
		return 1;
	}
	if (out && (out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "pdg-age: cannot create '%s': %s\n", out, strerror(errno));
		return 1;
	}
	for (size_t k = 0; k < n_ids; k++)
		idptr[k] = ids[k];
	if (strcmp(argv[1], "encrypt") == 0) {
		struct pdg_age_to to = { .recipients = recips, .n_recipients = n_recips,
			.passphrase = have_pass ? pass : NULL, .passphrase_len = passlen,
			.scrypt_log2n = log2n };

		rc = pdg_age_encrypt_fd(in_fd, out_fd, &to, &err);
	} else if (strcmp(argv[1], "decrypt") == 0) {
		struct pdg_age_from from = { .identities = idptr, .n_identities = n_ids,
			.passphrase = have_pass ? pass : NULL, .passphrase_len = passlen };

		rc = pdg_age_decrypt_fd(in_fd, out_fd, &from, NULL, &err);
	} else {
		fputs(usage, stderr);
		return 2;
	}
	OPENSSL_cleanse(ids, sizeof(ids));
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc) {
		if (out)
			unlink(out);
		return die(&err);
	}
	if (out_fd != 1 && close(out_fd) != 0) {
		fprintf(stderr, "pdg-age: cannot close '%s': %s\n", out, strerror(errno));
		return 1;
	}
	return 0;
}
