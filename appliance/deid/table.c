/* SPDX-License-Identifier: MIT */
/* Lookup in the generated PS3.15 Table E.1-1 (table_e11.c). */
#include "appliance/deid/table.h"

long pdg_deid_table_find(uint32_t tag)
{
	size_t lo = 0, hi = pdg_deid_table_plain;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t t = pdg_deid_table[mid].tag;

		if (t == tag)
			return (long)mid;
		if (t < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* PS3.15 E.1.1: private attributes first, so odd 50xx/60xx groups are private. */
	if (tag & 0x00010000u)
		return (long)pdg_deid_table_len - 1;
	for (size_t i = pdg_deid_table_plain; i < pdg_deid_table_len - 1; i++)
		if ((tag & pdg_deid_table[i].mask) == pdg_deid_table[i].tag)
			return (long)i;
	return -1;
}

const char *pdg_deid_code_name(enum pdg_deid_code code)
{
	static const char *const names[PDG_AC_MAX] = {
		[PDG_AC_NONE] = "", [PDG_AC_X] = "X", [PDG_AC_D] = "D", [PDG_AC_Z] = "Z",
		[PDG_AC_K] = "K", [PDG_AC_C] = "C", [PDG_AC_U] = "U", [PDG_AC_ZD] = "Z/D",
		[PDG_AC_XZ] = "X/Z", [PDG_AC_XD] = "X/D", [PDG_AC_XZD] = "X/Z/D",
		[PDG_AC_XZU] = "X/Z/U*",
	};

	if ((unsigned)code >= PDG_AC_MAX)
		return "";
	return names[code];
}
