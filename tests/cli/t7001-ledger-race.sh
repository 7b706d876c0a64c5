#!/bin/sh
# SPDX-License-Identifier: MIT
# One package redeemed at once from 8 processes, and from 8 threads of one process, and from
# 8 processes of 8 threads: released exactly once, every other attempt refused and audited.
# SQLite and a throwaway PostgreSQL cluster.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"

suite() { # $1 backend name, $2 command making a fresh ledger url
	b=$1 mk=$2

	test_expect_success "$b: 8 processes redeem one package: released exactly once" '
		u=$('"$mk"' procs) && pdg-ledger "$u" setup &&
		pdg-ledger "$u" create P1 p1 1 s1 && pdg-ledger "$u" upload P1 &&
		for i in 1 2 3 4 5 6 7 8; do
			( pdg-ledger "$u" redeem P1 s1 dc1 >/dev/null 2>&1 && r=0 || r=$?; echo $r >rc.$i ) &
		done
		wait
		test "$(cat rc.* | grep -c "^0$")" = 1 &&
		test "$(cat rc.* | grep -c "^5$")" = 7 &&
		test "$(pdg-ledger "$u" audit P1 | grep -c "outcome=released")" = 1 &&
		test "$(pdg-ledger "$u" audit P1 | grep -c "outcome=not-releasable")" = 7 &&
		pdg-ledger "$u" check
	'
	test_expect_success "$b: 8 threads of one process: released exactly once" '
		u=$('"$mk"' threads) && pdg-ledger "$u" setup &&
		pdg-ledger "$u" create P1 p1 1 s1 && pdg-ledger "$u" upload P1 &&
		pdg-ledger "$u" race P1 s1 dc1 8 >out && grep -qx "released=1 failed=0" out &&
		pdg-ledger "$u" check
	'
	test_expect_success "$b: 8 processes of 8 threads on 4 packages: each released once" '
		u=$('"$mk"' many) && pdg-ledger "$u" setup &&
		for p in Q1 Q2 Q3 Q4; do pdg-ledger "$u" create $p p1 1 s && pdg-ledger "$u" upload $p; done &&
		for i in 1 2 3 4 5 6 7 8; do
			( p=Q$(( (i % 4) + 1 )); pdg-ledger "$u" race $p s dc1 8 >out.$i 2>&1 ) &
		done
		wait
		cat out.* &&
		test "$(cat out.* | grep -c "failed=0")" = 8 &&
		test "$(cat out.* | sed -n "s/^released=\([0-9]*\).*/\1/p" | paste -sd+ | bc)" = 4 &&
		test "$(pdg-ledger "$u" list RELEASED | grep -c "")" = 4 &&
		test "$(pdg-ledger "$u" audit | grep -c "outcome=released")" = 4 &&
		pdg-ledger "$u" check
	'
}

sqlite_url() {
	echo "sqlite:$TEST_ROOT/$1.db"
}
suite sqlite sqlite_url
if pg_start; then
	suite postgresql pg_newdb
else
	test_skip 'postgresql backend' "$PG_SKIP_REASON"
fi
test_done
