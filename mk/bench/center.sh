#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-center on loopback beside nginx (the line-rate reference, same certificate, TLS 1.2+):
# upload and download throughput of one large segment with curl, redeems per second with wrk
# (100 connections, p50/p99; staff session), and the center's memory during a big upload
# (BENCH_CENTER_BIG_GB, default 10 GiB, in 64 MiB chunks: it must stay flat).
#   BENCH_CENTER_MB=1024  size of the transfer file      BENCH_CENTER_REDEEMS=2000 packages
#   BENCH_CENTER_SYNC=full|normal  the SQLite ledger's synchronous mode (PDG_CENTER_LEDGER overrides)
set -eu
. "$PDG_TOP/mk/bench-lib.sh"
TEST_ROOT=$BENCH_TMP
. "$PDG_TOP/tests/cli/center-lib.sh"
MB=${BENCH_CENTER_MB:-1024}
BIG_GB=${BENCH_CENTER_BIG_GB:-10}
NRED=${BENCH_CENTER_REDEEMS:-2000}
for t in nginx wrk curl signify-openbsd; do
	command -v $t >/dev/null || { echo "center: $t missing (mk/packages.txt)"; exit 1; }
done
W=$BENCH_TMP
SYNC=${BENCH_CENTER_SYNC:-full}
center_fixture "$W/f" '[server]' 'threads = 4' '[limits]' 'chunk_max = 2147483648' \
	'redeem_rate = 1000000' 'redeem_burst = 1000000' 'package_failures = 1000000' \
	'[store]' "ledger = ${PDG_CENTER_LEDGER:-sqlite:$W/f/pki/state/ledger.db?synchronous=$SYNC}" \
	>/dev/null
center_export "$W/m0"
TEMPLATE=$W/m0/PDIGATE/$PKG.MAN
SEC=$APPLIANCE_HOME/keys/appliance.sec

# fake_package DIR PKG SECRET_SHA256 SEGMENT_FILES...: a signed manifest for these bytes (the
# center never decrypts, so any bytes are a package as far as it is concerned)
fake_package() {
	d=$1/PDIGATE pkg=$2 sh256=$3
	shift 3
	mkdir -p "$d"
	python3 - "$TEMPLATE" "$d" "$pkg" "$sh256" "$@" <<-'PY'
	import hashlib, json, os, sys
	tpl, d, pkg, secret, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
	m = json.load(open(tpl))
	whole, segs, total = hashlib.sha256(), [], 0
	for i, f in enumerate(files, 1):
	    h = hashlib.sha256()
	    with open(f, "rb") as fh:
	        while True:
	            b = fh.read(1 << 22)
	            if not b:
	                break
	            h.update(b); whole.update(b)
	    size = os.path.getsize(f)
	    total += size
	    name = "%s.%03d" % (pkg, i)
	    if os.path.abspath(f) != os.path.abspath(os.path.join(d, name)):
	        os.symlink(os.path.abspath(f), os.path.join(d, name))
	    segs.append({"name": name, "size": size, "sha256": h.hexdigest()})
	m["package_id"], m["release_secret_sha256"], m["segments"] = pkg, secret, segs
	m["ciphertext"] = {"size": total, "sha256": whole.hexdigest()}
	open(os.path.join(d, pkg + ".MAN"), "w").write(json.dumps(m, indent=2) + "\n")
	PY
	signify-openbsd -S -s "$SEC" -m "$d/$pkg.MAN" -x "$d/$pkg.SIG"
}
newid() {
	python3 -c 'import secrets; a="0123456789ABCDEFGHJKMNPQRSTVWXYZ"; print("".join(secrets.choice(a) for _ in range(15)))'
}
post_manifest() { # WHO DIR PKG
	printf '{"manifest":"%s","signature":"%s"}' "$(base64 -w0 "$2/PDIGATE/$3.MAN")" \
		"$(base64 -w0 "$2/PDIGATE/$3.SIG")" >"$W/post.json"
	center_curl "$1" -sf -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @"$W/post.json" /v1/packages
}

center_start "$W/center.log"
trap 'center_stop >/dev/null 2>&1 || :; kill $(cat "$W/nginx.pid" 2>/dev/null) 2>/dev/null || :; rm -rf "$BENCH_TMP"' EXIT

# --- nginx on loopback with the same certificate -----------------------------------------------
NPORT=$(center_port)
mkdir -p "$W/ng/www/up" "$W/ng/tmp"
cat >"$W/ng/nginx.conf" <<EOF2
user root;
worker_processes 2;
pid $W/nginx.pid;
error_log $W/ng/error.log;
daemon on;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $W/ng/tmp;
	proxy_temp_path $W/ng/tmp; fastcgi_temp_path $W/ng/tmp; uwsgi_temp_path $W/ng/tmp; scgi_temp_path $W/ng/tmp;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $CENTER_DIR/server.crt;
		ssl_certificate_key $CENTER_DIR/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $W/ng/www;
		client_max_body_size 0;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
}
EOF2
nginx -c "$W/ng/nginx.conf" -p "$W/ng"
NG=https://127.0.0.1:$NPORT

# --- transfer throughput ----------------------------------------------------------------------
head -c $((MB << 20)) /dev/urandom >"$W/big.bin"
cp "$W/big.bin" "$W/ng/www/big.bin"
P=$(newid)
fake_package "$W/mt" "$P" "$(printf x | sha256sum | cut -c1-64)" "$W/big.bin"
post_manifest upload "$W/mt" "$P"
C="--cacert $CENTER_DIR/ca.crt"
measure ng-up curl -sf $C -T "$W/big.bin" "$NG/up/big.bin"
[ "$M_STATUS" = 0 ] && cmp -s "$W/big.bin" "$W/ng/www/up/big.bin" || { echo "center: nginx PUT failed"; exit 1; }
NG_UP=$(rate "$MB" "$M_SEC")
measure c-up curl -sf $C --cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" \
	-X PATCH -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
	-T "$W/big.bin" "$CENTER_URL/v1/packages/$P/segments/1"
[ "$M_STATUS" = 0 ] || { echo "center: upload failed"; cat "$BENCH_TMP/c-up.log"; exit 1; }
C_UP=$(rate "$MB" "$M_SEC")
center_curl upload -s "/v1/packages/$P" | grep -q '"state":"RECEIVED"' ||
	{ echo "center: the upload did not complete"; cat "$BENCH_TMP/c-up.log"; exit 1; }
report "upload ${MB} MiB (MB/s)" "$C_UP" MB/s nginx-PUT "$NG_UP" MB/s
SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
measure ng-down curl -sf $C -o /dev/null "$NG/big.bin"
[ "$M_STATUS" = 0 ] || { echo "center: nginx GET failed"; exit 1; }
NG_DOWN=$(rate "$MB" "$M_SEC")

# redeem packages: NRED tiny packages, each with its own token --------------------------------
printf 'x' >"$W/tiny"
: >"$W/tokens"
i=0
while [ $i -lt "$NRED" ]; do
	id=$(newid)
	secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	pdg-token encode "$id" "$secret" >"$W/tok.out"
	sed -n 1p "$W/tok.out" >>"$W/tokens"
	fake_package "$W/r/$id" "$id" "$(sed -n 4p "$W/tok.out")" "$W/tiny"
	i=$((i + 1))
done
python3 - "$CENTER_DIR" "$CENTER_PORT" "$W/r" <<-'PY'
import base64, http.client, json, os, ssl, sys
d, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=d + "/ca.crt")
ctx.load_cert_chain(d + "/upload.crt", d + "/upload.key")
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
for pkg in os.listdir(root):
    p = os.path.join(root, pkg, "PDIGATE")
    body = json.dumps({"manifest": base64.b64encode(open(p + "/%s.MAN" % pkg, "rb").read()).decode(),
                       "signature": base64.b64encode(open(p + "/%s.SIG" % pkg, "rb").read()).decode()})
    c.request("POST", "/v1/packages", body, {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 201, r.status
    c.request("PATCH", "/v1/packages/%s/segments/1" % pkg, b"x",
              {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    r = c.getresponse(); r.read()
    assert r.status == 204, r.status
PY
printf '{"login":"desk","password":"desk password"}' >"$W/login.json"
BEARER=$(center_curl none -s -H 'Content-Type: application/json' --data-binary @"$W/login.json" \
	/v1/login | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
{
	echo 'local tokens = {}'
	sed 's/.*/tokens[#tokens + 1] = "&"/' "$W/tokens"
	cat <<-'LUA'
	local n = 0
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	request = function()
	   n = n + 1
	   local t = tokens[(n * 7919 + (math.floor(os.clock() * 1e6) % #tokens)) % #tokens + 1]
	   return wrk.format(nil, "/v1/redeem", nil, '{"token":"' .. t .. '"}')
	end
	local codes = {}
	response = function(status) codes[status] = (codes[status] or 0) + 1 end
	done = function(summary, latency, requests)
	   io.write(string.format("p50_ms %.2f\np99_ms %.2f\nrps %.1f\nerrors %d\n",
	      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	      summary.requests / (summary.duration / 1e6),
	      summary.errors.status + summary.errors.connect + summary.errors.read +
	      summary.errors.write + summary.errors.timeout))
	end
	LUA
} >"$W/redeem.lua"
wrk -t 2 -c 100 -d 10s --timeout 5s -H "Authorization: Bearer $BEARER" -s "$W/redeem.lua" \
	"$CENTER_URL" >"$W/wrk.out" 2>&1 || { cat "$W/wrk.out"; exit 1; }
released=$(center_admin ledger | grep -c ' RELEASED ' || :)
RPS=$(sed -n 's/^rps //p' "$W/wrk.out")
report_solo "redeems/s (100 conns)" "$RPS" req/s \
	"ledger sync=$SYNC, p50 $(sed -n 's/^p50_ms //p' "$W/wrk.out") ms, p99 $(sed -n 's/^p99_ms //p' "$W/wrk.out") ms, $released of $NRED packages released once, the rest refused as used (audited); target >= 2000/s, p99 < 50 ms"

# download: the same bytes as a package with a token we know, released to dc-a
P2=$(newid)
pdg-token encode "$P2" "$SECRET" >"$W/tok.out"
mkdir -p "$W/m2/PDIGATE"
fake_package "$W/m2" "$P2" "$(sed -n 4p "$W/tok.out")" "$W/big.bin"
post_manifest upload "$W/m2" "$P2"
center_curl upload -sf -o /dev/null -X PATCH -H 'Upload-Offset: 0' \
	-H 'Content-Type: application/offset+octet-stream' -T "$W/big.bin" "/v1/packages/$P2/segments/1"
center_redeem_json "$(sed -n 1p "$W/tok.out")" | tail -1 | grep -q 200
measure c-down curl -sf $C --cert "$CENTER_DIR/dca.crt" --key "$CENTER_DIR/dca.key" -o /dev/null \
	"$CENTER_URL/v1/packages/$P2/segments/1"
[ "$M_STATUS" = 0 ] || { echo "center: download failed"; exit 1; }
C_DOWN=$(rate "$MB" "$M_SEC")
report "download ${MB} MiB (MB/s)" "$C_DOWN" MB/s nginx-GET "$NG_DOWN" MB/s

# --- memory during a big upload ---------------------------------------------------------------
rm -f "$W/big.bin" "$W/ng/www/big.bin" "$W/ng/www/up/big.bin"
rm -rf "$CENTER_DIR/state/blobs/$P" "$CENTER_DIR/state/blobs/$P2"
SEGMB=1792
NSEG=$(( (BIG_GB * 1024 + SEGMB - 1) / SEGMB ))
head -c $((SEGMB << 20)) /dev/zero >"$W/zero.seg"
set --
i=1
while [ $i -le "$NSEG" ]; do set -- "$@" "$W/zero.seg"; i=$((i + 1)); done
P3=$(newid)
mkdir -p "$W/m3/PDIGATE"
python3 - "$W/m3/PDIGATE" "$P3" "$NSEG" "$W/zero.seg" <<-'PY'
import os, sys
d, pkg, n, f = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for i in range(1, n + 1):
    os.symlink(f, os.path.join(d, "%s.%03d" % (pkg, i)))
PY
set --
i=1
while [ $i -le "$NSEG" ]; do set -- "$@" "$W/m3/PDIGATE/$P3.$(printf %03d $i)"; i=$((i + 1)); done
fake_package "$W/m3" "$P3" "$(printf x | sha256sum | cut -c1-64)" "$@"
post_manifest upload "$W/m3" "$P3"
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$CENTER_PID/status"; }
RSS0=$(rss)
MAXRSS=$RSS0
CHUNK=$((64 << 20))
start=$(date +%s.%N)
i=1
while [ $i -le "$NSEG" ]; do
	off=0
	size=$((SEGMB << 20))
	while [ $off -lt $size ]; do
		head -c $CHUNK /dev/zero | center_curl upload -sf -o /dev/null -X PATCH \
			-H "Upload-Offset: $off" -H 'Content-Type: application/offset+octet-stream' \
			--data-binary @- "/v1/packages/$P3/segments/$i"
		off=$((off + CHUNK))
		r=$(rss)
		[ "$r" -le "$MAXRSS" ] || MAXRSS=$r
	done
	i=$((i + 1))
done
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
report_solo "upload ${BIG_GB} GiB RSS (MB)" "$MAXRSS" MB \
	"center RSS before $RSS0 MB, max $MAXRSS MB over $((NSEG * SEGMB / 64)) chunks of 64 MiB ($(rate $((NSEG * SEGMB)) "$secs") MB/s, curl per chunk)"
