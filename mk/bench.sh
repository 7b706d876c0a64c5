#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark mk/bench/*.sh against a build folder; each prints its own results.
#   mk/bench.sh BUILD_DIR [PATTERN]     PATTERN: a glob on benchmark names (default *)
# Benchmarks measure; they never fail on a number (noisy machines). Add one file per area.
set -eu
build=${1:?usage: mk/bench.sh BUILD_DIR [PATTERN]}
pattern=${2:-*}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
export PDG_BUILD="$build" PDG_TOP="$top"
export PATH="$build:$build/tools:$PATH"
status=0
for b in "$top"/mk/bench/$pattern.sh; do
	[ -f "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	sh "$b" || { echo "bench $(basename "$b" .sh) failed" >&2; status=1; }
done
exit $status
