#!/bin/sh
# SPDX-License-Identifier: MIT
# pdg-gen, the synthetic study generator: deterministic, parseable by DCMTK, every Table E.1-1
# attribute planted, the answer key true to the files, Japanese names encoded per PS3.5.
. "$(dirname "$0")/lib.sh"
TOOLS=$PDG_TOP/tests/tools

test_expect_success 'one seed gives identical bytes, another seed different ones' '
	pdg-gen --seed 11 --out a --patients 2 --ct-slices 4 --mr-slices 3 --key a.json &&
	pdg-gen --seed 11 --out b --patients 2 --ct-slices 4 --mr-slices 3 --key b.json &&
	pdg-gen --seed 12 --out c --patients 2 --ct-slices 4 --mr-slices 3 &&
	diff -r a b && cmp a.json b.json &&
	! cmp a/pat01/ct/0001.dcm c/pat01/ct/0001.dcm
'
test_expect_success 'every object kind is written and parses with dcmdump' '
	pdg-gen --seed 3 --out g --patients 2 --ct-slices 3 --mr-slices 2 &&
	test "$(find g -name "*.dcm" | wc -l)" -eq 18 &&
	for f in $(find g -name "*.dcm"); do dcmdump -q "$f" >/dev/null || exit 1; done &&
	dcmdump g/pat01/ct/0002.dcm >d &&
	grep -q "CTImageStorage" d && grep -q "(0028,0010) US 512" d &&
	grep -q "(0020,1041) DS \[-198.75\]" d &&
	dcmdump g/pat01/us/0001.dcm | grep -q "BurnedInAnnotation" &&
	dcmdump g/pat01/sr/0001.dcm | grep -q "BasicTextSRStorage" &&
	dcmdump g/pat01/pdf/0001.dcm | grep -q "EncapsulatedPDFStorage"
'
test_expect_success 'the key is true to the files and every file holds every table attribute' '
	pdg-gen --seed 5 --out g --key k.json &&
	python3 "$TOOLS/deid-check.py" key --key k.json --in g --table "$TOOLS/planted_table.h" >log &&
	tail -2 log && grep -q "^ok: 0 failures" log
'
test_expect_success 'the series of a study share Study UID, the CT slices a Frame of Reference' '
	pdg-gen --seed 5 --out g --patients 1 --ct-slices 3 --mr-slices 1 &&
	for f in g/pat01/ct/*.dcm g/pat01/sc/0001.dcm g/pat01/sr/0001.dcm; do
		dcmdump +P 0020,000d "$f"; done | sort -u >study && test "$(wc -l <study)" -eq 1 &&
	for f in g/pat01/ct/*.dcm; do dcmdump +P 0020,0052 "$f"; done | sort -u >for &&
	test "$(wc -l <for)" -eq 1 &&
	dcmdump +P 0020,000d g/pat01/mr/0001.dcm >mr &&
	! grep -qxF "$(cat study)" mr
'
test_expect_success 'Japanese names: ISO 2022 IR 87 escapes for patient 1, UTF-8 for patient 2' '
	pdg-gen --seed 5 --out g --patients 2 --ct-slices 1 --mr-slices 1 --only ct &&
	want=$(printf "=\033\$B;3ED\033(B^\033\$BB@O:\033(B=") &&
	grep -qaF "$want" g/pat01/ct/0001.dcm &&
	dcmdump g/pat01/ct/0001.dcm | grep -qF "(0008,0005) CS [\\ISO 2022 IR 87]" &&
	grep -qaF "=佐藤^花子=" g/pat02/ct/0001.dcm &&
	dcmdump g/pat02/ct/0001.dcm | grep -qF "(0008,0005) CS [ISO_IR 192]"
'
test_expect_success '--only ct writes CT slices only' '
	pdg-gen --seed 1 --out g --patients 1 --ct-slices 5 --only ct &&
	test "$(find g -name "*.dcm" | wc -l)" -eq 5 && test -d g/pat01/ct && ! test -d g/pat01/mr
'
test_expect_code 2 'a missing seed is a usage error' '
	pdg-gen --out g
'
test_done
