/* SPDX-License-Identifier: MIT */
/* pdigate pdi: build, zip and verify IHE PDI file sets. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "appliance/cmd/cmds.h"
#include "lib/log.h"
#include "pdi/fileset.h"
#include "pdi/tree.h"
#include "pdi/verify.h"
#include "pdi/zip.h"

static const char usage_text[] =
	"usage: pdigate pdi verify <dir|zip>\n"
	"   or: pdigate pdi build [--copy] [--site <name>] [--contact <text>] [--created <date>]\n"
	"                         [--fileset-id <id>] --out <stage> <file|dir>...\n"
	"   or: pdigate pdi zip [--date <yyyy-mm-dd>] <stage> <out.zip>\n"
	"\n"
	"verify  check a PDI file set folder or ZIP; one line per problem on stdout\n"
	"        (a ZIP is checked entry by entry, then unpacked into $TMPDIR and checked\n"
	"        as a folder; exit status 1 when there is any problem)\n"
	"build   build a PDI file set in <stage> from de-identified DICOM files\n"
	"        (folders are searched recursively)\n"
	"zip     write the file set in <stage> as one stored ZIP (deterministic)\n";

/* "yyyy-mm-dd" with a year from 1980 to 2107 (the DOS date range). */
static int parse_date(const char *s, int *y, int *m, int *d)
{
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	return *y >= 1980 && *y <= 2107 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

static void print_problem(void *ctx, const char *path, const char *problem)
{
	(void)ctx;
	printf("%s: %s\n", *path ? path : "(file set)", problem);
}

static int cmd_verify(int argc, char **argv)
{
	struct pdg_pdi_verify_stats st;
	struct pdg_err err = { 0 };
	enum pdg_code rc;
	struct stat sb;

	if (argc != 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (stat(argv[1], &sb) != 0) {
		pdg_log(PDG_LOG_ERR, "cannot open '%s'", argv[1]);
		return 1;
	}
	if (S_ISDIR(sb.st_mode))
		rc = pdg_pdi_verify_dir(argv[1], print_problem, NULL, &st, &err);
	else
		rc = pdg_pdi_verify_zip(argv[1], print_problem, NULL, &st, &err);
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return pdg_exit_code(rc);
	}
	printf("ok: %zu patients, %zu studies, %zu series, %zu instances, %zu files\n",
	       st.patients, st.studies, st.series, st.instances, st.files);
	return 0;
}

/* Add inputs: a file as is, a folder's regular files in path order. */
static int collect(char **args, int n, char ***out, size_t *nout)
{
	size_t cap = 0;

	*out = NULL;
	*nout = 0;
	for (int a = 0; a < n; a++) {
		struct pdg_pdi_tree t = { 0 };
		struct pdg_err err = { 0 };
		struct stat sb;
		size_t count;

		if (stat(args[a], &sb) != 0) {
			pdg_log(PDG_LOG_ERR, "cannot open '%s'", args[a]);
			return 1;
		}
		if (S_ISDIR(sb.st_mode) && pdg_pdi_tree_read(args[a], &t, &err)) {
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
			pdg_pdi_tree_release(&t);
			return 1;
		}
		count = S_ISDIR(sb.st_mode) ? t.n : 1;
		if (*nout + count > cap) {
			char **v;

			cap = (*nout + count) * 2;
			v = realloc(*out, cap * sizeof(*v));
			if (!v) {
				pdg_pdi_tree_release(&t);
				pdg_log(PDG_LOG_ERR, "out of memory");
				return 1;
			}
			*out = v;
		}
		for (size_t i = 0; i < count; i++) {
			char *p;

			if (!S_ISDIR(sb.st_mode)) {
				p = strdup(args[a]);
			} else if (!t.files[i].regular) {
				continue;
			} else {
				size_t len = strlen(args[a]) + strlen(t.files[i].path) + 2;

				p = malloc(len);
				if (p)
					snprintf(p, len, "%s/%s", args[a], t.files[i].path);
			}
			if (!p) {
				pdg_pdi_tree_release(&t);
				pdg_log(PDG_LOG_ERR, "out of memory");
				return 1;
			}
			(*out)[(*nout)++] = p;
		}
		pdg_pdi_tree_release(&t);
	}
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "copy", no_argument, NULL, 'c' },      { "site", required_argument, NULL, 's' },
		{ "contact", required_argument, NULL, 'k' },
		{ "created", required_argument, NULL, 'd' },
		{ "fileset-id", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pdg_fileset_opts o = { 0 };
	struct pdg_fileset_counts c;
	struct pdg_err err = { 0 };
	const char *out = NULL;
	char **inputs = NULL;
	size_t n = 0;
	enum pdg_code rc;
	int opt, status;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o.flags |= PDG_FILESET_COPY;
			break;
		case 's':
			o.site_name = optarg;
			break;
		case 'k':
			o.contact = optarg;
			break;
		case 'd':
			o.created = optarg;
			break;
		case 'f':
			o.fileset_id = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!out || optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (collect(argv + optind, argc - optind, &inputs, &n)) {
		status = 1;
		goto done;
	}
	rc = pdg_fileset_build(out, (const char *const *)inputs, n, &o, &c, &err);
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		status = pdg_exit_code(rc);
		goto done;
	}
	printf("%s: %zu patients, %zu studies, %zu series, %zu instances, %zu files, %llu bytes\n",
	       c.profile, c.patients, c.studies, c.series, c.instances, c.files,
	       (unsigned long long)c.total_bytes);
	status = 0;
done:
	for (size_t i = 0; i < n; i++)
		free(inputs[i]);
	free(inputs);
	return status;
}

static int cmd_zip(int argc, char **argv)
{
	static const struct option longopts[] = { { "date", required_argument, NULL, 'd' },
						   { "help", no_argument, NULL, 'h' },
						   { NULL, 0, NULL, 0 } };
	struct pdg_zip_opts zo = { 0 };
	struct pdg_zip_stats st;
	struct pdg_err err = { 0 };
	enum pdg_code rc;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (strlen(optarg) != 10 || optarg[4] != '-' || optarg[7] != '-' ||
			    !parse_date(optarg, &zo.year, &zo.month, &zo.day)) {
				pdg_log(PDG_LOG_ERR, "bad --date '%s' (want yyyy-mm-dd)", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	rc = pdg_pdi_zip_write(argv[optind], argv[optind + 1], &zo, &st, &err);
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return pdg_exit_code(rc);
	}
	printf("%zu entries, %llu bytes\n", st.entries, (unsigned long long)st.bytes);
	return 0;
}

int cmd_pdi(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "verify")) {
		if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			fputs(usage_text, stdout);
			return 0;
		}
		return cmd_verify(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "zip"))
		return cmd_zip(argc - 1, argv + 1);
	pdg_log(PDG_LOG_ERR, "'%s' is not a pdigate pdi command; see 'pdigate pdi --help'", argv[1]);
	return 2;
}
