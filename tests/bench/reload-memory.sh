#!/bin/sh
# tests/bench/reload-memory.sh - what a reload costs the resolver: Unbound
# with the module, a list of NAMES names (1M by default, sbs_names.awk's
# realistic names) and a small second list, then rounds of three reloads,
# each with the peak RSS reset first (VmHWM, /proc/PID/clear_refs):
#  * tapir-pop-control reload with nothing changed;
#  * tapir-pop-control reload after one name was added to the small list
#    (and the new name is checked blocked);
#  * unbound-control reload (Unbound's own: deinit, then init), timed
#    until the list's last name answers NXDOMAIN again.
# Prints the steady RSS, and per reload the peak, the peak over the RSS
# just before it and the time (medians of the rounds, and every round).
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Usage: tests/bench/reload-memory.sh BUILDDIR [NAMES [ROUNDS]]
# BUILDDIR is a build configured with --with-unbound-source and WITHOUT
# sanitizers (e.g. CFLAGS=-O2); UNBOUND_SBIN may override the Unbound
# found in its Makefile.  Needs root or the process's owner (the peak RSS
# is reset through /proc/PID/clear_refs).  Not run by make check: it
# prints figures.
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
USAGE="[NAMES [ROUNDS]]"
. "$top_srcdir/tests/bench/bench-env.sh"
NAMES=${2:-1000000}
ROUNDS=${3:-3}
[ -x "$UNBOUND_SBIN/unbound" ] && [ -f "$MODULE_SO" ] ||
	{ echo "no unbound or module in $1" >&2; exit 2; }

D=$T_DIR
PORT=$(free_port)
CTL="$top_builddir/tapir-pop-control"
awk -v n="$NAMES" -f "$top_srcdir/tests/bench/sbs_names.awk" > "$D/big.txt"
LAST=$(tail -n 1 "$D/big.txt")
awk 'BEGIN { for (i = 0; i < 100; i++) printf "s%d.small.example\n", i }' \
	> "$D/small.txt"
write_unbound_conf "$D" "$PORT"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    control-socket: "$D/tapir-pop.sock"
source:
    name: big
    list: denylist
    file: "$D/big.txt"
source:
    name: small
    list: denylist
    file: "$D/small.txt"
EOF2
export TAPIR_POP_CONF="$D/tapir-pop.conf"
start_unbound "$D" "$PORT" || { echo "unbound does not start" >&2; exit 1; }
wait_for 120 rcode_is "$PORT" "$LAST" A NXDOMAIN ||
	{ echo "the list does not load" >&2; exit 1; }
# The load's own peak settles once the list is in.
sleep 2

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# kb KEY: a VmXXX figure of Unbound, in kB.
kb() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$UB_PID/status"
}
# reset_peak: the high-water mark down to the RSS now, which is kept in
# $before.
reset_peak() {
	echo 5 > "/proc/$UB_PID/clear_refs" ||
		{ echo "cannot reset the peak RSS" >&2; exit 1; }
	before=$(kb VmRSS)
}
# record WHAT PEAK_KB SECONDS: with the peak over $before.
record() {
	echo "$2 $3 $(awk -v p="$2" -v b="$before" 'BEGIN { printf "%.2f", p / b }')" >> "$D/res.$1"
}

steady=$(kb VmRSS)
round=0
while [ $round -lt "$ROUNDS" ]; do
	round=$((round + 1))
	reset_peak
	t=$(now)
	"$CTL" reload > "$D/out" 2>&1 || { cat "$D/out" >&2; exit 1; }
	record unchanged "$(kb VmHWM)" "$(elapsed "$t")"

	name="added$round.small.example"
	{ cat "$D/small.txt"; echo "$name"; } > "$D/small.new"
	mv "$D/small.new" "$D/small.txt"
	reset_peak
	t=$(now)
	"$CTL" reload > "$D/out" 2>&1 || { cat "$D/out" >&2; exit 1; }
	record small "$(kb VmHWM)" "$(elapsed "$t")"
	rcode_is "$PORT" "$name" A NXDOMAIN ||
		{ echo "$name not blocked after the reload" >&2; exit 1; }

	reset_peak
	t=$(now)
	"$UNBOUND_SBIN/unbound-control" -c "$D/unbound.conf" reload \
		> "$D/out" 2>&1 || { cat "$D/out" >&2; exit 1; }
	# Unbound answers nothing while it reloads: poll until the list is
	# in force again.
	wait_for 300 rcode_is "$PORT" "$LAST" A NXDOMAIN ||
		{ echo "no answer after unbound-control reload" >&2; exit 1; }
	record unbound "$(kb VmHWM)" "$(elapsed "$t")"
	sleep 1
	steady_now=$(kb VmRSS)
	echo "$steady_now" >> "$D/res.steady"
done
stop_pid "$UB_PID"

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo "# $NAMES names + 100; $ROUNDS rounds; $(uname -sm), $(nproc) CPUs; $(date -u +%Y-%m-%d)"
awk -v s="$steady" 'BEGIN { printf "steady RSS after the first load: %.1f MB\n", s / 1024 }'
echo "steady RSS after each round, MB: $(awk '{ printf "%.1f ", $1 / 1024 }' "$D/res.steady")"
printf '%-44s %8s %9s %8s   %s\n' "reload" "peak MB" "x before" "time s" \
	"every round (peak MB, x before, s)"
for w in unchanged small unbound; do
	case $w in
	unchanged) what="tapir-pop-control reload, nothing changed" ;;
	small) what="tapir-pop-control reload, +1 name in small" ;;
	unbound) what="unbound-control reload (to last name blocked)" ;;
	esac
	p=$(cut -d' ' -f1 "$D/res.$w" | median)
	t=$(cut -d' ' -f2 "$D/res.$w" | median)
	x=$(cut -d' ' -f3 "$D/res.$w" | median)
	all=$(awk '{ printf "%.1f/%s/%s ", $1 / 1024, $3, $2 }' "$D/res.$w")
	awk -v w="$what" -v p="$p" -v x="$x" -v t="$t" -v a="$all" \
		'BEGIN { printf "%-44s %8.1f %9s %8s   %s\n", w, p / 1024,
			x, t, a }'
done
