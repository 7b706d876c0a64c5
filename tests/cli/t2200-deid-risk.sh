#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate deid's batch risk report: a batch built to have one patient alone in its class
# (k = 1) warns with the class size and the attribute names, and never with a value; pdigate
# export reports the same.
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
else
	pdigate init --site S >/dev/null || exit 1
fi
age-keygen -o "$TEST_ROOT/dc.key" 2>/dev/null || exit 1
pdigate project add p --profile jp-pseudonymized \
	--recipient "$(age-keygen -y "$TEST_ROOT/dc.key")" >/dev/null || exit 1
ini=$PDIGATE_HOME/projects/p.ini
# study dates to year-month instead of a per-patient shift, so the study month is the same
# for every patient and the classes are known in advance
printf '[override]\n(0008,0020) = year-month\n' >>"$ini" || exit 1

W=$TEST_ROOT/w
mkdir -p "$W/in" || exit 1
# five alike patients (F, 050Y, born 1960-07, CT of 2024-01), two slices each, and one
# patient who differs in sex, age and birth month
for i in 1 2 3 4 5 6; do
	pdg-slices --out "$W/in/p$i" --count 2 --size 16 --patient "PIDRISK$i" --seed "$i" &&
	dcmodify -nb -i "(0010,1010)=050Y" "$W/in/p$i"/*.dcm >/dev/null || exit 1
done
dcmodify -nb -m "(0010,0040)=M" -m "(0010,1010)=033Y" -m "(0010,0030)=19910212" \
	"$W/in/p6"/*.dcm >/dev/null || exit 1

cd "$W" || exit 1
pdigate deid --project p --out out --json in >json 2>err || { cat err; exit 1; }
r() { python3 -c "import json; print(json.load(open(\"$W/json\"))[\"risk\"]$1)"; }

test_expect_success 'the written files hold the values the classes were built from' '
	cd "$W" &&
	dcmdump +P 0010,1010 out/E000001.dcm | grep -q "050Y" &&
	test "$(for f in out/E*.dcm; do dcmdump +P 0008,0020 "$f"; done | sort -u | wc -l)" -eq 1 &&
	test "$(for f in out/E*.dcm; do dcmdump +P 0010,0020 "$f"; done | sort -u | wc -l)" -eq 6
'
test_expect_success 'JSON risk: 6 patients (not 12 instances), 2 classes, k = 1, sizes 1 and 5' '
	cd "$W" &&
	test "$(r "[\"patients\"]")" -eq 6 &&
	test "$(r "[\"classes\"]")" -eq 2 &&
	test "$(r "[\"k\"]")" -eq 1 &&
	test "$(r "[\"smallest_classes\"]")" = "[1, 5]" &&
	test "$(r "[\"unique_patients\"]")" -eq 1 &&
	test "$(r "[\"threshold\"]")" -eq 5 &&
	test "$(r "[\"warning\"]")" = True &&
	test "$(r "[\"attributes\"] == [\"sex\", \"age\", \"birth year-month\", \"study year-month\", \"modality\"]")" = True
'
test_expect_success 'the summary warns with the class size and the attribute names' '
	cd "$W" &&
	cat err &&
	grep -qx "pdigate: warning: 1 patient is unique on sex, age, birth year-month, study year-month, modality (k = 1, threshold 5)" err
'
test_expect_success 'no value appears in the warning, the summary or the JSON risk object' '
	cd "$W" &&
	r "" >risk.txt &&
	for f in out/E*.dcm; do dcmdump +P 0010,0020 "$f"; done |
		sed "s/.*\[\(.*\)\].*/\1/" | sort -u >pseudonyms &&
	test "$(wc -l <pseudonyms)" -eq 6 &&
	for v in 050Y 033Y 050 033 1960 1991 2024 196007 199102 202401 PIDRISK CT; do
		! grep -q "$v" err && ! grep -q "$v" risk.txt || { echo "leak: $v"; exit 1; }
	done &&
	while read -r p; do ! grep -qF "$p" err && ! grep -qF "$p" json || exit 1; done <pseudonyms &&
	! grep -Eq "(^|[^a-z])[FM]([^a-z]|$)" risk.txt
'

# pdigate export reports the same risk, in its summary and in its JSON
test_expect_success 'export: the summary and the JSON carry the same risk report' '
	cd "$W" && mkdir -p medium &&
	pdigate export --project p --medium medium --json in >xjson 2>xerr || { cat xerr; exit 1; }
	cat xerr &&
	grep -qx "pdigate: warning: 1 patient is unique on sex, age, birth year-month, study year-month, modality (k = 1, threshold 5)" xerr &&
	python3 -c "import json; a=json.load(open(\"json\"))[\"risk\"]; b=json.load(open(\"xjson\"))[\"risk\"]; assert a == b, (a, b); assert b[\"k\"] == 1 and b[\"warning\"] is True" &&
	for v in 050Y 033Y 196007 199102 202401 PIDRISK; do
		! grep -q "$v" xerr xjson || { echo "leak: $v"; exit 1; }
	done
'

# the project threshold: [deid] k_threshold
printf '[deid]\nk_threshold = 1\n' >>"$ini"
pdigate deid --project p --out out1 --json in >json1 2>err1 || { cat err1; exit 1; }
test_expect_success 'with k_threshold = 1 the same batch does not warn' '
	cd "$W" &&
	python3 -c "import json; d=json.load(open(\"json1\"))[\"risk\"]; assert d[\"threshold\"] == 1 and d[\"k\"] == 1 and d[\"warning\"] is False" &&
	! grep -q "warning" err1
'
sed -i 's/^k_threshold = 1$/k_threshold = 0/' "$ini"
test_expect_success 'k_threshold = 0 is refused before anything is written' '
	cd "$W" &&
	! pdigate deid --project p --out out0 in 2>err0 &&
	cat err0 && grep -q "k_threshold" err0 && ! test -e out0/E000001.dcm
'
test_done
