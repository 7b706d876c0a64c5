#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate deid keeps the link records (original patient ID -> pseudonym, date offset) in the
# encrypted link table and nowhere else: readable with the reference age tool and the
# administrator passphrase, found again by pdigate reid; none for per-batch profiles.
. "$(dirname "$0")/lib.sh"

if ! pdigate init --help | grep -q admin-passphrase-file; then
	test_skip 'link table' 'pdigate init has no administrator key yet'
	test_done
	exit 0
fi
export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
pdigate project add p --profile jp-pseudonymized >/dev/null &&
pdigate project add anon --profile jp-anonymized >/dev/null || exit 1
W=$TEST_ROOT/w
mkdir -p "$W/in" || exit 1
pdg-slices --out "$W/in/a" --count 3 --size 16 --patient PIDALPHA --seed 1 &&
pdg-slices --out "$W/in/b" --count 2 --size 16 --patient PIDBRAVO --seed 2 || exit 1
cd "$W" || exit 1

test_expect_success 'a pseudonymized batch adds one encrypted link-table file' '
	cd "$W" &&
	pdigate deid --project p --out out --json in >json 2>err &&
	test "$(python3 -c "import json; print(json.load(open(\"json\"))[\"link_records\"])")" -eq 2 &&
	test "$(ls "$PDIGATE_HOME/linktab" | wc -l)" -eq 1 &&
	f=$(ls "$PDIGATE_HOME"/linktab/*) &&
	head -c 21 "$f" | grep -q "^age-encryption.org/v1"
'
test_expect_success 'no original patient ID in plaintext anywhere in the home or the output' '
	! grep -r -q -e PIDALPHA -e PIDBRAVO "$PDIGATE_HOME" "$W/out" "$W/json" "$W/err"
'
test_expect_success 'the reference age tool reads the records with the administrator key' '
	cd "$W" &&
	python3 "$PDG_TOP/tests/cli/age-pty.py" "$TEST_ROOT/pw" age -d "$PDIGATE_HOME/keys/admin.age" >id &&
	age -d -i id "$PDIGATE_HOME"/linktab/*.age >records &&
	rm -f id &&
	test "$(wc -l <records)" -eq 2 &&
	grep -q "\"patient_id\":\"PIDALPHA\"" records &&
	grep -q "\"patient_id\":\"PIDBRAVO\"" records &&
	grep -q "\"project\":\"p\"" records
'
test_expect_success 'pdigate reid maps an exported Patient ID back to the original' '
	cd "$W" &&
	psn=$(dcmdump +P PatientID out/E000001.dcm | sed -n "s/.*\[\(.*\)\].*/\1/p") &&
	test -n "$psn" && test "$psn" != PIDALPHA &&
	pdigate reid "$psn" --passphrase-file "$TEST_ROOT/pw" >reid 2>/dev/null &&
	grep -q PIDALPHA reid && ! grep -q PIDBRAVO reid
'
test_expect_success 'a per-batch (anonymized) profile keeps no link records' '
	cd "$W" &&
	pdigate deid --project anon --out out-anon --json in >json2 2>/dev/null &&
	test "$(python3 -c "import json; print(json.load(open(\"json2\"))[\"link_records\"])")" -eq 0 &&
	test "$(ls "$PDIGATE_HOME/linktab" | wc -l)" -eq 1
'
test_expect_success 'a home without a link-table key is refused before any work' '
	cd "$W" &&
	sed -i "/^recipient *=/d" "$PDIGATE_HOME/config.ini" &&
	set +e
	pdigate deid --project p --out out-nokey in 2>err3
	rc=$?
	set -e
	test $rc -eq 1 && grep -q "no link-table key" err3 && test ! -e out-nokey
'
test_done
