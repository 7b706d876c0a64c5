/* SPDX-License-Identifier: MIT */
/* The subcommands of `pdigate`, one file each in appliance/cmd/. */
#ifndef PDG_APPLIANCE_CMDS_H
#define PDG_APPLIANCE_CMDS_H

/*
 * Each subcommand gets argv with argv[0] = its own name and returns the process exit
 * status (docs/exit-codes.md): 0 ok, 1 failure, 2 usage, 3 done with quarantined inputs.
 */
int cmd_audit(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_deid(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_project(int argc, char **argv);
int cmd_pdi(int argc, char **argv);
int cmd_reid(int argc, char **argv);
int cmd_receive(int argc, char **argv);
int cmd_studies(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_media(int argc, char **argv);

/* `pdigate deid --preview FILE`: options, and the run (deid_preview.c); exit status as above. */
struct pdg_deid_preview_opts {
	const char *file, *out, *project, *home, *rules;
	int no_masks, cleaned;
};
int pdg_cmd_deid_preview(const struct pdg_deid_preview_opts *o);

#include <stddef.h>
#include "lib/err.h"
struct pdg_catalog;
/*
 * Open the catalog of home (state/catalog.db) with the spool of config.ini [receive] spool
 * (default state/spool), written into spool (cap bytes). Errors as pdg_catalog_open;
 * PDG_E_NOTFOUND without a home.
 */
enum pdg_code pdg_cmd_open_catalog(const char *home, struct pdg_catalog **cat, char *spool,
				   size_t cap, struct pdg_err *err);

struct pdg_medium;
/*
 * The USB sticks (pdg_media_list) judged by the home's [media] policy (pdg_media_check):
 * appliance/cmd/media.c. Errors: those of pdg_media_policy_load and pdg_media_list.
 */
enum pdg_code pdg_cmd_media_scan(const char *home, struct pdg_medium *list, size_t *n,
				 struct pdg_err *err);

/*
 * Eject m (pdg_media_eject) and record it in the audit log (command, e.g. "pdigate export").
 * Errors: those of pdg_media_eject, or of the audit log after a successful eject.
 */
enum pdg_code pdg_cmd_media_eject(const char *home, const char *command,
				  const struct pdg_medium *m, struct pdg_err *err);

/* Stored token sheets (docs/formats.md "Stored token sheets"): appliance/cmd/sheetstore.c. */
#define PDG_CMD_SHEETS "state/sheets"
struct pdg_sheetrec;

/*
 * Store r as <home>/state/sheets/<PKG>.json (0600, never replaced), its secret sealed to the
 * administrator's recipient of config.ini. Errors: PDG_E_POLICY (the home has no
 * administrator key), PDG_E_EXISTS, PDG_E_IO, those of pdg_sheetrec_encode.
 */
enum pdg_code pdg_cmd_sheet_store(const char *home, const struct pdg_sheetrec *r,
				  struct pdg_err *err);

/*
 * Load the stored sheet of package pkgid, unsealing the secret with identity (NULL: leave it
 * zero). Errors: PDG_E_INVALID (not a package id), PDG_E_NOTFOUND, those of
 * pdg_sheetrec_decode. The caller wipes r.
 */
enum pdg_code pdg_cmd_sheet_load(const char *home, const char *pkgid, const char *identity,
				 struct pdg_sheetrec *r, struct pdg_err *err);

/*
 * The spool paths of the studies named by study UID or accession number in home's catalog
 * (pdg_catalog_select), for pdigate export. *paths freed with pdg_catalog_paths_free.
 */
enum pdg_code pdg_cmd_catalog_inputs(const char *home, const char *const *uids, size_t nuids,
				     const char *const *acc, size_t nacc, char ***paths,
				     size_t *n, struct pdg_err *err);

/* Record in home's catalog that the inputs exported are in package (others untouched). */
enum pdg_code pdg_cmd_catalog_exported(const char *home, const char *const *paths, size_t n,
				       const char *package, struct pdg_err *err);

#endif
