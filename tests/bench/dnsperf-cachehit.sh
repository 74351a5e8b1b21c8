#!/bin/sh
# tests/bench/dnsperf-cachehit.sh - cache-hit QPS of Unbound with the
# module (and a large policy loaded) against the same Unbound without it,
# on loopback, as a ratio: runs alternate A/B and the medians are compared.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: top_srcdir=... top_builddir=... UNBOUND_SBIN=... \
#        dnsperf-cachehit.sh [NAMES] [RUNS] [SECONDS]
# Build the module without sanitizers for meaningful figures.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v dnsperf >/dev/null || skip_all "dnsperf not installed"
SAN_LIBASAN=""

NAMES=${1:-1000000}
RUNS=${2:-3}
SECS=${3:-10}
D=$T_DIR
PORT=$(free_port)

# The policy: NAMES names in a denylist file (none of them queried).
awk -v n="$NAMES" 'BEGIN { for (i = 0; i < n; i++)
	printf "blocked-%d.d%d.example\n", i, i % 977 }' > "$D/deny.txt"
cat > "$D/tapir-pop.conf" <<EOF2
source:
    name: big
    list: denylist
    file: "$D/deny.txt"
EOF2
# The query mix: names the demo zone answers, all cache hits after warm-up.
for n in www ok later fresh tree ns www2 target2 stale hidden; do
	echo "$n.example A"
done > "$D/queries.txt"

# run MODE: start Unbound with (mod) or without (plain) the module, warm
# the cache, measure, stop.  Prints the QPS.
run() {
	mkdir -p "$D/$1"
	cp "$D/tapir-pop.conf" "$D/$1/"
	write_unbound_conf "$D/$1" "$PORT"
	sed -i 's/num-threads: 2/num-threads: 1/' "$D/$1/unbound.conf"
	if [ "$1" = plain ]; then
		sed -i 's/module-config: "dynlib validator iterator"/module-config: "validator iterator"/; /dynlib/d' \
			"$D/$1/unbound.conf"
	fi
	start_unbound "$D/$1" "$PORT" || { echo 0; return; }
	# Wait until the policy is loaded (the log says so), then warm up.
	wait_for 60 grep -q "policy ready\|start of service" "$D/$1/unbound.log"
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries.txt" -l 2 >/dev/null 2>&1
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries.txt" -l "$SECS" -c 4 \
		-T 1 2>/dev/null | sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p'
	stop_pid "$UB_PID"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

: > "$D/plain.qps"
: > "$D/mod.qps"
# (lib.sh's helpers use $i: the loop counts with its own variable.)
round=0
while [ $round -lt "$RUNS" ]; do
	run plain >> "$D/plain.qps"
	run mod >> "$D/mod.qps"
	round=$((round + 1))
	echo "# run $round: plain $(tail -n 1 "$D/plain.qps"), module $(tail -n 1 "$D/mod.qps")"
done
plain=$(median < "$D/plain.qps")
mod=$(median < "$D/mod.qps")
echo "# plain runs: $(tr '\n' ' ' < "$D/plain.qps")"
echo "# module runs: $(tr '\n' ' ' < "$D/mod.qps")"
echo "cache-hit QPS, Unbound alone:                  $plain"
echo "cache-hit QPS, with tapir-pop and $NAMES names: $mod"
awk -v a="$mod" -v b="$plain" 'BEGIN { printf "ratio: %.3f\n", a / b }'
