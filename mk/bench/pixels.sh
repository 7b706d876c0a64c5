#!/bin/sh
# SPDX-License-Identifier: MIT
# Pixel cleaning benchmark (issue 7, acceptance 6), run by mk/bench.sh. Two inputs:
#  - a 100-frame RGB ultrasound cine, 640x480, JPEG baseline (pdg-burn + dcmcjpeg +eb);
#  - a native 100-slice CT series, 512x512 16-bit (pdg-dcmgen), with a project rule that masks
#    the top 10% of every CT slice (CT is no burned-in text candidate by default).
# `pdigate deid --jobs 1` (decode, mask, re-encode losslessly or write native, header
# de-identification) beside DCMTK's `dcmdjpeg` + `dcmcjpeg` (default: lossless SV1) decode/
# encode round trip of the same files, one file after another, and beside `pdigate deid` of the
# same files without any pixel rule (header work only). Frames/s; ratio = pdigate / peer.
set -eu
. "$PDG_TOP/mk/bench-lib.sh"

b=$BENCH_TMP/pixels
mkdir -p "$b/us" "$b/ct" "$b/rt-us" "$b/rt-ct"
pdg-burn -n 100 -u 1 "$b/us-native.dcm"
dcmcjpeg +eb "$b/us-native.dcm" "$b/us/cine.dcm"
rm -f "$b/us-native.dcm"
pdg-dcmgen -n 100 -s 512 "$b/ct"
echo "100-frame US cine 640x480 RGB JPEG baseline ($(mb_of "$b/us") MB), 100 CT slices 512x512 native ($(mb_of "$b/ct") MB), --jobs 1"
warm "$b/us"
warm "$b/ct"

h=$b/home
echo "benchmark administrator passphrase" >"$b/admin.pass"
pdigate init --home "$h" --site bench --admin-passphrase-file "$b/admin.pass" >/dev/null
pdigate project add px --profile ps315-basic --home "$h" >/dev/null
pdigate project add hdr --profile ps315-basic --home "$h" >/dev/null
printf '[rule bench-ct]\nmodality = CT\nmask = 0,0,*,10%%\n' >"$h/projects/px.pixel-rules"
printf 'use-defaults = no\n' >"$h/projects/hdr.pixel-rules"

# roundtrip DIR OUT: dcmdjpeg then dcmcjpeg of every file (a script: `measure` execs it)
printf '%s\n' 'for f in "$1"/*.dcm; do' \
	'	dcmdjpeg "$f" "$2/t.dcm" && dcmcjpeg "$2/t.dcm" "$2/$(basename "$f")" || exit 1' \
	'done' >"$b/roundtrip.sh"

# US cine: pixel cleaning vs DCMTK round trip
measure px-us pdigate deid --jobs 1 --project px --home "$h" --out "$b/out-us" "$b/us"
grep -q "pixels cleaned by rule" "$BENCH_TMP/px-us.log" || echo "  (US cine not cleaned: see $BENCH_TMP/px-us.log)"
us_sec=$M_SEC us_rss=$M_RSS_MB
measure rt-us sh "$b/roundtrip.sh" "$b/us" "$b/rt-us"
report "pixels/us-cine" "$(rate 100 "$us_sec")" "frames/s" "dcmdjpeg+cjpeg" "$(rate 100 "$M_SEC")" "frames/s"
report_solo "pixels/us-cine detail" "$us_sec" "s" "pdigate peak ${us_rss} MB; round trip ${M_SEC}s"

# CT series: pixel cleaning vs DCMTK round trip vs header-only de-identification
measure px-ct pdigate deid --jobs 1 --project px --home "$h" --out "$b/out-ct" "$b/ct"
grep -q "pixels cleaned by rule bench-ct" "$BENCH_TMP/px-ct.log" || echo "  (CT not cleaned: see $BENCH_TMP/px-ct.log)"
ct_sec=$M_SEC
measure rt-ct sh "$b/roundtrip.sh" "$b/ct" "$b/rt-ct"
report "pixels/ct-native" "$(rate 100 "$ct_sec")" "frames/s" "dcmdjpeg+cjpeg" "$(rate 100 "$M_SEC")" "frames/s"
measure hdr-ct pdigate deid --jobs 1 --project hdr --home "$h" --out "$b/out-hdr" "$b/ct"
report "pixels/ct vs header-only" "$(rate 100 "$ct_sec")" "frames/s" "deid no rule" "$(rate 100 "$M_SEC")" "frames/s"
