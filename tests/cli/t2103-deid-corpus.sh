#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate deid over the real corpus (treated as PHI: read in place, outputs in scratch only):
# completes, accounts for every file, and names none of them in its messages.
. "$(dirname "$0")/lib.sh"

# ../shared beside the repository; from a worktree, beside the main repository.
if ! have_corpus; then
	common=$(git -C "$PDG_TOP" rev-parse --git-common-dir 2>/dev/null) &&
		CORPUS=$(cd "$PDG_TOP" && cd "$common/../.." 2>/dev/null && pwd)/shared/corpus/public
fi
if ! have_corpus; then
	test_skip 'corpus batch' 'no corpus at $CORPUS'
	test_done
	exit 0
fi
export PDIGATE_HOME="$TEST_ROOT/home"
# an administrator passphrase where init asks for one (the link-table key)
echo "correct horse battery staple" >"$TEST_ROOT/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
else
	pdigate init --site S >/dev/null || exit 1
fi
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1
W=$TEST_ROOT/w
mkdir -p "$W" && cd "$W" || exit 1
nfiles=$(find "$CORPUS" -type f | wc -l)
set +e
pdigate deid --project p --out out --json "$CORPUS" >json 2>err
rc=$?
set -e
j() { python3 -c "import json,sys; print(json.load(open(\"$W/json\"))$1)"; }

test_expect_success 'the batch completes (status 0 or 3)' '
	cat "$W/err" && test $rc -eq 0 -o $rc -eq 3
'
test_expect_success 'exported + quarantined + skipped = number of files' '
	test "$(j "[\"inputs\"]")" -eq "$nfiles" &&
	test $(( $(j "[\"exported\"]") + $(j "[\"quarantined\"]") + $(j "[\"skipped\"]") )) -eq "$nfiles" &&
	test "$(j "[\"failed\"]")" -eq 0 &&
	test "$(ls "$W/out" | grep -c "^E")" -eq "$(j "[\"exported\"]")" &&
	test "$(ls "$W/out/quarantine" | grep -c "^Q")" -eq "$(j "[\"quarantined\"]")"
'
test_expect_success 'most of the corpus is exported' '
	test "$(j "[\"exported\"]")" -gt $((nfiles / 2))
'
test_expect_success 'no corpus file name in stderr, JSON or REASONS.TSV' '
	find "$CORPUS" -type f -printf "%f\n" >names &&
	! grep -F -f names "$W/err" "$W/json" "$W/out/quarantine/REASONS.TSV"
'
test_expect_success 'every exported file is readable DICOM' '
	for f in "$W"/out/E*.dcm; do dcmdump -q "$f" >/dev/null || { echo "bad $f"; false; }; done
'
test_expect_success 'no worker crashed or hung (nor tripped a sanitizer)' '
	! grep -q "could not be parsed safely" "$W/out/quarantine/REASONS.TSV" &&
	! grep -q Sanitizer "$W/err"
'
test_done
