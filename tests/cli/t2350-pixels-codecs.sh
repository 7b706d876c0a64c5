#!/bin/sh
# SPDX-License-Identifier: MIT
# Clean Pixel Data on every transfer syntax (issue 7, acceptance 1): text burned into
# multi-frame RGB and 16-bit signed ultrasound, stored native, planar, RLE, JPEG-LS, JPEG
# lossless, JPEG baseline and JPEG 2000. After `pdigate deid` the masked rectangle is blank
# in every frame, every other sample equals the original's decoded sample (lossless inputs),
# the output keeps a lossless syntax (or goes native) and decodes with the DCMTK tool of its
# syntax (OpenJPEG's opj_decompress for JPEG 2000, which DCMTK 3.6.7 cannot decode).
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1

W=$TEST_ROOT/w
mkdir -p "$W/in" "$W/src" || exit 1
# the default rule us-top-banner blanks 0,0,*,12%: on 640x480 that is x 0..639, y 0..57
MASK=0,0,640,58
pdg-burn -n 3 -u 1 "$W/in/01-native.dcm" &&
pdg-burn -n 3 -p -u 2 "$W/in/02-planar.dcm" &&
pdg-burn -g -b 16 -s -u 3 "$W/in/03-signed16.dcm" &&
pdg-burn -n 3 -u 4 "$W/src/04.dcm" && dcmcrle "$W/src/04.dcm" "$W/in/04-rle.dcm" &&
pdg-burn -n 3 -u 5 "$W/src/05.dcm" && dcmcjpls "$W/src/05.dcm" "$W/in/05-jpls.dcm" &&
pdg-burn -n 3 -u 6 "$W/src/06.dcm" &&
	dcmcjpeg --encode-lossless-sv1 "$W/src/06.dcm" "$W/in/06-jpeg-lossless.dcm" &&
pdg-burn -n 3 -u 7 "$W/src/07.dcm" && dcmcjpeg --encode-baseline "$W/src/07.dcm" "$W/in/07-jpeg-baseline.dcm" &&
pdg-burn -n 3 -u 8 "$W/src/08.dcm" && pdg-burn -n 3 -u 8 -j "$W/in/08-j2k.dcm" &&
pdg-burn -g -b 16 -u 9 "$W/src/09.dcm" && dcmcjpls "$W/src/09.dcm" "$W/in/09-jpls16.dcm" &&
pdg-burn -g -b 16 -s -u 10 "$W/src/10.dcm" && dcmcrle "$W/src/10.dcm" "$W/in/10-rle16s.dcm" &&
pdg-burn -g -b 16 -u 11 "$W/src/11.dcm" && dcmcjpeg --encode-extended "$W/src/11.dcm" "$W/in/11-jpeg12.dcm" &&
pdg-burn -g -b 16 -u 12 "$W/src/12.dcm" && dcmcjpeg --encode-lossless "$W/src/12.dcm" "$W/in/12-jpeg-p14.dcm" ||
	exit 1

test_expect_success 'every burned-in instance is cleaned by the default rule and exported' '
	pdigate deid --project p --out "$W/out" "$W"/in/*.dcm >"$W/summary" 2>&1 ||
		{ cat "$W/summary"; false; }
	grep "pixels cleaned by rule us-top-banner (default)" "$W/summary" | grep -w 12
	test "$(ls "$W/out"/E*.dcm | wc -l)" -eq 12
'

ts_of() { dcmdump -q -M +P 0002,0010 "$1" | awk "{print \$3}"; }
attr() { dcmdump -q +P "$2" "$1" | head -1 | sed "s/.*\[\(.*\)\].*/\1/"; }

# check N INPUT-TS-WORD OUTPUT-TS DECODER FILL EXACT
check() {
	n=$1 out=$W/out/E00000$1.dcm; [ "$n" -lt 10 ] || out=$W/out/E0000$1.dcm
	orig=$(ls "$W"/in/$(printf %02d "$n")-*.dcm)
	test "$(ts_of "$out")" = "$3" || { echo "output syntax $(ts_of "$out"), want $3"; return 1; }
	test "$(attr "$out" 0028,0301)" = NO
	dcmdump -q +P 0012,0064 +P 0008,0100 "$out" | grep -q 113101
	case $4 in
	none) cp "$orig" on.dcm; cp "$out" cn.dcm ;;
	*) "$4" "$orig" on.dcm && "$4" "$out" cn.dcm ;;
	esac
	pdg-pixcheck $6 -f "$5" on.dcm cn.dcm $MASK
}

test_expect_success 'native RGB, 3 frames: blank masks, all else identical, stays native' '
	check 1 x =LittleEndianExplicit none 0 -e'
test_expect_success 'native RGB colour-by-plane: blank masks, all else identical' '
	check 2 x =LittleEndianExplicit none 0 -e'
test_expect_success 'native 16-bit signed MONOCHROME2: blank = most negative value' '
	check 3 x =LittleEndianExplicit none 0xf800 -e'
test_expect_success 'RLE stays RLE, decodes with dcmdrle, all else identical' '
	check 4 x =RLELossless dcmdrle 0 -e'
test_expect_success 'JPEG-LS lossless stays JPEG-LS lossless, decodes with dcmdjpls' '
	check 5 x =JPEGLSLossless dcmdjpls 0 -e'
test_expect_success 'JPEG lossless SV1 stays JPEG lossless, decodes with dcmdjpeg' '
	check 6 x =JPEGLossless:Non-hierarchical-1stOrderPrediction dcmdjpeg 0 -e'
test_expect_success 'JPEG baseline becomes native (never re-compressed lossily), keeps lossy 01' '
	check 7 x =LittleEndianExplicit dcmdjpeg 0 ""
	test "$(attr "$W/out/E000007.dcm" 0028,2110)" = 01
	test "$(attr "$W/out/E000007.dcm" 0028,2114)" = ISO_10918_1
	# outside the mask the output is exactly what dcmdjpeg decodes from the original
	pdg-pixcheck -e on.dcm cn.dcm $MASK
'
test_expect_success 'JPEG-LS 16-bit grey and RLE 16-bit signed: all else identical' '
	check 9 x =JPEGLSLossless dcmdjpls 0 -e
	check 10 x =RLELossless dcmdrle 0xf800 -e
'

test_expect_success 'JPEG extended 12-bit becomes native, lossy 01; else identical to dcmdjpeg' '
	check 11 x =LittleEndianExplicit dcmdjpeg 0 -e
	test "$(attr "$W/out/E000011.dcm" 0028,2110)" = 01
'
test_expect_success 'JPEG lossless process 14 (4.57) stays 4.57, all else identical' '
	check 12 x =JPEGLossless:Non-hierarchical:Process14 dcmdjpeg 0 -e
'

# JPEG 2000: DCMTK 3.6.7 has no codec. Frame fragments written by dcmdump +W, decoded by
# OpenJPEG's command-line tool, compared with the native original.
j2k_raw() { # FILE OUT.raw: all frames, 8-bit interleaved samples
	rm -rf frag && mkdir frag && dcmdump -q +W frag "$1" >/dev/null
	: >"$2"
	for f in $(ls frag | grep -v "\.0\.raw$" | sort -t. -k3 -n); do
		cp "frag/$f" x.j2k && opj_decompress -i x.j2k -o x.ppm >/dev/null 2>&1
		# the samples are the last 640x480x3 bytes of the PPM (after its header)
		tail -c $((640 * 480 * 3)) x.ppm >>"$2"
	done
}
if command -v opj_decompress >/dev/null; then
	test_expect_success 'JPEG 2000 stays JPEG 2000 reversible; opj_decompress: all else identical' '
		test "$(ts_of "$W/out/E000008.dcm")" = =JPEG2000LosslessOnly
		j2k_raw "$W/in/08-j2k.dcm" in.raw
		# the input decodes (with OpenJPEG) to exactly the planted original
		pdg-pixcheck -e -r in.raw "$W/src/08.dcm" "$W/src/08.dcm" 0,0,0,0 | grep "bad 0"
		j2k_raw "$W/out/E000008.dcm" out.raw
		cmp -s in.raw out.raw && { echo "output equals input: nothing masked"; false; }
		pdg-pixcheck -e -r out.raw "$W/src/08.dcm" "$W/src/08.dcm" $MASK
	'
else
	test_skip 'JPEG 2000 output decodes with opj_decompress' 'opj_decompress not installed'
fi

test_done
