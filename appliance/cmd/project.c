/* SPDX-License-Identifier: MIT */
/* pdigate project: add, list and show the projects of the appliance home. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "appliance/audit/hooks.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/home.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate project add <name> --profile <profile> [--recipient <age1...>]...\n"
	"                           [--home <dir>]\n"
	"       pdigate project list [--home <dir>]\n"
	"       pdigate project show <name> [--home <dir>]\n"
	"\n"
	"  add    create a project with a fresh random secret (never shown)\n"
	"  list   print each project's name and profile, one per line\n"
	"  show   print a project's settings (the secret is shown as (hidden))\n"
	"\n"
	"  --profile <id>      ps315-basic, jp-pseudonymized or jp-anonymized\n"
	"  --recipient <age1>  a data-center age X25519 recipient; repeat for more (max 8)\n"
	"  --home <dir>        the home (default: $PDIGATE_HOME, else " PDG_HOME_DEFAULT ")\n";

static int usage_error(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static int fail(const struct pdg_err *err)
{
	pdg_log(PDG_LOG_ERR, "%s", err->msg);
	return pdg_exit_code(err->code);
}

static void print_project(const struct pdg_project *p)
{
	printf("name: %s\nprofile: %s\ncreated: %s\nfile: %s\nsecret: (hidden)\n", p->name,
	       p->profile, p->created, p->ini_path);
	for (size_t i = 0; i < p->nrecipients; i++)
		printf("recipient: %s\n", p->recipients[i]);
	if (!p->nrecipients)
		printf("recipient: (none: export will refuse this project)\n");
}

static enum pdg_code list_one(const struct pdg_project *p, void *arg, struct pdg_err *err)
{
	(void)arg;
	(void)err;
	printf("%s\t%s\n", p->name, p->profile);
	return PDG_OK;
}

int cmd_project(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "profile", required_argument, NULL, 'p' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *recipients[PDG_MAX_RECIPIENTS];
	const char *home = NULL, *profile = NULL, *verb;
	struct pdg_err err = { 0 };
	struct pdg_project p;
	size_t nrec = 0;
	int c, nargs;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc < 2)
		return usage_error();
	verb = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'r':
			if (nrec == PDG_MAX_RECIPIENTS) {
				pdg_log(PDG_LOG_ERR, "at most %d recipients", PDG_MAX_RECIPIENTS);
				return 2;
			}
			recipients[nrec++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error();
		}
	}
	nargs = argc - optind;
	home = pdg_home_path(home);

	if (!strcmp(verb, "add")) {
		if (nargs != 1 || !profile)
			return usage_error();
		if (!pdg_name_valid(argv[optind])) {
			pdg_log(PDG_LOG_ERR, "invalid project name: use 1..63 characters of "
					     "A-Z a-z 0-9 _ . - (not starting with . or -)");
			return 2;
		}
		if (!pdg_profile_known(profile)) {
			pdg_log(PDG_LOG_ERR, "unknown profile '%s': use ps315-basic, "
					     "jp-pseudonymized or jp-anonymized", profile);
			return 2;
		}
		for (size_t i = 0; i < nrec; i++)
			if (!pdg_recipient_valid(recipients[i])) {
				pdg_log(PDG_LOG_ERR, "'%s' is not an age X25519 recipient (age1...)",
					recipients[i]);
				return 2;
			}
		if (pdg_project_add(home, argv[optind], profile, recipients, nrec, &err))
			return fail(&err);
		if (pdg_audit_hook_project(home, argv[optind], nrec, &err)) {
			pdg_log(PDG_LOG_ERR, "project added, but its audit record was not written: %s",
				err.msg);
			return 1;
		}
		printf("%s\n", argv[optind]);
		return 0;
	}
	if (profile || nrec)
		return usage_error();
	if (!strcmp(verb, "list")) {
		if (nargs != 0)
			return usage_error();
		if (pdg_project_each(home, list_one, NULL, &err))
			return fail(&err);
		return 0;
	}
	if (!strcmp(verb, "show")) {
		if (nargs != 1)
			return usage_error();
		if (pdg_project_describe(home, argv[optind], &p, &err))
			return fail(&err);
		print_project(&p);
		return 0;
	}
	pdg_log(PDG_LOG_ERR, "'%s' is not a project command (add, list, show)", verb);
	return 2;
}
