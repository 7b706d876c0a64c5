#!/bin/sh
# SPDX-License-Identifier: MIT
# De-identified studies into a PDI file set: pdigate deid output builds, verifies and passes
# DCMTK and dicom3tools; the DICOMDIR keys are the replacement values of the files; nothing of
# the originals reaches the file set's texts; the same inputs give the same ZIP bytes.
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
if pdigate init --help | grep -q admin-passphrase-file; then
	pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
else
	pdigate init --site S >/dev/null || exit 1
fi
pdigate project add jp --profile jp-pseudonymized >/dev/null || exit 1
pdigate project add basic --profile ps315-basic >/dev/null || exit 1
W=$TEST_ROOT/w
mkdir -p "$W/in" || exit 1
pdg-slices --out "$W/in/a" --count 6 --size 64 --patient PIDAAAA --seed 1 &&
pdg-slices --out "$W/in/b" --count 5 --size 64 --patient PIDBBBB --seed 2 || exit 1

# build PROJECT NAME: de-identify in/ and build the file set NAME/set from the exported files.
build() {
	mkdir -p "$W/$2" && pdigate deid --project "$1" --out "$W/$2/deid" "$W/in" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || return 1
	pdigate pdi build --site "Test Hospital" --created 2026-11-21 --out "$W/$2/set" \
		"$W/$2"/deid/E*.dcm
}

for p in jp basic; do
	test_expect_success "$p: the de-identified files build a file set that verifies" '
		build '$p' '$p' >out && cat out && grep -q " 11 instances" out &&
		pdigate pdi verify "$W/'$p'/set"
	'
	test_expect_success "$p: dciodvfy finds no errors in the DICOMDIR" '
		dciodvfy "$W/'$p'/set/DICOMDIR" >v 2>&1 || true
		grep -q BasicDirectory v && ! grep -i "^error" v
	'
	test_expect_success "$p: dcmmkdir append mode finds a record for every file" '
		cp -r "$W/'$p'/set" copy && cd copy &&
		dcmmkdir -Pgp +A +I +r -nb DICOM 2>err &&
		test "$(grep -c "directory record for this SOP instance already exists" err)" -eq 11
	'
	test_expect_success "$p: the original patient IDs appear nowhere in the file set texts" '
		cd "$W/'$p'/set" &&
		! grep -l "PIDAAAA\|PIDBBBB" DICOMDIR README.TXT INDEX.HTM IHE_PDI/* PDIGATE.JSN
	'
done

test_expect_success 'jp: PATIENT records carry the pseudonyms of the files' '
	cd "$W/jp/set" &&
	for f in DICOM/P*/S*/S*/I0000001; do
		dcmdump +P PatientID "$f" | sed "s/.*\[\(.*\)\].*/\1/"
	done | sort -u >"$TEST_DIR/files" &&
	dcmdump DICOMDIR | grep "(0010,0020)" | sed "s/.*\[\(.*\)\].*/\1/" | sort -u \
		>"$TEST_DIR/dir" &&
	test "$(wc -l <"$TEST_DIR/dir")" -eq 2 && diff "$TEST_DIR/files" "$TEST_DIR/dir"
'
test_expect_success 'jp: the study keys of the DICOMDIR are those of the files' '
	cd "$W/jp/set" &&
	f=DICOM/P0000001/S0000001/S0000001/I0000001 &&
	for tag in StudyInstanceUID StudyDate SeriesInstanceUID; do
		v=$(dcmdump +P $tag "$f" | sed "s/.*\[\(.*\)\].*/\1/") &&
		test -n "$v" && dcmdump DICOMDIR | grep -qF "[$v]" || exit 1
	done
'
test_expect_success 'the same inputs give the same file set and the same ZIP bytes' '
	build jp again >/dev/null &&
	diff -r "$W/jp/set" "$W/again/set" &&
	pdigate pdi zip "$W/jp/set" one.zip >/dev/null &&
	pdigate pdi zip "$W/again/set" two.zip >/dev/null && cmp one.zip two.zip &&
	pdigate pdi verify one.zip
'
test_done
