#!/bin/sh
# SPDX-License-Identifier: MIT
# Source rules from STYLE.md that a machine can check: banned string functions, an SPDX line and
# a purpose comment at the top of every source file, and C++ only in the DCMTK shim.
. "$(dirname "$0")/lib.sh"
cd "$PDG_TOP" || exit 1
sources=$(git ls-files '*.c' '*.h' '*.cc' 2>/dev/null)

test_expect_success 'no banned functions (sprintf strcpy strcat strtok atoi sscanf gets)' '
	cd "$PDG_TOP"
	! grep -nE "(^|[^_a-zA-Z0-9.>])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|sscanf|gets)[[:space:]]*\(" $sources
'
test_expect_success 'every source file starts with an SPDX line' '
	cd "$PDG_TOP"
	bad=
	for f in $sources; do
		head -1 "$f" | grep -q "SPDX-License-Identifier" || bad="$bad $f"
	done
	test -z "$bad" || { echo "missing SPDX:$bad"; false; }
'
test_expect_success 'C++ only under pdi/dicom/' '
	cd "$PDG_TOP"
	! git ls-files "*.cc" "*.cpp" "*.cxx" | grep -v "^pdi/dicom/"
'
test_done
