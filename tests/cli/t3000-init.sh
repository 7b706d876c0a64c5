#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate init: the home layout, its modes, refusal of a second init, PDIGATE_HOME.
# (Each init derives a scrypt key at age's default work factor, so homes are shared.)
. "$(dirname "$0")/lib.sh"

echo "correct horse battery staple" >"$TEST_ROOT/pw"
init() {
	pdigate init --admin-passphrase-file "$TEST_ROOT/pw" "$@"
}
A=$TEST_ROOT/a
B=$TEST_ROOT/b

test_expect_success 'init --help prints the synopsis' '
	pdigate init --help >out && grep -q "usage: pdigate init" out
'
test_expect_success 'init creates the layout with 0700 folders and 0600 files' '
	init --home "$A" --site Kita-Hospital >out &&
	test "$(cat out)" = "$A" &&
	test "$(stat -c %a "$A")" = 700 &&
	for d in keys projects state linktab; do
		test -d "$A/$d" && test "$(stat -c %a "$A/$d")" = 700 || exit 1
	done &&
	test "$(stat -c %a "$A/config.ini")" = 600 &&
	test "$(stat -c %a "$A/keys/admin.age")" = 600 &&
	head -c 22 "$A/keys/admin.age" | grep -q "^age-encryption.org/v1" &&
	grep -qx "site = Kita-Hospital" "$A/config.ini" &&
	grep -Eqx "id = [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" "$A/config.ini" &&
	grep -Eqx "created = [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" "$A/config.ini" &&
	grep -Eqx "recipient = age1[a-z0-9]{58}" "$A/config.ini" &&
	test -z "$(find "$A" -type f ! -perm 0600)" &&
	test -z "$(find "$A" -type d ! -perm 0700)" &&
	test -z "$(ls -A "$TEST_ROOT" | grep -v -e "^a$" -e "^pw$" -e "^out$" -e "^t[0-9]*$")"
'
test_expect_success 'the appliance signing key works with signify-openbsd' '
	test "$(stat -c %a "$A/keys/appliance.sec")" = 600 &&
	test "$(stat -c %a "$A/keys/appliance.pub")" = 600 &&
	id=$(sed -n "s/^id = //p" "$A/config.ini") &&
	head -1 "$A/keys/appliance.pub" | grep -qx "untrusted comment: pdigate appliance $id public key" &&
	echo "a manifest" >msg &&
	signify-openbsd -S -s "$A/keys/appliance.sec" -m msg -x msg.sig &&
	signify-openbsd -V -p "$A/keys/appliance.pub" -m msg -x msg.sig &&
	echo "a forged manifest" >msg &&
	! signify-openbsd -V -q -p "$A/keys/appliance.pub" -m msg -x msg.sig
'
test_expect_success 'PDIGATE_HOME is honoured' '
	PDIGATE_HOME="$B" init --site S >/dev/null && test -f "$B/config.ini"
'
test_expect_success 'two homes get different appliance ids and admin keys' '
	test "$(grep "^id" "$A/config.ini")" != "$(grep "^id" "$B/config.ini")" &&
	test "$(grep "^recipient" "$A/config.ini")" != "$(grep "^recipient" "$B/config.ini")" &&
	! cmp -s "$A/keys/appliance.pub" "$B/keys/appliance.pub"
'
test_expect_success 'a second init is refused with status 1, the home untouched' '
	cp -p "$A/config.ini" before && ls -la "$A" "$A"/* >ls-before &&
	{ init --home "$A" --site B 2>err && rc=0 || rc=$?; } &&
	test $rc = 1 && grep -q "already exists and is not empty" err &&
	cmp "$A/config.ini" before && ls -la "$A" "$A"/* | cmp - ls-before &&
	test -z "$(ls -A "$TEST_ROOT" | grep "init")"
'
test_expect_success 'an existing empty folder is used; --home wins over PDIGATE_HOME' '
	mkdir h && PDIGATE_HOME="$TEST_DIR/env" init --home h --site A >/dev/null &&
	test -f h/config.ini && test "$(stat -c %a h)" = 700 && test ! -e env
'
test_expect_code 2 'an invalid site name is a usage error' '
	init --home h --site "a b"
'
test_expect_code 2 'a missing --site is a usage error' '
	init --home h
'
test_expect_code 1 'a home under a missing folder fails' '
	init --home "$TEST_DIR/no/such/h" --site A
'
test_expect_success 'a short administrator passphrase is refused (1), nothing created' '
	echo short >pw &&
	{ pdigate init --home h --site A --admin-passphrase-file pw 2>err && rc=0 || rc=$?; } &&
	test $rc = 1 && grep -q "at least 12 characters" err && test ! -e h
'
test_expect_success 'no passphrase file and no terminal is a usage error (2)' '
	{ setsid pdigate init --home h --site A </dev/null 2>err && rc=0 || rc=$?; } &&
	test $rc = 2 && grep -q "no terminal" err && test ! -e h
'
test_expect_success 'the reference age opens keys/admin.age with the passphrase' '
	python3 "$PDG_TOP/tests/cli/age-pty.py" "$TEST_ROOT/pw" age -d "$A/keys/admin.age" >id &&
	grep -Eq "^AGE-SECRET-KEY-1[0-9A-Z]{58}$" id &&
	test "$(age-keygen -y id)" = "$(sed -n "s/^recipient = //p" "$A/config.ini")"
'
test_expect_success 'the reference age refuses a wrong passphrase' '
	echo "wrong horse battery staple" >bad &&
	! python3 "$PDG_TOP/tests/cli/age-pty.py" bad age -d "$A/keys/admin.age" >id 2>/dev/null &&
	! grep -q AGE-SECRET-KEY id
'
test_done
