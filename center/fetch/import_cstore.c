/* SPDX-License-Identifier: MIT */
/* Import target: a DICOM archive by C-STORE; an instance counts once its status is success. */
#include <stdio.h>
#include <stdlib.h>

#include "center/fetch/import.h"
#include "pdi/dicom/scu.h"

enum pdg_code pdg_import_to_cstore(const struct pdg_import_opts *o, struct pdg_import_inst *v,
				   size_t n, struct pdg_err *err)
{
	const struct pdg_import_target *t = o->target;
	struct pdg_scu_config cfg = {
		.host = t->host, .port = t->port, .called_ae = t->called_ae,
		.calling_ae = t->calling_ae, .timeout = t->timeout,
	};
	struct pdg_scu_file *f;
	enum pdg_code rc;

	if (!n)
		return PDG_OK;
	f = calloc(n, sizeof(*f));
	if (!f)
		return pdg_err_set(err, PDG_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		f[i].path = v[i].path;
	rc = pdg_scu_store(&cfg, f, n, err);
	for (size_t i = 0; i < n; i++) {
		/* PS3.4 B.2.3: warnings (Bxxx) mean stored, with coercion; anything else is not */
		if (f[i].outcome == PDG_SCU_STORED || f[i].outcome == PDG_SCU_STORED_WARNING)
			v[i].confirmed = 1;
		else if (f[i].outcome == PDG_SCU_FAILED && f[i].status)
			snprintf(v[i].problem, sizeof(v[i].problem),
				 "the archive answered C-STORE with status 0x%04X", f[i].status);
		else
			snprintf(v[i].problem, sizeof(v[i].problem), "C-STORE: %s",
				 pdg_scu_outcome_name(f[i].outcome));
	}
	free(f);
	return rc;
}
