#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_pdi_unzip: small file set ZIPs written by pdigate itself.
set -eu
out=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pdg-slices --out "$tmp/in" --count 2 --size 16 --patient SEED --seed 1 >/dev/null
pdigate pdi build --out "$tmp/set" "$tmp/in" >/dev/null
pdigate pdi zip "$tmp/set" "$out/set.zip" >/dev/null
cp "$tmp/set/PDIGATE.JSN" "$tmp/PDIGATE.JSN"
(cd "$tmp" && zip -q -X "$out/deflate.zip" PDIGATE.JSN)
