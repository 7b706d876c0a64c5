#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Run age(1) on a pseudo-terminal and answer its passphrase prompts (age reads passphrases only
# from a terminal): age-tty.py PASSFILE age ARGS...; exits with age's status.
import os
import pty
import sys
import time

passphrase = open(sys.argv[1], "rb").read().splitlines()[0]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen = b""
deadline = time.time() + 120
while time.time() < deadline:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    # Answer each prompt once: "Enter passphrase...:" and "Confirm passphrase:".
    while b"passphrase" in seen and b":" in seen.split(b"passphrase", 1)[1]:
        os.write(fd, passphrase + b"\r")
        seen = seen.split(b"passphrase", 1)[1].split(b":", 1)[1]
_, status = os.waitpid(pid, 0)
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
