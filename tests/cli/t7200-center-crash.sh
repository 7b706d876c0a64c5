#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-center crash tests (issue 5 acceptance 3): kill -9 the center at 20 random points
# during resumable uploads, redeems and downloads, restart it each time, and check that the
# ledger is consistent, nothing was released twice or lost, and the transfers complete with the
# right hashes (the downloaded package opens with pdigate-fetch open).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
W=$TEST_ROOT/work
CLIENT="python3 $PDG_TOP/tests/cli/center-client.py"
center_fixture "$W" || { echo "not ok - setup failed"; exit 1; }
mkdir -p "$W/big" && pdg-dcmgen -n 16 -s 256 "$W/big" >/dev/null &&
for i in 1 2 3; do
	center_export "$W/m$i" p1 "$W/big" && echo "$PKG" >>"$W/pkgs" &&
	echo "$TOKEN" >>"$W/tokens" && center_split "$W/m$i" "$PKG" $((i + 1)) || exit 1
done || { echo "not ok - export failed"; exit 1; }
center_start || { echo "not ok - the center does not start"; exit 1; }
trap 'center_stop >/dev/null 2>&1; rm -rf "$TEST_ROOT"' EXIT

# kill_points N: while the clients run, N times: wait 0.1-0.8 s, kill -9, start again
kill_points() {
	for k in $(seq 1 "$1"); do
		sleep "0.$(( $(od -An -N1 -tu1 /dev/urandom) % 8 + 1 ))"
		center_kill9 || { echo "the center was not running at kill $k"; return 1; }
		echo "kill $k" >>"$W/kills"
		center_start || return 1
	done
}

test_expect_success 'uploads of 3 packages (2-4 segments) survive 8 kill -9 and complete' '
	i=0 && for p in $(cat $W/pkgs); do
		i=$((i + 1))
		$CLIENT $CENTER_DIR $CENTER_PORT upload upload $W/m$i $p 32768 >up$i 2>&1 &
		echo $! >>pids
	done &&
	kill_points 8 &&
	for p in $(cat pids); do wait $p || { cat up*; exit 1; }; done &&
	cat up1 up2 up3 &&
	test "$(cat up1 up2 up3 | grep -c " RECEIVED$")" = 3 &&
	test "$(grep -c kill $W/kills)" = 8
'
test_expect_success 'after the upload kills: ledger consistent, stored segments equal the medium' '
	center_admin check &&
	i=0 && for p in $(cat $W/pkgs); do
		i=$((i + 1))
		n=1 && for f in $W/m$i/PDIGATE/$p.[0-9][0-9][0-9]; do
			cmp $f $CENTER_DIR/state/blobs/$p/$n || exit 1
			n=$((n + 1))
		done
		! ls $CENTER_DIR/state/blobs/$p | grep -q part || exit 1
	done
'
test_expect_success 'redeems survive 6 kill -9: each package released exactly once' '
	( while ! test -e stop; do
		$CLIENT $CENTER_DIR $CENTER_PORT redeem $W/tokens >>red 2>&1 || echo FAIL >>red
	done ) &
	loop=$! &&
	kill_points 6 && touch stop && wait $loop &&
	! grep -q FAIL red && grep -q " 200$" red &&
	center_admin check &&
	for p in $(cat $W/pkgs); do
		test "$(center_admin audit | grep " redeem " | grep " $p " | grep -c " released ")" = 1 ||
			exit 1
		center_admin ledger | grep "^$p " | grep -q RELEASED || exit 1
	done
'
test_expect_success 'downloads survive 6 kill -9 and give the exact ciphertext' '
	( while ! test -e stop; do
		for p in $(cat $W/pkgs); do
			rm -rf dl.$p
			RANGE=16384 $CLIENT $CENTER_DIR $CENTER_PORT download dca $p dl.$p >>dl 2>&1 ||
				echo FAIL >>dl
		done
	done ) &
	loop=$! &&
	kill_points 6 && touch stop && wait $loop && ! grep -q FAIL dl &&
	test "$(grep -c kill $W/kills)" = 20 &&
	i=0 && for p in $(cat $W/pkgs); do
		i=$((i + 1))
		rm -rf dl.$p && $CLIENT $CENTER_DIR $CENTER_PORT download dca $p dl.$p >/dev/null &&
		for f in $W/m$i/PDIGATE/$p.[0-9]*; do cmp $f dl.$p/$(basename $f) || exit 1; done
	done
'
test_expect_success 'the downloaded package opens with the sealed token, then ack' '
	p=$(sed -n 1p $W/pkgs) && mkdir -p med/PDIGATE &&
	center_curl dca -o med/PDIGATE/$p.MAN /v1/packages/$p/manifest &&
	center_curl dca -o med/PDIGATE/$p.SIG /v1/packages/$p/signature &&
	center_curl dca -o sec /v1/packages/$p/secret &&
	rm -rf dl && $CLIENT $CENTER_DIR $CENTER_PORT download dca $p dl >/dev/null &&
	cp dl/* med/PDIGATE/ && age -d -i $W/dca.key sec >tok &&
	pdigate-fetch open --identity $W/dca.key --appliance-key $APPLIANCE_HOME/keys/appliance.pub \
		--token-file tok --package $p --out out med >/dev/null &&
	test "$(find out -path "*/DICOM/*" -type f | wc -l)" = 16 &&
	center_curl dca -f -X POST -d "{\"instances\":16}" /v1/packages/$p/ack >/dev/null &&
	center_admin ledger | grep "^$p " | grep -q ACKNOWLEDGED && center_admin check
'
test_done
