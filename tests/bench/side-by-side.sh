#!/bin/sh
# tests/bench/side-by-side.sh - Unbound alone (A), Unbound with its own
# rpz: zone of N names (B), and Unbound with tapir-pop holding the same N
# names (C), measured on one machine in one run, on loopback.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: tests/bench/side-by-side.sh [--quick] [--builddir DIR] [OUTDIR]
#
#   --quick       100k names, shorter runs: a smoke of the whole procedure
#   --builddir    the build directory (default: $top_builddir, or the
#                 current directory); configure it WITHOUT
#                 --enable-sanitizers and with CFLAGS="-O2 -g"
#   OUTDIR        where results.md, summary.dat and results.png go
#                 (default: a fresh temporary directory)
#
# Environment: UNBOUND_SBIN (default: read from the build's Makefile),
# NAMES, HIT_NAMES, ROUNDS, SECS, LAT_QPS, LAT_SECS override the run's
# sizes; WAIT (default 600) bounds, in seconds, each wait for a load or
# a delta to show.  A configuration that does not answer within WAIT
# gets n/a and the others still run; the exit status is then 1.
# tests/bench/scale.sh runs this at several sizes.
# Not part of make check: it needs minutes and a quiet machine.
#
# BENCH_PACKAGES (Debian): dnsperf gnuplot-nox
# (plus what the build and the tests need: contrib/setup.sh.)
#
# What is measured, per configuration, in each round; rounds alternate
# A, B, C and the table shows medians:
#  * time to first answer: from exec to the first correct answer.  For B
#    and C that is NXDOMAIN for the LAST name of the list (so the whole
#    policy is in), for A the first answer to a name.
#  * RSS after load (VmRSS, 1 s after the first answer, before traffic);
#    memory per name = (RSS - RSS of A) / N.
#  * QPS (dnsperf, UDP, 4 clients, 1 thread, unbound num-threads: 1):
#    cache-hit: HIT_NAMES (100k) unlisted names, all cached by a warm-up
#    pass, asked over and over: a resolver's cache holds that many names
#    and more, and its clients ask across them, so the lookups of a
#    policy kept per query (B's) miss the CPU caches as they would in
#    service.  The share of that run Unbound answered from its cache is
#    reported, so a cache too small to hold the set shows.  Also the 100
#    last of those names alone ("hot"), where every lookup stays in the
#    CPU caches: the friendliest case for B.  blocked: the N listed names
#    in list order (B and C only); cache-miss: unique names that the
#    upstream answers.
#  * p99 latency at a fixed offered load (LAT_QPS, dnsperf -Q): dnsperf
#    2.10 has no latency histogram, so its per-query lines (-v) are
#    sorted.  At saturation p99 only measures dnsperf's own queue.
#  * time to apply a 10k-name delta: the source rewritten with the N names
#    plus 10k new ones, until the last new name answers NXDOMAIN.  B:
#    zone file replaced, then "unbound-control auth_zone_reload" (how a
#    zonefile rpz: changes without a restart).  C: list file replaced by
#    a rename, picked up by the module's file poll (file-poll-interval:
#    100, so up to 100 ms of the figure is the poll).  Both re-read the
#    whole source from disk.
# The upstream is a second Unbound, authoritative for the root with a
# wildcard (every name has an A record), reached through a stub-zone for
# "."; no query leaves the machine.  The validator stays in every
# module-config; B uses "respip validator iterator" as Unbound's manual
# asks for rpz:.
set -u

usage() {
	sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

QUICK=0
OUT=""
BUILD=${top_builddir:-}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--builddir) [ $# -ge 2 ] || usage; BUILD=$2; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) OUT=$1 ;;
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

missing=""
command -v dnsperf >/dev/null || missing="$missing dnsperf"
command -v gnuplot >/dev/null || missing="$missing gnuplot-nox"
command -v dig >/dev/null || missing="$missing dnsutils"
if [ -n "$missing" ]; then
	echo "side-by-side.sh needs these Debian packages:$missing" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
if [ -z "$UNBOUND_SBIN" ] || [ ! -x "$UNBOUND_SBIN/unbound" ]; then
	echo "no Unbound built with dynlib: set UNBOUND_SBIN or --builddir" \
		"(a build configured with --with-unbound-source)" >&2
	exit 1
fi
if [ ! -f "$top_builddir/module/.libs/tapir-pop.so" ]; then
	echo "module not built in $top_builddir (make first)" >&2
	exit 1
fi
if grep -q -- '-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
	echo "warning: $top_builddir is built with sanitizers;" \
		"its figures mean little" >&2
fi

. "$top_srcdir/tests/integration/lib.sh"

if [ "$QUICK" = 1 ]; then
	NAMES=${NAMES:-100000}
	HIT_NAMES=${HIT_NAMES:-10000}
	ROUNDS=${ROUNDS:-2}
	SECS=${SECS:-3}
	LAT_SECS=${LAT_SECS:-2}
else
	NAMES=${NAMES:-1000000}
	HIT_NAMES=${HIT_NAMES:-100000}
	ROUNDS=${ROUNDS:-3}
	SECS=${SECS:-10}
	LAT_SECS=${LAT_SECS:-3}
fi
LAT_QPS=${LAT_QPS:-5000}
WAIT=${WAIT:-600}
DELTA=10000
# A work directory of our own: other test runs clean up tapir-pop-test.*.
W=$(mktemp -d "${TMPDIR:-/tmp}/tapir-pop-sbs-work.XXXXXX") || exit 1
trap 'cleanup; rm -rf "$W"' EXIT
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/tapir-pop-sbs.XXXXXX")
fi
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
PORT=$(free_port)
UPORT=$(free_port)
while [ "$UPORT" = "$PORT" ]; do UPORT=$(free_port); done

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

say "side-by-side: $NAMES names, $ROUNDS rounds of ${SECS} s runs; work in $W, results in $OUT"

# ---- inputs ----
# One generator run: the N listed names, then 10k for the delta, then
# candidates for the cache-hit workload.  Those are kept only when
# neither they nor a parent of theirs is listed: tapir-pop blocks a
# listed name's subdomains too, Unbound's rpz: here only the names, and
# a blocked name is no cache hit (one in nine candidates at 10M names).
awk -v n=$((NAMES + DELTA + 2 * HIT_NAMES)) -f "$top_srcdir/tests/bench/sbs_names.awk" > "$W/all.txt"
head -n "$NAMES" "$W/all.txt" > "$W/deny.txt"
sed -n "$((NAMES + 1)),$((NAMES + DELTA))p" "$W/all.txt" > "$W/delta.txt"
cat "$W/deny.txt" "$W/delta.txt" > "$W/deny-delta.txt"
tail -n +$((NAMES + DELTA + 1)) "$W/all.txt" |
	awk 'NR == FNR { listed[$1]; next }
	     { n = $1
	       for (;;) { if (n in listed) next
			  if (!sub(/^[^.]*\./, "", n)) break }
	       print }' "$W/deny-delta.txt" - |
	head -n "$HIT_NAMES" | sed 's/$/ A/' > "$W/hit.q"
if [ "$(wc -l < "$W/hit.q")" -ne "$HIT_NAMES" ]; then
	say "fewer than $HIT_NAMES unlisted names for the cache-hit workload"
	exit 1
fi
tail -n 100 "$W/hit.q" > "$W/hot.q"
sed 's/$/ A/' "$W/deny.txt" > "$W/blocked.q"
LAST=$(tail -n 1 "$W/deny.txt")
LAST_DELTA=$(tail -n 1 "$W/delta.txt")
PROBE=$(head -n 1 "$W/hit.q" | cut -d' ' -f1)
# Unique names for cache misses; more than a run can send.
MISS=$((SECS * 40000))
awk -v n="$MISS" 'BEGIN { for (i = 0; i < n; i++)
	printf "q%d.m%d.cachemiss.bench A\n", i, i % 1000 }' > "$W/miss.q"
awk -v n=$((LAT_QPS * LAT_SECS * 2)) 'BEGIN { for (i = 0; i < n; i++)
	printf "l%d.m%d.cachemiss.bench A\n", i, i % 1000 }' > "$W/miss-lat.q"

rpz_zone() {
	{
		printf '$ORIGIN rpz.bench.\n$TTL 3600\n'
		printf '@ SOA ns.rpz.bench. host.rpz.bench. %s 3600 600 86400 60\n' "$2"
		printf '@ NS ns.rpz.bench.\n'
		sed 's/$/ CNAME ./' "$1"
	}
}
rpz_zone "$W/deny.txt" 1 > "$W/rpz.zone"
rpz_zone "$W/deny-delta.txt" 2 > "$W/rpz-delta.zone"

# ---- upstream: authoritative for "." with a wildcard ----
mkdir -p "$W/up"
cat > "$W/up/root.zone" <<EOF
. 3600 IN SOA ns.root.bench. host.root.bench. 1 3600 600 86400 3600
. 3600 IN NS ns.root.bench.
* 3600 IN A 192.0.2.1
EOF
cat > "$W/up/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $UPORT
	do-ip6: no
	do-daemonize: no
	use-syslog: no
	logfile: ""
	verbosity: 0
	chroot: ""
	username: ""
	directory: "$W/up"
	pidfile: "$W/up/unbound.pid"
	num-threads: 1
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
auth-zone:
	name: "."
	zonefile: "$W/up/root.zone"
	for-downstream: yes
	for-upstream: no
EOF
"$UNBOUND_SBIN/unbound" -d -c "$W/up/unbound.conf" > "$W/up/unbound.log" 2>&1 &
UP_PID=$!
T_PIDS="$T_PIDS $UP_PID"
if ! wait_for 10 sh -c 'dig +tries=1 +time=1 -p "$1" @127.0.0.1 x.bench A | grep -q "status: NOERROR"' - "$UPORT"; then
	say "the upstream does not answer:"; cat "$W/up/unbound.log" >&2
	exit 1
fi

# ---- the three resolvers ----
# conf CFG MODULES: the resolver's unbound.conf; what differs is appended.
conf() {
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
	# Room for every cache-hit name (the 4 MB defaults hold ~10k).
	msg-cache-size: 128m
	rrset-cache-size: 256m
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "$2"
remote-control:
	control-enable: yes
	control-interface: "$W/$1/control.sock"
	control-use-cert: no
stub-zone:
	name: "."
	stub-addr: 127.0.0.1@$UPORT
EOF
}
conf A "validator iterator"
conf B "respip validator iterator"
cat >> "$W/B/unbound.conf" <<EOF
rpz:
	name: rpz.bench.
	zonefile: "$W/B/rpz.zone"
EOF
conf C "dynlib validator iterator"
cat >> "$W/C/unbound.conf" <<EOF
dynlib:
	dynlib-file: "$top_builddir/module/.libs/tapir-pop.so"
EOF
cat > "$W/C/tapir-pop.conf" <<EOF
server:
    file-poll-interval: 100
source:
    name: bench
    list: denylist
    type: file
    file: "$W/C/deny.txt"
EOF

# ---- measurements ----
# qps FILE [dnsperf options]: one dnsperf run; prints the QPS.
qps() {
	f=$1
	shift
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$f" -c 4 -T 1 "$@" 2>/dev/null |
		sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p'
}

# p99 FILE [dnsperf options]: the 99th percentile latency in ms at
# LAT_QPS queries per second, from dnsperf's per-query lines.
p99() {
	f=$1
	shift
	dnsperf -s 127.0.0.1 -p "$PORT" -d "$f" -c 4 -T 1 -Q "$LAT_QPS" \
		-l "$LAT_SECS" -v "$@" 2>/dev/null |
		awk '/^> / { print $NF }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", \
			v[int(NR * 0.99 + 0.999)] * 1000; else print "?" }'
}

# first_answer CFG NAME RCODE T0 PID: poll until NAME gets RCODE; prints
# the seconds since T0, or "?" after WAIT seconds or if PID exited.
# Before Unbound's "start of service" a dig would only sit in the
# socket's queue, so the log is watched first.
first_answer() {
	end=$(( $(date +%s) + WAIT ))
	while ! grep -q "start of service" "$W/$1/unbound.log" 2>/dev/null; do
		{ [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$5" 2>/dev/null; } &&
			{ echo "?"; return; }
		sleep 0.005
	done
	while ! dig +tries=1 +time=1 -p "$PORT" @127.0.0.1 "$2" A 2>/dev/null |
	    grep -q "status: $3"; do
		[ "$(date +%s)" -ge "$end" ] && { echo "?"; return; }
	done
	elapsed "$4" "$(now)"
}

# blocked NAME: whether NAME answers NXDOMAIN.
blocked() {
	dig +tries=1 +time=1 -p "$PORT" @127.0.0.1 "$1" A 2>/dev/null |
		grep -q "status: NXDOMAIN"
}

# apply_delta CFG: replace the source by the names plus the delta;
# prints seconds until the last new name is blocked.
apply_delta() {
	t0=$(now)
	if [ "$1" = B ]; then
		cp "$W/rpz-delta.zone" "$W/B/rpz.zone.new"
		mv "$W/B/rpz.zone.new" "$W/B/rpz.zone"
		"$UNBOUND_SBIN/unbound-control" -c "$W/B/unbound.conf" \
			auth_zone_reload rpz.bench. >/dev/null
	else
		cp "$W/deny-delta.txt" "$W/C/deny.new"
		mv "$W/C/deny.new" "$W/C/deny.txt"
	fi
	end=$(( $(date +%s) + WAIT ))
	while ! blocked "$LAST_DELTA"; do
		[ "$(date +%s)" -ge "$end" ] && { echo "?"; return; }
	done
	t=$(elapsed "$t0" "$(now)")
	# The last new name stands for the delta: check a sample of the rest.
	for s in $(awk 'NR % 1000 == 1' "$W/delta.txt"); do
		blocked "$s" || { say "  $1: $s not blocked after the delta"; echo "?"; return; }
	done
	echo "$t"
}

# cache_share CFG STATS_BEFORE STATS_AFTER: the percentage of the queries
# between two "unbound-control stats_noreset" outputs that Unbound
# answered from its cache.
cache_share() {
	printf '%s\n%s\n' "$2" "$3" | awk -F= '
		$1 == "total.num.queries" { q[++nq] = $2 }
		$1 == "total.num.cachehits" { h[++nh] = $2 }
		END { if (nq == 2 && q[2] > q[1])
			printf "%.2f\n", 100 * (h[2] - h[1]) / (q[2] - q[1]);
		      else print "?" }'
}
ub_stats() {
	"$UNBOUND_SBIN/unbound-control" -c "$W/$1/unbound.conf" stats_noreset
}

# record CFG METRIC VALUE
record() {
	echo "$3" >> "$W/res.$1.$2"
	printf ' %s=%s' "$2" "$3" >&2
}

# run_cfg CFG: one round of one configuration.
run_cfg() {
	c=$1
	cp "$W/deny.txt" "$W/C/deny.txt"
	cp "$W/rpz.zone" "$W/B/rpz.zone"
	t0=$(now)
	(
		export TAPIR_POP_CONF="$W/$c/tapir-pop.conf"
		exec "$UNBOUND_SBIN/unbound" -d -c "$W/$c/unbound.conf"
	) > "$W/$c/unbound.log" 2>&1 &
	pid=$!
	T_PIDS="$T_PIDS $pid"
	if [ "$c" = A ]; then
		ttfa=$(first_answer A "$PROBE" NOERROR "$t0" "$pid")
	else
		ttfa=$(first_answer "$c" "$LAST" NXDOMAIN "$t0" "$pid")
	fi
	printf '  %s:' "$c" >&2
	record "$c" ttfa "$ttfa"
	if [ "$ttfa" = "?" ]; then
		say " no answer within ${WAIT} s (VmHWM $(awk '/^VmHWM:/ { print $2, $3 }' /proc/$pid/status 2>/dev/null)); log:"
		tail -n 20 "$W/$c/unbound.log" >&2
		stop_pid "$pid"
		return 1
	fi
	sleep 1
	record "$c" rss "$(awk '/^VmRSS:/ { print $2 }' /proc/$pid/status)"
	# Warm-up: one pass puts every cache-hit name into the cache.
	qps "$W/hit.q" -n 1 -l 120 >/dev/null
	s0=$(ub_stats "$c")
	record "$c" hit "$(qps "$W/hit.q" -l "$SECS")"
	record "$c" hitshare "$(cache_share "$c" "$s0" "$(ub_stats "$c")")"
	record "$c" hot "$(qps "$W/hot.q" -l "$SECS")"
	if [ "$c" != A ]; then
		record "$c" blocked "$(qps "$W/blocked.q" -l "$SECS" -n 1)"
	fi
	record "$c" miss "$(qps "$W/miss.q" -l "$SECS" -n 1)"
	record "$c" p99hit "$(p99 "$W/hit.q")"
	if [ "$c" != A ]; then
		record "$c" p99blocked "$(p99 "$W/blocked.q")"
	fi
	record "$c" p99miss "$(p99 "$W/miss-lat.q" -n 1)"
	if [ "$c" != A ]; then
		record "$c" delta "$(apply_delta "$c")"
	fi
	echo >&2
	kill -0 "$pid" 2>/dev/null || { say "  $c: unbound died"; return 1; }
	stop_pid "$pid"
}

# A configuration that failed once is not started again: at the largest
# sizes a failure is usually memory or time that a retry would not get.
FAILED=""
round=0
while [ $round -lt "$ROUNDS" ]; do
	round=$((round + 1))
	say "round $round of $ROUNDS"
	for cfg in A B C; do
		case " $FAILED " in *" $cfg "*) continue ;; esac
		run_cfg "$cfg" || FAILED="$FAILED $cfg"
	done
done

# ---- results ----
median() {
	f="$W/res.$1.$2"
	[ -s "$f" ] || { echo "?"; return; }
	grep -v '^?$' "$f" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "?" }'
}
# fmt VALUE SCALE DECIMALS: VALUE/SCALE, or "n/a".
fmt() {
	case $1 in
	"?") echo "n/a" ;;
	*) awk -v v="$1" -v s="$2" -v d="$3" 'BEGIN { printf "%.*f", d, v / s }' ;;
	esac
}
ratio() {
	case "$1$2" in
	*"?"*) echo "n/a" ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' ;;
	esac
}
for c in A B C; do
	for m in ttfa rss hit hitshare hot blocked miss p99hit p99blocked \
	    p99miss delta; do
		eval "${m}_$c=\$(median $c $m)"
	done
done
# Bytes per listed name above Unbound alone (RSS is in kB).
per_name() {
	case "$1$2" in
	*"?"*) echo "?" ;;
	*) awk -v b="$1" -v a="$2" -v n="$NAMES" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }' ;;
	esac
}
mpn_B=$(per_name "$rss_B" "$rss_A")
mpn_C=$(per_name "$rss_C" "$rss_A")

{
	echo "## tapir-pop side by side: $NAMES names, medians of $ROUNDS rounds"
	echo
	echo "$(uname -sm), $(nproc) CPUs, $("$UNBOUND_SBIN/unbound" -V | head -n 1), $(dnsperf -h 2>&1 | grep Version); $(date -u +%Y-%m-%d)"
	echo
	echo "| | A: Unbound alone | B: Unbound rpz: | C: Unbound + tapir-pop | C vs B | C vs A |"
	echo "|---|---:|---:|---:|---:|---:|"
	echo "| cache-hit QPS, $HIT_NAMES names | $(fmt "$hit_A" 1 0) | $(fmt "$hit_B" 1 0) | $(fmt "$hit_C" 1 0) | $(ratio "$hit_C" "$hit_B")x | $(ratio "$hit_C" "$hit_A")x |"
	echo "| of which answered from cache (%) | $(fmt "$hitshare_A" 1 2) | $(fmt "$hitshare_B" 1 2) | $(fmt "$hitshare_C" 1 2) | | |"
	echo "| cache-hit QPS, 100 hot names | $(fmt "$hot_A" 1 0) | $(fmt "$hot_B" 1 0) | $(fmt "$hot_C" 1 0) | $(ratio "$hot_C" "$hot_B")x | $(ratio "$hot_C" "$hot_A")x |"
	echo "| blocked-name QPS | n/a | $(fmt "$blocked_B" 1 0) | $(fmt "$blocked_C" 1 0) | $(ratio "$blocked_C" "$blocked_B")x | |"
	echo "| cache-miss QPS | $(fmt "$miss_A" 1 0) | $(fmt "$miss_B" 1 0) | $(fmt "$miss_C" 1 0) | $(ratio "$miss_C" "$miss_B")x | $(ratio "$miss_C" "$miss_A")x |"
	echo "| p99 latency, cache hit at $LAT_QPS q/s (ms) | $(fmt "$p99hit_A" 1 3) | $(fmt "$p99hit_B" 1 3) | $(fmt "$p99hit_C" 1 3) | | |"
	echo "| p99 latency, blocked at $LAT_QPS q/s (ms) | n/a | $(fmt "$p99blocked_B" 1 3) | $(fmt "$p99blocked_C" 1 3) | | |"
	echo "| p99 latency, cache miss at $LAT_QPS q/s (ms) | $(fmt "$p99miss_A" 1 3) | $(fmt "$p99miss_B" 1 3) | $(fmt "$p99miss_C" 1 3) | | |"
	echo "| RSS after load (MB) | $(fmt "$rss_A" 1024 1) | $(fmt "$rss_B" 1024 1) | $(fmt "$rss_C" 1024 1) | | |"
	echo "| memory per name (bytes) | | $(fmt "$mpn_B" 1 0) | $(fmt "$mpn_C" 1 0) | $(ratio "$mpn_B" "$mpn_C")x less | |"
	echo "| time to first answer (s) | $(fmt "$ttfa_A" 1 3) | $(fmt "$ttfa_B" 1 3) | $(fmt "$ttfa_C" 1 3) | $(ratio "$ttfa_B" "$ttfa_C")x faster | |"
	echo "| time to apply a 10k-name delta (s) | n/a | $(fmt "$delta_B" 1 3) | $(fmt "$delta_C" 1 3) | $(ratio "$delta_B" "$delta_C")x faster | |"
	echo
	[ -n "$FAILED" ] && echo "Failed (no answer within $WAIT s, or died):$FAILED" && echo
	echo "Every run (A B C per round, in order):"
	echo
	for c in A B C; do
		for m in hit hot blocked miss ttfa rss delta; do
			[ -s "$W/res.$c.$m" ] &&
				echo "- $c $m: $(tr '\n' ' ' < "$W/res.$c.$m")"
		done
	done
} > "$OUT/results.md"
cat "$OUT/results.md"

# The plot: four panels of bars, one bar per configuration.
na() { [ "$1" = "?" ] && echo "?" || echo "$1"; }
# The medians for tests/bench/scale.sh, one metric a line: name A B C.
{
	echo "# names $NAMES rounds $ROUNDS"
	for m in ttfa rss hit hitshare hot blocked miss p99hit p99blocked \
	    p99miss delta; do
		eval "echo $m \$${m}_A \$${m}_B \$${m}_C"
	done
	echo "mpn ? $(na "$mpn_B") $(na "$mpn_C")"
} > "$OUT/summary.dat"
{
	echo "# metric A B C"
	echo "cache-hit $(na "$hit_A") $(na "$hit_B") $(na "$hit_C")"
	echo "hot-100 $(na "$hot_A") $(na "$hot_B") $(na "$hot_C")"
	echo "blocked ? $(na "$blocked_B") $(na "$blocked_C")"
	echo "cache-miss $(na "$miss_A") $(na "$miss_B") $(na "$miss_C")"
} > "$OUT/qps.dat"
{
	echo "# metric A B C"
	echo "cache-hit $(na "$p99hit_A") $(na "$p99hit_B") $(na "$p99hit_C")"
	echo "blocked ? $(na "$p99blocked_B") $(na "$p99blocked_C")"
	echo "cache-miss $(na "$p99miss_A") $(na "$p99miss_B") $(na "$p99miss_C")"
} > "$OUT/p99.dat"
{
	echo "# metric A B C"
	echo "RSS(MB) $(fmt "$rss_A" 1024 1) $(fmt "$rss_B" 1024 1) $(fmt "$rss_C" 1024 1)"
} > "$OUT/rss.dat"
{
	echo "# metric A B C"
	echo "first-answer $(na "$ttfa_A") $(na "$ttfa_B") $(na "$ttfa_C")"
	echo "10k-delta ? $(na "$delta_B") $(na "$delta_C")"
} > "$OUT/time.dat"
gnuplot <<EOF
set terminal png size 1200,900
set output "$OUT/results.png"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
set yrange [0:*]
set multiplot layout 2,2 title "tapir-pop side by side, $NAMES names (A: Unbound alone, B: Unbound rpz:, C: Unbound + tapir-pop)"
set title "queries per second"
plot "$OUT/qps.dat" using 2:xtic(1) title "A", '' using 3 title "B", '' using 4 title "C"
set title "p99 latency at $LAT_QPS q/s (ms)"
plot "$OUT/p99.dat" using 2:xtic(1) title "A", '' using 3 title "B", '' using 4 title "C"
set title "RSS after load (MB)"
plot "$OUT/rss.dat" using 2:xtic(1) title "A", '' using 3 title "B", '' using 4 title "C"
set title "seconds"
plot "$OUT/time.dat" using 2:xtic(1) title "A", '' using 3 title "B", '' using 4 title "C"
unset multiplot
EOF
say "wrote $OUT/results.md and $OUT/results.png"
[ -z "$FAILED" ]
