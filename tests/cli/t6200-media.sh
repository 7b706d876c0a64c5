#!/bin/sh
# SPDX-License-Identifier: MIT
# USB media under umockdev: with an allowed stick, an unknown stick, two sticks and none,
# `pdigate media list` and `pdigate export --medium auto` do what the [media] policy says; the
# stick's serial reaches the manifest, the sheet and the audit log; a refused stick is named
# and recorded (Security Alert); --eject unmounts (in a private mount namespace) and powers off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/media-lib.sh"

command -v umockdev-run >/dev/null || { test_skip 'media' 'umockdev-run is not installed'; test_done; exit; }

W=$TEST_ROOT/w
H=$W/home
mkdir -p "$W"
(cd "$W" &&
	echo "administrator passphrase" >pw &&
	pdigate init --home "$H" --site S --admin-passphrase-file pw >/dev/null &&
	age-keygen -o dc.key 2>/dev/null &&
	pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
		--home "$H" >/dev/null &&
	pdg-gen --seed 7 --out in --patients 1 --ct-slices 2 --only ct >/dev/null 2>&1 &&
	printf '\n[media]\nallow = 0781:5567, 0951:1666:GOOD2\nmin_free_mb = 1\n' >>"$H/config.ini" &&
	usb_keyboard 4 >none.umockdev &&
	{ usb_stick 1 0781 5567 4C530001 sdb; usb_keyboard 4; } >allowed.umockdev &&
	usb_stick 2 1234 5678 EVIL42 sdc >unknown.umockdev &&
	{ usb_stick 1 0781 5567 4C530001 sdb; usb_stick 3 0951 1666 GOOD2 sdd; } >two.umockdev &&
	usb_stick 3 0951 1666 OTHER sdd >wrongserial.umockdev) ||
	{ echo "not ok - setup failed"; exit 1; }

# the audit log's event ids and outcomes, one "ID OUTCOME" per line
events() {
	pdigate audit export --format xml --home "$H" >ev.xml &&
	python3 -c '
import xml.etree.ElementTree as E
for m in E.parse("ev.xml").getroot():
    e = m.find("EventIdentification")
    print(e.find("EventID").get("csd-code"), e.get("EventOutcomeIndicator"))
'
}

test_expect_success 'none: media list says so, export --medium auto refuses' '
	: >mi &&
	media_run "$W/none.umockdev" mi pdigate media list --home "$H" >out &&
	grep -qx "no USB storage device" out &&
	media_run "$W/none.umockdev" mi pdigate media list --home "$H" --json >j &&
	python3 -c "import json; assert json.load(open(\"j\"))[\"media\"] == []" &&
	{ media_run "$W/none.umockdev" mi pdigate export --home "$H" --project p1 \
		--medium auto "$W/in" >o 2>e; code=$?; } &&
	test $code = 1 && grep -q "no USB stick found" e
'

test_expect_success 'allowed stick: listed with identity, mount, file system, verdict' '
	mkdir stick && mountinfo_line sdb1 "$PWD/stick" vfat >mi &&
	media_run "$W/allowed.umockdev" mi pdigate media list --home "$H" --json >j &&
	python3 - "$PWD/stick" <<-PY
	import json, sys
	m = json.load(open("j"))["media"]
	assert len(m) == 1, m
	s = m[0]
	assert (s["vendor"], s["product"], s["serial"]) == ("0781", "5567", "4C530001"), s
	assert s["serial_from"] in ("usb", "sysfs"), s
	assert s["speed_mbps"] == 480 and s["usb"] == "1-1", s
	assert (s["block"], s["partition"], s["fstype"]) == ("sdb", "sdb1", "vfat"), s
	assert s["mount"] == sys.argv[1] and s["free_bytes"] > 0, s
	assert s["allowed"] is True and s["why"] == "", s
	PY
	media_run "$W/allowed.umockdev" mi pdigate media list --home "$H" >t &&
	grep -q "^1-1 .*0781:5567 4C530001 .*/dev/sdb1 on $PWD/stick (vfat.*allowed$" t
'

test_expect_success 'allowed stick: export --medium auto writes there, serial in manifest, sheet, audit' '
	mkdir stick && mountinfo_line sdb1 "$PWD/stick" vfat >mi &&
	{ media_run "$W/allowed.umockdev" mi pdigate export --home "$H" --project p1 \
		--medium auto --sheet sheet.pdf "$W/in" >o 2>e; code=$?; } &&
	{ test $code = 0 || test $code = 3; } &&
	pkg=$(sed -n 1p o) &&
	test -f "stick/PDIGATE/$pkg.MAN" &&
	python3 -c "import json,sys; m = json.load(open(sys.argv[1])); assert m[\"medium_serial\"] == \"4C530001\", m" \
		"stick/PDIGATE/$pkg.MAN" &&
	pdftotext sheet.pdf - | grep -q "Medium serial: 4C530001" &&
	pdigate audit export --format xml --home "$H" >a.xml &&
	python3 - "$pkg" <<-PY
	import sys, xml.etree.ElementTree as E
	recs = [m for m in E.parse("a.xml").getroot()
	        if m.find("EventIdentification/EventID").get("csd-code") == "110106"]
	usb = [m for m in recs if m.find("ActiveParticipant/MediaIdentifier/MediaType[@csd-code=\"110030\"]") is not None]
	assert usb, "no export to USB"
	last = usb[-1]
	media = [p for p in last.findall("ActiveParticipant") if p.get("UserID") == "4C530001"]
	assert media, "no USB participant with the serial"
	paper = [m for m in recs if m.find("ActiveParticipant/MediaIdentifier/MediaType[@csd-code=\"110038\"]") is not None]
	assert paper and recs.index(paper[-1]) > recs.index(last), "sheet not recorded after the export"
	assert any(o.get("ParticipantObjectID") == sys.argv[1] for o in last.findall("ParticipantObjectIdentification"))
	PY
'

test_expect_success 'unknown stick: listed as refused; export refuses, names it, records it' '
	mkdir stick && mountinfo_line sdc1 "$PWD/stick" vfat >mi &&
	media_run "$W/unknown.umockdev" mi pdigate media list --home "$H" >t &&
	grep -q "1234:5678 EVIL42 .*refused: not in the allowed list" t &&
	events >before &&
	{ media_run "$W/unknown.umockdev" mi pdigate export --home "$H" --project p1 \
		--medium auto "$W/in" >o 2>e; code=$?; } &&
	test $code = 1 &&
	grep -q "USB stick 1234:5678 EVIL42 refused: not in the allowed list" e &&
	grep -q "no allowed USB stick: seen 1234:5678 EVIL42" e &&
	test -z "$(ls -A stick)" &&
	events >after &&
	test "$(tail -1 after)" = "110113 4" &&
	test $(grep -c "^110113 4" after) = $(($(grep -c "^110113 4" before) + 1)) && 
	grep -q "EVIL42" ev.xml && grep -q "110130" ev.xml
'

test_expect_success 'a stick of an allowed model with another serial is refused' '
	mkdir stick && mountinfo_line sdd1 "$PWD/stick" vfat >mi &&
	media_run "$W/wrongserial.umockdev" mi pdigate media list --home "$H" >t &&
	grep -q "0951:1666 OTHER .*refused: not in the allowed list" t
'

test_expect_success 'two allowed sticks: export refuses and names both' '
	mkdir s1 s2 && { mountinfo_line sdb1 "$PWD/s1" vfat; mountinfo_line sdd1 "$PWD/s2" exfat; } >mi &&
	media_run "$W/two.umockdev" mi pdigate media list --home "$H" >t &&
	test $(grep -c "allowed$" t) = 2 &&
	{ media_run "$W/two.umockdev" mi pdigate export --home "$H" --project p1 \
		--medium auto "$W/in" >o 2>e; code=$?; } &&
	test $code = 1 &&
	grep -q "2 allowed USB sticks.*0781:5567 4C530001.*0951:1666 GOOD2" e &&
	test -z "$(ls -A s1)" && test -z "$(ls -A s2)"
'

test_expect_success 'policy: unmounted, wrong file system, too little room' '
	mkdir stick &&
	: >mi &&
	media_run "$W/allowed.umockdev" mi pdigate media list --home "$H" >t &&
	grep -q "/dev/sdb not mounted  refused: not mounted" t &&
	mountinfo_line sdb1 "$PWD/stick" ntfs >mi &&
	media_run "$W/allowed.umockdev" mi pdigate media list --home "$H" >t &&
	grep -q "refused: file system ntfs is not allowed" t &&
	cp -r "$H" h2 && printf "min_free_mb = 4000000000\n" >>h2/config.ini &&
	mountinfo_line sdb1 "$PWD/stick" vfat >mi &&
	media_run "$W/allowed.umockdev" mi pdigate media list --home h2 >t &&
	grep -q "MB free, 4000000000 MB needed" t
'

test_expect_success 'a malformed [media] allow entry is an error naming the line' '
	cp -r "$H" h2 && printf "allow = 0781-5567\n" >>h2/config.ini && : >mi &&
	{ media_run "$W/allowed.umockdev" mi pdigate media list --home h2 >t 2>e; code=$?; } &&
	test $code = 1 && grep -q "config.ini. line [0-9]*: malformed \[media\] entry" e
'

test_expect_code 2 '--eject needs --medium auto' '
	pdigate export --home "$H" --project p1 --medium . --eject "$W/in"
'

if unshare -m true 2>/dev/null; then
test_expect_success 'export --medium auto --eject: unmounted and powered off, recorded' '
	mkdir stick && mountinfo_line sdb1 "$PWD/stick" vfat >mi &&
	cat >run.sh <<-EOS &&
	set -e
	mount -t tmpfs -o size=64m pdgtest "$PWD/stick"
	PDG_MOUNTINFO="$PWD/mi" umockdev-run --device "$W/allowed.umockdev" -- sh -c "
		pdigate export --home \"$H\" --project p1 --medium auto --eject \"$W/in\" >o 2>e ||
			test \\\$? = 3
		cat /sys/bus/usb/devices/1-1/remove >removed"
	! mountpoint -q "$PWD/stick"
	EOS
	unshare -m sh run.sh &&
	grep -q "ejected: pull it now" e &&
	test "$(cat removed)" = 1 &&
	events >ev && test "$(tail -1 ev)" = "110113 0" &&
	grep -q "USB stick unmounted and powered off" ev.xml
'
test_expect_success 'media eject: the allowed stick is unmounted and powered off, recorded' '
	mkdir stick && mountinfo_line sdb1 "$PWD/stick" vfat >mi &&
	cat >run.sh <<-EOS &&
	set -e
	mount -t tmpfs -o size=64m pdgtest "$PWD/stick"
	PDG_MOUNTINFO="$PWD/mi" umockdev-run --device "$W/allowed.umockdev" -- sh -c "
		pdigate media eject --home \"$H\" >o 2>e
		cat /sys/bus/usb/devices/1-1/remove >removed"
	! mountpoint -q "$PWD/stick"
	EOS
	unshare -m sh run.sh &&
	grep -q "USB stick 0781:5567 4C530001 ejected: pull it now" o &&
	test "$(cat removed)" = 1 &&
	events >ev && test "$(tail -1 ev)" = "110113 0"
'

test_expect_success 'media eject of a stick that is not a mount point fails, recorded' '
	mkdir stick && mountinfo_line sdb1 "$PWD/stick" vfat >mi &&
	{ media_run "$W/allowed.umockdev" mi pdigate media eject --home "$H" >o 2>e; code=$?; } &&
	test $code = 1 && grep -q "cannot unmount USB stick 0781:5567 4C530001" e &&
	grep -q "do not pull it yet" e &&
	events >ev && test "$(tail -1 ev)" = "110113 8"
'
else
	test_skip 'export --eject' 'no mount namespaces here (unshare -m)'
fi

test_expect_success 'the audit chain verifies and its XML validates against the grammar' '
	pdigate audit verify --home "$H" >out && grep -q "chain intact" out &&
	pdigate audit export --format xml --home "$H" >all.xml &&
	xmllint --noout --relaxng "$PDG_TOP/docs/audit-message.rng" all.xml
'

test_done
