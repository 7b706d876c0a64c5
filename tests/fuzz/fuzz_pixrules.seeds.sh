#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_pixrules: rule files in the documented syntax (docs/pixel-rules.md).
#   fuzz_pixrules.seeds.sh SEED_DIR
set -eu
dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
cp "$top/rules/default.conf" "$dir/default.conf"
printf 'use-defaults = no\n[rule a]\nmanufacturer = ACME*\nmodel = Vivid ?\nrows = 400-500\ncolumns = 640\nframes = 2-\nmask = 0,0,*,64\nmask = 50%%,90%%,10,* frames 1-3\n' >"$dir/project.conf"
printf '[ rule  b ]\nimage_type = ORIGINAL\\\\PRIMARY*\nsop_class = 1.2.840.10008.5.1.4.1.1.[36]*\nmask = 1,2,3,4 frames 7\n' >"$dir/brackets.conf"
