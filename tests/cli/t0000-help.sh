#!/bin/sh
# SPDX-License-Identifier: MIT
# Every program answers --help and refuses unknown commands with usage status 2.
. "$(dirname "$0")/lib.sh"

test_expect_success 'pdigate --help lists commands' '
	pdigate --help >out && grep -q "usage: pdigate" out && grep -q version out
'
test_expect_success 'pdigate version prints a version' '
	pdigate version | grep -Eq "^pdigate [0-9]+\.[0-9]+\.[0-9]+$"
'
test_expect_code 2 'unknown command is a usage error' '
	pdigate no-such-command
'
test_expect_code 2 'no command is a usage error' '
	pdigate
'
for prog in pdigate-center pdigate-fetch; do
	test_expect_success "$prog --help lists its commands, --version its version" '
		$prog --help >out && grep -q "usage: $prog <command>" out &&
		grep -q "^  [a-z]" out &&
		$prog --version | grep -Eq "^$prog [0-9]+\.[0-9]+\.[0-9]+$"
	'
	test_expect_code 2 "$prog: an unknown command is a usage error" '
		$prog no-such-command 2>err; rc=$?
		grep -q "see .$prog --help." err || rc=99
		(exit $rc)
	'
	test_expect_code 2 "$prog: no command is a usage error" '
		$prog
	'
done
test_done
