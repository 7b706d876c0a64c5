#!/bin/sh
# SPDX-License-Identifier: MIT
# Acceptance 3: the spool on a small tmpfs fills up during a receive. storescu gets failure
# statuses, never success for an instance not stored; nothing partial is visible; the catalog
# agrees with the spool; the service keeps running and accepts again once space is freed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W/in" "$W/spool"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=3m,mode=0700 pdg-rx-test "$W/spool" 2>/dev/null; then
	test_skip 'disk full' 'needs root to mount a small tmpfs'
	test_done
	exit 0
fi
trap 'kill $RX_PID $REF_PID 2>/dev/null; sleep 0.5; umount "$W/spool"; rm -rf "$TEST_ROOT"' EXIT
(cd "$W" && rx_home h "spool = $W/spool" && pdg-dcmgen -n 20 -s 512 in >/dev/null) ||
	{ echo "not ok - setup failed"; exit 1; }
H=$W/h
LOG=$W/rx.log
rx_start "$H" "$LOG" || { echo "not ok - cannot start pdigate receive"; exit 1; }
scp_ref "$W/ref" || { echo "not ok - cannot start storescp"; exit 1; }
storescu -aec PDIGATE 127.0.0.1 $REF_PORT "$W"/in/*.dcm || { echo "not ok - reference send"; exit 1; }

# catalog_rows: instances in the catalog
catalog_rows() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from instance').fetchone()[0])" "$H/state/catalog.db"
}

# spool_agrees: every spool file has a row, every row a file, each file is bit-identical to
# what storescp received, nothing left in tmp/
spool_agrees() {
	find "$W/spool" -name "*.dcm" | sort >files &&
	python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('select path from instance order by path')]" "$H/state/catalog.db" >rows &&
	cmp files rows &&
	test -z "$(ls -A "$W/spool/tmp")" &&
	rx_digests "$W"/ref/* >want &&
	rx_digests $(cat files) >got &&
	comm -13 want got >extra && test ! -s extra
}

test_expect_success 'a send that does not fit: failure statuses, no success for what is not stored' '
	storescu -v -nh -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm >out 2>&1 || : &&
	ok=$(grep -c "Received Store Response (Success)" out) &&
	bad=$(grep "Received Store Response" out | grep -vc "(Success)") &&
	echo "$ok stored, $bad refused" &&
	test "$bad" -ge 1 && test "$ok" -ge 1 && test $((ok + bad)) = 20 &&
	grep "Received Store Response" out | grep -v "(Success)" | sort | uniq -c && grep -qi "out.\{0,1\}of.\{0,1\}resources\|a700" out &&
	test "$(catalog_rows)" = "$ok" &&
	cp out "$W/first.out"
'

test_expect_success 'nothing partial or unlisted in the spool; the log says why, without PHI' '
	spool_agrees &&
	grep -q "could not be received or written" "$LOG" &&
	for v in $(dcmdump +P PatientID +P PatientName +P StudyInstanceUID "$W"/in/CT00001.dcm | sed "s/.*\[\(.*\)\].*/\1/"); do
		! grep -F "$v" "$LOG"
	done
'

test_expect_success 'the service keeps running while the disk is full' '
	kill -0 $RX_PID && echoscu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT
'

test_expect_success 'once space is freed, a resend completes' '
	mount -o remount,size=64m "$W/spool" &&
	storescu -v -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm >out2 2>&1 &&
	test "$(grep -c "Received Store Response (Success)" out2)" = 20 &&
	test "$(catalog_rows)" = 20 &&
	spool_agrees && cmp want got
'

test_expect_success 'SIGTERM stops the receiver cleanly' '
	rx_stop
'

test_done
