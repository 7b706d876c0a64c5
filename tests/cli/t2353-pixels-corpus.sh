#!/bin/sh
# SPDX-License-Identifier: MIT
# Corpus acceptance (issue 7, acceptance 3): every US, SC, OT and SR file of the shared corpus
# is de-identified one by one (the corpus holds the same instance in several transfer
# syntaxes). Each image is either exported with its pixels cleaned by a rule (Burned In
# Annotation NO, 113101 in (0012,0064), the rule named in the summary) or quarantined with a
# "possible burned-in text" reason; none is exported uncleaned, not even when its header says
# Burned In Annotation NO (two OT parametric maps do). SR is never exported unless its structured
# content was cleaned (113104). With the defaults turned off, every candidate image is
# quarantined with "no masking rule for <modality>/<manufacturer>/<model>".
# The corpus is PHI: nothing of it is copied into the repository or printed.
. "$(dirname "$0")/lib.sh"

have_corpus || { test_skip 'corpus acceptance for pixels' 'no corpus'; test_done; exit; }

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
pdigate project add p --profile jp-pseudonymized >/dev/null || exit 1
pdigate project add strict --profile jp-pseudonymized >/dev/null || exit 1
printf 'use-defaults = no\n' >"$PDIGATE_HOME/projects/strict.pixel-rules" || exit 1

W=$TEST_ROOT/w
mkdir -p "$W" || exit 1
: >"$W/list"
for f in "$CORPUS"/*; do
	m=$(dcmdump -q +P 0008,0060 "$f" 2>/dev/null | head -1 | sed 's/.*\[\(.*\)\].*/\1/')
	case $m in US | SC | OT | SR) echo "$m $f" >>"$W/list" ;; esac
done

attr() { dcmdump -q +P "$2" "$1" 2>/dev/null | head -1 | sed 's/.*\[\(.*\)\].*/\1/'; }
has_code() { dcmdump -q +P 0012,0064 +P 0008,0100 "$1" | grep -q "\[$2\]"; }

# run PROJECT MODALITY FILE OUTDIR: one outcome line per file in $W/outcomes.PROJECT
run_one() {
	rm -rf "$4"
	pdigate deid --project "$1" --out "$4" "$3" >"$4.log" 2>&1 || true
	cat "$4.log" "$4/quarantine/REASONS.TSV" >>"$W/texts" 2>/dev/null || true
	px=no
	dcmdump -q +P 7fe0,0010 "$3" 2>/dev/null | grep -q . && px=yes
	if [ -f "$4/E000001.dcm" ]; then
		o=$4/E000001.dcm
		if grep -q "pixels cleaned by rule" "$4.log"; then
			test "$(attr "$o" 0028,0301)" = NO && has_code "$o" 113101 &&
				echo "$2 cleaned" && return
			echo "$2 BAD cleaned-but-unmarked"
		elif [ "$2" = SR ]; then
			has_code "$o" 113104 && echo "SR cleaned-structured" || echo "SR BAD exported"
		else
			echo "$2 BAD exported-uncleaned"
		fi
	elif [ -f "$4/quarantine/REASONS.TSV" ]; then
		reason=$(tail -n +2 "$4/quarantine/REASONS.TSV" | cut -f3)
		case $reason in
		"possible burned-in text, no masking rule for "*) echo "$2 quarantined-no-rule" ;;
		"possible burned-in text, pixels not cleaned: "*) echo "$2 quarantined-not-cleaned" ;;
		*) if [ $px = yes ] && [ "$2" != SR ]; then echo "$2 BAD quarantined-other"
		   else echo "$2 quarantined-not-an-image"; fi ;;
		esac
	else
		echo "$2 BAD unaccounted"
	fi
}

test_expect_success 'defaults: every US/SC/OT image is cleaned by a rule or quarantined with the reason' '
	test "$(wc -l <"$W/list")" -gt 10
	while read -r m f; do run_one p "$m" "$f" "$W/o"; done <"$W/list" >"$W/outcomes.p"
	sort "$W/outcomes.p" | uniq -c
	! grep BAD "$W/outcomes.p"
	grep -q "US cleaned" "$W/outcomes.p"
	grep -q "OT cleaned" "$W/outcomes.p"
	grep -q "SC cleaned" "$W/outcomes.p"
'
test_expect_success 'use-defaults = no: every candidate image is quarantined, no masking rule' '
	while read -r m f; do run_one strict "$m" "$f" "$W/s"; done <"$W/list" >"$W/outcomes.s"
	sort "$W/outcomes.s" | uniq -c
	! grep -E "BAD| cleaned$" "$W/outcomes.s"
	test "$(grep -c quarantined-no-rule "$W/outcomes.s")" -eq \
		"$(grep -c -E " cleaned$|quarantined-(no-rule|not-cleaned)$" "$W/outcomes.p")"
'
test_expect_success 'summaries and quarantine reasons carry no patient names or IDs' '
	test -s "$W/texts"
	for f in $(cut -d" " -f2 "$W/list"); do
		for t in 0010,0010 0010,0020; do
			v=$(attr "$f" $t)
			[ ${#v} -lt 4 ] && continue
			! grep -qF -- "$v" "$W/texts" || exit 1
		done
	done
'

# JPEG 2000 reversible inputs of the corpus (real encoders, YBR_RCT): the output is JPEG 2000
# again; OpenJPEG's own tool decodes input and output, and they differ only inside the mask.
j2k_ppm() { # FILE OUT.ppm: the single frame of FILE, its fragments joined
	rm -rf frag && mkdir frag && dcmdump -q +W frag "$1" >/dev/null
	ls frag | grep -v "\.0\.raw$" | sort -t. -k3 -n | sed "s|^|frag/|" | xargs cat >x.j2k
	opj_decompress -i x.j2k -o "$2" >/dev/null 2>&1
}
if command -v opj_decompress >/dev/null; then
	test_expect_success 'corpus JPEG 2000 reversible: blank banner, all else identical (opj_decompress)' '
		n=0
		for f in $(cut -d" " -f2 "$W/list"); do
			dcmdump -q -M +P 0002,0010 "$f" | grep -q JPEG2000LosslessOnly || continue
			test "$(attr "$f" 0028,0008)" = "" || test "$(attr "$f" 0028,0008)" = 1 || continue
			rm -rf o && pdigate deid --project p --out o "$f" >/dev/null 2>&1
			dcmdump -q -M +P 0002,0010 o/E000001.dcm | grep -q JPEG2000LosslessOnly
			j2k_ppm "$f" a.ppm && j2k_ppm o/E000001.dcm b.ppm
			rows=$(dcmdump -q +P 0028,0010 "$f" | awk "{print \$3}")
			cols=$(dcmdump -q +P 0028,0011 "$f" | awk "{print \$3}")
			python3 - "$rows" "$cols" <<-PY
			import sys
			r, c = int(sys.argv[1]), int(sys.argv[2])
			a = open("a.ppm", "rb").read()[-r * c * 3:]
			b = open("b.ppm", "rb").read()[-r * c * 3:]
			h = (12 * r + 99) // 100  # us-top-banner: 0,0,*,12%
			assert all(v == 0 for v in b[:h * c * 3]), "banner not blank"
			assert a[h * c * 3:] == b[h * c * 3:], "pixels outside the mask differ"
			assert a[:h * c * 3] != b[:h * c * 3], "nothing was masked"
			PY
			n=$((n + 1))
		done
		test "$n" -ge 1
	'
fi

test_done
