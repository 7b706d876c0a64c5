#!/bin/sh
# SPDX-License-Identifier: MIT
# OCR check (issue 7, acceptance 2): tesseract reads the planted burned-in strings in every
# frame of the inputs, and none of them in any frame of the cleaned outputs. Frames are
# decoded by DCMTK tools (dcmdrle, dcmdjpls, dcmdjpeg) and rendered by dcm2pnm; JPEG 2000,
# which DCMTK cannot decode, through OpenJPEG's opj_decompress.
. "$(dirname "$0")/lib.sh"

command -v tesseract >/dev/null || { test_skip 'OCR of burned-in text' 'tesseract not installed'; test_done; exit; }

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1

W=$TEST_ROOT/w
mkdir -p "$W/in" "$W/src" || exit 1
NAME=KOBAYASHI ID=7310258864
burn() { pdg-burn -n 2 -1 "$NAME HANAKO" -2 "PID $ID" "$@"; }
burn -u 1 "$W/in/1-native.dcm" &&
burn -u 2 "$W/src/2.dcm" && dcmcrle "$W/src/2.dcm" "$W/in/2-rle.dcm" &&
burn -u 3 "$W/src/3.dcm" && dcmcjpls "$W/src/3.dcm" "$W/in/3-jpls.dcm" &&
burn -u 4 "$W/src/4.dcm" && dcmcjpeg --encode-baseline "$W/src/4.dcm" "$W/in/4-jpeg.dcm" &&
burn -u 5 -j "$W/in/5-j2k.dcm" || exit 1
pdigate deid --project p --out "$W/out" "$W"/in/*.dcm >/dev/null 2>&1 || exit 1

# frames FILE DIR: one PNG per frame of FILE in DIR
frames() {
	mkdir -p "$2"
	case $(dcmdump -q -M +P 0002,0010 "$1" | awk '{print $3}') in
	=RLELossless) dcmdrle "$1" "$2/n.dcm" ;;
	=JPEGLSLossless) dcmdjpls "$1" "$2/n.dcm" ;;
	=JPEGBaseline|=JPEGLossless*) dcmdjpeg "$1" "$2/n.dcm" ;;
	=JPEG2000*)
		dcmdump -q +W "$2" "$1" >/dev/null
		for f in "$2"/*.raw; do
			case $f in *.0.raw) continue ;; esac
			cp "$f" "$2/x.j2k" && opj_decompress -i "$2/x.j2k" -o "${f%.raw}.png" >/dev/null
		done
		return ;;
	*) cp "$1" "$2/n.dcm" ;;
	esac
	dcm2pnm +Fa +on "$2/n.dcm" "$2/f"
}

# ocr DIR: the text tesseract reads in every PNG of DIR, one file per frame
ocr() {
	n=0
	for p in "$1"/*.png; do
		tesseract "$p" "$p" >/dev/null 2>&1
		n=$((n + 1))
	done
	test "$n" -ge 2
}

i=0
for f in "$W"/in/*.dcm; do
	i=$((i + 1))
	kind=$(basename "$f" .dcm)
	test_expect_success "$kind: tesseract reads the planted strings in every input frame" "
		frames '$f' in && ocr in
		for t in in/*.txt; do grep -q '$NAME' \$t && grep -q '$ID' \$t; done
	"
	test_expect_success "$kind: and none of them in any frame of the output" "
		frames '$W/out/E00000$i.dcm' out && ocr out
		! cat out/*.txt | grep -E '$NAME|$ID|HANAKO'
	"
done

test_done
