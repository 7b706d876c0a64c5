/* SPDX-License-Identifier: MIT */
/* Type 1C attributes whose condition de-identification removed are removed too (PS3.3). */
#include "appliance/deid/conditions.h"

#include "lib/compiler.h"
#include "pdi/dicom/dcm.h"

/*
 * (dependent, condition): the dependent is Type 1C "required if condition is present", and
 * Table E.1-1 removes the condition (X) but replaces the dependent (D), which leaves an
 * attribute present when its condition is unsatisfied (dciodvfy: "Attribute present when
 * condition unsatisfied"). Found by tests/cli/t2500-deid-acceptance.sh.
 */
static const struct {
	uint32_t dependent, condition;
} orphans[] = {
	/* PS3.3 C.7.1.3 Clinical Trial Subject: Ethics Committee Name (D) is required if the
	 * Ethics Committee Approval Number (X) is present */
	{ PDG_TAG(0x0012, 0x0081), PDG_TAG(0x0012, 0x0082) },
};

enum pdg_code pdg_deid_drop_orphans(struct pdg_dcm_item *ds, struct pdg_err *err)
{
	for (size_t i = 0; i < PDG_ARRAY_SIZE(orphans); i++) {
		if (!pdg_dcm_has(ds, orphans[i].dependent) || pdg_dcm_has(ds, orphans[i].condition))
			continue;
		enum pdg_code rc = pdg_dcm_remove(ds, orphans[i].dependent, err);
		if (rc)
			return rc;
	}
	return PDG_OK;
}
