# SPDX-License-Identifier: MIT
# A small independent DICOM reader for the de-identification checks: every element of a file
# as (tag path, VR, raw bytes), without DCMTK or the pdigate shim, so the checks do not trust
# the code under test. PS3.5 7 (encodings), 7.5 (sequences), A.4 (encapsulation), PS3.10 7.
import codecs
import re
import sys
import zlib

sys.setrecursionlimit(20000)

IMPLICIT_LE = '1.2.840.10008.1.2'
EXPLICIT_BE = '1.2.840.10008.1.2.2'
DEFLATED = '1.2.840.10008.1.2.1.99'
LONG_VRS = {b'OB', b'OW', b'OF', b'OD', b'OL', b'OV', b'SQ', b'UT', b'UN', b'UC', b'UR',
            b'SV', b'UV'}
TEXT_VRS = {'AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM',
            'UC', 'UI', 'UR', 'UT'}
UNDEFINED = 0xFFFFFFFF
ITEM, ITEM_END, SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD

# PS3.3 C.12.1.1.2 defined terms to Python codecs (ISO 2022 variants decode as the family).
CHARSETS = {
    '': 'ascii', 'ISO_IR 6': 'ascii', 'ISO 2022 IR 6': 'ascii',
    'ISO_IR 100': 'latin_1', 'ISO 2022 IR 100': 'latin_1',
    'ISO_IR 101': 'iso8859_2', 'ISO 2022 IR 101': 'iso8859_2',
    'ISO_IR 109': 'iso8859_3', 'ISO 2022 IR 109': 'iso8859_3',
    'ISO_IR 110': 'iso8859_4', 'ISO 2022 IR 110': 'iso8859_4',
    'ISO_IR 144': 'iso8859_5', 'ISO 2022 IR 144': 'iso8859_5',
    'ISO_IR 127': 'iso8859_6', 'ISO 2022 IR 127': 'iso8859_6',
    'ISO_IR 126': 'iso8859_7', 'ISO 2022 IR 126': 'iso8859_7',
    'ISO_IR 138': 'iso8859_8', 'ISO 2022 IR 138': 'iso8859_8',
    'ISO_IR 148': 'iso8859_9', 'ISO 2022 IR 148': 'iso8859_9',
    'ISO_IR 166': 'tis_620', 'ISO 2022 IR 166': 'tis_620',
    'ISO_IR 13': 'shift_jis', 'ISO 2022 IR 13': 'iso2022_jp',
    'ISO 2022 IR 87': 'iso2022_jp', 'ISO 2022 IR 159': 'iso2022_jp_2',
    'ISO 2022 IR 149': 'iso2022_kr', 'ISO 2022 IR 58': 'gb2312',
    'ISO_IR 192': 'utf-8', 'GB18030': 'gb18030', 'GBK': 'gbk',
}


class ParseError(Exception):
    pass


def fmt_tag(tag):
    return '(%04X,%04X)' % (tag >> 16, tag & 0xFFFF)


class Reader:
    def __init__(self, data, explicit, little):
        self.d = data
        self.explicit = explicit
        self.order = 'little' if little else 'big'

    def u16(self, p):
        return int.from_bytes(self.d[p:p + 2], self.order)

    def u32(self, p):
        return int.from_bytes(self.d[p:p + 4], self.order)

    def header(self, p, in_meta=False):
        """Return (tag, vr, length, value_pos)."""
        if p + 8 > len(self.d):
            raise ParseError('truncated element header')
        order = 'little' if in_meta else self.order
        g = int.from_bytes(self.d[p:p + 2], order)
        e = int.from_bytes(self.d[p + 2:p + 4], order)
        tag = (g << 16) | e
        if g == 0xFFFE:
            return tag, None, int.from_bytes(self.d[p + 4:p + 8], order), p + 8
        if self.explicit or in_meta:
            vr = self.d[p + 4:p + 6]
            if vr in LONG_VRS:
                return tag, vr.decode('ascii'), int.from_bytes(self.d[p + 8:p + 12], order), p + 12
            if re.fullmatch(rb'[A-Z]{2}', vr):
                return tag, vr.decode('ascii'), int.from_bytes(self.d[p + 6:p + 8], order), p + 8
            raise ParseError('bad VR at %d' % p)
        return tag, None, self.u32(p + 4), p + 8

    def looks_like_items(self, p, length):
        return length >= 8 and p + 4 <= len(self.d) and \
            ((self.u16(p) << 16) | self.u16(p + 2)) == ITEM

    def dataset(self, p, end, prefix, out, stop_at_item_end=False):
        while p < end:
            tag, vr, length, vp = self.header(p)
            if tag == ITEM_END:
                if stop_at_item_end:
                    return vp
                raise ParseError('unexpected item delimiter')
            if tag in (ITEM, SEQ_END):
                raise ParseError('unexpected item tag in dataset')
            path = prefix + fmt_tag(tag)
            if vr == 'SQ' or (vr in (None, 'UN') and length == UNDEFINED and tag != 0x7FE00010) \
                    or (vr is None and length != UNDEFINED and self.looks_like_items(vp, length)):
                sub = self
                if vr == 'UN':  # CP-246: undefined length UN is implicit VR little endian
                    sub = Reader(self.d, False, True)
                out.append((path, 'SQ', b''))
                p = sub.sequence(vp, length, path, out)
                continue
            if length == UNDEFINED:  # encapsulated pixel data: concatenated fragments
                frags = []
                q = vp
                while True:
                    t, _, ln, fp = self.header(q)
                    if t == SEQ_END:
                        q = fp
                        break
                    if t != ITEM or ln == UNDEFINED:
                        raise ParseError('bad fragment')
                    frags.append(self.d[fp:fp + ln])
                    q = fp + ln
                out.append((path, vr or 'OB', b''.join(frags)))
                p = q
                continue
            if vp + length > len(self.d):
                raise ParseError('value past the end of the file at %s' % path)
            out.append((path, vr or 'UN', self.d[vp:vp + length]))
            p = vp + length
        if stop_at_item_end:
            raise ParseError('missing item delimiter')
        return p

    def sequence(self, p, length, path, out):
        end = len(self.d) if length == UNDEFINED else p + length
        i = 0
        while p < end:
            tag, _, ilen, ip = self.header(p)
            if tag == SEQ_END:
                return ip
            if tag != ITEM:
                raise ParseError('expected an item in %s' % path)
            prefix = '%s[%d]/' % (path, i)
            if ilen == UNDEFINED:
                p = self.dataset(ip, len(self.d), prefix, out, stop_at_item_end=True)
            else:
                self.dataset(ip, ip + ilen, prefix, out)
                p = ip + ilen
            i += 1
        if length == UNDEFINED:
            raise ParseError('missing sequence delimiter in %s' % path)
        return p


def parse(path):
    """Return a DicomFile. Raises ParseError on malformed input."""
    with open(path, 'rb') as f:
        data = f.read()
    return parse_bytes(data)


class DicomFile:
    def __init__(self, meta, elements, ts):
        self.meta = meta          # list of (path, vr, bytes) of group 0002
        self.elements = elements  # list of (path, vr, bytes) of the dataset, in file order
        self.ts = ts
        self.by_path = {}
        for p, vr, v in elements:
            self.by_path[p] = (vr, v)
        cs = self.by_path.get('(0008,0005)')
        self.charset_terms = [t.strip() for t in cs[1].decode('ascii', 'replace').split('\\')] \
            if cs else ['']

    def text(self, path):
        """Raw value at path as bytes with DICOM padding removed, or None when absent."""
        e = self.by_path.get(path)
        if e is None:
            return None
        return e[1].rstrip(b' \x00')

    def decode(self, value):
        """Decode a text value by the file's Specific Character Set (PS3.5 6.1)."""
        terms = self.charset_terms
        if any('2022' in t for t in terms):
            names = {CHARSETS.get(t, 'latin_1') for t in terms}
            codec = 'iso2022_jp_2' if any('jp' in n for n in names) else \
                CHARSETS.get(terms[-1], 'latin_1')
            if b'\x1b' not in value and all(c < 0x80 for c in value):
                codec = 'ascii'
            elif 'iso2022_kr' in names:
                codec = 'iso2022_kr'
        else:
            codec = CHARSETS.get(terms[0], 'latin_1')
        try:
            return codecs.decode(value, codec)
        except (UnicodeDecodeError, LookupError):
            return value.decode('latin_1')


def parse_bytes(data):
    pos = 0
    meta = []
    ts = IMPLICIT_LE
    if len(data) >= 132 and data[128:132] == b'DICM':
        pos = 132
        r = Reader(data, True, True)
        while pos + 8 <= len(data) and int.from_bytes(data[pos:pos + 2], 'little') == 2:
            tag, vr, length, vp = r.header(pos, in_meta=True)
            meta.append((fmt_tag(tag), vr, data[vp:vp + length]))
            if tag == 0x00020010:
                ts = data[vp:vp + length].rstrip(b' \x00').decode('ascii', 'replace')
            pos = vp + length
    elif len(data) >= 8:
        # a bare dataset (PS3.10 7.1 says implicit VR LE; guess the others as DCMTK does)
        if re.fullmatch(rb'[A-Z]{2}', data[4:6]):
            ts = EXPLICIT_BE if data[0] == 0 and data[1] != 0 else '1.2.840.10008.1.2.1'
    explicit = ts != IMPLICIT_LE
    little = ts != EXPLICIT_BE
    if ts == DEFLATED:
        data = zlib.decompress(data[pos:], -15)
        pos = 0
    elements = []
    Reader(data, explicit, little).dataset(pos, len(data), '', elements)
    return DicomFile(meta, elements, ts)
