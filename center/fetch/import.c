/* SPDX-License-Identifier: MIT */
/* Import an opened package: parse the target, re-check each instance, dispatch, count. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/deid/deid.h"
#include "lib/fsutil.h"
#include "center/fetch/import.h"
#include "lib/fdio.h"
#include "pdi/manifest.h"

static int copy_str(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return 0;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 1;
}

/* dicom://AE@host:port */
static enum pdg_code parse_dicom(const char *s, struct pdg_import_target *t, struct pdg_err *err)
{
	const char *at = strchr(s, '@'), *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (!at || !colon || colon < at)
		return pdg_err_set(err, PDG_E_INVALID, "a DICOM target reads dicom://AE@host:port");
	if (at == s || !copy_str(t->called_ae, sizeof(t->called_ae), s, (size_t)(at - s)))
		return pdg_err_set(err, PDG_E_INVALID, "the AE title must have 1..16 characters");
	if (colon == at + 1 || !copy_str(t->host, sizeof(t->host), at + 1, (size_t)(colon - at - 1)))
		return pdg_err_set(err, PDG_E_INVALID, "the archive's host name is missing or too long");
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
		return pdg_err_set(err, PDG_E_INVALID, "the archive's port must be 1..65535");
	t->port = (unsigned)port;
	t->kind = PDG_IMPORT_CSTORE;
	return PDG_OK;
}

enum pdg_code pdg_import_target_parse(const char *text, struct pdg_import_target *t,
				      struct pdg_err *err)
{
	*t = (struct pdg_import_target){ 0 };
	if (!text || !*text)
		return pdg_err_set(err, PDG_E_INVALID, "no import target given");
	if (!strncmp(text, "dicom://", 8))
		return parse_dicom(text + 8, t, err);
	if (!strncmp(text, "http://", 7) || !strncmp(text, "https://", 8)) {
		size_t len = strlen(text);

		while (len > 8 && text[len - 1] == '/')
			len--;
		if (!copy_str(t->url, sizeof(t->url), text, len))
			return pdg_err_set(err, PDG_E_INVALID, "the DICOMweb URL is too long");
		t->kind = PDG_IMPORT_STOW;
		return PDG_OK;
	}
	if (!strncmp(text, "folder:", 7))
		text += 7;
	if (strstr(text, "://") || !*text)
		return pdg_err_set(err, PDG_E_INVALID, "unknown import target '%.200s' (folder:DIR, "
				   "dicom://AE@host:port or http(s)://.../dicom-web)", text);
	if (!copy_str(t->folder, sizeof(t->folder), text, strlen(text)))
		return pdg_err_set(err, PDG_E_INVALID, "the target folder name is too long");
	t->kind = PDG_IMPORT_FOLDER;
	return PDG_OK;
}

/* deid.profile of the inner manifest: the profile every instance was de-identified with. */
static enum pdg_code deid_profile(const char *path, char *out, size_t cap, struct pdg_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	const char *id = json_string_value(json_object_get(json_object_get(root, "deid"),
							   "profile"));
	enum pdg_code rc = PDG_OK;

	if (!id || !pdg_str_copy(out, cap, id))
		rc = pdg_err_set(err, PDG_E_INVALID, "the package does not name its "
				 "de-identification profile (deid.profile in " PDG_MANIFEST_NAME ")");
	json_decref(root);
	return rc;
}

/* Copy a quarantined instance to quarantine_dir/<package>/<rel with / as _>. */
static enum pdg_code quarantine_copy(const struct pdg_import_opts *o,
				     const struct pdg_import_inst *in)
{
	enum pdg_code rc;
	char dst[PDG_IMPORT_PATH_MAX + 256], flat[128];
	char *data = NULL;
	size_t len = 0;
	struct pdg_err e;
	const char *pkg = strrchr(o->package_dir, '/');

	pkg = pkg && pkg[1] ? pkg + 1 : o->package_dir;
	snprintf(flat, sizeof(flat), "%s", in->rel);
	for (char *p = flat; *p; p++)
		if (*p == '/')
			*p = '_';
	snprintf(dst, sizeof(dst), "%s/%s", o->quarantine_dir, pkg);
	if ((mkdir(o->quarantine_dir, 0700) && errno != EEXIST) ||
	    (mkdir(dst, 0700) && errno != EEXIST))
		return PDG_E_IO;
	snprintf(dst, sizeof(dst), "%s/%s/%s", o->quarantine_dir, pkg, flat);
	rc = pdg_read_file(in->path, (size_t)1 << 31, &data, &len, &e);
	if (!rc)
		rc = pdg_write_atomic(dst, data, len, 0600, 0, &e);
	free(data);
	return rc;
}

enum pdg_code pdg_import_package(const struct pdg_import_opts *o, struct pdg_import_result *r,
				 struct pdg_err *err)
{
	static const uint8_t no_secret[PDG_SECRET_BYTES];
	struct pdg_deid_ctx ctx = { 0 };
	struct pdg_import_inst *v = NULL;
	struct pdg_manifest m;
	char path[PDG_IMPORT_PATH_MAX], profile[64];
	enum pdg_code rc;
	size_t n = 0;

	*r = (struct pdg_import_result){ 0 };
	if (snprintf(path, sizeof(path), "%s/" PDG_MANIFEST_NAME, o->package_dir) >=
	    (int)sizeof(path))
		return pdg_err_set(err, PDG_E_LIMIT, "the package path is too long");
	rc = pdg_manifest_load(path, &m, err);
	if (rc) {
		pdg_manifest_release(&m);
		return rc;
	}
	rc = deid_profile(path, profile, sizeof(profile), err);
	if (rc)
		goto out;
	/* the rules only: the mapping key is not needed (and not known) here */
	rc = pdg_deid_ctx_init_with(&ctx, profile, NULL, no_secret, err);
	if (rc)
		goto out;
	v = calloc(m.n ? m.n : 1, sizeof(*v));
	if (!v) {
		rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m.n; i++) {
		struct pdg_import_inst *in = &v[n];

		if (strncmp(m.files[i].path, "DICOM/", 6))
			continue;
		if (!pdg_str_copy(in->rel, sizeof(in->rel), m.files[i].path) ||
		    snprintf(in->path, sizeof(in->path), "%s/%s", o->package_dir,
			     m.files[i].path) >= (int)sizeof(in->path)) {
			rc = pdg_err_set(err, PDG_E_LIMIT, "a path in the package is too long");
			goto out;
		}
		in->quarantine = pdg_import_check(&ctx, in);
		n++;
	}
	r->instances = n;
	/* the drivers take a dense array of the clean ones: move them to the front */
	{
		size_t k = 0;
		struct pdg_import_inst *w = calloc(n ? n : 1, sizeof(*w));

		if (!w) {
			rc = pdg_err_set(err, PDG_E_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (!v[i].quarantine)
				w[k++] = v[i];
		for (size_t i = 0; i < n; i++)
			if (v[i].quarantine) {
				char why[256];

				r->quarantined++;
				snprintf(why, sizeof(why), "quarantined: %s%s%s", v[i].quarantine,
					 v[i].problem[0] ? " " : "", v[i].problem);
				if (o->report)
					o->report(o->report_ctx, v[i].rel, why);
				if (o->quarantine_dir && quarantine_copy(o, &v[i]) && o->report)
					o->report(o->report_ctx, v[i].rel,
						  "cannot copy it into the quarantine folder");
			}
		memcpy(v, w, k * sizeof(*w));
		free(w);
		n = k;
	}
	switch (o->target->kind) {
	case PDG_IMPORT_FOLDER: rc = pdg_import_to_folder(o, v, n, err); break;
	case PDG_IMPORT_CSTORE: rc = pdg_import_to_cstore(o, v, n, err); break;
	case PDG_IMPORT_STOW: rc = pdg_import_to_stow(o, v, n, err); break;
	default: rc = pdg_err_set(err, PDG_E_INVALID, "unknown import target");
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].confirmed && v[i].already)
			r->already++;
		else if (v[i].confirmed)
			r->imported++;
		else {
			r->failed++;
			if (o->report && !rc)
				o->report(o->report_ctx, v[i].rel,
					  v[i].problem[0] ? v[i].problem : "not confirmed");
		}
	}
out:
	free(v);
	pdg_deid_ctx_release(&ctx);
	pdg_manifest_release(&m);
	return rc;
}
