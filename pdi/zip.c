/* SPDX-License-Identifier: MIT */
/* Writing a file set as one stored, deterministic ZIP with libzip. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zip.h>

#include "pdi/manifest.h"
#include "pdi/tree.h"
#include "pdi/zip.h"

/* The entry date as time_t: libzip converts it to a DOS date in local time. */
static time_t entry_time(const struct pdg_zip_opts *o)
{
	struct tm tm = { 0 };

	tm.tm_year = (o && o->year ? o->year : 1980) - 1900;
	tm.tm_mon = (o && o->year ? o->month : 1) - 1;
	tm.tm_mday = o && o->year ? o->day : 1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static enum pdg_code zerr(struct pdg_err *err, zip_t *za, const char *what, const char *name)
{
	return pdg_err_set(err, PDG_E_IO, "cannot %s '%s': %s", what, name, zip_strerror(za));
}

enum pdg_code pdg_pdi_zip_write(const char *stage, const char *zip_path,
				const struct pdg_zip_opts *o, struct pdg_zip_stats *st,
				struct pdg_err *err)
{
	struct pdg_pdi_tree t;
	enum pdg_code rc;
	time_t when = entry_time(o);
	zip_t *za = NULL;
	int zerrno = 0;

	if (st)
		memset(st, 0, sizeof(*st));
	if (when == (time_t)-1)
		return pdg_err_set(err, PDG_E_INVALID, "bad ZIP entry date");
	rc = pdg_pdi_tree_read(stage, &t, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		if (!t.files[i].regular) {
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a regular file",
					 t.files[i].path);
			goto out;
		}
		if (!pdg_pdi_path_safe(t.files[i].path)) {
			rc = pdg_err_set(err, PDG_E_INVALID, "'%s' is not a portable ZIP entry name",
					 t.files[i].path);
			goto out;
		}
	}
	za = zip_open(zip_path, ZIP_CREATE | ZIP_EXCL, &zerrno);
	if (!za) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerrno);
		rc = pdg_err_set(err, zerrno == ZIP_ER_EXISTS ? PDG_E_EXISTS : PDG_E_IO,
				 "cannot create '%s': %s", zip_path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		goto out;
	}
	for (size_t i = 0; i < t.n; i++) {
		char path[PATH_MAX];
		zip_source_t *src;
		zip_int64_t idx;

		snprintf(path, sizeof(path), "%s/%s", stage, t.files[i].path);
		/* the file is opened and read only in zip_close */
		src = zip_source_file(za, path, 0, -1);
		if (!src) {
			rc = zerr(err, za, "add", t.files[i].path);
			goto out;
		}
		idx = zip_file_add(za, t.files[i].path, src, ZIP_FL_ENC_UTF_8);
		if (idx < 0) {
			zip_source_free(src);
			rc = zerr(err, za, "add", t.files[i].path);
			goto out;
		}
		if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) ||
		    zip_file_set_mtime(za, (zip_uint64_t)idx, when, 0) ||
		    zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
						     (zip_uint32_t)0100644 << 16)) {
			rc = zerr(err, za, "set up", t.files[i].path);
			goto out;
		}
		if (st) {
			st->entries = i + 1;
			st->bytes += t.files[i].size;
		}
	}
	if (zip_close(za)) {
		rc = zerr(err, za, "write", zip_path);
		goto out;
	}
	za = NULL;
out:
	if (za)
		zip_discard(za);
	pdg_pdi_tree_release(&t);
	return rc;
}
