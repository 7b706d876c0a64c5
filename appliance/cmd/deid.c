/* SPDX-License-Identifier: MIT */
/* pdigate deid: de-identify files and folders into an output folder, accounting for each. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "appliance/audit/hooks.h"
#include "appliance/batch/batch.h"
#include "appliance/batch/pool.h"
#include "appliance/cmd/batchreport.h"
#include "appliance/cmd/cmds.h"
#include "appliance/deid/deid.h"
#include "appliance/deid/profile.h"
#include "appliance/home/home.h"
#include "lib/log.h"

#define EXIT_QUARANTINED 3

static const char usage_text[] =
	"usage: pdigate deid --project <name> --out <dir> [--home <dir>] [--jobs <n>]\n"
	"                    [--timeout <seconds>] [--batch-id <id>] [--fsync-each] [--json]\n"
	"                    <input>...\n"
	"\n"
	"De-identify DICOM files (files and folders, searched recursively) with the project's\n"
	"profile. De-identified files go to <dir> as E<n>.dcm; files that cannot be exported\n"
	"are copied unchanged to <dir>/quarantine as Q<n>.dcm with the reason in\n"
	"<dir>/quarantine/REASONS.TSV (n is the input's position). Every input is counted.\n"
	"\n"
	"  --project <name>     the project (profile, options and secret)\n"
	"  --out <dir>          output folder: created, or empty\n"
	"  --home <dir>         the home (default: $PDIGATE_HOME, else " PDG_HOME_DEFAULT ")\n"
	"  --jobs <n>           worker processes, 1..64 (default: number of processors)\n"
	"  --timeout <seconds>  time allowed per file before it is quarantined (default 60)\n"
	"  --batch-id <id>      batch name for per-batch profiles (default: random)\n"
	"  --fsync-each         flush every file to disk before naming it (slower); the batch\n"
	"                       is always flushed before quarantine/REASONS.TSV is written\n"
	"  --json               print one JSON document with the counts on stdout\n"
	"\n"
	"       pdigate deid --preview <file> [--out <dir>] [--rules <file> | --project <name>]\n"
	"                    [--no-masks | --cleaned]\n"
	"\n"
	"Write <dir>/frame-NNNN.png (default: the current folder) for every frame of <file>, with\n"
	"the masks of the first matching pixel rule drawn in red (docs/pixel-rules.md). Rules:\n"
	"<file> then the defaults, or the project's NAME.pixel-rules then the defaults, or the\n"
	"defaults alone. --no-masks draws none; --cleaned shows the frames as cleaned. Exit 3\n"
	"when no rule matches.\n"
	"\n"
	"exit status: 0 every file exported, 3 done but some inputs quarantined or skipped,\n"
	"1 failure, 2 usage error (docs/cli-pdigate-deid.md)\n";

struct progress {
	int tty;
	uint64_t last_ms;
};

static int usage_error(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void show_progress(void *arg, size_t finished, size_t total)
{
	struct progress *p = arg;
	uint64_t t = now_ms();

	if (!p->tty || (finished < total && t - p->last_ms < 100))
		return;
	p->last_ms = t;
	fprintf(stderr, "\rpdigate: %zu of %zu files done", finished, total);
	if (finished == total)
		fputs("\r\033[K", stderr);
}

/* A fresh batch id: "B" + 16 hex digits. */
static int random_batch_id(char *buf, size_t cap)
{
	uint8_t r[8];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	snprintf(buf, cap, "B%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
		 r[5], r[6], r[7]);
	return 0;
}

static int valid_batch_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= PDG_DEID_BATCH_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

static void summary(const struct pdg_batch *b, const char *project, const char *profile)
{
	pdg_batch_report_print(stderr, b, project, profile,
			       "the reason for each file is in quarantine/" PDG_BATCH_REASONS
			       " of the output folder");
}

static json_t *json_counts(const struct pdg_batch *b, const char *project, const char *profile,
			   const char *batch_id, size_t stored)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "project", json_string(project));
	json_object_set_new(doc, "profile", json_string(profile));
	json_object_set_new(doc, "batch_id", json_string(batch_id));
	pdg_batch_report_json(doc, b);
	json_object_set_new(doc, "link_records", json_integer((json_int_t)stored));
	return doc;
}

static void json_print(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(doc);
}

/* Report a failure once: on stderr, and as the JSON document when asked. */
static int fail(const struct pdg_err *err, int json, json_t *doc)
{
	pdg_log(PDG_LOG_ERR, "%s", err->msg);
	if (json) {
		if (!doc)
			doc = json_object();
		json_object_set_new(doc, "error", json_pack("{s:s, s:s}", "code",
							    pdg_code_name(err->code), "message",
							    err->msg));
		json_print(doc);
	} else if (doc) {
		json_decref(doc);
	}
	return pdg_exit_code(err->code) ? pdg_exit_code(err->code) : 1;
}

/* Whether every input went where it should without the operator's attention. */
static int all_clean(const struct pdg_batch *b)
{
	for (size_t i = 0; i < b->in.n; i++) {
		const struct pdg_input *e = &b->in.v[i];

		if (e->outcome == PDG_OUTCOME_EXPORTED)
			continue;
		/* an index file, or a second copy of something exported, needs no attention */
		if (e->outcome == PDG_OUTCOME_SKIPPED &&
		    (!strcmp(e->reason, PDG_REASON_DICOMDIR) ||
		     !strcmp(e->reason, PDG_REASON_DUP_INSTANCE) ||
		     !strcmp(e->reason, PDG_REASON_DUPLICATE)))
			continue;
		return 0;
	}
	return 1;
}

/* Record the batch (PS3.15 A.5: 110103, action C); a failure is reported, returns -1. */
static int audit_batch(const char *home, const char *project, const char *batch_id,
		       const struct pdg_batch *b, int outcome)
{
	const struct pdg_audit_counts c = { b->in.n, b->exported, b->quarantined, b->skipped,
					    b->failed };
	struct pdg_err err = { 0 };

	if (!pdg_audit_hook_deid(home, project, batch_id, &c, outcome, &err))
		return 0;
	pdg_log(PDG_LOG_ERR, "the batch was written to the output folder, but its audit record "
		"was not: %s", err.msg);
	return -1;
}

int cmd_deid(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "home", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "batch-id", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'J' },
		{ "fsync-each", no_argument, NULL, 'F' },
		{ "preview", required_argument, NULL, 'P' },
		{ "rules", required_argument, NULL, 'R' },
		{ "no-masks", no_argument, NULL, 'N' },
		{ "cleaned", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *project = NULL, *out = NULL, *home = NULL, *batch_id = NULL;
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	struct pdg_batch_opts bo = { .progress = show_progress, .progress_arg = &prog };
	struct pdg_deid_ctx ctx = { 0 };
	struct pdg_err err = { 0 };
	struct pdg_project proj;
	struct pdg_deid_preview_opts pv = { 0 };
	struct pdg_batch b;
	char random_id[24], profile[64];
	unsigned timeout_s = 0;
	size_t stored = 0;
	int c, json = 0, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			project = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'H':
			home = optarg;
			break;
		case 'j':
			if (parse_uint(optarg, 1, PDG_POOL_MAX_JOBS, &bo.jobs)) {
				pdg_log(PDG_LOG_ERR, "--jobs takes a number from 1 to %d",
					PDG_POOL_MAX_JOBS);
				return 2;
			}
			break;
		case 't':
			if (parse_uint(optarg, 1, 86400, &timeout_s)) {
				pdg_log(PDG_LOG_ERR, "--timeout takes a number of seconds (1 to 86400)");
				return 2;
			}
			bo.timeout_ms = timeout_s * 1000u;
			break;
		case 'b':
			if (!valid_batch_id(optarg)) {
				pdg_log(PDG_LOG_ERR, "--batch-id takes 1 to %d printable characters",
					PDG_DEID_BATCH_MAX - 1);
				return 2;
			}
			batch_id = optarg;
			break;
		case 'J':
			json = 1;
			break;
		case 'F':
			bo.fsync_each = 1;
			break;
		case 'P':
			pv.file = optarg;
			break;
		case 'R':
			pv.rules = optarg;
			break;
		case 'N':
			pv.no_masks = 1;
			break;
		case 'C':
			pv.cleaned = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error();
		}
	}
	if (pv.file) {
		if (optind < argc || (pv.no_masks && pv.cleaned) || (pv.rules && project))
			return usage_error();
		pv.out = out;
		pv.project = project;
		pv.home = home;
		return pdg_cmd_deid_preview(&pv);
	}
	if (!project || !out || optind >= argc || pv.rules || pv.no_masks || pv.cleaned)
		return usage_error();
	if (!pdg_name_valid(project)) {
		pdg_log(PDG_LOG_ERR, "invalid project name");
		return 2;
	}
	bo.out_dir = out;
	if (!batch_id) {
		if (random_batch_id(random_id, sizeof(random_id))) {
			pdg_err_sys(&err, PDG_E_IO, "cannot draw a random batch id");
			return fail(&err, json, NULL);
		}
		batch_id = random_id;
	}

	/* the project first: a wrong name should not cost a walk of a whole disk */
	home = pdg_home_path(home);
	if (pdg_project_load(home, project, &proj, &err))
		return fail(&err, json, NULL);
	rc = pdg_deid_ctx_init(&ctx, &proj, &err);
	pdg_project_wipe(&proj);
	if (rc || pdg_deid_ctx_set_batch(&ctx, batch_id, &err)) {
		pdg_deid_ctx_release(&ctx);
		return fail(&err, json, NULL);
	}
	snprintf(profile, sizeof(profile), "%s", ctx.profile->id);
	/* a linkable profile needs the link table: find out before the work, not after */
	if (!ctx.profile->per_batch) {
		struct pdg_home_config cfg;

		if (pdg_home_config_load(home, &cfg, &err)) {
			pdg_deid_ctx_release(&ctx);
			return fail(&err, json, NULL);
		}
		if (!cfg.admin_recipient[0]) {
			pdg_deid_ctx_release(&ctx);
			pdg_err_set(&err, PDG_E_POLICY,
				    "this appliance home has no link-table key, so pseudonyms could "
				    "not be traced back to patients; create the home with "
				    "'pdigate init' and an administrator passphrase");
			return fail(&err, json, NULL);
		}
	}

	pdg_batch_init(&b, 0);
	for (int i = optind; i < argc; i++)
		if (pdg_inputs_add(&b.in, argv[i], (size_t)(i - optind + 1), &err)) {
			rc = fail(&err, json, NULL);
			goto out;
		}
	if (!b.in.n) {
		/* an empty CD or a wrong folder: say so rather than report a successful nothing */
		pdg_err_set(&err, PDG_E_NOTFOUND, "no files found in the inputs");
		rc = fail(&err, json, NULL);
		goto out;
	}
	if (prog.tty)
		fprintf(stderr, "pdigate: %zu files found\n", b.in.n);
	if (pdg_batch_run(&b, &ctx, &bo, &err)) {
		summary(&b, project, profile);
		rc = fail(&err, json, json_counts(&b, project, profile, batch_id, 0));
		if (audit_batch(home, project, batch_id, &b, 8))
			rc = 1;
		goto out;
	}
	if (pdg_batch_store_links(&b, home, project, &stored, &err)) {
		summary(&b, project, profile);
		rc = fail(&err, json, json_counts(&b, project, profile, batch_id, stored));
		if (audit_batch(home, project, batch_id, &b, 8))
			rc = 1;
		goto out;
	}
	summary(&b, project, profile);
	rc = all_clean(&b) ? 0 : EXIT_QUARANTINED;
	if (audit_batch(home, project, batch_id, &b, rc ? 4 : 0))
		rc = 1; /* the files stay written: only the record is missing */
	if (json)
		json_print(json_counts(&b, project, profile, batch_id, stored));
out:
	pdg_batch_release(&b);
	pdg_deid_ctx_release(&ctx);
	return rc;
}
