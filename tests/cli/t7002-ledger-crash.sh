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

# started FILE: wait (at most 60 s) until a chaos run has finished a first step
started() {
	n=0
	while ! grep -q "^step" "$1" 2>/dev/null && [ $n -lt 1200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
}

suite() { # $1 backend name, $2 command making a fresh ledger url
	b=$1 mk=$2

	test_expect_success "$b: 20 kill -9 at random points leave a consistent ledger" '
		u=$('"$mk"' crash) && pdg-ledger "$u" setup &&
		for i in $(seq 1 20); do
			# two writers at once, on seeds that come back, so packages live through kills
			pdg-ledger "$u" chaos $((i % 4)) 0 >chaos.$i.a 2>chaos.$i.a.err & a=$!
			pdg-ledger "$u" chaos $((i % 4 + 100)) 0 >chaos.$i.c 2>chaos.$i.c.err & c=$!
			started chaos.$i.a
			started chaos.$i.c
			rand_sleep 0 400
			kill -9 $a $c 2>/dev/null || true
			wait $a $c 2>/dev/null || true
			pdg-ledger "$u" check >check.$i || { cat check.$i chaos.*.err; exit 1; }
			echo "kill $i after $(grep -c ^step chaos.$i.a) + $(grep -c ^step chaos.$i.c) steps: $(cat check.$i)"
		done
		{ ! grep . chaos.*.err; } &&
		# then every package goes on through its life cycle
		for s in 0 1 2 3 100 101 102 103; do pdg-ledger "$u" chaos $s 300 >/dev/null; done &&
		pdg-ledger "$u" check &&
		pdg-ledger "$u" list >list &&
		grep -q "state=PURGED" list
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
