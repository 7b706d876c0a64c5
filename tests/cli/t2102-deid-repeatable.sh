#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate deid is repeatable: one secret, same inputs, byte-identical outputs, whatever the
# number of workers; another project's secret gives other outputs.
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
# an administrator passphrase where init asks for one (the link-table key)
echo "correct horse battery staple" >"$TEST_ROOT/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
else
	pdigate init --site S >/dev/null || exit 1
fi
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1
pdigate project add q --profile jp-pseudonymized >/dev/null || exit 1
W=$TEST_ROOT/w
mkdir -p "$W/in" || exit 1
pdg-slices --out "$W/in/a" --count 6 --size 64 --patient PIDA --seed 1 &&
pdg-slices --out "$W/in/b" --count 5 --size 64 --patient PIDB --seed 2 || exit 1
cd "$W" || exit 1

same_tree() { # the two folders hold the same names with the same bytes
	(cd "$1" && find . -type f | LC_ALL=C sort) >"$W/l1" &&
	(cd "$2" && find . -type f | LC_ALL=C sort) >"$W/l2" &&
	cmp "$W/l1" "$W/l2" &&
	while read -r f; do cmp "$1/$f" "$2/$f" || return 1; done <"$W/l1"
}

test_expect_success 'two runs with one secret give byte-identical outputs' '
	cd "$W" &&
	pdigate deid --project p --out run1 in 2>/dev/null &&
	pdigate deid --project p --out run2 in 2>/dev/null &&
	test "$(ls run1 | grep -c "^E")" -eq 11 &&
	same_tree run1 run2
'
test_expect_success 'one worker or four: the same outputs' '
	cd "$W" &&
	pdigate deid --project p --jobs 1 --out j1 in 2>/dev/null &&
	pdigate deid --project p --jobs 4 --out j4 in 2>/dev/null &&
	same_tree j1 j4 && same_tree run1 j1
'
test_expect_success 'another secret gives other outputs' '
	cd "$W" &&
	pdigate deid --project q --out other in 2>/dev/null &&
	! cmp -s run1/E000001.dcm other/E000001.dcm
'
test_expect_success 'output names follow input order' '
	cd "$W" &&
	dcmdump +P InstanceNumber run1/E000001.dcm | grep -q "\[1\]" &&
	dcmdump +P InstanceNumber run1/E000007.dcm | grep -q "\[1\]" &&
	dcmdump +P InstanceNumber run1/E000011.dcm | grep -q "\[5\]"
'
test_done
