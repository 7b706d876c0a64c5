/* SPDX-License-Identifier: MIT */
/* Import target: a folder tree project/pseudonym/study/series/<instance>.dcm, atomic per file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "center/fetch/import.h"
#include "lib/crypto/evp.h"
#include "lib/crypto/sha256.h"
#include "lib/fdio.h"

#define NAME_MAX_SAFE 64

/*
 * A file-name form of a value: the value itself when it is 1..64 characters of
 * [A-Za-z0-9._-] not starting with '.', else "x" + 16 hex digits of its SHA-256 (so two
 * different values never share a folder by accident).
 */
static void safe_name(char out[NAME_MAX_SAFE + 2], const char *v)
{
	size_t n = strlen(v);
	int ok = n > 0 && n <= NAME_MAX_SAFE && v[0] != '.';
	uint8_t d[PDG_SHA256_BYTES];
	char hex[PDG_SHA256_HEX_LEN + 1];
	struct pdg_err e;

	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
		     (v[i] >= '0' && v[i] <= '9') || v[i] == '.' || v[i] == '_' || v[i] == '-';
	if (ok) {
		memcpy(out, v, n + 1);
		return;
	}
	if (pdg_sha256(d, v, n, &e)) {
		snprintf(out, NAME_MAX_SAFE + 2, "invalid");
		return;
	}
	pdg_sha256_hex(hex, d);
	snprintf(out, NAME_MAX_SAFE + 2, "x%.16s", hex);
}

static enum pdg_code mkdir_one(const char *p, struct pdg_err *err)
{
	if (mkdir(p, 0750) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create the folder '%s'", p);
	return PDG_OK;
}

/* Copy src to a new temporary file tmp (O_EXCL), fsync'd. */
static enum pdg_code copy_synced(const char *src, const char *tmp, struct pdg_err *err)
{
	char buf[65536];
	enum pdg_code rc = PDG_OK;
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	ssize_t got;

	if (in < 0)
		return pdg_err_sys(err, PDG_E_IO, "cannot open '%s'", src);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (out < 0) {
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", tmp);
		close(in);
		return rc;
	}
	while (!rc && (got = read(in, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rc = pdg_err_sys(err, PDG_E_IO, "cannot read '%s'", src);
		else
			rc = pdg_write_all(out, buf, (size_t)got, tmp, err);
	}
	if (!rc && fsync(out))
		rc = pdg_err_sys(err, PDG_E_IO, "cannot sync '%s'", tmp);
	if (close(out) && !rc)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot close '%s'", tmp);
	close(in);
	if (rc)
		unlink(tmp);
	return rc;
}

static int same_content(const char *a, const char *b)
{
	char ha[PDG_SHA256_HEX_LEN + 1], hb[PDG_SHA256_HEX_LEN + 1];
	struct pdg_err e;

	return !pdg_sha256_file_hex(a, ha, NULL, &e) && !pdg_sha256_file_hex(b, hb, NULL, &e) &&
	       !strcmp(ha, hb);
}

/* Place one instance; sets in->confirmed / already / problem. Errors only for the folder tree. */
static enum pdg_code place(const struct pdg_import_opts *o, struct pdg_import_inst *in,
			   struct pdg_err *err)
{
	char proj[NAME_MAX_SAFE + 2], pat[NAME_MAX_SAFE + 2], st[NAME_MAX_SAFE + 2];
	char se[NAME_MAX_SAFE + 2], sop[NAME_MAX_SAFE + 2];
	char dir[PDG_IMPORT_PATH_MAX + 400], dst[PDG_IMPORT_PATH_MAX + 500];
	char tmp[PDG_IMPORT_PATH_MAX + 600];
	const char *parts[4] = { proj, pat, st, se };
	struct pdg_err e;
	enum pdg_code rc;
	size_t len;

	safe_name(proj, o->project && *o->project ? o->project : "unknown-project");
	safe_name(pat, in->patient[0] ? in->patient : "unknown-patient");
	safe_name(st, in->study);
	safe_name(se, in->series);
	safe_name(sop, in->sop_instance);
	len = (size_t)snprintf(dir, sizeof(dir), "%s", o->target->folder);
	rc = mkdir_one(dir, err);
	for (size_t i = 0; !rc && i < 4; i++) {
		len += (size_t)snprintf(dir + len, sizeof(dir) - len, "/%s", parts[i]);
		rc = mkdir_one(dir, err);
	}
	if (rc)
		return rc;
	snprintf(dst, sizeof(dst), "%s/%s.dcm", dir, sop);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, sop, (long)getpid());
	(void)unlink(tmp); /* a leftover of a killed run of ours */
	if (copy_synced(in->path, tmp, &e)) {
		snprintf(in->problem, sizeof(in->problem), "cannot write into the research folder");
		return PDG_OK;
	}
	/* link: never replaces an existing file; the name appears complete or not at all */
	if (link(tmp, dst) == 0) {
		in->confirmed = 1;
	} else if (errno == EEXIST) {
		if (same_content(tmp, dst))
			in->confirmed = in->already = 1;
		else
			snprintf(in->problem, sizeof(in->problem),
				 "a different file with this instance's name is already there");
	} else {
		snprintf(in->problem, sizeof(in->problem), "cannot link into the research folder: %s",
			 strerror(errno));
	}
	(void)unlink(tmp);
	if (in->confirmed && pdg_fsync_dir(dir, &e)) {
		in->confirmed = 0;
		snprintf(in->problem, sizeof(in->problem), "cannot sync the research folder");
	}
	return PDG_OK;
}

enum pdg_code pdg_import_to_folder(const struct pdg_import_opts *o, struct pdg_import_inst *v,
				   size_t n, struct pdg_err *err)
{
	for (size_t i = 0; i < n; i++) {
		enum pdg_code rc = place(o, &v[i], err);

		if (rc)
			return rc;
	}
	return PDG_OK;
}
