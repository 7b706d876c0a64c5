#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate's DICOMDIR builder (keys in memory, its own index) makes the records DCMTK's
# DicomDirInterface (dcmgpdir) makes from the same files in the same order: the same keys,
# invented values and sibling order, also when invented instance numbers put records out of
# File ID order. Only the offsets may differ (the meta header of dcmgpdir is longer).
. "$(dirname "$0")/lib.sh"

# mk PATIENT STUDY SERIES SERIESNUMBER INSTANCE INSTANCENUMBER: one tiny CT image
mk() {
	cat >d.txt <<EOF
(0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]
(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]
(0008,0018) UI [2.25.77$1$2$3$5]
(0008,0020) DA [20200101]
(0008,0030) TM [101010]
(0008,0050) SH []
(0008,0060) CS [CT]
(0008,0090) PN []
(0010,0010) PN [NAME^$1]
(0010,0020) LO [PSEUDO$1]
(0020,000d) UI [2.25.88$1$2]
(0020,000e) UI [2.25.99$1$2$3]
(0020,0010) SH []
(0020,0011) IS [$4]
(0020,0013) IS [$6]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 16
(0028,0101) US 16
(0028,0102) US 15
(0028,0103) US 1
(7fe0,0010) OW 0001\\0002\\0003\\0004
EOF
	dump2dcm -q +te d.txt "$TEST_ROOT/in/f_$1_$2_$3_$5.dcm" && rm -f d.txt
}
# records FILE: the DICOMDIR's dataset as dcmdump prints it, without offsets
records() {
	dcmdump -q "$1" | grep -v "^(0002," | grep -v " up [0-9]" | sed "s/offset=\$[0-9]*//"
}

mkdir "$TEST_ROOT/in"
# series 1 (folder S0000001: File IDs follow the input order): instance numbers missing, 0,
# 5, missing, 2 (invented 1 and 2 land among them);
# series 2 and patient 2 without series number; series 3 normal
mk 1 1 1 3 1 "" && mk 1 1 1 3 2 0 && mk 1 1 1 3 3 5 && mk 1 1 1 3 4 "" && mk 1 1 1 3 5 2 &&
	mk 1 1 2 "" 1 7 && mk 1 1 3 1 1 1 && mk 2 1 1 "" 1 ""

test_expect_success 'the same records as dcmgpdir over the same files in File ID order' '
	pdigate pdi build --out "$TEST_ROOT/s" "$TEST_ROOT/in" >/dev/null &&
	(cd "$TEST_ROOT/s" && dcmgpdir -q -nb +I +F PDIGATE -e -g +D "$TEST_ROOT/d2" $(find DICOM -type f | sort)) &&
	records "$TEST_ROOT/s/DICOMDIR" >a && records "$TEST_ROOT/d2" >b && diff a b &&
	test "$(grep -c "CS \[IMAGE\]" a)" -eq 8
'
# added in File ID order: I0000001 (no number: invented 1), I0000002 (0) before it, I0000003 (5)
# after, I0000004 (no number: placed last, then given the invented 2), I0000005 (2) before 5
test_expect_success 'records out of File ID order where DCMTK puts them' '
	records "$TEST_ROOT/s/DICOMDIR" | grep -E "ReferencedFileID|InstanceNumber" |
		sed -n "s/.*\[\(.*\)\].*/\1/p" | paste - - |
		grep "P0000001.S0000001.S0000001.I" >order && cat order &&
	test "$(cut -f2 order | tr "\n" " ")" = "0 1 2 5 2 "
'
test_done
