/* SPDX-License-Identifier: MIT */
/* The audit records the pdigate commands write (PS3.15 A.5.3 event choices in hooks.h). */
#include <stdio.h>
#include <string.h>

#include "appliance/audit/audit.h"
#include "appliance/audit/hooks.h"
#include "appliance/export/export.h"
#include "appliance/home/home.h"

#define CODE(c, m) { c, "DCM", m }

static const struct pdg_audit_code security_alert = CODE("110113", "Security Alert");
static const struct pdg_audit_code security_config = CODE("110129", "Security Configuration");
static const struct pdg_audit_code restricted = CODE("110132", "Use of Restricted Function");
/* pdigate's own object id types (RFC 3881 has none for them): a local coding scheme */
static const struct pdg_audit_code pkg_id_type = { "PKG", "99PDIGATE", "Package ID" };
static const struct pdg_audit_code batch_id_type = { "BATCH", "99PDIGATE", "Batch ID" };
static const struct pdg_audit_code project_id_type = { "PROJECT", "99PDIGATE", "Project" };
static const struct pdg_audit_code key_id_type = { "KEY", "99PDIGATE", "age recipient" };

/* Fill site and source from home's config, append ev to home's log. */
static enum pdg_code append(const char *home, struct pdg_audit_event *ev, struct pdg_err *err)
{
	struct pdg_home_config cfg;
	struct pdg_err ignored = { 0 };
	char path[4200];
	int have = pdg_home_config_load(home, &cfg, &ignored) == PDG_OK;

	ev->site = have && cfg.site[0] ? cfg.site : NULL;
	ev->source_id = have && cfg.appliance_id[0] ? cfg.appliance_id : "pdigate";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", home, PDG_AUDIT_LOG) >= sizeof(path))
		return pdg_err_set(err, PDG_E_INVALID, "home path too long for the audit log");
	return pdg_audit_append(path, ev, err);
}

/* The local process as Source, requestor (the operator acts through it). */
static struct pdg_audit_participant process(const char *command)
{
	struct pdg_audit_participant p = {
		.user_id = "pdigate", .alt_user_id = command, .requestor = 1,
		.role = CODE("110153", "Source Role ID"),
	};
	return p;
}

static void counts_text(char *buf, size_t cap, const struct pdg_audit_counts *c)
{
	snprintf(buf, cap, "inputs=%zu exported=%zu quarantined=%zu skipped=%zu failed=%zu",
		 c->inputs, c->exported, c->quarantined, c->skipped, c->failed);
}

enum pdg_code pdg_audit_hook_init(const char *home, struct pdg_err *err)
{
	struct pdg_home_config cfg;
	struct pdg_err ignored = { 0 };
	struct pdg_audit_participant who = process("pdigate init");
	struct pdg_audit_object key = {
		.type_code = 2, .role = 13, .id_type = key_id_type, .id = "admin",
		.name = "administrator link-table key", .encrypted = -1, .anonymized = -1,
	};
	struct pdg_audit_event start = {
		.id = CODE("110100", "Application Activity"), .action = 'E',
		.type = CODE("110120", "Application Start"),
		.outcome_desc = "appliance home created", .participants = &who, .nparticipants = 1,
	};
	struct pdg_audit_event sec = {
		.id = security_alert, .action = 'E', .type = security_config,
		.outcome_desc = "administrator key created", .participants = &who,
		.nparticipants = 1, .objects = &key, .nobjects = 1,
	};
	enum pdg_code rc;

	if (pdg_home_config_load(home, &cfg, &ignored) == PDG_OK && cfg.admin_recipient[0])
		key.id = cfg.admin_recipient; /* a public key, no secret */
	rc = append(home, &start, err);
	return rc ? rc : append(home, &sec, err);
}

enum pdg_code pdg_audit_hook_project(const char *home, const char *project, size_t nrecipients,
				     struct pdg_err *err)
{
	struct pdg_audit_participant who = process("pdigate project add");
	char detail[32];
	struct pdg_audit_object obj = {
		.type_code = 2, .role = 13, .id_type = project_id_type, .id = project,
		.detail_type = "recipients", .detail_value = detail, .encrypted = -1,
		.anonymized = -1,
	};
	struct pdg_audit_event ev = {
		.id = security_alert, .action = 'C', .type = security_config,
		.outcome_desc = "project added, project secret created", .participants = &who,
		.nparticipants = 1, .objects = &obj, .nobjects = 1,
	};

	snprintf(detail, sizeof(detail), "%zu", nrecipients);
	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_deid(const char *home, const char *project, const char *batch_id,
				  const struct pdg_audit_counts *c, int outcome,
				  struct pdg_err *err)
{
	struct pdg_audit_participant who = process("pdigate deid");
	char counts[200];
	struct pdg_audit_object obj[2] = {
		{ .type_code = 2, .role = 20, .id_type = batch_id_type, .id = batch_id,
		  .detail_type = "counts", .detail_value = counts, .encrypted = 0, .anonymized = 1 },
		{ .type_code = 2, .role = 13, .id_type = project_id_type, .id = project,
		  .encrypted = -1, .anonymized = -1 },
	};
	struct pdg_audit_event ev = {
		.id = CODE("110103", "DICOM Instances Accessed"), .action = 'C', .outcome = outcome,
		.type = CODE("113100", "Basic Application Confidentiality Profile"),
		.outcome_desc = counts, .participants = &who, .nparticipants = 1,
		.objects = obj, .nobjects = 2,
	};

	counts_text(counts, sizeof(counts), c);
	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_export(const char *home, const char *project, const char *package_id,
				    const char *serial, const struct pdg_audit_counts *c,
				    size_t instances, int outcome, const char *desc,
				    struct pdg_err *err)
{
	int folder = !serial || !serial[0] || !strcmp(serial, "folder");
	struct pdg_audit_participant who[2] = {
		process("pdigate export"),
		{ .user_id = folder ? "folder" : serial, .requestor = 0,
		  .role = CODE("110154", "Destination Media"),
		  .media_type = folder ? (struct pdg_audit_code)CODE("110037", "URI")
				       : (struct pdg_audit_code)CODE("110030", "USB Disk Emulation") },
	};
	char counts[240];
	struct pdg_audit_object obj[2] = {
		{ .type_code = 2, .role = 20, .id_type = pkg_id_type,
		  .id = package_id && package_id[0] ? package_id : "none",
		  .detail_type = "counts", .detail_value = counts, .encrypted = 1, .anonymized = 1 },
		{ .type_code = 2, .role = 13, .id_type = project_id_type, .id = project,
		  .encrypted = -1, .anonymized = -1 },
	};
	struct pdg_audit_event ev = {
		.id = CODE("110106", "Export"), .action = 'R', .outcome = outcome,
		.outcome_desc = desc ? desc : counts, .participants = who, .nparticipants = 2,
		.objects = obj, .nobjects = 2,
	};

	counts_text(counts, sizeof(counts), c);
	snprintf(counts + strlen(counts), sizeof(counts) - strlen(counts), " instances=%zu",
		 instances);
	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_export_result(const char *home, const char *project,
					   const struct pdg_export_result *r, enum pdg_code failed,
					   struct pdg_err *err)
{
	const struct pdg_batch *b = &r->batch;
	const struct pdg_audit_counts c = { b->in.n, b->exported, b->quarantined, b->skipped,
					    b->failed };
	char desc[120], why[256];
	int outcome = failed ? 8 : b->quarantined || b->skipped || b->failed ? 4 : 0;
	enum pdg_code rc;

	/* the error's code only: its message may name an input path, which can be PHI */
	if (failed)
		snprintf(desc, sizeof(desc), "export failed (%s)%s", pdg_code_name(failed),
			 r->written ? "" : ", no package written");
	rc = pdg_audit_hook_export(home, project, r->written ? r->manifest.package_id : "",
				   r->manifest.medium_serial, &c,
				   r->written ? r->manifest.instances : 0, outcome,
				   failed ? desc : NULL, err);
	if (!rc)
		return PDG_OK;
	snprintf(why, sizeof(why), "%s", err->msg);
	if (r->written)
		return pdg_err_set(err, rc, "package %s stays written on the medium, but its audit "
				   "record was not written: %s", r->manifest.package_id, why);
	return pdg_err_set(err, rc, "the audit record of the failed export was not written: %s",
			   why);
}

enum pdg_code pdg_audit_hook_token_read(const char *home, const char *package_id,
					const char *fault, struct pdg_err *err)
{
	struct pdg_audit_participant who = process("pdigate token read");
	struct pdg_audit_object obj = {
		.type_code = 2, .role = 20, .id_type = pkg_id_type,
		.id = package_id && package_id[0] ? package_id : "malformed",
		.detail_type = fault ? "fault" : NULL, .detail_value = fault,
		.encrypted = 1, .anonymized = 1,
	};
	struct pdg_audit_event ev = {
		.id = security_alert, .action = 'R', .type = restricted, .outcome = fault ? 4 : 0,
		.outcome_desc = fault ? "malformed release token read" : "release token read",
		.participants = &who, .nparticipants = 1, .objects = &obj, .nobjects = 1,
	};

	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_sheet(const char *home, const char *command, const char *package_id,
				   const char *printer, int outcome, const char *desc,
				   struct pdg_err *err)
{
	char dest[PDG_NAME_MAX + 140];
	struct pdg_audit_participant who[2] = {
		process(command),
		{ .user_id = dest, .requestor = 0, .role = CODE("110154", "Destination Media"),
		  .media_type = CODE("110038", "Paper Document") },
	};
	struct pdg_audit_object obj = {
		.type_code = 2, .role = 20, .id_type = pkg_id_type,
		.id = package_id && package_id[0] ? package_id : "none",
		.name = "token sheet", .encrypted = -1, .anonymized = 1,
	};
	struct pdg_audit_event ev = {
		.id = CODE("110106", "Export"), .action = 'R', .outcome = outcome,
		.outcome_desc = desc ? desc : printer ? "token sheet printed"
						      : "token sheet written",
		.participants = who, .nparticipants = 2, .objects = &obj, .nobjects = 1,
	};

	if (printer)
		snprintf(dest, sizeof(dest), "printer:%s", printer);
	else
		snprintf(dest, sizeof(dest), "file");
	return append(home, &ev, err);
}

/* The stick as Destination Media participant. */
static struct pdg_audit_participant stick(const char *identity)
{
	struct pdg_audit_participant p = {
		.user_id = identity, .requestor = 0, .role = CODE("110154", "Destination Media"),
		.media_type = CODE("110030", "USB Disk Emulation"),
	};
	return p;
}

enum pdg_code pdg_audit_hook_medium_refused(const char *home, const char *command,
					    const char *identity, const char *why,
					    struct pdg_err *err)
{
	char desc[256];
	struct pdg_audit_participant who[2] = { process(command), stick(identity) };
	struct pdg_audit_event ev = {
		.id = security_alert, .action = 'E', .outcome = 4,
		.type = CODE("110130", "Hardware Configuration"), .outcome_desc = desc,
		.participants = who, .nparticipants = 2,
	};

	snprintf(desc, sizeof(desc), "USB stick refused: %s", why);
	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_medium_eject(const char *home, const char *command,
					  const char *identity, int outcome, const char *desc,
					  struct pdg_err *err)
{
	struct pdg_audit_participant who[2] = { process(command), stick(identity) };
	struct pdg_audit_event ev = {
		.id = security_alert, .action = 'E', .outcome = outcome,
		.type = CODE("110130", "Hardware Configuration"),
		.outcome_desc = desc ? desc : "USB stick unmounted and powered off",
		.participants = who, .nparticipants = 2,
	};

	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_key_change(const char *home, const char *what,
					const char *fingerprint, struct pdg_err *err)
{
	struct pdg_audit_participant who = process("pdigate keys");
	struct pdg_audit_object key = {
		.type_code = 2, .role = 13, .id_type = key_id_type, .id = what,
		.detail_type = "fingerprint", .detail_value = fingerprint,
		.encrypted = -1, .anonymized = -1,
	};
	struct pdg_audit_event ev = {
		.id = security_alert, .action = 'C', .type = security_config,
		.outcome_desc = "key created", .participants = &who, .nparticipants = 1,
		.objects = &key, .nobjects = 1,
	};

	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_purge(const char *home, const char *before, size_t removed,
				   const char *packages, int outcome, const char *desc,
				   struct pdg_err *err)
{
	struct pdg_audit_participant who = process("pdigate purge");
	char detail[80];
	struct pdg_audit_object obj = {
		.type_code = 2, .role = 20, .id_type = pkg_id_type,
		.id = packages && packages[0] ? packages : "none",
		.detail_type = "purge", .detail_value = detail, .encrypted = -1, .anonymized = -1,
	};
	struct pdg_audit_event ev = {
		.id = CODE("110103", "DICOM Instances Accessed"), .action = 'D', .outcome = outcome,
		.outcome_desc = desc ? desc : detail, .participants = &who, .nparticipants = 1,
		.objects = &obj, .nobjects = 1,
	};

	snprintf(detail, sizeof(detail), "removed=%zu before=%.10s", removed, before);
	return append(home, &ev, err);
}

enum pdg_code pdg_audit_hook_import(const char *home, const char *command, const char *source,
				    const char *address, const struct pdg_audit_import *c,
				    int outcome, const char *desc, struct pdg_err *err)
{
	struct pdg_audit_participant who[2] = {
		{ .user_id = source && source[0] ? source : "unknown", .requestor = 1,
		  .role = CODE("110153", "Source Role ID"), .nap_id = address,
		  .nap_type = address ? 2 : 0 },
		{ .user_id = "pdigate", .alt_user_id = command, .requestor = 0,
		  .role = CODE("110152", "Destination Role ID") },
	};
	char counts[160];
	struct pdg_audit_object obj = {
		.type_code = 2, .role = 20, .id_type = batch_id_type, .id = command,
		.detail_type = "counts", .detail_value = counts, .encrypted = 0, .anonymized = 0,
	};
	struct pdg_audit_event ev = {
		.id = CODE("110104", "DICOM Instances Transferred"), .action = 'C',
		.outcome = outcome, .outcome_desc = desc && desc[0] ? desc : counts,
		.participants = who, .nparticipants = 2, .objects = &obj, .nobjects = 1,
	};

	if (!address)
		who[0].media_type = (struct pdg_audit_code)CODE("110037", "URI");
	snprintf(counts, sizeof(counts), "imported=%zu duplicates=%zu refused=%zu", c->imported,
		 c->duplicates, c->refused);
	return append(home, &ev, err);
}
