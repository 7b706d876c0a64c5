#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_dcm_read: small files written by our own tools (never the shared corpus).
#   fuzz_dcm_read.seeds.sh SEED_DIR      (pdg-dcmgen and pdg-dcmcat on PATH)
set -eu
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pdg-dcmgen -n 2 -s 8 -j "$tmp"
for ts in 1.2.840.10008.1.2 1.2.840.10008.1.2.1 1.2.840.10008.1.2.2 1.2.840.10008.1.2.5 \
	1.2.840.10008.1.2.4.70 1.2.840.10008.1.2.4.80; do
	pdg-dcmcat -t "$ts" "$tmp/CT00001.dcm" "$dir/ct-$ts.dcm" "$tmp/CT00002.dcm" "$dir/jp-$ts.dcm"
done
# a bare implicit VR little endian dataset (no meta header): the dataset part of one file
pdg-dcmcat -t 1.2.840.10008.1.2 "$tmp/CT00001.dcm" "$tmp/impl.dcm"
size=$(stat -c %s "$tmp/impl.dcm")
meta=$(dcmdump -q +P 0002,0000 "$tmp/impl.dcm" | sed -E 's/.*UL ([0-9]+).*/\1/')
tail -c $((size - 132 - 12 - meta)) "$tmp/impl.dcm" >"$dir/bare-implicit.dcm"
