#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_sheetrec: the stored sheet record of a real export (synthetic DICOM from
# pdg-gen; our own output, never the shared corpus).
set -eu
out=$(cd "$1" && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
echo "administrator passphrase" >pw
pdigate init --home h --site S --admin-passphrase-file pw >/dev/null
age-keygen -o dc.key 2>/dev/null
pdigate project add p1 --profile jp-pseudonymized --recipient "$(age-keygen -y dc.key)" \
	--home h >/dev/null
pdg-gen --seed 3 --out in --patients 1 --ct-slices 1 --only ct >/dev/null 2>&1
mkdir m
pdigate export --home h --project p1 --medium m --operator "op" in >/dev/null 2>&1 || test $? = 3
cp h/state/sheets/*.json "$out/"
