# SPDX-License-Identifier: MIT
# Helpers for the service-center tests (sourced after lib.sh): a throwaway PKI (a CA, a server
# certificate for 127.0.0.1, client certificates, a foreign CA), a center configuration on a
# free loopback port, registration of the principals, start/stop of `pdigate-center serve`, and
# curl as each principal. API: docs/center-api.md.
#
#   center_pki DIR              make DIR/{ca,server,upload,upload2,dca,dcb,staff,foreign}.{crt,key}
#                               (foreign.crt is issued by another CA, foreign-ca.crt); sets CENTER_DIR
#   center_fpr CRT              SHA-256 fingerprint of a certificate, 64 lowercase hex digits
#   center_port                 a free TCP port on 127.0.0.1
#   center_config [LINES...]    write $CENTER_DIR/center.ini (state in $CENTER_DIR/state, ledger
#                               SQLite, or $PDG_CENTER_LEDGER if set, e.g. a postgresql:// URL);
#                               extra INI lines are appended (e.g. "[limits]" "redeem_rate = 1")
#   center_admin ARGS...        pdigate-center admin --config $CENTER_DIR/center.ini ARGS...
#   center_register HOME PROJECT RECIPIENT_A [RECIPIENT_B]
#                               register the appliance of the pdigate home HOME (id, site, key),
#                               stations upload-1 (upload.crt) and upload-2 (upload2.crt), data
#                               centers dc-a (dca.crt, RECIPIENT_A) and dc-b (dcb.crt, RECIPIENT_B
#                               or RECIPIENT_A), project PROJECT -> dc-a, project "$PROJECT-b" ->
#                               dc-b, staff "desk" (staff.crt, password "desk password")
#   center_start [LOG]          start the server in the background; waits until /v1/health
#                               answers; sets CENTER_PID, CENTER_PORT, CENTER_URL
#   center_stop                 SIGTERM the server and wait; status 0 if it exited 0
#   center_kill9                kill -9 the server and wait for it (fails if it was not running)
#   center_curl WHO CURLARGS... curl as WHO (upload, upload2, dca, dcb, staff, foreign, none)
#                               against $CENTER_URL; relative URLs: center_curl dca /v1/released
#   center_upload WHO MEDIUM PKG  upload PKG from MEDIUM/PDIGATE with curl (manifest, then each
#                               segment in one PATCH); prints nothing; fails on any HTTP error
#   center_fixture DIR [LINES]  all of the above for a test file: PKI, appliance home with projects
#                               p1 (dc-a) and p1-b (dc-b), images, configuration, registrations
#   center_export MEDIUM [PROJECT [INPUT]]  export to a folder medium; sets PKG and TOKEN
#   center_redeem_json TOKEN    redeem as staff; prints the body, then the HTTP status on a line

# center_pki DIR
center_pki() {
	CENTER_DIR=$1
	mkdir -p "$1"
	(
		cd "$1" || exit 1
		set -e
		ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		ec ca.key
		openssl req -new -x509 -key ca.key -out ca.crt -days 30 -subj "/CN=pdigate test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		ec foreign-ca.key
		openssl req -new -x509 -key foreign-ca.key -out foreign-ca.crt -days 30 \
			-subj "/CN=foreign CA" -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		# issue NAME CN CA EXT...
		issue() {
			n=$1 cn=$2 ca=$3
			shift 3
			ec "$n.key"
			openssl req -new -key "$n.key" -out "$n.csr" -subj "/CN=$cn" 2>/dev/null
			printf '%s\n' "$@" >"$n.ext"
			openssl x509 -req -in "$n.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
				-out "$n.crt" -days 30 -extfile "$n.ext" 2>/dev/null
			rm -f "$n.csr" "$n.ext"
		}
		issue server "pdigate center" ca "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			"extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature"
		for c in upload upload2 dca dcb staff; do
			issue "$c" "$c" ca "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature"
		done
		issue foreign "dca" foreign-ca "extendedKeyUsage=clientAuth" \
			"keyUsage=critical,digitalSignature"
		chmod 600 ./*.key
	)
}

# center_fpr CRT
center_fpr() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//' | tr -d : | tr A-F a-f
}

# center_port: ask the kernel for a free port (a small race with other tests; center_start retries)
center_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# center_config [LINES...]
center_config() {
	: "${CENTER_PORT:=$(center_port)}"
	{
		printf '# pdigate-center test configuration\n[server]\nlisten = 127.0.0.1\nport = %s\n' \
			"$CENTER_PORT"
		printf 'cert = %s/server.crt\nkey = %s/server.key\nclient_ca = %s/ca.crt\n' \
			"$CENTER_DIR" "$CENTER_DIR" "$CENTER_DIR"
		printf '\n[store]\nstate = %s/state\nledger = %s\n' "$CENTER_DIR" \
			"${PDG_CENTER_LEDGER:-sqlite:$CENTER_DIR/state/ledger.db}"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$CENTER_DIR/center.ini"
}

center_admin() {
	pdigate-center admin --config "$CENTER_DIR/center.ini" "$@"
}

# center_register HOME PROJECT RECIPIENT_A [RECIPIENT_B]
center_register() {
	_id=$(sed -n 's/^id *= *//p' "$1/config.ini" | head -1)
	_site=$(sed -n 's/^site *= *//p' "$1/config.ini" | head -1)
	printf 'desk password\n' >"$CENTER_DIR/staff.pw"
	center_admin appliance add "$_id" --site "$_site" --key "$1/keys/appliance.pub" >/dev/null &&
	center_admin station add upload-1 --cert "$CENTER_DIR/upload.crt" >/dev/null &&
	center_admin station add upload-2 --cert "$CENTER_DIR/upload2.crt" >/dev/null &&
	center_admin datacenter add dc-a --cert "$CENTER_DIR/dca.crt" --recipient "$3" >/dev/null &&
	center_admin datacenter add dc-b --cert "$CENTER_DIR/dcb.crt" --recipient "${4:-$3}" >/dev/null &&
	center_admin project add "$2" --datacenter dc-a >/dev/null &&
	center_admin project add "$2-b" --datacenter dc-b >/dev/null &&
	center_admin staff add desk --cert "$CENTER_DIR/staff.crt" \
		--password-file "$CENTER_DIR/staff.pw" >/dev/null
}

# center_start [LOG]
center_start() {
	_log=${1:-$CENTER_DIR/center.log}
	for _try in 1 2 3 4 5; do
		rm -f "$CENTER_DIR/center.rc" "$CENTER_DIR/center.pid"
		(pdigate-center serve --config "$CENTER_DIR/center.ini" 2>>"$_log" &
			echo $! >"$CENTER_DIR/center.pid"; wait $!; echo $? >"$CENTER_DIR/center.rc") &
		while ! test -s "$CENTER_DIR/center.pid"; do sleep 0.05; done
		CENTER_PID=$(cat "$CENTER_DIR/center.pid")
		CENTER_URL=https://127.0.0.1:$CENTER_PORT
		for _i in $(seq 1 100); do
			kill -0 "$CENTER_PID" 2>/dev/null || break
			if curl -sf --max-time 5 --cacert "$CENTER_DIR/ca.crt" "$CENTER_URL/v1/health" \
				>/dev/null 2>&1; then
				return 0
			fi
			sleep 0.1
		done
		kill "$CENTER_PID" 2>/dev/null || :
		center_wait || :
		if ! grep -q "in use" "$_log" 2>/dev/null; then
			echo "pdigate-center serve did not start:" >&2
			tail -5 "$_log" >&2
			return 1
		fi
		CENTER_PORT=$(center_port)
		sed -i "s/^port = .*/port = $CENTER_PORT/" "$CENTER_DIR/center.ini"
	done
	return 1
}

# center_wait: wait (30 s at most) for the server to exit; its status is the result
center_wait() {
	for _i in $(seq 1 300); do
		test -s "$CENTER_DIR/center.rc" && return "$(cat "$CENTER_DIR/center.rc")"
		sleep 0.1
	done
	return 124
}

# The running server's pid: from center.pid, so that a server started in one test's subshell
# is the one stopped in the next (or at exit)
center_pid() {
	CENTER_PID=$(cat "$CENTER_DIR/center.pid" 2>/dev/null || echo "${CENTER_PID:-}")
}

center_stop() {
	center_pid
	kill -TERM "$CENTER_PID" 2>/dev/null || :
	center_wait
}

# center_kill9: kill -9 the server; fails if it was not running
center_kill9() {
	center_pid
	kill -9 "$CENTER_PID" 2>/dev/null || return 1
	center_wait || :
}

# center_curl WHO ARGS...: -s, no -f (check the status with -w '%{http_code}' or -f yourself)
center_curl() {
	_who=$1
	shift
	set -- "$@" --cacert "$CENTER_DIR/ca.crt"
	if test "$_who" != none; then
		set -- "$@" --cert "$CENTER_DIR/$_who.crt" --key "$CENTER_DIR/$_who.key"
	fi
	for _a in "$@"; do
		case $_a in
		/v1/*) _a=$CENTER_URL$_a ;;
		esac
		set -- "$@" "$_a"
		shift
	done
	curl -s --max-time 120 "$@"
}

# center_upload WHO MEDIUM PKG
center_upload() {
	_m=$(base64 -w0 "$2/PDIGATE/$3.MAN")
	_s=$(base64 -w0 "$2/PDIGATE/$3.SIG")
	printf '{"manifest":"%s","signature":"%s"}' "$_m" "$_s" >"$CENTER_DIR/post.json"
	center_curl "$1" -f -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @"$CENTER_DIR/post.json" /v1/packages || return 1
	_n=1
	for _f in "$2/PDIGATE/$3".[0-9][0-9][0-9]; do
		center_curl "$1" -f -o /dev/null -X PATCH -H 'Upload-Offset: 0' \
			-H 'Content-Type: application/offset+octet-stream' \
			--data-binary @"$_f" "/v1/packages/$3/segments/$_n" || return 1
		_n=$((_n + 1))
	done
}

# center_fixture DIR: under DIR, a PKI (center_pki DIR/pki), an appliance home DIR/H with projects
# p1 (sealed to DIR/dca.key) and p1-b (to DIR/dcb.key), a few generated CT images in DIR/in, a
# center configuration (extra INI lines as further arguments) with every principal registered
# (center_register). Sets FIX, APPLIANCE_HOME.
center_fixture() {
	FIX=$1
	shift
	APPLIANCE_HOME=$FIX/H
	mkdir -p "$FIX" &&
	center_pki "$FIX/pki" &&
	printf 'administrator passphrase\n' >"$FIX/pw" &&
	pdigate init --home "$FIX/H" --site Kita-Hospital --admin-passphrase-file "$FIX/pw" \
		>/dev/null &&
	age-keygen -o "$FIX/dca.key" 2>/dev/null && age-keygen -o "$FIX/dcb.key" 2>/dev/null &&
	pdigate project add p1 --profile jp-pseudonymized \
		--recipient "$(age-keygen -y "$FIX/dca.key")" --home "$FIX/H" >/dev/null &&
	pdigate project add p1-b --profile jp-pseudonymized \
		--recipient "$(age-keygen -y "$FIX/dcb.key")" --home "$FIX/H" >/dev/null &&
	mkdir -p "$FIX/in" && pdg-dcmgen -n 4 -s 64 -j "$FIX/in" >/dev/null &&
	center_config "$@" &&
	center_register "$FIX/H" p1 "$(age-keygen -y "$FIX/dca.key")" \
		"$(age-keygen -y "$FIX/dcb.key")"
}

# center_export MEDIUM [PROJECT [INPUT]]: export the fixture's images (or INPUT) to a new
# folder medium; sets PKG and TOKEN (typed form)
center_export() {
	mkdir -p "$1" &&
	pdigate export --home "$APPLIANCE_HOME" --project "${2:-p1}" --medium "$1" --show-token \
		"${3:-$FIX/in}" >"$1.out" 2>/dev/null &&
	PKG=$(sed -n 1p "$1.out") && TOKEN=$(sed -n 2p "$1.out")
}

# center_redeem_json TOKEN: POST /v1/redeem as staff (certificate); prints "HTTP-status body"
center_redeem_json() {
	printf '{"token":"%s"}' "$1" >"$CENTER_DIR/redeem.json"
	center_curl staff -w '\n%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$CENTER_DIR/redeem.json" /v1/redeem
}

# center_split MEDIUM PKG N: cut the package's ciphertext into N segments, rewrite the manifest
# and sign it again with the fixture appliance's key (a multi-segment package, as a big export
# to FAT32 makes)
center_split() {
	python3 - "$1/PDIGATE" "$2" "$3" <<-'PY' &&
	import hashlib, json, os, sys
	d, pkg, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
	data = open(os.path.join(d, pkg + ".001"), "rb").read()
	m = json.load(open(os.path.join(d, pkg + ".MAN")))
	size = -(-len(data) // n)
	segs = []
	for i in range(n):
	    part = data[i * size:(i + 1) * size]
	    name = "%s.%03d" % (pkg, i + 1)
	    open(os.path.join(d, name), "wb").write(part)
	    segs.append({"name": name, "size": len(part), "sha256": hashlib.sha256(part).hexdigest()})
	m["segments"] = segs
	open(os.path.join(d, pkg + ".MAN"), "w").write(json.dumps(m, indent=2) + "\n")
	PY
	signify-openbsd -S -s "$APPLIANCE_HOME/keys/appliance.sec" -m "$1/PDIGATE/$2.MAN" \
		-x "$1/PDIGATE/$2.SIG"
}
