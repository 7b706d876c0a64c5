#!/bin/sh
# SPDX-License-Identifier: MIT
# The DICOMDIR of a corpus-wide export (many SOP classes and record types), built from the keys
# the de-identification kept in memory: DCMTK (dcmgpdir) and dciodvfy accept it, every record's
# keys equal the referenced file's (dcmdump), and it is byte for byte the DICOMDIR that
# `pdigate pdi build` makes by reading the same files.
. "$(dirname "$0")/lib.sh"
have_corpus || { test_skip 'corpus-wide DICOMDIR' 'no corpus'; test_done; }
W=$TEST_ROOT/work
mkdir -p "$W"
H=$W/home

# setup: a home and a project sealed to a data-center key
(cd "$W" && appliance_home) || { echo "not ok - setup failed"; exit 1; }

# The corpus files one file set can hold: explicit VR little endian (the profile the export
# needs), then, after de-identification, only those the DICOMDIR admits (pdi build names the
# first it refuses; drop it and try again). Ennnnnn.dcm is the n-th input given.
find "$CORPUS" -type f | sort | while read -r f; do
	dcmdump -q +P 0002,0010 "$f" 2>/dev/null | grep -q "=LittleEndianExplicit" && echo "$f"
done >"$W/le.list"
pdigate deid --home "$H" --project p1 --out "$W/deid" $(cat "$W/le.list") >/dev/null 2>&1
ls "$W/deid" | grep '^E.*\.dcm$' | sed "s|^|$W/deid/|" >"$W/e.list"
i=0
while [ $i -lt 60 ]; do
	rm -rf "$W/try"
	pdigate pdi build --out "$W/try" $(cat "$W/e.list") >"$W/try.out" 2>&1 && break
	bad=$(grep -o "'$W/deid/E[0-9]*\.dcm'" "$W/try.out" | head -n 1 | tr -d "'")
	[ -n "$bad" ] || break
	grep -vx "$bad" "$W/e.list" >"$W/e2.list" && mv "$W/e2.list" "$W/e.list"
	i=$((i + 1))
done
for e in $(cat "$W/e.list"); do
	n=$(basename "$e" .dcm | sed 's/^E0*//')
	sed -n "${n}p" "$W/le.list"
done >"$W/in.list"

test_expect_success 'the selection spans many SOP classes' '
	test -s "$W/try/DICOMDIR" && test "$(wc -l <"$W/in.list")" -ge 50 &&
	for f in $(cat "$W/in.list"); do dcmdump -q +P 0002,0002 "$f"; done |
		sort -u >classes && cat classes && test "$(wc -l <classes)" -ge 8
'
test_expect_success 'export and open the selection' '
	mkdir -p "$W/m" && pdigate export --home "$H" --project p1 --medium "$W/m" --show-token \
		$(cat "$W/in.list") >o && PKG=$(sed -n 1p o) && TOKEN=$(sed -n 2p o) &&
	cp o "$W/exp.out" &&
	pdigate-fetch open --identity "$W/dc.key" --appliance-key "$H/keys/appliance.pub" \
		--token "$TOKEN" --package "$PKG" --out "$W/open" "$W/m" >/dev/null &&
	mv "$W/open/$PKG" "$W/set" && test -s "$W/set/DICOMDIR"
'
test_expect_success 'the DICOMDIR holds records beyond IMAGE and one per instance' '
	dcmdump "$W/set/DICOMDIR" >dump &&
	grep "(0004,1430)" dump | sort | uniq -c >types && cat types &&
	test "$(wc -l <types)" -ge 6 &&
	test "$(grep -c "(0004,1500)" dump)" -eq "$(wc -l <"$W/in.list")"
'
# dcmgpdir in append mode reads the DICOMDIR and finds the record of every file, except where
# its own matching cannot (a patient whose ID and name were both emptied gets a new record)
test_expect_success 'pdi verify, dciodvfy and dcmgpdir (append mode) accept it' '
	pdigate pdi verify "$W/set" &&
	{ dciodvfy "$W/set/DICOMDIR" >v 2>&1 || true; } &&
	grep -q BasicDirectory v && ! grep -i "^error" v &&
	cp -r "$W/set" copy && (cd copy && dcmgpdir +A +I +r -nb DICOM 2>../err) &&
	! grep "^E:" err &&
	test "$(grep -c "directory record for this SOP instance already exists" err)" -ge \
		$(($(wc -l <"$W/in.list") * 9 / 10))
'
test_expect_success 'every record key equals the referenced file'"'"'s (dcmdump)' '
	python3 - "$W/set" <<-"EOF"
	import re, subprocess, sys
	root = sys.argv[1]
	LINE = re.compile(r"^( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?) +# ")
	def dump(path):
	    out = subprocess.run(["dcmdump", "-q", "+L", path], capture_output=True,
	                         check=True).stdout.decode("latin-1")
	    return out.splitlines()
	def top(path):  # top-level elements of a file: tag -> (VR, value text)
	    v = {}
	    for l in dump(path):
	        m = LINE.match(l)
	        if m and m.group(1) == "" and m.group(4) != "SQ":
	            v[m.group(2) + m.group(3)] = (m.group(4), m.group(5))
	    return v
	records, cur = [], None  # each record: its type, its own elements and its file
	for l in dump(root + "/DICOMDIR"):
	    if re.match(r"^  \(fffe,e000\)", l):
	        cur = {"keys": {}, "file": None, "type": None}
	        records.append(cur)
	        continue
	    m = LINE.match(l)
	    if not m or cur is None or len(m.group(1)) != 4:
	        continue
	    tag = m.group(2) + m.group(3)
	    if tag == "00041430":
	        cur["type"] = m.group(5).strip("[]")
	    elif tag == "00041500":
	        cur["file"] = m.group(5).strip("[]").replace(chr(92), "/")
	    elif not tag.startswith("0004") and m.group(4) != "SQ":
	        cur["keys"][tag] = (m.group(4), m.group(5))
	bad = checked = 0
	parents = []  # the PATIENT/STUDY/SERIES records above the current instance
	ident = {"PATIENT": ["00100010"], "STUDY": ["0020000d"], "SERIES": ["0020000e", "00080060"]}
	for r in records:
	    if r["type"] in ident:
	        depth = ["PATIENT", "STUDY", "SERIES"].index(r["type"])
	        parents = parents[:depth] + [r]
	        continue
	    if not r["file"]:
	        continue
	    f = top(root + "/" + r["file"])
	    for tag, val in r["keys"].items():  # every key of the instance record
	        checked += 1
	        if tag == "00200013" and "no value" in f.get(tag, ("", "no value"))[1]:
	            continue  # absent or empty: invented (DCMTK invent mode, docs/formats.md)
	        if f.get(tag) != val:
	            bad += 1
	            print("%s: %s %s in the record, %s in the file" % (r["file"], r["type"], tag,
	                  "present" if tag in f else "absent"))
	    for p in parents:  # the identifying keys of its parents
	        for tag in ident[p["type"]]:
	            checked += 1
	            if p["keys"].get(tag) != f.get(tag):
	                bad += 1
	                print("%s: %s differs from its %s record" % (r["file"], tag, p["type"]))
	print("%d keys checked, %d differ" % (checked, bad))
	sys.exit(1 if bad or checked < 500 else 0)
	EOF
'
# File IDs are assigned in input order: pdi build over the files in the ZIP's order (the
# instances come first, in assignment order) gives every file its File ID again.
test_expect_success 'the same DICOMDIR as pdi build reading the files in the ZIP order' '
	PKG=$(sed -n 1p "$W/exp.out") && TOKEN=$(sed -n 2p "$W/exp.out") &&
	cat "$W/m/PDIGATE/$PKG".0* | age -d -i "$W/dc.key" -o inner.age &&
	echo "$TOKEN" | tr -d - | cut -c20-45 >pass &&
	python3 "$PDG_TOP/tests/cli/age-tty.py" pass age -d -o pkg.zip inner.age >/dev/null 2>&1 &&
	unzip -Z1 pkg.zip >entries && test "$(head -n 1 entries | cut -c1-6)" = DICOM/ &&
	grep "^DICOM/" entries >order && test "$(wc -l <order)" -ge 50 &&
	pdigate pdi build --out again $(sed "s|^|$W/set/|" order) >/dev/null &&
	cmp "$W/set/DICOMDIR" again/DICOMDIR
'
test_done
