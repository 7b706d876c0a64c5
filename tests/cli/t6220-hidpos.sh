#!/bin/sh
# SPDX-License-Identifier: MIT
# `pdigate token read --hidpos` against a HID POS scanner emulated by umockdev: the device from a
# umockdev description, its interrupt-IN reports replayed from a usbdevfs ioctl tree (tokens
# split over several reports, a trigger report to ignore, a malformed scan); each scan is
# reported and audited by package id, never the secret. The report parser itself is unit-tested
# (tests/unit/token_hidpos.c) and fuzzed (tests/fuzz/fuzz_hidpos.c).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/media-lib.sh"

command -v umockdev-run >/dev/null || { test_skip 'hidpos' 'umockdev-run is not installed'; test_done; exit; }

W=$TEST_ROOT/w
H=$W/home
mkdir -p "$W"
(cd "$W" &&
	echo "administrator passphrase" >pw &&
	pdigate init --home "$H" --site S --admin-passphrase-file pw >/dev/null &&
	pdg-sheet --site S --project P --date 2026-11-21 --packages 2 -o sheet.pdf >tokens &&
	usb_hidpos 5 0c2e 0b61 >scanner.umockdev) || { echo "not ok - setup failed"; exit 1; }
T1=$(sed -n 1p "$W/tokens" | cut -d" " -f2)
T2=$(sed -n 2p "$W/tokens" | cut -d" " -f2)
P1=$(echo "$T1" | cut -c5-19)
P2=$(echo "$T2" | cut -c5-19)
NODE=/dev/bus/usb/001/006

scanner_run() { # IOCTLFILE COMMAND...
	f=$1
	shift
	umockdev-run --device "$W/scanner.umockdev" --ioctl "$NODE=$f" -- "$@"
}

test_expect_success 'two tokens, each over several reports, are read and named' '
	hidpos_ioctl $NODE 20 "$T1" "$T2" >scan.ioctl &&
	scanner_run scan.ioctl pdigate token read --hidpos=0c2e:0b61 --count 2 --home "$H" >out &&
	printf "scan 1: ok: package %s, secret (hidden)\nscan 2: ok: package %s, secret (hidden)\n" \
		"$P1" "$P2" >want &&
	diff want out
'

test_expect_success 'the first non-boot HID device is used without VID:PID; JSON output' '
	hidpos_ioctl $NODE 56 "$T1" >scan.ioctl &&
	scanner_run scan.ioctl pdigate token read --hidpos --count 1 --json >out.json &&
	python3 - "$P1" <<-PY
	import json, sys
	d = json.load(open("out.json"))
	assert d["ok"] == 1 and d["failed"] == 0, d
	r = d["results"][0]
	assert r["source"] == "hidpos" and r["scan"] == 1 and r["package_id"] == sys.argv[1], r
	assert r["secret"] == "(hidden)", r
	PY
'

test_expect_success 'a malformed scan and a control byte are reported, never echoed' '
	hidpos_ioctl $NODE 20 "$T1" "HELLO-NOT-A-TOKEN" "PDG1\\x07BELL" >scan.ioctl &&
	{ scanner_run scan.ioctl pdigate token read --hidpos=0c2e:0b61 --count 3 --home "$H" \
		>out 2>err; code=$?; } &&
	test $code = 1 &&
	grep -q "^scan 1: ok: package $P1" out &&
	grep -q "^scan 2: error" out && ! grep -q HELLO out &&
	grep -q "^scan 3: error" out && grep -q "scan 3: control byte in data" err
'

test_expect_success 'each scan is in the audit log: package id or malformed, no secret' '
	pdigate audit export --format xml --home "$H" >a.xml &&
	python3 - "$P1" "$P2" <<-PY
	import sys, xml.etree.ElementTree as E
	ids = [m.find("ParticipantObjectIdentification").get("ParticipantObjectID")
	       for m in E.parse("a.xml").getroot()
	       if m.find("EventIdentification/EventTypeCode") is not None and
	          m.find("EventIdentification/EventTypeCode").get("csd-code") == "110132"]
	assert ids == [sys.argv[1], sys.argv[2], sys.argv[1], "malformed", "malformed"], ids
	PY
	for t in "$T1" "$T2"; do ! grep -q "$(echo "$t" | cut -c20-45)" a.xml "$H/state/audit.log"; done
'

test_expect_success 'no such scanner is a clear error' '
	hidpos_ioctl $NODE 20 "$T1" >scan.ioctl &&
	{ scanner_run scan.ioctl pdigate token read --hidpos=1234:5678 --count 1 2>err; code=$?; } &&
	test $code = 1 && grep -q "no HID scanner 1234:5678" err
'

test_expect_code 2 '--hidpos takes VID:PID in hex' '
	pdigate token read --hidpos=zz:1
'

test_expect_success 'the audit chain verifies and its XML validates against the grammar' '
	pdigate audit verify --home "$H" >out && grep -q "chain intact" out &&
	pdigate audit export --format xml --home "$H" >all.xml &&
	xmllint --noout --relaxng "$PDG_TOP/docs/audit-message.rng" all.xml
'

test_done
