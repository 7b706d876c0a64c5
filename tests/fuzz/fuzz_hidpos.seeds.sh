#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds for fuzz_hidpos: report streams ([n][n bytes]...) of a token in one and in three
# reports, with a trigger report, as tests/cli/media-lib.sh's hidpos_ioctl builds them.
set -eu
out=$1
python3 - "$out" <<'PY'
import os, sys
def rep(data, more, rid=2):
    r = bytearray(64)
    r[0], r[1] = rid, len(data)
    r[2:5] = b"]Q1"
    r[5:5 + len(data)] = data
    r[63] = 1 if more else 0
    return bytes([64]) + bytes(r)
tok = b"PDG1B3EWFXSTPKKQBVVRWBN50MZ1Q71TWQCH211ET5SJ4S7Y5"
seeds = {
    "one": rep(tok, 0),
    "three": rep(tok[:20], 1) + rep(tok[20:40], 1) + rep(tok[40:], 0),
    "trigger": bytes([64, 4, 1]) + bytes(62) + rep(tok, 0),
    "short": bytes([6, 2, 1, 0x5d, 0x51, 0x31, 0]),
}
for name, data in seeds.items():
    open(os.path.join(sys.argv[1], name), "wb").write(data)
PY
