#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Run the reference `age` with a pseudo-terminal and type a passphrase into it, since age reads
# passphrases only from the terminal:  age-pty.py PASSFILE age -d FILE >OUT
# The passphrase is the first line of PASSFILE. Decrypted bytes go to stdout (age -o is used
# so that the terminal carries only the prompt). Exit status: age's.
import os, pty, sys, tempfile

def main():
    passfile, argv = sys.argv[1], sys.argv[2:]
    with open(passfile, 'rb') as f:
        passphrase = f.readline().rstrip(b'\r\n')
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    try:
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(argv[0], argv[:1] + ['-o', out.name] + argv[1:])
        sent, seen = False, b''
        while True:
            try:
                data = os.read(fd, 1024)
            except OSError:
                break
            if not data:
                break
            seen += data
            if not sent and b'passphrase' in seen.lower():
                os.write(fd, passphrase + b'\n')
                sent = True
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.stderr.write(seen.decode('utf-8', 'replace'))
        with open(out.name, 'rb') as f:
            sys.stdout.buffer.write(f.read())
        return code
    finally:
        os.unlink(out.name)

sys.exit(main())
