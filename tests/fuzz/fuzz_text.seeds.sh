#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_text: names in several character sets, escapes, bad UTF-8.
set -eu
d=$1
printf 'M\374ller^Hans' >"$d/latin1"
printf 'Yamada^Tarou=\033$B;3ED\033(B^\033$BB@O:\033(B' >"$d/iso2022"
printf '\345\261\261\347\224\260' >"$d/utf8"
printf 'a\300\257b\200c\355\240\200' >"$d/badutf8"
printf 'A\033[2JB\tC' >"$d/controls"
printf '\324\317\300\336^\300\333\263=\033$B;3ED\033(J' >"$d/ir13"
