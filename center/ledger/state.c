/* SPDX-License-Identifier: MIT */
/* The package states of the ledger, their names and the legal transitions. */
#include <string.h>

#include "center/ledger/ledger.h"

static const char *const names[PDG_LS_MAX] = {
	[PDG_LS_NONE] = "NONE",
	[PDG_LS_UPLOADING] = "UPLOADING",
	[PDG_LS_RECEIVED] = "RECEIVED",
	[PDG_LS_RELEASED] = "RELEASED",
	[PDG_LS_DOWNLOADED] = "DOWNLOADED",
	[PDG_LS_ACKNOWLEDGED] = "ACKNOWLEDGED",
	[PDG_LS_PURGED] = "PURGED",
	[PDG_LS_EXPIRED] = "EXPIRED",
	[PDG_LS_REVOKED] = "REVOKED",
};

#define BIT(s) (1u << (s))

/* For each state, the set of states it may move to. */
static const unsigned legal[PDG_LS_MAX] = {
	[PDG_LS_UPLOADING] = BIT(PDG_LS_RECEIVED) | BIT(PDG_LS_EXPIRED) | BIT(PDG_LS_REVOKED),
	[PDG_LS_RECEIVED] = BIT(PDG_LS_RELEASED) | BIT(PDG_LS_EXPIRED) | BIT(PDG_LS_REVOKED),
	[PDG_LS_RELEASED] = BIT(PDG_LS_DOWNLOADED) | BIT(PDG_LS_ACKNOWLEDGED) | BIT(PDG_LS_REVOKED),
	[PDG_LS_DOWNLOADED] = BIT(PDG_LS_ACKNOWLEDGED) | BIT(PDG_LS_REVOKED),
	[PDG_LS_ACKNOWLEDGED] = BIT(PDG_LS_PURGED),
	[PDG_LS_EXPIRED] = BIT(PDG_LS_PURGED),
	[PDG_LS_REVOKED] = BIT(PDG_LS_PURGED),
};

const char *pdg_ledger_state_name(enum pdg_ledger_state s)
{
	if ((unsigned)s >= PDG_LS_MAX)
		return "?";
	return names[s];
}

enum pdg_ledger_state pdg_ledger_state_parse(const char *s)
{
	for (unsigned i = PDG_LS_UPLOADING; s && i < PDG_LS_MAX; i++)
		if (!strcmp(s, names[i]))
			return (enum pdg_ledger_state)i;
	return PDG_LS_NONE;
}

int pdg_ledger_transition_legal(enum pdg_ledger_state from, enum pdg_ledger_state to)
{
	if ((unsigned)from >= PDG_LS_MAX || (unsigned)to >= PDG_LS_MAX || to == PDG_LS_NONE)
		return 0;
	return (legal[from] & BIT(to)) != 0;
}

const char *pdg_ledger_redeem_outcome_name(enum pdg_ledger_redeem_outcome o)
{
	switch (o) {
	case PDG_REDEEM_RELEASED: return "released";
	case PDG_REDEEM_UNKNOWN: return "unknown";
	case PDG_REDEEM_WRONG_SECRET: return "wrong-secret";
	case PDG_REDEEM_NOT_RELEASABLE: return "not-releasable";
	case PDG_REDEEM_RATE_LIMITED: return "rate-limited";
	}
	return "?";
}
