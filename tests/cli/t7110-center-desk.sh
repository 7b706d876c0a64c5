#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-center redeem (the scan desk) and admin: scanner lines, a token sheet PDF, password
# login, refusals in words without the secret, then purge with retention and expiry.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
W=$TEST_ROOT/work
center_fixture "$W" || { echo "not ok - setup failed"; exit 1; }
center_start || { echo "not ok - the center does not start"; exit 1; }
trap 'center_stop >/dev/null 2>&1; rm -rf "$TEST_ROOT"' EXIT
DESK="pdigate-center redeem --url $CENTER_URL --cacert $CENTER_DIR/ca.crt"
CERT="--cert $CENTER_DIR/staff.crt --key $CENTER_DIR/staff.key"
secret_of() { echo "$1" | tr -d - | cut -c20-45; }

test_expect_success 'usage errors exit 2; --help exits 0' '
	pdigate-center redeem --help >h && grep -q "scan" h &&
	pdigate-center admin --help >h && grep -q purge h &&
	pdigate-center serve --help >h && grep -q SIGTERM h &&
	test_code() { set +e; "$@" >/dev/null 2>&1; r=$?; set -e; test $r = 2; } &&
	test_code pdigate-center redeem --url $CENTER_URL &&
	test_code pdigate-center redeem --url http://x --cacert c $CERT &&
	test_code pdigate-center admin --config $CENTER_DIR/center.ini station add x &&
	test_code pdigate-center admin --config $CENTER_DIR/center.ini nothing &&
	test_code pdigate-center serve
'
test_expect_success 'scanner lines: released, then refused as used; a typo is caught; no secret printed' '
	center_export $W/m1 && center_upload upload $W/m1 $PKG && P1=$PKG T1=$TOKEN && echo $P1 >$W/P1 &&
	bad=$(echo "$T1" | sed "s/-\\(.\\)/-\\1Z/" | cut -c1-58) &&
	printf "%s\\n\\n%s\\n%s\\n" "$T1" "$T1" "$bad" >lines &&
	set +e; $DESK $CERT <lines >out 2>err; rc=$?; set -e &&
	cat out && test $rc = 1 &&
	test "$(sed -n 1p out)" = "$P1: released to dc-a" &&
	sed -n 2p out | grep -q "^$P1: refused: .*already used" &&
	sed -n 3p out | grep -q "refused: " &&
	test "$(wc -l <out)" = 3 &&
	! grep -q "$(secret_of "$T1")" out err
'
test_expect_success 'password login and a token sheet PDF (every QR code redeemed)' '
	mkdir m2 && pdigate export --home $APPLIANCE_HOME --project p1 --medium m2 --sheet s.pdf --show-token \
		$W/in >o 2>/dev/null && P2=$(sed -n 1p o) && echo $P2 >$W/P2 && center_upload upload m2 $P2 &&
	$DESK --login desk --password-file $CENTER_DIR/staff.pw --pdf s.pdf >out && cat out &&
	test "$(cat out)" = "$P2: released to dc-a"
'
test_expect_success 'a wrong password is refused; the attempt is audited' '
	echo wrong >pw &&
	set +e; echo x | $DESK --login desk --password-file pw >out 2>err; rc=$?; set -e &&
	test $rc = 1 && grep -q "login refused: Wrong login or password" err &&
	center_admin audit | grep -q "login .*failed"
'
test_expect_success 'scanning before the upload: "not uploaded yet"; --json' '
	center_export $W/m3 && P3=$PKG T3=$TOKEN &&
	set +e; echo "$T3" | $DESK $CERT --json >out; rc=$?; set -e && test $rc = 1 &&
	python3 -c "import json,sys; d=json.load(open(\"out\")); r=d[\"results\"][0]; assert r[\"code\"]==\"package_not_found\" and not r[\"released\"] and r[\"package_id\"]==\"$P3\", d" &&
	! grep -q "$(secret_of "$T3")" out
'
test_expect_success 'admin list and ledger --json show the registrations and states' '
	P1=$(cat $W/P1) &&
	center_admin list >l && grep -q "^station *upload-1" l && grep -q "^project *p1 " l &&
	center_admin ledger --json >j &&
	python3 -c "import json; d=json.load(open(\"j\")); s={p[\"package_id\"]: p[\"state\"] for p in d[\"packages\"]}; assert s[\"$P1\"]==\"RELEASED\", s"
'
test_expect_success 'purge: unredeemed packages expire, acknowledged ones go after retention' '
	P1=$(cat $W/P1) && P2=$(cat $W/P2) &&
	center_curl dca -f -X POST /v1/packages/$P1/ack >/dev/null &&
	center_export $W/m4 && center_upload upload $W/m4 $PKG && P4=$PKG &&
	test -d $CENTER_DIR/state/blobs/$P1 && test -d $CENTER_DIR/state/blobs/$P4 &&
	center_admin purge >p && grep -q "expired 0, purged 0" p &&
	center_admin purge --now $(( $(date +%s) + 31 * 86400 )) >p && cat p &&
	center_admin ledger >l && grep "^$P1 " l | grep -q PURGED && grep "^$P4 " l | grep -q RECEIVED &&
	! test -e $CENTER_DIR/state/blobs/$P1 && test -d $CENTER_DIR/state/blobs/$P4 &&
	center_admin purge --now $(( $(date +%s) + 91 * 86400 )) >p &&
	center_admin ledger >l && grep "^$P4 " l | grep -q PURGED &&
	! test -e $CENTER_DIR/state/blobs/$P4 &&
	grep "^$P2 " l | grep -q RELEASED && center_admin check
'
test_expect_success 'a disabled station is refused; enabled again it works' '
	P1=$(cat $W/P1) &&
	center_admin disable client upload-1 >/dev/null &&
	test "$(center_curl upload -o /dev/null -w "%{http_code}" /v1/packages/$P1)" = 401 &&
	center_admin enable client upload-1 >/dev/null
'
test_expect_success 'SIGTERM: the center stops with status 0' '
	center_stop
'
test_done
