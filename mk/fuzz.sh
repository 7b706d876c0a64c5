#!/bin/sh
# SPDX-License-Identifier: MIT
# Build every libFuzzer harness tests/fuzz/fuzz_*.c and run each for a while.
#   mk/fuzz.sh [SECONDS] [PATTERN]     SECONDS per harness (default 600); PATTERN: a glob on
#                                      harness names (default fuzz_*)
# The libraries are built with clang, coverage (-fsanitize=fuzzer-no-link) and ASan/UBSan into
# build-fuzz/; each harness is linked with -fsanitize=fuzzer. A harness NAME.c may come with
# NAME.seeds.sh, run as `NAME.seeds.sh SEED_DIR` with the plain build's tools on PATH, to write
# seed inputs (from files our own code writes; never from the shared corpus). Findings go to
# build-fuzz/fuzz/NAME/artifacts/; the grown corpus stays in build-fuzz/fuzz/NAME/corpus/.
# Exit status: 0 when no harness found a crash, leak or timeout, else 1.
set -eu
secs=${1:-600}
pattern=${2:-fuzz_*}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=build-fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $SAN"

# Variables of the Makefile, so the link line stays the Makefile's.
mkvar() {
	printf 'print-%%:\n\t@printf "%%s\\n" "$($*)"\n' >"$B/print.mk"
	make -s --no-print-directory -f Makefile -f "$B/print.mk" BUILD=$B "print-$1"
}

mkdir -p $B
echo "fuzz: plain build (for seed tools)" >&2
make -s -j2 --no-print-directory all
echo "fuzz: instrumented libraries in $B/" >&2
# WARN is emptied: clang's warning set differs from gcc's and warnings are not the point here.
make -s -j2 --no-print-directory BUILD=$B CC=clang CXX=clang++ WARN= OPT="$OPT" \
	SANLD="$SAN" $(mkvar ARCHIVES)
ldlibs=$(mkvar LDLIBS)
cppflags="-D_GNU_SOURCE -I. $(mkvar PKG_CFLAGS)"
archives="-Wl,--start-group $(mkvar ARCHIVES) -Wl,--end-group"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
found=0
for src in tests/fuzz/$pattern.c; do
	[ -f "$src" ] || continue
	found=1
	name=$(basename "$src" .c)
	dir=$B/fuzz/$name
	mkdir -p "$dir/corpus" "$dir/seeds" "$dir/artifacts"
	echo "fuzz: $name: build" >&2
	clang -std=c17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $SAN $cppflags \
		-c -o "$dir/$name.o" "$src"
	clang++ -fsanitize=fuzzer $SAN -o "$dir/$name" "$dir/$name.o" $archives $ldlibs
	if [ -x "tests/fuzz/$name.seeds.sh" ]; then
		rm -rf "$dir/seeds" && mkdir -p "$dir/seeds"
		PATH="$top/build:$top/build/tools:$PATH" "tests/fuzz/$name.seeds.sh" "$dir/seeds"
	fi
	echo "fuzz: $name: run ${secs}s ($(ls "$dir/seeds" | wc -l) seeds)" >&2
	if ! "$dir/$name" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
		"$dir/corpus" "$dir/seeds" >"$dir/log" 2>&1; then
		echo "fuzz: $name: FAILED, see $dir/log and $dir/artifacts/" >&2
		status=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	echo "fuzz: $name: ${execs:-?} executions, corpus $(ls "$dir/corpus" | wc -l) inputs" >&2
done
[ "$found" -eq 1 ] || { echo "fuzz: no harness matches tests/fuzz/$pattern.c" >&2; exit 1; }
exit $status
