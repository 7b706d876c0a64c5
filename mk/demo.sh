#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the longest chain that works today, on generated studies, each step in one plain
# sentence: appliance set-up → de-identification → sealed package on a "USB stick" folder with
# its token sheet → the data center scans the sheet's QR code and opens the package.
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

step "5. De-identify them (every file ends de-identified or quarantined with a reason)"
set +e
run pdigate deid --home "$demo/appliance" --project lung-ct --out deid studies
echo "(exit status $?: 0 = all de-identified, 3 = some kept back for review)"
set -e

step "6. Export: de-identify, build the IHE PDI file set, seal it twice, write it to the stick"
mkdir usb-stick
set +e
run pdigate export --home "$demo/appliance" --project lung-ct --medium usb-stick \
	--sheet token-sheet.pdf --operator "Demo Operator" studies >package.id
status=$?
set -e
[ "$status" -le 3 ] || exit "$status"
pkg=$(cat package.id)
echo "package $pkg is on the stick; only ciphertext, a signed manifest and a README:"
ls -l usb-stick usb-stick/PDIGATE

step "7. The token sheet (print it and send it separately from the stick)"
pdftotext token-sheet.pdf - | sed -n '1,12p'

step "8. Anyone can check the appliance signature with the stock signify tool"
run signify-openbsd -V -p "$demo/appliance/keys/appliance.pub" -x "usb-stick/PDIGATE/$pkg.SIG" \
	-m "usb-stick/PDIGATE/$pkg.MAN"

step "9. The data center scans the sheet's QR code (here: zbarimg on the rendered PDF)"
pdftoppm -r 150 -png token-sheet.pdf sheet
(umask 077 && zbarimg --raw -q sheet*.png 2>/dev/null | head -1 >scanned.token)
echo "scanned a token for package $(cut -c5-19 scanned.token) (its secret is not shown)"

step "10. The data center opens the package with its key and the scanned token"
run pdigate-fetch open --identity datacenter.key \
	--appliance-key "$demo/appliance/keys/appliance.pub" \
	--token-file scanned.token --out received usb-stick
run pdigate pdi verify "received/$pkg"

step "Done"
echo "Everything is in $demo (remove it when done)."
echo "Not in this demo yet: the upload station and service center (release on scan),"
echo "receiving from a PACS, and pixel cleaning; see README.md."
