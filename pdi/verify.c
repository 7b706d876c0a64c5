/* SPDX-License-Identifier: MIT */
/* Checking a PDI file set folder: DICOMDIR references, layout, and PDIGATE.JSN sizes and hashes. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdi/dicom/dicomdir.h"
#include "pdi/manifest.h"
#include "pdi/tree.h"
#include "pdi/verify.h"

struct check {
	const char *root;
	struct pdg_pdi_tree tree;
	unsigned char *referenced;    /* per tree file: referenced by the DICOMDIR */
	uint64_t dicom_bytes;
	pdg_pdi_report_fn *report;
	void *ctx;
	struct pdg_pdi_verify_stats *st;
	enum pdg_code fatal;
	struct pdg_err *err;
};

static void bad(struct check *c, const char *path, const char *problem)
{
	c->st->violations++;
	if (c->report)
		c->report(c->ctx, path, problem);
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* One DICOMDIR record that references a file. */
static int on_entry(void *ctx, const struct pdg_dicomdir_entry *e)
{
	struct check *c = ctx;
	const struct pdg_pdi_file *f;
	struct pdg_dicomdir_keys k;
	char path[PATH_MAX];
	struct pdg_err err;
	size_t idx;

	if (!e->file_id[0] || !pdg_dicomdir_file_id_ok(e->file_id)) {
		bad(c, e->file_id, "illegal File ID in the DICOMDIR (PS3.10 8.2)");
		return 0;
	}
	if (!starts_with(e->file_id, "DICOM/"))
		bad(c, e->file_id, "referenced file is not under DICOM/ (IHE PDI)");
	f = pdg_pdi_tree_find(&c->tree, e->file_id);
	if (!f) {
		bad(c, e->file_id, "referenced by the DICOMDIR but missing");
		return 0;
	}
	idx = (size_t)(f - c->tree.files);
	if (c->referenced[idx]) {
		bad(c, e->file_id, "referenced twice by the DICOMDIR");
		return 0;
	}
	c->referenced[idx] = 1;
	if (!f->regular)
		return 0; /* reported with the layout */
	c->dicom_bytes += f->size;
	snprintf(path, sizeof(path), "%s/%s", c->root, e->file_id);
	if (pdg_dicomdir_read_keys(path, &k, &err)) {
		bad(c, e->file_id, "not a readable DICOM file");
		return 0;
	}
	if (strcmp(k.sop_instance_uid, e->sop_instance_uid))
		bad(c, e->file_id, "SOP instance UID differs from the DICOMDIR record");
	if (strcmp(k.sop_class_uid, e->sop_class_uid))
		bad(c, e->file_id, "SOP class UID differs from the DICOMDIR record");
	if (strcmp(k.transfer_syntax, e->transfer_syntax))
		bad(c, e->file_id, "transfer syntax differs from the DICOMDIR record");
	return 0;
}

static void check_layout(struct check *c)
{
	static const char *const required[] = { "DICOMDIR", "README.TXT", "INDEX.HTM",
						PDG_MANIFEST_NAME };

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!pdg_pdi_tree_find(&c->tree, required[i]))
			bad(c, required[i], "missing (IHE PDI file set)");
	for (size_t i = 0; i < c->tree.n; i++) {
		const struct pdg_pdi_file *f = &c->tree.files[i];

		if (!f->regular) {
			bad(c, f->path, "not a regular file");
			continue;
		}
		if (starts_with(f->path, "DICOM/")) {
			if (!pdg_dicomdir_file_id_ok(f->path))
				bad(c, f->path, "illegal File ID (PS3.10 8.2)");
			else if (!c->referenced[i])
				bad(c, f->path, "not referenced by the DICOMDIR");
			continue;
		}
		if (c->referenced[i] || starts_with(f->path, "IHE_PDI/") ||
		    !strcmp(f->path, "DICOMDIR") || !strcmp(f->path, "README.TXT") ||
		    !strcmp(f->path, "INDEX.HTM") || !strcmp(f->path, PDG_MANIFEST_NAME))
			continue;
		bad(c, f->path, "file outside the PDI file set");
	}
}

static void check_manifest(struct check *c, const struct pdg_dicomdir_info *info)
{
	struct pdg_manifest m;
	struct pdg_err err;
	char msg[320];

	if (!pdg_pdi_tree_find(&c->tree, PDG_MANIFEST_NAME)) {
		return; /* reported with the layout */
	}
	snprintf(msg, sizeof(msg), "%s/%s", c->root, PDG_MANIFEST_NAME);
	if (pdg_manifest_load(msg, &m, &err)) {
		if (err.code == PDG_E_NOMEM)
			c->fatal = pdg_err_set(c->err, err.code, "%s", err.msg);
		snprintf(msg, sizeof(msg), "unreadable: %s", err.msg);
		bad(c, PDG_MANIFEST_NAME, msg);
		pdg_manifest_release(&m);
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		const struct pdg_pdi_file *f = pdg_pdi_tree_find(&c->tree, m.files[i].path);
		char path[PATH_MAX], hex[65];
		uint64_t size;

		if (!f) {
			bad(c, m.files[i].path, "listed in PDIGATE.JSN but missing");
			continue;
		}
		if (!f->regular)
			continue;
		if (f->size != m.files[i].size) {
			bad(c, m.files[i].path, "size differs from PDIGATE.JSN");
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", c->root, m.files[i].path);
		if (pdg_pdi_sha256_file(path, hex, &size, &err)) {
			bad(c, m.files[i].path, "cannot be read");
			continue;
		}
		if (strcmp(hex, m.files[i].sha256) || size != m.files[i].size)
			bad(c, m.files[i].path, "SHA-256 differs from PDIGATE.JSN");
	}
	for (size_t i = 0; i < c->tree.n; i++)
		if (strcmp(c->tree.files[i].path, PDG_MANIFEST_NAME) &&
		    !pdg_manifest_find(&m, c->tree.files[i].path))
			bad(c, c->tree.files[i].path, "not listed in PDIGATE.JSN");
	if (info && (m.patients != info->patients || m.studies != info->studies ||
		     m.series != info->series || m.instances != info->instances))
		bad(c, PDG_MANIFEST_NAME, "counts differ from the DICOMDIR");
	if (info && m.bytes != c->dicom_bytes)
		bad(c, PDG_MANIFEST_NAME, "DICOM byte count differs from the files");
	pdg_manifest_release(&m);
}

enum pdg_code pdg_pdi_verify_dir(const char *root, pdg_pdi_report_fn *report, void *ctx,
				 struct pdg_pdi_verify_stats *stats, struct pdg_err *err)
{
	struct pdg_pdi_verify_stats local = { 0 };
	struct check c = { .root = root, .report = report, .ctx = ctx, .err = err };
	struct pdg_dicomdir_info info = { 0 };
	char path[PATH_MAX];
	struct pdg_err derr;
	enum pdg_code rc;
	int have_dir = 0;

	c.st = stats ? stats : &local;
	memset(c.st, 0, sizeof(*c.st));
	rc = pdg_pdi_tree_read(root, &c.tree, err);
	if (rc)
		goto out;
	c.st->files = c.tree.n;
	c.referenced = calloc(c.tree.n + 1, 1);
	if (!c.referenced) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/DICOMDIR", root);
	if (pdg_pdi_tree_find(&c.tree, "DICOMDIR")) {
		rc = pdg_dicomdir_list(path, on_entry, &c, &info, &derr);
		if (rc == PDG_E_NOMEM) {
			rc = pdg_err_set(err, rc, "%s", derr.msg);
			goto out;
		}
		if (rc) {
			char msg[320];

			snprintf(msg, sizeof(msg), "unreadable: %s", derr.msg);
			bad(&c, "DICOMDIR", msg);
			rc = PDG_OK;
		} else {
			have_dir = 1;
			c.st->patients = info.patients, c.st->studies = info.studies;
			c.st->series = info.series, c.st->instances = info.instances;
			if (info.instances == 0)
				bad(&c, "DICOMDIR", "references no files");
		}
	}
	check_layout(&c);
	check_manifest(&c, have_dir ? &info : NULL);
	if (c.fatal) {
		rc = c.fatal;
		goto out;
	}
	if (c.st->violations)
		rc = pdg_err_set(err, PDG_E_INVALID, "%zu problem%s in the file set '%s'",
				 c.st->violations, c.st->violations == 1 ? "" : "s", root);
out:
	free(c.referenced);
	pdg_pdi_tree_release(&c.tree);
	return rc;
}
