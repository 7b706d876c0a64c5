#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate deid over a folder mixing good and bad inputs: every input is accounted for, in one
# place only, with a readable reason; exit status 3; no input names in any output.
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
# an administrator passphrase where init asks for one (the link-table key)
echo "correct horse battery staple" >"$TEST_ROOT/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
else
	pdigate init --site S >/dev/null || exit 1
fi
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1

# root reads every file: run the batch in a user namespace, where it does not (t2101 only
# needs permissions to apply to the unreadable file; everything else is owned by us)
as_user() {
	if [ "$(id -u)" = 0 ]; then unshare --user "$@"; else "$@"; fi
}

W=$TEST_ROOT/w
in=$W/in
mkdir -p "$in/studyA" "$in/studyB" "$in/cd/DICOM" || exit 1
pdg-slices --out "$in/studyA" --count 3 --size 32 --patient PIDALPHA --seed 1 &&
pdg-slices --out "$in/studyB" --count 2 --size 32 --patient PIDBRAVO --seed 2 &&
pdg-slices --out "$W/cdsrc" --count 2 --size 16 --patient PIDCHARLIE --seed 3 || exit 1
cp "$W/cdsrc/CT000001.dcm" "$in/cd/DICOM/IM1" &&
cp "$W/cdsrc/CT000002.dcm" "$in/cd/DICOM/IM2" &&
(cd "$in/cd" && dcmmkdir +r DICOM) || exit 1
cp "$in/studyA/CT000002.dcm" "$in/copy-of-a-slice.dcm"     # same instance twice
cp "$in/studyB/CT000002.dcm" "$in/edited.dcm" &&             # same UID, other content
dcmodify -nb -m "(0008,0060)=MR" "$in/edited.dcm" >/dev/null || exit 1
echo "meeting notes, not an image" >"$in/notes.txt"          # not DICOM
: >"$in/empty.dcm"                                            # empty
size=$(stat -c %s "$in/studyB/CT000001.dcm")
head -c $((size - 500)) "$in/studyB/CT000001.dcm" >"$in/truncated.dcm"  # truncated
python3 "$PDG_TOP/tests/cli/deep-nesting.py" "$in/nested.dcm" 5000       # parser bomb
ln -s .. "$in/studyA/loop"                                    # folder symlink loop
mkfifo "$in/pipe"                                             # not a regular file
cp "$in/studyA/CT000001.dcm" "$in/locked.dcm" && chmod 000 "$in/locked.dcm"  # unreadable
ninputs=$(find "$in" | sed 1d | grep -v "/cd/DICOM$" | grep -vc -e "/studyA$" -e "/studyB$" -e "/cd$")

cd "$W" || exit 1
set +e
as_user pdigate deid --project p --out out --jobs 2 --json in >json 2>err
rc=$?
set -e

test_expect_success 'the batch ends with status 3 (done, some inputs quarantined)' '
	cat "$W/err" && test $rc -eq 3
'
j() { python3 -c "import json,sys; print(json.load(open(\"$W/json\"))$1)"; }
test_expect_success 'every input is counted once: inputs = exported + quarantined + skipped' '
	test "$(j "[\"inputs\"]")" -eq "$ninputs" &&
	test $(( $(j "[\"exported\"]") + $(j "[\"quarantined\"]") + $(j "[\"skipped\"]") )) -eq "$ninputs" &&
	test "$(j "[\"failed\"]")" -eq 0
'
test_expect_success 'the output folder holds exactly the counted files' '
	cd "$W/out" &&
	test "$(ls | grep -c "^E[0-9]*\.dcm$")" -eq "$(j "[\"exported\"]")" &&
	test "$(ls quarantine | grep -c "^Q[0-9]*\.dcm$")" -eq "$(j "[\"quarantined\"]")" &&
	test "$(ls | grep -v "^E[0-9]*\.dcm$" | grep -vx quarantine | wc -l)" -eq 0 &&
	test "$(ls -A quarantine | grep -v "^Q[0-9]*\.dcm$" | grep -vx REASONS.TSV | wc -l)" -eq 0 &&
	test $(( $(wc -l <quarantine/REASONS.TSV) - 1 )) -eq $(( $(j "[\"quarantined\"]") + $(j "[\"skipped\"]") ))
'
test_expect_success 'the good slices are exported, the duplicate and the DICOMDIR are not' '
	test "$(j "[\"exported\"]")" -eq 7
'
reason_of() { # the REASONS.TSV line of input path $1 (as pdigate saw it)
	h=$(printf %s "$1" | sha256sum | cut -d" " -f1)
	grep "	$h$" "$W/out/quarantine/REASONS.TSV"
}
test_expect_success 'each bad input has its reason, found through the hash of its path' '
	reason_of in/notes.txt | grep -q "	quarantined	not a DICOM file	" &&
	reason_of in/studyB/CT000002.dcm | grep -q "	quarantined	another input has the same SOP Instance UID but other content	" &&
	reason_of in/empty.dcm | grep -q "	quarantined	empty file	" &&
	reason_of in/truncated.dcm | grep -q "	quarantined	damaged DICOM file (truncated or corrupt)	" &&
	reason_of in/nested.dcm | grep -q "	quarantined	the file exceeds the safety limits" &&
	reason_of in/studyA/loop | grep -q "^-	skipped	symbolic link" &&
	reason_of in/pipe | grep -q "^-	skipped	not a regular file" &&
	reason_of in/cd/DICOMDIR | grep -q "^-	skipped	DICOMDIR index	" &&
	reason_of in/studyA/CT000002.dcm | grep -q "^-	skipped	an identical copy of another input	"
'
test_expect_success 'an unreadable file is skipped with its reason' '
	reason_of in/locked.dcm | grep -q "^-	skipped	the file cannot be read"
'
test_expect_success 'quarantine holds the original bytes' '
	q=$(reason_of in/notes.txt | cut -f1) &&
	cmp "$W/out/quarantine/$q" "$W/in/notes.txt" &&
	q=$(reason_of in/truncated.dcm | cut -f1) &&
	cmp "$W/out/quarantine/$q" "$W/in/truncated.dcm" &&
	test "$(stat -c %a "$W/out/quarantine/$q")" = 600
'
test_expect_success 'the summary names outcomes and reasons in words' '
	grep -q "de-identified" "$W/err" &&
	grep -q "quarantined (original kept in the quarantine folder)" "$W/err" &&
	grep -q "not a DICOM file" "$W/err" &&
	grep -q "DICOMDIR index" "$W/err"
'
test_expect_success 'no input name, folder name or patient ID in stderr or JSON' '
	for w in notes truncated nested locked empty copy-of studyA studyB CT0000 IM1 PIDALPHA PIDBRAVO in/; do
		! grep -q "$w" "$W/err" && ! grep -q "$w" "$W/json" ||
		{ echo "found $w"; false; }
	done
'
test_expect_success 'exported files are valid DICOM without the original patient IDs' '
	for f in "$W"/out/E*.dcm; do
		dcmdump -q "$f" >/dev/null &&
		! grep -q -e PIDALPHA -e PIDBRAVO -e PIDCHARLIE "$f" || { echo "bad $f"; false; }
	done
'
test_expect_success 'no worker crashed or hung (nor tripped a sanitizer)' '
	! grep -q "could not be parsed safely" "$W/out/quarantine/REASONS.TSV" &&
	! grep -q Sanitizer "$W/err"
'
test_done
