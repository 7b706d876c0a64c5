#!/bin/sh
# SPDX-License-Identifier: MIT
# De-identification acceptance (issue 2): synthetic studies with PHI planted in every PS3.15
# Table E.1-1 attribute go through `pdigate deid`; tests/tools/deid-check.py then checks that no
# planted value survives (raw bytes, decoded text, UTF-8 / ISO-2022-JP / Shift-JIS / EUC-JP forms
# of the Japanese names), every input is exported or quarantined with a reason, every output
# parses with dcmdump and gains no dciodvfy error, UIDs map one-to-one and references resolve,
# date intervals survive a date-shifting profile, runs are reproducible under one secret and
# differ under two. Acceptance 2 runs the same engine over the real corpus when present.
. "$(dirname "$0")/lib.sh"
TOOLS=$PDG_TOP/tests/tools
CHECK="python3 $TOOLS/deid-check.py"
G=$TEST_ROOT/gen

# inputs in the key's order, so that input n is the key's file n-1 (OUT/Ennnnnn.dcm)
inputs() {
	python3 -c 'import json, sys
for f in json.load(open(sys.argv[1]))["files"]:
    print(sys.argv[2] + "/" + f["file"])' "$G/key.json" "$G/in"
}

# deid HOME PROJECT OUT: exit 0 (all exported) or 3 (some quarantined) is success
deid() {
	set +e
	pdigate deid --project "$2" --out "$3" --home "$1" $(inputs) >"$3.log" 2>&1
	rc=$?
	set -e
	test "$rc" -eq 0 || test "$rc" -eq 3 || { cat "$3.log"; echo "exit $rc"; false; }
}

test_expect_success 'generate 2 patients of every object kind; two homes with two projects' '
	pdg-gen --seed 2500 --out "$G/in" --patients 2 --ct-slices 8 --mr-slices 8 \
		--key "$G/key.json" &&
	echo "correct horse battery staple" >"$G/admin.pass" &&
	for h in h1 h2; do
		pdigate init --home "$G/$h" --site "site-$h" \
			--admin-passphrase-file "$G/admin.pass" >/dev/null &&
		pdigate project add basic --profile ps315-basic --home "$G/$h" >/dev/null &&
		pdigate project add jp --profile jp-pseudonymized --home "$G/$h" >/dev/null || exit 1
	done &&
	test "$(inputs | wc -l)" -eq 40
'
test_expect_success 'ps315-basic: no planted PHI left, outputs valid, UIDs and references consistent' '
	deid "$G/h1" basic "$G/basic1" &&
	$CHECK synthetic --key "$G/key.json" --in "$G/in" --out "$G/basic1" >report &&
	cat report && grep -q "^ok: 0 failures" report
'
test_expect_success 'jp-pseudonymized: no planted PHI left, date intervals within a patient kept' '
	deid "$G/h1" jp "$G/jp1" &&
	$CHECK synthetic --key "$G/key.json" --in "$G/in" --out "$G/jp1" --dates \
		--keep-patchars >report &&
	cat report && grep -q "^ok: 0 failures" report
'
test_expect_success 'one secret, two runs: byte-identical outputs' '
	deid "$G/h1" basic "$G/basic2" &&
	(cd "$G/basic1" && find . -type f | LC_ALL=C sort) >a &&
	(cd "$G/basic2" && find . -type f | LC_ALL=C sort) >b &&
	cmp a b && test -s a &&
	while read -r f; do cmp "$G/basic1/$f" "$G/basic2/$f" || exit 1; done <a
'
test_expect_success 'two secrets: different pseudonyms and UIDs' '
	deid "$G/h2" basic "$G/basic3" &&
	$CHECK differ "$G/basic1" "$G/basic3" >report && cat report &&
	grep -q "^ok: 0 failures" report
'
if have_corpus; then
	test_expect_success 'corpus: every file de-identified or quarantined with a reason, Table E.1-1 attributes gone, emptied or changed' '
		ls "$CORPUS" | LC_ALL=C sort | sed "s|^|$CORPUS/|" >list &&
		set +e; pdigate deid --project basic --out out --home "$G/h1" $(cat list) >log 2>&1
		rc=$?; set -e
		{ test "$rc" -eq 0 || test "$rc" -eq 3; } || { tail log; false; } &&
		$CHECK corpus --table "$TOOLS/planted_table.h" --out out $(cat list) >report &&
		tail -5 report && grep -q "^ok: 0 failures" report
	'
else
	test_skip 'corpus pass' 'no corpus at $CORPUS'
fi
test_done
