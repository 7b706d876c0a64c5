/* SPDX-License-Identifier: MIT */
/* Shared between the files of appliance/catalog/ only. */
#ifndef PDG_CATALOG_INTERNAL_H
#define PDG_CATALOG_INTERNAL_H

#include <sqlite3.h>

#include "appliance/catalog/catalog.h"

struct pdg_catalog {
	sqlite3 *db;
	char spool[4096];
	char tmp[4200];
};

/* PDG_E_IO with SQLite's error text for the last call (never a value). */
enum pdg_code pdg_catalog_sqlerr(struct pdg_catalog *cat, struct pdg_err *err, const char *what);

/*
 * Insert the row for an instance. With tmp_path: read it, move it into the spool under a
 * random name, then insert (path ignored). Without: index the spool file at path as it is.
 * arrived NULL: now. Duplicates recorded, *duplicate = 1.
 */
enum pdg_code pdg_catalog_insert_row(struct pdg_catalog *cat, const char *path,
				     const char *tmp_path, const struct pdg_catalog_origin *o,
				     const char *arrived, int *duplicate, struct pdg_err *err);

#endif
