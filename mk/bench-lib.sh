# SPDX-License-Identifier: MIT
# Helpers for the benchmarks in mk/bench/*.sh (sourced, not run): measure a command under
# /usr/bin/time -v and print one line per measure in the common format
#     name  value unit   peer  value unit   ratio x
#
#   . "$PDG_TOP/mk/bench-lib.sh"
#   measure NAME CMD...            -> M_SEC, M_RSS_MB, M_STATUS
#   report NAME V UNIT PEER PV PUNIT
#   report_solo NAME V UNIT [NOTE]
#
# Rules for benchmarks using it: the contender and its peers run back to back in one run on the
# same files. The page cache is NOT dropped (echo 3 > /proc/sys/vm/drop_caches would slow every
# other user of this shared machine, and the appliance reads studies it has just received, i.e.
# warm); instead `warm DIR` reads every input once before the first measurement. Scratch data
# lives in $BENCH_TMP (a fresh folder under the build folder: the repository's disk), removed at
# exit unless BENCH_KEEP=1.
: "${PDG_BUILD:?mk/bench-lib.sh: run through mk/bench.sh}"
export LC_ALL=C
BENCH_TMP=${BENCH_TMP:-$(mktemp -d "$PDG_BUILD/bench.XXXXXX")}
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$BENCH_TMP"' EXIT
mkdir -p "$BENCH_TMP"

# measure NAME CMD...: run CMD under /usr/bin/time -v; sets M_SEC (wall seconds), M_RSS_MB (peak
# resident set of the largest single process of the tree, as wait4 reports it) and M_STATUS.
# CMD's output goes to $BENCH_TMP/NAME.log.
measure() {
	m_name=$1
	shift
	set +e
	/usr/bin/time -v -o "$BENCH_TMP/$m_name.time" "$@" >"$BENCH_TMP/$m_name.log" 2>&1
	M_STATUS=$?
	set -e
	M_SEC=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' \
		"$BENCH_TMP/$m_name.time")
	M_RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' \
		"$BENCH_TMP/$m_name.time")
}

# rate COUNT SECONDS: COUNT per second, one decimal.
rate() {
	awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", n / s }'
}

# report NAME VALUE UNIT PEER PEER_VALUE PEER_UNIT: one comparison line; ratio = VALUE/PEER_VALUE.
report() {
	awk -v n="$1" -v v="$2" -v u="$3" -v p="$4" -v pv="$5" -v pu="$6" 'BEGIN {
		r = pv > 0 ? sprintf("%.2f", v / pv) : "-"
		printf "%-26s %10s %-9s   %-14s %10s %-9s   ratio %sx\n", n, v, u, p, pv, pu, r }'
}

# report_solo NAME VALUE UNIT [NOTE]: a measure without a peer.
report_solo() {
	printf '%-26s %10s %-9s   %s\n' "$1" "$2" "$3" "${4:-}"
}

# warm DIR: read every file once so that all contenders start with the same warm page cache.
warm() {
	find "$1" -type f -exec cat {} + >/dev/null
}

# mb_of PATH: size in MB (du -sm).
mb_of() {
	du -sm "$1" | cut -f1
}
