#!/bin/sh
# SPDX-License-Identifier: MIT
# Token sheet end to end: pdg-sheet makes a PDF; poppler renders it and zbarimg reads every QR
# code; pdftotext finds the typed codes and the Japanese labels; `pdigate token read` reads
# scanner lines, PNGs and PDFs, reports package ids and never prints a secret.
. "$(dirname "$0")/lib.sh"

SITE='東京テスト病院 Tokyo Test Hospital'
PROJECT='JP-LUNG-2026'

# make_sheet N: sheet.pdf + tokens (pkgid QR typed per line) + sheet-<page>.png at 300 dpi
make_sheet() {
	pdg-sheet --site "$SITE" --project "$PROJECT" --operator op-17 --date 2026-11-21 \
		--packages "$1" --png sheet -o sheet.pdf >tokens
	test "$(wc -l <tokens)" -eq "$1"
}

# no_secret FILE: no secret (26 characters after the package id) of tokens appears in FILE
no_secret() {
	while read -r id qr typed; do
		secret=$(printf %s "$qr" | cut -c20-45)
		test ${#secret} -eq 26
		if grep -F -q -e "$secret" -e "$qr" -e "$typed" "$1"; then
			echo "secret of $id printed"; return 1
		fi
	done <tokens
}

test_expect_success 'pdigate token --help and token read --help' '
	pdigate token --help | grep -q "usage: pdigate token read" &&
	pdigate token read --help | grep -q -- "--image" &&
	pdigate --help | grep -q "^  token"
'
test_expect_code 2 'pdigate token with no subcommand is a usage error' '
	pdigate token
'
test_expect_code 2 'pdigate token read with both --image and --pdf is a usage error' '
	pdigate token read --image a.png --pdf b.pdf
'

test_expect_success 'a 7-package sheet has 3 pages, mode 0600, and QR codes zbarimg reads' '
	make_sheet 7 &&
	test "$(stat -c %a sheet.pdf)" = 600 &&
	pdfinfo sheet.pdf | grep -Eq "^Pages: +3$" &&
	pdftoppm -r 150 -png sheet.pdf page &&
	test "$(ls page-*.png | wc -l)" -eq 3 &&
	zbarimg --raw -q page-*.png 2>/dev/null | sort >scanned &&
	cut -d" " -f2 tokens | sort >want &&
	test "$(wc -l <scanned)" -eq 7 &&
	cmp want scanned
'

test_expect_success 'the typed codes printed on the sheet decode to the same tokens' '
	make_sheet 4 &&
	pdftotext sheet.pdf sheet.txt &&
	# each code is printed on two lines: PDG1 and 4 groups, then 5 groups
	grep -E -A1 "^PDG1-[0-9A-Z]{5}(-[0-9A-Z]{5}){3}\$" sheet.txt |
		grep -E "^(PDG1-)?[0-9A-Z]{5}(-[0-9A-Z]{5}){3,4}\$" | paste -d- - - >typed &&
	test "$(wc -l <typed)" -eq 4 &&
	cut -d" " -f3 tokens >want &&
	cmp want typed &&
	pdigate token read --json <typed >out.json &&
	python3 -c "
import json, sys
doc = json.load(open(\"out.json\"))
ids = [r[\"package_id\"] for r in doc[\"results\"]]
want = [l.split()[0] for l in open(\"tokens\")]
assert ids == want, (ids, want)
assert doc[\"ok\"] == 4 and doc[\"failed\"] == 0
"
'

test_expect_success 'the sheet shows the Japanese labels, the site and the project' '
	make_sheet 2 &&
	pdftotext sheet.pdf sheet.txt &&
	grep -q "受領者" sheet.txt &&
	grep -q "引渡者" sheet.txt &&
	grep -q "日付" sheet.txt &&
	grep -q "Received by" sheet.txt &&
	grep -qF "$SITE" sheet.txt &&
	grep -qF "$PROJECT" sheet.txt &&
	grep -q "op-17" sheet.txt &&
	grep -Eq "^1 ?/ ?1\$" sheet.txt
'

test_expect_success 'the sheet uses the Noto CJK fonts' '
	make_sheet 1 &&
	pdffonts sheet.pdf >fonts &&
	grep -q "NotoSansCJKjp" fonts &&
	grep -q "NotoSansMonoCJKjp" fonts
'

test_expect_success 'the sheet refuses to overwrite an existing file' '
	echo keep >sheet.pdf &&
	! pdg-sheet --packages 1 -o sheet.pdf >/dev/null 2>err &&
	grep -q "exists" err &&
	test "$(cat sheet.pdf)" = keep
'

test_expect_success 'token read on scanner lines: package ids, and no secret printed' '
	make_sheet 3 &&
	{ cut -d" " -f2 tokens; echo; cut -d" " -f3 tokens | tr A-Z a-z; } >lines &&
	pdigate token read <lines >out 2>err &&
	test "$(grep -c ": ok: package" out)" -eq 6 &&
	for id in $(cut -d" " -f1 tokens); do
		test "$(grep -c "package $id, secret (hidden)" out)" -eq 2 || exit 1
	done &&
	no_secret out && no_secret err
'

test_expect_success 'token read on the 300 dpi PNG and on the PDF reports the right ids' '
	make_sheet 5 &&
	pdigate token read --image sheet-1.png >png.out &&
	cut -d" " -f1 tokens | head -3 >want1 &&
	sed -n "s/.*ok: package \([0-9A-Z]*\), secret (hidden)\$/\1/p" png.out >got1 &&
	cmp want1 got1 &&
	pdigate token read --pdf sheet.pdf --json >pdf.json &&
	python3 -c "
import json
doc = json.load(open(\"pdf.json\"))
ids = [r[\"package_id\"] for r in doc[\"results\"]]
want = [l.split()[0] for l in open(\"tokens\")]
assert ids == want, (ids, want)
assert [r[\"page\"] for r in doc[\"results\"]] == [1, 1, 1, 2, 2]
assert all(r[\"secret\"] == \"(hidden)\" for r in doc[\"results\"])
" &&
	no_secret png.out && no_secret pdf.json
'

test_expect_success 'token read --json: secret_sha256 is SHA-256 of the 16 secret bytes' '
	make_sheet 1 &&
	cut -d" " -f2 tokens | pdigate token read --json >out.json &&
	python3 -c "
import hashlib, json
qr = open(\"tokens\").read().split()[1]
alpha = \"0123456789ABCDEFGHJKMNPQRSTVWXYZ\"
bits = \"\".join(format(alpha.index(c), \"05b\") for c in qr[19:45])
secret = int(bits[:128], 2).to_bytes(16, \"big\")
assert bits[128:] == \"00\"
doc = json.load(open(\"out.json\"))
assert doc[\"results\"][0][\"secret_sha256\"] == hashlib.sha256(secret).hexdigest()
"
'

test_expect_success 'token read reports each kind of malformed token and exits 1' '
	make_sheet 1 &&
	qr=$(cut -d" " -f2 tokens) &&
	swapped=$(python3 -c "import sys
q = sys.argv[1]
i = next(i for i in range(30, 48) if q[i] != q[i + 1])
print(q[:i] + q[i + 1] + q[i] + q[i + 2:])" "$qr") &&
	test "$swapped" != "$qr" &&
	{
		echo "https://example.org/"
		echo "PDG2${qr#PDG1}"
		echo "${qr%?}"
		echo "${qr%?}U"
		echo "$swapped"
		echo "$qr"
	} >lines &&
	rc=0 &&
	pdigate token read --json <lines >out.json || rc=$? &&
	test "$rc" -eq 1 &&
	python3 -c "
import json
doc = json.load(open(\"out.json\"))
got = [r.get(\"error\", r[\"status\"]) for r in doc[\"results\"]]
assert got == [\"prefix\", \"version\", \"length\", \"character\", \"check\", \"ok\"], got
assert doc[\"ok\"] == 1 and doc[\"failed\"] == 5
" &&
	no_secret out.json
'

test_expect_code 1 'token read on an image without a QR code fails' '
	make_sheet 1 &&
	python3 -c "
import zlib, struct
def chunk(t, d): return struct.pack(\">I\", len(d)) + t + d + struct.pack(\">I\", zlib.crc32(t + d))
raw = b\"\".join(b\"\\0\" + b\"\\xff\" * 64 for _ in range(64))
open(\"blank.png\", \"wb\").write(b\"\\x89PNG\\r\\n\\x1a\\n\" + chunk(b\"IHDR\", struct.pack(\">IIBBBBB\", 64, 64, 8, 0, 0, 0, 0)) + chunk(b\"IDAT\", zlib.compress(raw)) + chunk(b\"IEND\", b\"\"))
" &&
	pdigate token read --image blank.png
'
test_done
