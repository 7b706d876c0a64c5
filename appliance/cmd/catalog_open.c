/* SPDX-License-Identifier: MIT */
/* Opening the home's study catalog for the commands (receive, studies, import, purge). */
#include <errno.h>
#include <ini.h>
#include <string.h>
#include <sys/stat.h>

#include "appliance/catalog/catalog.h"
#include "appliance/cmd/cmds.h"
#include "appliance/home/fsutil.h"
#include "appliance/home/home.h"

static int spool_cb(void *user, const char *section, const char *name, const char *value)
{
	if (!strcmp(section, "receive") && !strcmp(name, "spool"))
		return pdg_str_copy(user, 4096, value);
	return 1;
}

enum pdg_code pdg_cmd_open_catalog(const char *home, struct pdg_catalog **cat, char *spool,
				   size_t cap, struct pdg_err *err)
{
	char cfg[4200], state[4200], db[4300], conf_spool[4096] = "";
	enum pdg_code rc;

	if ((rc = pdg_path_join(cfg, sizeof cfg, home, PDG_HOME_CONFIG, err)) ||
	    (rc = pdg_path_join(state, sizeof state, home, PDG_HOME_STATE, err)) ||
	    (rc = pdg_path_join(db, sizeof db, state, PDG_CATALOG_DB, err)))
		return rc;
	if (ini_parse(cfg, spool_cb, conf_spool) < 0)
		return pdg_err_set(err, PDG_E_NOTFOUND, "no appliance home at '%s'", home);
	if (mkdir(state, 0700) && errno != EEXIST)
		return pdg_err_sys(err, PDG_E_IO, "cannot create '%s'", state);
	if (conf_spool[0]) {
		if (!pdg_str_copy(spool, cap, conf_spool))
			return pdg_err_set(err, PDG_E_LIMIT, "spool path too long");
	} else if ((rc = pdg_path_join(spool, cap, state, PDG_CATALOG_SPOOL, err))) {
		return rc;
	}
	return pdg_catalog_open(db, spool, cat, err);
}

enum pdg_code pdg_cmd_catalog_inputs(const char *home, const char *const *uids, size_t nuids,
				     const char *const *acc, size_t nacc, char ***paths,
				     size_t *n, struct pdg_err *err)
{
	struct pdg_catalog *cat = NULL;
	char spool[4096];
	enum pdg_code rc = pdg_cmd_open_catalog(home, &cat, spool, sizeof spool, err);

	if (rc)
		return rc;
	rc = pdg_catalog_select(cat, uids, nuids, acc, nacc, paths, n, err);
	pdg_catalog_close(cat);
	return rc;
}

enum pdg_code pdg_cmd_catalog_exported(const char *home, const char *const *paths, size_t n,
				       const char *package, struct pdg_err *err)
{
	struct pdg_catalog *cat = NULL;
	char spool[4096];
	enum pdg_code rc = pdg_cmd_open_catalog(home, &cat, spool, sizeof spool, err);

	if (rc)
		return rc;
	rc = pdg_catalog_mark_exported(cat, paths, n, package, err);
	pdg_catalog_close(cat);
	return rc;
}
