/* SPDX-License-Identifier: MIT */
/* pdigate-center admin: register appliances, stations, data centers, projects and staff. */
#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "appliance/home/fsutil.h"
#include "center/cmd/center/admin.h"
#include "center/cmd/center/cmds.h"
#include "center/ledger/ledger.h"
#include "center/server/password.h"
#include "lib/crypto/age.h"
#include "lib/crypto/sha256.h"
#include "lib/crypto/signify.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate-center admin --config <center.ini> <what> ...\n"
	"\n"
	"  appliance add <id> --site <name> --key <appliance.pub>\n"
	"      accept packages signed by this appliance (its id is 'id' in its config.ini)\n"
	"  station add <id> --cert <station.crt> [--name <text>]\n"
	"      an upload station, known by its client certificate\n"
	"  datacenter add <id> --cert <dc.crt> --recipient <age1...> [--name <text>]\n"
	"      a data center: its client certificate and the age recipient that receives tokens\n"
	"  project add <name> --datacenter <id> [--retention-days N] [--expiry-days N]\n"
	"      whose packages go to which data center, and how long they are kept\n"
	"  staff add <login> [--cert <staff.crt>] [--password-file <file>]\n"
	"      a member of the scan desk (certificate and/or password; scrypt hash)\n"
	"  disable|enable appliance|client|staff <id>\n"
	"  list                        every registered principal and project\n"
	"  ledger [--state S] [--json] the packages, newest first\n"
	"  audit [--package <id>]      the audit records\n"
	"  check                       verify the ledger (audit chain, package states, blobs)\n"
	"  purge [--now <unix time>]   expire unredeemed packages, delete acknowledged ones\n"
	"                              after retention (blobs removed, ledger keeps the record)\n"
	"\n"
	"exit status: 0 done; 1 failure (the message says why); 2 usage\n";

/* SHA-256 of the DER of the first certificate in a PEM file, as lowercase hex. */
static enum pdg_code cert_fingerprint(const char *path, char hex[65], struct pdg_err *err)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	unsigned char *der = NULL;
	int len;
	uint8_t d[32];
	unsigned dl = 32;

	if (!f)
		return pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", path);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a PEM certificate", path);
	len = i2d_X509(x, &der);
	X509_free(x);
	if (len <= 0 || EVP_Digest(der, (size_t)len, d, &dl, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return pdg_err_set(err, PDG_E_CRYPTO, "cannot hash '%s'", path);
	}
	OPENSSL_free(der);
	pdg_sha256_hex(hex, d);
	return PDG_OK;
}

struct args {
	const char *site, *key, *cert, *name, *recipient, *datacenter, *pwfile, *state, *package;
	const char *now;
	long retention, expiry;
	int json;
};

static int parse_opts(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "datacenter", required_argument, NULL, 'd' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "retention-days", required_argument, NULL, 'R' },
		{ "expiry-days", required_argument, NULL, 'E' },
		{ "state", required_argument, NULL, 'S' },
		{ "package", required_argument, NULL, 'P' },
		{ "now", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (ch) {
		case 's': a->site = optarg; break;
		case 'k': a->key = optarg; break;
		case 'c': a->cert = optarg; break;
		case 'n': a->name = optarg; break;
		case 'r': a->recipient = optarg; break;
		case 'd': a->datacenter = optarg; break;
		case 'p': a->pwfile = optarg; break;
		case 'S': a->state = optarg; break;
		case 'P': a->package = optarg; break;
		case 'N': a->now = optarg; break;
		case 'j': a->json = 1; break;
		case 'R':
		case 'E':
			errno = 0;
			*(ch == 'R' ? &a->retention : &a->expiry) = strtol(optarg, &end, 10);
			if (errno || *end || *optarg == '-' || !*optarg)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static enum pdg_code add(struct pdg_ledger *l, const struct pdg_center_config *cfg,
			 const char *what, const char *id, const struct args *a, int *bad,
			 struct pdg_err *err)
{
	const char *actor = "admin";

	if (!strcmp(what, "appliance")) {
		struct pdg_ledger_appliance ap = { 0 };
		struct pdg_signify_pub pub;
		char *text = NULL;
		size_t len;

		if (!a->site || !a->key)
			return *bad = 1, PDG_OK;
		if (pdg_read_file(a->key, 4096, &text, &len, err))
			return err->code;
		if (pdg_signify_pub_parse(text, len, &pub, err) ||
		    !pdg_str_copy(ap.pubkey, sizeof(ap.pubkey), text)) {
			free(text);
			return pdg_err_prefix(err, "%s", a->key), err->code;
		}
		free(text);
		snprintf(ap.id, sizeof(ap.id), "%s", id);
		snprintf(ap.site, sizeof(ap.site), "%s", a->site);
		return pdg_ledger_appliance_add(l, &ap, actor, err);
	}
	if (!strcmp(what, "station") || !strcmp(what, "datacenter")) {
		struct pdg_ledger_client c = { 0 };
		int dc = !strcmp(what, "datacenter");

		if (!a->cert || (dc && !a->recipient) || (!dc && a->recipient))
			return *bad = 1, PDG_OK;
		if (dc && pdg_age_recipient_check(a->recipient, err))
			return err->code;
		if (cert_fingerprint(a->cert, c.cert_sha256, err))
			return err->code;
		c.kind = dc ? PDG_LEDGER_DATACENTER : PDG_LEDGER_STATION;
		snprintf(c.id, sizeof(c.id), "%s", id);
		snprintf(c.name, sizeof(c.name), "%s", a->name ? a->name : id);
		if (dc)
			snprintf(c.recipient, sizeof(c.recipient), "%s", a->recipient);
		return pdg_ledger_client_add(l, &c, actor, err);
	}
	if (!strcmp(what, "project")) {
		struct pdg_ledger_project p = { 0 };

		if (!a->datacenter)
			return *bad = 1, PDG_OK;
		snprintf(p.name, sizeof(p.name), "%s", id);
		snprintf(p.datacenter, sizeof(p.datacenter), "%s", a->datacenter);
		p.retention_days = a->retention >= 0 ? a->retention : cfg->retention_days;
		p.expiry_days = a->expiry > 0 ? a->expiry : cfg->expiry_days;
		return pdg_ledger_project_add(l, &p, actor, err);
	}
	if (!strcmp(what, "staff")) {
		struct pdg_ledger_staff s = { 0 };
		char fpr[65] = "", hash[PDG_PW_HASH_MAX] = "";
		char *pw = NULL;
		size_t len = 0;
		enum pdg_code rc;

		if (!a->cert && !a->pwfile)
			return *bad = 1, PDG_OK;
		if (a->cert && cert_fingerprint(a->cert, fpr, err))
			return err->code;
		if (a->pwfile) {
			if (pdg_read_file(a->pwfile, PDG_PW_MAX + 2, &pw, &len, err))
				return err->code;
			while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
				pw[--len] = '\0';
			rc = pdg_pw_hash(pw, len, cfg->scrypt_log2n, hash, err);
			OPENSSL_cleanse(pw, len);
			free(pw);
			if (rc)
				return rc;
		}
		snprintf(s.login, sizeof(s.login), "%s", id);
		if (fpr[0])
			snprintf(s.pwhash, sizeof(s.pwhash), "cert:%s;%s", fpr, hash);
		else
			snprintf(s.pwhash, sizeof(s.pwhash), "%s", hash);
		return pdg_ledger_staff_add(l, &s, actor, err);
	}
	*bad = 1;
	return PDG_OK;
}

int center_admin(int argc, char **argv)
{
	struct pdg_center_config cfg;
	struct pdg_ledger *l = NULL;
	struct pdg_err err = { 0 };
	struct args a = { .retention = -1, .expiry = -1 };
	const char *config = NULL;
	int i = 1, bad = 0, rc = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--config")) {
		config = argv[2];
		i = 3;
	} else if (argc > 1 && !strncmp(argv[1], "--config=", 9)) {
		config = argv[1] + 9;
		i = 2;
	}
	if (!config || i >= argc)
		return usage();
	pdg_center_config_defaults(&cfg);
	if (pdg_center_config_load(config, &cfg, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	argc -= i;
	argv += i;
	/* argv[0] is the verb; options follow the positional words */
	{
		int words = 1;

		while (words < argc && argv[words][0] != '-')
			words++;
		if (parse_opts(argc - words + 1, argv + words - 1, &a) || optind != argc - words + 1)
			return usage();
		argc = words;
	}
	if (mkdir(cfg.state, 0700) && errno != EEXIST) {
		pdg_log(PDG_LOG_ERR, "cannot create the state folder '%s': %s", cfg.state,
			strerror(errno));
		return 1;
	}
	if (pdg_ledger_open(&l, cfg.ledger, &err)) {
		pdg_log(PDG_LOG_ERR, "ledger: %s", err.msg);
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "add")) {
		if (add(l, &cfg, argv[0], argv[2], &a, &bad, &err))
			rc = 1;
		else if (!bad)
			printf("registered %s %s\n", argv[0], argv[2]);
	} else {
		rc = pdg_center_admin_view(l, &cfg, argc, argv, a.state, a.package, a.now, a.json,
					   &bad, &err);
	}
	pdg_ledger_free(l);
	if (bad)
		return usage();
	if (rc == 1)
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
	return rc;
}
