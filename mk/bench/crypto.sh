#!/bin/sh
# SPDX-License-Identifier: MIT
# Crypto benchmarks: our age (lib/crypto via tests/tools/pdg-age) beside the reference age(1)
# on the same 1 GiB file, X25519 encrypt and decrypt, plus scrypt unwrap cost and peak memory.
# Prints the lines of mk/bench.sh:  name  value unit   peer  value unit   ratio x
#
#   mk/bench/crypto.sh [BUILD_DIR]      BENCH_SIZE_MB (default 1024), BENCH_RUNS (default 3)
#
# Meant to be called by mk/bench.sh; runs alone as well. Each contender runs BENCH_RUNS times,
# alternating with its peer, and the best (shortest) time counts: this machine is shared, and the
# best run is the least disturbed one. Throughput is given per wall second and per CPU second
# (user + system): on a loaded machine the wall figures swing by 2x from run to run. Outputs go
# to files on the build disk; `sync` before each run keeps one run's writeback from slowing the
# next.
set -eu
build=${1:-${PDG_BUILD:-build}}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
export PATH="$build:$build/tools:$PATH"
export LC_ALL=C
SIZE_MB=${BENCH_SIZE_MB:-1024}
RUNS=${BENCH_RUNS:-3}
if [ -n "${BENCH_TMP:-}" ]; then
	b=$BENCH_TMP/age        # called by mk/bench.sh: its scratch folder, our subfolder
else
	BENCH_TMP=$(mktemp -d "$build/bench.XXXXXX")
	b=$BENCH_TMP
fi
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$b"' EXIT
mkdir -p "$b"

# measure NAME CMD...: sets M_SEC (wall seconds), M_CPU (user + system seconds) and M_RSS_MB
# (peak resident set) of one run. CPU time is the steadier measure on a busy machine: wall time
# also counts the time spent waiting for a core or for the disk.
measure() {
	m_name=$1
	shift
	sync
	/usr/bin/time -f "%e %U %S %M" -o "$b/$m_name.time" "$@" >"$b/$m_name.log" 2>&1 || {
		echo "  ($m_name failed; see $b/$m_name.log)" >&2
		return 1
	}
	M_SEC=$(cut -d' ' -f1 "$b/$m_name.time")
	M_CPU=$(awk '{ printf "%.2f", $2 + $3 }' "$b/$m_name.time")
	M_RSS_MB=$(awk '{ printf "%.1f", $4 / 1024 }' "$b/$m_name.time")
}

# best NAME CMD...: the shortest of RUNS runs in B_SEC, the largest peak memory in B_RSS_MB.
# Callers alternate contenders by calling best once per run themselves (see below).
min() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'
}
max() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b > a) ? b : a }'
}
rate() {
	awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", n / s }'
}
report() {
	awk -v n="$1" -v v="$2" -v u="$3" -v p="$4" -v pv="$5" -v pu="$6" 'BEGIN {
		r = pv > 0 ? sprintf("%.2f", v / pv) : "-"
		printf "%-26s %10s %-9s   %-14s %10s %-9s   ratio %sx\n", n, v, u, p, pv, pu, r }'
}
report_solo() {
	printf '%-26s %10s %-9s   %s\n' "$1" "$2" "$3" "${4:-}"
}

bench_age() {
	if ! command -v age >/dev/null || ! command -v pdg-age >/dev/null; then
		report_solo "age" "-" "" "age(1) or pdg-age missing"
		return 0
	fi
	echo "== age: ${SIZE_MB} MiB of random data, X25519, best of $RUNS, $(nproc) cores"
	head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$b/plain"
	pdg-age keygen -o "$b/id" >"$b/rcpt"
	r=$(cat "$b/rcpt")
	cat "$b/plain" >/dev/null
	oe= ae= od= ad= oe_rss= ae_rss= od_rss= ad_rss= oec= aec= odc= adc=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		rm -f "$b/ours.age" "$b/theirs.age" "$b/ours.out" "$b/theirs.out"
		measure ours-enc pdg-age encrypt -r "$r" -o "$b/ours.age" "$b/plain"
		oe=$(min "$oe" "$M_SEC") oec=$(min "$oec" "$M_CPU") oe_rss=$(max "$oe_rss" "$M_RSS_MB")
		measure age-enc age -r "$r" -o "$b/theirs.age" "$b/plain"
		ae=$(min "$ae" "$M_SEC") aec=$(min "$aec" "$M_CPU") ae_rss=$(max "$ae_rss" "$M_RSS_MB")
		# both decrypt the same file (ours; each tool reads the other's), written to disk
		measure ours-dec pdg-age decrypt -i "$b/id" -o "$b/ours.out" "$b/ours.age"
		od=$(min "$od" "$M_SEC") odc=$(min "$odc" "$M_CPU") od_rss=$(max "$od_rss" "$M_RSS_MB")
		measure age-dec age -d -i "$b/id" -o "$b/theirs.out" "$b/ours.age"
		ad=$(min "$ad" "$M_SEC") adc=$(min "$adc" "$M_CPU") ad_rss=$(max "$ad_rss" "$M_RSS_MB")
		i=$((i + 1))
	done
	cmp -s "$b/plain" "$b/ours.out" || echo "  (our decryption differs from the input!)"
	cmp -s "$b/plain" "$b/theirs.out" || echo "  (age's decryption differs from the input!)"
	pdg-age decrypt -i "$b/id" "$b/theirs.age" | cmp -s - "$b/plain" ||
		echo "  (we do not decrypt age's file!)"
	report "age/encrypt x25519" "$(rate "$SIZE_MB" "$oe")" "MB/s" "age" "$(rate "$SIZE_MB" "$ae")" "MB/s"
	report "age/decrypt x25519" "$(rate "$SIZE_MB" "$od")" "MB/s" "age -d" "$(rate "$SIZE_MB" "$ad")" "MB/s"
	report "age/encrypt per CPU-s" "$(rate "$SIZE_MB" "$oec")" "MB/cpu-s" "age" "$(rate "$SIZE_MB" "$aec")" "MB/cpu-s"
	report "age/decrypt per CPU-s" "$(rate "$SIZE_MB" "$odc")" "MB/cpu-s" "age -d" "$(rate "$SIZE_MB" "$adc")" "MB/cpu-s"
	report "age/encrypt peak RSS" "$oe_rss" "MB" "age" "$ae_rss" "MB"
	report "age/decrypt peak RSS" "$od_rss" "MB" "age -d" "$ad_rss" "MB"
	rm -f "$b/ours.age" "$b/theirs.age" "$b/ours.out" "$b/theirs.out" "$b/plain"

	# scrypt unwrap: the package's inner layer (2^10) and a typed passphrase (2^18, age's
	# default); age reads passphrases from a terminal only, so it is driven through a pty.
	echo "TOKEN-0123456789ABCDEF0123456789" >"$b/pass"
	echo small >"$b/small"
	tty=
	command -v python3 >/dev/null && tty="python3 $top/tests/cli/age-tty.py $b/pass"
	for f in 10 18; do
		pdg-age encrypt -p-file "$b/pass" -n "$f" -o "$b/p$f.age" "$b/small"
		s= t= s_rss= t_rss=
		i=0
		while [ "$i" -lt "$RUNS" ]; do
			measure scrypt-$f pdg-age decrypt -p-file "$b/pass" -o "$b/p$f.out" "$b/p$f.age"
			s=$(min "$s" "$M_SEC") s_rss=$M_RSS_MB
			if [ -n "$tty" ]; then
				measure age-scrypt-$f $tty age -d -o "$b/p$f.age.out" "$b/p$f.age"
				t=$(min "$t" "$M_SEC") t_rss=$M_RSS_MB
			fi
			i=$((i + 1))
		done
		if [ -n "$tty" ]; then
			# age's time includes starting python3 and the pty (about 0.2-0.5 s here)
			report "age/scrypt 2^$f unwrap" "$s" "s" "age -d +pty" "$t" "s"
		else
			report_solo "age/scrypt 2^$f unwrap" "$s" "s" "python3 missing: no peer run"
		fi
		report_solo "age/scrypt 2^$f peak RSS" "$s_rss" "MB" "age: ${t_rss:--} MB (N=2^$f, r=8, p=1)"
	done
}

bench_age
