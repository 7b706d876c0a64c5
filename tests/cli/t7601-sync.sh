#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-fetch sync is resumable and idempotent: a download killed mid-way continues from its
# .part file; a target that does not confirm leaves the package unacknowledged and it is taken
# again on the next run; another data center's package is never listed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
. "$(dirname "$0")/orthanc-lib.sh"
if ! command -v pdigate-center >/dev/null 2>&1; then
	test_skip 'sync' 'pdigate-center is not built'
	test_done
	exit
fi
if ! have_orthanc; then
	test_skip 'sync' 'orthanc / orthanc-dicomweb not installed'
	test_done
	exit
fi
W=$TEST_ROOT/work
mkdir -p "$W"
trap 'CENTER_PID=$(cat "$W/pki/center.pid" 2>/dev/null); center_stop >/dev/null 2>&1; orthanc_stop; rm -rf "$TEST_ROOT"' EXIT
center_fixture "$W" >"$W/setup.out" 2>&1 || { echo "not ok - setup failed"; cat "$W/setup.out"; exit 1; }
CENTER_PORT=$(sed -n 's/^port = //p' "$CENTER_DIR/center.ini")
center_start "$W/center.log" || { echo "not ok - the center does not start"; exit 1; }
orthanc_start "$W/orthanc" >/dev/null || { echo "not ok - Orthanc does not start"; exit 1; }
KEY=$APPLIANCE_HOME/keys/appliance.pub

# ship MEDIUM [PROJECT [INPUT]]: export, upload (curl as upload-1), redeem; sets PKG
ship() {
	center_export "$1" "${2:-p1}" "${3:-}" && center_upload upload "$1" "$PKG" &&
	center_redeem_json "$TOKEN" | tail -1 | grep -q 200
}
sync_as() { # sync_as WHO TARGET [ARGS]
	who=$1 to=$2
	shift 2
	pdigate-fetch sync --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/$who.crt" --key "$CENTER_DIR/$who.key" \
		--identity "$W/$who.key" --appliance-key "$KEY" --to "$to" "$@"
}
state_of() {
	center_curl staff "/v1/packages/$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"state\"])"
}

test_expect_success 'sync --help; usage errors exit 2' '
	pdigate-fetch sync --help | grep -q "usage: pdigate-fetch sync" &&
	{ pdigate-fetch sync --to folder:x --work w; test $? = 2; } &&
	{ sync_as dca "ftp://x" --work w; test $? = 2; } &&
	{ sync_as dca folder:x --work w --keys "$W" ; test $? = 2; }
'
test_expect_success 'a download killed mid-way resumes from its .part file' '
	mkdir big && pdg-dcmgen -n 24 -s 512 big >/dev/null && ship m p1 big
	pdigate-fetch sync --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
		--cert "$CENTER_DIR/dca.crt" --key "$CENTER_DIR/dca.key" --identity "$W/dca.key" \
		--appliance-key "$KEY" --to "folder:$TEST_DIR/r" --work work --limit-rate 2M \
		>/dev/null 2>&1 &
	pid=$!
	sleep 2 && kill -9 "$pid" && sleep 0.3 &&
	part=$(ls work/$PKG/PDIGATE/*.part) && have=$(stat -c %s "$part") &&
	test "$have" -gt 0 && test "$have" -lt "$(stat -c %s "m/PDIGATE/$PKG.001")" &&
	test ! -d r &&
	sync_as dca "folder:$TEST_DIR/r" --work work >out 2>err &&
	grep -q "^$PKG p1 acknowledged instances 24 imported 24 " out &&
	test "$(find r -name "*.dcm" | wc -l)" = 24 && test ! -d "work/$PKG" &&
	test "$(state_of "$PKG")" = ACKNOWLEDGED
'
test_expect_success 'kill -9 the center during a download, restart it: the next sync completes' '
	mkdir big && pdg-dcmgen -n 24 -s 512 big >/dev/null && ship m p1 big
	(set +e; sync_as dca "folder:$TEST_DIR/r" --work work --limit-rate 2M --retries 0 \
		>/dev/null 2>&1; echo $? >rc) &
	sleep 2 && center_kill9 &&
	for i in $(seq 1 100); do test -s rc && break; sleep 0.2; done &&
	test "$(cat rc)" = 1 &&
	test -s "$(ls work/$PKG/PDIGATE/*.part)" &&
	center_start "$W/center.log" &&
	sync_as dca "folder:$TEST_DIR/r" --work work >out 2>err &&
	grep -q "^$PKG p1 acknowledged instances 24 imported 24 " out &&
	test "$(find r -name "*.dcm" | wc -l)" = 24
'
test_expect_success 'the target is down: not acknowledged; the next run imports and acknowledges' '
	ship m &&
	{ sync_as dca "dicom://ORTHANC@127.0.0.1:$(orthanc_port)" --work work >out 2>err; test $? = 1; } &&
	grep -q "^$PKG p1 opened " out &&
	test "$(state_of "$PKG")" = DOWNLOADED &&
	sync_as dca "dicom://ORTHANC@127.0.0.1:$ORTHANC_DICOM" --work work --keep >out 2>err &&
	grep -q "^$PKG p1 acknowledged instances 4 imported 4 " out &&
	orthanc_compare "$ORTHANC_URL" "work/$PKG/opened/$PKG/DICOM" &&
	sync_as dca "dicom://ORTHANC@127.0.0.1:$ORTHANC_DICOM" --work work >out 2>err &&
	test ! -s out
'
test_expect_success 'a package of another project is not listed for this data center' '
	ship m p1-b &&
	sync_as dca "folder:$TEST_DIR/r" --work work >out 2>err && test ! -s out &&
	test "$(state_of "$PKG")" = RELEASED &&
	sync_as dcb "folder:$TEST_DIR/r" --work work >out 2>err &&
	grep -q "^$PKG p1-b acknowledged instances 4 imported 4 " out
'
test_done
