#!/bin/sh
# SPDX-License-Identifier: MIT
# Acceptance 1 with the real corpus: storescu sends every file it can (one association each, the
# file's own transfer syntax proposed) to pdigate receive and to DCMTK's storescp; every accepted
# instance is catalogued and bit-identical to storescp's copy, failures carry a logged reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/receive-lib.sh"

have_corpus || { test_skip 'corpus receive' 'no corpus'; test_done; exit 0; }

W=$TEST_ROOT/w
mkdir -p "$W"
(cd "$W" && rx_home h) || { echo "not ok - setup failed"; exit 1; }
H=$W/h
LOG=$W/rx.log
rx_start "$H" "$LOG" || { echo "not ok - cannot start pdigate receive"; exit 1; }
mkdir -p "$W/ref"
for try in 1 2 3 4 5; do
	REF_PORT=$(rx_port)
	storescp +xa -B -od "$W/ref" -aet PDIGATE "$REF_PORT" 2>/dev/null &
	REF_PID=$!
	for i in $(seq 1 20); do
		echoscu -aec PDIGATE 127.0.0.1 "$REF_PORT" 2>/dev/null && break 2
		sleep 0.25
	done
	kill "$REF_PID" 2>/dev/null || :
done
trap 'kill $REF_PID $RX_PID 2>/dev/null; rm -rf "$TEST_ROOT"' EXIT

test_expect_success 'the corpus: every accepted instance catalogued and bit-identical' '
	python3 "$PDG_TOP/tests/cli/receive-corpus.py" "$CORPUS" $RX_PORT $REF_PORT "$W/ref" \
		"$H/state/catalog.db" "$LOG" >counts &&
	cat counts && cp counts "$W/counts" &&
	grep -q "success=[1-9]" counts
'

test_expect_success 'no PHI from the corpus in the receive log' '
	! grep -v "association\|listening\|stopped\|instance refused\|could not be received" "$LOG"
'

test_expect_success 'SIGTERM stops the receiver cleanly' '
	rx_stop
'

test_done
