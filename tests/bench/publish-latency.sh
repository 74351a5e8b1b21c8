#!/bin/sh
# tests/bench/publish-latency.sh - from an observation's publish at the
# broker to the first NXDOMAIN at the resolver, for names Unbound has
# cached, at 10 and at 1,000 observations a second, under dnsperf load.
# Not part of make check.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: tests/bench/publish-latency.sh [--builddir DIR]
#   --builddir   a build configured --with-unbound-source, without
#                sanitizers, CFLAGS="-O2 -g" (default: the current one)
# RATES (default "10 1000") observations a second, SECS (default 30) per
# rate (so 300 names at 10/s, 30,000 at 1,000/s), QPS (default 20000)
# dnsperf's rate of cached names meanwhile, PROBE_GAP_US (default 500)
# how soon bench_publish asks a name again after a NOERROR.
#
# BENCH_PACKAGES: dnsperf (besides what contrib/setup.sh installs)
#
# One Unbound (2 threads) with the module and an mqtt source on a
# mosquitto broker with TLS client certificates, as mqtt-load.sh has it;
# the upstream zone gets a wildcard so every observed name resolves.
# bench_obs --emit signs one observation per name beforehand (Ed25519, as
# Core does); bench_publish asks the resolver for each name once (into
# Unbound's cache; the script checks that a second pass is all cache
# hits), then publishes the messages itself at the rate and asks for
# each published name until NXDOMAIN: the publish time and the answer
# time are read from one clock in one process.  What is measured is the
# whole path: broker, TLS, the feed's signature check and commit, the
# flush of the name from Unbound's caches, the next query.
set -u

RATES=${RATES:-10 1000}
SECS=${SECS:-30}
QPS=${QPS:-20000}
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) BUILD=$2; shift ;;
	*) echo "usage: $0 [--builddir DIR]" >&2; exit 2 ;;
	esac
	shift
done
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${BUILD:-.}" && pwd)
UNBOUND_SBIN=${UNBOUND_SBIN:-$(sed -n 's/^UNBOUND_SBIN = //p' \
	"$top_builddir/Makefile" 2>/dev/null)}
SAN_LIBASAN=""
export top_srcdir top_builddir UNBOUND_SBIN
for c in dnsperf mosquitto dig; do
	command -v $c >/dev/null || { echo "publish-latency.sh needs $c" >&2; exit 1; }
done
EMIT="$top_builddir/tests/bench/bench_obs"
PUB="$top_builddir/tests/bench/bench_publish"
[ -x "$EMIT" ] && [ -x "$PUB" ] ||
	{ echo "make tests/bench/bench_obs tests/bench/bench_publish first" >&2; exit 1; }
grep -q -- '-fsanitize' "$top_builddir/Makefile" 2>/dev/null &&
	echo "warning: $top_builddir is built with sanitizers; its figures mean little" >&2

. "$top_srcdir/tests/integration/lib.sh"
require_unbound
D=$T_DIR
PORT=$(free_port)
MQ_PORT=$(free_port)
TOPIC="observations/down/tapir-pop"
say() { printf '%s\n' "$*" >&2; }

total=0
for r in $RATES; do
	total=$((total + r * SECS))
done
make_test_pki "$D/pki" || exit 1
say "signing $total observations"
"$EMIT" --emit "$total" "$D/keys.json" > "$D/messages" || exit 1
MOSQUITTO_EXTRA="max_queued_messages 0" start_mosquitto "$D/pki" "$MQ_PORT" ||
	{ say "mosquitto did not start"; exit 1; }
# The demo zone and a wildcard: every observed and every dnsperf name
# resolves, NOERROR, from the auth-zone the resolver iterates to.
{ cat "$top_srcdir/contrib/demo/example.zone"; echo "*	A	192.0.2.99"; } \
	> "$D/example.zone"
# Room in the caches for every name (the 4 MB defaults hold about 10k).
UB_EXTRA="	msg-cache-size: 64m
	rrset-cache-size: 128m" write_unbound_conf "$D" "$PORT"
sed -i "s|zonefile: \".*/contrib/demo/example.zone\"|zonefile: \"$D/example.zone\"|" \
	"$D/unbound.conf"
grep -q "zonefile: \"$D/example.zone\"" "$D/unbound.conf" ||
	{ say "cannot point the upstream zone at $D/example.zone"; exit 1; }
start_edge "$D" "$PORT" "$MQ_PORT" "$TOPIC" || exit 1
ub_stat() {
	"$UNBOUND_SBIN/unbound-control" -c "$D/unbound.conf" stats_noreset |
		sed -n "s/^total\.num\.$1=//p"
}

# dnsperf's load: 10,000 other cached names.
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "c%d.cached.example A\n", i }' \
	> "$D/queries"
dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries" -n 1 >/dev/null 2>&1

say "$(uname -sm), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
first=0
status=0
for r in $RATES; do
	n=$((r * SECS))
	"$PUB" warm "$PORT" "$D/messages" "$first" "$n" >&2 || { status=1; break; }
	q0=$(ub_stat queries) h0=$(ub_stat cachehits)
	"$PUB" warm "$PORT" "$D/messages" "$first" "$n" >/dev/null || { status=1; break; }
	q1=$(ub_stat queries) h1=$(ub_stat cachehits)
	cached=$(awk -v q=$((q1 - q0)) -v h=$((h1 - h0)) 'BEGIN { printf "%.1f", q ? 100 * h / q : 0 }')
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$D/queries" -c 4 -T 1 \
		-l $((SECS + 4)) -Q "$QPS" > "$D/dnsperf.$r" 2>&1 &
	perf=$!
	sleep 1
	say "rate $r/s: $n names, $cached% of a second pass over them from Unbound's cache; dnsperf at $QPS q/s"
	"$PUB" run "$PORT" "$D/messages" "$first" "$n" "$r" \
		"mqtts://127.0.0.1:$MQ_PORT" "$D/pki/ca.crt" "$D/pki/tls.crt" \
		"$D/pki/tls.key" "$TOPIC" || status=1
	wait "$perf"
	printf 'rate %s/s: dnsperf %s\n' "$r" "$(grep -E 'Queries per second' "$D/dnsperf.$r" | tr -s ' ')"
	grep -q "SERVFAIL" "$D/dnsperf.$r" && echo "rate $r/s: SERVFAIL seen"
	first=$((first + n))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_pid "$UB_PID"
exit $status
