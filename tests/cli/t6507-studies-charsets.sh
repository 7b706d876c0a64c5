#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate studies shows names in any Specific Character Set as UTF-8 (ISO 2022 IR 87 Japanese,
# ISO_IR 192, ISO_IR 100), and never passes a control byte from a file to the operator's
# terminal or an invalid string to JSON.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W/in"
(cd "$W" && rx_home h && pdg-dcmgen -n 2 -s 32 -j in >/dev/null &&
	cp in/CT00001.dcm in/latin1.dcm &&
	dcmodify -nb -gst -gse -gin -i "(0008,0005)=ISO_IR 100" \
		-i "(0010,0010)=$(printf 'M\374ller^Hans')" in/latin1.dcm 2>/dev/null &&
	cp in/CT00001.dcm in/iso2022.dcm && dcmodify -nb -gst -gse -gin in/iso2022.dcm 2>/dev/null &&
	cp in/CT00002.dcm in/escape.dcm &&
	dcmodify -nb -gst -gse -gin -i "(0008,0005)=ISO_IR 192" \
		-i "(0008,1030)=$(printf 'A\033[2JB')" in/escape.dcm 2>/dev/null &&
	pdigate import --home h in >/dev/null) || { echo "not ok - setup failed"; exit 1; }
H=$W/h

test_expect_success 'JSON: every name decoded to UTF-8' '
	pdigate studies --home "$H" --json >s.json &&
	python3 - s.json <<-PY
	import json, sys
	s = json.load(open(sys.argv[1], encoding="utf-8"))["studies"]
	names = sorted(x["patient_name"] for x in s)
	assert "M\u00fcller^Hans" in names, names
	assert "Yamada^Tarou=\u5c71\u7530^\u592a\u90ce=\u3084\u307e\u3060^\u305f\u308d\u3046" in names, names
	assert all("?" not in x for x in names), names
	assert all("\x1b" not in x["patient_name"] + x["description"] for x in s), s
	assert any(x["description"] == "A?[2JB" for x in s), s
	PY
'

test_expect_success 'the table on the screen: UTF-8, no control bytes' '
	pdigate studies --home "$H" >table &&
	grep -q "山田^太郎" table && grep -q "Müller^Hans" table &&
	! grep -q "$(printf "\033")" table
'

test_done
