#!/bin/sh
# SPDX-License-Identifier: MIT
# PDI benchmarks on one synthetic study (default 2 GiB of CT images, 512x512x16 bit): build the
# file set (keys, DICOMDIR, hashes), write the stored ZIP, verify the ZIP; each beside the
# standard tools doing the same job (dcmmkdir + sha256sum, zip -0, unzip + sha256sum -c), with
# wall time and peak memory. Prints the lines of mk/bench.sh:
#   name  value unit   peer  value unit   ratio x
#
#   sh mk/bench/pdi.sh [BUILD_DIR]   BENCH_PDI_MB (default 2048), BENCH_RUNS (default 1)
#   (mk/bench.sh runs it with PDG_BUILD set)
#
# Peak memory must not grow with the study: compare BENCH_PDI_MB=256 with the default.
set -eu
build=${1:-${PDG_BUILD:-build}}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
export PATH="$build:$build/tools:$PATH"
export LC_ALL=C
SIZE_MB=${BENCH_PDI_MB:-2048}
RUNS=${BENCH_RUNS:-1}
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d "$build/bench.XXXXXX")
	[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$BENCH_TMP"' EXIT
else
	[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$BENCH_TMP/pdi"' EXIT
fi
b=$BENCH_TMP/pdi
rm -rf "$b"
mkdir -p "$b"

measure() { # NAME CMD...: M_SEC and M_RSS_MB of one run
	m_name=$1
	shift
	sync
	/usr/bin/time -f "%e %M" -o "$b/$m_name.time" "$@" >"$b/$m_name.log" 2>&1 || {
		echo "  ($m_name failed; see $b/$m_name.log)" >&2
		return 1
	}
	M_SEC=$(cut -d' ' -f1 "$b/$m_name.time")
	M_RSS_MB=$(awk '{ printf "%.1f", $2 / 1024 }' "$b/$m_name.time")
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b > a) ? b : a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", n / s }'; }
report() {
	awk -v n="$1" -v v="$2" -v u="$3" -v p="$4" -v pv="$5" -v pu="$6" 'BEGIN {
		r = pv > 0 ? sprintf("%.2f", v / pv) : "-"
		printf "%-26s %10s %-9s   %-14s %10s %-9s   ratio %sx\n", n, v, u, p, pv, pu, r }'
}

# One CT template written by dump2dcm, copied with new UIDs and numbers: 4 series.
make_study() {
	head -c 524288 /dev/urandom >"$b/pix.raw"
	cat >"$b/t.txt" <<-EOF
	(0008,0005) CS [ISO_IR 100]
	(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]
	(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]
	(0008,0018) UI [2.25.1000000000]
	(0008,0020) DA [20200101]
	(0008,0030) TM [101010]
	(0008,0060) CS [CT]
	(0010,0010) PN []
	(0010,0020) LO [PSEUDO01]
	(0020,000d) UI [2.25.2000000000]
	(0020,000e) UI [2.25.3000000000]
	(0020,0010) SH [1]
	(0020,0011) IS [1]
	(0020,0013) IS [1000]
	(0028,0002) US 1
	(0028,0004) CS [MONOCHROME2]
	(0028,0010) US 512
	(0028,0011) US 512
	(0028,0100) US 16
	(0028,0101) US 16
	(0028,0102) US 15
	(0028,0103) US 1
	(7fe0,0010) OW =$b/pix.raw
	EOF
	dump2dcm -q +te "$b/t.txt" "$b/t.dcm"
	python3 - "$b/t.dcm" "$b/in" "$SIZE_MB" <<-EOF
	import os, sys
	t = open(sys.argv[1], "rb").read()
	os.makedirs(sys.argv[2])
	n = max(1, int(sys.argv[3]) * 2)          # 512 KiB per image
	for i in range(n):
	    d = (t.replace(b"2.25.1000000000", b"2.25.1%09d" % i)
	          .replace(b"2.25.3000000000", b"2.25.3%09d" % (i % 4))
	          .replace(b"IS\x04\x001000", b"IS\x04\x00%04d" % (i // 4 % 10000)))
	    open(os.path.join(sys.argv[2], "F%06d" % i), "wb").write(d)
	EOF
	cat "$b"/in/* >/dev/null # warm
}

bench_pdi() {
	make_study
	mb=$(du -sm "$b/in" | cut -f1)
	n=$(ls "$b/in" | wc -l)
	bs= brss= ps= prss= zs= zrss= qs= qrss= vs= vrss= us= urss=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		rm -rf "$b/set" "$b/peer" "$b/set.zip" "$b/peer.zip" "$b/un"
		measure build pdigate pdi build --out "$b/set" "$b/in"
		bs=$(min "$bs" "$M_SEC") brss=$(max "$brss" "$M_RSS_MB")
		measure peer-build sh -c 'cp -rl "$1/in" "$1/peer" && cd "$1/peer" &&
			dcmmkdir -q -Pgp +I +r +id . && find . -type f -exec sha256sum {} + >../peer.sum' \
			sh "$b"
		ps=$(min "$ps" "$M_SEC") prss=$(max "$prss" "$M_RSS_MB")
		measure zip pdigate pdi zip "$b/set" "$b/set.zip"
		zs=$(min "$zs" "$M_SEC") zrss=$(max "$zrss" "$M_RSS_MB")
		measure peer-zip sh -c 'cd "$1/set" && zip -q -0 -r -X "$1/peer.zip" .' sh "$b"
		qs=$(min "$qs" "$M_SEC") qrss=$(max "$qrss" "$M_RSS_MB")
		measure verify pdigate pdi verify "$b/set.zip"
		vs=$(min "$vs" "$M_SEC") vrss=$(max "$vrss" "$M_RSS_MB")
		measure peer-verify sh -c 'unzip -q "$1/set.zip" -d "$1/un" && cd "$1/un" &&
			python3 -c "import json; [print(f[\"sha256\"] + \"  \" + f[\"path\"])
				for f in json.load(open(\"PDIGATE.JSN\"))[\"files\"]]" | sha256sum -c --quiet' \
			sh "$b"
		us=$(min "$us" "$M_SEC") urss=$(max "$urss" "$M_RSS_MB")
		rm -rf "$b/un"
		i=$((i + 1))
	done
	echo "pdi: $n CT images, $mb MiB"
	report "pdi build MiB/s" "$(rate "$mb" "$bs")" MiB/s "dcmmkdir+sha" "$(rate "$mb" "$ps")" MiB/s
	report "pdi build peak RSS" "$brss" MiB "dcmmkdir+sha" "$prss" MiB
	report "pdi zip MiB/s" "$(rate "$mb" "$zs")" MiB/s "zip -0" "$(rate "$mb" "$qs")" MiB/s
	report "pdi zip peak RSS" "$zrss" MiB "zip -0" "$qrss" MiB
	report "pdi verify zip MiB/s" "$(rate "$mb" "$vs")" MiB/s "unzip+sha -c" "$(rate "$mb" "$us")" MiB/s
	report "pdi verify peak RSS" "$vrss" MiB "unzip+sha -c" "$urss" MiB
}

bench_pdi
