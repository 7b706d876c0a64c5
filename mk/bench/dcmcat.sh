#!/bin/sh
# SPDX-License-Identifier: MIT
# DCMTK shim throughput: read lazily + write N generated 512x512 16-bit CT-like files with
# pdg-dcmcat, beside `cp` of the same files (page cache warm for both).
#   BENCH_FILES (default 600), BENCH_SIDE (default 512)
set -eu
n=${BENCH_FILES:-600}
side=${BENCH_SIDE:-512}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pdg-bench-dcmcat.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/in" "$dir/cp" "$dir/lazy" "$dir/eager" "$dir/proc"
pdg-dcmgen -n "$n" -s "$side" "$dir/in"
bytes=$(du -sb "$dir/in" | cut -f1)
now() { date +%s.%N; }
report() { # label start end
	awk -v l="$1" -v s="$2" -v e="$3" -v n="$n" -v b="$bytes" 'BEGIN {
		t = e - s; printf "%-34s %7.2f s %8.0f files/s %8.1f MB/s\n", l, t, n / t, b / t / 1e6 }'
}
pairs() { # output dir: "in/F out/F" for every file
	for f in "$dir"/in/*.dcm; do printf '%s\n%s\n' "$f" "$1/$(basename "$f")"; done
}
cat "$dir"/in/*.dcm >/dev/null # warm the page cache
echo "$n files of ${side}x${side} 16-bit, $((bytes / 1048576)) MiB"

s=$(now); cp "$dir"/in/*.dcm "$dir/cp/"; e=$(now)
report "cp" "$s" "$e"

s=$(now); pairs "$dir/lazy" | xargs -d '\n' pdg-dcmcat; e=$(now)
report "pdg-dcmcat (lazy, one process)" "$s" "$e"

s=$(now); pairs "$dir/eager" | xargs -d '\n' pdg-dcmcat -e; e=$(now)
report "pdg-dcmcat -e (eager, one process)" "$s" "$e"

s=$(now)
for f in "$dir"/in/*.dcm; do pdg-dcmcat "$f" "$dir/proc/$(basename "$f")"; done
e=$(now)
report "pdg-dcmcat (lazy, process per file)" "$s" "$e"

# the rewritten files keep the pixel data (the last 2*side*side bytes) byte for byte
f=$(ls "$dir/in" | head -1)
tail -c $((2 * side * side)) "$dir/in/$f" >"$dir/a"
tail -c $((2 * side * side)) "$dir/lazy/$f" >"$dir/b"
cmp -s "$dir/a" "$dir/b" && echo "pixel data of $f identical after the lazy rewrite" ||
	{ echo "pixel data of $f differs after the lazy rewrite" >&2; exit 1; }
