#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_pdi_manifest: a PDIGATE.JSN written by pdigate itself.
set -eu
out=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pdg-slices --out "$tmp/in" --count 3 --size 16 --patient SEED --seed 1 >/dev/null
pdigate pdi build --out "$tmp/set" "$tmp/in" >/dev/null
cp "$tmp/set/PDIGATE.JSN" "$out/manifest.json"
