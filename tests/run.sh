#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every unit test binary and every CLI test script against a build folder, count
# TAP results, and end with one line: "N passed, N failed, N skipped".
#   tests/run.sh BUILD_DIR [PATTERN]     PATTERN filters test names (shell glob, default *)
set -u
build=${1:?usage: tests/run.sh BUILD_DIR [PATTERN]}
pattern=${2:-*}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd) || exit 2
export PDG_BUILD="$build" PDG_TOP="$top"
export CMOCKA_MESSAGE_OUTPUT=TAP
if [ "${PDG_SAN:-}" = 1 ]; then
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
	export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
log=$(mktemp -d "${TMPDIR:-/tmp}/pdg-tests.XXXXXX")
trap 'rm -rf "$log"' EXIT
pass=0 fail=0 skip=0 failed_suites=

tally() { # $1 suite name, $2 output file, $3 exit status
	p=$(grep -E '^ok ' "$2" | grep -vic '# skip')
	s=$(grep -Eic '^ok .*# skip' "$2")
	f=$(grep -Ec '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or exited non-zero without a failing test line
		echo "not ok - $1 exited with status $3" >>"$2"
	fi
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed_suites="$failed_suites $1"
		printf '%-40s FAIL (%d passed, %d failed, %d skipped)\n' "$1" "$p" "$f" "$s"
		grep -E '^not ok|^#' "$2" | sed 's/^/    /' | head -40
	else
		printf '%-40s ok   (%d passed, %d skipped)\n' "$1" "$p" "$s"
	fi
}

for t in "$build"/unit/*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	case $name in $pattern) ;; *) continue ;; esac
	(cd "$log" && "$t") >"$log/out" 2>&1
	tally "$name" "$log/out" $?
done
for t in "$top"/tests/cli/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	name=cli/$(basename "$t" .sh)
	case $name in $pattern) ;; *) continue ;; esac
	sh "$t" >"$log/out" 2>&1
	tally "$name" "$log/out" $?
done
echo
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
