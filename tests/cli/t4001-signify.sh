#!/bin/sh
# SPDX-License-Identifier: MIT
# signify interoperability: lib/crypto/signify (through tests/tools/pdg-signify) against the
# reference signify-openbsd, both directions, plus the Ed25519 edge-case vectors on both.
. "$(dirname "$0")/lib.sh"
TTY="python3 $PDG_TOP/tests/cli/age-tty.py"
ED25519=$SHARED/vectors/ed25519/ed25519vectors.json
[ -f "$ED25519" ] || ED25519=$PDG_TOP/../../shared/vectors/ed25519/ed25519vectors.json

have_signify() {
	command -v signify-openbsd >/dev/null
}

test_expect_success 'pdg-signify --help prints usage' '
	pdg-signify --help | grep -q "usage: pdg-signify"
'
test_expect_success 'keygen: secret key 0600, both files refuse to be overwritten' '
	pdg-signify -G -p k.pub -s k.sec -c "pdigate appliance" &&
	test "$(stat -c %a k.sec)" = 600 &&
	head -1 k.sec | grep -qx "untrusted comment: pdigate appliance secret key" &&
	head -1 k.pub | grep -qx "untrusted comment: pdigate appliance public key" &&
	! pdg-signify -G -p k.pub -s k.sec 2>err && grep -q "cannot create" err
'
test_expect_success 'our signature verifies with ours; a changed byte does not' '
	pdg-signify -G -p k.pub -s k.sec &&
	echo "{\"format\":1}" >m && pdg-signify -S -s k.sec -m m &&
	head -1 m.sig | grep -qx "untrusted comment: verify with k.pub" &&
	pdg-signify -V -p k.pub -m m &&
	echo "{\"format\":2}" >m && ! pdg-signify -V -p k.pub -m m 2>err &&
	grep -q "signature verification failed" err
'
if have_signify; then
test_expect_success 'signify-openbsd verifies our signature, and rejects a changed byte' '
	pdg-signify -G -p our.pub -s our.sec &&
	head -c 5000 /dev/urandom >msg &&
	pdg-signify -S -s our.sec -m msg -x our.sig &&
	signify-openbsd -V -p our.pub -x our.sig -m msg &&
	flip_byte msg 1234 &&
	! signify-openbsd -V -p our.pub -x our.sig -m msg 2>/dev/null
'
test_expect_success 'signify-openbsd rejects our signature with a flipped signature bit' '
	pdg-signify -G -p our.pub -s our.sec && echo data >msg &&
	pdg-signify -S -s our.sec -m msg -x our.sig &&
	awk "NR == 2 { c = substr(\$0, 31, 1); \$0 = substr(\$0, 1, 30) (c == \"A\" ? \"B\" : \"A\") substr(\$0, 32) } 1" our.sig >bad.sig &&
	! cmp -s our.sig bad.sig &&
	! signify-openbsd -V -p our.pub -x bad.sig -m msg 2>/dev/null
'
test_expect_success 'we verify signify-openbsd signatures (key from signify -G -n)' '
	signify-openbsd -G -n -p s.pub -s s.sec &&
	head -c 70000 /dev/urandom >msg &&
	signify-openbsd -S -s s.sec -m msg -x s.sig &&
	pdg-signify -V -p s.pub -m msg -x s.sig &&
	echo extra >>msg && ! pdg-signify -V -p s.pub -m msg -x s.sig 2>/dev/null
'
test_expect_success 'with a signify key we write the same signature file as signify' '
	signify-openbsd -G -n -p s.pub -s s.sec && echo manifest >msg &&
	signify-openbsd -S -s s.sec -m msg -x theirs.sig &&
	pdg-signify -S -s s.sec -m msg -x ours.sig &&
	cmp theirs.sig ours.sig
'
test_expect_success 'a signature from another key is "a different key"' '
	signify-openbsd -G -n -p a.pub -s a.sec && pdg-signify -G -p b.pub -s b.sec &&
	echo x >msg && signify-openbsd -S -s a.sec -m msg &&
	! pdg-signify -V -p b.pub -m msg 2>err && grep -q "different key" err
'
if command -v python3 >/dev/null; then
test_expect_success 'a passphrase-protected signify key is refused' '
	echo "pass phrase" >pass &&
	$TTY pass signify-openbsd -G -p e.pub -s e.sec 2>/dev/null &&
	test -s e.sec && echo x >msg &&
	! pdg-signify -S -s e.sec -m msg 2>err && grep -q "passphrase-protected" err
'
fi
if [ -f "$ED25519" ] && command -v python3 >/dev/null; then
# Three vectors of each combination of flags (about 250 of 914, to keep the run short; the unit
# test ed25519_vectors checks all 914 against the documented rule).
test_expect_success 'Ed25519 edge-case vectors: same verdict as signify-openbsd' '
	python3 - "$ED25519" <<-\EOF
	import base64, json, os, subprocess, sys
	vs = json.load(open(sys.argv[1]))
	keynum = bytes(range(8))
	same = accepted = tried = 0
	per_class = {}
	for i, v in enumerate(vs):
	    cls = tuple(sorted(v["flags"] or []))
	    per_class[cls] = per_class.get(cls, 0) + 1
	    if per_class[cls] > 3:
	        continue
	    tried += 1
	    key, sig = bytes.fromhex(v["key"]), bytes.fromhex(v["sig"])
	    open("v.pub", "w").write("untrusted comment: v\n" +
	        base64.b64encode(b"Ed" + keynum + key).decode() + "\n")
	    open("v.sig", "w").write("untrusted comment: v\n" +
	        base64.b64encode(b"Ed" + keynum + sig).decode() + "\n")
	    open("v.msg", "wb").write(v["msg"].encode())
	    run = lambda *a: subprocess.run(a, stdout=subprocess.DEVNULL,
	        stderr=subprocess.DEVNULL).returncode == 0
	    ours = run("pdg-signify", "-V", "-p", "v.pub", "-m", "v.msg", "-x", "v.sig")
	    theirs = run("signify-openbsd", "-V", "-q", "-p", "v.pub", "-m", "v.msg", "-x", "v.sig")
	    if ours != theirs:
	        print("vector %d: ours %s, signify %s, flags %s" % (i, ours, theirs, v["flags"]))
	    else:
	        same += 1
	    accepted += ours
	print("%d of %d vectors agree (%d accepted, %d classes)" % (same, tried, accepted,
	    len(per_class)))
	sys.exit(0 if same == tried and accepted > 0 and accepted < tried else 1)
	EOF
'
else
	test_skip 'Ed25519 vectors against signify' 'vectors or python3 missing'
fi
else
	test_skip 'signify interop' 'signify-openbsd not installed'
fi
test_done
