#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate deid: help, usage errors, and failures before any file is touched, without PHI.
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
mkdir -p "$TEST_ROOT/in" && pdg-slices --out "$TEST_ROOT/in/ok" --count 1 --size 16 || exit 1

test_expect_success 'deid --help prints the synopsis on stdout' '
	pdigate deid --help >out && grep -q "usage: pdigate deid --project" out &&
	grep -q "exit status" out
'
test_expect_success 'pdigate --help lists deid' '
	pdigate --help | grep -q "^  deid "
'
test_expect_code 2 'missing --out is a usage error' '
	pdigate deid --project p "$TEST_ROOT/in"
'
test_expect_code 2 'missing inputs is a usage error' '
	pdigate deid --project p --out o
'
test_expect_code 2 'bad --jobs is a usage error' '
	pdigate deid --project p --out o --jobs 0 "$TEST_ROOT/in"
'
test_expect_code 2 'bad --timeout is a usage error' '
	pdigate deid --project p --out o --timeout -5 "$TEST_ROOT/in"
'
test_expect_code 2 'unknown option is a usage error' '
	pdigate deid --project p --out o --frobnicate "$TEST_ROOT/in"
'
test_expect_code 1 'unknown project fails' '
	pdigate deid --project nosuch --out o "$TEST_ROOT/in"
'
test_expect_success 'a missing input is named by position, not by path' '
	set +e
	pdigate deid --project p --out o --json "$TEST_ROOT/in" "$TEST_ROOT/YAMADA^TARO_12345" >json 2>err
	rc=$?
	set -e
	test $rc -eq 1 &&
	grep -q "input argument 2 does not exist" err &&
	! grep -q YAMADA err && ! grep -q YAMADA json &&
	python3 -c "import json,sys; d=json.load(open(\"json\")); assert d[\"error\"][\"code\"]==\"PDG_E_NOTFOUND\"" &&
	test ! -e o
'
test_expect_success 'inputs without any file fail, and create no output folder' '
	mkdir -p empty/sub &&
	set +e
	pdigate deid --project p --out o empty 2>err
	rc=$?
	set -e
	test $rc -eq 1 && grep -q "no files found" err && test ! -e o
'
test_expect_success 'a non-empty output folder is refused and left alone' '
	mkdir o && echo keep >o/other &&
	set +e
	pdigate deid --project p --out o "$TEST_ROOT/in" 2>err
	rc=$?
	set -e
	test $rc -eq 1 && grep -q "not empty" err &&
	test "$(ls o)" = other
'
test_done
