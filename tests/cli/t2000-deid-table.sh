#!/bin/sh
# SPDX-License-Identifier: MIT
# The committed PS3.15 Table E.1-1 (appliance/deid/table_e11.c) is exactly what the generator
# makes from the shared copy of the standard.
. "$(dirname "$0")/lib.sh"

# ../shared beside the repository; from a worktree, beside the main repository.
std=$SHARED/standard
if [ ! -d "$std" ]; then
	common=$(git -C "$PDG_TOP" rev-parse --git-common-dir 2>/dev/null) &&
		std=$(cd "$PDG_TOP" && cd "$common/../.." 2>/dev/null && pwd)/shared/standard
fi
if [ -f "$std/confidentiality_profile_attributes.json" ] && command -v python3 >/dev/null; then
	test_expect_success 'gen-table.py reproduces the committed table_e11.c' '
		python3 "$PDG_TOP/appliance/deid/gen-table.py" "$std" >table_e11.c &&
		diff -u "$PDG_TOP/appliance/deid/table_e11.c" table_e11.c
	'
	test_expect_success 'the table header names the source SHA-256' '
		sum=$(sha256sum "$std/confidentiality_profile_attributes.json" | cut -d" " -f1) &&
		grep -q "$sum" "$PDG_TOP/appliance/deid/table_e11.c"
	'
	test_expect_code 1 'gen-table.py refuses a table with a wrong row count' '
		mkdir std &&
		cp "$std/attributes.json" std/ &&
		python3 -c "import json,sys; r=json.load(open(sys.argv[1])); json.dump(r[:-1], open(\"std/confidentiality_profile_attributes.json\",\"w\"))" \
			"$std/confidentiality_profile_attributes.json" &&
		python3 "$PDG_TOP/appliance/deid/gen-table.py" std >out.c 2>err
	'
else
	test_skip 'gen-table.py reproduces the committed table_e11.c' 'no ../shared/standard'
fi
test_done
