#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate init: the home layout, its modes, refusal of a second init, PDIGATE_HOME.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init --help prints the synopsis' '
	pdigate init --help >out && grep -q "usage: pdigate init" out
'
test_expect_success 'init creates the layout with 0700 folders and 0600 files' '
	pdigate init --home "$TEST_DIR/h" --site Kita-Hospital >out &&
	test "$(cat out)" = "$TEST_DIR/h" &&
	test "$(stat -c %a h)" = 700 &&
	for d in keys projects state linktab; do
		test -d "h/$d" && test "$(stat -c %a "h/$d")" = 700 || exit 1
	done &&
	test "$(stat -c %a h/config.ini)" = 600 &&
	grep -qx "site = Kita-Hospital" h/config.ini &&
	grep -Eqx "id = [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" h/config.ini &&
	grep -Eqx "created = [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" h/config.ini &&
	test -z "$(find h -type f ! -perm 0600)" &&
	test -z "$(find h -type d ! -perm 0700)" &&
	test -z "$(ls -A "$TEST_DIR" | grep -v -e "^h$" -e "^out$")"
'
test_expect_success 'two homes get different appliance ids' '
	pdigate init --home a --site S >/dev/null && pdigate init --home b --site S >/dev/null &&
	test "$(grep "^id" a/config.ini)" != "$(grep "^id" b/config.ini)"
'
test_expect_success 'a second init is refused with status 1' '
	pdigate init --home h --site A >/dev/null &&
	cp h/config.ini before &&
	{ pdigate init --home h --site B 2>err && rc=0 || rc=$?; } &&
	test $rc = 1 && grep -q "already exists and is not empty" err && cmp h/config.ini before
'
test_expect_success 'init into an existing empty folder works' '
	mkdir h && pdigate init --home h --site A >/dev/null && test -f h/config.ini &&
	test "$(stat -c %a h)" = 700
'
test_expect_success 'PDIGATE_HOME is honoured, --home wins over it' '
	PDIGATE_HOME="$TEST_DIR/env" pdigate init --site A >/dev/null &&
	test -f env/config.ini &&
	PDIGATE_HOME="$TEST_DIR/env" pdigate init --home "$TEST_DIR/opt" --site A >/dev/null &&
	test -f opt/config.ini
'
test_expect_code 2 'an invalid site name is a usage error' '
	pdigate init --home h --site "a b"
'
test_expect_code 2 'a missing --site is a usage error' '
	pdigate init --home h
'
test_expect_code 1 'a home under a missing folder fails' '
	pdigate init --home "$TEST_DIR/no/such/h" --site A
'
test_done
