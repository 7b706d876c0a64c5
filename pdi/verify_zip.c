/* SPDX-License-Identifier: MIT */
/* Checking a ZIP of a PDI file set: safe unpacking into a private folder, then the folder check. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdi/tree.h"
#include "pdi/unzip.h"
#include "pdi/verify.h"

enum pdg_code pdg_pdi_verify_zip(const char *zip_path, pdg_pdi_report_fn *report, void *ctx,
				 struct pdg_pdi_verify_stats *stats, struct pdg_err *err)
{
	struct pdg_pdi_verify_stats local = { 0 };
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX - 16], set[PATH_MAX];
	enum pdg_code rc;
	struct pdg_err rerr;
	size_t nbad = 0;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	snprintf(dir, sizeof(dir), "%s/pdg-verify.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return pdg_err_sys(err, PDG_E_IO, "cannot create a temporary folder");
	snprintf(set, sizeof(set), "%s/set", dir);
	rc = pdg_pdi_unzip(zip_path, set, NULL, report, ctx, &nbad, err);
	stats->violations = nbad;
	if (!rc)
		rc = pdg_pdi_verify_dir(set, report, ctx, stats, err);
	if (rc == PDG_E_INVALID && stats->violations)
		pdg_err_set(err, PDG_E_INVALID, "%zu problem%s in '%s'", stats->violations,
			    stats->violations == 1 ? "" : "s", zip_path);
	if (pdg_pdi_tree_remove(dir, &rerr) && !rc)
		rc = pdg_err_set(err, rerr.code, "%s", rerr.msg);
	return rc;
}
