#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate receive with the real DCMTK peers: echoscu, storescu; bit-exact spool, duplicates,
# refused calling AE titles and addresses, SIGTERM, and pdigate studies over what arrived.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W/in" "$W/in2"
(cd "$W" && rx_home h && pdg-dcmgen -n 6 -s 64 in >/dev/null &&
	pdg-dcmgen -n 2 -s 32 -j in2 >/dev/null) || { echo "not ok - setup failed"; exit 1; }
H=$W/h
LOG=$W/rx.log
rx_start "$H" "$LOG" || { echo "not ok - cannot start pdigate receive"; exit 1; }
scp_ref "$W/ref" || { echo "not ok - cannot start storescp"; exit 1; }
trap 'kill $REF_PID $RX_PID 2>/dev/null' EXIT

test_expect_success 'echoscu gets an answer' '
	echoscu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT
'

test_expect_success 'storescu sends a study: all accepted, catalogued, bit-identical in the spool' '
	storescu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm &&
	storescu -aec PDIGATE 127.0.0.1 $REF_PORT "$W"/in/*.dcm &&
	find "$H/state/spool" -name "*.dcm" >files && test $(wc -l <files) = 6 &&
	rx_digests "$W"/ref/* >want && test $(wc -l <want) = 6 &&
	rx_digests $(cat files) >got && cmp want got &&
	pdigate studies --home "$H" --json >s.json &&
	python3 -c "import json,sys; s=json.load(open(\"s.json\"))[\"studies\"]; assert len(s)==1 and s[0][\"instances\"]==6 and s[0][\"sender_ae\"]==\"PACS\", s"
'

test_expect_success 'spool file names carry no UID' '
	for u in $(dcmdump +P SOPInstanceUID "$W"/in/*.dcm | sed "s/.*\[\(.*\)\].*/\1/"); do
		! find "$H/state" | grep -F "$u"
	done
'

test_expect_success 'a second send is detected as duplicate and not stored twice' '
	storescu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm &&
	test $(find "$H/state/spool" -name "*.dcm" | wc -l) = 6 &&
	pdigate studies --home "$H" --json >s.json &&
	python3 -c "import json; s=json.load(open(\"s.json\"))[\"studies\"]; assert s[0][\"duplicates\"]==6 and s[0][\"instances\"]==6, s"
'

test_expect_success 'a second study (Japanese character sets), studies filters' '
	storescu -aet MODALITY -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in2/*.dcm &&
	pdigate studies --home "$H" >all && test $(wc -l <all) -ge 2 &&
	pdigate studies --home "$H" --json --modality CT >ct.json &&
	pdigate studies --home "$H" --json --modality MR >mr.json &&
	python3 -c "import json; assert json.load(open(\"mr.json\"))[\"studies\"]==[]" &&
	acc=$(dcmdump +P AccessionNumber "$W"/in/CT00001.dcm | sed "s/.*\[\(.*\)\].*/\1/") &&
	pdigate studies --home "$H" --json --accession "$acc" >a.json &&
	python3 -c "import json; s=json.load(open(\"a.json\"))[\"studies\"]; assert len(s)>=1 and all(x[\"accession\"]==\"$acc\" for x in s)" &&
	pdigate studies --home "$H" --json --from 1900-01-01 --to 1900-12-31 >d.json &&
	python3 -c "import json; assert json.load(open(\"d.json\"))[\"studies\"]==[]"
'

test_expect_success 'an unknown calling AE title is rejected at association' '
	! storescu -aet STRANGER -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/CT00001.dcm 2>err &&
	grep -i "calling AE title not recognized" err &&
	! echoscu -aet PACS -aec WRONGCALLED 127.0.0.1 $RX_PORT
'

test_expect_success 'no PHI in the receive log' '
	for v in $(dcmdump +P PatientID +P PatientName +P StudyInstanceUID "$W"/in/CT00001.dcm | sed "s/.*\[\(.*\)\].*/\1/"); do
		! grep -F "$v" "$LOG"
	done
'

test_expect_success 'each association that sent instances is an audit record (110104), no PHI' '
	pdigate audit verify --home "$H" | grep -q "chain intact" &&
	pdigate audit export --format xml --home "$H" >audit.xml &&
	xmllint --noout --relaxng "$PDG_TOP/docs/audit-message.rng" audit.xml &&
	python3 -c "
import xml.etree.ElementTree as E
ms = [m for m in E.parse(\"audit.xml\").getroot()
      if m.find(\"EventIdentification/EventID\").get(\"csd-code\") == \"110104\"]
assert len(ms) >= 3, len(ms)
first = E.tostring(ms[0], encoding=\"unicode\")
assert \"imported=\" in first and \"PACS\" in first and \"127.0.0.1\" in first, first
assert any(\"duplicates=\" in E.tostring(m, encoding=\"unicode\") and \"imported=0 \" in E.tostring(m, encoding=\"unicode\") for m in ms)
" &&
	for v in $(dcmdump +P PatientID +P PatientName +P StudyInstanceUID "$W"/in/CT00001.dcm | sed "s/.*\[\(.*\)\].*/\1/"); do
		! grep -F "$v" audit.xml
	done
'

test_expect_success 'SIGTERM stops the receiver cleanly (exit 0)' '
	rx_stop && grep "stopped" "$LOG"
'

echo "allowed_addresses = 10.1.2.3" >>"$H/config.ini"
rx_start "$H" "$LOG" refused
test_expect_success 'a source address not allowed is rejected at association' '
	kill -0 $RX_PID && ! echoscu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT 2>err &&
	grep "address 127.0.0.1 not allowed" "$LOG" &&
	rx_stop
'

test_done
