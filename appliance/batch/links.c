/* SPDX-License-Identifier: MIT */
/* A batch's link records into the encrypted link table, in as many puts as needed. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "appliance/batch/batch.h"
#include "appliance/home/linktab.h"

enum pdg_code pdg_batch_store_links(const struct pdg_batch *b, const char *home,
				    const char *project, size_t *stored, struct pdg_err *err)
{
	size_t cap = b->nlinks < PDG_LINKTAB_PUT_MAX ? b->nlinks : PDG_LINKTAB_PUT_MAX;
	struct pdg_link_record *rec;
	enum pdg_code rc = PDG_OK;
	size_t n = 0;

	*stored = 0;
	if (!b->nlinks)
		return PDG_OK;
	rec = calloc(cap, sizeof(*rec));
	if (!rec)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory storing link records");
	for (size_t i = 0; i <= b->nlinks && !rc; i++) {
		if (n == cap || (i == b->nlinks && n)) {
			rc = pdg_linktab_put(home, project, rec, n, err);
			OPENSSL_cleanse(rec, n * sizeof(*rec));
			if (!rc)
				*stored += n;
			n = 0;
		}
		if (i == b->nlinks || !b->links[i].patient_id[0])
			continue;
		snprintf(rec[n].pseudonym, sizeof(rec[n].pseudonym), "%s", b->links[i].pseudonym);
		snprintf(rec[n].patient_id, sizeof(rec[n].patient_id), "%s", b->links[i].patient_id);
		rec[n].date_offset_days = b->links[i].date_offset_days;
		n++;
	}
	OPENSSL_cleanse(rec, cap * sizeof(*rec));
	free(rec);
	if (rc)
		pdg_err_prefix(err, "the link records could not be stored (the de-identified files "
				    "cannot be traced back: do not export them)");
	return rc;
}
