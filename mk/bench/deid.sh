#!/bin/sh
# SPDX-License-Identifier: MIT
# De-identification benchmark (issue 2), run by mk/bench.sh: a 600-slice CT study from pdg-gen,
# de-identified by `pdigate deid` (ps315-basic, both cores) beside DCMTK dcmodify applying a
# comparable list of 53 edits (one invocation over all files, on a copy) and beside cp -r (the
# I/O floor), in one run on the same files, and the machine's write floor (dd from /dev/zero);
# then pdigate's peak memory at 600 and 2,400 slices.
# Lines:  name  value unit   peer  value unit   ratio x   (helpers: mk/bench-lib.sh)
set -eu
. "$PDG_TOP/mk/bench-lib.sh"

have_pdigate_deid() {
	pdigate deid --help >/dev/null 2>&1
}

bench_deid() {
	b=$BENCH_TMP/deid
	mkdir -p "$b"
	echo "600-slice CT (pdg-gen --seed 42), $(nproc) cores, warm page cache, load:$(uptime | sed 's/.*load average://')"
	pdg-gen --seed 42 --out "$b/s600" --patients 1 --ct-slices 600 --only ct
	study=$b/s600/pat01/ct
	n=$(find "$study" -name '*.dcm' | wc -l)
	mb=$(mb_of "$study")
	warm "$study"

	measure cp cp -r "$study" "$b/cp-copy"
	cp_sec=$M_SEC
	report_solo "deid/cp-r" "$(rate "$n" "$cp_sec")" "images/s" \
		"$(rate "$mb" "$cp_sec") MB/s, ${cp_sec}s, $n files, $mb MB (I/O floor)"
	# pdigate flushes its output before naming it (syncfs): the floor with that flush
	measure cp-sync sh -c 'cp -r "$1" "$2" && sync -f "$2"' cp "$study" "$b/cp-copy2"
	cps_rate=$(rate "$n" "$M_SEC")
	report_solo "deid/cp-r+sync" "$cps_rate" "images/s" \
		"$(rate "$mb" "$M_SEC") MB/s, ${M_SEC}s (I/O floor with the data on disk)"
	rm -rf "$b/cp-copy" "$b/cp-copy2"
	# The machine's write floor: the study's bytes written from /dev/zero by one dd per core into
	# the page cache (nothing read, nothing parsed, no flush), best of three runs. No program that
	# writes these outputs can beat it, whatever it does.
	cores=$(nproc)
	per=$(( (mb + cores - 1) / cores ))
	wf_sec=
	for i in 1 2 3; do
		measure wfloor sh -c 'i=0; while [ $i -lt "$1" ]; do
			dd if=/dev/zero of="$2/z$i" bs=1M count="$3" status=none & i=$((i + 1)); done; wait' \
			wfloor "$cores" "$b" "$per"
		rm -f "$b"/z*
		wf_sec=$(awk -v a="${wf_sec:-999}" -v b="$M_SEC" 'BEGIN { print (b < a ? b : a) }')
	done
	wf_rate=$(rate "$n" "$wf_sec")
	report_solo "deid/write-floor" "$wf_rate" "images/s" \
		"$(rate "$mb" "$wf_sec") MB/s: $mb MB from /dev/zero, $cores dd in parallel, page cache, best of 3"

	cp -r "$study" "$b/dcmodify"
	warm "$b/dcmodify"
	# 53 edits: 3 UID regenerations, private tags erased, 29 attributes blanked or replaced,
	# 20 erased, as a PS3.15 basic profile written for dcmodify would do.
	set -- -nb -ie -gin -gse -gst -ep \
		-ma "(0010,0010)=ANONYMOUS" -ma "(0010,0020)=PSEUDO0001" -ma "(0010,0030)=" \
		-ma "(0010,0040)=" -ma "(0008,0020)=" -ma "(0008,0030)=" -ma "(0008,0050)=" \
		-ma "(0008,0090)=" -ma "(0020,0010)=" -ma "(0008,0023)=" -ma "(0008,0033)=" \
		-ma "(0008,0080)=" -ma "(0008,1010)=" -ma "(0008,1070)=" -ma "(0018,1000)=" \
		-ma "(0020,0052)=2.25.1" -ma "(0008,0021)=" -ma "(0008,0022)=" -ma "(0008,0031)=" \
		-ma "(0008,0032)=" -ma "(0008,0012)=" -ma "(0008,0013)=" -ma "(0008,002a)=" \
		-ma "(0018,1030)=" -ma "(0008,1030)=" -ma "(0008,103e)=" -ma "(0040,0244)=" \
		-ma "(0040,0245)=" -ma "(0040,0253)=" \
		-ea "(0008,0081)" -ea "(0008,0092)" -ea "(0008,0094)" -ea "(0008,1040)" \
		-ea "(0008,1048)" -ea "(0008,1050)" -ea "(0008,1060)" -ea "(0008,1080)" \
		-ea "(0010,1000)" -ea "(0010,1001)" -ea "(0010,1010)" -ea "(0010,1020)" \
		-ea "(0010,1030)" -ea "(0010,1040)" -ea "(0010,2154)" -ea "(0010,2160)" \
		-ea "(0010,21b0)" -ea "(0010,4000)" -ea "(0032,1032)" -ea "(0032,1060)" \
		"$b"/dcmodify/*.dcm
	measure dcmodify dcmodify "$@"
	[ "$M_STATUS" -eq 0 ] || echo "  (dcmodify exited $M_STATUS; see $BENCH_TMP/dcmodify.log)"
	dm_sec=$M_SEC
	dm_rate=$(rate "$n" "$dm_sec")
	report_solo "deid/dcmodify" "$dm_rate" "images/s" \
		"$(rate "$mb" "$dm_sec") MB/s, ${dm_sec}s, peak ${M_RSS_MB} MB (53 edits, 1 process)"

	# DCMTK's own read + write of the same files in one process (the shim's pdg-dcmcat: lazy
	# read, write with the pixel data copied in the kernel), the parsing floor of one core
	mkdir -p "$b/dcmcat"
	for f in "$study"/*.dcm; do printf '%s\n%s\n' "$f" "$b/dcmcat/${f##*/}"; done >"$b/pairs"
	measure dcmcat sh -c 'xargs -d "\n" pdg-dcmcat <"$1"' dcmcat "$b/pairs"
	dc_rate=$(rate "$n" "$M_SEC")
	report_solo "deid/dcmtk-read+write" "$dc_rate" "images/s" \
		"${M_SEC}s, one process (pdg-dcmcat): DCMTK's floor per core"
	rm -rf "$b/dcmcat"

	if ! have_pdigate_deid; then
		report_solo "deid/pdigate" "-" "images/s" "pdigate deid is not built yet"
		return 0
	fi
	h=$b/home
	echo "benchmark administrator passphrase" >"$b/admin.pass"
	pdigate init --home "$h" --site bench --admin-passphrase-file "$b/admin.pass" >/dev/null
	pdigate project add bench --profile ps315-basic --home "$h" >/dev/null
	measure pdigate-600 pdigate deid --project bench --out "$b/out600" --home "$h" "$study"
	[ "$M_STATUS" -le 3 ] || echo "  (pdigate deid exited $M_STATUS; see $BENCH_TMP/pdigate-600.log)"
	pd_sec=$M_SEC
	pd_rss600=$M_RSS_MB
	exported=$(find "$b/out600" -maxdepth 1 -name 'E*.dcm' | wc -l)
	report "deid/pdigate images/s" "$(rate "$n" "$pd_sec")" "images/s" \
		"dcmodify" "$dm_rate" "images/s"
	report "deid/pdigate MB/s" "$(rate "$mb" "$pd_sec")" "MB/s" \
		"cp -r" "$(rate "$mb" "$cp_sec")" "MB/s"
	report_solo "deid/pdigate 600" "$pd_sec" "s" "$exported of $n exported, peak $pd_rss600 MB"
	# The targets side by side: pdigate reads and writes every byte cp copies (plus parsing) and
	# flushes its outputs before naming them, so cp -r + sync is its ceiling (cp -r without the
	# flush, and the page-cache write floor, for scale); 10x dcmodify is reachable only below it.
	mb_per=$(awk -v m="$mb" -v n="$n" 'BEGIN { print m / n }')
	awk -v dm="$dm_rate" -v cp="$(rate "$n" "$cp_sec")" -v pd="$(rate "$n" "$pd_sec")" \
		-v dc="$dc_rate" -v cores="$(nproc)" -v wf="$wf_rate" -v mbper="$mb_per" -v cps="$cps_rate" 'BEGIN {
		t = 10 * dm
		f = dc * cores
		printf "deid/targets               10x dcmodify = %.1f images/s; cp -r = %.1f images/s; ", t, cp
		printf "within 2x of cp = %.1f images/s\n", cp / 2
		printf "                           DCMTK read+write floor x %d cores = %.1f images/s = %.2fx dcmodify\n", cores, f, f / dm
		if (t > cps)
			printf "                           10x dcmodify exceeds the durable I/O floor (cp -r + sync, %.1f images/s: outputs on disk, as pdigate leaves them): not reachable here\n", cps
		if (t > wf)
			printf "                           10x dcmodify = %.0f MB/s of output exceeds the write floor %.0f MB/s (%.1f images/s): not reachable here by any program\n", t * mbper, wf * mbper, wf
		if (t > cp)
			printf "                           10x dcmodify exceeds the I/O floor (cp): not reachable here\n"
		if (t > f)
			printf "                           10x dcmodify exceeds what DCMTK can parse and write on %d cores: not reachable with DCMTK\n", cores
		printf "                           pdigate: %.2fx dcmodify, %.2fx cp, %.2fx cp + sync, %.2fx the DCMTK floor, %.2fx the write floor (1 = as fast)\n", pd / dm, pd / cp, pd / cps, pd / f, pd / wf
	}'

	pdg-gen --seed 43 --out "$b/s2400" --patients 1 --ct-slices 2400 --only ct
	warm "$b/s2400"
	measure pdigate-2400 pdigate deid --project bench --out "$b/out2400" --home "$h" \
		"$b/s2400/pat01/ct"
	n4=$(find "$b/s2400" -name '*.dcm' | wc -l)
	report "deid/pdigate peak RSS" "$M_RSS_MB" "MB@2400" "same @600" "$pd_rss600" "MB@600"
	report_solo "deid/pdigate 2400" "$(rate "$n4" "$M_SEC")" "images/s" \
		"${M_SEC}s, $(rate "$(mb_of "$b/s2400")" "$M_SEC") MB/s"
	rm -rf "$b/s2400" "$b/out2400"
}

bench_deid
