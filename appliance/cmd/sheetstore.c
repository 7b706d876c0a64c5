/* SPDX-License-Identifier: MIT */
/* The home's stored token sheets (state/sheets/<PKG>.json), for pdigate token reprint. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "appliance/cmd/cmds.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"
#include "tokens/codec.h"
#include "tokens/sheetrec.h"

static enum pdg_code rec_path(const char *home, const char *pkgid, char *path, size_t cap,
			      struct pdg_err *err)
{
	char name[64];

	if (!pdg_pkgid_valid(pkgid))
		return pdg_err_set(err, PDG_E_INVALID, "'%s' is not a package id", pkgid);
	snprintf(name, sizeof(name), "%s/%s.json", PDG_CMD_SHEETS, pkgid);
	return pdg_path_join(path, cap, home, name, err);
}

enum pdg_code pdg_cmd_sheet_store(const char *home, const struct pdg_sheetrec *r,
				  struct pdg_err *err)
{
	struct pdg_home_config cfg;
	char path[PATH_MAX], *text = NULL;
	enum pdg_code rc = pdg_home_config_load(home, &cfg, err);

	if (rc)
		return rc;
	if (!cfg.admin_recipient[0])
		return pdg_err_set(err, PDG_E_POLICY, "this home has no administrator key, so the "
				   "sheet is not kept for a reprint");
	rc = pdg_path_join(path, sizeof(path), home, PDG_CMD_SHEETS, err);
	if (!rc && mkdir(path, 0700) && errno != EEXIST)
		rc = pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", path);
	if (!rc)
		rc = rec_path(home, r->pkg.token.pkgid, path, sizeof(path), err);
	if (!rc)
		rc = pdg_sheetrec_encode(r, cfg.admin_recipient, &text, err);
	if (!rc)
		rc = pdg_write_atomic(path, text, strlen(text), 0600, PDG_WRITE_NOREPLACE, err);
	free(text);
	return rc;
}

enum pdg_code pdg_cmd_sheet_load(const char *home, const char *pkgid, const char *identity,
				 struct pdg_sheetrec *r, struct pdg_err *err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	enum pdg_code rc = rec_path(home, pkgid, path, sizeof(path), err);

	if (!rc)
		rc = pdg_read_file(path, PDG_SHEETREC_MAX, &text, &len, err);
	if (rc == PDG_E_NOTFOUND)
		return pdg_err_set(err, rc, "no stored sheet for package %s on this appliance",
				   pkgid);
	if (!rc)
		rc = pdg_sheetrec_decode(text, len, identity, r, err);
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return rc;
}
