#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-center stores big chunks with O_DIRECT through a bounce buffer (center/server/partfile.c):
# chunks of every shape (just above the threshold, not a multiple of a block so that every later
# chunk starts mid-block, many blocks per chunk, pdigate-upload's default) and resumes at unaligned
# offsets after kill -9 store exactly the medium's bytes, with no part file left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
W=$TEST_ROOT/work
CLIENT="python3 $PDG_TOP/tests/cli/center-client.py"
center_fixture "$W" || { echo "not ok - setup failed"; exit 1; }
mkdir -p "$W/big" && pdg-dcmgen -n 24 -s 512 "$W/big" >/dev/null &&
for i in 1 2 3 4 5; do
	center_export "$W/m$i" p1 "$W/big" && echo "$PKG" >>"$W/pkgs" &&
	center_split "$W/m$i" "$PKG" $((i % 3 + 1)) || exit 1
done || { echo "not ok - export failed"; exit 1; }
center_start || { echo "not ok - the center does not start"; exit 1; }
trap 'center_stop >/dev/null 2>&1; rm -rf "$TEST_ROOT"' EXIT
pkg() { sed -n "${1}p" "$W/pkgs"; }

# stored_ok I: package I is RECEIVED and every stored segment equals the medium's, no part file
stored_ok() {
	p=$(pkg "$1") &&
	center_curl upload -s "/v1/packages/$p" | grep -q '"state":"RECEIVED"' &&
	n=1 && for f in "$W/m$1/PDIGATE/$p".[0-9][0-9][0-9]; do
		cmp "$f" "$CENTER_DIR/state/blobs/$p/$n" || return 1
		n=$((n + 1))
	done &&
	test "$n" -gt 1 &&
	! ls "$CENTER_DIR/state/blobs/$p" | grep -q part
}

up() { # up I [ARGS]: pdigate-upload medium I as upload-1
	m=$W/m$1
	shift
	pdigate-upload --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" \
		--appliance-key "$APPLIANCE_HOME/keys/appliance.pub" --quiet "$@" "$m"
}

test_expect_success 'the segments are several bounce buffers long' '
	test "$(stat -c %s "$W/m5/PDIGATE/$(pkg 5).003")" -gt 3000000 &&
	test "$(stat -c %s "$W/m3/PDIGATE/$(pkg 3).001")" -gt 9000000
'
test_expect_success 'chunks just above the O_DIRECT threshold (65537 bytes): stored exactly' '
	$CLIENT $CENTER_DIR $CENTER_PORT upload upload $W/m1 $(pkg 1) 65537 >out 2>&1 &&
	grep -q " RECEIVED$" out && stored_ok 1
'
test_expect_success 'chunks of 1000003 bytes (each later one starts mid-block): stored exactly' '
	$CLIENT $CENTER_DIR $CENTER_PORT upload upload $W/m2 $(pkg 2) 1000003 >out 2>&1 &&
	grep -q " RECEIVED$" out && stored_ok 2
'
test_expect_success 'chunks of 2500001 bytes (several blocks and a tail each): stored exactly' '
	$CLIENT $CENTER_DIR $CENTER_PORT upload upload $W/m5 $(pkg 5) 2500001 >out 2>&1 &&
	grep -q " RECEIVED$" out && stored_ok 5
'
test_expect_success 'pdigate-upload with its default chunk: receipt hashes, stored exactly' '
	up 4 >out && grep -q "^$(pkg 4) RECEIVED " out && stored_ok 4
'
test_expect_success 'kill -9 the center twice during 700001-byte chunks: resumes mid-block, stored exactly' '
	p=$(pkg 3) && size=$(stat -c %s "$W/m3/PDIGATE/$p.001") &&
	last=0 && for k in 1 2; do
		(set +e; up 3 --chunk 700001 --limit-rate 2M --retries 0 >/dev/null 2>&1; echo $? >rc) &
		sleep 1.5 && center_kill9 && wait && test "$(cat rc)" = 1 &&
		center_start &&
		center_curl upload -I "/v1/packages/$p/segments/1" >head &&
		off=$(sed -n "s/^[Uu]pload-[Oo]ffset: *\([0-9]*\).*/\1/p" head | tr -d "\r") &&
		test "$off" -gt "$last" && test "$off" -lt "$size" &&
		test $((off % 4096)) != 0 &&
		last=$off || exit 1
	done &&
	up 3 --chunk 700001 >out && grep -q "^$p RECEIVED " out && stored_ok 3 &&
	center_admin check
'
test_done
