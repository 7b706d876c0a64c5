#!/bin/sh
# SPDX-License-Identifier: MIT
# Every appliance action leaves a DICOM audit record (PS3.15 A.5): init, project add, deid,
# export (also a failed one), reid (its own 110110 record, from the link table); the chain verifies, the XML export validates against
# docs/audit-message.rng, the event IDs come in order, and no planted PHI is in the log.
. "$(dirname "$0")/lib.sh"

RNG=$PDG_TOP/docs/audit-message.rng
W=$TEST_ROOT/w
H=$W/home
mkdir -p "$W"
(cd "$W" &&
	echo "administrator passphrase" >pw &&
	pdigate init --home "$H" --site S --admin-passphrase-file pw >/dev/null &&
	age-keygen -o dc.key 2>/dev/null &&
	pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
		--home "$H" >/dev/null &&
	pdg-gen --seed 11 --out in --patients 2 --ct-slices 2 --mr-slices 1 --only ct,mr \
		--key key.json >/dev/null 2>&1) || { echo "not ok - setup failed"; exit 1; }

# event IDs of the log's records, one per line, in order
event_ids() {
	pdigate audit export --format xml --home "$1" >ids.xml &&
	python3 -c "
import sys, xml.etree.ElementTree as E
for m in E.parse(\"ids.xml\").getroot():
    e = m.find(\"EventIdentification\")
    print(e.find(\"EventID\").get(\"csd-code\"), e.get(\"EventOutcomeIndicator\"))
"
}

test_expect_success 'init and project add are recorded' '
	event_ids "$H" >ids &&
	printf "110100 0\n110113 0\n110113 0\n" >want && diff want ids
'

test_expect_success 'deid, export, reid and a failed export are recorded, in order' '
	{ pdigate deid --home "$H" --project p1 --out d "$W/in" 2>/dev/null; dcode=$?; } &&
	{ test $dcode = 0 || test $dcode = 3; } &&
	mkdir m &&
	{ pdigate export --home "$H" --project p1 --medium m --show-token "$W/in" >exp \
		2>/dev/null; code=$?; } &&
	{ test $code = 0 || test $code = 3; } &&
	pkg=$(sed -n 1p exp) && token=$(sed -n 2p exp) &&
	pdigate-fetch open --identity "$W/dc.key" --appliance-key "$H/keys/appliance.pub" \
		--token "$token" --package "$pkg" --out out m >/dev/null &&
	psn=$(find out -path "*/DICOM/*" -type f -exec dcmdump +P PatientID {} + |
		sed -n "s/.*\[\(.*\)\].*/\1/p" | sort -u | head -1) &&
	test -n "$psn" &&
	pdigate reid "$psn" --home "$H" --passphrase-file "$W/pw" >reid &&
	grep -q "^patient_id: " reid &&
	echo notadir >m2 &&
	! pdigate export --home "$H" --project p1 --medium m2 "$W/in" >/dev/null 2>&1 &&
	event_ids "$H" >ids &&
	printf "110100 0\n110113 0\n110113 0\n110101 0\n" >want &&
	echo "110103 $( [ $dcode = 0 ] && echo 0 || echo 4)" >>want &&
	echo "110106 $( [ $code = 0 ] && echo 0 || echo 4)" >>want &&
	printf "110110 0\n110106 8\n" >>want &&
	diff want ids &&
	grep -q "$pkg" ids.xml &&
	echo "$pkg" >"$W/pkg" && echo "$psn" >"$W/psn"
'

test_expect_success 'the chain verifies and the XML validates against the grammar' '
	pdigate audit verify --home "$H" >out && grep -q "chain intact" out &&
	pdigate audit export --format xml --home "$H" >all.xml &&
	xmllint --noout --relaxng "$RNG" all.xml 2>/dev/null &&
	pdigate audit verify --home "$H"
'

test_expect_success 'the export names the USB or folder medium and the package' '
	pdigate audit export --format xml --home "$H" >all.xml &&
	python3 -c "
import xml.etree.ElementTree as E
ms = [m for m in E.parse(\"all.xml\").getroot()
      if m.find(\"EventIdentification/EventID\").get(\"csd-code\") == \"110106\"]
ok = ms[0]
dest = [p for p in ok.findall(\"ActiveParticipant\")
        if p.find(\"RoleIDCode\").get(\"csd-code\") == \"110154\"]
assert len(dest) == 1 and dest[0].get(\"UserIsRequestor\") == \"false\", dest
assert dest[0].find(\"MediaIdentifier/MediaType\").get(\"csd-code\") in (\"110030\", \"110037\")
ids = [o.get(\"ParticipantObjectID\") for o in ok.findall(\"ParticipantObjectIdentification\")]
assert open(\"$W/pkg\").read().strip() in ids, ids
assert ms[1].find(\"EventIdentification\").get(\"EventOutcomeIndicator\") == \"8\"
"
'

test_expect_success 'reid records the pseudonym, not the original patient ID' '
	psn=$(cat "$W/psn") &&
	pdigate audit export --format xml --home "$H" >all.xml &&
	grep -q "ParticipantObjectID=\"$psn\"" all.xml
'

test_expect_success 'no planted PHI anywhere in the audit log, details decoded' '
	pdigate audit export --format xml --home "$H" >all.xml &&
	find "$W/in" -type f -exec dcmdump +P PatientID +P PatientName +P AccessionNumber \
		+P StudyInstanceUID {} + | sed -n "s/.*\[\(.*\)\].*/\1/p" | sort -u >phi &&
	test "$(wc -l <phi)" -ge 4 &&
	python3 - "$W/key.json" phi "$H/state/audit.log" all.xml <<-\PY
	import base64, json, re, sys
	key = json.load(open(sys.argv[1]))
	phi = {l.strip() for l in open(sys.argv[2]) if len(l.strip()) >= 4}
	phi |= {v["value"] for v in key["values"] if isinstance(v.get("value"), str)
	        and len(v["value"]) >= 6}
	for n in key["japanese_names"]:
	    phi |= {n["ideographic"], n["phonetic"], n["referring_physician"]}
	    phi |= set(n["ideographic"].split("^")) | set(n["phonetic"].split("^"))
	for f in key["files"]:
	    phi |= {f["sop_instance_uid"], f["study_instance_uid"], f["series_instance_uid"]}
	text = open(sys.argv[3], encoding="utf-8").read() + open(sys.argv[4], encoding="utf-8").read()
	text += " ".join(base64.b64decode(v).decode("utf-8", "replace")
	                 for v in re.findall(r"value=\"([A-Za-z0-9+/=]*)\"", text))
	text += json.dumps(text)  # the log stores XML as JSON strings: escaped forms too
	found = sorted(p for p in phi if p in text)
	assert not found, found
	print(len(phi), "values checked")
	PY
'

test_expect_success 'a record that cannot be written fails the export, the package stays' '
	cp -a "$H" h2 &&
	sed -i "2s/110113/110114/" h2/state/audit.log &&
	mkdir m &&
	{ pdigate export --home h2 --project p1 --medium m "$W/in" >exp 2>err; code=$?; } &&
	test $code = 1 &&
	grep -q "stays written on the medium, but its audit record was not written" err &&
	pkg=$(sed -n 1p exp) && test -n "$pkg" && test -d "m/$pkg" -o -n "$(ls m)"
'

test_expect_success 'reid shows nothing when its record cannot be written' '
	cp -a "$H" h3 &&
	sed -i "2s/110113/110114/" h3/state/audit.log &&
	{ pdigate reid "$(cat "$W/psn")" --home h3 --passphrase-file "$W/pw" >out 2>err;
		code=$?; } &&
	test $code != 0 && ! grep -q patient_id out && grep -q "audit log" err
'
test_done
