#!/bin/sh
# tests/bench/rpz-side-by-side.sh - Unbound's own RPZ and the module, one
# run, one machine: how long until a 1M-name RPZ zone that Knot DNS serves
# by AXFR is live (the first blocked answer for the zone's last name),
# the module's IXFR of 10k changes (from Knot's zone update, which sends
# the NOTIFY, until the last changed names answer accordingly), and the
# peak and current RSS of each unbound process.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Usage: tests/bench/rpz-side-by-side.sh BUILDDIR [NAMES [CHANGES]]
# BUILDDIR is a build configured with --with-unbound-source and WITHOUT
# sanitizers (e.g. CFLAGS=-O2); UNBOUND_SBIN may override the Unbound
# found in its Makefile.  Not run by make check: it prints figures.
# The two unbound processes run one after the other (not at once), with
# the same configuration but the module, and the same Knot primary.
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
USAGE="[NAMES [CHANGES]]"
. "$top_srcdir/tests/bench/bench-env.sh"
NAMES=${2:-1000000}
CHANGES=${3:-10000}
for c in knotd knotc dig awk; do
	command -v "$c" >/dev/null || { echo "$c not installed" >&2; exit 2; }
done
[ -x "$UNBOUND_SBIN/unbound" ] && [ -f "$MODULE_SO" ] ||
	{ echo "no unbound or module in $1" >&2; exit 2; }

D=$T_DIR
KPORT=$(free_port)
NPORT=$(free_port)
mkdir -p "$D/knot" "$D/ref" "$D/mod"

now() {
	date +%s.%N
}

# elapsed T0: seconds since T0, 3 decimals.
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

# rss PID: "peak current" RSS in MiB (1 decimal), from /proc.
rss() {
	awk '/^VmHWM/ { h = $2 } /^VmRSS/ { r = $2 }
		END { printf "%.1f %.1f", h / 1024, r / 1024 }' "/proc/$1/status"
}

# zone SERIAL FIRST LAST: the policy zone, names n<FIRST>..n<LAST> (7
# digits, so that the canonical order is the numeric one and n<LAST> is
# the zone's last name), every one "CNAME ." (NXDOMAIN).
zone() {
	awk -v s="$1" -v a="$2" -v b="$3" 'BEGIN {
		printf "$ORIGIN bench.rpz.\n$TTL 3600\n"
		printf "@ SOA ns.bench.rpz. host.bench.rpz. %d 3600 600 864000 60\n", s
		printf "@ NS ns.bench.rpz.\nns A 127.0.0.1\n"
		for (i = a; i <= b; i++)
			printf "n%07d.bench.example CNAME .\n", i
	}' > "$D/knot/bench.rpz.zone"
}

# Knot: transfers without TSIG (Unbound 1.17's rpz: has none), NOTIFY to
# the module; the journal turns each zone file reload into an IXFR.
cat > "$D/knot.conf" <<KNOTCONF
server:
    rundir: "$D/knot"
    pidfile: "$D/knot/knot.pid"
    listen: 127.0.0.1@$KPORT
control:
    listen: "$D/knot/knot.sock"
log:
  - target: "$D/knot.log"
    any: notice
database:
    storage: "$D/knot"
remote:
  - id: module
    address: 127.0.0.1@$NPORT
acl:
  - id: xfr
    address: 127.0.0.1
    action: transfer
zone:
  - domain: bench.rpz
    storage: "$D/knot"
    file: "bench.rpz.zone"
    notify: module
    acl: xfr
    zonefile-load: difference
    zonefile-sync: -1
    journal-content: changes
    journal-max-usage: 1G
    semantic-checks: off
KNOTCONF

# The upstream: every name under bench.example. exists, with TTL 0 so
# that the polls below are never answered from Unbound's cache.
cat > "$D/bench.example.zone" <<UPZONE
\$ORIGIN bench.example.
\$TTL 0
@ SOA ns.bench.example. host.bench.example. 1 3600 600 86400 0
@ NS ns
ns A 192.0.2.53
* A 192.0.2.1
UPZONE

# bench_conf DIR PORT MODULES CLAUSE: lib.sh's unbound.conf with the
# bench.example. upstream, like test_rpz_diff.sh's instances.
bench_conf() {
	UB_MODULES=$3
	UB_CLAUSES="$4
auth-zone:
	name: \"bench.example.\"
	zonefile: \"$D/bench.example.zone\"
	for-upstream: yes
	for-downstream: no
	fallback-enabled: no"
	write_unbound_conf "$1" "$2"
	UB_MODULES="" UB_CLAUSES=""
}

# live PORT NAME RCODE SECONDS: poll until NAME gets RCODE.
live() {
	wait_for "$4" rcode_is "$1" "$2" A "$3"
}

LAST=$(printf 'n%07d.bench.example' "$NAMES")
echo "# generating a $NAMES-name zone"
zone 1 1 "$NAMES"
t=$(now)
knotd -c "$D/knot.conf" >> "$D/knot.log" 2>&1 &
KNOT_PID=$!
T_PIDS="$T_PIDS $KNOT_PID"
wait_for 600 sh -c 'dig +tries=1 +time=1 -p "$1" @127.0.0.1 bench.rpz SOA |
	grep -q "status: NOERROR"' - "$KPORT" ||
	{ echo "knotd did not load the zone"; exit 1; }
echo "# knotd loaded it in $(elapsed "$t") s"

# (0) the same unbound without any policy: the baseline RSS.
BPORT=$(free_port)
mkdir -p "$D/base"
bench_conf "$D/base" "$BPORT" "validator iterator" ""
start_unbound "$D/base" "$BPORT" ||
	{ echo "unbound did not start"; cat "$D/base/unbound.log"; exit 1; }
live "$BPORT" "$LAST" NOERROR 10
base_rss=$(rss "$UB_PID")
stop_pid "$UB_PID"

# (a) Unbound's own rpz:, primary Knot.
RPORT=$(free_port)
bench_conf "$D/ref" "$RPORT" "respip validator iterator" "rpz:
	name: \"bench.rpz.\"
	primary: 127.0.0.1@$KPORT"
t=$(now)
start_unbound "$D/ref" "$RPORT" ||
	{ echo "unbound (rpz:) did not start"; cat "$D/ref/unbound.log"; exit 1; }
if live "$RPORT" "$LAST" NXDOMAIN 600; then
	ref_live=$(elapsed "$t")
else
	ref_live="timeout"
fi
ref_rss_live=$(rss "$UB_PID")
sleep 2
ref_rss=$(rss "$UB_PID")
stop_pid "$UB_PID"

# (b) the module, same primary, same upstream.
MPORT=$(free_port)
bench_conf "$D/mod" "$MPORT" "dynlib validator iterator" ""
cat > "$D/mod/tapir-pop.conf" <<TPCONF
source:
    name: bench-rpz
    list: denylist
    type: rpz
    zone: bench.rpz.
    primary: 127.0.0.1@$KPORT
    notify-listen: 127.0.0.1@$NPORT
    transfer-max-size: 4096
TPCONF
t=$(now)
start_unbound "$D/mod" "$MPORT" ||
	{ echo "unbound (module) did not start"; cat "$D/mod/unbound.log"; exit 1; }
if live "$MPORT" "$LAST" NXDOMAIN 600; then
	mod_live=$(elapsed "$t")
else
	mod_live="timeout"
fi
mod_rss_live=$(rss "$UB_PID")
sleep 2
mod_rss=$(rss "$UB_PID")

# The module's IXFR: CHANGES/2 names removed from the start of the zone,
# CHANGES/2 added after its end.  Knot reloads the file (and computes the
# difference) first; the clock starts when it has the new serial, which
# is when it sends the NOTIFY.
HALF=$((CHANGES / 2))
zone 2 $((HALF + 1)) $((NAMES + HALF))
NEWLAST=$(printf 'n%07d.bench.example' $((NAMES + HALF)))
GONE=$(printf 'n%07d.bench.example' "$HALF")
t=$(now)
knotc -c "$D/knot.conf" -b -t 600 zone-reload bench.rpz >/dev/null 2>&1
knot_reload=$(elapsed "$t")
t=$(now)
if live "$MPORT" "$NEWLAST" NXDOMAIN 120 && live "$MPORT" "$GONE" NOERROR 120; then
	mod_ixfr=$(elapsed "$t")
else
	mod_ixfr="timeout"
fi
grep -q "serial 2 applied by IXFR" "$D/mod/unbound.log" || mod_ixfr="$mod_ixfr (not IXFR)"
mod_rss_ixfr=$(rss "$UB_PID")
stop_pid "$UB_PID"
stop_pid "$KNOT_PID"

# per_name "PEAK CURRENT": current RSS above the baseline's, per name.
per_name() {
	awk -v r="${1#* }" -v b="${base_rss#* }" -v n="$NAMES" \
		'BEGIN { printf "%.0f", (r - b) * 1048576 / n }'
}
echo "# $NAMES names by AXFR from Knot DNS $(knotd -V | awk '{ print $NF }'), $(nproc) CPUs"
printf '%-34s %14s %14s\n' "" "unbound rpz:" "tapir-pop"
printf '%-34s %14s %14s\n' "AXFR: start to last name blocked, s" "$ref_live" "$mod_live"
printf '%-34s %14s %14s\n' "peak RSS at that point, MiB" \
	"${ref_rss_live% *}" "${mod_rss_live% *}"
printf '%-34s %14s %14s\n' "RSS 2 s later, MiB (peak)" \
	"${ref_rss#* } (${ref_rss% *})" "${mod_rss#* } (${mod_rss% *})"
printf '%-34s %14s %14s\n' "bytes per name above the baseline" \
	"$(per_name "$ref_rss")" "$(per_name "$mod_rss")"
printf '%-34s %14s %14s\n' "IXFR $CHANGES changes: NOTIFY to live, s" "-" "$mod_ixfr"
printf '%-34s %14s %14s\n' "RSS after the IXFR, MiB (peak)" "-" \
	"${mod_rss_ixfr#* } (${mod_rss_ixfr% *})"
echo "# baseline (no policy) RSS ${base_rss#* } MiB"
echo "# Knot's reload of the changed zone file (not timed above): $knot_reload s"
grep "bench-rpz: zone" "$D/mod/unbound.log" | sed 's/^/# /'
