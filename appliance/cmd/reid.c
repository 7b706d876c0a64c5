/* SPDX-License-Identifier: MIT */
/* pdigate reid: the administrator looks up the original patient ID behind a pseudonym. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "appliance/cmd/cmds.h"
#include "appliance/cmd/passphrase.h"
#include "appliance/home/linktab.h"
#include "lib/log.h"

static const char usage_text[] =
	"usage: pdigate reid <pseudonym> [--home <dir>] [--passphrase-file <file>]\n"
	"\n"
	"Re-identification, for the administrator only: print the original patient ID and the\n"
	"date offset recorded for an exported pseudonym. Needs the administrator passphrase\n"
	"(asked on the terminal unless --passphrase-file is given). Every use is recorded.\n"
	"\n"
	"  --home <dir>              the home (default: $PDIGATE_HOME, else " PDG_HOME_DEFAULT ")\n"
	"  --passphrase-file <file>  read the passphrase from the first line of file\n";

static int pseudonym_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= PDG_LINK_ID_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Print s, with control bytes as \xNN so that a stored value cannot drive the terminal. */
static void print_field(const char *label, const char *s)
{
	fputs(label, stdout);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
}

/* Note the re-identification once per project, before anything is shown (fail closed). */
static enum pdg_code note(const char *home, const char *pseudonym,
			  const struct pdg_linktab_matches *m, struct pdg_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t k, count = 0;

		for (k = 0; k < i && strcmp(m->rec[k].project, m->rec[i].project); k++)
			;
		if (k < i)
			continue; /* project already noted */
		for (k = i; k < m->n; k++)
			count += !strcmp(m->rec[k].project, m->rec[i].project);
		if (pdg_linktab_note_reid(home, "ok", m->rec[i].project, pseudonym, count, err))
			return err->code;
	}
	return PDG_OK;
}

int cmd_reid(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *home = NULL, *file = NULL, *pseudonym;
	static struct pdg_linktab_matches m; /* static: large, and wiped below */
	char pass[PDG_PASSPHRASE_MAX];
	struct pdg_err err = { 0 };
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
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
	if (argc - optind != 1) {
		fputs(usage_text, stderr);
		return 2;
	}
	pseudonym = argv[optind];
	if (!pseudonym_ok(pseudonym)) {
		pdg_log(PDG_LOG_ERR, "a pseudonym is 1..64 printable characters without spaces");
		return 2;
	}
	home = pdg_home_path(home);
	rc = pdg_cmd_passphrase(file, "Administrator passphrase: ", 0, pass, sizeof(pass));
	if (rc)
		return rc;
	rc = pdg_linktab_find(home, pseudonym, pass, &m, &err) ? pdg_exit_code(err.code) : 0;
	OPENSSL_cleanse(pass, sizeof(pass));
	if (m.unreadable)
		pdg_log(PDG_LOG_WARN, "%zu of %zu link-table files could not be read", m.unreadable,
			m.files);
	if (rc) {
		struct pdg_err nerr;
		const char *outcome = err.code == PDG_E_CRYPTO	   ? "wrong-passphrase"
				      : err.code == PDG_E_NOTFOUND ? "not-found"
								   : "failed";

		/* failed attempts are recorded too (best effort: the error is what matters) */
		if (pdg_linktab_note_reid(home, outcome, "-", pseudonym, 0, &nerr))
			pdg_log(PDG_LOG_WARN, "%s", nerr.msg);
	} else if (note(home, pseudonym, &m, &err)) {
		rc = pdg_exit_code(err.code);
	}
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		pdg_linktab_matches_wipe(&m);
		return rc;
	}
	for (size_t i = 0; i < m.n; i++) {
		if (i)
			putchar('\n');
		print_field("project: ", m.rec[i].project);
		print_field("pseudonym: ", m.rec[i].pseudonym);
		print_field("patient_id: ", m.rec[i].patient_id);
		printf("date_offset_days: %ld\n", (long)m.rec[i].date_offset_days);
		print_field("recorded: ", m.rec[i].time);
	}
	if (m.more)
		pdg_log(PDG_LOG_WARN, "%zu more distinct records not shown", m.more);
	pdg_linktab_matches_wipe(&m);
	return 0;
}
