#!/bin/sh
# SPDX-License-Identifier: MIT
# The streamed export (ZIP → inner age → outer age → SHA-256 → writer, each on its thread →
# segments written in 4 MiB blocks, read back and compared block by block on another):
# segments that span several blocks and end off a block boundary, or exactly on one, checked
# against the manifest with coreutils and opened with the reference age; the stage left
# empty; and the PDG_TRACE_STAGES=1 summary.
. "$(dirname "$0")/lib.sh"
W=$TEST_ROOT/work
mkdir -p "$W"
H=$W/home
TTY="python3 $PDG_TOP/tests/cli/age-tty.py"

# setup: a home, a data-center key, a project, 160 CT slices of 512 KiB (84 MB)
(cd "$W" &&
	appliance_home &&
	mkdir in && pdg-dcmgen -n 160 in >/dev/null) || { echo "not ok - setup failed"; exit 1; }

test_expect_success 'segments over several read-back ranges: sizes and hashes as the manifest says' '
	mkdir m && PDG_TRACE_STAGES=1 pdigate export --home "$H" --project p1 --medium m \
		--segment-size 40000000 --show-token "$W/in" >o 2>err &&
	PKG=$(sed -n 1p o) && echo "$PKG" >"$W/pkg" && sed -n 2p o >"$W/token" &&
	test "$(ls m/PDIGATE/$PKG.0* | wc -l)" = 3 &&
	cp -r m "$W/m" &&
	python3 - "m/PDIGATE/$PKG.MAN" <<-PY
	import hashlib, json, os, sys
	m = json.load(open(sys.argv[1]))
	d = os.path.dirname(sys.argv[1])
	whole = hashlib.sha256()
	total = 0
	for s in m["segments"]:
	    data = open(os.path.join(d, s["name"]), "rb").read()
	    assert len(data) == s["size"], s["name"]
	    assert hashlib.sha256(data).hexdigest() == s["sha256"], s["name"]
	    whole.update(data)
	    total += len(data)
	assert [s["size"] for s in m["segments"][:2]] == [40000000, 40000000]
	assert m["ciphertext"] == {"size": total, "sha256": whole.hexdigest()}, m["ciphertext"]
	PY
'

test_expect_success 'the reference age opens both layers of the joined segments; unzip -t passes' '
	PKG=$(cat "$W/pkg") &&
	tr -d - <"$W/token" | cut -c20-45 >pass &&
	cat "$W/m/PDIGATE/$PKG".0* | age -d -i "$W/dc.key" >inner.age &&
	$TTY pass age -d -o pkg.zip inner.age >/dev/null 2>&1 &&
	unzip -tq pkg.zip >t && grep -q "No errors detected" t &&
	test "$(unzip -Z1 pkg.zip | grep -c "^DICOM/")" = 160 &&
	pdigate pdi verify pkg.zip >v && grep -q "^ok: .* 160 instances" v
'

test_expect_success 'segments of whole blocks (8 MiB): the manifest matches, age opens them' '
	mkdir mb && pdigate export --home "$H" --project p1 --medium mb \
		--segment-size 8388608 --show-token "$W/in" >o 2>err &&
	PKG=$(sed -n 1p o) && tr -d - <o | sed -n 2p | cut -c20-45 >pass &&
	n=$(ls mb/PDIGATE/$PKG.0* | wc -l) && test "$n" -ge 10 &&
	for f in $(ls mb/PDIGATE/$PKG.0* | sed \$d); do
		test "$(stat -c %s "$f")" = 8388608 || exit 1
	done &&
	python3 - "mb/PDIGATE/$PKG.MAN" <<-PY &&
	import hashlib, json, os, sys
	m = json.load(open(sys.argv[1]))
	d = os.path.dirname(sys.argv[1])
	whole = hashlib.sha256()
	for s in m["segments"]:
	    data = open(os.path.join(d, s["name"]), "rb").read()
	    assert len(data) == s["size"] and hashlib.sha256(data).hexdigest() == s["sha256"]
	    whole.update(data)
	assert m["ciphertext"]["sha256"] == whole.hexdigest()
	PY
	cat mb/PDIGATE/$PKG.0* | age -d -i "$W/dc.key" >inner.age &&
	$TTY pass age -d -o pkg.zip inner.age >/dev/null 2>&1 &&
	unzip -tq pkg.zip | grep -q "No errors detected" &&
	test -z "$(ls -A "$H/state/export" | grep -v "^\.lock\$")"
'

test_expect_success 'PDG_TRACE_STAGES=1 names every stage and the parallel threads, once' '
	mkdir m && PDG_TRACE_STAGES=1 pdigate export --home "$H" --project p1 --medium m \
		"$W/in" >o 2>err &&
	test "$(grep -c "^pdigate: stages (s): " err)" = 1 &&
	for s in other deid link-table fileset zip inner-age outer-age write fsync read-back \
		publish cleanup total; do
		grep "^pdigate: stages (s): " err | grep -Eq " $s [0-9]+\.[0-9]{3}( |\$)" ||
			{ echo "no $s"; exit 1; }
	done &&
	grep -Eq "^pdigate: in parallel \(s\): inner-age [0-9.]+ outer-age [0-9.]+ sha256 [0-9.]+ writer-write [0-9.]+ .*read-back [0-9.]+" err &&
	grep "^pdigate: stages (s): " err | grep -Eq " zip-tail [0-9]+\.[0-9]{3} " &&
	grep -Eq "^pdigate: zip thread \(s\): .*fileset [0-9.]+ zip [0-9.]+ .*total [0-9.]+\$" err &&
	mkdir m2 && pdigate export --home "$H" --project p1 --medium m2 "$W/in" >o2 2>err2 &&
	! grep -q "stages" err2
'

# A refusal found while streaming (after de-identification two inputs are one study of two
# patients): the export fails, no segment or manifest is left on the medium, nor a stage.
test_expect_success 'a study under two patients, found while streaming: nothing published' '
	mkdir in2 m && for f in $(ls "$W/in" | head -n 6); do cp "$W/in/$f" in2/; done &&
	last=$(ls in2 | tail -n 1) && dcmodify -nb -m "(0010,0020)=ANOTHER-PATIENT" "in2/$last" &&
	rc=0 && pdigate export --home "$H" --project p1 --medium m in2 2>err || rc=$? && test $rc = 1 &&
	cat err && grep -q "belong to one study but to two patients" err &&
	test -z "$(ls -A m/PDIGATE 2>/dev/null)" &&
	test -z "$(ls -A "$H/state/export" | grep -v "^\.lock\$")"
'

test_done
