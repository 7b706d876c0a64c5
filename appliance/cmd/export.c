/* SPDX-License-Identifier: MIT */
/* pdigate export: de-identify inputs and write them as one sealed, signed package on a medium. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "appliance/audit/hooks.h"
#include "appliance/batch/pool.h"
#include "appliance/catalog/catalog.h"
#include "appliance/cmd/batchreport.h"
#include "appliance/cmd/cmds.h"
#include "appliance/export/export.h"
#include "appliance/home/home.h"
#include "appliance/media/media.h"
#include "lib/log.h"
#include "appliance/home/fsutil.h"
#include "tokens/sheet.h"
#include "tokens/sheetrec.h"
#include "appliance/print/print.h"

#define EXIT_QUARANTINED 3
#define CATALOG_MAX 64 /* --study / --accession values */

static const char usage_text[] =
	"usage: pdigate export --project <name> --medium <dir>|auto [--eject] [--home <dir>]\n"
	"                      [--jobs <n>]\n"
	"                      [--sheet <file.pdf> [--print <queue>]] [--operator <name>]\n"
	"                      [--show-token] [--json]\n"
	"                      [--study <uid>]... [--accession <number>]... [<input>...]\n"
	"\n"
	"De-identify DICOM files (files and folders, searched recursively) with the project's\n"
	"profile, build one IHE PDI file set, seal it so that only the project's data centers\n"
	"holding the paper token can open it, sign it, and write it to <dir>/PDIGATE/.\n"
	"The package is read back from the medium and checked before it is reported as written.\n"
	"\n"
	"  --project <name>  the project (profile, secret, data-center recipients)\n"
	"  --medium <dir>    the mounted medium (a folder: tests, demonstrations)\n"
	"  --medium auto     the single USB stick that the [media] policy allows (see\n"
	"                    'pdigate media list'); refused when there are none or several\n"
	"  --eject           after writing and checking, unmount the stick and power it off\n"
	"                    (needs --medium auto)\n"
	"  --home <dir>      the home (default: $PDIGATE_HOME, else " PDG_HOME_DEFAULT ")\n"
	"  --jobs <n>        de-identification worker processes (default: number of processors)\n"
	"  --sheet <file>    write the token sheet (A4 PDF, QR code + typed code) to <file>;\n"
	"                    print it and send it separately from the medium\n"
	"  --operator <name> the operator's name printed on the sheet\n"
	"  --print <queue>   also print the sheet on this CUPS queue (needs --sheet)\n"
	"  --show-token      also print the release token (it opens the package: keep it secret)\n"
	"  --json            print one JSON document on stdout\n"
	"  --study <uid>     export the study with this Study Instance UID from the catalog of\n"
	"                    received and imported studies (see 'pdigate studies'); repeatable\n"
	"  --accession <n>   export the studies with this accession number from the catalog;\n"
	"                    repeatable. The catalog records the package of what was exported\n"
	"\n"
	"PDG_TRACE_STAGES=1 in the environment prints the seconds spent in each stage.\n"
	"\n"
	"exit status: 0 package written with every input, 3 package written but some inputs were\n"
	"quarantined, 1 failure (nothing that looks complete is left on the medium), 2 usage\n";

struct progress {
	int tty;
	const char *stage;
	time_t last;
};

static void show_progress(void *arg, const char *stage, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	time_t now = time(NULL);

	if (!p->tty || (stage == p->stage && done < total && now == p->last))
		return;
	p->last = now;
	p->stage = stage;
	if (total > 100 * 1024)
		fprintf(stderr, "\r\033[Kpdigate: %s %" PRIu64 " of %" PRIu64 " MB", stage,
			done >> 20, total >> 20);
	else
		fprintf(stderr, "\r\033[Kpdigate: %s %" PRIu64 " of %" PRIu64, stage, done, total);
	if (done == total)
		fputs("\r\033[K", stderr);
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s[0] || s[0] == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void summary(const struct pdg_export_result *r, const char *project)
{
	char where[PATH_MAX + 64];

	snprintf(where, sizeof(where), "the files not exported are kept on this appliance in '%s'",
		 r->quarantine_dir);
	pdg_batch_report_print(stderr, &r->batch, project, r->profile,
			       r->quarantine_dir[0] ? where : NULL);
	if (r->written)
		fprintf(stderr, "pdigate: package %s written: %zu patients, %zu studies, %zu series, "
				"%zu images, %" PRIu64 " bytes sealed in %zu segment%s\n",
			r->manifest.package_id, r->manifest.patients, r->manifest.studies,
			r->manifest.series, r->manifest.instances, r->manifest.ciphertext_size,
			r->manifest.nsegments, r->manifest.nsegments == 1 ? "" : "s");
}

/* Busy seconds: a thread's time less its waits, never below zero (clock granularity). */
static double busy(double total, double waited)
{
	return total > waited ? total - waited : 0;
}

/* PDG_TRACE_STAGES=1: one line of wall-clock seconds per stage on stderr (no PHI in it). */
static void trace_stages(const struct pdg_export_result *r)
{
	const char *env = getenv("PDG_TRACE_STAGES");
	double total = 0;

	if (!env || strcmp(env, "1"))
		return;
	fputs("pdigate: stages (s):", stderr);
	for (int i = 0; i < PDG_XS_N; i++) {
		fprintf(stderr, " %s %.3f", pdg_xs_name((enum pdg_xs)i), r->times.s[i]);
		total += r->times.s[i];
	}
	fprintf(stderr, " total %.3f\n", total);
	fprintf(stderr, "pdigate: in parallel (s): inner-age %.3f outer-age %.3f sha256 %.3f "
		"writer-write %.3f writer-fsync %.3f read-back %.3f "
		"zip-waited %.3f inner-waited %.3f outer-waited %.3f sha256-waited %.3f\n",
		busy(r->seal_times.inner.s[PDG_XS_INNER], r->seal_times.outer_waited),
		busy(r->seal_times.outer.s[PDG_XS_OUTER], r->seal_waited),
		r->hash_times.s[PDG_XS_HASH], r->io_times.s[PDG_XS_WRITE],
		r->io_times.s[PDG_XS_FSYNC], r->readback_busy, r->seal_times.inner_waited,
		r->seal_times.outer_waited, r->seal_waited, r->hash_waited);
	/* the zip thread runs beside the batch (deid) and after it (zip-tail) */
	fputs("pdigate: zip thread (s):", stderr);
	total = 0;
	for (int i = 0; i < PDG_XS_N; i++) {
		if (!r->zip_times.s[i])
			continue;
		fprintf(stderr, " %s %.3f", pdg_xs_name((enum pdg_xs)i), r->zip_times.s[i]);
		total += r->zip_times.s[i];
	}
	fprintf(stderr, " total %.3f\n", total);
}

static json_t *result_json(const struct pdg_export_result *r, const char *token)
{
	const struct pdg_medium_manifest *m = &r->manifest;
	json_t *doc = json_object();

	json_object_set_new(doc, "package_id", json_string(r->written ? m->package_id : ""));
	json_object_set_new(doc, "written", json_boolean(r->written));
	pdg_batch_report_json(doc, &r->batch);
	if (r->written) {
		json_object_set_new(doc, "counts", json_pack("{s:I, s:I, s:I, s:I}",
			"patients", (json_int_t)m->patients, "studies", (json_int_t)m->studies,
			"series", (json_int_t)m->series, "instances", (json_int_t)m->instances));
		json_object_set_new(doc, "ciphertext_sha256", json_string(m->ciphertext_sha256));
		json_object_set_new(doc, "segments", json_integer((json_int_t)m->nsegments));
	}
	if (token)
		json_object_set_new(doc, "token", json_string(token));
	return doc;
}

/* The token sheet data of the package just written: no PHI can reach it (struct pdg_sheetrec). */
static void sheet_record(const struct pdg_export_result *r, const char *operator_name,
			 struct pdg_sheetrec *rec)
{
	const struct pdg_medium_manifest *m = &r->manifest;

	*rec = (struct pdg_sheetrec){ .pkg = { .token = r->token, .studies = m->studies,
					       .series = m->series, .instances = m->instances,
					       .bytes = m->ciphertext_size } };
	snprintf(rec->site, sizeof(rec->site), "%s", m->site);
	snprintf(rec->project, sizeof(rec->project), "%s", m->project);
	snprintf(rec->operator_name, sizeof(rec->operator_name), "%s",
		 operator_name ? operator_name : "");
	snprintf(rec->export_date, sizeof(rec->export_date), "%.10s", m->created_at);
	pdg_utc_now(rec->created, sizeof(rec->created));
	snprintf(rec->pkg.cipher_sha256, sizeof(rec->pkg.cipher_sha256), "%s", m->ciphertext_sha256);
	snprintf(rec->pkg.medium_serial, sizeof(rec->pkg.medium_serial), "%s", m->medium_serial);
}

/*
 * Keep the sheet for a reprint (its secret sealed to the administrator key), write it to
 * path if asked, print it on printer if asked; each sheet written or printed is recorded in
 * the audit log. Returns 0, or 1 after reporting a failure (the package stays written).
 */
static int sheet_out(const char *home, const struct pdg_export_result *r, const char *path,
		     const char *printer, const char *operator_name, int *show_token)
{
	struct pdg_sheetrec rec;
	struct pdg_sheet sheet;
	struct pdg_err err = { 0 }, aerr = { 0 };
	const char *pkg = r->manifest.package_id;
	int rc = 0;

	sheet_record(r, operator_name, &rec);
	if (pdg_cmd_sheet_store(home, &rec, &err))
		pdg_log(PDG_LOG_WARN, "package %s: the token sheet is not kept for a reprint: %s",
			pkg, err.msg);
	pdg_sheetrec_sheet(&rec, &sheet);
	if (path && pdg_sheet_write_pdf(&sheet, path, &err)) {
		/* the token exists nowhere else: it goes to stdout so it can still be handed over */
		pdg_log(PDG_LOG_ERR, "package %s was written, but its token sheet was not: %s; "
			"the token follows: copy it by hand", pkg, err.msg);
		*show_token = 1;
		rc = 1;
	} else if (path && pdg_audit_hook_sheet(home, "pdigate export", pkg, NULL, 0, NULL, &aerr)) {
		pdg_log(PDG_LOG_ERR, "%s", aerr.msg);
		rc = 1;
	} else if (printer && pdg_print_pdf(printer, path, "pdigate token sheet", NULL, &err)) {
		pdg_log(PDG_LOG_ERR, "package %s and its token sheet %s were written, but the sheet "
			"was not printed: %s; print it with 'pdigate token print %s --printer %s'",
			pkg, path, err.msg, path, printer);
		if (pdg_audit_hook_sheet(home, "pdigate export", pkg, printer, 8,
					 "token sheet not printed", &aerr))
			pdg_log(PDG_LOG_ERR, "%s", aerr.msg);
		rc = 1;
	} else if (printer && pdg_audit_hook_sheet(home, "pdigate export", pkg, printer, 0, NULL,
						   &aerr)) {
		pdg_log(PDG_LOG_ERR, "%s", aerr.msg);
		rc = 1;
	}
	pdg_sheetrec_wipe(&rec);
	return rc;
}

/*
 * --medium auto: the single allowed, mounted stick. Every stick seen that the policy refuses
 * is recorded in the audit log (Security Alert) with its identity; then none or several
 * allowed sticks is an error naming them.
 */
static enum pdg_code pick_stick(const char *home, struct pdg_medium *list,
				const struct pdg_medium **stick, struct pdg_err *err)
{
	char id[100];
	size_t n = 0;
	enum pdg_code rc = pdg_cmd_media_scan(home, list, &n, err);

	for (size_t i = 0; !rc && i < n; i++) {
		if (list[i].allowed)
			continue;
		pdg_medium_identity(&list[i], id, sizeof(id));
		pdg_log(PDG_LOG_WARN, "USB stick %s refused: %s", id, list[i].why);
		rc = pdg_audit_hook_medium_refused(home, "pdigate export", id, list[i].why, err);
	}
	return rc ? rc : pdg_media_pick(list, n, stick, err);
}

/* Record the package of every exported input in the catalog; 0 or -1 (reported). */
static int mark_catalog(const char *home, const struct pdg_export_result *r)
{
	const char **paths = calloc(r->batch.in.n ? r->batch.in.n : 1, sizeof *paths);
	struct pdg_err err = { 0 };
	size_t n = 0;

	if (!paths) {
		pdg_log(PDG_LOG_ERR, "package %s was written, but out of memory for the catalog",
			r->manifest.package_id);
		return -1;
	}
	for (size_t i = 0; i < r->batch.in.n; i++)
		if (r->batch.in.v[i].outcome == PDG_OUTCOME_EXPORTED)
			paths[n++] = r->batch.in.v[i].path;
	if (pdg_cmd_catalog_exported(home, paths, n, r->manifest.package_id, &err)) {
		pdg_log(PDG_LOG_ERR, "package %s was written, but the catalog was not updated: %s",
			r->manifest.package_id, err.msg);
		free(paths);
		return -1;
	}
	free(paths);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "medium", required_argument, NULL, 'm' },
		{ "home", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "segment-size", required_argument, NULL, 'S' }, /* for tests: small segments */
		{ "show-token", no_argument, NULL, 't' },
		{ "sheet", required_argument, NULL, 's' },
		{ "operator", required_argument, NULL, 'O' },
		{ "print", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "eject", no_argument, NULL, 'E' },
		{ "study", required_argument, NULL, 'U' },
		{ "accession", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pdg_medium media[PDG_MEDIA_MAX];
	const struct pdg_medium *stick = NULL;
	char noserial[16];
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	struct pdg_export_opts o = { .progress = show_progress, .progress_arg = &prog };
	struct pdg_export_result r;
	struct pdg_token_text text = { 0 };
	struct pdg_err err = { 0 };
	struct pdg_err aerr = { 0 };
	const char *home = NULL, *sheet = NULL, *operator_name = NULL, *printer = NULL;
	int c, json = 0, show_token = 0, eject = 0, rc, catalog_failed;
	uint64_t v;
	const char *uids[CATALOG_MAX], *acc[CATALOG_MAX];
	size_t nuids = 0, nacc = 0, ninputs;
	char **cpaths = NULL;
	size_t ncp = 0;
	const char **inputs;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.project = optarg;
			break;
		case 'm':
			o.medium = optarg;
			break;
		case 'H':
			home = optarg;
			break;
		case 'j':
			if (parse_u64(optarg, 1, PDG_POOL_MAX_JOBS, &v)) {
				pdg_log(PDG_LOG_ERR, "--jobs takes a number from 1 to %d",
					PDG_POOL_MAX_JOBS);
				return 2;
			}
			o.jobs = (unsigned)v;
			break;
		case 'S':
			if (parse_u64(optarg, 1024, PDG_MEDIUM_SEGMENT_MAX, &o.segment_size)) {
				pdg_log(PDG_LOG_ERR, "--segment-size takes bytes, 1024 to 2 GiB");
				return 2;
			}
			break;
		case 't':
			show_token = 1;
			break;
		case 's':
			sheet = optarg;
			break;
		case 'O':
			operator_name = optarg;
			break;
		case 'P':
			printer = optarg;
			break;
		case 'J':
			json = 1;
			break;
		case 'E':
			eject = 1;
			break;
		case 'U':
		case 'A':
			if ((c == 'U' ? nuids : nacc) == CATALOG_MAX) {
				pdg_log(PDG_LOG_ERR, "at most %d --study and %d --accession",
					CATALOG_MAX, CATALOG_MAX);
				return 2;
			}
			if (c == 'U')
				uids[nuids++] = optarg;
			else
				acc[nacc++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!o.project || !o.medium || (optind >= argc && !nuids && !nacc) ||
	    (printer && !sheet) ||
	    (eject && strcmp(o.medium, "auto"))) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!pdg_name_valid(o.project)) {
		pdg_log(PDG_LOG_ERR, "invalid project name");
		return 2;
	}
	o.home = pdg_home_path(home);
	if (!strcmp(o.medium, "auto")) {
		if (pick_stick(o.home, media, &stick, &err)) {
			pdg_log(PDG_LOG_ERR, "%s", err.msg);
			return 1;
		}
		o.medium = stick->mount;
		/* a stick without serial is named by its ids, so that it is never "folder" */
		snprintf(noserial, sizeof(noserial), "%04x:%04x", stick->vendor, stick->product);
		o.medium_serial = stick->serial[0] ? stick->serial : noserial;
	}
	if ((nuids || nacc) &&
	    pdg_cmd_catalog_inputs(o.home, uids, nuids, acc, nacc, &cpaths, &ncp, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	ninputs = (size_t)(argc - optind) + ncp;
	if (!(inputs = calloc(ninputs, sizeof *inputs))) {
		pdg_catalog_paths_free(cpaths, ncp);
		pdg_log(PDG_LOG_ERR, "out of memory");
		return 1;
	}
	for (size_t i = 0; i < (size_t)(argc - optind); i++)
		inputs[i] = argv[optind + (int)i];
	for (size_t i = 0; i < ncp; i++)
		inputs[(size_t)(argc - optind) + i] = cpaths[i];
	rc = pdg_export_run(&o, inputs, ninputs, &r, &err);
	/* a catalog that cannot be updated fails the command; the package stays written */
	catalog_failed = !rc && ncp && mark_catalog(o.home, &r);
	free(inputs);
	pdg_catalog_paths_free(cpaths, ncp);
	if (prog.tty)
		fputs("\r\033[K", stderr);
	trace_stages(&r);
	if (r.batch.in.n)
		summary(&r, o.project);
	if (rc) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		if (pdg_audit_hook_export_result(o.home, o.project, &r, err.code, &aerr))
			pdg_log(PDG_LOG_ERR, "%s", aerr.msg);
		if (json) {
			json_t *doc = result_json(&r, NULL);

			json_object_set_new(doc, "error", json_pack("{s:s, s:s}", "code",
				pdg_code_name(err.code), "message", err.msg));
			json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputc('\n', stdout);
			json_decref(doc);
		}
		pdg_export_release(&r);
		return 1;
	}
	if (pdg_audit_hook_export_result(o.home, o.project, &r, PDG_OK, &aerr)) {
		pdg_log(PDG_LOG_ERR, "%s", aerr.msg); /* fail closed, the package stays */
		rc = 1;
	}
	if (sheet_out(o.home, &r, sheet, printer, operator_name, &show_token))
		rc = 1;
	if (stick && eject && !rc) {
		if (pdg_cmd_media_eject(o.home, "pdigate export", stick, &err)) {
			pdg_log(PDG_LOG_ERR, "package %s was written, but %s", r.manifest.package_id,
				err.msg);
			rc = 1;
		} else {
			fprintf(stderr, "pdigate: USB stick ejected: pull it now\n");
		}
	}
	if (show_token && pdg_token_encode(&r.token, &text, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		pdg_export_release(&r);
		return 1;
	}
	if (json) {
		json_t *doc = result_json(&r, show_token ? text.typed : NULL);

		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
	} else {
		printf("%s\n", r.manifest.package_id);
		if (show_token)
			printf("%s\n", text.typed);
	}
	if (!rc && catalog_failed)
		rc = 1;
	if (!rc)
		rc = r.batch.quarantined || r.batch.skipped ? EXIT_QUARANTINED : 0;
	pdg_token_text_wipe(&text);
	pdg_export_release(&r);
	return rc;
}
