#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate export and pdigate-fetch open end to end, checked with the reference tools (age,
# signify-openbsd, unzip, dcmdump, dciodvfy), every failure of open distinct, and the medium
# faults: full, read-only, and kill -9 at random points.
. "$(dirname "$0")/lib.sh"
TTY="python3 $PDG_TOP/tests/cli/age-tty.py"
W=$TEST_ROOT/work
mkdir -p "$W"
H=$W/home

# setup: a home, a data-center key, a project sealed to it, and a few CT images
(cd "$W" &&
	appliance_home &&
	pdigate project add nokey --profile ps315-basic --home "$H" >/dev/null &&
	mkdir in && pdg-dcmgen -n 12 -s 128 -j in >/dev/null) || { echo "not ok - setup failed"; exit 1; }

# export_ok MEDIUM [ARGS]: export the images, keep the package id and the token
export_ok() {
	pdigate export --home "$H" --project p1 --medium "$1" --show-token "$W/in" >"$W/exp.out" &&
	PKG=$(sed -n 1p "$W/exp.out") && TOKEN=$(sed -n 2p "$W/exp.out")
}
# secret_of TOKEN: the 26 secret characters (the inner layer's passphrase)
secret_of() {
	echo "$1" | tr -d - | cut -c20-45
}
open_pkg() { # open_pkg MEDIUM OUT [TOKEN]
	pdigate-fetch open --identity "$W/dc.key" --appliance-key "$H/keys/appliance.pub" \
		--token "${3:-$TOKEN}" --package "$PKG" --out "$2" "$1"
}

test_expect_success 'export writes segments, a signed manifest and README.TXT' '
	mkdir m1 && export_ok m1 &&
	echo "$PKG" | grep -Eq "^[0-9A-Z]{15}$" &&
	echo "$TOKEN" | grep -Eq "^PDG1(-[0-9A-Z]{5}){9}$" &&
	test -s "m1/PDIGATE/$PKG.001" && test -s "m1/PDIGATE/$PKG.MAN" &&
	test -s "m1/PDIGATE/$PKG.SIG" && test -s m1/README.TXT &&
	test -z "$(ls -A m1/PDIGATE | grep -v "^$PKG\.")" &&
	grep -q "PDIGATE" m1/README.TXT && grep -q "暗号" m1/README.TXT &&
	cp -r m1 "$W/m1"
'
test_expect_success 'the token sheet holds the token: zbarimg reads it, fetch opens with it' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --sheet s.pdf \
		--operator "Sato" --show-token "$W/in" >o && PKG=$(sed -n 1p o) &&
	pdftoppm -r 150 -png s.pdf page && zbarimg --raw -q page*.png >qr &&
	test "$(cat qr)" = "$(sed -n 2p o | tr -d -)" &&
	pdftotext s.pdf - | tr -d - | grep -q "$PKG" &&
	open_pkg m out "$(cat qr)" >/dev/null
'
test_expect_success 'the token is printed only with --show-token' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m "$W/in" >out &&
	test "$(wc -l <out)" = 1 && ! grep -q PDG1 out
'
test_expect_success 'the manifest holds exactly the documented fields, no names' '
	python3 - "$W/m1/PDIGATE/"*.MAN <<-PY
	import json, sys
	m = json.load(open(sys.argv[1]))
	want = ["format", "package_id", "appliance_id", "site", "project", "created_at",
	        "medium_serial", "recipients", "release_secret_sha256", "segments", "ciphertext",
	        "counts", "profile", "software"]
	assert list(m) == want, list(m)
	def strings(v):
	    if isinstance(v, str): return [v]
	    items = v.values() if isinstance(v, dict) else v if isinstance(v, list) else []
	    return [s for e in items for s in strings(e)]
	for s in strings(m):
	    assert "^" not in s and "\\x1b" not in s and s.isascii(), s
	PY
'
test_expect_success 'signify-openbsd verifies the manifest; a changed byte fails' '
	P=$(ls "$W/m1/PDIGATE/" | sed -n "s/\.MAN$//p") &&
	signify-openbsd -V -q -p "$H/keys/appliance.pub" -x "$W/m1/PDIGATE/$P.SIG" \
		-m "$W/m1/PDIGATE/$P.MAN" &&
	sed "s/Kita-Hospital/Kita-Hospitak/" "$W/m1/PDIGATE/$P.MAN" >man &&
	! signify-openbsd -V -q -p "$H/keys/appliance.pub" -x "$W/m1/PDIGATE/$P.SIG" -m man
'
test_expect_success 'reference age opens both layers; unzip, pdi verify, DCMTK and dciodvfy accept' '
	mkdir m && export_ok m &&
	age -d -i "$W/dc.key" -o inner.age "m/PDIGATE/$PKG.001" &&
	secret_of "$TOKEN" >pass &&
	$TTY pass age -d -o pkg.zip inner.age >/dev/null 2>&1 &&
	unzip -tq pkg.zip &&
	pdigate pdi verify pkg.zip &&
	mkdir set && (cd set && unzip -q ../pkg.zip) &&
	dcmdump set/DICOMDIR >/dev/null &&
	dciodvfy set/DICOMDIR >dc.out 2>&1; ! grep -q "^Error" dc.out
'
test_expect_success 'the packaged instances equal pdigate deid output for the same inputs' '
	mkdir m && export_ok m &&
	age -d -i "$W/dc.key" -o inner.age "m/PDIGATE/$PKG.001" &&
	secret_of "$TOKEN" >pass && $TTY pass age -d -o pkg.zip inner.age >/dev/null 2>&1 &&
	mkdir set && (cd set && unzip -q ../pkg.zip) &&
	pdigate deid --home "$H" --project p1 --out deid "$W/in" 2>/dev/null &&
	(cd deid && sha256sum E*.dcm | cut -d" " -f1 | sort) >a &&
	(cd set && find DICOM -type f -exec sha256sum {} + | cut -d" " -f1 | sort) >b &&
	test -s a && cmp a b
'
# unseal OUT MEDIUM: the plaintext ZIP of the package exported to MEDIUM (ids in MEDIUM.out)
unseal() {
	P=$(sed -n 1p "$2.out") && T=$(sed -n 2p "$2.out") &&
	cat "$2/PDIGATE/$P".0* | age -d -i "$W/dc.key" -o "$1.age" && secret_of "$T" >"$1.pass" &&
	$TTY "$1.pass" age -d -o "$1" "$1.age" >/dev/null 2>&1
}
test_expect_success 'one worker or four: the same ZIP bytes but the package id' '
	mkdir m1 m4 &&
	pdigate export --home "$H" --project p1 --medium m1 --jobs 1 --show-token "$W/in" >m1.out &&
	pdigate export --home "$H" --project p1 --medium m4 --jobs 4 --show-token "$W/in" >m4.out &&
	unseal one.zip m1 && unseal four.zip m4 &&
	python3 - one.zip four.zip "$(sed -n 1p m1.out)" "$(sed -n 1p m4.out)" <<-"PY"
	import sys, zipfile
	a, b = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
	names = [i.filename for i in a.infolist()]
	assert names == [i.filename for i in b.infolist()], "entry order differs"
	assert names[0].startswith("DICOM/") and names[12] == "DICOMDIR", names
	for n in names:
	    x, y = a.read(n), b.read(n)
	    if n == "PDIGATE.JSN":
	        x = x.replace(sys.argv[3].encode(), b"PKG")
	        y = y.replace(sys.argv[4].encode(), b"PKG")
	    assert x == y, n
	bx, by = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
	assert len(bx) == len(by) and bx.replace(sys.argv[3].encode(), b"") != bx
	PY
'
test_expect_success 'pdigate-fetch open unpacks and lists the studies' '
	mkdir m && export_ok m && open_pkg m out >list &&
	test -f "out/$PKG/DICOMDIR" && pdigate pdi verify "out/$PKG" &&
	grep -q "^patient" list && grep -Eq "CT +[0-9]+ +12$" list &&
	test -z "$(ls -A out | grep -v "^$PKG$")"
'
test_expect_success 'small segments: several of them, and open still works' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --segment-size 65536 \
		--show-token "$W/in" >o && PKG=$(sed -n 1p o) && TOKEN=$(sed -n 2p o) &&
	test "$(ls m/PDIGATE/$PKG.0* | wc -l)" -gt 3 && open_pkg m out >/dev/null
'
# status_is N CMD...: CMD exits with status N
status_is() {
	want=$1
	shift
	rc=0
	"$@" || rc=$?
	[ "$rc" = "$want" ] || { echo "exit status $rc, expected $want"; return 1; }
}
# opened_nothing OUT: no package folder and no stage left behind
opened_nothing() {
	test -z "$(ls -A "$1" 2>/dev/null)"
}
test_expect_success 'a mistyped token: exit 7, nothing left' '
	mkdir m && export_ok m &&
	bad=$(echo "$TOKEN" | sed "s/^\(.\{20\}\)\(.\)/\1$(echo "$TOKEN" | cut -c21 | tr 0-9A-Z 1-9A-Z0)/") &&
	status_is 7 open_pkg m out "$bad" 2>err && grep -Eq "check failed|character" err && opened_nothing out
'
test_expect_success 'another package'"'"'s token: exit 7' '
	mkdir m m2 && export_ok m2 && other=$TOKEN && export_ok m &&
	status_is 7 open_pkg m out "$other" 2>err && grep -q "token is for package" err && opened_nothing out
'
test_expect_success 'a wrong data-center key: exit 6, nothing left' '
	mkdir m && export_ok m && age-keygen -o other.key 2>/dev/null &&
	status_is 6 pdigate-fetch open --identity other.key --appliance-key "$H/keys/appliance.pub" \
		--token "$TOKEN" --out out m 2>err && grep -q "not among the package" err && opened_nothing out
'
test_expect_success 'a flipped byte in a segment: exit 5' '
	mkdir m && export_ok m &&
	flip_byte "m/PDIGATE/$PKG.001" 5000 &&
	status_is 5 open_pkg m out 2>err && grep -q "damaged" err && opened_nothing out
'
test_expect_success 'a missing segment: exit 5' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --segment-size 65536 \
		--show-token "$W/in" >o && PKG=$(sed -n 1p o) && TOKEN=$(sed -n 2p o) &&
	rm "m/PDIGATE/$PKG.002" &&
	status_is 5 open_pkg m out 2>err && grep -q "is missing" err && opened_nothing out
'
test_expect_success 'reordered segments: exit 5, named as out of order' '
	mkdir m && pdigate export --home "$H" --project p1 --medium m --segment-size 65536 \
		--show-token "$W/in" >o && PKG=$(sed -n 1p o) && TOKEN=$(sed -n 2p o) &&
	mv "m/PDIGATE/$PKG.001" x && mv "m/PDIGATE/$PKG.002" "m/PDIGATE/$PKG.001" &&
	mv x "m/PDIGATE/$PKG.002" &&
	status_is 5 open_pkg m out 2>err && grep -q "out of order" err && opened_nothing out
'
test_expect_success 'a changed manifest: exit 4' '
	mkdir m && export_ok m && sed -i "s/Kita-Hospital/Kita-Hospitak/" "m/PDIGATE/$PKG.MAN" &&
	status_is 4 open_pkg m out 2>err && grep -q "signature does not verify" err && opened_nothing out
'
test_expect_success 'a manifest signed by another key: exit 4' '
	mkdir m && export_ok m && signify-openbsd -G -n -p o.pub -s o.sec &&
	signify-openbsd -S -s o.sec -m "m/PDIGATE/$PKG.MAN" -x "m/PDIGATE/$PKG.SIG" &&
	status_is 4 open_pkg m out 2>err &&
	opened_nothing out
'
test_expect_success 'a project without data-center recipients is refused' '
	mkdir m && status_is 1 pdigate export --home "$H" --project nokey --medium m "$W/in" 2>err && grep -q "no data-center recipient" err && test ! -e m/PDIGATE
'

test_expect_success 'nothing to export: a clear error, the medium left as it was' '
	mkdir m notdicom && echo "not an image" >notdicom/note.txt &&
	status_is 1 pdigate export --home "$H" --project p1 --medium m notdicom 2>err &&
	grep -q "nothing to export" err && test -z "$(ls -A m)"
'
if have_corpus; then
test_expect_success 'JPEG with JPEG 2000: refused when the DICOMDIR is built, the medium left as it was' '
	mkdir m jp mixed && pdg-dcmgen -n 1 -s 64 -t 1.2.840.10008.1.2.4.50 jp >/dev/null &&
	cp jp/CT00001.dcm mixed/1.dcm &&
	cp "$CORPUS/orthanc__1.2.840.10008.1.2.4.91.dcm" mixed/2.dcm &&
	status_is 1 pdigate export --home "$H" --project p1 --medium m mixed 2>err &&
	grep -q "no media application profile admits these transfer syntaxes" err &&
	test -z "$(ls -A m)" && test -d "$H/state/export" &&
	test -z "$(ls -A "$H/state/export" | grep -v "^\.lock$")"
'
else
	test_skip 'JPEG with JPEG 2000 refused at the end' 'no corpus'
fi
# medium faults need a small file system of our own: root and tmpfs
if mkdir "$W/probe" && mount -t tmpfs -o size=1m tmpfs "$W/probe" 2>/dev/null; then
umount "$W/probe"
# no_complete_package DIR: every manifest in DIR has all its segments, with their hashes
no_broken_manifest() {
	for man in "$1"/PDIGATE/*.MAN; do
		[ -e "$man" ] || continue
		python3 - "$man" <<'PY' || return 1
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
d = os.path.dirname(sys.argv[1])
for s in m["segments"]:
    p = os.path.join(d, s["name"])
    if not os.path.exists(p) or hashlib.sha256(open(p, "rb").read()).hexdigest() != s["sha256"]:
        sys.exit("manifest %s without its segment %s" % (sys.argv[1], s["name"]))
PY
	done
}
test_expect_success 'a full medium: clear error, nothing that looks complete, retry succeeds' '
	mkdir m && mount -t tmpfs -o size=400k tmpfs m &&
	status_is 1 pdigate export --home "$H" --project p1 --medium m "$W/in" 2>err &&
	grep -q "medium is full" err &&
	test -z "$(ls m/PDIGATE/ | grep MAN)" && no_broken_manifest m &&
	mount -o remount,size=8m m && export_ok m && open_pkg m out >/dev/null &&
	test "$(ls -A m/PDIGATE | wc -l)" = 3 || { umount m; exit 1; }; umount m
'
test_expect_success 'a read-only medium: clear error, retry succeeds once writable' '
	mkdir m && mount -t tmpfs -o size=8m tmpfs m && mount -o remount,ro m &&
	status_is 1 pdigate export --home "$H" --project p1 --medium m "$W/in" 2>err &&
	grep -qi "read-only" err &&
	mount -o remount,rw m && { export_ok m && open_pkg m out >/dev/null || { umount m; exit 1; }; } &&
	umount m
'
test_expect_success 'kill -9 at 20 random points: never a manifest without its segments' '
	mkdir m && i=0 &&
	while [ $i -lt 20 ]; do
		pdigate export --home "$H" --project p1 --medium m "$W/in" >/dev/null 2>&1 &
		pid=$!
		sleep "0.$(shuf -i 0-40 -n 1 | xargs printf %02d)"
		kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		no_broken_manifest m || exit 1
		i=$((i + 1))
	done &&
	export_ok m && open_pkg m out >/dev/null
'
else
	test_skip 'medium faults' 'cannot mount a tmpfs here (not root?)'
fi
test_done
