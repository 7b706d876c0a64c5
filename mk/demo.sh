#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the longest chain that works today, on generated studies, each step in one plain
# sentence: appliance set-up → the PACS sends the studies (DICOM, loopback) → de-identification → sealed package on a "USB stick" folder with
# its token sheet → the data center scans the sheet's QR code and opens the package → the
# upload station sends the stick to a service center on loopback → the desk scans the sheet →
# the data center syncs the released package into a research folder.
set -eu
build=${1:-build}
top=$(pwd)
export PATH="$top/$build:$top/$build/tools:$PATH"
demo=$(mktemp -d "${TMPDIR:-/tmp}/pdigate-demo.XXXXXX")
cd "$demo"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

step "1. Set up the appliance: a home folder with its signing key and the administrator's key"
printf 'demo administrator passphrase\n' >admin.pass
run pdigate init --home "$demo/appliance" --site "Kita-Hospital" --admin-passphrase-file admin.pass
run pdigate keys --home "$demo/appliance"

step "2. The research data center makes its key pair and gives the hospital its public key"
age-keygen -o datacenter.key 2>/dev/null
echo "data-center public key: $(age-keygen -y datacenter.key)"

step "3. Add a research project that pseudonymises by the MHLW 2024 guideline"
run pdigate project add lung-ct --profile jp-pseudonymized \
	--recipient "$(age-keygen -y datacenter.key)" --home "$demo/appliance"

step "4. Make synthetic studies with planted names, IDs and dates (no real patient data)"
mkdir studies
if command -v pdg-gen >/dev/null 2>&1; then
	run pdg-gen --seed 7 --out studies --patients 3 --ct-slices 24 --mr-slices 8 >/dev/null
else
	run pdg-dcmgen -n 24 -j studies >/dev/null
fi
echo "$(find studies -type f | wc -l) files, $(du -sh studies | cut -f1)"

step "5. The PACS sends them to the appliance over DICOM (storescu -> pdigate receive, loopback)"
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
printf '\n[receive]\nlisten = 127.0.0.1\nae_title = PDIGATE\nallowed_callers = PACS\n' \
	>>"$demo/appliance/config.ini"
pdigate receive --home "$demo/appliance" --port "$port" 2>receive.log &
rx=$!
trap 'kill $rx 2>/dev/null || :' EXIT
i=0
until echoscu -aet PACS -aec PDIGATE 127.0.0.1 "$port" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 40 ] || { cat receive.log; exit 1; }
	sleep 0.25
done
run storescu -aet PACS -aec PDIGATE +sd +r 127.0.0.1 "$port" studies
kill -TERM "$rx" && wait "$rx" || :
trap - EXIT
sed 's/^/  /' receive.log
echo "each instance was flushed to disk before the PACS heard 'stored'; what arrived:"
run pdigate studies --home "$demo/appliance"

step "6. De-identify them (every file ends de-identified or quarantined with a reason)"
set +e
run pdigate deid --home "$demo/appliance" --project lung-ct --out deid studies
echo "(exit status $?: 0 = all de-identified, 3 = some kept back for review)"
set -e

step "7. Export the received studies: de-identify, build the IHE PDI file set, seal it twice, write it to the stick"
mkdir usb-stick
set +e
# the operator picks studies from the list above; here: all of them, by Study Instance UID
set -- $(pdigate studies --home "$demo/appliance" --json |
	python3 -c 'import json, sys; print(" ".join("--study " + s["study_uid"] for s in json.load(sys.stdin)["studies"]))')
run pdigate export --home "$demo/appliance" --project lung-ct --medium usb-stick \
	--sheet token-sheet.pdf --operator "Demo Operator" "$@" >package.id
status=$?
set -e
[ "$status" -le 3 ] || exit "$status"
pkg=$(cat package.id)
echo "package $pkg is on the stick; only ciphertext, a signed manifest and a README:"
ls -l usb-stick usb-stick/PDIGATE

step "8. The token sheet (print it and send it separately from the stick)"
pdftotext token-sheet.pdf - | sed -n '1,12p'

step "9. Anyone can check the appliance signature with the stock signify tool"
run signify-openbsd -V -p "$demo/appliance/keys/appliance.pub" -x "usb-stick/PDIGATE/$pkg.SIG" \
	-m "usb-stick/PDIGATE/$pkg.MAN"

step "10. The data center scans the sheet's QR code (here: zbarimg on the rendered PDF)"
pdftoppm -r 150 -png token-sheet.pdf sheet
(umask 077 && zbarimg --raw -q sheet*.png 2>/dev/null | head -1 >scanned.token)
echo "scanned a token for package $(cut -c5-19 scanned.token) (its secret is not shown)"

step "11. The data center opens the package with its key and the scanned token"
run pdigate-fetch open --identity datacenter.key \
	--appliance-key "$demo/appliance/keys/appliance.pub" \
	--token-file scanned.token --out received usb-stick
run pdigate pdi verify "received/$pkg"

if ! command -v pdigate-center >/dev/null 2>&1; then
	step "Done"
	echo "Everything is in $demo (remove it when done)."
	echo "pdigate-center is not built: the upload and release steps are left out."
	exit 0
fi

step "12. The service center starts (here on this machine, loopback only), with its own CA"
echo "Upload stations, the scan desk and data centers prove who they are with certificates."
. "$top/tests/cli/center-lib.sh"
center_pki "$demo/center" >/dev/null
center_config
center_register "$demo/appliance" lung-ct "$(age-keygen -y datacenter.key)"
mkdir appliance-keys
cp "$demo/appliance/keys/appliance.pub" \
	"appliance-keys/$(sed -n 's/^id *= *//p' "$demo/appliance/config.ini" | head -1).pub"
center_start "$demo/center/center.log"
trap 'center_stop >/dev/null 2>&1 || :' EXIT
echo "the service center answers at $CENTER_URL; it registered the appliance's public key,"
echo "one upload station, the data center (with its public key) and one desk clerk"

step "13. The upload station checks the stick offline, uploads it and wipes it after the receipt"
run pdigate-upload --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
	--cert "$CENTER_DIR/upload.crt" --key "$CENTER_DIR/upload.key" --keys appliance-keys \
	--quiet --wipe usb-stick
echo "the line above is the receipt: the center stored exactly the stick's ciphertext"
echo "(only ciphertext: the center has no key that opens it); the stick is now empty:"
ls usb-stick/PDIGATE

step "14. The token sheet arrives at the service center's desk; the clerk scans its QR code"
run pdigate-center redeem --url "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
	--cert "$CENTER_DIR/staff.crt" --key "$CENTER_DIR/staff.key" <scanned.token
echo "now, and only now, the data center may download the package"

step "15. The data center syncs: download, verify, open, re-check for PHI, import, acknowledge"
run pdigate-fetch sync --center "$CENTER_URL" --cacert "$CENTER_DIR/ca.crt" \
	--cert "$CENTER_DIR/dca.crt" --key "$CENTER_DIR/dca.key" --identity datacenter.key \
	--keys appliance-keys --to "folder:$demo/research" --work "$demo/fetch-work"

step "16. The research folder: project / pseudonym / study / series / instance"
find research -type d | sed -n '1,8p'
echo "$(find research -name "*.dcm" | wc -l) instances imported; the second level is the pseudonymised Patient ID"

step "Done"
echo "Everything is in $demo (remove it when done)."
echo "Shown: receiving from a PACS (step 5), pixel cleaning of burned-in text (steps 6-7, 'pixels"
echo "cleaned by rule'), the whole chain to the research folder. Not in this demo: printing on"
echo "a real printer and USB sticks (see docs/operator-guide-appliance.md), Orthanc (make check)."
