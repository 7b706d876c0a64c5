/* SPDX-License-Identifier: MIT */
/* pdigate deid --preview: PNGs of every frame with the masks of the matching rule drawn. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "appliance/cmd/cmds.h"
#include "appliance/deid/pixels.h"
#include "appliance/home/home.h"
#include "lib/log.h"
#include "pdi/dicom/dcm.h"

/* The rule set: --rules FILE (+ defaults unless it says no), else the project's, else defaults. */
static enum pdg_code load_rules(const struct pdg_deid_preview_opts *o, struct pdg_pixrules *rs,
				struct pdg_err *err)
{
	struct pdg_project proj;
	enum pdg_code rc;

	pdg_pixrules_init(rs);
	if (o->rules) {
		rc = pdg_pixrules_load(rs, o->rules, "preview", err);
		if (rc || !rs->use_defaults)
			return rc;
		return pdg_pixrules_load_project(rs, NULL, err);
	}
	if (!o->project)
		return pdg_pixrules_load_project(rs, NULL, err);
	rc = pdg_project_load(pdg_home_path(o->home), o->project, &proj, err);
	if (rc)
		return rc;
	rc = pdg_pixrules_load_project(rs, proj.ini_path, err);
	pdg_project_wipe(&proj);
	return rc;
}

int pdg_cmd_deid_preview(const struct pdg_deid_preview_opts *o)
{
	struct pdg_pixrules rs;
	struct pdg_pix_image img;
	struct pdg_pixhdr h;
	struct pdg_dcm *dcm = NULL;
	struct pdg_err err = { 0 };
	const struct pdg_pixrule *rule;
	const char *dir = o->out ? o->out : ".";
	unsigned written = 0;
	int rc = 1;

	if (load_rules(o, &rs, &err)) {
		pdg_log(PDG_LOG_ERR, "%s", err.msg);
		pdg_pixrules_free(&rs);
		return 1;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		pdg_err_sys(&err, PDG_E_IO, "cannot create '%s'", dir);
		goto fail;
	}
	if (pdg_dcm_read(o->file, 0, &dcm, &err))
		goto fail;
	pdg_deid_pixhdr(dcm, &h); /* the original header, as the engine matches it */
	rule = pdg_pixrules_match(&rs, &h);
	if (pdg_pix_decode(dcm, &img, &err))
		goto fail;
	if (rule && o->cleaned)
		pdg_deid_pixels_blank(&img, rule);
	if (pdg_deid_pixels_preview(&img, o->cleaned || o->no_masks ? NULL : rule, dir, "frame",
				    &written, &err))
		goto fail;
	if (rule)
		printf("rule %s (%s, line %u): %zu masks; %u frames written to %s\n", rule->name,
		       rule->origin, rule->line, rule->nmask, written, dir);
	else
		printf("no rule matches (modality %.16s): %u frames written to %s without masks;\n"
		       "pdigate deid would quarantine this instance if it may carry burned-in text\n",
		       h.sel[PDG_PIXSEL_MODALITY][0] ? h.sel[PDG_PIXSEL_MODALITY] : "-", written,
		       dir);
	rc = rule ? 0 : 3;
	goto out;
fail:
	pdg_log(PDG_LOG_ERR, "%s", err.msg);
out:
	pdg_dcm_free(dcm);
	pdg_pixrules_free(&rs);
	return rc;
}
