#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate export --study / --accession takes its inputs from the catalog and records the
# package there; pdigate purge --exported-before deletes the exported originals from the spool,
# keeps the record (status purged), writes an audit record; an instance sent again is stored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W/a" "$W/b"
H=$W/h
(cd "$W" && rx_home h &&
	age-keygen -o dc.key 2>/dev/null &&
	pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
		--home "$H" >/dev/null &&
	pdg-dcmgen -n 4 -s 64 a >/dev/null && pdg-dcmgen -n 3 -s 32 -j b >/dev/null &&
	dcmodify -nb -gin -m "(0020,000d)=2.25.$(od -An -N8 -tu8 /dev/urandom | tr -d " ")" \
		-m "(0020,000e)=2.25.$(od -An -N8 -tu8 /dev/urandom | tr -d " ")" \
		-m "(0008,0050)=ACC0002" b/*.dcm &&
	pdigate import --home "$H" a >/dev/null && pdigate import --home "$H" b >/dev/null) ||
	{ echo "not ok - setup failed"; exit 1; }

studies() { pdigate studies --home "$H" --json; }
uid_of() { dcmdump +P StudyInstanceUID "$1" | sed "s/.*\[\(.*\)\].*/\1/"; }
acc_of() { dcmdump +P AccessionNumber "$1" | sed "s/.*\[\(.*\)\].*/\1/"; }

test_expect_success 'two studies in the catalog' '
	studies >s.json &&
	python3 -c "import json; s = json.load(open(\"s.json\"))[\"studies\"]; assert len(s) == 2, s"
'

test_expect_success 'export --study takes exactly that study from the catalog' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --study "$(uid_of "$W"/a/CT00001.dcm)" >out &&
	pkg=$(sed -n 1p out) && test -s "m/PDIGATE/$pkg.MAN" &&
	studies >s.json &&
	python3 -c "
import json; s = {x[\"study_uid\"]: x for x in json.load(open(\"s.json\"))[\"studies\"]}
a = s[\"$(uid_of "$W"/a/CT00001.dcm)\"]; b = s[\"$(uid_of "$W"/b/CT00001.dcm)\"]
assert a[\"status\"] == \"exported\" and b[\"status\"] == \"new\", s
" &&
	python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute(\"select packages from instance where status=\x27exported\x27\").fetchall()
assert len(rows) == 4 and all(r[0] == sys.argv[2] for r in rows), rows
" "$H/state/catalog.db" "$pkg" &&
	echo "$pkg" >"$W/pkg1"
'

test_expect_success 'export --accession; an unknown UID is refused without echoing it (exit 1)' '
	mkdir m2 && pdigate export --home "$H" --project p1 --medium m2 --accession "$(acc_of "$W"/b/CT00001.dcm)" >out &&
	test -s "m2/PDIGATE/$(sed -n 1p out).MAN" &&
	rc=0 && pdigate export --home "$H" --project p1 --medium m2 --study 2.25.999999 2>err || rc=$? &&
	test $rc = 1 && grep "not in the catalog" err && ! grep -F 2.25.999999 err
'

test_expect_success 'purge before a date in the past removes nothing' '
	pdigate purge --home "$H" --exported-before 2000-01-01 >out && grep "^0 originals" out &&
	test $(find "$H/state/spool" -name "*.dcm" | wc -l) = 7
'

test_expect_success 'purge --exported-before tomorrow: originals gone, rows kept as purged, audit record' '
	d=$(date -u -d tomorrow +%Y-%m-%d) &&
	pdigate purge --home "$H" --exported-before "$d" >out && grep "^7 originals" out &&
	test $(find "$H/state/spool" -name "*.dcm" | wc -l) = 0 &&
	studies >s.json &&
	python3 -c "import json; s = json.load(open(\"s.json\"))[\"studies\"]; assert len(s) == 2 and all(x[\"status\"] == \"purged\" for x in s), s" &&
	pdigate audit verify --home "$H" &&
	grep -q "110103" "$H/state/audit.log" && grep -q "removed=7" "$H/state/audit.log" &&
	grep -q "$(cat "$W/pkg1")" "$H/state/audit.log"
'

test_expect_success 'purged studies are not exported again; the instances sent again are stored again' '
	rc=0 && pdigate export --home "$H" --project p1 --medium m2 --study "$(uid_of "$W"/a/CT00001.dcm)" 2>err || rc=$? &&
	test $rc = 1 &&
	pdigate import --home "$H" --json "$W/a" >r.json &&
	python3 -c "import json; r = json.load(open(\"r.json\")); assert r[\"imported\"] == 4, r" &&
	test $(find "$H/state/spool" -name "*.dcm" | wc -l) = 4
'

test_expect_success 'purge: bad date is a usage error (2), no date either' '
	rc=0 && pdigate purge --home "$H" --exported-before yesterday 2>err || rc=$? && test $rc = 2 &&
	rc=0 && pdigate purge --home "$H" 2>err || rc=$? && test $rc = 2
'

test_done
