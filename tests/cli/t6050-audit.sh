#!/bin/sh
# SPDX-License-Identifier: MIT
# The audit log: hash-chained records; `pdigate audit verify` names the first broken record
# after an edit, a deletion, a swap, a cut-off end or a rewritten record; the export is RFC
# 5424 syslog or XML that validates against docs/audit-message.rng (PS3.15 A.5.1 structure).
. "$(dirname "$0")/lib.sh"

RNG=$PDG_TOP/docs/audit-message.rng

# a log of 10 records in log/audit.log
make_log() {
	mkdir -p log && pdg-audit-gen log/audit.log 10 "Site <&\"> 病院"
}

# expect_broken N: audit verify fails, naming record N, in text and JSON
expect_broken() {
	if pdigate audit verify --log log/audit.log >out 2>err; then
		echo "verify passed a damaged log"; return 1
	fi
	grep -q "record $1 is broken" out || { cat out; return 1; }
	grep -q "record $1:" err
	! pdigate audit verify --log log/audit.log --json >out.json 2>/dev/null
	python3 -c "
import json, sys
d = json.load(open(\"out.json\"))
assert d[\"intact\"] is False and d[\"first_bad_record\"] == $1, d
"
}

test_expect_success 'pdigate audit --help' '
	pdigate audit --help | grep -q "usage: pdigate audit verify" &&
	pdigate --help | grep -q "^  audit"
'
test_expect_code 2 'pdigate audit export without --format is a usage error' '
	pdigate audit export --log x.log
'

test_expect_success 'an intact log verifies, mode 0600' '
	make_log &&
	test "$(wc -l <log/audit.log)" -eq 10 &&
	test "$(stat -c %a log/audit.log)" = 600 &&
	pdigate audit verify --log log/audit.log >out &&
	grep -q "10 records, chain intact" out &&
	pdigate audit verify --log log/audit.log --json >out.json &&
	python3 -c "
import json
d = json.load(open(\"out.json\"))
assert d[\"intact\"] is True and d[\"records\"] == 10, d
"
'

test_expect_success 'an edited record is named' '
	make_log &&
	sed -i "4s/USB-1003/USB-1903/g" log/audit.log &&
	sed -n 4p log/audit.log | grep -q "USB-1903" &&
	expect_broken 4
'

test_expect_success 'a deleted record is named' '
	make_log &&
	sed -i 6d log/audit.log &&
	expect_broken 6
'

test_expect_success 'swapped records are named (the first of them)' '
	make_log &&
	{ sed -n 1,2p log/audit.log; sed -n 7p log/audit.log; sed -n 4,6p log/audit.log;
	  sed -n 3p log/audit.log; sed -n 8,10p log/audit.log; } >swapped &&
	mv swapped log/audit.log &&
	expect_broken 3 &&
	grep -q "found record 7 where record 3 belongs" out
'

test_expect_success 'records cut off the end are caught by the head' '
	make_log &&
	head -n 8 log/audit.log >cut && mv cut log/audit.log &&
	expect_broken 9
'

test_expect_success 'a record rewritten with a fresh hash breaks the link of the next' '
	make_log &&
	python3 -c "
import hashlib
lines = open(\"log/audit.log\").read().splitlines()
body = lines[4][:-75].replace(\"Export\", \"Import\", 1)
lines[4] = body + \",\\\"hash\\\":\\\"\" + hashlib.sha256(body.encode()).hexdigest() + \"\\\"}\"
open(\"log/audit.log\", \"w\").write(\"\\n\".join(lines) + \"\\n\")
" &&
	expect_broken 6 &&
	grep -q "link to record 5" out
'

test_expect_success 'an overlong line is a broken record, read within bounds' '
	make_log &&
	python3 -c "
lines = open(\"log/audit.log\").read().splitlines()
lines[6] = lines[6] + \"x\" * 70000
open(\"log/audit.log\", \"w\").write(\"\\n\".join(lines) + \"\\n\")
" &&
	expect_broken 7 &&
	grep -q "longer than 65536 bytes" out
'

test_expect_success 'a damaged log is never extended' '
	make_log &&
	sed -i 2d log/audit.log &&
	! pdg-audit-gen log/audit.log 1 2>err &&
	grep -q "record 2" err &&
	test "$(wc -l <log/audit.log)" -eq 9
'

test_expect_success 'XML export validates against the schema and records Audit Log Used' '
	make_log &&
	pdigate audit export --log log/audit.log --format xml >audit.xml &&
	xmllint --noout --relaxng "$RNG" audit.xml &&
	test "$(grep -c "<AuditMessage>" audit.xml)" -eq 10 &&
	grep -q "csd-code=\"110106\" codeSystemName=\"DCM\" originalText=\"Export\"" audit.xml &&
	grep -q "<MediaType csd-code=\"110030\"" audit.xml &&
	grep -q "originalText=\"Destination Media\"" audit.xml &&
	grep -qF "AuditEnterpriseSiteID=\"Site &lt;&amp;&quot;&gt; 病院\"" audit.xml &&
	pdigate audit verify --log log/audit.log | grep -q "11 records, chain intact" &&
	tail -n 1 log/audit.log | grep -q "csd-code=..110101..*Audit Log Used"
'

test_expect_success 'the schema rejects a message without its EventID' '
	make_log &&
	pdigate audit export --log log/audit.log --format xml |
		sed "s|<EventID [^>]*/>||" >bad.xml &&
	! xmllint --noout --relaxng "$RNG" bad.xml 2>/dev/null
'

test_expect_success 'syslog export: RFC 5424 lines, facility 10, MSGID IHE+RFC-3881, XML body' '
	make_log &&
	pdigate audit export --log log/audit.log --format syslog >audit.syslog &&
	test "$(wc -l <audit.syslog)" -eq 10 &&
	test "$(grep -Ec "^<85>1 [0-9T:-]+Z - pdigate - IHE\\+RFC-3881 - " audit.syslog)" -eq 8 &&
	test "$(grep -Ec "^<84>1 [0-9T:-]+Z - pdigate - IHE\\+RFC-3881 - " audit.syslog)" -eq 2 &&
	n=0 &&
	while IFS= read -r line; do
		n=$((n + 1))
		printf "%s\n" "$line" | sed "s/^[^<]*<[0-9]*>1 [^ ]* [^ ]* [^ ]* [^ ]* [^ ]* [^ ]* //" |
			sed "s/^\\xEF\\xBB\\xBF//" >msg.xml
		xmllint --noout --relaxng "$RNG" msg.xml 2>/dev/null || { echo "line $n"; exit 1; }
	done <audit.syslog &&
	test $n -eq 10
'

test_expect_success 'audit verify on a home without a log: 0 records' '
	pdigate init --home home --site TESTSITE >/dev/null 2>&1 || mkdir -p home/state &&
	pdigate audit verify --home home | grep -q "0 records, chain intact"
'
test_done
