#!/bin/sh
# SPDX-License-Identifier: MIT
# `pdigate deid` beside its peers on N generated 512x512 16-bit CT slices: cp -r (the floor),
# dcmodify (one process for all files), pdigate deid with 1 and 2 jobs and with --fsync-each.
# Runs on disk (TMPDIR, where pdigate's final flush waits for the disk) and, when there is
# room, on /dev/shm (memory: the flush is free, so the numbers show the processing itself).
# Prints images/s and the peak memory of the largest process. Run by mk/bench.sh, or alone:
#   BENCH_FILES=600 mk/bench/deid-jobs.sh          (programs from $PDG_BUILD, else build/)
set -eu
n=${BENCH_FILES:-600}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${PDG_BUILD:-$top/build}
export PATH="$build:$build/tools:$PATH"
home=$(mktemp -d "${TMPDIR:-/tmp}/pdg-bench-home.XXXXXX")
w=
trap 'rm -rf "$home" ${w:+"$w"}' EXIT
export PDIGATE_HOME="$home/home"
echo "correct horse battery staple" >"$home/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site BENCH --admin-passphrase-file "$home/pw" >/dev/null
else
	pdigate init --site BENCH >/dev/null
fi
pdigate project add bench --profile jp-pseudonymized >/dev/null

secs() { # run "$@"; print "elapsed-seconds peak-rss-KB"
	/usr/bin/time -f "%e %M" -o "$w/time" "$@" >/dev/null 2>&1 || echo "  (failed: $*)" >&2
	cat "$w/time"
}
best() { # the fastest of three runs of "$@", running $cleanup after each
	b=
	for i in 1 2 3; do
		sync
		r=$(secs "$@")
		eval "$cleanup"
		if [ -z "$b" ] || [ "$(echo "$r $b" | awk '{ print ($1 < $3) }')" = 1 ]; then b=$r; fi
	done
	echo "$b"
}
report() { # name, "seconds rss"
	echo "$1|$2" | awk -F'|' -v n="$n" '{ split($2, t, " ");
		printf "  %-30s %6.2f s %6.0f images/s  peak %6d KB\n", $1, t[1],
		       n / (t[1] > 0 ? t[1] : 0.01), t[2] }'
}

bench_in() { # $1: a folder to work in
	w=$(mktemp -d "$1/pdg-bench-deid.XXXXXX")
	pdg-slices --out "$w/in" --count "$n" --size 512
	cat "$w"/in/* >/dev/null # warm the page cache for every contender alike
	echo "$n slices of 512x512x16 bit ($(du -sh "$w/in" | cut -f1)) in $1, best of 3:"
	cleanup='rm -rf "$w/cp"'
	report "cp -r" "$(best cp -r "$w/in" "$w/cp")"
	report "cp -r && sync" "$(best sh -c "cp -r '$w/in' '$w/cp' && sync")"
	cleanup='rm -rf "$w/dm"'
	report "dcmodify (one process)" "$(best sh -c "cp -r '$w/in' '$w/dm' &&
		dcmodify -nb -ma '(0010,0010)=X' -ma '(0010,0020)=Y' '$w'/dm/*")"
	echo "  (the dcmodify line includes a cp -r of the input)"
	pdigate deid --project bench --out "$w/check" "$w/in" 2>/dev/null
	test "$(ls "$w/check" | grep -c '^E')" -eq "$n" || echo "  (not every slice was exported!)"
	rm -rf "$w/check"
	cleanup='rm -rf "$w/o"'
	for j in 1 2; do
		report "pdigate deid --jobs $j" \
		       "$(best pdigate deid --project bench --jobs $j --out "$w/o" "$w/in")"
	done
	report "pdigate deid --fsync-each" \
	       "$(best pdigate deid --project bench --fsync-each --out "$w/o" "$w/in")"
	rm -rf "$w"
	w=
}

bench_in "${TMPDIR:-/tmp}"
# /dev/shm needs the input, one output and the DCMTK copy: about 3x the input
need=$((n * 520 * 3))
if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt "$need" ]; then
	bench_in /dev/shm
fi
