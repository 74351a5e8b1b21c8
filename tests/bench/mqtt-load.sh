#!/bin/sh
# tests/bench/mqtt-load.sh - DNS TAPIR observations through a real broker
# while dnsperf loads the resolver: observations applied per second,
# rcodes and latency of the queries meanwhile.  Not part of make check.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: tests/bench/mqtt-load.sh [--builddir DIR] [MESSAGES]
#   --builddir   a build configured --with-unbound-source, without
#                sanitizers, CFLAGS="-O2 -g" (default: the current one)
#   MESSAGES     signed observations to publish (default 100000)
# RATE (observations/s, default 15000: above the 10,000/s target, so that
# the figure is what the feed keeps up with, not the publishers' pace) and
# QPS (dnsperf's rate, default 20000) set the load; PUB_QOS the publications' QoS (default 0, as Core
# publishes).
#
# BENCH_PACKAGES: dnsperf (besides what contrib/setup.sh installs)
#
# One Unbound with the module and an mqtt source on a mosquitto broker
# with TLS client certificates, as an edge has it.  bench_obs --emit signs
# the messages beforehand (Ed25519, as Core does); mosquitto_pub -l sends
# them in slices of RATE/10 every 100 ms while dnsperf asks cached names
# at QPS queries a second for the whole window.  The feed verifies every
# signature, so the rate it keeps up with is the rate an edge can follow.
set -u

MESSAGES=100000
RATE=${RATE:-15000}
QPS=${QPS:-20000}
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) BUILD=$2; shift ;;
	-*) echo "usage: $0 [--builddir DIR] [MESSAGES]" >&2; exit 2 ;;
	*) MESSAGES=$1 ;;
	esac
	shift
done
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${BUILD:-.}" && pwd)
UNBOUND_SBIN=${UNBOUND_SBIN:-$(sed -n 's/^UNBOUND_SBIN = //p' \
	"$top_builddir/Makefile" 2>/dev/null)}
SAN_LIBASAN=""
export top_srcdir top_builddir UNBOUND_SBIN
for c in dnsperf mosquitto mosquitto_pub dig; do
	command -v $c >/dev/null || { echo "mqtt-load.sh needs $c" >&2; exit 1; }
done
EMIT="$top_builddir/tests/bench/bench_obs"
CTL="$top_builddir/tapir-pop-control"
[ -x "$EMIT" ] || { echo "make tests/bench/bench_obs first" >&2; exit 1; }

. "$top_srcdir/tests/integration/lib.sh"
require_unbound
D=$T_DIR
PORT=$(free_port)
MQ_PORT=$(free_port)
TOPIC="observations/down/tapir-pop"
say() { printf '%s\n' "$*" >&2; }

make_test_pki "$D/pki" || exit 1
say "signing $MESSAGES observations"
"$EMIT" --emit "$MESSAGES" "$D/keys.json" > "$D/messages" || exit 1
# The broker would drop what queues beyond 1000 messages for a client.
MOSQUITTO_EXTRA="max_queued_messages 0" start_mosquitto "$D/pki" "$MQ_PORT" ||
	{ say "mosquitto did not start"; exit 1; }
write_unbound_conf "$D" "$PORT"
start_edge "$D" "$PORT" "$MQ_PORT" "$TOPIC" || exit 1
counter() {
	TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" stats_noreset |
		sed -n "s/^source\.dns-tapir\.$1=//p"
}
applied() { counter updates; }

# Cached names for dnsperf: what the upstream zone has.
for n in www ok later fresh www2 tracker; do
	echo "$n.example A"
done > "$D/queries"
dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries" -l 1 >/dev/null 2>&1

secs=$((MESSAGES / RATE + 6))
dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries" -c 4 -T 1 -l "$secs" \
	-Q "$QPS" > "$D/dnsperf.out" 2>&1 &
PERF_PID=$!
sleep 2
split -l $((RATE / 10)) "$D/messages" "$D/slice."
a0=$(applied)
t0=$(date +%s.%N)
pubs=""
for f in "$D"/slice.*; do
	mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" --cafile "$D/pki/ca.crt" \
		--cert "$D/pki/tls.crt" --key "$D/pki/tls.key" -V mqttv5 \
		-q "${PUB_QOS:-0}" -t "$TOPIC" -l < "$f" &
	pubs="$pubs $!"
	sleep 0.1
done
for p in $pubs; do
	wait "$p"
done
t1=$(date +%s.%N)
# The feed may still be working through what the broker queued.
last=-1
while :; do
	a=$(applied)
	[ "$a" -ge $((a0 + MESSAGES)) ] && break
	[ "$a" = "$last" ] && break
	last=$a
	sleep 0.5
done
t2=$(date +%s.%N)
a1=$(applied)
wait "$PERF_PID"
probe=$(dig +short -p "$PORT" @127.0.0.1 "n$((MESSAGES - 1)).load-$(( (MESSAGES - 1) % 97 )).example" A; \
	dig -p "$PORT" @127.0.0.1 "n$((MESSAGES - 1)).load-$(( (MESSAGES - 1) % 97 )).example" A |
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p')

awk -v n="$((a1 - a0))" -v m="$MESSAGES" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
    -v r="$(counter received)" 'BEGIN {
	printf "published %d signed observations in %.2f s (%.0f/s)\n", m, t1 - t0, m / (t1 - t0)
	printf "received  %d; applied %d in %.2f s: %.0f observations/s\n", r, n, t2 - t0, n / (t2 - t0)
}'
echo "last name published: $probe"
grep -E "Queries per second|Response codes|Average Latency|Latency StdDev|Queries lost" "$D/dnsperf.out"
grep -q "SERVFAIL" "$D/dnsperf.out" && echo "SERVFAIL seen" || echo "no SERVFAIL"
stop_pid "$UB_PID"
