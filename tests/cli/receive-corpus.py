# SPDX-License-Identifier: MIT
# Send every file of a folder, one association each, with DCMTK's storescu both to pdigate
# receive and to DCMTK's storescp (bit-preserving, the reference for the bytes storescu puts on
# the wire), then check: every instance pdigate answered with success is in the catalog and its
# spool file's dataset is bit-identical to what storescp wrote; every failure status came with a
# logged reason. Prints counts (no file names, no values: the corpus is PHI). Exit 1 on a fault.
#   receive-corpus.py DIR RX_PORT REF_PORT REF_DIR CATALOG_DB RX_LOG
import hashlib
import os
import sqlite3
import struct
import subprocess
import sys

src, rx_port, ref_port, ref_dir, db_path, rx_log = sys.argv[1:7]

# The storescu option proposing a file's own transfer syntax (storescu never proposes a
# compressed one unless told, and cannot convert compressed data).
XS_OPTION = {
    '1.2.840.10008.1.2.4.50': '-xy', '1.2.840.10008.1.2.4.51': '-xx',
    '1.2.840.10008.1.2.4.70': '-xs', '1.2.840.10008.1.2.4.90': '-xv',
    '1.2.840.10008.1.2.4.91': '-xw', '1.2.840.10008.1.2.4.80': '-xt',
    '1.2.840.10008.1.2.4.81': '-xu', '1.2.840.10008.1.2.5': '-xr',
    '1.2.840.10008.1.2.1.99': '-xd',
}


def dataset(path):
    """The bytes after the PS3.10 meta header, or None."""
    with open(path, 'rb') as f:
        d = f.read()
    if d[128:132] != b'DICM' or d[132:136] != b'\x02\x00\x00\x00':
        return None
    glen = struct.unpack('<I', d[140:144])[0]
    return d[144 + glen:]


def meta(path, key):
    out = subprocess.run(['dcmdump', '-q', '-Un', '-M', '+P', key, path], capture_output=True,
                         text=True).stdout
    return out.split('[', 1)[1].split(']', 1)[0] if '[' in out else None


def send(path, port, aet, opt):
    args = ['storescu', '-v', '-R', '-aet', aet, '-aec', 'PDIGATE', '-to', '30']
    if opt:
        args.append(opt)
    p = subprocess.run(args + ['127.0.0.1', port, path], capture_output=True, text=True,
                       timeout=120)
    out = p.stdout + p.stderr
    if 'Received Store Response (Success)' in out:
        return 'success'
    if 'Received Store Response' in out:
        return 'failure-status'
    return 'not-sent'


counts = {k: 0 for k in ('files', 'success', 'failure-status', 'not-sent', 'ref-stored',
                         'identical', 'duplicate', 'unverified', 'fault')}
first = {}  # SOP Instance UID -> dataset digest of the first reference copy
faults = []
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if not os.path.isfile(path):
        continue
    counts['files'] += 1
    ts = meta(path, 'TransferSyntaxUID') or ''
    opt = XS_OPTION.get(ts)
    for f in os.listdir(ref_dir):
        os.unlink(os.path.join(ref_dir, f))
    ref = send(path, ref_port, 'PACS', opt)
    ref_digest = None
    if ref == 'success':
        counts['ref-stored'] += 1
        got = [os.path.join(ref_dir, f) for f in os.listdir(ref_dir)]
        if len(got) == 1 and dataset(got[0]) is not None:
            ref_digest = hashlib.sha256(dataset(got[0])).hexdigest()
    res = send(path, rx_port, 'PACS', opt)
    counts[res] += 1
    if ref == 'success' and res != 'success':
        faults.append('file %d: storescp stored it, pdigate answered %s' % (counts['files'], res))
    if res != 'success':
        continue
    # the UID as sent: read it from the reference copy, or from the file
    uid = None
    if ref_digest:
        got = [os.path.join(ref_dir, f) for f in os.listdir(ref_dir)]
        out = subprocess.run(['dcmdump', '-q', '-Un', '+P', 'SOPInstanceUID', got[0]],
                             capture_output=True, text=True).stdout
        uid = out.split('[', 1)[1].split(']', 1)[0] if '[' in out else None
    if uid is None:
        out = subprocess.run(['dcmdump', '-q', '-Un', '+P', 'SOPInstanceUID', path],
                             capture_output=True, text=True).stdout
        uid = out.split('[', 1)[1].split(']', 1)[0] if '[' in out else None
    if uid in first:
        counts['duplicate'] += 1
        continue
    first[uid] = ref_digest
    with sqlite3.connect(db_path) as db:
        row = db.execute('SELECT path FROM instance WHERE sop_instance_uid=?', (uid,)).fetchone()
    if not row:
        faults.append('file %d: success answered but not in the catalog' % counts['files'])
        continue
    mine = dataset(row[0])
    if ref_digest is None:
        # storescp did not take it (e.g. a color palette): storescu sends the dataset
        # re-encoded, so only the file's own bytes can be compared when they match
        if mine is not None and mine == dataset(path):
            counts['identical'] += 1
        else:
            counts['unverified'] += 1
        continue
    if mine is not None and hashlib.sha256(mine).hexdigest() == ref_digest:
        counts['identical'] += 1
    else:
        faults.append('file %d: spool bytes differ from what storescp received' % counts['files'])

with open(rx_log, errors='replace') as f:
    refused_logged = sum(1 for line in f if 'instance refused:' in line or
                         'could not be received' in line)
if refused_logged < counts['failure-status']:
    faults.append('%d failure statuses but %d logged reasons' % (counts['failure-status'],
                                                                 refused_logged))
with sqlite3.connect(db_path) as db:
    rows = db.execute('SELECT count(*) FROM instance').fetchone()[0]
if rows != len(first):
    faults.append('catalog has %d instances, %d distinct accepted' % (rows, len(first)))
counts['catalog'] = rows
counts['fault'] = len(faults)
print(' '.join('%s=%d' % kv for kv in counts.items()))
for f in faults:
    print('fault: ' + f)
sys.exit(1 if faults else 0)
