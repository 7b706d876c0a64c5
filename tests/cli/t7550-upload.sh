#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-upload: offline checks of a stick (signature, every segment), then upload to a real
# pdigate-center on loopback with client certificates: receipt, resume after the upload or the
# center was killed mid-way, --wipe only after the receipt matches, tampering refused offline.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
W=$TEST_ROOT/work
mkdir -p "$W"
H=$W/home

(cd "$W" &&
	appliance_home &&
	mkdir in m && pdg-dcmgen -n 6 -s 64 in >/dev/null &&
	pdigate export --home "$H" --project p1 --medium m --show-token in >exp.out 2>/dev/null &&
	mkdir keys && cp "$H/keys/appliance.pub" \
		"keys/$(sed -n 's/^id *= *//p' "$H/config.ini" | head -1).pub") ||
	{ echo "not ok - setup failed"; exit 1; }
PKG=$(sed -n 1p "$W/exp.out")
KEY=$H/keys/appliance.pub

test_expect_success 'pdigate-upload --help; usage errors exit 2' '
	pdigate-upload --help | grep -q "usage: pdigate-upload" &&
	{ pdigate-upload "$W/m"; test $? = 2; } &&
	{ pdigate-upload --check "$W/m"; test $? = 2; } &&
	{ pdigate-upload --appliance-key "$KEY" "$W/m"; test $? = 2; } &&
	{ pdigate-upload --center http://x --cacert a --cert b --key c --appliance-key "$KEY" \
		"$W/m"; test $? = 2; } &&
	{ pdigate-upload --check --appliance-key "$KEY" --chunk 0 "$W/m"; test $? = 2; }
'
test_expect_success '--check verifies a stick offline, with a given or a registered key' '
	pdigate-upload --check --appliance-key "$KEY" "$W/m" >out &&
	grep -q "^$PKG checked [0-9]* bytes in 1 segments sha256 $(sha256sum "$W/m/PDIGATE/$PKG.001" | cut -c1-64)$" out &&
	pdigate-upload --check --keys "$W/keys" "$W/m/PDIGATE" >out2 && cmp out out2 &&
	pdigate-upload --check --keys "$W/keys" "$W/m/PDIGATE/$PKG.MAN" >out3 && cmp out out3
'
test_expect_success 'a changed segment byte, a missing or a truncated segment: exit 5' '
	cp -r "$W/m" t1 && chmod -R u+w t1 &&
	flip_byte "t1/PDIGATE/$PKG.001" 200 &&
	! cmp -s "t1/PDIGATE/$PKG.001" "$W/m/PDIGATE/$PKG.001" &&
	{ pdigate-upload --check --appliance-key "$KEY" t1 2>err; test $? = 5; } &&
	grep -q "damaged" err &&
	cp -r "$W/m" t2 && chmod -R u+w t2 && rm "t2/PDIGATE/$PKG.001" &&
	{ pdigate-upload --check --appliance-key "$KEY" t2 2>err; test $? = 5; } &&
	grep -q "missing" err &&
	cp -r "$W/m" t3 && chmod -R u+w t3 && truncate -s -1 "t3/PDIGATE/$PKG.001" &&
	{ pdigate-upload --check --appliance-key "$KEY" t3; test $? = 5; }
'
test_expect_success 'a changed manifest, another appliance key, no signature: exit 4' '
	cp -r "$W/m" t1 && chmod -R u+w t1 &&
	sed -i "s/Kita-Hospital/Kita-Hospitak/" "t1/PDIGATE/$PKG.MAN" &&
	{ pdigate-upload --check --appliance-key "$KEY" t1 2>err; test $? = 4; } &&
	grep -q "signature" err &&
	signify-openbsd -G -n -p other.pub -s other.sec -c other &&
	{ pdigate-upload --check --appliance-key other.pub "$W/m"; test $? = 4; } &&
	cp -r "$W/m" t2 && chmod -R u+w t2 && rm "t2/PDIGATE/$PKG.SIG" &&
	{ pdigate-upload --check --appliance-key "$KEY" t2; test $? = 4; }
'

if ! command -v pdigate-center >/dev/null 2>&1; then
	test_skip 'upload to the service center' 'pdigate-center is not built'
	test_done
	exit
fi
# a test may restart the center in its subshell: stop whichever instance center.pid names
trap 'CENTER_PID=$(cat "$W/center/center.pid" 2>/dev/null); center_stop >/dev/null 2>&1; rm -rf "$TEST_ROOT"' EXIT
(center_pki "$W/center" && center_config && center_register "$H" p1 "$(age-keygen -y "$W/dc.key")") \
	>"$W/center-setup.out" 2>&1 || { echo "not ok - center setup failed"; cat "$W/center-setup.out"; exit 1; }
CENTER_DIR=$W/center
CENTER_PORT=$(sed -n 's/^port = //p' "$CENTER_DIR/center.ini")
center_start "$W/center.log" || { echo "not ok - the center does not start"; exit 1; }
up() { # up MEDIUM [ARGS]: upload as upload-1
	m=$1
	shift
	pdigate-upload --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" --appliance-key "$KEY" \
		--quiet "$@" "$m"
}

test_expect_success 'upload: receipt with the center stored hashes; the center holds it RECEIVED' '
	cp -r "$W/m" m && chmod -R u+w m &&
	up m >out &&
	sum=$(sha256sum "m/PDIGATE/$PKG.001" | cut -c1-64) &&
	grep -q "^$PKG RECEIVED [0-9]* bytes in 1 segments sha256 $sum$" out &&
	center_curl staff "/v1/packages/$PKG/receipt" >r.json &&
	python3 -c "import json,sys; r=json.load(open(\"r.json\")); assert r[\"state\"]==\"RECEIVED\"; assert r[\"ciphertext\"][\"sha256\"]==\"$sum\"" &&
	test -f "m/PDIGATE/$PKG.001"
'
test_expect_success 'upload again: nothing to send, the same receipt; --wipe removes the files' '
	cp -r "$W/m" m && chmod -R u+w m &&
	up m >out && grep -q "^$PKG RECEIVED" out &&
	up m --wipe >out && grep -q "^$PKG RECEIVED .* wiped$" out &&
	test -z "$(ls m/PDIGATE)" && test -f m/README.TXT
'
test_expect_success 'a tampered segment is refused offline: nothing is sent, nothing wiped' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --show-token "$W/in" >exp 2>/dev/null &&
	P2=$(sed -n 1p exp) &&
	flip_byte "m/PDIGATE/$P2.001" 300 &&
	{ up m --wipe 2>err; test $? = 5; } &&
	test -f "m/PDIGATE/$P2.001" &&
	test "$(center_curl staff -o /dev/null -w "%{http_code}" "/v1/packages/$P2")" = 404
'
test_expect_success 'a certificate of another CA is refused by the center: failure, nothing wiped' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --show-token "$W/in" >/dev/null 2>&1 &&
	{ pdigate-upload --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/foreign.crt" --key "$CENTER_DIR/foreign.key" \
		--appliance-key "$KEY" --quiet --wipe m 2>err; test $? != 0; } &&
	test -n "$(ls m/PDIGATE)"
'
test_expect_success 'kill -9 the upload mid-way, run again: completes with the right hashes' '
	mkdir m big && pdg-dcmgen -n 24 -s 512 big >/dev/null &&
	pdigate export --home "$H" --project p1 --medium m --show-token big >exp 2>/dev/null &&
	P3=$(sed -n 1p exp) && size=$(stat -c %s "m/PDIGATE/$P3.001")
	pdigate-upload --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" --appliance-key "$KEY" \
		--quiet --package "$P3" --chunk 256k --limit-rate 2M m >/dev/null 2>&1 &
	pid=$!
	sleep 2 && kill -9 "$pid" && sleep 0.3 &&
	center_curl upload -I "/v1/packages/$P3/segments/1" >head &&
	off=$(sed -n "s/^[Uu]pload-[Oo]ffset: *\([0-9]*\).*/\1/p" head | tr -d "\r") &&
	test "$off" -gt 0 && test "$off" -lt "$size" &&
	up m --package "$P3" >out &&
	grep -q "^$P3 RECEIVED $size bytes in 1 segments sha256 $(sha256sum "m/PDIGATE/$P3.001" | cut -c1-64)$" out
'
test_expect_success 'kill -9 the center mid-way, restart it, run again: completes' '
	mkdir m big && pdg-dcmgen -n 24 -s 512 big >/dev/null &&
	pdigate export --home "$H" --project p1 --medium m --show-token big >exp 2>/dev/null &&
	P4=$(sed -n 1p exp)
	(set +e; up m --package "$P4" --chunk 256k --limit-rate 2M --retries 0 >/dev/null 2>&1; echo $? >rc) &
	sleep 2 && center_kill9 && sleep 1 && test -s rc && test "$(cat rc)" = 1 &&
	center_start "$W/center.log" &&
	up m --package "$P4" >out &&
	grep -q "^$P4 RECEIVED .* sha256 $(sha256sum "m/PDIGATE/$P4.001" | cut -c1-64)$" out
'
test_done
