#!/bin/sh
# tests/bench/metrics-cost.sh - what the query counters and /metrics cost
# the query path: side-by-side.sh's blocked-name QPS on one Unbound with
# the module, without and with /metrics scraped every second, alternating
# in one run; optionally a baseline build of the module (the code before
# per-source counters) in the same run.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: tests/bench/metrics-cost.sh [--builddir DIR] [--baseline DIR]
#
#   --builddir    the build directory (default: $top_builddir, or the
#                 current directory); configure it WITHOUT
#                 --enable-sanitizers and with CFLAGS="-O2 -g"
#   --baseline    another build directory of the module, built the same
#                 way against the same Unbound: its blocked-name QPS is
#                 measured in the same rounds (it gets no metrics-listen)
#
# Environment: UNBOUND_SBIN (default: read from the build's Makefile),
# NAMES (1000000), ROUNDS (5), SECS (10).
# Not part of make check: it needs minutes and a quiet machine.
#
# BENCH_PACKAGES (Debian): dnsperf curl
#
# Each round runs dnsperf (UDP, 4 clients, 1 thread; Unbound num-threads:
# 1) over the N listed names, every query answered NXDOMAIN by the
# module, for SECS seconds: "quiet" with nothing else, "scraped" while a
# loop fetches /metrics once a second (the two in one process, in turns
# first), and "baseline" on the baseline module if one is given.  The table shows medians and the ratio
# scraped / quiet (and quiet / baseline).
set -u

usage() {
	sed -n '9,18p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

BUILD=${top_builddir:-}
BASE=""
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) [ $# -ge 2 ] || usage; BUILD=$2; shift ;;
	--baseline) [ $# -ge 2 ] || usage; BASE=$2; shift ;;
	*) usage ;;
	esac
	shift
done

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${BUILD:-.}" && pwd)
if [ -z "${UNBOUND_SBIN:-}" ] && [ -f "$top_builddir/Makefile" ]; then
	UNBOUND_SBIN=$(sed -n 's/^UNBOUND_SBIN = //p' "$top_builddir/Makefile")
fi
UNBOUND_SBIN=${UNBOUND_SBIN:-}
SAN_LIBASAN=""
export top_srcdir top_builddir UNBOUND_SBIN

for tool in dnsperf curl dig; do
	command -v "$tool" >/dev/null || {
		echo "metrics-cost.sh needs $tool (apt-get install dnsperf curl dnsutils)" >&2
		exit 1
	}
done
if [ -z "$UNBOUND_SBIN" ] || [ ! -x "$UNBOUND_SBIN/unbound" ]; then
	echo "no Unbound built with dynlib: set UNBOUND_SBIN or --builddir" >&2
	exit 1
fi
for b in "$top_builddir" ${BASE:+"$BASE"}; do
	[ -f "$b/module/.libs/tapir-pop.so" ] || {
		echo "module not built in $b (make first)" >&2
		exit 1
	}
	if grep -q -- '-fsanitize' "$b/Makefile" 2>/dev/null; then
		echo "warning: $b is built with sanitizers; its figures mean little" >&2
	fi
done
[ -n "$BASE" ] && BASE=$(cd "$BASE" && pwd)

. "$top_srcdir/tests/integration/lib.sh"

NAMES=${NAMES:-1000000}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-10}
W=$(mktemp -d "${TMPDIR:-/tmp}/tapir-pop-metrics-cost.XXXXXX") || exit 1
trap 'cleanup; rm -rf "$W"' EXIT
PORT=$(free_port)
MPORT=$(free_port)
while [ "$MPORT" = "$PORT" ]; do MPORT=$(free_port); done

say() { printf '%s\n' "$*" >&2; }

awk -v n="$NAMES" -f "$top_srcdir/tests/bench/sbs_names.awk" > "$W/deny.txt"
sed 's/$/ A/' "$W/deny.txt" > "$W/blocked.q"
LAST=$(tail -n 1 "$W/deny.txt")

# setup CFG MODULE_BUILD METRICS: an unbound.conf and tapir-pop.conf.
setup() {
	mkdir -p "$W/$1"
	cat > "$W/$1/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $PORT
	do-ip6: no
	do-daemonize: no
	use-syslog: no
	logfile: ""
	verbosity: 1
	chroot: ""
	username: ""
	directory: "$W/$1"
	pidfile: "$W/$1/unbound.pid"
	num-threads: 1
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	module-config: "dynlib validator iterator"
dynlib:
	dynlib-file: "$2/module/.libs/tapir-pop.so"
EOF
	{
		echo "server:"
		[ "$3" = 1 ] && echo "    metrics-listen: 127.0.0.1@$MPORT"
		echo "source:"
		echo "    name: bench"
		echo "    list: denylist"
		echo "    file: \"$W/deny.txt\""
	} > "$W/$1/tapir-pop.conf"
}

# start CFG: start its Unbound; returns once the last name is blocked.
start() {
	(
		export TAPIR_POP_CONF="$W/$1/tapir-pop.conf"
		exec "$UNBOUND_SBIN/unbound" -d -c "$W/$1/unbound.conf"
	) > "$W/$1/unbound.log" 2>&1 &
	PID=$!
	T_PIDS="$T_PIDS $PID"
	wait_for 120 rcode_is "$PORT" "$LAST" A NXDOMAIN ||
		{ say "$1: $LAST not blocked; log:"; tail -n 20 "$W/$1/unbound.log" >&2; exit 1; }
}

qps() {
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$W/blocked.q" -c 4 -T 1 \
		-l "$SECS" 2>/dev/null |
		sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p'
}

# scraper: fetch /metrics once a second, recording each fetch's time and
# size, until the stop file appears (bounded by the run's length).
scraper() {
	i=0
	while [ ! -e "$W/stop" ] && [ $i -lt $((SECS + 30)) ]; do
		curl -s -o /dev/null -m 5 -w '%{time_total} %{size_download}\n' \
			"http://127.0.0.1:$MPORT/metrics" >> "$W/scrapes"
		sleep 1
		i=$((i + 1))
	done
}

# scraped_run: one run while the scraper fetches /metrics.
scraped_run() {
	rm -f "$W/stop"
	scraper &
	SPID=$!
	T_PIDS="$T_PIDS $SPID"
	record scraped "$(qps)"
	: > "$W/stop"
	wait "$SPID" 2>/dev/null
}

record() {
	echo "$2" >> "$W/res.$1"
	printf ' %s=%s' "$1" "$2" >&2
}

median() {
	sort -n "$W/res.$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

setup module "$top_builddir" 1
[ -n "$BASE" ] && setup baseline "$BASE" 0
say "metrics-cost: $NAMES names, $ROUNDS rounds of $SECS s; work in $W"
round=0
while [ $round -lt "$ROUNDS" ]; do
	round=$((round + 1))
	printf 'round %s:' "$round" >&2
	start module
	# Which of the two comes first alternates: the second run of a
	# process finds its caches warmer.
	[ $((round % 2)) = 0 ] && scraped_run
	record quiet "$(qps)"
	[ $((round % 2)) = 1 ] && scraped_run
	stop_pid "$PID"
	if [ -n "$BASE" ]; then
		start baseline
		record baseline "$(qps)"
		stop_pid "$PID"
	fi
	echo >&2
done

q=$(median quiet)
s=$(median scraped)
scrape_ms=$(awk '{ print $1 * 1000 }' "$W/scrapes" | sort -n |
	awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }')
scrape_kb=$(awk '{ s = $2 } END { printf "%.1f", s / 1024 }' "$W/scrapes")
echo "$(uname -sm), $(nproc) CPUs, $("$UNBOUND_SBIN/unbound" -V | head -n 1); $(date -u +%Y-%m-%d)"
echo "$NAMES names, medians of $ROUNDS rounds of $SECS s (dnsperf -c 4 -T 1, num-threads: 1)"
echo
echo "| blocked-name QPS | median | rounds |"
echo "|---|---:|---|"
echo "| quiet | $q | $(tr '\n' ' ' < "$W/res.quiet")|"
echo "| /metrics scraped every second | $s | $(tr '\n' ' ' < "$W/res.scraped")|"
[ -n "$BASE" ] && echo "| baseline module | $(median baseline) | $(tr '\n' ' ' < "$W/res.baseline")|"
echo
awk -v q="$q" -v s="$s" 'BEGIN { printf "scraped / quiet: %.3f\n", s / q }'
[ -n "$BASE" ] && awk -v q="$q" -v b="$(median baseline)" 'BEGIN { printf "quiet / baseline: %.3f\n", q / b }'
echo "a scrape: median $scrape_ms ms, $scrape_kb kB ($(wc -l < "$W/scrapes") scrapes)"
