#!/bin/sh
# SPDX-License-Identifier: MIT
# The one-pass stored ZIP writer (pdi/zip.c): what unzip, zipinfo, Python and libzip make of
# it at the edges: files read twice (over 8 MiB), zip64 by entry count, zip64 by size.
. "$(dirname "$0")/lib.sh"

test_expect_success 'a file over the one-read buffer: CRC and sizes right for every reader' '
	mkdir -p s/DICOM && head -c 9437185 /dev/urandom >s/DICOM/BIG && echo x >s/README.TXT &&
	head -c 8388608 /dev/urandom >s/DICOM/EXACT &&
	pdigate pdi zip s s.zip >out && grep -qx "3 entries, 17825795 bytes" out &&
	unzip -t s.zip >t && grep -q "No errors detected" t &&
	pdg-zipread s.zip >r && grep -qx "3 entries, 17825795 bytes, zip64 0" r &&
	mkdir x && (cd x && unzip -q ../s.zip) && cmp x/DICOM/BIG s/DICOM/BIG &&
	cmp x/DICOM/EXACT s/DICOM/EXACT
'

test_expect_success 'local headers carry sizes and CRC (no data descriptors), stored, UNIX 0644' '
	mkdir -p s/DICOM && echo hello >s/DICOM/A && echo world >s/README.TXT &&
	pdigate pdi zip s s.zip >/dev/null &&
	python3 - s.zip <<-PY
	import struct, sys, zipfile, zlib
	data = open(sys.argv[1], "rb").read()
	z = zipfile.ZipFile(sys.argv[1])
	for i in z.infolist():
	    sig, need, flags, method, t, d, crc, cs, us, nl, xl = struct.unpack(
	        "<IHHHHHIIIHH", data[i.header_offset:i.header_offset + 30])
	    body = data[i.header_offset + 30 + nl + xl:][:us]
	    assert sig == 0x04034b50 and flags == 0 and method == 0 and xl == 0, i.filename
	    assert crc == zlib.crc32(body) == i.CRC and cs == us == i.file_size, i.filename
	    assert i.external_attr >> 16 == 0o100644 and i.create_system == 3, i.filename
	    assert i.date_time == (1980, 1, 1, 0, 0, 0), i.date_time
	assert [i.filename for i in z.infolist()] == ["DICOM/A", "README.TXT"]
	PY
'

test_expect_success 'more than 65,535 entries: zip64 end records, every reader agrees' '
	python3 -c "
import os
for d in range(66):
    os.makedirs(\"s/D%02d\" % d)
    for f in range(1000):
        with open(\"s/D%02d/F%04d\" % (d, f), \"w\") as h:
            h.write(str(f))
" &&
	pdigate pdi zip s s.zip >out && grep -qx "66000 entries, [0-9]* bytes" out &&
	unzip -tq s.zip >t && grep -q "No errors detected" t &&
	zipinfo -h s.zip >h && grep -q "number of entries: 66000" h &&
	pdg-zipread s.zip >r && grep -q "^66000 entries" r &&
	python3 -c "
import struct, sys, zipfile
z = zipfile.ZipFile(\"s.zip\"); assert len(z.infolist()) == 66000
data = open(\"s.zip\", \"rb\").read()
assert data[-22:-18] == b\"PK\\x05\\x06\" and struct.unpack(\"<H\", data[-12:-10])[0] == 0xffff
assert data[-42:-38] == b\"PK\\x06\\x07\"
"
'

# A 4.3 GiB entry writes 4.3 GB to disk and reads it twice: only with PDG_SLOW=1.
if [ "${PDG_SLOW:-0}" = 1 ]; then
	test_expect_success 'an entry of 4 GiB or more: zip64 extra fields, unzip -t and libzip agree' '
		mkdir s && truncate -s 4617089843 s/HUGE && echo x >s/README.TXT &&
		pdigate pdi zip s s.zip >/dev/null &&
		unzip -tq s.zip >t && grep -q "No errors detected" t &&
		pdg-zipread s.zip >r && grep -qx "2 entries, 4617089845 bytes, zip64 1" r
	'
else
	test_skip 'an entry of 4 GiB or more' 'set PDG_SLOW=1 (writes 4.3 GB)'
fi

test_done
