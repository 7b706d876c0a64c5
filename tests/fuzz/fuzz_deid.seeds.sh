#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_deid: small files from our own generator (never the shared corpus), with the
# structures the engine treats specially: nested and scrubbed sequences, private blocks,
# overlays, dates and times, and the attributes classification looks at.
#   fuzz_deid.seeds.sh SEED_DIR      (pdg-dcmgen and dcmodify on PATH)
set -eu
dir=$1
pdg-dcmgen -n 2 -s 8 -j "$dir"
cp "$dir/CT00001.dcm" "$dir/struct.dcm"
dcmodify -q -nb -i "(0070,0001)[0].(0070,0008)[0].(0070,0006)=TEXT" \
	-i "(0008,1111)[0].(0008,1155)=1.2.3.4" -i "(0008,1140)[0].(0008,1155)=1.2.3.5" \
	-i "(0040,A730)[0].(0040,A160)=FREE TEXT" -i "(0010,1010)=093Y" \
	-i "(0008,002A)=20240229235959.123456+0900" -i "(0018,1202)=2024\\20240101" \
	-i "(6000,0022)=OVERLAY" -i "(0029,0010)=CREATOR" "$dir/struct.dcm"
cp "$dir/CT00001.dcm" "$dir/us.dcm"
dcmodify -q -nb -m "(0008,0060)=US" -i "(0028,0301)=NO" "$dir/us.dcm"
cp "$dir/CT00001.dcm" "$dir/sr.dcm"
dcmodify -q -nb -m "(0008,0016)=1.2.840.10008.5.1.4.1.1.88.22" "$dir/sr.dcm"
