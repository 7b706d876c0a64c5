#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Compare what Orthanc's REST API holds with a folder of de-identified DICOM files: exactly the
# same SOP instances, and for each the same pseudonymised values (dcmdump reads the files).
import json
import os
import subprocess
import sys
import urllib.request

TAGS = {  # keyword in Orthanc's simplified-tags -> tag for dcmdump
    "PatientID": "0010,0020", "PatientName": "0010,0010", "PatientBirthDate": "0010,0030",
    "PatientSex": "0010,0040", "StudyInstanceUID": "0020,000d",
    "SeriesInstanceUID": "0020,000e", "SOPInstanceUID": "0008,0018",
    "StudyDate": "0008,0020", "AccessionNumber": "0008,0050",
    "PatientIdentityRemoved": "0012,0062",
}


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def file_values(path):
    out = subprocess.run(["dcmdump", "-q", "+P", "0008,0018"] +
                         [a for t in TAGS.values() for a in ("+P", t)] + [path],
                         capture_output=True, text=True, check=True).stdout
    vals = {}
    for line in out.splitlines():
        tag = line[1:10].lower()
        for k, t in TAGS.items():
            if t == tag:
                s = line[line.find(" ", 12) + 1:]
                if s.startswith("["):
                    vals[k] = s[1:s.index("]")]
                elif s.startswith("(no value"):
                    vals[k] = ""
    return vals


def main():
    base, folder = sys.argv[1], sys.argv[2]
    files = {}
    for root, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(root, n)
            if n in ("DICOMDIR",) or not open(p, "rb").read(132)[128:132] == b"DICM":
                continue
            v = file_values(p)
            files[v["SOPInstanceUID"]] = v
    ids = get(base + "/instances")
    held = {}
    for i in ids:
        held_tags = get(base + "/instances/" + i + "/simplified-tags")
        held[held_tags.get("SOPInstanceUID")] = held_tags
    if set(held) != set(files):
        print("orthanc holds %d instances, the package %d; missing %d, extra %d" %
              (len(held), len(files), len(set(files) - set(held)), len(set(held) - set(files))))
        return 1
    for uid, want in files.items():
        got = held[uid]
        for k, v in want.items():
            if got.get(k, "") != v:
                print("instance %d: %s differs" % (sorted(files).index(uid), k))
                return 1
    print("orthanc holds exactly the %d instances, values match" % len(files))
    return 0


sys.exit(main())
