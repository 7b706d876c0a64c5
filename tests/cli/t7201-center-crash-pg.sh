#!/bin/sh
# SPDX-License-Identifier: MIT
# t7200-center-crash.sh again with the PostgreSQL ledger (issue 5 acceptance 4): a throwaway cluster
# (tests/cli/pg-lib.sh), a fresh database, the same tests and the same expectations.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"
if ! pg_start || ! url=$(pg_newdb center); then
	test_skip 'the crash tests on PostgreSQL' "${PG_SKIP_REASON:-createdb failed}"
	test_done
	exit
fi
PDG_CENTER_LEDGER=$url PDG_PG_DUMP=$(pg_bin)/pg_dump sh "$(dirname "$0")/t7200-center-crash.sh"
