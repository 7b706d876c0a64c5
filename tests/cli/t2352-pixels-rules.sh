#!/bin/sh
# SPDX-License-Identifier: MIT
# Pixel masking rules: a project's rule file (projects/NAME.pixel-rules) comes before the
# defaults or replaces them; selectors match the ORIGINAL header (exact, glob, ranges); masks
# apply to all frames or a frame range; a burned-in text candidate no rule matches is
# quarantined with "possible burned-in text, no masking rule for ..." and no PHI; Burned In
# Annotation becomes NO only when a rule was applied; a bad rule file stops deid with the line.
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1
pdigate project add q --profile jp-pseudonymized >/dev/null || exit 1
RULES=$PDIGATE_HOME/projects/p.pixel-rules
W=$TEST_ROOT/w
mkdir -p "$W/in" || exit 1
cat >"$RULES" <<'RULES_END' || exit 1
# project p: precise rules only
use-defaults = no

[rule acme-vision-640]
manufacturer = acme*
model = Vision ?0
rows = 400-500
columns = 640
sop_class = 1.2.840.10008.5.1.4.1.1.3.1
mask = 0,0,*,60
mask = 500,400,140,80 frames 2-3
RULES_END
pdg-burn -n 3 -u 1 -m "ACME Medical" -M "Vision 50" "$W/in/1-acme.dcm" &&
pdg-burn -n 3 -u 2 -m "Other Co" -M "M2" "$W/in/2-other.dcm" &&
pdg-burn -n 3 -u 3 -m "ACME Medical" -M "Vision 50" -H 600 "$W/in/3-acme-600.dcm" &&
pdg-burn -n 1 -u 4 -g -o CT -m "Other Co" -M "M2" "$W/in/4-ct.dcm" &&
dcmodify -nb -m "(0028,0301)=NO" "$W/in/4-ct.dcm" >/dev/null || exit 1

test_expect_code 3 'deid: project rule cleans ACME; others are quarantined' '
	pdigate deid --project p --out "$W/out" "$W"/in/*.dcm >"$W/summary" 2>&1
'
test_expect_success 'the summary names the project rule' '
	grep -F "pixels cleaned by rule acme-vision-640 (project)" "$W/summary"
'
test_expect_success 'all masks in all frames, the frame-range mask only in frames 2-3' '
	test "$(dcmdump -q +P 0028,0301 "$W/out/E000001.dcm")" != ""
	dcmdump -q +P 0028,0301 "$W/out/E000001.dcm" | grep -q "\[NO\]"
	pdg-pixcheck -e "$W/in/1-acme.dcm" "$W/out/E000001.dcm" 0,0,640,60 500,400,140,80@2-3
'
test_expect_success 'no rule (other manufacturer, other size): quarantined with the reason' '
	reasons=$W/out/quarantine/REASONS.TSV
	grep -F "Q000002.dcm	quarantined	possible burned-in text, no masking rule for US/Other Co/M2" "$reasons"
	grep -F "Q000003.dcm	quarantined	possible burned-in text, no masking rule for US/ACME Medical/Vision 50" "$reasons"
	! grep -E "YAMADA|4815162342|TARO" "$reasons" "$W/summary"
'
test_expect_success 'a non-candidate (CT, Burned In Annotation NO) passes without pixel changes' '
	test -f "$W/out/E000004.dcm"
	pdg-pixcheck -e "$W/in/4-ct.dcm" "$W/out/E000004.dcm" 0,0,0,0
	! dcmdump -q +P 0012,0064 +P 0008,0100 "$W/out/E000004.dcm" | grep -q 113101
'
test_expect_success 'another project without a rule file uses the defaults' '
	pdigate deid --project q --out "$W/outq" "$W/in/2-other.dcm" >"$W/sq" 2>&1
	grep -F "pixels cleaned by rule us-top-banner (default)" "$W/sq"
'
test_expect_success 'a bad rule file stops deid (exit 1) and names the file and line' '
	printf "[rule ok]\nmask = 0,0,10,10\n[rule bad]\nmask = 0,0,0,10\n" >"$RULES"
	set +e
	pdigate deid --project p --out "$W/out2" "$W/in/1-acme.dcm" >"$W/err" 2>&1
	rc=$?
	set -e
	test "$rc" -eq 1
	grep -F "p.pixel-rules line 4: mask" "$W/err"
'
test_expect_success 'the compiled-in defaults are rules/default.conf' '
	(cd "$PDG_TOP" && rules/gen-default.sh "$TEST_DIR/gen.c")
	cmp "$TEST_DIR/gen.c" "$PDG_TOP/appliance/deid/pixrules_default.c"
'

test_done
