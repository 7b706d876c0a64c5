#!/bin/sh
# SPDX-License-Identifier: MIT
# pdigate project: add, list, show; names, profiles and recipients checked; secrets kept secret.
. "$(dirname "$0")/lib.sh"

export PDIGATE_HOME="$TEST_ROOT/home"
echo "correct horse battery staple" >"$TEST_ROOT/pw"
pdigate init --site S --admin-passphrase-file "$TEST_ROOT/pw" >/dev/null || exit 1
R1=$(age-keygen 2>/dev/null | sed -n "s/^# public key: //p")
R2=$(age-keygen 2>/dev/null | sed -n "s/^# public key: //p")

test_expect_success 'project --help prints the synopsis' '
	pdigate project --help >out && grep -q "usage: pdigate project add" out
'
test_expect_success 'add creates NAME.ini and a 32-byte 0600 NAME.secret' '
	pdigate project add alpha --profile jp-pseudonymized --recipient "$R1" --recipient "$R2" &&
	test "$(stat -c %a "$PDIGATE_HOME/projects/alpha.ini")" = 600 &&
	test "$(stat -c %a "$PDIGATE_HOME/projects/alpha.secret")" = 600 &&
	test "$(stat -c %s "$PDIGATE_HOME/projects/alpha.secret")" = 32 &&
	grep -qx "profile = jp-pseudonymized" "$PDIGATE_HOME/projects/alpha.ini" &&
	grep -qx "recipient = $R2" "$PDIGATE_HOME/projects/alpha.ini" &&
	grep -qx "\[override\]" "$PDIGATE_HOME/projects/alpha.ini"
'
test_expect_success 'secrets differ between projects' '
	pdigate project add beta --profile ps315-basic >/dev/null &&
	! cmp -s "$PDIGATE_HOME/projects/alpha.secret" "$PDIGATE_HOME/projects/beta.secret"
'
test_expect_success 'list prints name and profile in name order' '
	pdigate project add Gamma.2 --profile jp-anonymized >/dev/null &&
	pdigate project list >out &&
	printf "Gamma.2\tjp-anonymized\nalpha\tjp-pseudonymized\nbeta\tps315-basic\n" >want &&
	cmp out want
'
test_expect_success 'show prints settings and never the secret' '
	pdigate project show alpha >out &&
	grep -qx "profile: jp-pseudonymized" out &&
	grep -qx "recipient: $R1" out && grep -qx "recipient: $R2" out &&
	grep -qx "secret: (hidden)" out &&
	hex=$(od -An -tx1 "$PDIGATE_HOME/projects/alpha.secret" | tr -d " \n") &&
	b64=$(base64 -w0 "$PDIGATE_HOME/projects/alpha.secret") &&
	! grep -qi "$hex" out && ! grep -qF "$b64" out &&
	! grep -qF "$(head -c 8 "$PDIGATE_HOME/projects/alpha.secret" | od -An -tx1 | tr -d " \n")" out
'
# run: the command's exit status into $rc, its stderr into err (safe under set -e)
run() {
	"$@" 2>err && rc=0 || rc=$?
}
test_expect_success 'adding an existing project fails (1) and keeps its secret' '
	cp "$PDIGATE_HOME/projects/alpha.secret" before &&
	run pdigate project add alpha --profile ps315-basic &&
	test $rc = 1 && grep -q "already exists" err &&
	cmp before "$PDIGATE_HOME/projects/alpha.secret"
'
for bad in "a b" "../x" ".hidden" "-x" "a/b" "" \
	"x234567890123456789012345678901234567890123456789012345678901234"; do
	test_expect_success "bad name '$bad' is a usage error (2)" "
		run pdigate project add --profile ps315-basic -- '$bad' &&
		test \$rc = 2 && grep -q 'invalid project name' err &&
		test ! -e \"\$PDIGATE_HOME/projects/$bad.ini\"
	"
done
test_expect_success 'an unknown profile is a usage error (2)' '
	run pdigate project add delta --profile basic &&
	test $rc = 2 && grep -q "unknown profile" err &&
	test ! -e "$PDIGATE_HOME/projects/delta.ini"
'
test_expect_success 'a malformed recipient is a usage error (2)' '
	case $R1 in *q) bad=${R1%?}p ;; *) bad=${R1%?}q ;; esac &&
	run pdigate project add delta --profile ps315-basic --recipient "$bad" &&
	test $rc = 2 && grep -q "not an age X25519 recipient" err &&
	test ! -e "$PDIGATE_HOME/projects/delta.ini"
'
test_expect_code 2 'a missing --profile is a usage error' '
	pdigate project add delta
'
test_expect_success 'show of an unknown project fails (1)' '
	run pdigate project show nope && test $rc = 1 && grep -q "no project" err
'
test_expect_success 'project list without a home fails (1)' '
	run pdigate project list --home "$TEST_DIR/none" && test $rc = 1 &&
	grep -q "pdigate init" err
'
test_expect_success 'the reference age encrypts to the recipients we accepted' '
	echo hello | age -r "$R1" >/dev/null
'
test_done
