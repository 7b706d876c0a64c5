#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate appliance/deid/pixrules_default.c (or $1) from rules/default.conf (run from the top).
set -eu
{
	echo '/* SPDX-License-Identifier: MIT */'
	echo '/* The default pixel masking rules, generated from rules/default.conf by rules/gen-default.sh. */'
	echo '#include "appliance/deid/pixrules.h"'
	echo
	echo 'const char pdg_pixrules_default_text[] ='
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' rules/default.conf
	echo '\t;'
} >"${1:-appliance/deid/pixrules_default.c}"
