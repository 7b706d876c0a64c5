#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate receive binds the configured listen address only: another local address is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

W=$TEST_ROOT/w
mkdir -p "$W"
(cd "$W" && rx_home h "listen = 127.0.0.1") || { echo "not ok - setup failed"; exit 1; }
H=$W/h
LOG=$W/rx.log
rx_start "$H" "$LOG" || { echo "not ok - cannot start pdigate receive"; exit 1; }
trap 'kill $RX_PID 2>/dev/null' EXIT

test_expect_success 'the configured address answers C-ECHO' '
	echoscu -aet PACS -aec PDIGATE 127.0.0.1 $RX_PORT
'

test_expect_success 'another local address (127.0.0.2) is refused at TCP level' '
	! echoscu -to 5 -aet PACS -aec PDIGATE 127.0.0.2 $RX_PORT 2>err &&
	grep -i "refused" err &&
	python3 -c "
import socket, sys
s = socket.socket()
try:
    s.connect((\"127.0.0.2\", $RX_PORT)); sys.exit(1)
except ConnectionRefusedError:
    pass
"
'

test_expect_success 'the receiver still runs and stops cleanly' '
	kill -0 $RX_PID && rx_stop
'

echo "listen = not-an-address" >>"$H/config.ini"
test_expect_success 'a listen value that is not an IPv4 address fails at start (exit 1)' '
	rc=0 && pdigate receive --home "$H" --port 11112 2>err2 || rc=$? &&
	test "$rc" = 1 && grep "not an IPv4 address" err2
'

test_done
