#!/bin/sh
# tests/bench/scale.sh - side-by-side.sh at several list sizes, one table
# and one plot of what Unbound's rpz: (B) and tapir-pop (C) cost as the
# list grows.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: tests/bench/scale.sh [--builddir DIR] [--sizes "N N ..."] [OUTDIR]
#
#   --builddir   the build directory, configured WITHOUT sanitizers and
#                with CFLAGS="-O2 -g" (default: the current directory)
#   --sizes      list sizes in names (default "100000 1000000 10000000")
#   OUTDIR       scale.md, scale.dat, scale.png and one side-by-side
#                directory per size (default: a fresh temporary directory)
#
# Environment: ROUNDS (default 1) and SECS (default 5) per size, WAIT
# (default 900 s) bounds each wait for a load or a delta; HIT_NAMES
# (default 100000) is the same cache-hit set at every size, so that
# column compares like with like.  Unbound's rpz: needs about 600 bytes
# a name (6 GB at 10M) and minutes to load that many: a size it does not
# finish within WAIT shows n/a for B, and the failure is in that size's
# log.  Not part of make check.
#
# BENCH_PACKAGES (Debian): dnsperf gnuplot-nox
set -u

usage() {
	sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

SIZES="100000 1000000 10000000"
OUT=""
BUILD=${top_builddir:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) [ $# -ge 2 ] || usage; BUILD=$2; shift ;;
	--sizes) [ $# -ge 2 ] || usage; SIZES=$2; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) OUT=$1 ;;
	esac
	shift
done
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/tapir-pop-scale.XXXXXX") || exit 1
fi
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
export ROUNDS=${ROUNDS:-1} SECS=${SECS:-5} WAIT=${WAIT:-900}
export HIT_NAMES=${HIT_NAMES:-100000}
say() { printf '%s\n' "$*" >&2; }

status=0
for n in $SIZES; do
	say "== $n names (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	mkdir -p "$OUT/$n"
	loadavg_before=$(cut -d' ' -f1 /proc/loadavg)
	NAMES=$n sh "$here/side-by-side.sh" --builddir "$BUILD" "$OUT/$n" \
		2> "$OUT/$n/log" > /dev/null || status=1
	echo "$loadavg_before $(cut -d' ' -f1 /proc/loadavg)" > "$OUT/$n/loadavg"
	[ -f "$OUT/$n/summary.dat" ] ||
		{ say "  no figures for $n names: see $OUT/$n/log"; status=1; }
	grep -E "^(Failed|  [ABC]: .* not blocked)" "$OUT/$n/results.md" "$OUT/$n/log" >&2
done

# get SIZE METRIC COLUMN: one median from a size's summary (2 = A,
# 3 = B, 4 = C), or "?".
get() {
	awk -v m="$2" -v c="$3" '$1 == m { v = $c } END { print (v == "" ? "?" : v) }' \
		"$OUT/$1/summary.dat" 2>/dev/null || echo "?"
}
fmt() {
	case $1 in
	"?"|"") echo "n/a" ;;
	*) awk -v v="$1" -v s="$2" -v d="$3" 'BEGIN { printf "%.*f", d, v / s }' ;;
	esac
}
ratio() {
	case "$1$2" in
	*"?"*) echo "n/a" ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' ;;
	esac
}

{
	echo "## tapir-pop at scale: B (Unbound rpz:) and C (Unbound + tapir-pop), $ROUNDS round(s) of ${SECS} s per size"
	echo
	echo "$(uname -sm), $(nproc) CPUs; $(date -u +%Y-%m-%d); cache-hit set $HIT_NAMES names at every size"
	echo
	echo "| names | first answer B (s) | first answer C (s) | B/name B | B/name C | cache-hit QPS A | cache-hit QPS B | cache-hit QPS C | C/B hit | blocked QPS B | blocked QPS C | 10k delta B (s) | 10k delta C (s) | load avg before/after |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for n in $SIZES; do
		echo "| $n | $(fmt "$(get "$n" ttfa 3)" 1 3) | $(fmt "$(get "$n" ttfa 4)" 1 3) | $(fmt "$(get "$n" mpn 3)" 1 0) | $(fmt "$(get "$n" mpn 4)" 1 0) | $(fmt "$(get "$n" hit 2)" 1 0) | $(fmt "$(get "$n" hit 3)" 1 0) | $(fmt "$(get "$n" hit 4)" 1 0) | $(ratio "$(get "$n" hit 4)" "$(get "$n" hit 3)") | $(fmt "$(get "$n" blocked 3)" 1 0) | $(fmt "$(get "$n" blocked 4)" 1 0) | $(fmt "$(get "$n" delta 3)" 1 3) | $(fmt "$(get "$n" delta 4)" 1 3) | $(sed 's| |/|' "$OUT/$n/loadavg" 2>/dev/null) |"
	done
	echo
	echo "Each size's full table: $OUT/SIZE/results.md."
} > "$OUT/scale.md"
cat "$OUT/scale.md"

{
	echo "# names ttfaB ttfaC mpnB mpnC hitA hitB hitC blockedB blockedC deltaB deltaC"
	for n in $SIZES; do
		echo "$n $(get "$n" ttfa 3) $(get "$n" ttfa 4) $(get "$n" mpn 3) $(get "$n" mpn 4) $(get "$n" hit 2) $(get "$n" hit 3) $(get "$n" hit 4) $(get "$n" blocked 3) $(get "$n" blocked 4) $(get "$n" delta 3) $(get "$n" delta 4)"
	done
} > "$OUT/scale.dat"
gnuplot <<EOF
set terminal png size 1200,900
set output "$OUT/scale.png"
set datafile missing "?"
set logscale x
set format x "%.0s%c"
set xlabel "names"
set key top left
set grid
set style data linespoints
set multiplot layout 2,2 title "tapir-pop against Unbound's rpz: as the list grows (B: Unbound rpz:, C: Unbound + tapir-pop)"
set title "time to first answer (s)"
set logscale y
plot "$OUT/scale.dat" using 1:2 title "B", '' using 1:3 title "C"
set title "time to apply a 10k-name delta (s)"
plot "$OUT/scale.dat" using 1:11 title "B", '' using 1:12 title "C"
unset logscale y
set yrange [0:*]
set title "memory per name (bytes)"
plot "$OUT/scale.dat" using 1:4 title "B", '' using 1:5 title "C"
set title "queries per second"
set key bottom left
plot "$OUT/scale.dat" using 1:6 title "A cache hit", '' using 1:7 title "B cache hit", \
	'' using 1:8 title "C cache hit", '' using 1:9 title "B blocked", \
	'' using 1:10 title "C blocked"
unset multiplot
EOF
say "wrote $OUT/scale.md and $OUT/scale.png"
exit $status
