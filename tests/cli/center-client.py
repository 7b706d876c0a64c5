#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A small, independent client of the center API (docs/center-api.md) for the crash tests: it
# keeps retrying through connection failures (the center is killed and restarted under it).
#   center-client.py DIR PORT upload WHO MEDIUM PKG [CHUNK]
#   center-client.py DIR PORT redeem TOKENFILE        (each token until 200 or 409)
#   center-client.py DIR PORT download WHO PKG OUTDIR  (Range-resumed, hashes checked)
# DIR holds ca.crt and WHO.crt/.key. Prints one line per finished item; exit 0 when all done.
import base64, hashlib, http.client, json, os, ssl, sys, time

D, PORT, CMD = sys.argv[1], int(sys.argv[2]), sys.argv[3]
DEADLINE = time.time() + 300
RANGE = int(os.environ.get("RANGE", 1 << 20))


def conn(who):
    ctx = ssl.create_default_context(cafile=D + "/ca.crt")
    ctx.load_cert_chain(D + "/%s.crt" % who, D + "/%s.key" % who)
    return http.client.HTTPSConnection("127.0.0.1", PORT, context=ctx, timeout=30)


class Client:
    def __init__(self, who):
        self.who, self.c = who, None

    def req(self, method, path, body=None, headers=None):
        """Send until a response arrives; returns (status, headers, body)."""
        while True:
            if time.time() > DEADLINE:
                sys.exit("deadline passed")
            try:
                if self.c is None:
                    self.c = conn(self.who)
                self.c.request(method, path, body, headers or {})
                r = self.c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, r, data
            except (OSError, http.client.HTTPException):
                if self.c is not None:
                    self.c.close()
                self.c = None
                time.sleep(0.1)


def upload(who, medium, pkg, chunk):
    c = Client(who)
    d = os.path.join(medium, "PDIGATE")
    man = open(os.path.join(d, pkg + ".MAN"), "rb").read()
    sig = open(os.path.join(d, pkg + ".SIG"), "rb").read()
    body = json.dumps({"manifest": base64.b64encode(man).decode(),
                       "signature": base64.b64encode(sig).decode()})
    while True:
        st, _, data = c.req("POST", "/v1/packages", body, {"Content-Type": "application/json"})
        if st not in (200, 201):
            sys.exit("POST %s: %d %s" % (pkg, st, data[:200]))
        status = json.loads(data)
        if status["state"] != "UPLOADING":
            break
        for s in status["segments"]:
            if s["complete"]:
                continue
            data = open(os.path.join(d, s["name"]), "rb").read()
            path = "/v1/packages/%s/segments/%d" % (pkg, s["index"])
            st, r, _ = c.req("HEAD", path)
            off = int(r.getheader("Upload-Offset"))
            while off < len(data):
                part = data[off:off + chunk]
                st, r, body2 = c.req("PATCH", path, part, {
                    "Upload-Offset": str(off), "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(len(part))})
                if st in (204, 409):
                    st2, r2, _ = c.req("HEAD", path)
                    if st2 == 200:
                        off = int(r2.getheader("Upload-Offset"))
                    elif st2 == 409:
                        break
                else:
                    sys.exit("PATCH %s: %d %s" % (path, st, body2[:200]))
    st, _, data = c.req("GET", "/v1/packages/%s/receipt" % pkg)
    rc = json.loads(data)
    want = json.loads(man)
    assert rc["ciphertext"]["sha256"] == want["ciphertext"]["sha256"], "receipt hash"
    assert rc["manifest_sha256"] == hashlib.sha256(man).hexdigest(), "manifest hash"
    print(pkg, rc["state"])


def redeem(tokfile):
    c = Client("staff")
    for t in open(tokfile).read().split():
        while True:
            st, _, data = c.req("POST", "/v1/redeem", json.dumps({"token": t}),
                                {"Content-Type": "application/json"})
            if st in (200, 409):
                break
            if st != 503 and st != 429:
                sys.exit("redeem: %d %s" % (st, data[:200]))
            time.sleep(0.1)
        print(json.loads(data).get("package_id", "-"), st)


def download(who, pkg, out):
    c = Client(who)
    st, _, man = c.req("GET", "/v1/packages/%s/manifest" % pkg)
    if st != 200:
        sys.exit("manifest: %d" % st)
    m = json.loads(man)
    os.makedirs(out, exist_ok=True)
    for i, s in enumerate(m["segments"], 1):
        p = os.path.join(out, s["name"])
        while True:
            have = os.path.getsize(p) if os.path.exists(p) else 0
            if have >= s["size"]:
                break
            st, r, data = c.req("GET", "/v1/packages/%s/segments/%d" % (pkg, i), None,
                                {"Range": "bytes=%d-%d" % (have, min(have + RANGE, s["size"]) - 1)})
            if st != 206:
                sys.exit("segment %d: %d" % (i, st))
            with open(p, "ab") as f:
                f.write(data)
        if hashlib.sha256(open(p, "rb").read()).hexdigest() != s["sha256"]:
            sys.exit("segment %d: hash differs" % i)
    c.req("POST", "/v1/packages/%s/downloaded" % pkg)
    print(pkg, "downloaded")


if CMD == "upload":
    upload(sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7]) if len(sys.argv) > 7 else 262144)
elif CMD == "redeem":
    redeem(sys.argv[4])
elif CMD == "download":
    download(sys.argv[4], sys.argv[5], sys.argv[6])
else:
    sys.exit("unknown command")
