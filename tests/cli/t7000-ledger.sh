#!/bin/sh
# SPDX-License-Identifier: MIT
# The center's ledger through tests/tools/pdg-ledger: every transition, illegal ones refused,
# per-data-center listings, purge and expiry selection, the audit chain; on SQLite and on a
# throwaway PostgreSQL cluster (skipped, with the reason, only if PostgreSQL cannot start).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"

suite() { # $1 backend name, $2 command making a fresh ledger url (gets a name)
	b=$1 mk=$2

	test_expect_success "$b: every transition of one package, audited and consistent" '
		u=$('"$mk"' life) && pdg-ledger "$u" setup &&
		pdg-ledger "$u" create P1 p1 3 s1 &&
		pdg-ledger "$u" get P1 | grep -q "state=UPLOADING" &&
		pdg-ledger "$u" upload P1 &&
		pdg-ledger "$u" get P1 | grep -q "state=RECEIVED .*received_bytes=306" &&
		pdg-ledger "$u" redeem P1 s1 dc1 &&
		pdg-ledger "$u" blob P1 sealed | grep -qx "age-sealed-for-dc1" &&
		pdg-ledger "$u" transition P1 RELEASED DOWNLOADED dc1 &&
		pdg-ledger "$u" transition P1 DOWNLOADED ACKNOWLEDGED dc1 &&
		pdg-ledger "$u" transition P1 ACKNOWLEDGED PURGED &&
		pdg-ledger "$u" audit P1 >audit &&
		grep -c "" audit | grep -qx 6 &&
		grep -q "RECEIVED->RELEASED outcome=released" audit &&
		grep -q "ACKNOWLEDGED->PURGED" audit &&
		pdg-ledger "$u" check
	'
	test_expect_success "$b: redeem outcomes: wrong secret, unknown, twice, wrong data center" '
		u=$('"$mk"' redeem) && pdg-ledger "$u" setup &&
		pdg-ledger "$u" create P1 p1 1 s1 && pdg-ledger "$u" upload P1 &&
		{ pdg-ledger "$u" redeem P1 nope dc1; test $? = 4; } &&
		{ pdg-ledger "$u" redeem P9 s1 dc1; test $? = 3; } &&
		{ pdg-ledger "$u" redeem P1 s1 dc2 2>err; test $? = 1; } && grep -q "another data center" err &&
		pdg-ledger "$u" get P1 | grep -q state=RECEIVED &&
		pdg-ledger "$u" redeem P1 s1 dc1 &&
		{ pdg-ledger "$u" redeem P1 s1 dc1; test $? = 5; } &&
		pdg-ledger "$u" refused P1 &&
		pdg-ledger "$u" audit P1 >audit &&
		grep -q "outcome=wrong-secret" audit && grep -q "outcome=rate-limited" audit &&
		test "$(grep -c "outcome=released" audit)" = 1 &&
		! grep -q s1 audit &&
		pdg-ledger "$u" check
	'
	test_expect_success "$b: illegal transitions are refused and change nothing" '
		u=$('"$mk"' illegal) && pdg-ledger "$u" setup &&
		pdg-ledger "$u" create P1 p1 1 s1 &&
		{ pdg-ledger "$u" redeem P1 s1 dc1; test $? = 5; } &&
		{ pdg-ledger "$u" transition P1 UPLOADING RELEASED; test $? = 5; } &&
		{ pdg-ledger "$u" transition P1 UPLOADING RECEIVED; test $? = 5; } &&
		{ pdg-ledger "$u" received P1; test $? = 1; } &&
		{ pdg-ledger "$u" complete P1 1 bad; test $? = 1; } &&
		pdg-ledger "$u" upload P1 &&
		{ pdg-ledger "$u" transition P1 RECEIVED DOWNLOADED dc1; test $? = 5; } &&
		{ pdg-ledger "$u" transition P1 RECEIVED PURGED; test $? = 5; } &&
		{ pdg-ledger "$u" transition P1 UPLOADING EXPIRED; test $? = 5; } &&
		pdg-ledger "$u" redeem P1 s1 dc1 &&
		{ pdg-ledger "$u" transition P1 RELEASED DOWNLOADED dc2; test $? = 5; } &&
		{ pdg-ledger "$u" transition P1 RELEASED EXPIRED; test $? = 5; } &&
		{ pdg-ledger "$u" transition P1 RELEASED PURGED; test $? = 5; } &&
		pdg-ledger "$u" transition P1 RELEASED REVOKED &&
		{ pdg-ledger "$u" transition P1 REVOKED RELEASED; test $? = 5; } &&
		pdg-ledger "$u" transition P1 REVOKED PURGED &&
		{ pdg-ledger "$u" transition P1 PURGED REVOKED; test $? = 5; } &&
		pdg-ledger "$u" get P1 | grep -q state=PURGED &&
		pdg-ledger "$u" check
	'
	test_expect_success "$b: a data center lists only what was released to it" '
		u=$('"$mk"' lists) && pdg-ledger "$u" setup &&
		for p in A1 A2; do pdg-ledger "$u" create $p p1 1 s$p && pdg-ledger "$u" upload $p; done &&
		for p in B1 B2; do pdg-ledger "$u" create $p p2 1 s$p && pdg-ledger "$u" upload $p; done &&
		pdg-ledger "$u" redeem A1 sA1 dc1 && pdg-ledger "$u" redeem B2 sB2 dc2 &&
		pdg-ledger "$u" released dc1 >dc1 && pdg-ledger "$u" released dc2 >dc2 &&
		test "$(cut -d" " -f1 dc1)" = A1 && test "$(cut -d" " -f1 dc2)" = B2 &&
		pdg-ledger "$u" released st1 >st && test ! -s st &&
		pdg-ledger "$u" list RECEIVED | cut -d" " -f1 | sort | tr "\n" " " | grep -qx "A2 B1 "
	'
	test_expect_success "$b: purge and expiry selection follow the project days" '
		u=$('"$mk"' due) && pdg-ledger "$u" setup && now=$(date +%s) && day=86400 &&
		pdg-ledger "$u" create R1 p1 1 r && pdg-ledger "$u" upload R1 &&
		pdg-ledger "$u" create U1 p1 1 u &&
		pdg-ledger "$u" create K1 p1 1 k && pdg-ledger "$u" upload K1 &&
		pdg-ledger "$u" redeem K1 k dc1 &&
		pdg-ledger "$u" transition K1 RELEASED ACKNOWLEDGED dc1 &&
		test -z "$(pdg-ledger "$u" due-expiry $((now + 59 * day)))" &&
		pdg-ledger "$u" due-expiry $((now + 61 * day)) | cut -d" " -f1 | sort | tr "\n" " " |
			grep -qx "R1 U1 " &&
		test -z "$(pdg-ledger "$u" due-purge $((now + 29 * day)))" &&
		pdg-ledger "$u" due-purge $((now + 31 * day)) | cut -d" " -f1 | grep -qx K1 &&
		pdg-ledger "$u" transition R1 RECEIVED EXPIRED &&
		pdg-ledger "$u" due-purge $now | cut -d" " -f1 | grep -qx R1 &&
		pdg-ledger "$u" transition R1 EXPIRED PURGED &&
		test -z "$(pdg-ledger "$u" due-purge $now)" &&
		pdg-ledger "$u" check
	'
}

sqlite_url() {
	echo "sqlite:$TEST_ROOT/$1.db"
}
suite sqlite sqlite_url

if pg_start; then
	suite postgresql pg_newdb
	test_expect_success 'postgresql: a handle outlives a restart of the server' '
		u=$(pg_newdb restart) && pdg-ledger "$u" setup &&
		pdg-ledger "$u" create P1 p1 1 s1 && pdg-ledger "$u" upload P1 &&
		{ pdg-ledger "$u" get-after P1 go >out 2>err & p=$!; } &&
		n=0; while ! grep -qs first out && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
		(cd / && pg_as "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w restart >/dev/null) &&
		touch go && wait $p && cat out err &&
		grep -qx "again RECEIVED" out &&
		pdg-ledger "$u" audit P1 | grep -q "outcome=wrong-secret" &&
		pdg-ledger "$u" check
	'
	test_expect_success 'postgresql: the unit tests of the ledger' '
		u=$(pg_newdb unit) && PDG_LEDGER_PG="$u" "$PDG_BUILD/unit/ledger" >out 2>&1 ||
			{ cat out; false; }
		! grep -q "^not ok" out
	'
else
	test_skip 'postgresql backend' "$PG_SKIP_REASON"
fi
test_done
