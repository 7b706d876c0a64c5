# SPDX-License-Identifier: MIT
# Helpers for the pdigate receive tests (sourced after lib.sh): a home, a running receiver on
# a free random loopback port, dataset bytes of a DICOM file for bit-exact comparison.

# rx_home DIR [extra [receive] lines...]: a new home at DIR with a [receive] section.
rx_home() {
	h=$1
	shift
	echo "administrator passphrase" >"$TEST_ROOT/pw.$$"
	pdigate init --home "$h" --site S --admin-passphrase-file "$TEST_ROOT/pw.$$" >/dev/null
	{
		printf '\n[receive]\nae_title = PDIGATE\nallowed_callers = PACS, MODALITY\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} >>"$h/config.ini"
}

# rx_port: a random port in a high range.
rx_port() {
	echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
}

# rx_start HOME LOG [refused]: start pdigate receive on a random free port; sets RX_PID,
# RX_PORT. It is up once echoscu gets an answer, or with "refused" (for a receiver that
# refuses this host) once echoscu's association is refused while the receiver runs.
# Its exit status lands in $TEST_ROOT/rx.rc (the tests run in subshells: no wait there).
rx_start() {
	for try in 1 2 3 4 5 6 7 8 9 10; do
		RX_PORT=$(rx_port)
		rm -f "$TEST_ROOT/rx.rc" "$TEST_ROOT/rx.pid"
		(pdigate receive --home "$1" --port "$RX_PORT" 2>>"$2" &
			echo $! >"$TEST_ROOT/rx.pid"; wait $!; echo $? >"$TEST_ROOT/rx.rc") &
		while ! test -s "$TEST_ROOT/rx.pid"; do sleep 0.05; done
		RX_PID=$(cat "$TEST_ROOT/rx.pid")
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			kill -0 "$RX_PID" 2>/dev/null || break
			if echoscu -aet PACS -aec PDIGATE 127.0.0.1 "$RX_PORT" 2>"$TEST_ROOT/echo.err"; then
				return 0
			fi
			if test "${3:-}" = refused && grep -q "Association Rejected" "$TEST_ROOT/echo.err"; then
				return 0
			fi
			sleep 0.25
		done
		kill "$RX_PID" 2>/dev/null || :
		rx_wait || :
	done
	return 1
}

# rx_wait [SECONDS]: wait (20 s by default) for the receiver to exit; its status is the result.
rx_wait() {
	for i in $(seq 1 $(( ${1:-20} * 10 ))); do
		test -s "$TEST_ROOT/rx.rc" && return "$(cat "$TEST_ROOT/rx.rc")"
		sleep 0.1
	done
	return 124
}

# rx_stop: SIGTERM the receiver and check it exits 0.
rx_stop() {
	kill -TERM "$RX_PID" && rx_wait
}

# scp_ref DIR: DCMTK's storescp, bit-preserving, into DIR on a random port; sets REF_PID,
# REF_PORT. The reference for what storescu actually sends.
scp_ref() {
	mkdir -p "$1"
	for try in 1 2 3 4 5 6 7 8 9 10; do
		REF_PORT=$(rx_port)
		storescp -B -od "$1" -aet PDIGATE "$REF_PORT" 2>/dev/null &
		REF_PID=$!
		for i in $(seq 1 20); do
			kill -0 "$REF_PID" 2>/dev/null || break
			echoscu -aec PDIGATE 127.0.0.1 "$REF_PORT" 2>/dev/null && return 0
			sleep 0.25
		done
		kill "$REF_PID" 2>/dev/null || :
	done
	return 1
}

# rx_dataset FILE: the bytes after the PS3.10 meta header (preamble, DICM, group 0002).
rx_dataset() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
assert d[128:132] == b'DICM'
# (0002,0000) UL, explicit VR: tag 4, VR 2, length 2, value 4
assert d[132:136] == b'\x02\x00\x00\x00'
glen = struct.unpack('<I', d[140:144])[0]
sys.stdout.buffer.write(d[144 + glen:])
PY
}

# rx_digests FILE...: sorted sha256 of the dataset bytes of each file (one python for all).
rx_digests() {
	python3 - "$@" <<'PY'
import hashlib, struct, sys
out = []
for p in sys.argv[1:]:
    d = open(p, 'rb').read()
    assert d[128:132] == b'DICM' and d[132:136] == b'\x02\x00\x00\x00', p
    glen = struct.unpack('<I', d[140:144])[0]
    out.append(hashlib.sha256(d[144 + glen:]).hexdigest() + '  -')
for line in sorted(out):
    print(line)
PY
}
