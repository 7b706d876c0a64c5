#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-center on loopback beside nginx (the line-rate reference, same certificate, TLS 1.2+):
# upload and download throughput of one large segment with curl, redeems per second with wrk
# (100 connections, p50/p99; staff session), and the center's memory during a big upload
# (BENCH_CENTER_BIG_GB, default 10 GiB, in 64 MiB chunks: it must stay flat). The center runs
# with its default threads and workers.
# Transfers run BENCH_CENTER_REPS times, center and nginx alternating which goes first, each
# after `sync` (neither pays for the other's write-back) with its input read once (warm); the
# line gives the median of each side, the note every sample. nginx's PUT answers before its file
# is durable (the center fsyncs first): beside it, the same PUT followed by an fsync of nginx's
# file (the job the center does) and the disk's durable floor (dd conv=fsync, dd oflag=direct),
# then the arithmetic of what is reachable. Every step has a time limit: a stalled step prints
# the center's threads (gdb) and fails instead of hanging.
#   BENCH_CENTER_MB=1024  size of the transfer file      BENCH_CENTER_REDEEMS=2000 packages
#   BENCH_CENTER_REPS=3   transfer repetitions           BENCH_CENTER_WRK_SECS=10
#   BENCH_CENTER_SYNC=full|normal  the SQLite ledger's synchronous mode (PDG_CENTER_LEDGER overrides)
set -eu
. "$PDG_TOP/mk/bench-lib.sh"
TEST_ROOT=$BENCH_TMP
. "$PDG_TOP/tests/cli/center-lib.sh"
MB=${BENCH_CENTER_MB:-1024}
BIG_GB=${BENCH_CENTER_BIG_GB:-10}
NRED=${BENCH_CENTER_REDEEMS:-2000}
REPS=${BENCH_CENTER_REPS:-3}
WRK_SECS=${BENCH_CENTER_WRK_SECS:-10}
for t in nginx wrk curl signify-openbsd timeout; do
	command -v $t >/dev/null || { echo "center: $t missing (mk/packages.txt)"; exit 1; }
done
W=$BENCH_TMP
SYNC=${BENCH_CENTER_SYNC:-full}
center_fixture "$W/f" '[limits]' 'chunk_max = 2147483648' \
	'redeem_rate = 1000000' 'redeem_burst = 1000000' 'package_failures = 1000000' \
	'[store]' "ledger = ${PDG_CENTER_LEDGER:-sqlite:$W/f/pki/state/ledger.db?synchronous=$SYNC}" \
	>/dev/null
center_export "$W/m0"
TEMPLATE=$W/m0/PDIGATE/$PKG.MAN
SEC=$APPLIANCE_HOME/keys/appliance.sec

# gen_packages ROOT N FILE [NSEG]: N packages ROOT/<id>/PDIGATE/<id>.{MAN,SIG,001...} whose NSEG
# (default 1) segments are each FILE (symlinks; hashed once), each package with its own id and
# release secret; prints "<id> <token>" per package. The center never decrypts, so any bytes are
# a package as far as it is concerned.
gen_packages() {
	timeout 1800 python3 - "$TEMPLATE" "$SEC" "$@" <<-'PY'
	import hashlib, json, os, secrets, subprocess, sys
	tpl, sec, root, n, f = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
	nseg = int(sys.argv[6]) if len(sys.argv) > 6 else 1
	m0 = json.load(open(tpl))
	h, whole = hashlib.sha256(), hashlib.sha256()
	for k in range(nseg):
	    with open(f, "rb") as fh:
	        for b in iter(lambda: fh.read(1 << 22), b""):
	            whole.update(b)
	            if not k:
	                h.update(b)
	size, digest = os.path.getsize(f), h.hexdigest()
	alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	for _ in range(n):
	    pkg = "".join(secrets.choice(alphabet) for _ in range(15))
	    tok = subprocess.run(["pdg-token", "encode", pkg, secrets.token_hex(16)], check=True,
	                         capture_output=True, text=True, timeout=30).stdout.split("\n")
	    d = os.path.join(root, pkg, "PDIGATE")
	    os.makedirs(d)
	    segs = []
	    for i in range(1, nseg + 1):
	        name = "%s.%03d" % (pkg, i)
	        os.symlink(os.path.abspath(f), os.path.join(d, name))
	        segs.append({"name": name, "size": size, "sha256": digest})
	    m = dict(m0, package_id=pkg, release_secret_sha256=tok[3], segments=segs,
	             ciphertext={"size": size * nseg, "sha256": whole.hexdigest()})
	    man = os.path.join(d, pkg + ".MAN")
	    open(man, "w").write(json.dumps(m, indent=2) + "\n")
	    subprocess.run(["signify-openbsd", "-S", "-s", sec, "-m", man, "-x",
	                    os.path.join(d, pkg + ".SIG")], check=True, timeout=30)
	    print(pkg, tok[0])
	PY
}

# post_packages ROOT [DATA]: POST every manifest under ROOT as upload-1; with DATA, also send
# each one's whole (tiny) segment in one PATCH
post_packages() {
	timeout 600 python3 - "$CENTER_DIR" "$CENTER_PORT" "$@" <<-'PY'
	import base64, http.client, json, os, ssl, sys
	d, port, root, data = sys.argv[1], int(sys.argv[2]), sys.argv[3], len(sys.argv) > 4
	ctx = ssl.create_default_context(cafile=d + "/ca.crt")
	ctx.load_cert_chain(d + "/upload.crt", d + "/upload.key")
	c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
	for pkg in os.listdir(root):
	    p = os.path.join(root, pkg, "PDIGATE")
	    body = json.dumps({"manifest": base64.b64encode(open(p + "/%s.MAN" % pkg, "rb").read()).decode(),
	                       "signature": base64.b64encode(open(p + "/%s.SIG" % pkg, "rb").read()).decode()})
	    c.request("POST", "/v1/packages", body, {"Content-Type": "application/json"})
	    r = c.getresponse(); r.read()
	    assert r.status == 201, r.status
	    if data:
	        c.request("PATCH", "/v1/packages/%s/segments/1" % pkg,
	                  open(p + "/%s.001" % pkg, "rb").read(),
	                  {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
	        r = c.getresponse(); r.read()
	        assert r.status == 204, r.status
	PY
}

# stalled WHAT: say which step hung and where the center's threads are, then fail
stalled() {
	echo "center: $1 stalled or failed (time limit or error); the center's threads:" >&2
	if command -v gdb >/dev/null; then
		timeout 60 gdb -p "$CENTER_PID" -batch -ex 'thread apply all bt' 2>/dev/null |
			grep -E '^(Thread|#)' | head -100 >&2 || :
	fi
	tail -5 "$W/center.log" >&2 || :
	exit 1
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
# curl gives up on a transfer slower than 1 MB/s for 30 s, or longer than TMAX in all
TMAX=$((120 + MB / 2))
CURL="curl -sf --max-time $TMAX --speed-limit 1048576 --speed-time 30 --cacert $CENTER_DIR/ca.crt"
head -c $((MB << 20)) /dev/urandom >"$W/big.bin"
cp "$W/big.bin" "$W/ng/www/big.bin"
gen_packages "$W/up" "$REPS" "$W/big.bin" >"$W/up.ids"
post_packages "$W/up" || stalled "posting the manifests"
# median SAMPLES: the middle one (of an even count, the lower middle): one lucky or unlucky run
# (the page cache, somebody else's build) moves neither side
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
# nginx's dav PUT answers before its file is durable: the same PUT followed by an fsync of the
# file it wrote (`sync FILE`) is the job the center does (it fsyncs before it answers)
ng_put() {
	measure ng-up $CURL -T "$W/big.bin" "$NG/up/big.bin"
	[ "$M_STATUS" = 0 ] || stalled "nginx PUT"
	put=$M_SEC
	measure ng-fsync sync "$W/ng/www/up/big.bin"
	[ "$M_STATUS" = 0 ] && cmp -s "$W/big.bin" "$W/ng/www/up/big.bin" || stalled "nginx PUT"
	rm -f "$W/ng/www/up/big.bin"
	NG_UPS="${NG_UPS:-} $(rate "$MB" "$put")"
	NG_FS="${NG_FS:-} $(rate "$MB" "$(awk -v a="$put" -v b="$M_SEC" 'BEGIN { print a + b }')")"
}
# the disk's durable floor for the same file (warm): dd with an fsync at the end, and with O_DIRECT
dd_floor() {
	measure dd-fsync dd if="$W/big.bin" of="$W/dd.out" bs=1M conv=fsync
	[ "$M_STATUS" = 0 ] || stalled "dd conv=fsync"
	rm -f "$W/dd.out"
	DD_FS="${DD_FS:-} $(rate "$MB" "$M_SEC")"
	sync
	measure dd-direct dd if="$W/big.bin" of="$W/dd.out" bs=4M oflag=direct conv=fsync
	[ "$M_STATUS" = 0 ] || stalled "dd oflag=direct"
	rm -f "$W/dd.out"
	DD_DI="${DD_DI:-} $(rate "$MB" "$M_SEC")"
}
c_patch() { # PKG
	measure c-up $CURL --cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" \
		-X PATCH -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
		-T "$W/big.bin" "$CENTER_URL/v1/packages/$1/segments/1"
	[ "$M_STATUS" = 0 ] || { cat "$BENCH_TMP/c-up.log"; stalled "the center's upload"; }
	C_UPS="${C_UPS:-} $(rate "$MB" "$M_SEC")"
}
i=1
while read -r id tok; do
	sync
	warm "$W/big.bin"
	if [ $((i % 2)) = 1 ]; then ng_put; sync; c_patch "$id"; else c_patch "$id"; sync; ng_put; fi
	sync
	dd_floor
	center_curl upload -s "/v1/packages/$id" | grep -q '"state":"RECEIVED"' ||
		{ echo "center: the upload did not complete"; exit 1; }
	i=$((i + 1))
done <"$W/up.ids"
# shellcheck disable=SC2086
CU=$(median $C_UPS) NU=$(median $NG_UPS) NF=$(median $NG_FS) DF=$(median $DD_FS) DI=$(median $DD_DI)
report "upload ${MB} MiB (MB/s)" "$CU" MB/s nginx-PUT "$NU" MB/s
report "  durable: vs PUT+fsync" "$CU" MB/s nginx-PUT+fsync "$NF" MB/s
report "  vs the disk's floor" "$CU" MB/s dd-conv=fsync "$DF" MB/s
report "  vs O_DIRECT" "$CU" MB/s dd-oflag=direct "$DI" MB/s
report_solo "  upload samples" "$REPS" runs "center:$C_UPS / nginx-PUT:$NG_UPS / nginx-PUT+fsync:$NG_FS / dd-conv=fsync:$DD_FS / dd-oflag=direct:$DD_DI MB/s (load $(cut -d' ' -f1-3 /proc/loadavg); the center fsyncs before it answers, nginx-PUT does not)"
# What is reachable: an answer that means "durable" cannot come faster than the disk writes durably
awk -v c="$CU" -v n="$NU" -v f="$DF" -v d="$DI" 'BEGIN { t = 0.8 * n; fl = f > d ? f : d
	printf "  0.8x nginx-PUT = %.1f MB/s; the durable floor = %.1f MB/s (dd conv=fsync %.1f, oflag=direct %.1f): %s durably on this disk; the center %.1f MB/s: %s 0.8x nginx-PUT\n",
		t, fl, f, d, (t <= fl ? "reachable" : "not reachable"), c, (c >= t ? "meets" : "misses") }'

# download: the first uploaded package, redeemed (released to dc-a)
read -r P2 TOK2 <"$W/up.ids"
center_redeem_json "$TOK2" | tail -1 | grep -q 200 || stalled "redeeming the download package"
for id in $(sed 1d "$W/up.ids" | cut -d' ' -f1); do rm -rf "${CENTER_DIR:?}/state/blobs/$id"; done
ng_get() {
	measure ng-down $CURL -o /dev/null "$NG/big.bin"
	[ "$M_STATUS" = 0 ] || stalled "nginx GET"
	NG_DOWNS="${NG_DOWNS:-} $(rate "$MB" "$M_SEC")"
}
c_get() {
	measure c-down $CURL --cert "$CENTER_DIR/dca.crt" --key "$CENTER_DIR/dca.key" -o /dev/null \
		"$CENTER_URL/v1/packages/$P2/segments/1"
	[ "$M_STATUS" = 0 ] || stalled "the center's download"
	C_DOWNS="${C_DOWNS:-} $(rate "$MB" "$M_SEC")"
}
i=1
while [ $i -le "$REPS" ]; do
	sync
	warm "$W/ng/www/big.bin"
	warm "$CENTER_DIR/state/blobs/$P2"
	if [ $((i % 2)) = 1 ]; then ng_get; c_get; else c_get; ng_get; fi
	i=$((i + 1))
done
# shellcheck disable=SC2086
report "download ${MB} MiB (MB/s)" "$(median $C_DOWNS)" MB/s nginx-GET "$(median $NG_DOWNS)" MB/s
report_solo "  download samples" "$REPS" runs "center:$C_DOWNS / nginx:$NG_DOWNS MB/s (load $(cut -d' ' -f1-3 /proc/loadavg))"
rm -rf "$W/big.bin" "$W/ng/www/big.bin" "${CENTER_DIR:?}/state/blobs/$P2"

# --- redeems: NRED tiny packages, each with its own token --------------------------------------
printf 'x' >"$W/tiny"
gen_packages "$W/r" "$NRED" "$W/tiny" | cut -d' ' -f2 >"$W/tokens"
post_packages "$W/r" data || stalled "uploading the redeem packages"
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
	      summary.errors.connect + summary.errors.read + summary.errors.write +
	      summary.errors.timeout))
	end
	LUA
} >"$W/redeem.lua"
sync
timeout $((WRK_SECS + 60)) wrk -t 2 -c 100 -d "${WRK_SECS}s" --timeout 5s \
	-H "Authorization: Bearer $BEARER" -s "$W/redeem.lua" "$CENTER_URL" >"$W/wrk.out" 2>&1 ||
	{ cat "$W/wrk.out"; stalled "wrk"; }
released=$(timeout 120 pdigate-center admin --config "$CENTER_DIR/center.ini" ledger |
	grep -c ' RELEASED ' || :)
RPS=$(sed -n 's/^rps //p' "$W/wrk.out")
report_solo "redeems/s (100 conns)" "$RPS" req/s \
	"ledger sync=$SYNC, p50 $(sed -n 's/^p50_ms //p' "$W/wrk.out") ms, p99 $(sed -n 's/^p99_ms //p' "$W/wrk.out") ms, socket errors $(sed -n 's/^errors //p' "$W/wrk.out"), $((released - 1)) of $NRED packages released once, the rest refused as used (audited); load $(cut -d' ' -f1-3 /proc/loadavg); target >= 2000/s, p99 < 50 ms"

# --- memory during a big upload ---------------------------------------------------------------
SEGMB=1792
NSEG=$(( (BIG_GB * 1024 + SEGMB - 1) / SEGMB ))
head -c $((SEGMB << 20)) /dev/zero >"$W/zero.seg"
gen_packages "$W/m3" 1 "$W/zero.seg" "$NSEG" >"$W/m3.ids"
read -r P3 _ <"$W/m3.ids"
post_packages "$W/m3" || stalled "posting the big manifest"
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
			--speed-limit 1048576 --speed-time 30 \
			-H "Upload-Offset: $off" -H 'Content-Type: application/offset+octet-stream' \
			--data-binary @- "/v1/packages/$P3/segments/$i" || stalled "big upload chunk"
		off=$((off + CHUNK))
		r=$(rss)
		[ "$r" -le "$MAXRSS" ] || MAXRSS=$r
	done
	i=$((i + 1))
done
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
center_curl upload -s "/v1/packages/$P3" | grep -q '"state":"RECEIVED"' ||
	{ echo "center: the big upload did not complete"; exit 1; }
report_solo "upload ${BIG_GB} GiB RSS (MB)" "$MAXRSS" MB \
	"center RSS before $RSS0 MB, max $MAXRSS MB over $((NSEG * SEGMB / 64)) chunks of 64 MiB ($(rate $((NSEG * SEGMB)) "$secs") MB/s, curl per chunk)"
