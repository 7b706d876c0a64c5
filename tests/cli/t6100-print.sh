#!/bin/sh
# SPDX-License-Identifier: MIT
# Printing the token sheet through a real CUPS server: a private cupsd on a unix socket in the
# scratch folder with a cups-pdf queue; the PDF that cups-pdf writes is scanned with zbarimg and
# read back with `pdigate token read`; a missing, stopped or rejecting queue is a clear error.
. "$(dirname "$0")/lib.sh"

command -v cupsd >/dev/null && test -x /usr/lib/cups/backend/cups-pdf && command -v lpadmin >/dev/null ||
	{ test_skip 'printing through CUPS' 'cupsd, lpadmin or cups-pdf not installed'; test_done; exit $?; }
test "$(id -u)" -eq 0 || { test_skip 'printing through CUPS' 'cups-pdf instance config lives in /etc/cups: needs root'; test_done; exit $?; }

Q=pdgt6100_$$
C=$TEST_ROOT/cups
mkdir -p "$C/spool/tmp" "$C/cache" "$C/state" "$C/log" "$C/out" "$C/ppd"
chgrp lp "$C/spool" "$C/spool/tmp" "$C/cache" "$C/state" 2>/dev/null || true
chmod 0755 "$TEST_ROOT" "$C"
chmod 0710 "$C/spool"; chmod 1770 "$C/spool/tmp"; chmod 0770 "$C/cache" "$C/state"
chmod 0777 "$C/out"
cat >"$C/cups-files.conf" <<EOC
ServerRoot $C
RequestRoot $C/spool
TempDir $C/spool/tmp
CacheDir $C/cache
StateDir $C/state
ServerBin /usr/lib/cups
DataDir /usr/share/cups
AccessLog $C/log/access_log
ErrorLog $C/log/error_log
PageLog $C/log/page_log
SystemGroup root
EOC
cat >"$C/cupsd.conf" <<EOC
Listen $C/cups.sock
LogLevel debug
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOC
# cups-pdf reads /etc/cups/cups-pdf-<queue>.conf for a cups-pdf:/<queue> device.
cat >"/etc/cups/cups-pdf-$Q.conf" <<EOC
Out $C/out
AnonDirName $C/out
UserUMask 0077
EOC
cleanup() {
	test -n "${cupsd_pid:-}" && kill "$cupsd_pid" 2>/dev/null && wait "$cupsd_pid"
	rm -f "/etc/cups/cups-pdf-$Q.conf"
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT
cupsd -t -c "$C/cupsd.conf" -s "$C/cups-files.conf" >/dev/null 2>&1 ||
	{ test_skip 'printing through CUPS' 'cupsd rejects the test configuration'; test_done; exit $?; }
cupsd -f -c "$C/cupsd.conf" -s "$C/cups-files.conf" &
cupsd_pid=$!
export CUPS_SERVER="$C/cups.sock"
i=0
while ! lpstat -r 2>/dev/null | grep -q "is running" && test $i -lt 100; do sleep 0.1; i=$((i + 1)); done
lpadmin -p "$Q" -E -v "cups-pdf:/$Q" -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd ||
	{ test_skip 'printing through CUPS' 'lpadmin cannot add the cups-pdf queue'; test_done; exit $?; }

# wait_pdf N: wait (bounded) until no job is pending and cups-pdf has written N PDFs; print
# the newest one's path.
wait_pdf() {
	i=0
	while { test -n "$(lpstat -o "$Q")" || test "$(find "$C/out" -name '*.pdf' | wc -l)" -lt "$1"; } &&
	      test $i -lt 600; do
		sleep 0.1; i=$((i + 1))
	done
	ls -t $(find "$C/out" -name '*.pdf') | head -n 1
}

test_expect_success 'token print sends the sheet to cups-pdf and its QR codes decode' '
	pdg-sheet --site "Test Site" --project P1 --operator op-1 --date 2026-11-21 \
		--packages 2 -o sheet.pdf >tokens &&
	pdigate token print sheet.pdf --printer "$Q" >job &&
	grep -q "^$Q-[0-9][0-9]*\$" job &&
	out=$(wait_pdf 1) && test -s "$out" &&
	pdftoppm -r 150 -png "$out" page &&
	for p in page*.png; do zbarimg --quiet --raw "$p"; done | sort >printed &&
	cut -d" " -f2 tokens | sort >expected &&
	test "$(wc -l <expected)" -eq 2 &&
	cmp expected printed &&
	pdigate token read --pdf "$out" 2>err && grep -q "2 well formed" err
'
test_expect_success 'a missing queue is a clear error' '
	pdg-sheet --site S --project P1 --date 2026-11-21 --packages 1 -o sheet.pdf >/dev/null &&
	rc=0; pdigate token print sheet.pdf --printer no-such-queue 2>err || rc=$?
	cat err; grep -q "printer .no-such-queue. does not exist" err; test $rc -eq 1
'
test_expect_success 'a stopped queue (cupsdisable) is a clear error' '
	pdg-sheet --site S --project P1 --date 2026-11-21 --packages 1 -o sheet.pdf >/dev/null &&
	cupsdisable -r "out of paper" "$Q" &&
	rc=0; pdigate token print sheet.pdf --printer "$Q" 2>err || rc=$?
	cupsenable "$Q"; cat err; grep -q "printer .$Q. is stopped" err; test $rc -eq 1
'
test_expect_success 'a queue rejecting jobs (cupsreject) is a clear error' '
	pdg-sheet --site S --project P1 --date 2026-11-21 --packages 1 -o sheet.pdf >/dev/null &&
	cupsreject "$Q" &&
	rc=0; pdigate token print sheet.pdf --printer "$Q" 2>err || rc=$?
	cupsaccept "$Q"; cat err; grep -q "printer .$Q. is rejecting jobs" err; test $rc -eq 1
'
test_expect_code 2 'token print without --printer is a usage error' '
	pdigate token print sheet.pdf
'
test_expect_success 'export --sheet --print prints the sheet whose QR code opens the package; token reprint prints it again' '
	printf "administrator passphrase\n" >pw &&
	pdigate init --home h --site S --admin-passphrase-file pw >/dev/null &&
	age-keygen -o dc.key 2>/dev/null &&
	pdigate project add p1 --profile ps315-basic --recipient "$(age-keygen -y dc.key)" \
		--home h >/dev/null &&
	mkdir in m && pdg-dcmgen -n 2 -s 64 -j in >/dev/null &&
	n=$(find "$C/out" -name "*.pdf" | wc -l) &&
	pdigate export --home h --project p1 --medium m --sheet s.pdf --print "$Q" --show-token \
		in >exp &&
	out=$(wait_pdf $((n + 1))) &&
	pdigate token read --json --pdf "$out" >read.json &&
	grep -q "\"$(sed -n 1p exp)\"" read.json &&
	sed -n 1p exp | grep -Eq "^[0-9A-Z]{15}$" &&
	pdigate token reprint "$(sed -n 1p exp)" --home h --passphrase-file pw --printer "$Q" &&
	out=$(wait_pdf $((n + 2))) &&
	pdigate token read --json --pdf "$out" >read2.json &&
	grep -q "\"$(sed -n 1p exp)\"" read2.json &&
	pdftoppm -r 150 -png "$out" rp && zbarimg --quiet --raw rp*.png >qr &&
	test "$(cat qr)" = "$(sed -n 2p exp | tr -d -)"
'
test_expect_code 2 'export --print without --sheet is a usage error' '
	mkdir in m && pdigate export --home h --project p1 --medium m --print "$Q" in
'
test_done
