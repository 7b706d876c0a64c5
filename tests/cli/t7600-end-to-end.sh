#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole journey on loopback (issue 5, acceptance 1): generated studies → pdigate export
# (folder medium, token sheet PDF) → pdigate-upload → zbarimg decodes the sheet's QR code →
# pdigate-center redeem → pdigate-fetch sync into a real Orthanc by C-STORE and by STOW-RS:
# Orthanc's REST API reports exactly the exported instances with the pseudonymised values.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
. "$(dirname "$0")/orthanc-lib.sh"
if ! command -v pdigate-center >/dev/null 2>&1; then
	test_skip 'end to end' 'pdigate-center is not built'
	test_done
	exit
fi
if ! have_orthanc; then
	test_skip 'end to end' 'orthanc / orthanc-dicomweb not installed'
	test_done
	exit
fi
W=$TEST_ROOT/work
mkdir -p "$W"
H=$W/home
ORTHANC_PIDS=
trap 'center_stop >/dev/null 2>&1; for p in $ORTHANC_PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$TEST_ROOT"' EXIT

(cd "$W" &&
	appliance_home &&
	mkdir in && pdg-gen --seed 11 --out in --patients 2 --ct-slices 6 --mr-slices 4 \
		--only ct,mr >/dev/null &&
	mkdir keys && cp "$H/keys/appliance.pub" \
		"keys/$(sed -n 's/^id *= *//p' "$H/config.ini" | head -1).pub" &&
	center_pki "$W/center" && center_config &&
	center_register "$H" p1 "$(age-keygen -y dc.key)") >"$W/setup.out" 2>&1 ||
	{ echo "not ok - setup failed"; cat "$W/setup.out"; exit 1; }
CENTER_DIR=$W/center
CENTER_PORT=$(sed -n 's/^port = //p' "$CENTER_DIR/center.ini")
center_start "$W/center.log" || { echo "not ok - the center does not start"; exit 1; }
orthanc_start "$W/orthanc-a" >/dev/null || { echo "not ok - Orthanc does not start"; exit 1; }
ORTHANC_PIDS=$ORTHANC_PID OA=$ORTHANC_URL OA_DICOM=$ORTHANC_DICOM
orthanc_start "$W/orthanc-b" >/dev/null || { echo "not ok - Orthanc does not start"; exit 1; }
ORTHANC_PIDS="$ORTHANC_PIDS $ORTHANC_PID" OB=$ORTHANC_URL OB_WEB=$ORTHANC_WEB

# journey NAME TARGET: export, upload, scan, redeem, sync; leaves the opened package in
# $W/NAME/work/<PKG>/opened/<PKG> (--keep) and the package id in $W/NAME/pkg
journey() {
	d=$W/$1
	mkdir -p "$d/stick" && cd "$d" &&
	pdigate export --home "$H" --project p1 --medium stick --sheet sheet.pdf \
		--operator "Sato" "$W/in" >pkg 2>export.err &&
	pkg=$(cat pkg) &&
	pdigate-upload --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" --keys "$W/keys" \
		--quiet --wipe stick >receipt &&
	grep -q "^$pkg RECEIVED .* wiped$" receipt &&
	pdftoppm -r 150 -png sheet.pdf page && zbarimg --raw -q page*.png >scanned &&
	test "$(wc -l <scanned)" = 1 &&
	pdigate-center redeem --url "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/staff.crt" --key "$CENTER_DIR/staff.key" <scanned >redeem.out &&
	grep -q "$pkg" redeem.out && grep -q "released to dc-a" redeem.out &&
	! grep -q "$(cut -c20- scanned)" redeem.out &&
	pdigate-fetch sync --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/dca.crt" --key "$CENTER_DIR/dca.key" --identity "$W/dc.key" \
		--keys "$W/keys" --to "$2" --work work --keep >sync.out 2>sync.err &&
	grep -q "^$pkg p1 acknowledged instances 20 imported 20 already 0 quarantined 0 failed 0$" sync.out
}

test_expect_success 'export → upload → QR scan → redeem → sync by C-STORE: Orthanc holds the package' '
	journey cstore "dicom://ORTHANC@127.0.0.1:$OA_DICOM" &&
	pkg=$(cat "$W/cstore/pkg") &&
	orthanc_compare "$OA" "$W/cstore/work/$pkg/opened/$pkg/DICOM" &&
	center_curl staff "/v1/packages/$pkg" | grep -q "\"ACKNOWLEDGED\""
'
test_expect_success 'the same by STOW-RS into another Orthanc' '
	journey stow "$OB_WEB" &&
	pkg=$(cat "$W/stow/pkg") &&
	orthanc_compare "$OB" "$W/stow/work/$pkg/opened/$pkg/DICOM"
'
test_expect_success 'Orthanc holds pseudonyms only: no planted name, ID or birth date' '
	for u in "$OA" "$OB"; do
		curl -sf "$u/tools/find" -d "{\"Level\":\"Instance\",\"Query\":{},\"Expand\":true}" >all.json &&
		python3 - "$W/in" all.json <<-PY || exit 1
		import json, os, subprocess, sys
		ids = set()
		for root, _, names in os.walk(sys.argv[1]):
		    for n in names:
		        out = subprocess.run(["dcmdump", "-q", "+P", "0010,0020", "+P", "0010,0010",
		                              os.path.join(root, n)], capture_output=True, text=True).stdout
		        for line in out.splitlines():
		            if "[" in line:
		                ids.add(line[line.index("[") + 1:line.index("]")])
		text = open(sys.argv[2]).read()
		assert ids, "no identifiers read from the inputs"
		leaked = [i for i in ids if len(i) > 2 and i in text]
		assert not leaked, "%d original identifiers in Orthanc" % len(leaked)
		PY
	done
'
test_expect_success 'sync again: nothing waiting, exit 0, Orthanc unchanged' '
	n=$(curl -sf "$OA/instances" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))") &&
	pdigate-fetch sync --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/dca.crt" --key "$CENTER_DIR/dca.key" --identity "$W/dc.key" \
		--keys "$W/keys" --to "dicom://ORTHANC@127.0.0.1:$OA_DICOM" --work work >out 2>err &&
	test ! -s out && grep -q "no package" err &&
	test "$(curl -sf "$OA/instances" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = "$n"
'
test_done
