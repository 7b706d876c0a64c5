#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate-center: the security list of issue 5 acceptance 2, with curl as the client: client
# certificates, one data center cannot see another's packages, one-time redeem, rate limits on
# wrong tokens, forged signatures and damaged segments rejected, path traversal and oversized
# requests refused, and no plaintext of the studies anywhere in the center's files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/center-lib.sh"
W=$TEST_ROOT/work
center_fixture "$W" '[limits]' 'chunk_max = 65536' 'redeem_rate = 50' 'redeem_burst = 50' \
	'package_failures = 5' || { echo "not ok - setup failed"; exit 1; }
center_start || { echo "not ok - the center does not start"; exit 1; }
trap 'center_stop >/dev/null 2>&1; rm -rf "$TEST_ROOT"' EXIT
center_export "$W/m1" && PKG1=$PKG TOKEN1=$TOKEN &&
center_export "$W/m2" && PKG2=$PKG TOKEN2=$TOKEN &&
center_export "$W/mb" p1-b && PKGB=$PKG TOKENB=$TOKEN || { echo "not ok - export failed"; exit 1; }

code() { # code WHO ARGS...: the HTTP status only
	center_curl "$@" -o "$TEST_DIR/body" -w '%{http_code}'
}

test_expect_success 'no client certificate: refused before anything is read' '
	test "$(code none /v1/released)" = 401 && grep -q certificate_required body &&
	test "$(code none -X POST -d x /v1/packages)" = 401 &&
	test "$(code none -X PATCH /v1/packages/$PKG1/segments/1)" = 401 &&
	test "$(code none /v1/health)" = 200
'
test_expect_success 'a certificate from another CA is refused' '
	test "$(code foreign /v1/released)" = 401 && grep -q certificate_untrusted body
'
test_expect_success 'a certificate of the right CA that is not registered is refused' '
	P=$CENTER_DIR &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $P/stranger.key &&
	openssl req -new -key $P/stranger.key -subj /CN=stranger -out s.csr 2>/dev/null &&
	openssl x509 -req -in s.csr -CA $P/ca.crt -CAkey $P/ca.key -CAcreateserial -days 2 \
		-out $P/stranger.crt 2>/dev/null &&
	test "$(code stranger /v1/released)" = 401 && grep -q certificate_unknown body
'
test_expect_success 'TLS 1.1 and below are refused' '
	! curl -s --cacert $CENTER_DIR/ca.crt --tls-max 1.1 $CENTER_URL/v1/health
'
test_expect_success 'a forged signature is rejected' '
	cp -r $W/m1 fm &&
	# one base64 character of the signature changed (to another one: never to itself)
	c=$(dd if=fm/PDIGATE/$PKG1.SIG bs=1 skip=80 count=1 2>/dev/null) &&
	if test "$c" = A; then r=B; else r=A; fi &&
	printf $r | dd of=fm/PDIGATE/$PKG1.SIG bs=1 seek=80 conv=notrunc 2>/dev/null &&
	! cmp -s fm/PDIGATE/$PKG1.SIG $W/m1/PDIGATE/$PKG1.SIG &&
	m=$(base64 -w0 fm/PDIGATE/$PKG1.MAN) && s=$(base64 -w0 fm/PDIGATE/$PKG1.SIG) &&
	printf "{\"manifest\":\"%s\",\"signature\":\"%s\"}" "$m" "$s" >req &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @req /v1/packages)" = 422 &&
	grep -q signature_invalid body
'
test_expect_success 'a manifest changed after signing is rejected' '
	cp -r $W/m1 cm && sed -i "s/\"medium_serial\": \"folder\"/\"medium_serial\": \"fold3r\"/" \
		cm/PDIGATE/$PKG1.MAN && ! cmp -s cm/PDIGATE/$PKG1.MAN $W/m1/PDIGATE/$PKG1.MAN &&
	m=$(base64 -w0 cm/PDIGATE/$PKG1.MAN) && s=$(base64 -w0 cm/PDIGATE/$PKG1.SIG) &&
	printf "{\"manifest\":\"%s\",\"signature\":\"%s\"}" "$m" "$s" >req &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @req /v1/packages)" = 422 &&
	grep -q signature_invalid body
'
test_expect_success 'a package signed by another appliance key is rejected' '
	cp -r $W/m1 om && signify-openbsd -G -n -p o.pub -s o.sec 2>/dev/null &&
	signify-openbsd -S -s o.sec -m om/PDIGATE/$PKG1.MAN -x om/PDIGATE/$PKG1.SIG &&
	m=$(base64 -w0 om/PDIGATE/$PKG1.MAN) && s=$(base64 -w0 om/PDIGATE/$PKG1.SIG) &&
	printf "{\"manifest\":\"%s\",\"signature\":\"%s\"}" "$m" "$s" >req &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @req /v1/packages)" = 422 &&
	grep -q signature_invalid body
'
test_expect_success 'data centers cannot start uploads; redeem is for staff only' '
	m=$(base64 -w0 $W/m1/PDIGATE/$PKG1.MAN) && s=$(base64 -w0 $W/m1/PDIGATE/$PKG1.SIG) &&
	printf "{\"manifest\":\"%s\",\"signature\":\"%s\"}" "$m" "$s" >req &&
	test "$(code dca -H "Content-Type: application/json" --data-binary @req /v1/packages)" = 403 &&
	printf "{\"token\":\"%s\"}" "$TOKEN1" >tok &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @tok /v1/redeem)" = 403 &&
	test "$(code dca -H "Content-Type: application/json" --data-binary @tok /v1/redeem)" = 403
'
test_expect_success 'a damaged segment is rejected and must be sent again' '
	m=$(base64 -w0 $W/m2/PDIGATE/$PKG2.MAN) && s=$(base64 -w0 $W/m2/PDIGATE/$PKG2.SIG) &&
	printf "{\"manifest\":\"%s\",\"signature\":\"%s\"}" "$m" "$s" >req &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @req /v1/packages)" = 201 &&
	cp $W/m2/PDIGATE/$PKG2.001 bad && size=$(stat -c %s bad) &&
	flip_byte bad $((size / 2)) &&
	off=0 && while test $off -lt $size; do
		n=$((size - off)); test $n -le 65536 || n=65536
		tail -c +$((off + 1)) bad | head -c $n >chunk
		st=$(code upload -X PATCH -H "Upload-Offset: $off" \
			-H "Content-Type: application/offset+octet-stream" --data-binary @chunk \
			/v1/packages/$PKG2/segments/1)
		off=$((off + n))
	done &&
	test "$st" = 422 && grep -q segment_mismatch body &&
	center_curl upload -I /v1/packages/$PKG2/segments/1 | tr -d "\\r" | grep -qi "^upload-offset: 0$" &&
	test "$(code staff -H "Content-Type: application/json" -d "{\"token\":\"$TOKEN2\"}" /v1/redeem)" = 409 &&
	grep -q not_releasable body && grep -q UPLOADING body
'
# put_segment PKG N FILE: PATCH FILE as segment N in 64 KiB chunks; the last status in $st
put_segment() {
	_size=$(stat -c %s "$3") _off=0
	while test $_off -lt $_size; do
		_n=$((_size - _off)); test $_n -le 65536 || _n=65536
		tail -c +$((_off + 1)) "$3" | head -c $_n >chunk
		st=$(code upload -X PATCH -H "Upload-Offset: $_off" \
			-H "Content-Type: application/offset+octet-stream" --data-binary @chunk \
			"/v1/packages/$1/segments/$2")
		_off=$((_off + _n))
	done
}
# break_whole MAN: change the manifest's whole-ciphertext SHA-256 (its segments stay right)
break_whole() {
	python3 - "$1" <<-'PY'
	import json, sys
	m = json.load(open(sys.argv[1]))
	h = m["ciphertext"]["sha256"]
	m["ciphertext"]["sha256"] = ("1" if h[0] == "0" else "0") + h[1:]
	open(sys.argv[1], "w").write(json.dumps(m, indent=2) + "\n")
	PY
}
test_expect_success 'every segment matches but the whole ciphertext does not: rejected at the last segment (REVOKED, audited)' '
	center_export $W/mx && PX=$PKG && TX=$TOKEN && center_split $W/mx $PX 2 &&
	break_whole $W/mx/PDIGATE/$PX.MAN &&
	signify-openbsd -S -s $APPLIANCE_HOME/keys/appliance.sec -m $W/mx/PDIGATE/$PX.MAN \
		-x $W/mx/PDIGATE/$PX.SIG &&
	m=$(base64 -w0 $W/mx/PDIGATE/$PX.MAN) && s=$(base64 -w0 $W/mx/PDIGATE/$PX.SIG) &&
	printf "{\"manifest\":\"%s\",\"signature\":\"%s\"}" "$m" "$s" >req &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @req /v1/packages)" = 201 &&
	put_segment $PX 1 $W/mx/PDIGATE/$PX.001 && test "$st" = 204 &&
	center_admin ledger | grep "^$PX " | grep -q UPLOADING &&
	put_segment $PX 2 $W/mx/PDIGATE/$PX.002 && test "$st" = 422 &&
	grep -q ciphertext_mismatch body && grep -q REVOKED body &&
	center_admin ledger | grep "^$PX " | grep -q REVOKED &&
	center_curl staff "/v1/admin/audit?package=$PX" >audit &&
	grep -q "\"to\":\"REVOKED\"" audit && grep -q "\"principal\":\"center\"" audit &&
	center_admin audit --package $PX | grep REVOKED | grep -q "rejected: every segment matches" &&
	test "$(code staff -H "Content-Type: application/json" -d "{\"token\":\"$TX\"}" /v1/redeem)" = 409 &&
	grep -q not_releasable body && grep -q REVOKED body
'
test_expect_success 'a chunk over the limit and a manifest over 64 KiB are refused (413)' '
	head -c 70000 /dev/zero >big &&
	test "$(code upload -X PATCH -H "Upload-Offset: 0" \
		-H "Content-Type: application/offset+octet-stream" --data-binary @big \
		/v1/packages/$PKG2/segments/1)" = 413 &&
	python3 -c "import base64; print(\"{\\\"manifest\\\":\\\"%s\\\",\\\"signature\\\":\\\"eA==\\\"}\" % base64.b64encode(b\"x\" * 70000).decode())" >huge &&
	test "$(code upload -H "Content-Type: application/json" --data-binary @huge /v1/packages)" = 413 &&
	for i in $(seq 1 40); do printf "X-Big-$i: "; head -c 16000 /dev/zero | tr "\\0" a; echo; done >hdr &&
	{ st=$(code staff -H @hdr /v1/admin/packages) || :; } &&
	{ test "$st" = 000 || test "$st" -ge 400; } &&
	test "$(code none /v1/health)" = 200
'
test_expect_success 'path traversal and malformed ids are refused, nothing outside the store is read' '
	test "$(code dca --path-as-is /v1/packages/../../../etc/passwd)" = 400 &&
	st=$(code dca "/v1/packages/..%2F..%2Fetc%2Fpasswd/segments/1") &&
	test "$st" = 400 -o "$st" = 404 && grep -q "\"error\"" body && ! grep -q root: body &&
	test "$(code dca /v1/packages/$(echo $PKG1 | tr A-Z a-z)/segments/1)" = 400 &&
	test "$(code dca /v1/packages/$PKG1/segments/0)" = 400 &&
	test "$(code dca /v1/packages/$PKG1/segments/01)" = 400 &&
	test "$(code dca /v1/packages/$PKG1/segments/1000)" = 400 &&
	test "$(code dca --path-as-is /v1/packages/$PKG1/segments/1/../../manifest)" -ge 400
'
test_expect_success 'upload, then redeem: released to the project data center only' '
	center_upload upload $W/m1 $PKG1 && center_upload upload $W/mb $PKGB &&
	center_redeem_json "$TOKEN1" >out && test "$(tail -1 out)" = 200 &&
	grep -q "\"data_center\":\"dc-a\"" out &&
	center_redeem_json "$TOKENB" >out && test "$(tail -1 out)" = 200 &&
	grep -q "\"data_center\":\"dc-b\"" out
'
test_expect_success 'a redeemed token redeemed again is refused' '
	center_redeem_json "$TOKEN1" >out && test "$(tail -1 out)" = 409 &&
	grep -q already_released out
'
test_expect_success 'data center B cannot list, read or acknowledge A'"'"'s package' '
	center_curl dcb /v1/released >l && grep -q $PKGB l && ! grep -q $PKG1 l &&
	center_curl dca /v1/released >l && grep -q $PKG1 l && ! grep -q $PKGB l &&
	for p in "" /manifest /signature /secret /segments/1; do
		test "$(code dcb /v1/packages/$PKG1$p)" = 404 || exit 1
	done &&
	test "$(code dcb -X POST /v1/packages/$PKG1/ack)" = 404 &&
	test "$(code dcb -X POST /v1/packages/$PKG1/downloaded)" = 404 &&
	test "$(code upload2 /v1/packages/$PKG1)" = 404 &&
	test "$(code dca /v1/packages/$PKG1/segments/1)" = 200 &&
	cmp body $W/m1/PDIGATE/$PKG1.001
'
test_expect_success 'the sealed token opens with data center A'"'"'s key only' '
	center_curl dca -o sec /v1/packages/$PKG1/secret &&
	age -d -i $W/dca.key sec >t && test "$(cat t)" = "$(echo $TOKEN1 | tr -d -)" &&
	! age -d -i $W/dcb.key sec 2>/dev/null
'
test_expect_success 'range downloads' '
	size=$(stat -c %s $W/m1/PDIGATE/$PKG1.001) &&
	test "$(code dca -r 100-199 /v1/packages/$PKG1/segments/1)" = 206 &&
	test "$(stat -c %s body)" = 100 &&
	tail -c +101 $W/m1/PDIGATE/$PKG1.001 | head -c 100 | cmp - body &&
	test "$(code dca -r $((size - 10))- /v1/packages/$PKG1/segments/1)" = 206 &&
	tail -c 10 $W/m1/PDIGATE/$PKG1.001 | cmp - body &&
	test "$(code dca -r $size- /v1/packages/$PKG1/segments/1)" = 416
'
test_expect_success '1,000 wrong tokens: rate limited, every attempt audited, nothing released' '
	center_export $W/m3 && center_upload upload $W/m3 $PKG && P3=$PKG &&
	before=$(center_admin audit | grep -c " redeem ") &&
	for i in $(seq 1 1000); do
		pdg-token encode $P3 $(od -An -N16 -tx1 /dev/urandom | tr -d " \\n") | sed -n 1p
	done >wrong && test "$(sort -u wrong | wc -l)" = 1000 &&
	python3 - "$CENTER_DIR" "$CENTER_PORT" wrong >codes <<-PY &&
	import http.client, json, ssl, sys
	d, port, f = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	ctx = ssl.create_default_context(cafile=d + "/ca.crt")
	ctx.load_cert_chain(d + "/staff.crt", d + "/staff.key")
	c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
	for t in open(f).read().split():
	    c.request("POST", "/v1/redeem", json.dumps({"token": t}), {"Content-Type": "application/json"})
	    r = c.getresponse(); r.read(); print(r.status)
	PY
	test "$(wc -l <codes)" = 1000 && ! grep -q "^200$" codes &&
	test "$(grep -c "^429$" codes)" -ge 990 && test "$(grep -c "^403$" codes)" -le 10 &&
	after=$(center_admin audit | grep -c " redeem ") &&
	test $((after - before)) = 1000 &&
	center_admin audit | grep " redeem " | grep -q rate-limited &&
	center_admin ledger | grep "^$P3 " | grep -q RECEIVED &&
	center_curl dca /v1/released | grep -vq $P3
'
test_expect_success 'the right token is also held back while its package is under attack' '
	P3=$(sed -n 1p $W/m3.out) &&
	center_redeem_json "$(sed -n 2p $W/m3.out)" >out && test "$(tail -1 out)" = 429 &&
	center_admin ledger | grep "^$P3 " | grep -q RECEIVED
'
test_expect_success 'no plaintext of the studies and no secret anywhere in the center'"'"'s files' '
	for f in $W/in/*.dcm; do
		dcmdump +P 0010,0010 +P 0010,0020 +P 0010,0030 +P 0020,000d +P 0020,000e \
			+P 0008,0018 "$f"
	done | sed -n "s/.*\\[\\(.*\\)\\].*/\\1/p" | sort -u >planted &&
	echo Yamada >>planted && echo Synthetic >>planted && echo SYN0001 >>planted &&
	test "$(wc -l <planted)" -ge 10 &&
	for t in "$TOKEN1" "$TOKEN2" "$TOKENB"; do echo $t | tr -d - | cut -c20-45; done >>planted &&
	if test -n "${PDG_CENTER_LEDGER:-}"; then
		${PDG_PG_DUMP:-pg_dump} -d "$PDG_CENTER_LEDGER" >dump.sql
	else
		sqlite3 $CENTER_DIR/state/ledger.db .dump >dump.sql
	fi &&
	grep -q "$PKG1" dump.sql &&
	! grep -r -a -F -f planted $CENTER_DIR/state dump.sql
'
test_expect_success 'the ledger is consistent; the center stops cleanly on SIGTERM' '
	center_admin check &&
	{ center_stop || { grep -v "^ *$" $CENTER_DIR/center.log | tail -40; false; }; } &&
	! grep -i "sanitizer\\|runtime error" $CENTER_DIR/center.log
'
test_done
