#!/bin/sh
# SPDX-License-Identifier: MIT
# Acceptance 4: kill -9 during a large association (600-slice CT): after restart catalog and
# spool agree, nothing partial is visible, a resend completes. SIGTERM during an association:
# the association in flight is finished (every instance answered), then the receiver exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W/in"
(cd "$W" && rx_home h && pdg-dcmgen -n 600 -s 256 in >/dev/null) ||
	{ echo "not ok - setup failed"; exit 1; }
H=$W/h
LOG=$W/rx.log
trap 'kill $RX_PID $REF_PID 2>/dev/null; rm -rf "$TEST_ROOT"' EXIT
scp_ref "$W/ref" || { echo "not ok - cannot start storescp"; exit 1; }
storescu -aec PDIGATE 127.0.0.1 $REF_PORT "$W"/in/*.dcm || { echo "not ok - reference send"; exit 1; }
kill $REF_PID
rx_digests "$W"/ref/* >"$W/want"

catalog_rows() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from instance').fetchone()[0])" "$H/state/catalog.db"
}

# spool_agrees: every spool file has a row and every row a file, each file bit-identical to
# one storescp received, tmp/ empty
spool_agrees() {
	find "$H/state/spool" -name "*.dcm" ! -path "*/quarantine/*" | sort >files &&
	python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('select path from instance order by path')]" "$H/state/catalog.db" >rows &&
	cmp files rows &&
	test -z "$(ls -A "$H/state/spool/tmp")" &&
	rx_digests $(cat files) >got &&
	comm -13 "$W/want" got >extra && test ! -s extra
}

# wait_rows N: wait (60 s at most) until the catalog holds at least N instances
wait_rows() {
	for i in $(seq 1 600); do
		test -f "$H/state/catalog.db" && test "$(catalog_rows 2>/dev/null || echo 0)" -ge "$1" && return 0
		sleep 0.1
	done
	return 1
}

rx_start "$H" "$LOG" || { echo "not ok - cannot start pdigate receive"; exit 1; }

test_expect_success 'kill -9 in the middle of a 600-instance association' '
	{ storescu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm >su.out 2>&1 & SU_PID=$!; } &&
	wait_rows 50 &&
	kill -9 $RX_PID && { rx_wait || :; } && test "$(cat "$TEST_ROOT/rx.rc")" = 137 &&
	! wait $SU_PID &&
	n=$(catalog_rows) && echo "$n instances catalogued at the kill" && test "$n" -lt 600
'

rx_start "$H" "$LOG" || { echo "not ok - cannot restart pdigate receive"; exit 1; }
test_expect_success 'after restart: catalog and spool agree, nothing partial' '
	grep "catalog repaired" "$LOG" || : ; spool_agrees
'

test_expect_success 'the resend completes: 600 instances, bit-identical' '
	storescu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm &&
	test "$(catalog_rows)" = 600 && spool_agrees && cmp "$W/want" got
'

kill $RX_PID && rx_wait
rm -rf "$H/state/spool" "$H/state/catalog.db"*
rx_start "$H" "$LOG" || { echo "not ok - cannot restart pdigate receive"; exit 1; }
test_expect_success 'SIGTERM during an association: it is finished, then exit 0' '
	{ storescu -v -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT "$W"/in/*.dcm >su2.out 2>&1 & SU_PID=$!; } &&
	wait_rows 50 &&
	kill -TERM $RX_PID && rx_wait 600 &&
	wait $SU_PID &&
	test "$(grep -c "Received Store Response (Success)" su2.out)" = 600 &&
	test "$(catalog_rows)" = 600 && spool_agrees
'

test_expect_success 'after SIGTERM the port is closed: nothing accepts new associations' '
	! echoscu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT 2>/dev/null
'

test_done
