# SPDX-License-Identifier: MIT
# Test library for tests/cli/tNNNN-*.sh, in the manner of git's t/test-lib.sh:
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'title' 'commands...'
#   test_done
# Each test body runs with `set -e` in a fresh scratch directory ($TEST_DIR), with the build's
# programs first on PATH. Results are TAP lines, counted by tests/run.sh.
set -u
: "${PDG_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${PDG_BUILD:=$PDG_TOP/build}"
export PDG_TOP PDG_BUILD
export PATH="$PDG_BUILD:$PDG_BUILD/tools:$PATH"
export LC_ALL=C.UTF-8
# PDG_SHARED overrides where the shared folder is (e.g. when testing from a worktree).
SHARED=${PDG_SHARED:-$(cd "$PDG_TOP/.." && pwd)/shared}
CORPUS=$SHARED/corpus/public
test_count=0 test_failed=0
TEST_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pdg-cli.XXXXXX")
trap 'rm -rf "$TEST_ROOT"' EXIT

test_expect_success() {
	test_count=$((test_count + 1))
	TEST_DIR=$TEST_ROOT/t$test_count
	mkdir -p "$TEST_DIR"
	if (cd "$TEST_DIR" && set -e && eval "$2") >"$TEST_ROOT/out" 2>&1; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TEST_ROOT/out" | tail -30
		test_failed=$((test_failed + 1))
	fi
}

# test_expect_code CODE 'title' 'commands': the last command's exit status must be CODE.
test_expect_code() {
	want=$1
	shift
	test_expect_success "$1" "set +e; $2
rc=\$?; set -e; test \"\$rc\" -eq $want || { echo \"exit status \$rc, expected $want\"; false; }"
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1: $2"
}

# have_corpus: the shared corpus of real DICOM files is beside the repository.
# appliance_home: in the current folder, an administrator passphrase file pw, an appliance
# home $H (site Kita-Hospital), a data-center key dc.key and a project p1 (jp-pseudonymized)
# sealed to it. In a test's setup: (cd "$W" && appliance_home && ...) || ...
appliance_home() {
	printf 'administrator passphrase\n' >pw &&
		pdigate init --home "$H" --site Kita-Hospital --admin-passphrase-file pw >/dev/null &&
		age-keygen -o dc.key 2>/dev/null &&
		pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
			--home "$H" >/dev/null
}

# flip_byte FILE OFFSET: change the byte at OFFSET (always to a different value)
flip_byte() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d " ")
	printf "\\$(printf %o $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

have_corpus() {
	[ -d "$CORPUS" ]
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}
