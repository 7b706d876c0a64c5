/* SPDX-License-Identifier: MIT */
/* pdigate import: take the studies of a folder or a mounted CD/DVD into spool and catalog. */
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/audit/hooks.h"
#include "appliance/catalog/catalog.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "lib/log.h"
#include "pdi/dicom/dicomdir.h"

static const char usage_text[] =
	"usage: pdigate import [--home <dir>] [--json] [--list] <dir>\n"
	"\n"
	"Take the DICOM instances of a folder or a mounted CD/DVD into the spool and the catalog,\n"
	"as if the PACS had sent them (they then appear in 'pdigate studies'). With a DICOMDIR at\n"
	"the top of <dir>, exactly the files it references are read (files it does not reference\n"
	"are counted, not read); without one, every file under <dir> is tried. Every file is\n"
	"accounted for: imported, duplicate (SOP Instance UID already held) or refused (reason).\n"
	"The originals are never changed.\n"
	"  --json   the counts (and with --list the files) as JSON on stdout\n"
	"  --list   one line per file: outcome, reason, path relative to <dir> (paths chosen by\n"
	"           whoever wrote the medium can carry patient data: for the operator's screen)\n"
	"Exit status: 0 every file imported or duplicate, 3 done but some refused, 1 failure\n"
	"(no catalog, unreadable DICOMDIR, spool full or unwritable), 2 usage.\n";

#define NREASONS 16

struct imp {
	struct pdg_catalog *cat;
	const char *root;
	size_t root_len;
	int list, json, fatal;
	struct pdg_err fatal_err;
	size_t imported, duplicates, refused, unreferenced;
	char reasons[NREASONS][160];
	size_t reason_n[NREASONS];
	size_t nreasons;
	json_t *files;
};

static void count_reason(struct imp *im, const char *why)
{
	size_t i;
	for (i = 0; i < im->nreasons; i++)
		if (!strcmp(im->reasons[i], why))
			break;
	if (i == im->nreasons) {
		if (im->nreasons == NREASONS)
			i = NREASONS - 1; /* the last bucket collects the rest */
		else
			pdg_str_copy(im->reasons[im->nreasons++], sizeof im->reasons[0], why);
	}
	im->reason_n[i]++;
}

static void outcome(struct imp *im, const char *rel, const char *what, const char *why)
{
	if (!im->list)
		return;
	if (im->json) {
		json_t *j = json_pack("{s:s,s:s,s:s}", "path", rel, "outcome", what, "reason",
				      why ? why : "");
		if (j)
			json_array_append_new(im->files, j);
	} else {
		printf("%-10s %s%s%s\n", what, rel, why ? ": " : "", why ? why : "");
	}
}

/* One file: import it and count the outcome. Returns non-zero to stop (spool failure). */
static int one(struct imp *im, const char *path, const char *rel)
{
	struct pdg_catalog_origin o = { "", "import" };
	struct pdg_err err = { 0 };
	int dup = 0;
	enum pdg_code rc = pdg_catalog_import(im->cat, path, &o, &dup, &err);

	if (rc == PDG_E_IO || rc == PDG_E_NOMEM) {
		im->fatal = 1;
		im->fatal_err = err;
		return 1;
	}
	if (rc) {
		/* drop the "'<tmp copy>': " prefix of DCMTK read errors: the reason alone counts */
		const char *why = err.msg, *q;
		if (why[0] == '\'' && (q = strstr(why + 1, "': ")))
			why = q + 3;
		im->refused++;
		count_reason(im, why);
		outcome(im, rel, "refused", why);
	} else if (dup) {
		im->duplicates++;
		outcome(im, rel, "duplicate", NULL);
	} else {
		im->imported++;
		outcome(im, rel, "imported", NULL);
	}
	return 0;
}

static struct imp *walk_imp; /* nftw has no user pointer */

static int walk_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	const char *rel = path + walk_imp->root_len;
	while (*rel == '/')
		rel++;
	if (type == FTW_DNR) {
		walk_imp->refused++;
		count_reason(walk_imp, "folder not readable");
		outcome(walk_imp, rel, "refused", "folder not readable");
		return 0;
	}
	if (type != FTW_F)
		return 0; /* folders; symbolic links are not followed (FTW_PHYS) */
	return one(walk_imp, path, rel);
}

/* Paths of the files a DICOMDIR references, in its order. */
struct refs {
	char **ids;   /* File IDs */
	char **uids;  /* the SOP Instance UID each record names */
	size_t n, cap;
	size_t bad;
};

static int ref_cb(void *ctx, const struct pdg_dicomdir_entry *e)
{
	struct refs *r = ctx;
	if (!e->file_id[0]) {
		r->bad++;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		char **p = realloc(r->ids, cap * sizeof *p);
		if (!p)
			return 1;
		r->ids = p;
		if (!(p = realloc(r->uids, cap * sizeof *p)))
			return 1;
		r->uids = p;
		r->cap = cap;
	}
	if (!(r->ids[r->n] = strdup(e->file_id)))
		return 1;
	if (!(r->uids[r->n] = strdup(e->sop_instance_uid))) {
		free(r->ids[r->n]);
		return 1;
	}
	r->n++;
	return 0;
}

/*
 * The path of File ID id under root. ISO 9660 media are often mounted with lower-case names:
 * the File ID as written, else its lower-case form. Returns 0 if neither exists.
 */
static int media_path(const char *root, const char *id, char *out, size_t cap)
{
	char low[PDG_DICOMDIR_FILE_ID_MAX];
	struct stat sb;
	size_t i;

	if ((size_t)snprintf(out, cap, "%s/%s", root, id) < cap && !lstat(out, &sb))
		return 1;
	for (i = 0; id[i] && i + 1 < sizeof low; i++)
		low[i] = (id[i] >= 'A' && id[i] <= 'Z') ? (char)(id[i] + 32) : id[i];
	low[i] = 0;
	return (size_t)snprintf(out, cap, "%s/%s", root, low) < cap && !lstat(out, &sb);
}

/* Count the files under root that the DICOMDIR does not reference (not read, not imported). */
static struct refs *count_refs;
static size_t count_unref, count_root_len;

static int unref_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	const char *rel = path + count_root_len;
	while (*rel == '/')
		rel++;
	if (!strcasecmp(rel, "DICOMDIR"))
		return 0;
	for (size_t i = 0; i < count_refs->n; i++)
		if (!strcasecmp(rel, count_refs->ids[i]))
			return 0;
	count_unref++;
	return 0;
}

static int from_dicomdir(struct imp *im, const char *dicomdir)
{
	struct refs r = { 0 };
	struct pdg_dicomdir_info info;
	struct pdg_err err = { 0 };
	char path[4200];
	int rc = 0;

	if (pdg_dicomdir_list(dicomdir, ref_cb, &r, &info, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < r.bad; i++) {
		im->refused++;
		count_reason(im, "DICOMDIR record with an unusable File ID");
	}
	for (size_t i = 0; i < r.n && !im->fatal; i++) {
		if (!media_path(im->root, r.ids[i], path, sizeof path)) {
			im->refused++;
			count_reason(im, "referenced by the DICOMDIR but missing");
			outcome(im, r.ids[i], "refused", "referenced by the DICOMDIR but missing");
			continue;
		}
		/* the file must be the instance its record names: never guess */
		struct pdg_dicomdir_keys *k = calloc(1, sizeof *k);
		struct pdg_err e2 = { 0 };
		if (!k) {
			im->fatal = 1;
			pdg_err_set(&im->fatal_err, PDG_E_NOMEM, "out of memory");
			break;
		}
		if (!pdg_dicomdir_read_keys(path, k, &e2) && r.uids[i][0] &&
		    strcmp(k->sop_instance_uid, r.uids[i])) {
			im->refused++;
			count_reason(im, "not the instance its DICOMDIR record names");
			outcome(im, r.ids[i], "refused", "not the instance its DICOMDIR record names");
		} else {
			one(im, path, r.ids[i]);
		}
		free(k);
	}
	count_refs = &r;
	count_unref = 0;
	count_root_len = im->root_len;
	nftw(im->root, unref_cb, 16, FTW_PHYS);
	im->unreferenced = count_unref;
out:
	for (size_t i = 0; i < r.n; i++) {
		free(r.ids[i]);
		free(r.uids[i]);
	}
	free(r.ids);
	free(r.uids);
	return rc;
}

/* The DICOMDIR at the top of root ("DICOMDIR" or "dicomdir"), or 0. */
static int find_dicomdir(const char *root, char *out, size_t cap)
{
	static const char *const names[] = { "DICOMDIR", "dicomdir" };
	struct stat sb;
	for (size_t i = 0; i < 2; i++)
		if ((size_t)snprintf(out, cap, "%s/%s", root, names[i]) < cap && !stat(out, &sb) &&
		    S_ISREG(sb.st_mode))
			return 1;
	return 0;
}

static void report(struct imp *im, int with_dicomdir)
{
	if (im->json) {
		json_t *reasons = json_object();
		for (size_t i = 0; reasons && i < im->nreasons; i++)
			json_object_set_new(reasons, im->reasons[i],
					    json_integer((json_int_t)im->reason_n[i]));
		json_t *j = json_pack("{s:b,s:I,s:I,s:I,s:I,s:o}", "dicomdir", with_dicomdir,
				      "imported", (json_int_t)im->imported,
				      "duplicates", (json_int_t)im->duplicates,
				      "refused", (json_int_t)im->refused,
				      "not_referenced", (json_int_t)im->unreferenced,
				      "reasons", reasons ? reasons : json_object());
		if (j && im->list)
			json_object_set(j, "files", im->files);
		if (j)
			json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
		return;
	}
	printf("%s: %zu imported, %zu duplicates, %zu refused", with_dicomdir ?
	       "from the DICOMDIR" : "from the folder", im->imported, im->duplicates, im->refused);
	if (with_dicomdir)
		printf(", %zu files not referenced by the DICOMDIR (not read)", im->unreferenced);
	putchar('\n');
	for (size_t i = 0; i < im->nreasons; i++)
		printf("  refused %zu: %s\n", im->reason_n[i], im->reasons[i]);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *home = NULL;
	struct imp im = { 0 };
	struct pdg_err err = { 0 };
	char spool[4096], dicomdir[4200];
	struct stat sb;
	int ch, rc = 0, with_dd;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			home = optarg;
			break;
		case 'j':
			im.json = 1;
			break;
		case 'l':
			im.list = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	im.root = argv[optind];
	im.root_len = strlen(im.root);
	if (stat(im.root, &sb) || !S_ISDIR(sb.st_mode)) {
		pdg_log(PDG_LOG_ERR, "'%s' is not a folder", im.root);
		return 1;
	}
	home = pdg_home_path(home);
	if (pdg_cmd_open_catalog(home, &im.cat, spool, sizeof spool, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		return 1;
	}
	if (!(im.files = json_array())) {
		pdg_catalog_close(im.cat);
		pdg_log(PDG_LOG_ERR, "out of memory");
		return 1;
	}
	with_dd = find_dicomdir(im.root, dicomdir, sizeof dicomdir);
	if (with_dd) {
		if (from_dicomdir(&im, dicomdir))
			rc = 1;
	} else {
		walk_imp = &im;
		if (nftw(im.root, walk_cb, 16, FTW_PHYS) < 0 && !im.fatal) {
			pdg_log(PDG_LOG_ERR, "cannot walk '%s'", im.root);
			rc = 1;
		}
	}
	if (im.fatal) {
		pdg_log(PDG_LOG_ERR, "import stopped: %s", im.fatal_err.msg);
		rc = 1;
	}
	struct pdg_audit_import counts = { im.imported, im.duplicates, im.refused };
	if (pdg_audit_hook_import(home, "pdigate import", with_dd ? "DICOMDIR" : "folder", NULL,
				  &counts, rc ? 8 : im.refused ? 4 : 0,
				  rc ? "import stopped before the end" : NULL, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		rc = 1;
	}
	if (!rc)
		report(&im, with_dd);
	else if (im.imported || im.duplicates)
		pdg_log(PDG_LOG_INFO, "%zu imported and %zu duplicates before the stop",
			im.imported, im.duplicates);
	json_decref(im.files);
	pdg_catalog_close(im.cat);
	if (rc)
		return rc;
	return im.refused ? 3 : 0;
}
