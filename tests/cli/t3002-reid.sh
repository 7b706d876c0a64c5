#!/bin/sh
# SPDX-License-Identifier: MIT
# The link table and pdigate reid: records go in encrypted, only the administrator passphrase
# gets them out, every attempt is noted, and the reference age reads the same files.
. "$(dirname "$0")/lib.sh"

H=$TEST_ROOT/home
echo "correct horse battery staple" >"$TEST_ROOT/pw"
echo "wrong horse battery staple" >"$TEST_ROOT/bad"
pdigate init --home "$H" --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
# synthetic IDs, distinctive enough to grep for
printf 'PSN-A1\tMRN-4711-0815\t-17\nPSN-B2\tMRN-2342-9999\t5\n' >"$TEST_ROOT/batch1"
printf 'PSN-A1\tMRN-4711-0815\t-17\nPSN-C3\tMRN-\345\261\261\347\224\260"q\t0\n' >"$TEST_ROOT/batch2"

# run: the command's exit status into $rc, stdout into out, stderr into err (set -e safe)
run() {
	"$@" >out 2>err && rc=0 || rc=$?
}

test_expect_success 'reid --help prints the synopsis' '
	pdigate reid --help >out && grep -q "usage: pdigate reid" out
'
test_expect_success 'linktab put writes one 0600 age file per put' '
	linktab-put "$H" study1 <"$TEST_ROOT/batch1" &&
	linktab-put "$H" study2 <"$TEST_ROOT/batch2" &&
	test "$(ls "$H/linktab" | grep -c "^[0-9]\{8\}T[0-9]\{6\}Z-[0-9a-f]\{16\}\.age$")" = 2 &&
	test -z "$(find "$H/linktab" -type f ! -perm 0600)" &&
	for f in "$H"/linktab/*.age; do
		head -c 21 "$f" | grep -q "^age-encryption.org/v1" || exit 1
	done
'
test_expect_success 'no plaintext original ID anywhere under the home' '
	! grep -raF "MRN-4711" "$H" && ! grep -raF "MRN-2342" "$H" && ! grep -raF "4711-0815" "$H" &&
	! grep -raF "$(printf "\345\261\261")" "$H"
'
test_expect_success 'reid with the right passphrase prints the original ID and offset' '
	run pdigate reid PSN-B2 --home "$H" --passphrase-file "$TEST_ROOT/pw" &&
	test $rc = 0 &&
	grep -qx "project: study1" out && grep -qx "pseudonym: PSN-B2" out &&
	grep -qx "patient_id: MRN-2342-9999" out && grep -qx "date_offset_days: 5" out &&
	grep -Eqx "recorded: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" out
'
test_expect_success 'a pseudonym met in two projects shows both, repeats folded' '
	run pdigate reid PSN-A1 --home "$H" --passphrase-file "$TEST_ROOT/pw" &&
	test $rc = 0 && test "$(grep -c "^patient_id: MRN-4711-0815$" out)" = 2 &&
	grep -qx "project: study1" out && grep -qx "project: study2" out &&
	grep -qx "date_offset_days: -17" out
'
test_expect_success 'any byte string survives the round trip' '
	run pdigate reid PSN-C3 --home "$H" --passphrase-file "$TEST_ROOT/pw" &&
	test $rc = 0 && grep -qxF "$(printf "patient_id: MRN-\345\261\261\347\224\260\"q")" out
'
test_expect_success 'reid with a wrong passphrase fails (1) and shows nothing' '
	run pdigate reid PSN-B2 --home "$H" --passphrase-file "$TEST_ROOT/bad" &&
	test $rc = 1 && grep -q "wrong administrator passphrase" err && test ! -s out
'
test_expect_success 'an unknown pseudonym fails (1)' '
	run pdigate reid PSN-ZZ --home "$H" --passphrase-file "$TEST_ROOT/pw" &&
	test $rc = 1 && grep -q "no link record" err && test ! -s out
'
test_expect_success 'a malformed pseudonym is a usage error (2)' '
	run pdigate reid "a b" --home "$H" --passphrase-file "$TEST_ROOT/pw" && test $rc = 2
'
test_expect_success 'no passphrase file and no terminal is a usage error (2)' '
	{ setsid pdigate reid PSN-B2 --home "$H" </dev/null >out 2>err && rc=0 || rc=$?; } &&
	test $rc = 2 && grep -q "no terminal" err && test ! -s out
'
test_expect_success 'every attempt is noted in state/reid.log, never the original ID' '
	log="$H/state/reid.log" &&
	test "$(stat -c %a "$log")" = 600 &&
	grep -q "outcome=ok .*project=study1 pseudonym=PSN-B2 records=1$" "$log" &&
	grep -q "outcome=ok .*project=study2 pseudonym=PSN-A1 records=1$" "$log" &&
	grep -q "outcome=wrong-passphrase .*pseudonym=PSN-B2 records=0$" "$log" &&
	grep -q "outcome=not-found .*pseudonym=PSN-ZZ" "$log" &&
	! grep -qF "MRN" "$log"
'
test_expect_success 'every attempt is a DICOM audit message in an intact chain' '
	pdigate audit verify --home "$H" >v && grep -q "chain intact" v &&
	pdigate audit export --format xml --home "$H" >x &&
	test "$(grep -c "csd-code=\"110110\"" x)" -ge 5 &&
	grep -q "EventOutcomeIndicator=\"8\".*wrong-passphrase" x &&
	grep -q "EventOutcomeIndicator=\"4\".*not-found" x &&
	grep -q "ParticipantObjectID=\"PSN-B2\"" x &&
	! grep -qF "MRN" x && ! grep -raF "MRN-2342" "$H/state"
'
test_expect_success 'the reference age decrypts the link table with the admin identity' '
	python3 "$PDG_TOP/tests/cli/age-pty.py" "$TEST_ROOT/pw" age -d "$H/keys/admin.age" >id &&
	for f in "$H"/linktab/*.age; do age -d -i id "$f" || exit 1; done >all &&
	grep -qF "\"pseudonym\":\"PSN-B2\",\"patient_id\":\"MRN-2342-9999\",\"date_offset_days\":5" all &&
	test "$(wc -l <all)" = 4
'
test_expect_success 'a file the reference age encrypted to the admin recipient is read too' '
	r=$(sed -n "s/^recipient = //p" "$H/config.ini") &&
	printf "%s\n" "{\"v\":1,\"project\":\"ext\",\"pseudonym\":\"PSN-EXT\",\"patient_id\":\"MRN-EXT-1\",\"date_offset_days\":-3,\"time\":\"2026-01-02T03:04:05Z\"}" |
		age -r "$r" -o "$H/linktab/20260102T030405Z-0000000000000000.age" &&
	run pdigate reid PSN-EXT --home "$H" --passphrase-file "$TEST_ROOT/pw" &&
	test $rc = 0 && grep -qx "patient_id: MRN-EXT-1" out && grep -qx "date_offset_days: -3" out
'
test_expect_success 'damaged and foreign files are reported, the others still answer' '
	f=$(ls "$H"/linktab/*.age | head -1) && cp "$f" saved &&
	head -c 200 saved >"$f" &&
	age-keygen -o other 2>/dev/null &&
	echo "{}" | age -r "$(age-keygen -y other)" -o "$H/linktab/20260101T000000Z-ffffffffffffffff.age" &&
	run pdigate reid PSN-A1 --home "$H" --passphrase-file "$TEST_ROOT/pw" &&
	cp saved "$f" && rm "$H/linktab/20260101T000000Z-ffffffffffffffff.age" &&
	test $rc = 0 && grep -q "2 of 4 link-table files could not be read" err &&
	grep -qx "patient_id: MRN-4711-0815" out
'
test_expect_success 'a home without an administrator recipient refuses records (1)' '
	cp -r "$H" h2 && sed -i "s/^recipient = .*/recipient = /" h2/config.ini &&
	echo "PSN-X	MRN-X	1" >rec &&
	{ linktab-put h2 study1 <rec 2>err && rc=0 || rc=$?; } &&
	test $rc = 1 && grep -q "no administrator key" err
'
test_expect_success 'keys/admin.age not matching config.ini is refused' '
	cp -r "$H" h3 && age-keygen -o other2 2>/dev/null &&
	sed -i "s/^recipient = .*/recipient = $(age-keygen -y other2)/" h3/config.ini &&
	run pdigate reid PSN-B2 --home h3 --passphrase-file "$TEST_ROOT/pw" &&
	test $rc = 1 && grep -q "does not match" err && test ! -s out
'
test_done
