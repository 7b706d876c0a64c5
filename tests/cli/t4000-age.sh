#!/bin/sh
# SPDX-License-Identifier: MIT
# age v1 interoperability: lib/crypto/age (through tests/tools/pdg-age) against the reference
# age(1) and age-keygen(1), both directions, X25519 and scrypt, and two nested layers.
. "$(dirname "$0")/lib.sh"
TTY="python3 $PDG_TOP/tests/cli/age-tty.py"

have_age() {
	command -v age >/dev/null && command -v age-keygen >/dev/null
}
have_pty() {
	command -v python3 >/dev/null && python3 -c "import pty" 2>/dev/null
}
# mkmsg FILE SIZE: SIZE bytes of reproducible non-trivial data
mkmsg() {
	head -c "$2" /dev/urandom >"$1"
}

test_expect_success 'pdg-age --help prints usage' '
	pdg-age --help | grep -q "usage: pdg-age"
'
test_expect_code 2 'pdg-age without a command is a usage error' '
	pdg-age
'
test_expect_success 'keygen writes an age-keygen style file, mode 0600, refusing to overwrite' '
	pdg-age keygen -o id >rcpt &&
	test "$(stat -c %a id)" = 600 &&
	grep -q "^# public key: $(cat rcpt)\$" id &&
	grep -Eq "^AGE-SECRET-KEY-1[0-9A-Z]{58}\$" id &&
	test "$(pdg-age recipient id)" = "$(cat rcpt)" &&
	! pdg-age keygen -o id 2>err && grep -q "cannot create" err
'

if have_age; then
for size in 0 1 65535 65536 65537 1048576; do
test_expect_success "ours to our key, age -d opens it ($size bytes)" "
	pdg-age keygen -o id >rcpt &&
	mkmsg msg $size &&
	pdg-age encrypt -r \$(cat rcpt) -o ct msg &&
	age -d -i id ct >out &&
	cmp msg out
"
test_expect_success "age -r to our key, we open it ($size bytes)" "
	pdg-age keygen -o id >rcpt &&
	mkmsg msg $size &&
	age -r \$(cat rcpt) -o ct msg &&
	pdg-age decrypt -i id -o out ct &&
	cmp msg out
"
done
test_expect_success 'age-keygen keys work with ours both ways' '
	age-keygen -o id 2>/dev/null &&
	r=$(age-keygen -y id) &&
	mkmsg msg 100000 &&
	pdg-age encrypt -r "$r" msg >ct &&
	age -d -i id ct | cmp - msg &&
	age -r "$r" msg >ct2 &&
	pdg-age decrypt -i id <ct2 | cmp - msg
'
test_expect_success 'several recipients: each identity opens the file, in both tools' '
	pdg-age keygen -o ours >r1 &&
	age-keygen -o theirs 2>/dev/null &&
	mkmsg msg 70000 &&
	pdg-age encrypt -r $(cat r1) -r $(age-keygen -y theirs) -o ct msg &&
	test $(grep -ac "^-> X25519 " ct) = 2 &&
	pdg-age decrypt -i ours ct | cmp - msg &&
	pdg-age decrypt -i theirs ct | cmp - msg &&
	age -d -i ours ct | cmp - msg &&
	age -d -i theirs ct | cmp - msg
'
else
	test_skip 'age interop' 'age or age-keygen not installed'
fi

if have_age; then
test_expect_success 'an armored file is refused with a clear message' '
	pdg-age keygen -o id >rcpt && echo hi >msg &&
	age -a -r $(cat rcpt) -o ct msg &&
	! pdg-age decrypt -i id ct 2>err && grep -q "ASCII-armored" err &&
	! pdg-age decrypt -i id msg 2>err && grep -q "not an age file" err
'
fi
test_expect_success 'a wrong identity is "no matching identity"' '
	pdg-age keygen -o id >rcpt && pdg-age keygen -o other >/dev/null &&
	echo hello >msg && pdg-age encrypt -r $(cat rcpt) -o ct msg &&
	! pdg-age decrypt -i other -o out ct 2>err &&
	grep -q "no matching identity" err && test ! -e out
'
test_expect_success 'truncation and corruption are detected' '
	pdg-age keygen -o id >rcpt &&
	mkmsg msg 200000 && pdg-age encrypt -r $(cat rcpt) -o ct msg &&
	size=$(stat -c %s ct) &&
	head -c $((size - 1)) ct >short &&
	! pdg-age decrypt -i id short >/dev/null 2>err && grep -q "payload" err &&
	head -c $((size - 65552 - 1)) ct >cut &&
	! pdg-age decrypt -i id cut >/dev/null 2>err && grep -q "truncated\|corrupted" err &&
	cp ct tail && printf x >>tail &&
	! pdg-age decrypt -i id tail >/dev/null 2>err && grep -q "payload" err &&
	cp ct flip && flip_byte flip $((size - 100)) &&
	! pdg-age decrypt -i id flip >/dev/null 2>err && grep -q "payload corrupted" err
'
test_expect_success 'a changed header is "header MAC mismatch"' '
	pdg-age keygen -o id >rcpt && pdg-age keygen -o id2 >rcpt2 &&
	echo hello >msg && pdg-age encrypt -r $(cat rcpt) -r $(cat rcpt2) -o ct msg &&
	# swap the two stanzas: both still unwrap, but the MAC covers their order
	head -1 ct >hdr && sed -n 4,5p ct >>hdr && sed -n 2,3p ct >>hdr &&
	tail -c +$(($(head -5 ct | wc -c) + 1)) ct >rest &&
	cat hdr rest >swapped &&
	! pdg-age decrypt -i id swapped >/dev/null 2>err && grep -q "header MAC mismatch" err
'

if have_age && have_pty; then
test_expect_success 'our passphrase file (scrypt 2^10) opens with age -d' '
	echo "TOKEN-0123456789ABCDEF" >pass &&
	mkmsg msg 150000 &&
	pdg-age encrypt -p-file pass -n 10 -o ct msg &&
	grep -aq "^-> scrypt [A-Za-z0-9+/]\{22\} 10\$" ct &&
	$TTY pass age -d -o out ct 2>/dev/null &&
	cmp msg out
'
test_expect_success 'age -p passphrase file (default work factor) opens with ours' '
	echo "another passphrase" >pass &&
	mkmsg msg 150000 &&
	$TTY pass age -p -o ct msg 2>/dev/null &&
	grep -aq "^-> scrypt " ct &&
	pdg-age decrypt -p-file pass -o out ct && cmp msg out &&
	echo "wrong" >bad && ! pdg-age decrypt -p-file bad ct >/dev/null 2>err &&
	grep -q "wrong passphrase" err
'
test_expect_success 'two layers (inner scrypt, outer X25519) open with age -d -i then age' '
	pdg-age keygen -o id >rcpt &&
	echo "TOKEN-SECRET-FEDCBA9876543210" >pass &&
	mkmsg msg 300000 &&
	pdg-age encrypt -p-file pass -n 10 msg | pdg-age encrypt -r $(cat rcpt) -o outer &&
	age -d -i id -o inner outer &&
	$TTY pass age -d -o out inner 2>/dev/null &&
	cmp msg out
'
else
	test_skip 'age passphrase interop' 'age or python3 pty not available'
fi
test_done
