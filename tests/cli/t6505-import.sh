#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate import: a PDI medium written by `pdigate pdi build` (DICOMDIR followed, nothing
# guessed), a plain folder, the corpus; every file accounted for; bit-identical in the spool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W/in"
(cd "$W" && rx_home h && pdg-dcmgen -n 5 -s 64 in >/dev/null &&
	pdigate pdi build --copy --site S --out stage in >/dev/null) ||
	{ echo "not ok - setup failed"; exit 1; }
H=$W/h

catalog_paths() {
	python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('select path from instance order by path')]" "$H/state/catalog.db"
}

test_expect_success 'a PDI medium: the DICOMDIR is followed, every instance imported bit-identical' '
	pdigate import --home "$H" --json "$W/stage" >r.json &&
	python3 -c "
import json; r = json.load(open(\"r.json\"))
assert r[\"dicomdir\"] is True and r[\"imported\"] == 5 and r[\"refused\"] == 0, r
assert r[\"not_referenced\"] >= 3, r  # README, HTML, the manifest: counted, not read
" &&
	find "$H/state/spool" -name "*.dcm" | sort >files && catalog_paths >rows && cmp files rows &&
	test $(wc -l <files) = 5 &&
	test -z "$(ls -A "$H/state/spool/tmp")" &&
	for f in $(cat files); do
		found=; for o in "$W"/stage/DICOM/*/*/*/*; do cmp -s "$f" "$o" && found=1; done
		test -n "$found"
	done
'

test_expect_success 'the same medium again: all duplicates, nothing stored twice' '
	pdigate import --home "$H" --list "$W/stage" >out &&
	test $(grep -c "^duplicate" out) = 5 &&
	test $(find "$H/state/spool" -name "*.dcm" | wc -l) = 5
'

test_expect_success 'a DICOMDIR naming a file that is another instance, or missing: refused (exit 3)' '
	cp -R "$W/stage" m && chmod -R u+w m &&
	cp m/DICOM/P0000001/S0000001/S0000001/I0000002 m/DICOM/P0000001/S0000001/S0000001/I0000001 &&
	rm m/DICOM/P0000001/S0000001/S0000001/I0000003 &&
	rc=0 && pdigate import --home "$H" --list m >out || rc=$? &&
	test $rc = 3 && cat out &&
	grep "^refused.*I0000001: not the instance its DICOMDIR record names" out &&
	grep "^refused.*I0000003: referenced by the DICOMDIR but missing" out &&
	test $(grep -c "^duplicate" out) = 3
'

test_expect_success 'files beside a DICOMDIR that it does not reference are not imported' '
	mkdir extra && pdg-dcmgen -n 2 -s 32 -j extra >/dev/null &&
	cp -R "$W/stage" m2 && chmod -R u+w m2 && cp extra/*.dcm m2/ &&
	pdigate import --home "$H" --json m2 >r.json &&
	python3 -c "
import json; r = json.load(open(\"r.json\"))
assert r[\"imported\"] == 0 and r[\"duplicates\"] == 5 and r[\"not_referenced\"] >= 5, r
"
'

test_expect_success 'a medium mounted with lower-case names (ISO 9660 without Rock Ridge)' '
	rm -rf "$H/state/spool" "$H/state/catalog.db"* &&
	mkdir low && (cd "$W/stage" && find . -type f) | while read -r f; do
		l=$(echo "$f" | tr A-Z a-z); mkdir -p "low/$(dirname "$l")"; cp "$W/stage/$f" "low/$l"
	done &&
	pdigate import --home "$H" --json low >r.json &&
	python3 -c "import json; r = json.load(open(\"r.json\")); assert r[\"imported\"] == 5, r"
'

test_expect_success 'a folder without DICOMDIR is walked (same instances: duplicates); non-DICOM files refused' '
	mkdir -p f/a && pdg-dcmgen -n 3 -s 32 f/a >/dev/null &&
	echo hello >f/notes.txt && mkdir -p f/b && head -c 100 f/a/CT00001.dcm >f/b/cut.dcm &&
	rc=0 && pdigate import --home "$H" f >out || rc=$? && cat out &&
	test $rc = 3 &&
	grep "0 imported, 3 duplicates, 2 refused" out &&
	grep "not a DICOM file" out
'

test_expect_success 'the corpus: every file accounted for, no value in the reasons' '
	have_corpus || exit 0
	n=$(find "$CORPUS" -type f | wc -l) &&
	rc=0 && pdigate import --home "$H" --json "$CORPUS" >c.json || rc=$? &&
	test $rc = 3 -o $rc = 0 &&
	python3 -c "
import json, sys; r = json.load(open(\"c.json\"))
print(r)
assert r[\"imported\"] + r[\"duplicates\"] + r[\"refused\"] == $n, r
assert sum(r[\"reasons\"].values()) == r[\"refused\"], r
assert not any(\"/\" in k for k in r[\"reasons\"]), r
"
'

test_expect_success 'every import is an audit record (110104) with its counts; the chain verifies' '
	pdigate audit verify --home "$H" | grep -q "chain intact" &&
	pdigate audit export --format xml --home "$H" >audit.xml &&
	xmllint --noout --relaxng "$PDG_TOP/docs/audit-message.rng" audit.xml &&
	test $(grep -o "csd-code=\"110104\"" audit.xml | wc -l) -ge 5 &&
	grep -q "imported=5 duplicates=0 refused=0" audit.xml &&
	grep -q "UserID=\"DICOMDIR\"" audit.xml && grep -q "UserID=\"folder\"" audit.xml
'

test_expect_success 'not a folder: exit 1; no argument: exit 2' '
	rc=0 && pdigate import --home "$H" /nonexistent 2>err || rc=$? && test $rc = 1 &&
	rc=0 && pdigate import --home "$H" 2>err || rc=$? && test $rc = 2
'

test_done
