#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Check the output of `pdigate deid` against the inputs: no planted PHI left (raw bytes and
# decoded text, several Japanese encodings), every input exported or quarantined with a reason,
# outputs parse with dcmdump and gain no dciodvfy error, references resolve, date intervals
# kept, and Table E.1-1 attributes gone, emptied or changed. Prints one line per finding and a
# summary; exit 0 when all checks pass, 1 otherwise, 2 on usage errors.
#
#   deid-check.py synthetic --key KEY.json --in GENDIR --out OUTDIR [--dates] [--keep-patchars]
#   deid-check.py key --key KEY.json --in GENDIR --table planted_table.h   (pdg-gen's own test)
#   deid-check.py differ OUTDIR1 OUTDIR2
#   deid-check.py corpus --table planted_table.h --out OUTDIR INPUT...
#
# Inputs are numbered in the order they were given to pdigate deid: input n (1-based) ends as
# OUTDIR/Ennnnnn.dcm (exported) or OUTDIR/quarantine/Qnnnnnn.dcm with a line in
# OUTDIR/quarantine/REASONS.TSV, or skipped (not an instance: DICOMDIR) with a line there keyed
# by the SHA-256 of its path. In synthetic mode the inputs are the key's files, in order.
import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dicomlite  # noqa: E402

MARKER = re.compile(rb'PLT[0-9A-HJKMNP-TV-Z]{8}')
UIDRUN = re.compile(rb'[0-9]+(?:\.[0-9]+)+')
REF = '(0008,1155)'


class Checker:
    def __init__(self):
        self.failures = 0
        self.notes = []

    def fail(self, msg):
        self.failures += 1
        if self.failures <= 60:
            print('FAIL ' + msg)

    def info(self, msg):
        print('  ' + msg)


def outcome_files(out, inputs):
    """For each input: ('E', path, None), ('Q', path, reason), ('S', None, reason) or None.

    REASONS.TSV (docs/cli-pdigate-deid.md): a header line, then name, outcome, reason and the
    SHA-256 of the input path; skipped inputs (not instances, e.g. DICOMDIR) have name '-'.
    """
    reasons = {}
    skipped = {}
    rpath = os.path.join(out, 'quarantine', 'REASONS.TSV')
    if os.path.exists(rpath):
        with open(rpath, encoding='utf-8', errors='replace') as f:
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) < 3 or parts[0] == 'name':
                    continue
                if parts[0] == '-' and len(parts) >= 4:
                    skipped[parts[3]] = parts[2].strip()
                else:
                    reasons[os.path.basename(parts[0])] = parts[2].strip()
    res = []
    for i in range(1, len(inputs) + 1):
        e = os.path.join(out, 'E%06d.dcm' % i)
        q = os.path.join(out, 'quarantine', 'Q%06d.dcm' % i)
        h = hashlib.sha256(os.fsencode(inputs[i - 1])).hexdigest()
        if os.path.exists(e) and not os.path.exists(q):
            res.append(('E', e, None))
        elif os.path.exists(q) and not os.path.exists(e):
            res.append(('Q', q, reasons.get('Q%06d.dcm' % i)))
        elif h in skipped and not os.path.exists(e) and not os.path.exists(q):
            res.append(('S', None, skipped[h]))
        else:
            res.append(None)
    return res


def check_outcomes(c, out, inputs):
    res = outcome_files(out, inputs)
    names = set(os.listdir(out))
    expected = {os.path.basename(r[1]) for r in res if r and r[0] == 'E'} | {'quarantine'}
    for extra in sorted(names - expected):
        if extra.endswith('.dcm'):
            c.fail('output %s belongs to no input' % extra)
    for i, r in enumerate(res):
        if r is None:
            c.fail('input %d (%s) is neither exported nor quarantined (exactly once)'
                   % (i + 1, inputs[i]))
        elif r[0] in 'QS' and not r[2]:
            c.fail('input %d quarantined or skipped without a reason in REASONS.TSV' % (i + 1))
    ne = sum(1 for r in res if r and r[0] == 'E')
    nq = sum(1 for r in res if r and r[0] == 'Q')
    ns = sum(1 for r in res if r and r[0] == 'S')
    c.info('%d inputs: %d exported, %d quarantined, %d skipped (not instances), each with a reason'
           % (len(inputs), ne, nq, ns))
    for r in res:
        if r and r[0] == 'Q':
            c.notes.append(r[2])
    return res


def dcmdump_ok(c, path):
    p = subprocess.run(['dcmdump', '-q', path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0 or p.stderr.strip():
        c.fail('dcmdump cannot parse %s: %s' % (os.path.basename(path),
                                                p.stderr.decode(errors='replace')[:200]))
        return False
    return True


def dciodvfy_errors(path):
    p = subprocess.run(['dciodvfy', '-new', path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    errs = set()
    for line in p.stdout.decode('latin_1').splitlines():
        if not line.startswith('Error'):
            continue
        # normalise away values, which de-identification changes on purpose
        line = re.sub(r' = *<[^>]*>', ' =<>', line)
        line = re.sub(r'"[^"]*"', '""', line)
        errs.add(line.strip())
    return errs


def check_dciodvfy(c, pairs):
    """pairs: [(input, output)]; no error in an output that its input did not have."""
    new = 0
    for inp, outp in pairs:
        added = dciodvfy_errors(outp) - dciodvfy_errors(inp)
        for e in sorted(added):
            new += 1
            c.fail('dciodvfy: %s has an error its input has not: %s'
                   % (os.path.basename(outp), e))
    c.info('dciodvfy compared on %d outputs, %d new errors' % (len(pairs), new))


# --- synthetic ------------------------------------------------------------------------------

def encodings(text):
    """The byte forms of a Japanese string a leak could take."""
    forms = set()
    for codec in ('utf-8', 'iso2022_jp', 'shift_jis', 'euc_jp', 'utf-16-le'):
        try:
            forms.add(text.encode(codec))
        except UnicodeEncodeError:
            pass
    return forms


def parse_date(b):
    try:
        s = b.decode('ascii').strip()
        if len(s) >= 8:
            return datetime.date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except (ValueError, UnicodeDecodeError):
        pass
    return None


def synthetic(args):
    c = Checker()
    key = json.load(open(args.key, encoding='utf-8'))
    files = key['files']
    inputs = [os.path.join(args.indir, f['file']) for f in files]
    res = check_outcomes(c, args.out, inputs)

    values = key['values']
    markers = set()
    uids = set()
    others = []
    for v in values:
        if v['check'] != 'raw':
            continue
        if args.keep_patchars and v.get('patient_characteristic'):
            continue  # e.g. Ethnic Group: the profile keeps it (PS3.15 E.3.9)
        raw = bytes.fromhex(v['hex'])
        ms = MARKER.findall(raw)
        if ms:
            markers.update(ms)
        elif v['vr'] == 'UI':
            uids.add(raw)
        else:
            others.append(raw)
    jp_raw = set()
    jp_text = set()
    for n in key.get('japanese_names', []):
        for k in ('ideographic', 'phonetic', 'referring_physician'):
            jp_raw |= encodings(n[k])
            jp_text.update(x for x in n[k].split('^') if x)
    c.info('%d raw markers, %d UIDs, %d other raw values, %d Japanese byte forms'
           % (len(markers), len(uids), len(others), len(jp_raw)))

    outputs = {}   # input index -> DicomFile
    leaks = 0
    for i, r in enumerate(res):
        if not r or r[0] != 'E':
            continue
        path = r[1]
        if not dcmdump_ok(c, path):
            continue
        data = open(path, 'rb').read()
        name = os.path.basename(path)
        found = [m for m in MARKER.findall(data) if m in markers]
        found += [u for u in UIDRUN.findall(data) if u in uids]
        found += [o for o in others if o in data]
        found += [j for j in jp_raw if j in data]
        for f in sorted(set(found))[:5]:
            leaks += 1
            c.fail('%s holds planted bytes %r' % (name, f[:60]))
        try:
            d = dicomlite.parse(path)
        except dicomlite.ParseError as e:
            c.fail('%s does not parse: %s' % (name, e))
            continue
        outputs[i] = d
        for p, vr, v in d.elements:
            if vr not in dicomlite.TEXT_VRS and vr not in ('UN', 'OB'):
                continue
            t = d.decode(v)
            hit = [m for m in MARKER.findall(t.encode('utf-8', 'replace')) if m in markers]
            hit += [j for j in jp_text if j in t]
            for h in hit[:3]:
                leaks += 1
                c.fail('%s %s decodes to text holding planted %r' % (name, p, h))
    c.info('raw and decoded search over %d outputs: %d leaks' % (len(outputs), leaks))

    inputs_parsed = {}

    def inp(i):
        if i not in inputs_parsed:
            inputs_parsed[i] = dicomlite.parse(inputs[i])
        return inputs_parsed[i]

    # short values (dates, numbers, codes) must not stay at their path
    kept = 0
    checked = 0
    for v in values:
        if v['check'] != 'element':
            continue
        if args.keep_patchars and v.get('patient_characteristic'):
            continue
        if args.dates and v['vr'] == 'TM' and v.get('longitudinal'):
            continue  # a whole-day shift keeps the time of day, which identifies no one
        planted = bytes.fromhex(v['hex']).rstrip(b' \x00')
        for fi in v['files']:
            d = outputs.get(fi)
            if d is None:
                continue
            got = d.text(v['path'])
            checked += 1
            if got is not None and got == planted:
                kept += 1
                c.fail('%s still holds the planted %s value at %s'
                       % (os.path.basename(res[fi][1]), v['vr'], v['path']))
    c.info('%d short planted values compared at their path, %d kept' % (checked, kept))

    # UIDs: one-to-one per level; references resolve
    sop_in = {f['sop_instance_uid'].encode(): i for i, f in enumerate(files)}
    out_sop = {i: d.text('(0008,0018)') for i, d in outputs.items()}
    if len(set(out_sop.values())) != len(out_sop):
        c.fail('two outputs share a SOP Instance UID')
    for level in ('(0020,000D)', '(0020,000E)', '(0020,0052)'):
        fwd = {}
        back = {}
        for i, d in outputs.items():
            a = inp(i).text(level)
            b = d.text(level)
            if a is None:
                continue
            if b is None or b == a:
                c.fail('%s: %s missing or unchanged' % (os.path.basename(res[i][1]), level))
                continue
            if fwd.setdefault(a, b) != b:
                c.fail('%s: one input UID became two output UIDs' % level)
            if back.setdefault(b, a) != a:
                c.fail('%s: two input UIDs became one output UID' % level)
        c.info('%s: %d input values map one-to-one' % (level, len(fwd)))
    resolved = to_quarantined = fake = 0
    for i, d in outputs.items():
        src = inp(i)
        refs_in = set(v.rstrip(b' \x00') for p, vr, v in src.elements if p.endswith(REF))
        for p, vr, v in d.elements:
            if not p.endswith(REF):
                continue
            was = src.text(p)
            now = v.rstrip(b' \x00')
            j = sop_in.get(was) if was is not None else None
            if (was is None or (j is not None and res[j] and res[j][0] == 'E' and
                                out_sop.get(j) != now)) and now not in refs_in:
                # Clean Structured Content removes content items, so a reference may sit at
                # another path than in the input: it must then be the output of a target
                # that the input referenced somewhere
                hit = [k for k in (sop_in.get(r) for r in refs_in)
                       if k is not None and res[k] and res[k][0] == 'E' and out_sop.get(k) == now]
                if hit:
                    resolved += 1
                    continue
            if was is None:
                c.fail('%s: reference %s has no counterpart in the input'
                       % (os.path.basename(res[i][1]), p))
                continue
            if now == was:
                c.fail('%s: reference %s unchanged' % (os.path.basename(res[i][1]), p))
                continue
            j = sop_in.get(was)
            if j is None:
                fake += 1  # a planted reference to no file: changed is all we can ask
            elif res[j] and res[j][0] == 'E':
                if out_sop.get(j) != now:
                    c.fail('%s: reference %s does not resolve to the output of its target'
                           % (os.path.basename(res[i][1]), p))
                else:
                    resolved += 1
            else:
                to_quarantined += 1  # the target was quarantined: accepted, see README
    c.info('references: %d resolve to outputs, %d point at quarantined inputs, '
           '%d at no file (changed)' % (resolved, to_quarantined, fake))
    if args.min_references and resolved < args.min_references:
        c.fail('only %d references resolved, expected at least %d'
               % (resolved, args.min_references))

    if args.dates:
        ok = bad = 0
        for pr in key['date_pairs']:
            a, b = pr['a'], pr['b']
            da, db = outputs.get(a['file']), outputs.get(b['file'])
            if da is None or db is None:
                continue
            x, y = parse_date(da.text(a['path']) or b''), parse_date(db.text(b['path']) or b'')
            if x is None or y is None:
                continue
            if (y - x).days != pr['days']:
                bad += 1
                c.fail('interval %s..%s of patient %d is %d days, was %d'
                       % (a['path'], b['path'], pr['patient'], (y - x).days, pr['days']))
            else:
                ok += 1
        c.info('date intervals: %d kept, %d changed' % (ok, bad))
        if ok == 0:
            c.fail('no date interval could be checked (no dates left in the outputs)')

    check_dciodvfy(c, [(inputs[i], res[i][1]) for i in sorted(outputs)])
    return finish(c)


# --- the key itself -------------------------------------------------------------------------

def keycheck(args):
    """The generator's own test: the key tells the truth and covers Table E.1-1."""
    c = Checker()
    key = json.load(open(args.key, encoding='utf-8'))
    table = table_tags(args.table)
    parsed = [dicomlite.parse(os.path.join(args.indir, f['file'])) for f in key['files']]
    n = 0
    for v in key['values']:
        want = bytes.fromhex(v['hex'])
        for fi in v['files']:
            got = parsed[fi].by_path.get(v['path'])
            n += 1
            if got is None:
                c.fail('%s: %s absent' % (key['files'][fi]['file'], v['path']))
            elif v['vr'] in ('OB', 'OW', 'UN'):
                if want not in got[1]:
                    c.fail('%s: %s does not hold its planted bytes' % (key['files'][fi]['file'], v['path']))
            elif v['vr'] in dicomlite.TEXT_VRS and got[1].rstrip(b' \x00') != want:
                c.fail('%s: %s is %r, key says %r' % (key['files'][fi]['file'], v['path'], got[1], want))
            elif v['vr'] not in dicomlite.TEXT_VRS and got[1] != want:
                c.fail('%s: %s is %r, key says %r' % (key['files'][fi]['file'], v['path'], got[1], want))
    own = {0x00020003, 0x00081155, 0xFFFCFFFC, 0x0040A730, 0x00420011}  # see pdg-gen own_attr()
    for f, d in zip(key['files'], parsed):
        top = {last_tag(p) for p, _, _ in d.elements if '/' not in p}
        missing = [t for t in table if t not in top and t not in own and
                   not (t == 0x00200052 and f['kind'] not in ('ct', 'mr'))]
        if missing:
            c.fail('%s lacks %d Table E.1-1 attributes, e.g. %s'
                   % (f['file'], len(missing), dicomlite.fmt_tag(missing[0])))
    c.info('%d planted values verified in %d files, each checked for all %d table attributes'
           % (n, len(parsed), len(table) - len(own)))
    return finish(c)


# --- two secrets ---------------------------------------------------------------------------

def differ(args):
    c = Checker()
    a = sorted(f for f in os.listdir(args.out1) if f.endswith('.dcm'))
    b = sorted(f for f in os.listdir(args.out2) if f.endswith('.dcm'))
    if a != b or not a:
        c.fail('the two runs exported different files or none')
    same = {}
    compared = 0
    for name in sorted(set(a) & set(b)):
        d1 = dicomlite.parse(os.path.join(args.out1, name))
        d2 = dicomlite.parse(os.path.join(args.out2, name))
        for p in ('(0008,0018)', '(0020,000D)', '(0020,000E)', '(0010,0020)'):
            v1, v2 = d1.text(p), d2.text(p)
            if not v1 or not v2:
                continue
            compared += 1
            if v1 == v2:
                same[p] = same.get(p, 0) + 1
    for p, n in sorted(same.items()):
        c.fail('%s equal under two secrets in %d outputs' % (p, n))
    c.info('%d pseudonyms and UIDs compared across two secrets' % compared)
    if not compared:
        c.fail('nothing to compare')
    return finish(c)


# --- corpus ------------------------------------------------------------------------------------

def table_tags(path):
    tags = {}
    for m in re.finditer(r'\{ 0x([0-9A-F]{8}), "(\w\w)", \d+, "(\w+)", "([^"]+)"', open(path).read()):
        tags[int(m.group(1), 16)] = (m.group(3), m.group(4))
    return tags


def last_tag(path):
    m = re.search(r'\(([0-9A-F]{4}),([0-9A-F]{4})\)$', path)
    return int(m.group(1) + m.group(2), 16)


def covered(tag, table):
    """Whether Table E.1-1 (basic profile) names this tag: listed, curve, overlay, private."""
    g, e = tag >> 16, tag & 0xFFFF
    if tag in table:
        return True
    if 0x5000 <= g <= 0x501E and not g & 1:
        return True
    if 0x6000 <= g <= 0x601E and not g & 1 and e in (0x3000, 0x4000):
        return True
    return bool(g & 1) and g > 0x0008


def corpus(args):
    c = Checker()
    table = table_tags(args.table)
    res = check_outcomes(c, args.out, args.inputs)
    compared = unparsed = attrs = 0
    pairs = []
    for i, r in enumerate(res):
        if not r or r[0] != 'E':
            continue
        if not dcmdump_ok(c, r[1]):
            continue
        try:
            src = dicomlite.parse(args.inputs[i])
        except dicomlite.ParseError:
            unparsed += 1  # our reader cannot follow this input; dcmdump checked the output
            continue
        out = dicomlite.parse(r[1])
        compared += 1
        pairs.append((args.inputs[i], r[1]))
        for p, vr, v in src.elements:
            if vr == 'SQ' or not covered(last_tag(p), table):
                continue
            was = v.rstrip(b' \x00')
            if not was:
                continue
            attrs += 1
            now = out.text(p)
            if now is not None and now == was:
                tag = last_tag(p)
                kw = table.get(tag, ('private/curve/overlay', ''))[0]
                c.fail('%s: %s %s kept unchanged (input %s)'
                       % (os.path.basename(r[1]), p, kw, os.path.basename(args.inputs[i])))
    c.info('%d exported files compared by tag path (%d Table E.1-1 values), '
           '%d inputs our reader cannot parse' % (compared, attrs, unparsed))
    if args.dciodvfy:
        check_dciodvfy(c, pairs)
    return finish(c)


def finish(c):
    if c.failures > 60:
        print('... %d failures in all' % c.failures)
    print('%s: %d failures' % ('ok' if not c.failures else 'FAILED', c.failures))
    return 0 if not c.failures else 1


def main():
    ap = argparse.ArgumentParser(prog='deid-check.py')
    sub = ap.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('synthetic')
    s.add_argument('--key', required=True)
    s.add_argument('--in', dest='indir', required=True)
    s.add_argument('--out', required=True)
    s.add_argument('--dates', action='store_true', help='date intervals must be kept')
    s.add_argument('--keep-patchars', action='store_true',
                   help='the profile retains patient characteristics (age, sex, size, weight)')
    s.add_argument('--min-references', type=int, default=0)
    y = sub.add_parser('key')
    y.add_argument('--key', required=True)
    y.add_argument('--in', dest='indir', required=True)
    y.add_argument('--table', required=True)
    d = sub.add_parser('differ')
    d.add_argument('out1')
    d.add_argument('out2')
    k = sub.add_parser('corpus')
    k.add_argument('--table', required=True)
    k.add_argument('--out', required=True)
    k.add_argument('--dciodvfy', action='store_true')
    k.add_argument('inputs', nargs='+')
    args = ap.parse_args()
    return {'synthetic': synthetic, 'key': keycheck, 'differ': differ, 'corpus': corpus}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
