#!/bin/sh
# SPDX-License-Identifier: MIT
# Token sheet reprint: export keeps the sheet's data (no PHI, the release secret sealed to the
# administrator key) in state/sheets/; `pdigate token reprint` re-renders it with the
# administrator passphrase, its QR code decodes to the package's token; a wrong passphrase or
# unknown package is refused; token reads (well formed or not), sheets written, reprints and
# refusals, and a new signing key are recorded in the audit log, never a secret.
. "$(dirname "$0")/lib.sh"

W=$TEST_ROOT/w
H=$W/home
mkdir -p "$W"
(cd "$W" &&
	echo "administrator passphrase" >pw &&
	echo "not the passphrase at all" >badpw &&
	pdigate init --home "$H" --site S --admin-passphrase-file pw >/dev/null &&
	age-keygen -o dc.key 2>/dev/null &&
	pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
		--home "$H" >/dev/null &&
	pdg-gen --seed 5 --out in --patients 1 --ct-slices 2 --only ct >/dev/null 2>&1 &&
	mkdir m && { pdigate export --home "$H" --project p1 --medium m --sheet sheet.pdf \
		--operator "山田 Op" --show-token in >exp 2>/dev/null || test $? = 3; }) ||
	{ echo "not ok - setup failed"; exit 1; }
PKG=$(sed -n 1p "$W/exp")
TOKEN=$(sed -n 2p "$W/exp")
# the 26 secret characters of the token, without the typing groups' hyphens
SECRET=$(echo "$TOKEN" | tr -d '-' | cut -c20-45)

# the decoded QR codes of a PDF, one per line
qr_of() {
	pdftoppm -r 150 -png "$1" page &&
	for p in page*.png; do zbarimg -q --raw "$p"; done | sort
}

# the last audit record's event id, outcome, and its XML in last.xml
last_event() {
	pdigate audit export --format xml --home "$H" >all.xml &&
	python3 -c '
import xml.etree.ElementTree as E
recs = [m for m in E.parse("all.xml").getroot()
        if m.find("EventIdentification/EventID").get("csd-code") != "110101"]
m = recs[-1]
open("last.xml", "wb").write(E.tostring(m))
e = m.find("EventIdentification")
print(e.find("EventID").get("csd-code"), e.get("EventOutcomeIndicator"))
'
}

test_expect_success 'export keeps the sheet data: no secret in clear, sealed to the admin key' '
	f=$H/state/sheets/$PKG.json &&
	test "$(stat -c %a "$f")" = 600 &&
	! grep -q "$SECRET" "$f" &&
	python3 - "$f" "$PKG" "$(sed -n "s/^recipient *= *//p" "$H/config.ini")" <<-PY
	import base64, json, sys
	d = json.load(open(sys.argv[1]))
	assert d["format"] == "pdigate-sheet-1" and d["package_id"] == sys.argv[2], d
	assert d["site"] == "S" and d["project"] == "p1" and d["operator"] == "山田 Op", d
	assert d["medium_serial"] == "folder" and d["instances"] >= 1, d
	assert len(d["ciphertext_sha256"]) == 64, d
	sealed = base64.b64decode(d["secret_sealed_to_admin"])
	head = sealed.split(b"\n---")[0].decode()
	assert head.startswith("age-encryption.org/v1\n-> X25519 "), head
	assert set(d) == {"format", "package_id", "site", "project", "operator", "export_date",
	                  "created", "studies", "series", "instances", "ciphertext_bytes",
	                  "ciphertext_sha256", "medium_serial", "secret_sealed_to_admin"}, d
	PY
'

test_expect_success 'the export recorded the sheet written (Export to Paper Document)' '
	pdigate audit export --format xml --home "$H" >a.xml &&
	grep -q "110038" a.xml && grep -q "token sheet written" a.xml
'

test_expect_success 'reprint to a file: same token in the QR code, same text' '
	pdigate token reprint "$PKG" --home "$H" --passphrase-file "$W/pw" --sheet r.pdf >out &&
	grep -q "sheet written to r.pdf" out &&
	test "$(stat -c %a r.pdf)" = 600 &&
	qr_of r.pdf >qr && test "$(cat qr)" = "$(echo "$TOKEN" | tr -d "-")" &&
	pdftotext r.pdf txt && pdftotext "$W/sheet.pdf" orig.txt && cmp txt orig.txt &&
	grep -q "Medium serial: folder" txt && grep -q "山田 Op" txt &&
	last_event >ev && test "$(cat ev)" = "110106 0" &&
	grep -q "token sheet reprinted to a file" last.xml && grep -q "token reprint" last.xml
'

test_expect_success 'reprint with a wrong passphrase is refused and recorded' '
	{ pdigate token reprint "$PKG" --home "$H" --passphrase-file "$W/badpw" --sheet r.pdf \
		>out 2>err; code=$?; } &&
	test $code = 1 && grep -q "wrong administrator passphrase" err && ! test -e r.pdf &&
	last_event >ev && test "$(cat ev)" = "110106 8" &&
	grep -q "reprint refused (PDG_E_CRYPTO)" last.xml
'

test_expect_success 'reprint of a package this appliance has no sheet for is refused' '
	{ pdigate token reprint 0123456789ABCDE --home "$H" --passphrase-file "$W/pw" \
		--sheet r.pdf 2>err; code=$?; } &&
	test $code = 1 && grep -q "no stored sheet for package 0123456789ABCDE" err &&
	last_event >ev && test "$(cat ev)" = "110106 8"
'

test_expect_success 'a sealed secret moved to another record does not open' '
	cp -r "$H" h2 &&
	python3 - h2/state/sheets "$PKG" <<-PY
	import json, sys, os
	d = json.load(open(os.path.join(sys.argv[1], sys.argv[2] + ".json")))
	d["package_id"] = "0123456789ABCDE"
	json.dump(d, open(os.path.join(sys.argv[1], "0123456789ABCDE.json"), "w"))
	PY
	{ pdigate token reprint 0123456789ABCDE --home h2 --passphrase-file "$W/pw" \
		--sheet r.pdf 2>err; code=$?; } &&
	test $code = 1 && grep -q "belongs to another package" err
'

test_expect_code 2 'reprint needs exactly one of --printer and --sheet' '
	pdigate token reprint "$PKG" --home "$H" --passphrase-file "$W/pw"
'

test_expect_success 'reprint on a CUPS server that is not there is an error, recorded' '
	{ CUPS_SERVER=$PWD/none.sock pdigate token reprint "$PKG" --home "$H" \
		--passphrase-file "$W/pw" --printer nosuch 2>err; code=$?; } &&
	test $code = 1 && grep -q "sheet not reprinted" err &&
	last_event >ev && test "$(cat ev)" = "110106 8" && grep -q "printer:nosuch" last.xml &&
	test -z "$(ls "$H/state" | grep reprint-)"
'

test_expect_success 'token read records each token: package id, or malformed; never the secret' '
	{ echo "$TOKEN"; echo "PDG1-NOT-A-TOKEN"; } |
		pdigate token read --home "$H" >out || test $? = 1 &&
	grep -q "ok: package $PKG" out &&
	pdigate audit export --format xml --home "$H" >a.xml &&
	python3 - "$PKG" <<-PY
	import xml.etree.ElementTree as E, sys
	reads = [m for m in E.parse("a.xml").getroot()
	         if m.find("EventIdentification/EventTypeCode") is not None and
	            m.find("EventIdentification/EventTypeCode").get("csd-code") == "110132"]
	assert len(reads) == 2, len(reads)
	ids = [r.find("ParticipantObjectIdentification").get("ParticipantObjectID") for r in reads]
	assert ids == [sys.argv[1], "malformed"], ids
	outc = [r.find("EventIdentification").get("EventOutcomeIndicator") for r in reads]
	assert outc == ["0", "4"], outc
	PY
	! grep -q "$SECRET" "$H/state/audit.log" && ! grep -q "$SECRET" a.xml
'

test_expect_success 'a new signing key is recorded' '
	cp -r "$H" h3 && rm h3/keys/appliance.sec h3/keys/appliance.pub &&
	pdigate keys --home h3 --generate >out &&
	fpr=$(sed -n "s/^fingerprint: //p" out) &&
	H=h3 last_event >ev && test "$(cat ev)" = "110113 0" &&
	grep -q "appliance signing key" last.xml &&
	python3 -c "
import base64, sys, xml.etree.ElementTree as E
d = E.parse(\"last.xml\").getroot().find(\"ParticipantObjectIdentification/ParticipantObjectDetail\")
assert base64.b64decode(d.get(\"value\")).decode() == sys.argv[1], d.attrib
" "$fpr"
'

test_expect_success 'the audit chain verifies and its XML validates against the grammar' '
	pdigate audit verify --home "$H" >out && grep -q "chain intact" out &&
	pdigate audit export --format xml --home "$H" >all.xml &&
	xmllint --noout --relaxng "$PDG_TOP/docs/audit-message.rng" all.xml
'

test_done
