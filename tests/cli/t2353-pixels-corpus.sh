#!/bin/sh
# SPDX-License-Identifier: MIT
# Corpus acceptance (issue 7, acceptance 3): every US, SC, OT and SR file of the shared corpus
# is de-identified one by one (the corpus holds the same instance in several transfer
# syntaxes). Each image is either exported with its pixels cleaned by a rule (Burned In
# Annotation NO, 113101 in (0012,0064), the rule named in the summary) or quarantined with a
# "possible burned-in text" reason; the only images exported without cleaning are those the
# header explicitly marks Burned In Annotation NO. SR is never exported unless its structured
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
		elif [ "$(attr "$3" 0028,0301)" = NO ] || [ $px = no ]; then
			echo "$2 exported-declared-no-burn-in"
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

test_done
