#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 of processes in the middle of ledger transitions, at 20 random points: afterwards the
# ledger is consistent (audit chain intact, every package's state matches its audited history,
# nothing released twice) and work goes on. SQLite and a throwaway PostgreSQL cluster.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"

# rand_ms LO HI: a random number of milliseconds, as seconds for sleep
rand_sleep() {
	ms=$(shuf -i "$1-$2" -n 1)
	sleep "$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))"
}

suite() { # $1 backend name, $2 command making a fresh ledger url
	b=$1 mk=$2

	test_expect_success "$b: 20 kill -9 at random points leave a consistent ledger" '
		u=$('"$mk"' crash) && pdg-ledger "$u" setup &&
		for i in $(seq 1 20); do
			# two writers at once, on seeds that come back, so packages live through kills
			pdg-ledger "$u" chaos $((i % 4)) 0 >/dev/null 2>chaos.$i.a.err & a=$!
			pdg-ledger "$u" chaos $((i % 4 + 100)) 0 >/dev/null 2>chaos.$i.c.err & c=$!
			rand_sleep 50 600
			kill -9 $a $c 2>/dev/null || true
			wait $a $c 2>/dev/null || true
			pdg-ledger "$u" check >check.$i || { cat check.$i chaos.*.err; exit 1; }
			rows=$(sed -n "s/^audit_rows=\([0-9]*\).*/\1/p" check.$i)
			echo "kill $i: $(cat check.$i)"
		done
		test "$rows" -gt 100 &&
		{ ! grep . chaos.*.err; } &&
		pdg-ledger "$u" list >list &&
		grep -q "state=PURGED" list && grep -q "state=RELEASED\|state=DOWNLOADED\|state=ACKNOWLEDGED" list
	'
	test_expect_success "$b: after the kills every package can still move on" '
		u=$('"$mk"' crash2) && pdg-ledger "$u" setup
		pdg-ledger "$u" chaos 7 0 >/dev/null 2>&1 & a=$!
		rand_sleep 200 500
		kill -9 $a; wait $a 2>/dev/null || true
		pdg-ledger "$u" chaos 7 400 >/dev/null &&
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
