#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_deid_ini: project INI files in the engine's syntax (docs/deid-profiles.md).
#   fuzz_deid_ini.seeds.sh SEED_DIR
set -eu
dir=$1
printf '[project]\nname = p\n[deid]\noptions = +retain-long-modified-dates, -clean-descriptors\ndate-shift-min = -365\ndate-shift-max = -1\n' >"$dir/deid.ini"
printf '[override]\n(0008,1030) = keep\n(0008,0080) = "Research Site"\n(0029,1010) = keep\n(0010,0020) = pseudonym\n' >"$dir/override.ini"
printf '[deid]\noptions = retain-uids retain-device-identity retain-institution-identity clean-graphics\n' >"$dir/options.ini"
