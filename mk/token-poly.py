#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Re-derives the release token check polynomial of docs/formats.md "The check": g(x) has an
# element of order 1025 as root (x^1025 = 1 mod g, x^205 and x^25 are not), and the code it
# generates has minimum distance 4 up to length N (every 3 columns x^i mod g of the
# parity-check matrix are independent). Usage: mk/token-poly.py [N]  (default 1025, ~30 s)
import sys

EXP, LOG = [0] * 62, [0] * 32
v = 1
for i in range(31):
    EXP[i], LOG[v] = v, i
    v <<= 1
    if v & 32:
        v ^= 0x25              # z^5 + z^2 + 1
for i in range(31, 62):
    EXP[i] = EXP[i - 31]

def mul(a, b):
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]

def inv(a):
    return EXP[(31 - LOG[a]) % 31]

G = [1, 17, 2, 17]             # g = x^4 + 17 x^3 + 2 x^2 + 17 x + 1, low degree first

def mulmod(a, b):
    r = [0] * 8
    for i in range(4):
        for j in range(4):
            r[i + j] ^= mul(a[i], b[j])
    for d in range(7, 3, -1):
        c, r[d] = r[d], 0
        for k in range(4):
            r[d - 4 + k] ^= mul(c, G[k])
    return r[:4]

def powx(n):
    res, base = [1, 0, 0, 0], [0, 1, 0, 0]
    while n:
        if n & 1:
            res = mulmod(res, base)
        base, n = mulmod(base, base), n >> 1
    return res

def norm(v):
    for x in v:
        if x:
            s = inv(x)
            return tuple(mul(s, y) for y in v)
    return None

def distance4(n):
    cols, v = [], [1, 0, 0, 0]
    for _ in range(n):
        cols.append(tuple(v))
        v = mulmod(v, [0, 1, 0, 0])
    normed = [norm(c) for c in cols]
    index = {c: i for i, c in enumerate(normed)}
    if len(index) != n:
        return False           # two columns dependent: distance 2
    for i in range(n):
        for j in range(i + 1, n):
            for a in range(1, 32):
                w = norm(tuple(cols[i][k] ^ mul(a, cols[j][k]) for k in range(4)))
                if w is None or index.get(w, i) not in (i, j):
                    return False
    return True

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1025
one = [1, 0, 0, 0]
order_ok = powx(1025) == one and powx(205) != one and powx(25) != one
d4 = distance4(n)
print(f"root of order 1025: {order_ok}; minimum distance >= 4 up to length {n}: {d4}")
sys.exit(0 if order_ok and d4 else 1)
