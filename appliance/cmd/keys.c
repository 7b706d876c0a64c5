/* SPDX-License-Identifier: MIT */
/* pdigate keys: show the appliance signing key (or make it on a home that has none). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "appliance/audit/hooks.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"
#include "lib/crypto/signify.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate keys [--home <dir>] [--generate]\n"
	"\n"
	"Show the appliance's public signing key: the file to give to the service center and the\n"
	"data centers (signify format: 'signify-openbsd -V -p <file>' checks package manifests\n"
	"with it) and its fingerprint, to compare over the telephone.\n"
	"\n"
	"  --generate   make the signing key if this home has none yet\n";

int cmd_keys(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "generate", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char sec[4200], pub[4200], hex[PDG_SHA256_HEX_LEN + 1];
	uint8_t d[PDG_SHA256_BYTES];
	struct pdg_signify_pub key;
	struct pdg_err err = { 0 };
	const char *home = NULL;
	int c, generate = 0, made = 0;
	char fpr[80];
	size_t flen;
	struct stat st;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 'g':
			generate = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	home = pdg_home_path(home);
	if (pdg_path_join(sec, sizeof(sec), home, PDG_HOME_SIGNING_SEC, &err) ||
	    pdg_path_join(pub, sizeof(pub), home, PDG_HOME_SIGNING_PUB, &err))
		goto fail;
	if (generate && stat(sec, &st)) {
		if (pdg_signify_keygen(sec, pub, "pdigate appliance key", &key, &err))
			goto fail;
		made = 1;
	}
	if (pdg_signify_pub_read(pub, &key, &err) || pdg_sha256(d, key.key, sizeof(key.key), &err))
		goto fail;
	pdg_sha256_hex(hex, d);
	flen = (size_t)snprintf(fpr, sizeof(fpr), "SHA256:");
	for (size_t i = 0; i < 32; i += 4)
		flen += (size_t)snprintf(fpr + flen, sizeof(fpr) - flen, "%s%.4s", i ? "-" : "",
					 hex + i);
	/* a new key is a security configuration change: recorded (fail closed) */
	if (made && pdg_audit_hook_key_change(home, "appliance signing key", fpr, &err))
		goto fail;
	printf("public key:  %s\n", pub);
	printf("fingerprint: %s\n", fpr);
	return 0;
fail:
	pdg_log(PDG_LOG_ERR, "%s", err.msg);
	return 1;
}
