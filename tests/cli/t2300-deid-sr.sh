#!/bin/sh
# SPDX-License-Identifier: MIT
# Clean Structured Content, documents and graphics (issue 7): generated SR reports with names,
# IDs, free text, dates and UIDs planted in their content items (pdg-gen) go through `pdigate
# deid`. Without the option an SR is quarantined with a reason; with it, no planted value is
# left (raw bytes and decoded text), person names, observation context and unknown value types
# are gone, content dates move with the header dates, the references resolve to the
# de-identified images, and dciodvfy finds no new error. Key objects are kept; encapsulated
# documents are quarantined; graphic annotations go unless Clean Graphics keeps them.
. "$(dirname "$0")/lib.sh"
TOOLS=$PDG_TOP/tests/tools
CHECK="python3 $TOOLS/deid-check.py"
G=$TEST_ROOT/g
export PDIGATE_HOME="$TEST_ROOT/home"

# inputs in the key's order, so that input n is the key's file n-1 (OUT/Ennnnnn.dcm)
inputs() {
	python3 -c 'import json, sys
for f in json.load(open(sys.argv[1]))["files"]:
    print(sys.argv[2] + "/" + f["file"])' "$G/key.json" "$G/in"
}

# deid PROJECT OUT [INPUT...]: exit 0 or 3 is success
deid() {
	p=$1 o=$2
	shift 2
	[ $# -gt 0 ] || set -- $(inputs)
	set +e
	pdigate deid --project "$p" --out "$o" "$@" >"$o.log" 2>&1
	rc=$?
	set -e
	test "$rc" -eq 0 || test "$rc" -eq 3 || { cat "$o.log"; echo "exit $rc"; false; }
}

# content_refs FILE: the Referenced SOP Instance UIDs of the content tree (IMAGE items)
content_refs() {
	python3 - "$TOOLS" "$1" <<-\EOF
	import sys
	sys.path.insert(0, sys.argv[1])
	import dicomlite
	for p, vr, v in dicomlite.parse(sys.argv[2]).elements:
	    if p.startswith("(0040,A730)") and p.endswith("(0008,1199)[0]/(0008,1155)"):
	        print(v.rstrip(b" \0").decode())
	EOF
}

# sr_outputs OUT: the exported files whose SOP class is an SR (88.x)
sr_outputs() {
	for f in "$1"/E*.dcm; do
		dcmdump -q -Un +P 0008,0016 "$f" | grep -q "1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\." &&
			echo "$f"
	done
	return 0
}

test_expect_success 'generate CT, SR and PDF for 2 patients; three projects' '
	pdg-gen --seed 2300 --out "$G/in" --patients 2 --ct-slices 4 --only ct,sr,pdf \
		--key "$G/key.json" &&
	echo "correct horse battery staple" >"$TEST_ROOT/pw" &&
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null &&
	pdigate project add basic --profile ps315-basic >/dev/null &&
	pdigate project add sr --profile ps315-basic >/dev/null &&
	printf "[deid]\noptions = clean-structured-content\n" >>"$PDIGATE_HOME/projects/sr.ini" &&
	pdigate project add anon --profile jp-anonymized >/dev/null &&
	test "$(inputs | grep -c /sr/)" -eq 2
'

test_expect_success 'without Clean Structured Content: SRs and documents quarantined with a reason' '
	deid basic "$G/basic" &&
	test -z "$(sr_outputs "$G/basic")" &&
	test "$(grep -c "structured reports hold free text" "$G/basic/quarantine/REASONS.TSV")" -eq 2 &&
	grep -q "encapsulated documents" "$G/basic/quarantine/REASONS.TSV"
'

test_expect_success 'with the option: SRs exported, no planted value left, references resolve, no new dciodvfy error' '
	deid sr "$G/sr" &&
	test "$(sr_outputs "$G/sr" | wc -l)" -eq 2 &&
	$CHECK synthetic --key "$G/key.json" --in "$G/in" --out "$G/sr" --min-references 4 \
		>report &&
	cat report && grep -q "^ok: 0 failures" report &&
	grep -q "0 leaks" report
'

test_expect_success 'the cleaned trees: no names, observation context or unknown items; text replaced' '
	for f in $(sr_outputs "$G/sr"); do
		dcmdump -q "$f" >dump &&
		! grep -E "\[(PNAME|HAS OBS CONTEXT|WIDGET)\]" dump &&
		grep -q "(0040,a040) CS \[IMAGE\]" dump &&
		grep -q "(0040,a040) CS \[DATE\]" dump &&
		! grep "(0040,a160)" dump | grep -v "\[REMOVED\]" &&
		! grep -q "20190407" dump || exit 1
	done
'

test_expect_success 'SR references are the SOP Instance UIDs of the de-identified CT images' '
	for f in "$G/sr"/E*.dcm; do dcmdump -q +P 0008,0018 "$f"; done |
		sed "s/.*\[\(.*\)\].*/\1/" | sort >sops &&
	for f in $(sr_outputs "$G/sr"); do
		content_refs "$f" | sort -u >refs &&
		test "$(wc -l <refs)" -eq 2 && comm -23 refs sops >dangling &&
		! test -s dangling || exit 1
	done
'

test_expect_success 'jp-anonymized cleans SRs by default; content dates move with the study date' '
	deid anon "$G/anon" &&
	test "$(sr_outputs "$G/anon" | wc -l)" -eq 2 &&
	n=0 && for f in $(inputs); do
		n=$((n + 1))
		o=$(printf "%s/E%06d.dcm" "$G/anon" "$n")
		case $f in */sr/*) echo "$f $o" ;; esac
	done >pairs &&
	python3 - "$TOOLS" pairs <<-\EOF
	import datetime, sys
	sys.path.insert(0, sys.argv[1])
	import dicomlite
	day = lambda v: datetime.date(int(v[:4]), int(v[4:6]), int(v[6:8]))
	checked = 0
	for line in open(sys.argv[2]):
	    a, b = line.split()
	    i, o = dicomlite.parse(a), dicomlite.parse(b)
	    shift = day(o.text("(0008,0020)").decode()) - day(i.text("(0008,0020)").decode())
	    assert shift.days != 0, "study date not shifted"
	    for p, vr, v in o.elements:
	        if "(0040,A730)" in p and p.endswith("(0040,A121)"):
	            assert day(v.decode()) - day("20190407") == shift, (p, v, shift)
	            checked += 1
	assert checked == 2, checked
	EOF
'

test_expect_success 'a key object selection document is kept without the option, references remapped' '
	sr=$(inputs | grep /sr/ | head -1) &&
	cp "$sr" ko.dcm &&
	dcmodify -nb -m "(0008,0016)=1.2.840.10008.5.1.4.1.1.88.59" ko.dcm >/dev/null &&
	deid basic "$G/ko" ko.dcm $(inputs | grep /ct/) &&
	test "$(sr_outputs "$G/ko" | wc -l)" -eq 1 &&
	! grep -q "structured" "$G/ko/quarantine/REASONS.TSV" &&
	for f in "$G/ko"/E*.dcm; do dcmdump -q +P 0008,0018 "$f"; done |
		sed "s/.*\[\(.*\)\].*/\1/" | sort >sops &&
	content_refs "$(sr_outputs "$G/ko")" | sort -u >refs && test -s refs &&
	comm -23 refs sops >dangling && ! test -s dangling
'

test_expect_success 'graphic annotations removed; kept and scrubbed under Clean Graphics' '
	ct=$(inputs | grep /ct/ | head -1) &&
	cp "$ct" ga.dcm &&
	dcmodify -nb -i "(0070,0001)[0].(0070,0002)=LAYER1" \
		-i "(0070,0001)[0].(0070,0008)[0].(0070,0006)=PLANTGRAPHICTEXT" ga.dcm >/dev/null &&
	pdigate project add graph --profile ps315-basic >/dev/null &&
	printf "[deid]\noptions = clean-graphics\n" >>"$PDIGATE_HOME/projects/graph.ini" &&
	deid basic "$G/ga1" ga.dcm && deid graph "$G/ga2" ga.dcm &&
	dcmdump -q "$G/ga1/E000001.dcm" >d1 && dcmdump -q "$G/ga2/E000001.dcm" >d2 &&
	! grep -q "(0070,0001)" d1 &&
	grep -q "(0070,0001)" d2 && grep -q "LAYER1" d2 &&
	! grep -q PLANTGRAPHICTEXT d1 && ! grep -q PLANTGRAPHICTEXT d2 &&
	! grep -q "(60[0-9a-f][0-9a-f],3000)" d1 d2
'

if have_corpus; then
	test_expect_success 'corpus SR files: cleaned or quarantined with a reason, no new dciodvfy error' '
		for f in "$CORPUS"/*; do
			dcmdump -q -Un +P 0008,0016 "$f" 2>/dev/null |
				grep -q "1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\." && echo "$f"
		done >list || true
		if test -s list; then
			set +e; pdigate deid --project sr --out cout $(cat list) >log 2>&1
			rc=$?; set -e
			{ test "$rc" -eq 0 || test "$rc" -eq 3; } || { tail log; false; } &&
			$CHECK corpus --table "$TOOLS/planted_table.h" --out cout $(cat list) >report &&
			tail -3 report && grep -q "^ok: 0 failures" report &&
			for o in cout/E*.dcm; do
				test -f "$o" || continue
				! dcmdump -q "$o" | grep -E "\[(PNAME|HAS OBS CONTEXT)\]" || exit 1
			done
		else
			echo "no SR in the corpus"
		fi
	'
else
	test_skip 'corpus SR files' 'no corpus at $CORPUS'
fi
test_done
