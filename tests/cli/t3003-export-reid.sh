#!/bin/sh
# SPDX-License-Identifier: MIT
# End to end: pdigate export feeds the link table, and pdigate reid turns the Patient ID found
# in the package the data center opens back into the Patient ID of the input.
. "$(dirname "$0")/lib.sh"

W=$TEST_ROOT/w
H=$W/home
mkdir -p "$W/in"
(cd "$W" &&
	echo "administrator passphrase" >pw &&
	pdigate init --home "$H" --site S --admin-passphrase-file pw >/dev/null &&
	age-keygen -o dc.key 2>/dev/null &&
	pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
		--home "$H" >/dev/null &&
	pdg-dcmgen -n 3 -s 64 in >/dev/null) || { echo "not ok - setup failed"; exit 1; }

test_expect_success 'export, open at the data center, reid the pseudonym found there' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --show-token "$W/in" >exp &&
	pkg=$(sed -n 1p exp) && token=$(sed -n 2p exp) &&
	pdigate-fetch open --identity "$W/dc.key" --appliance-key "$H/keys/appliance.pub" \
		--token "$token" --package "$pkg" --out out m >/dev/null &&
	orig=$(dcmdump +P PatientID "$W"/in/*.dcm | grep PatientID | sort -u) &&
	test "$(echo "$orig" | wc -l)" = 1 &&
	orig=$(echo "$orig" | sed "s/.*\[\(.*\)\].*/\1/") &&
	psn=$(find out -path "*/DICOM/*" -type f -exec dcmdump +P PatientID {} + | grep PatientID | sort -u) &&
	test "$(echo "$psn" | wc -l)" = 1 &&
	psn=$(echo "$psn" | sed "s/.*\[\(.*\)\].*/\1/") &&
	test -n "$psn" && test "$psn" != "$orig" &&
	pdigate reid "$psn" --home "$H" --passphrase-file "$W/pw" >reid &&
	grep -qx "patient_id: $orig" reid && grep -qx "project: p1" reid &&
	! grep -raF "$orig" "$H" m
'
test_done
