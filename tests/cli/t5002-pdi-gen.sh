#!/bin/sh
# SPDX-License-Identifier: MIT
# Synthetic studies with planted PHI in every Table E.1-1 attribute (pdg-gen: CT, MR, US,
# SC, SR, PDF; ISO 2022 IR 87 and UTF-8 patients), de-identified, into a PDI file set: the
# set verifies, dciodvfy finds no errors in the DICOMDIR, and no planted marker (PLT...)
# reaches the DICOMDIR, README.TXT, the web view or PDIGATE.JSN.
. "$(dirname "$0")/lib.sh"

if ! command -v pdg-gen >/dev/null 2>&1; then
	test_skip 'pdg-gen studies into a PDI file set' 'pdg-gen is not built'
	test_done
	exit 0
fi
export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
else
	pdigate init --site S >/dev/null || exit 1
fi
W=$TEST_ROOT/w
mkdir -p "$W" && pdg-gen --seed 5 --out "$W/in" --patients 3 >/dev/null || exit 1

for p in jp-pseudonymized ps315-basic; do
	pdigate project add "$p" --profile "$p" >/dev/null || exit 1
	test_expect_success "$p: the exported files build a file set that verifies" '
		pdigate deid --project '$p' --out "$W/'$p'" "$W/in" >/dev/null 2>&1
		rc=$?; test "$rc" -eq 0 || test "$rc" -eq 3 &&
		pdigate pdi build --out "$W/'$p'-set" "$W/'$p'"/E*.dcm >out && cat out &&
		pdigate pdi verify "$W/'$p'-set"
	'
	test_expect_success "$p: dciodvfy finds no errors in the DICOMDIR" '
		dciodvfy "$W/'$p'-set/DICOMDIR" >v 2>&1 || true
		grep -q BasicDirectory v && ! grep -i "^error" v
	'
	test_expect_success "$p: no planted marker in the DICOMDIR or the texts" '
		cd "$W/'$p'-set" &&
		! grep -al "PLT[0-9A-Z]\{8\}" DICOMDIR README.TXT INDEX.HTM IHE_PDI/* PDIGATE.JSN
	'
done
test_expect_success 'the marker check does find markers in a set built from the originals' '
	pdigate pdi build --out raw "$W/in" >/dev/null &&
	grep -aq "PLT[0-9A-Z]\{8\}" raw/DICOMDIR && pdigate pdi verify raw
'
test_done
