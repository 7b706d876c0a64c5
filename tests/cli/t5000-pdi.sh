#!/bin/sh
# SPDX-License-Identifier: MIT
# IHE PDI file sets: build from DICOM files, check with DCMTK, dicom3tools, unzip and Chromium,
# and make `pdigate pdi verify` find deleted, changed and extra files and unsafe ZIP entries.
. "$(dirname "$0")/lib.sh"

# mkct DIR PATIENT STUDY SERIES INSTANCE STUDYDATE [XFER]: one small CT image via dump2dcm.
# Patient names and UIDs are planted so that the tests can check they never reach the texts.
mkct() {
	cat >"$1/d.txt" <<EOF
(0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]
(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]
(0008,0018) UI [2.25.77$2$3$4$5]
(0008,0020) DA [$6]
(0008,0030) TM []
(0008,0050) SH []
(0008,0060) CS [CT]
(0008,0070) LO []
(0008,0090) PN []
(0010,0010) PN [SECRETNAME^P$2]
(0010,0020) LO [PSEUDO$2]
(0010,0030) DA []
(0010,0040) CS []
(0018,0050) DS [1]
(0018,0060) DS [120]
(0020,000d) UI [2.25.88$2$3]
(0020,000e) UI [2.25.99$2$3$4]
(0020,0010) SH []
(0020,0011) IS [$4]
(0020,0013) IS [$5]
(0020,0032) DS [0\\0\\$5]
(0020,0037) DS [1\\0\\0\\0\\1\\0]
(0020,0052) UI [2.25.66$2$3]
(0020,0060) CS []
(0020,1040) LO []
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0030) DS [1\\1]
(0028,0100) US 16
(0028,0101) US 16
(0028,0102) US 15
(0028,0103) US 1
(0028,1050) DS [40]
(0028,1051) DS [400]
(0028,1052) DS [-1024]
(0028,1053) DS [1]
(7fe0,0010) OW 0001\\0002\\0003\\0004
EOF
	dump2dcm -q "${7:-+te}" "$1/d.txt" "$1/ct_$2_$3_$4_$5.dcm"
	rm -f "$1/d.txt"
}

# The same studies every time: 2 patients, 3 studies, 4 series, 6 instances; patient 2 has
# no study date (the DICOMDIR then carries the documented stand-in 19000101).
mkinputs() {
	mkdir -p "$1"
	mkct "$1" 1 1 1 1 20200101
	mkct "$1" 1 1 1 2 20200101
	mkct "$1" 1 1 2 1 20200101
	mkct "$1" 1 2 3 1 20210315
	mkct "$1" 2 5 1 1 ""
	mkct "$1" 2 5 1 2 ""
}

GOOD=$TEST_ROOT/good
mkinputs "$TEST_ROOT/in"
pdigate pdi build --site "テスト病院 Test Hospital" --contact "pdi@example.org" \
	--created 2026-11-21 --out "$GOOD" "$TEST_ROOT/in" >"$TEST_ROOT/build.out" 2>&1

test_expect_success 'pdigate pdi --help describes build, zip and verify' '
	pdigate pdi --help >out && grep -q "pdigate pdi verify" out && grep -q "pdi build" out &&
	grep -q "pdi zip" out
'
test_expect_code 2 'pdigate pdi without a command is a usage error' '
	pdigate pdi
'
test_expect_success 'build reports the profile and counts' '
	cat "$TEST_ROOT/build.out" &&
	grep -qx "STD-GEN-CD: 2 patients, 3 studies, 4 series, 6 instances, 12 files, [0-9]* bytes" \
		"$TEST_ROOT/build.out"
'
test_expect_success 'the file set has the PDI layout and legal File IDs' '
	(cd "$GOOD" && find . -type f | sort) >files &&
	cat >want <<-EOF &&
	./DICOM/P0000001/S0000001/S0000001/I0000001
	./DICOM/P0000001/S0000001/S0000001/I0000002
	./DICOM/P0000001/S0000001/S0000002/I0000001
	./DICOM/P0000001/S0000002/S0000001/I0000001
	./DICOM/P0000002/S0000001/S0000001/I0000001
	./DICOM/P0000002/S0000001/S0000001/I0000002
	./DICOMDIR
	./IHE_PDI/ABOUT.HTM
	./IHE_PDI/STYLE.CSS
	./INDEX.HTM
	./PDIGATE.JSN
	./README.TXT
	EOF
	diff want files
'
test_expect_success 'instances are ordered by patient, study, series and instance number' '
	dcmdump +P 0010,0020 +P 0020,0011 +P 0020,0013 \
		"$GOOD"/DICOM/P0000001/S0000001/S0000002/I0000001 >a &&
	grep -q "PSEUDO1" a && grep -q "IS \[2\]" a &&
	dcmdump +P 0020,0013 "$GOOD"/DICOM/P0000001/S0000001/S0000001/I0000002 | grep -q "\[2\]" &&
	dcmdump +P 0010,0020 "$GOOD"/DICOM/P0000002/S0000001/S0000001/I0000001 | grep -q PSEUDO2
'
test_expect_success 'pdigate pdi verify accepts the file set' '
	pdigate pdi verify "$GOOD" >out &&
	grep -qx "ok: 2 patients, 3 studies, 4 series, 6 instances, 12 files" out
'
test_expect_success 'dcmdump parses the DICOMDIR: File-set ID, records, deterministic keys' '
	dcmdump "$GOOD/DICOMDIR" >dump &&
	grep -q "FileSetID.*PDIGATE\|(0004,1130) CS \[PDIGATE\]" dump &&
	test "$(grep -c "ReferencedFileID" dump)" -eq 6 &&
	test "$(grep -c "DirectoryRecordType.*\[PATIENT\]\|CS \[PATIENT\]" dump)" -eq 2 &&
	test "$(grep -c "CS \[STUDY\]" dump)" -eq 3 &&
	test "$(grep -c "CS \[SERIES\]" dump)" -eq 4 &&
	grep -q "DA \[19000101\]" dump && grep -q "DA \[20210315\]" dump &&
	! grep -q "TM \[[1-9]" dump
'
test_expect_success 'dciodvfy reports no errors in the DICOMDIR' '
	dciodvfy "$GOOD/DICOMDIR" >v 2>&1 || true
	cat v && grep -q BasicDirectory v && ! grep -i "^error" v
'
test_expect_success 'dcmmkdir in append mode reads the DICOMDIR and finds every record' '
	cp -r "$GOOD" copy && cd copy &&
	dcmmkdir -Pgp +A +I +r -nb DICOM 2>err && cat err &&
	test "$(grep -c "directory record for this SOP instance already exists" err)" -eq 6 &&
	test "$(dcmdump DICOMDIR | grep -c ReferencedFileID)" -eq 6
'
test_expect_success 'two builds of the same input are byte for byte the same' '
	pdigate pdi build --copy --site "テスト病院 Test Hospital" --contact "pdi@example.org" \
		--created 2026-11-21 --out again "$TEST_ROOT/in" >/dev/null &&
	diff -r "$GOOD" again
'
test_expect_success 'PDIGATE.JSN lists every other file with its size and SHA-256' '
	python3 - "$GOOD" <<-EOF
	import hashlib, json, os, sys
	root = sys.argv[1]
	m = json.load(open(os.path.join(root, "PDIGATE.JSN")))
	assert m["format"] == "pdigate-pdi-manifest" and m["version"] == 1, m
	assert m["counts"]["patients"] == 2 and m["counts"]["instances"] == 6, m["counts"]
	assert m["fileset"]["profile"] == "STD-GEN-CD"
	listed = [f["path"] for f in m["files"]]
	assert listed == sorted(listed)
	found = sorted(os.path.relpath(os.path.join(d, n), root)
	               for d, _, ns in os.walk(root) for n in ns)
	assert listed == [f for f in found if f != "PDIGATE.JSN"], (listed, found)
	for f in m["files"]:
	    data = open(os.path.join(root, f["path"]), "rb").read()
	    assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"]
	dicom = sum(f["size"] for f in m["files"] if f["path"].startswith("DICOM/"))
	assert m["counts"]["bytes"] == dicom
	EOF
'
test_expect_success 'README.TXT and the web view hold no names or UIDs from the files' '
	! grep -lE "SECRETNAME|2\.25\.(66|77|88|99)" "$GOOD/README.TXT" "$GOOD/INDEX.HTM" \
		"$GOOD"/IHE_PDI/* "$GOOD/PDIGATE.JSN" &&
	grep -q "テスト病院" "$GOOD/README.TXT" && grep -q "Privacy notice" "$GOOD/README.TXT" &&
	grep -q "個人情報保護" "$GOOD/README.TXT" && grep -q "pdigate [0-9]" "$GOOD/README.TXT"
'
test_expect_success 'INDEX.HTM and IHE_PDI pages are well-formed XHTML without scripts' '
	for f in "$GOOD/INDEX.HTM" "$GOOD"/IHE_PDI/*.HTM; do
		python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$f" ||
			exit 1
	done &&
	! grep -il "<script\|http://[a-z]*\.[a-z]*/[^T]" "$GOOD/INDEX.HTM" "$GOOD"/IHE_PDI/*
'
if command -v chromium >/dev/null 2>&1; then
	test_expect_success 'Chromium renders INDEX.HTM with every study and series row' '
		timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
			--no-first-run --disable-background-networking --disable-component-update \
			--disable-sync --user-data-dir="$TEST_DIR/profile" \
			--dump-dom "file://$GOOD/INDEX.HTM" >dom 2>/dev/null &&
		test "$(grep -c "<tr class=\"study\"" dom)" -eq 3 &&
		test "$(grep -c "<tr class=\"series\"" dom)" -eq 4 &&
		grep -q "<tr class=\"study\" id=\"P0000002S0000001\"><td>PSEUDO2</td>" dom &&
		grep -q "2021-03-15" dom
	'
else
	test_skip 'Chromium renders INDEX.HTM' 'chromium is not installed'
fi
test_expect_success 'the ZIP is stored, dated 1980-01-01, passes unzip -t and verify' '
	pdigate pdi zip "$GOOD" set.zip >out && grep -qx "12 entries, [0-9]* bytes" out &&
	unzip -t set.zip >t && grep -q "No errors detected" t &&
	zipinfo -v set.zip >info &&
	test "$(grep -c "compression method: *none (stored)" info)" -eq 12 &&
	test "$(grep -c "1980 Jan 1 00:00:00" info)" -eq 12 &&
	pdigate pdi verify set.zip >v && grep -q "^ok: 2 patients" v
'
test_expect_success 'two ZIPs of the same file set are the same bytes' '
	pdigate pdi zip "$GOOD" one.zip >/dev/null &&
	chmod 600 "$GOOD/README.TXT" && touch "$GOOD/INDEX.HTM" &&
	pdigate pdi zip "$GOOD" two.zip >/dev/null && chmod 644 "$GOOD/README.TXT" &&
	cmp one.zip two.zip
'
test_expect_code 1 'pdigate pdi zip refuses to overwrite' '
	: >exists.zip && pdigate pdi zip "$GOOD" exists.zip
'
test_expect_code 1 'verify: a deleted DICOM file' '
	cp -r "$GOOD" x && rm x/DICOM/P0000001/S0000001/S0000001/I0000002 &&
	pdigate pdi verify x >out; rc=$?; cat out;
	grep -qx "DICOM/P0000001/S0000001/S0000001/I0000002: referenced by the DICOMDIR but missing" out &&
	grep -qx "DICOM/P0000001/S0000001/S0000001/I0000002: listed in PDIGATE.JSN but missing" out &&
	(exit $rc)
'
test_expect_code 1 'verify: one changed byte' '
	cp -r "$GOOD" x &&
	printf X | dd of=x/DICOM/P0000002/S0000001/S0000001/I0000001 bs=1 seek=400 conv=notrunc &&
	pdigate pdi verify x >out; rc=$?; cat out;
	test "$(cat out)" = "DICOM/P0000002/S0000001/S0000001/I0000001: SHA-256 differs from PDIGATE.JSN" &&
	(exit $rc)
'
test_expect_code 1 'verify: an extra DICOM file and an extra file at the root' '
	cp -r "$GOOD" x && echo hello >x/AUTORUN.INF &&
	cp x/DICOM/P0000001/S0000002/S0000001/I0000001 x/DICOM/P0000001/S0000002/S0000001/I0000009 &&
	pdigate pdi verify x >out; rc=$?; cat out;
	grep -qx "DICOM/P0000001/S0000002/S0000001/I0000009: not referenced by the DICOMDIR" out &&
	grep -qx "AUTORUN.INF: file outside the PDI file set" out &&
	grep -qx "AUTORUN.INF: not listed in PDIGATE.JSN" out &&
	(exit $rc)
'
test_expect_code 1 'verify: missing README.TXT and a broken DICOMDIR' '
	cp -r "$GOOD" x && rm x/README.TXT && head -c 500 "$GOOD/DICOMDIR" >x/DICOMDIR &&
	pdigate pdi verify x >out; rc=$?; cat out;
	grep -qx "README.TXT: missing (IHE PDI file set)" out &&
	grep -q "^DICOMDIR: unreadable: " out && (exit $rc)
'
test_expect_code 1 'verify: a file swapped for another instance under the same name' '
	cp -r "$GOOD" x &&
	cp "$GOOD"/DICOM/P0000001/S0000001/S0000001/I0000001 x/DICOM/P0000001/S0000001/S0000001/I0000002 &&
	pdigate pdi verify x >out; rc=$?; cat out;
	grep -qx "DICOM/P0000001/S0000001/S0000001/I0000002: SOP instance UID differs from the DICOMDIR record" out &&
	(exit $rc)
'
# zipwith NAME...: a ZIP holding the good set plus one entry per NAME (content "x").
zipwith() {
	python3 - "$GOOD" "$@" <<-EOF
	import os, sys, warnings, zipfile
	warnings.simplefilter("ignore")
	root = sys.argv[1]
	z = zipfile.ZipFile("evil.zip", "w")
	for d, _, ns in os.walk(root):
	    for n in sorted(ns):
	        p = os.path.join(d, n)
	        z.write(p, os.path.relpath(p, root))
	for name in sys.argv[2:]:
	    z.writestr(name, "x")
	z.close()
	EOF
}
test_expect_code 1 'verify: a ZIP with a ../ entry' '
	zipwith ../../etc/evil && pdigate pdi verify evil.zip >out; rc=$?; cat out;
	grep -qx "../../etc/evil: unsafe entry name (absolute, .*" out && (exit $rc)
'
test_expect_code 1 'verify: a ZIP with an absolute name and a backslash' '
	zipwith /tmp/evil "DICOM\\EVIL" && pdigate pdi verify evil.zip >out; rc=$?; cat out;
	grep -qx "/tmp/evil: unsafe entry name .*" out &&
	grep -qx "DICOM.EVIL: unsafe entry name .*" out && (exit $rc)
'
test_expect_code 1 'verify: a ZIP with a repeated name' '
	zipwith README.TXT && pdigate pdi verify evil.zip >out; rc=$?; cat out;
	grep -qx "(file set): duplicate entry name" out && (exit $rc)
'
test_expect_code 1 'verify: a ZIP entry larger than PDIGATE.JSN says' '
	cp -r "$GOOD" x && echo more >>x/INDEX.HTM && pdigate pdi zip x big.zip >/dev/null &&
	pdigate pdi verify big.zip >out; rc=$?; cat out;
	grep -qx "INDEX.HTM: entry larger than listed in PDIGATE.JSN" out && (exit $rc)
'
test_expect_success 'patients whose ID and name were emptied share one PATIENT record' '
	mkdir in && mkct in 3 1 1 1 20200101 && mkct in 3 1 1 2 20200101 &&
	mkct in 3 2 1 1 20200102 &&
	for f in in/*.dcm; do dcmodify -q -nb -ma "(0010,0010)=" -ma "(0010,0020)=" "$f"; done &&
	pdigate pdi build --out set in >out && cat out &&
	grep -q " 1 patients, 2 studies, 2 series, 3 instances" out &&
	dcmdump set/DICOMDIR >dump &&
	test "$(grep -c "CS \[PATIENT\]" dump)" -eq 1 &&
	test "$(grep -c "CS \[STUDY\]" dump)" -eq 2 &&
	grep -q "LO \[DCMTKPAT000000\]" dump &&
	pdigate pdi verify set
'
test_expect_code 1 'build names the input that lacks a key the DICOMDIR needs' '
	mkdir in && mkct in 4 1 1 1 20200101 && dcmodify -q -nb -ea "(0008,0060)" in/*.dcm &&
	pdigate pdi build --out set in 2>err; rc=$?; cat err;
	grep -q "in/ct_4_1_1_1.dcm.: StudyInstanceUID, SeriesInstanceUID or Modality" err &&
	(exit $rc)
'
test_expect_success 'an implicit VR file converted through the shim is accepted' '
	mkdir in && mkct in 7 1 1 1 20200101 +ti &&
	pdg-dcmcat -t 1.2.840.10008.1.2.1 in/ct_7_1_1_1.dcm ok.dcm && rm in/* && mv ok.dcm in/ &&
	pdigate pdi build --out set in && pdigate pdi verify set
'
test_expect_success 'JPEG lossless inputs get the USB JPEG profile and pass dcmmkdir -Pfl' '
	mkdir in && for f in "$TEST_ROOT"/in/*.dcm; do
		dcmcjpeg "$f" "in/$(basename "$f")" || exit 1
	done &&
	cp "$TEST_ROOT/in/ct_1_1_1_1.dcm" in/native.dcm &&
	dcmodify -q -nb -m "(0008,0018)=2.25.4242" in/native.dcm &&
	pdigate pdi build --out set in >out && cat out &&
	grep -q "^STD-GEN-USB-JPEG: 2 patients, 3 studies, 4 series, 7 instances" out &&
	grep -q "\"profile\": \"STD-GEN-USB-JPEG\"" set/PDIGATE.JSN &&
	pdigate pdi verify set && cp -r set copy && cd copy &&
	dcmmkdir -Pfl +A +I +r -nb DICOM 2>err &&
	test "$(grep -c "directory record for this SOP instance already exists" err)" -eq 7
'
test_expect_code 1 'build refuses transfer syntaxes no profile admits' '
	mkdir in && mkct in 7 1 1 1 20200101 +ti &&
	pdigate pdi build --out set in
'
test_expect_success 'File IDs follow the input order: numbers at first sight, by lookup' '
	I=$TEST_ROOT/in &&
	pdigate pdi build --out set "$I/ct_2_5_1_2.dcm" "$I/ct_1_2_3_1.dcm" "$I/ct_2_5_1_1.dcm" \
		"$I/ct_1_1_1_2.dcm" "$I/ct_1_1_2_1.dcm" "$I/ct_1_1_1_1.dcm" >/dev/null &&
	pdigate pdi verify set >/dev/null &&
	cmp "$I/ct_2_5_1_2.dcm" set/DICOM/P0000001/S0000001/S0000001/I0000001 &&
	cmp "$I/ct_1_2_3_1.dcm" set/DICOM/P0000002/S0000001/S0000001/I0000001 &&
	cmp "$I/ct_2_5_1_1.dcm" set/DICOM/P0000001/S0000001/S0000001/I0000002 &&
	cmp "$I/ct_1_1_1_2.dcm" set/DICOM/P0000002/S0000002/S0000001/I0000001 &&
	cmp "$I/ct_1_1_2_1.dcm" set/DICOM/P0000002/S0000002/S0000002/I0000001 &&
	cmp "$I/ct_1_1_1_1.dcm" set/DICOM/P0000002/S0000002/S0000001/I0000002 &&
	dcmdump -q set/DICOMDIR | sed -n "s/.*(0004,1500) CS \[\(.*\)\].*/\1/p" >ids &&
	test "$(wc -l <ids)" -eq 6
'
test_expect_success 'a SOP instance given twice is refused with both names' '
	I=$TEST_ROOT/in && cp "$I/ct_1_1_1_1.dcm" again.dcm &&
	! pdigate pdi build --out set "$I/ct_1_1_1_1.dcm" "$I/ct_2_5_1_1.dcm" again.dcm 2>err &&
	grep -q "ct_1_1_1_1.dcm. and .again.dcm. hold the same SOP instance" err
'
test_expect_code 1 'build refuses an existing staging folder' '
	mkdir set && pdigate pdi build --out set "$TEST_ROOT/in"
'
test_done
