#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-fetch import: a package exported by pdigate and opened by pdigate-fetch open goes
# into a folder tree, into a real Orthanc by C-STORE and by STOW-RS (Orthanc's REST API then
# holds exactly the exported instances with the pseudonymised values), is re-checked for PHI
# first, and counts an instance only once the target confirmed it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/orthanc-lib.sh"
W=$TEST_ROOT/work
mkdir -p "$W"
H=$W/home

(cd "$W" &&
	appliance_home &&
	mkdir in m && pdg-dcmgen -n 8 -s 64 -j in >/dev/null &&
	pdigate export --home "$H" --project p1 --medium m --show-token in >exp.out 2>/dev/null &&
	pdigate-fetch open --identity dc.key --appliance-key "$H/keys/appliance.pub" \
		--token "$(sed -n 2p exp.out)" --out opened m >/dev/null 2>&1) ||
	{ echo "not ok - setup failed"; exit 1; }
PKG=$(sed -n 1p "$W/exp.out")
P=$W/opened/$PKG

test_expect_success 'import --help; usage errors exit 2' '
	pdigate-fetch import --help | grep -q "usage: pdigate-fetch import" &&
	{ pdigate-fetch import "$P"; test $? = 2; } &&
	{ pdigate-fetch import --to folder:x "$P"; test $? = 2; } &&
	{ pdigate-fetch import --to dicom://host:104 "$P"; test $? = 2; } &&
	{ pdigate-fetch import --to dicom://AE@host:0 "$P"; test $? = 2; } &&
	{ pdigate-fetch import --to ftp://x/y "$P"; test $? = 2; }
'
test_expect_success 'folder target: project/pseudonym/study/series/instance.dcm, same bytes' '
	pdigate-fetch import --to "folder:$TEST_DIR/r" --project p1 "$P" >out &&
	grep -q "^imported 8, already there 0, quarantined 0, failed 0 of 8 instances" out &&
	test "$(find r -name "*.dcm" | wc -l)" = 8 &&
	for f in $(find r -name "*.dcm"); do
		rel=${f#r/p1/}; pat=${rel%%/*}; rest=${rel#*/}; st=${rest%%/*}; rest=${rest#*/}
		se=${rest%%/*}; sop=${rest#*/}; sop=${sop%.dcm}
		test "$(dcmdump -q +P 0010,0020 "$f" | sed "s/.*\[\(.*\)\].*/\1/")" = "$pat" &&
		dcmdump -q +P 0020,000d "$f" | grep -q "\[$st\]" &&
		dcmdump -q +P 0020,000e "$f" | grep -q "\[$se\]" &&
		dcmdump -q +P 0008,0018 "$f" | grep -q "\[$sop\]" || exit 1
	done &&
	(cd "$P" && find DICOM -type f -exec sha256sum {} + | cut -c1-64 | sort) >want &&
	find r -name "*.dcm" -exec sha256sum {} + | cut -c1-64 | sort >got &&
	cmp want got &&
	test -z "$(find r -name ".*")"
'
test_expect_success 'folder target: importing again is harmless; a different file is not replaced' '
	pdigate-fetch import --to "folder:$TEST_DIR/r" --project p1 "$P" >/dev/null &&
	pdigate-fetch import --to "folder:$TEST_DIR/r" --project p1 "$P" >out &&
	grep -q "^imported 0, already there 8, quarantined 0, failed 0 of 8" out &&
	f=$(find r -name "*.dcm" | head -1) && chmod u+w "$f" && echo x >>"$f" &&
	{ pdigate-fetch import --to "folder:$TEST_DIR/r" --project p1 "$P" >out 2>err; test $? = 9; } &&
	grep -q "failed 1 of 8" out && grep -q "already there" err
'
test_expect_success 'PHI re-check: a removed attribute or identity-removed NO is quarantined' '
	cp -r "$P" pk && chmod -R u+w pk &&
	a=$(find pk/DICOM -type f | sort | sed -n 1p) && b=$(find pk/DICOM -type f | sort | sed -n 2p) &&
	dcmodify -nb -i "(0010,1000)=PLANTED-OTHER-ID" "$a" &&
	dcmodify -nb -m "(0012,0062)=NO" "$b" &&
	{ pdigate-fetch import --to "folder:$TEST_DIR/r" --project p1 --quarantine q pk \
		>out 2>err; test $? = 3; } &&
	grep -q "^imported 6, already there 0, quarantined 2, failed 0 of 8" out &&
	grep -q "(0010,1000)" err && grep -q "Patient Identity Removed" err &&
	! grep -q PLANTED err && ! grep -rq PLANTED r &&
	test "$(ls q/pk | wc -l)" = 2 && grep -q PLANTED-OTHER-ID q/pk/*
'

if ! have_orthanc; then
	test_skip 'C-STORE and STOW-RS into Orthanc' 'orthanc / orthanc-dicomweb not installed'
	test_done
	exit
fi
trap 'orthanc_stop; rm -rf "$TEST_ROOT"' EXIT
orthanc_start "$TEST_ROOT/orthanc" >"$TEST_ROOT/orthanc.out" ||
	{ echo "not ok - cannot start Orthanc"; cat "$TEST_ROOT/orthanc.out"; exit 1; }
OC=$ORTHANC_URL OD=$ORTHANC_DICOM OW=$ORTHANC_WEB
orthanc_clear() {
	for p in $(curl -sf "$1/patients" | python3 -c "import json,sys; print(*json.load(sys.stdin))"); do
		curl -sf -X DELETE "$1/patients/$p" >/dev/null || return 1
	done
	test "$(curl -sf "$1/instances")" = "[]"
}

test_expect_success 'C-STORE into Orthanc: it holds exactly the exported instances, pseudonymised' '
	orthanc_clear "$OC" &&
	pdigate-fetch import --to "dicom://ORTHANC@127.0.0.1:$OD" "$P" >out &&
	grep -q "^imported 8, already there 0, quarantined 0, failed 0 of 8" out &&
	orthanc_compare "$OC" "$P/DICOM"
'
test_expect_success 'C-STORE again: harmless, still exactly the same instances' '
	pdigate-fetch import --to "dicom://ORTHANC@127.0.0.1:$OD" "$P" >/dev/null &&
	orthanc_compare "$OC" "$P/DICOM"
'
test_expect_success 'STOW-RS into Orthanc: it holds exactly the exported instances, pseudonymised' '
	orthanc_clear "$OC" &&
	pdigate-fetch import --to "$OW" "$P" >out &&
	grep -q "^imported 8, already there 0, quarantined 0, failed 0 of 8" out &&
	orthanc_compare "$OC" "$P/DICOM"
'
test_expect_success 'quarantined instances never reach the archive' '
	orthanc_clear "$OC" &&
	cp -r "$P" pk && chmod -R u+w pk &&
	dcmodify -nb -i "(0010,1000)=PLANTED-OTHER-ID" "$(find pk/DICOM -type f | sort | sed -n 1p)" &&
	{ pdigate-fetch import --to "$OW" pk >out 2>err; test $? = 3; } &&
	grep -q "^imported 7, already there 0, quarantined 1" out &&
	test "$(curl -sf "$OC/instances" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 7 &&
	! curl -sf "$OC/tools/find" -d "{\"Level\":\"Instance\",\"Query\":{},\"Expand\":true}" | grep -q PLANTED
'
test_expect_success 'wrong AE title or closed port: failure, nothing counted as imported' '
	{ pdigate-fetch import --to "dicom://NOTORTHANC@127.0.0.1:$OD" "$P" >out 2>err; test $? = 1; } &&
	grep -q "refused" err &&
	{ pdigate-fetch import --to "dicom://ORTHANC@127.0.0.1:$(orthanc_port)" "$P" >out 2>err; test $? = 1; } &&
	{ pdigate-fetch import --to "http://127.0.0.1:$(orthanc_port)/dicom-web" "$P" >out 2>err; test $? = 1; } &&
	grep -q "STOW-RS" err
'
orthanc_stop
printf 'function ReceivedInstanceFilter(dicom, origin, info)\n  error("refused by the test")\nend\n' \
	>"$TEST_ROOT/refuse.lua"
orthanc_start "$TEST_ROOT/orthanc-refusing" "$TEST_ROOT/refuse.lua" >"$TEST_ROOT/orthanc.out" ||
	{ echo "not ok - cannot start Orthanc"; exit 1; }
test_expect_success 'an archive answering a failure status: every instance failed, exit 9' '
	{ pdigate-fetch import --to "dicom://ORTHANC@127.0.0.1:$ORTHANC_DICOM" "$P" >out 2>err; test $? = 9; } &&
	grep -q "^imported 0, already there 0, quarantined 0, failed 8 of 8" out &&
	grep -q "status 0xA700" err
'
test_expect_success 'a DICOMweb service listing instances as failed: exit 9' '
	{ pdigate-fetch import --to "$ORTHANC_WEB" "$P" >out 2>err; test $? = 9; } &&
	grep -q "failed 8 of 8" out
'
test_done
