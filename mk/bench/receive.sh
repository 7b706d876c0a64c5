#!/bin/sh
# SPDX-License-Identifier: MIT
# Receive benchmark: a 600-slice CT (512x512x16 bit, pdg-dcmgen) sent by DCMTK's storescu in one
# association to `pdigate receive` (each instance fsync'd, renamed, folder fsync'd and catalogued
# before its success response) beside DCMTK's storescp (-B, bit-preserving, no fsync) receiving
# the same study on the same machine and disk. Prints the lines of mk/bench.sh:
#   name  value unit   peer  value unit   ratio x
#
#   sh mk/bench/receive.sh [BUILD_DIR]   BENCH_RX_N (default 600), BENCH_RUNS (default 3)
#   (mk/bench.sh runs it with PDG_BUILD set)
#
# Each contender runs BENCH_RUNS times, alternating with its peer; the best run counts (shared,
# noisy machine). `sync` before each run keeps one run's writeback out of the next.
set -eu
build=${1:-${PDG_BUILD:-build}}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
export PATH="$build:$build/tools:$PATH"
export LC_ALL=C
N=${BENCH_RX_N:-600}
RUNS=${BENCH_RUNS:-3}
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d "$build/bench.XXXXXX")
	[ "${BENCH_KEEP:-0}" = 1 ] || trap 'kill $RX_PID $REF_PID 2>/dev/null; rm -rf "$BENCH_TMP"' EXIT
else
	[ "${BENCH_KEEP:-0}" = 1 ] ||
		trap 'kill $RX_PID $REF_PID 2>/dev/null; rm -rf "$BENCH_TMP/receive"' EXIT
fi
b=$BENCH_TMP/receive
rm -rf "$b"
mkdir -p "$b/in" "$b/ref"
RX_PID= REF_PID=

port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000)); }

# up PORT: wait until something answers C-ECHO on PORT
up() {
	for i in $(seq 1 100); do
		echoscu -aet PACS -aec PDIGATE 127.0.0.1 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "receive bench: nothing answers on port $1" >&2
	return 1
}

pdg-dcmgen -n "$N" "$b/in" >/dev/null
MB=$(du -sm "$b/in" | cut -f1)
find "$b/in" -type f -exec cat {} + >/dev/null

echo "administrator passphrase" >"$b/pw"
pdigate init --home "$b/h" --site S --admin-passphrase-file "$b/pw" >/dev/null
printf '\n[receive]\nae_title = PDIGATE\nallowed_callers = PACS\nlisten = 127.0.0.1\n' \
	>>"$b/h/config.ini"

RX_PORT=$(port)
pdigate receive --home "$b/h" --port "$RX_PORT" 2>"$b/rx.log" &
RX_PID=$!
REF_PORT=$(port)
storescp -B -od "$b/ref" -aet PDIGATE "$REF_PORT" 2>/dev/null &
REF_PID=$!
up "$RX_PORT"
up "$REF_PORT"

# run NAME PORT: one storescu association of the whole study; sets SEC (wall) for the run.
run() {
	sync
	t0=$(date +%s.%N)
	storescu -aet PACS -aec PDIGATE 127.0.0.1 "$2" "$b"/in/*.dcm >"$b/$1.log" 2>&1 || {
		echo "receive bench: storescu to $1 failed (see $b/$1.log)" >&2
		exit 1
	}
	t1=$(date +%s.%N)
	SEC=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

best_rx= best_ref=
for r in $(seq 1 "$RUNS"); do
	# a fresh spool and catalog each run: duplicates would skip the writes
	kill "$RX_PID" && wait "$RX_PID" || :
	rm -rf "$b/h/state/spool" "$b/h/state/catalog.db"*
	pdigate receive --home "$b/h" --port "$RX_PORT" 2>>"$b/rx.log" &
	RX_PID=$!
	up "$RX_PORT"
	run pdigate "$RX_PORT"
	best_rx=$(awk -v a="$SEC" -v b="${best_rx:-1e9}" 'BEGIN { print (a < b) ? a : b }')
	rm -f "$b"/ref/*
	run storescp "$REF_PORT"
	best_ref=$(awk -v a="$SEC" -v b="${best_ref:-1e9}" 'BEGIN { print (a < b) ? a : b }')
done
n=$(find "$b/h/state/spool" -name "*.dcm" | wc -l)
[ "$n" = "$N" ] || { echo "receive bench: $n of $N instances in the spool" >&2; exit 1; }

awk -v n="$N" -v mb="$MB" -v s="$best_rx" -v p="$best_ref" 'BEGIN {
	v = n / s; pv = n / p
	printf "%-26s %10.1f %-9s   %-14s %10.1f %-9s   ratio %.2fx\n", "receive " n " CT", v,
		"images/s", "storescp", pv, "images/s", v / pv
	printf "%-26s %10.1f %-9s   %-14s %10.1f %-9s   ratio %.2fx\n", "receive " mb " MB", mb / s,
		"MB/s", "storescp", mb / p, "MB/s", (mb / s) / (mb / p) }'
echo "  (pdigate: fsync of each instance and of its folder before the success response;"
echo "   storescp: no fsync. Best of $RUNS runs, wall time of one storescu association.)"
