/* SPDX-License-Identifier: MIT */
/* pdigate init: create the appliance home (config, keys, projects, state, link table). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "appliance/audit/hooks.h"
#include "appliance/cmd/cmds.h"
#include "appliance/cmd/passphrase.h"
#include "appliance/home/home.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate init --site <name> [--home <dir>] [--admin-passphrase-file <file>]\n"
	"\n"
	"Create the appliance home: config.ini, keys/, projects/, state/, linktab/, and the\n"
	"administrator's link-table key, sealed with the administrator passphrase (asked twice\n"
	"on the terminal unless a file is given; at least 12 characters).\n"
	"Refuses a home that exists and is not empty.\n"
	"\n"
	"  --site <name>                   this hospital's site name: 1..63 characters of\n"
	"                                  A-Z a-z 0-9 _ . -\n"
	"  --home <dir>                    the home (default: $PDIGATE_HOME, else\n"
	"                                  " PDG_HOME_DEFAULT ")\n"
	"  --admin-passphrase-file <file>  read the administrator passphrase from the first\n"
	"                                  line of file\n";

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "site", required_argument, NULL, 's' },
		{ "admin-passphrase-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *home = NULL, *site = NULL, *file = NULL;
	char pass[PDG_PASSPHRASE_MAX];
	struct pdg_err err = { 0 };
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 's':
			site = optarg;
			break;
		case 'p':
			file = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc || !site) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!pdg_name_valid(site)) {
		pdg_log(PDG_LOG_ERR, "invalid site name: use 1..63 characters of A-Z a-z 0-9 _ . -");
		return 2;
	}
	home = pdg_home_path(home);
	rc = pdg_cmd_passphrase(file, "New administrator passphrase (for re-identification): ", 1,
				pass, sizeof(pass));
	if (rc)
		return rc;
	rc = pdg_home_init_admin(home, site, pass, &err);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return pdg_exit_code(err.code);
	}
	printf("%s\n", home);
	if (pdg_audit_hook_init(home, &err)) {
		pdg_log(PDG_LOG_ERR, "the home was created, but its audit record was not written: %s",
			err.msg);
		return 1;
	}
	return 0;
}
