#!/bin/sh
# SPDX-License-Identifier: MIT
# The DCMTK shim against DCMTK's own tools: what we write, dcmdump parses; a lazy read + write
# keeps the dataset (per dcmdump) and the pixel bytes; the real corpus is rewritten or refused.
. "$(dirname "$0")/lib.sh"

# dcmdump's text of the dataset (meta header left out), minus what a rewrite may change on
# purpose: group lengths (dropped), sequence/item length encoding (we write undefined length),
# the element count of items that held a group length, and the length of string values whose
# trailing padding DCMTK strips ("(no value available)" for all-padding values).
dump_ds() {
	dcmdump -q "$1" | sed -n '/^# Dicom-Data-Set/,$p' |
		grep -avE '^ *\([0-9a-f]{4},0000\)' |
		sed -E 's/(Sequence|Item) with (explicit|undefined) length (#=[0-9]+\)) +# *[^,]*,/\1 \3 #/
			s/\(Item #=[0-9]+\)/(Item)/
			s/ for re-encod[a-z.]*\)/)/
			s/\(no value available\) +# +[0-9]+, 0/(no value available) # 0, 0/
			s/\] +# +[0-9]+,/] # ,/' |
		tr -s ' '
}

test_expect_success 'test tools answer --help' '
	pdg-dcmcat --help 2>&1 | grep -q "usage: pdg-dcmcat" &&
	pdg-dcmgen --help 2>&1 | grep -q "usage: pdg-dcmgen"
'

test_expect_success 'dcmdump parses what we write, without a warning' '
	mkdir g && pdg-dcmgen -n 2 -s 64 -j g &&
	for f in g/CT00001.dcm g/CT00002.dcm; do
		dcmdump "$f" >dump 2>err && test ! -s err &&
		! grep -E "^[EW]:" dump
	done
'

test_expect_success 'the meta header is ours, group lengths are gone' '
	pdg-dcmgen -n 1 -s 16 . && dcmdump CT00001.dcm >dump &&
	grep -q "(0002,0012) UI \[2.25.203246392236027650925614627509564405007\]" dump &&
	grep -q "(0002,0013) SH \[PDIGATE_010\]" dump &&
	grep -q "(0002,0002) UI =CTImageStorage" dump &&
	grep -q "(0002,0003) UI \[2.25.4242424242.1000.1\]" dump &&
	grep -q "(0002,0000) UL" dump &&
	! sed -n "/Data-Set/,\$p" dump | grep -E "^ *\([0-9a-f]{4},0000\)"
'

test_expect_success 'Japanese names survive bytewise (ISO 2022 IR 87 and ISO_IR 192)' '
	pdg-dcmgen -n 2 -s 16 -j . &&
	printf "Yamada^Tarou=\033\$B;3ED\033(B^\033\$BB@O:\033(B=" >jis &&
	grep -aqF -f jis CT00001.dcm &&
	printf "Yamada^Tarou=\345\261\261\347\224\260^\345\244\252\351\203\216" >utf8 &&
	grep -aqF -f utf8 CT00002.dcm &&
	pdg-dcmcat CT00001.dcm a.dcm CT00002.dcm b.dcm &&
	grep -aqF -f jis a.dcm && grep -aqF -f utf8 b.dcm &&
	dcmdump a.dcm | grep -q "SpecificCharacterSet" &&
	dcmdump +U8 b.dcm | grep -q "Yamada^Tarou=山田^太郎"
'

test_expect_success 'a lazy read + write keeps the dataset and the pixel bytes' '
	pdg-dcmgen -n 1 -s 512 . && pdg-dcmcat CT00001.dcm out.dcm &&
	dump_ds CT00001.dcm >a && dump_ds out.dcm >b && cmp a b &&
	tail -c 524288 CT00001.dcm >pa && tail -c 524288 out.dcm >pb && cmp pa pb &&
	pdg-dcmcat -e CT00001.dcm eager.dcm && cmp out.dcm eager.dcm
'

# Implicit VR loses the VR of a private element the dictionary does not know (it reads back
# as UN); DCMTK's JPEG encoder adds a Derivation Description. Neither is compared.
ignore='^(0009,1001)\|^(0008,2111)'
for ts in 1.2.840.10008.1.2 1.2.840.10008.1.2.2 1.2.840.10008.1.2.5 \
	1.2.840.10008.1.2.4.70 1.2.840.10008.1.2.4.80; do
	test_expect_success "conversion to $ts and back is lossless per dcmdump" "
		pdg-dcmgen -n 1 -s 64 . &&
		pdg-dcmcat -t $ts CT00001.dcm conv.dcm &&
		dcmdump conv.dcm >dump 2>err && test ! -s err &&
		dcmdump -q -Un +P 0002,0010 conv.dcm | grep -qF '[$ts]' &&
		pdg-dcmcat -t 1.2.840.10008.1.2.1 conv.dcm back.dcm &&
		dcmdump -q +L CT00001.dcm | sed -n '/Data-Set/,\$p' | grep -v \"\$ignore\" >a &&
		dcmdump -q +L back.dcm | sed -n '/Data-Set/,\$p' | grep -v \"\$ignore\" >b &&
		cmp a b
	"
done

test_expect_success 'dcmdrle decodes our RLE to the same pixels as we do' '
	pdg-dcmgen -n 1 -s 32 . &&
	pdg-dcmcat -t 1.2.840.10008.1.2.5 CT00001.dcm rle.dcm &&
	dcmdump -q +P 0002,0010 rle.dcm | grep -q "RLELossless" &&
	dcmdrle rle.dcm plain.dcm && pdg-dcmcat -t 1.2.840.10008.1.2.1 rle.dcm ours.dcm &&
	dcmdump -q +L plain.dcm | sed -n "/Data-Set/,\$p" | grep -a 7fe0 >a &&
	dcmdump -q +L ours.dcm | sed -n "/Data-Set/,\$p" | grep -a 7fe0 >b && cmp a b
'

test_expect_code 1 'a truncated file is refused with PDG_E_DICOM' '
	pdg-dcmgen -n 1 -s 64 . && head -c 5000 CT00001.dcm >cut.dcm &&
	pdg-dcmcat cut.dcm out.dcm 2>err; rc=$?
	grep -q "PDG_E_DICOM: .*truncated DICOM file" err || rc=99
	(exit $rc)
'

test_expect_code 1 'random bytes are refused with PDG_E_DICOM' '
	head -c 4096 /dev/urandom >rand.dcm &&
	pdg-dcmcat rand.dcm out.dcm 2>err; rc=$?
	grep -q "PDG_E_DICOM" err || rc=99
	(exit $rc)
'

if have_corpus; then
	test_expect_success 'corpus: every file is rewritten (and unchanged per dcmdump) or refused' '
		rewritten=0 refused=0 bad=0
		for f in "$CORPUS"/*; do
			[ -f "$f" ] || continue
			rm -f out.dcm
			pdg-dcmcat "$f" out.dcm 2>err
			rc=$?
			if [ $rc -eq 0 ]; then
				if dcmdump -q out.dcm >/dev/null 2>&1 &&
				   dump_ds "$f" >a 2>/dev/null && dump_ds out.dcm >b && cmp -s a b; then
					rewritten=$((rewritten + 1))
				else
					echo "rewritten but different or unreadable: $(basename "$f")"
					diff a b | head -5
					bad=$((bad + 1))
				fi
			elif [ $rc -eq 1 ] && grep -qE "PDG_E_(DICOM|LIMIT)" err; then
				refused=$((refused + 1))
			else
				echo "exit status $rc on $(basename "$f"): $(cat err)"
				bad=$((bad + 1))
			fi
		done
		echo "# corpus: $rewritten rewritten, $refused refused, $bad bad" >&3
		test $bad -eq 0 && test $rewritten -gt 0
	' 3>&1
else
	test_skip 'corpus: every file is rewritten or refused' 'no corpus'
fi
test_done
