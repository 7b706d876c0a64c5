#!/bin/sh
# SPDX-License-Identifier: MIT
# t7601-sync.sh again with the PostgreSQL ledger (issue 5 acceptance 4: the same suite on both
# ledgers): a throwaway cluster (tests/cli/pg-lib.sh), a fresh database, the same tests.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"
if ! pg_start || ! url=$(pg_newdb center); then
	test_skip "the sync tests (killed download resumes, acknowledgement only after import) on PostgreSQL" \
		"${PG_SKIP_REASON:-createdb failed}"
	test_done
	exit
fi
PDG_CENTER_LEDGER=$url sh "$(dirname "$0")/t7601-sync.sh"
