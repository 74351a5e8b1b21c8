#!/bin/sh
# tests/integration/test_rpz.sh - an RPZ source transferred from a real
# primary (Knot DNS) with TSIG: the first AXFR, a change arriving by
# NOTIFY and IXFR (also for a name Unbound had cached), the primary
# stopped and restarted, a wrong TSIG key, and a restart of Unbound that
# serves the zone from the state directory before any primary answers.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v knotd >/dev/null && command -v knotc >/dev/null ||
	skip_all "Knot DNS (knotd, knotc) not installed"

D=$T_DIR
PORT=$(free_port)
KPORT=$(free_port)
NPORT=$(free_port)
SECRET=$(head -c 32 /dev/urandom | base64)
BADSECRET=$(head -c 32 /dev/urandom | base64)
mkdir -p "$D/knot" "$D/state"
write_unbound_conf "$D" "$PORT"

write_knot_conf "$D" "$KPORT" "$NPORT" "$SECRET" rpz.test
# rpz_zone SERIAL RECORDS: the policy zone Knot serves.
rpz_zone() {
	{
		printf '$ORIGIN rpz.test.\n$TTL 60\n'
		printf '@ SOA ns.rpz.test. host.rpz.test. %s 2 1 86400 60\n' "$1"
		printf '@ NS ns.rpz.test.\nns A 127.0.0.1\n'
		printf '%s\n' "$2"
	} > "$D/knot/rpz.test.zone"
}
V1='listed.example CNAME .
tracker.example CNAME rpz-drop.
*.tree.example CNAME *.
*.ads.example CNAME .
ok.ads.example CNAME rpz-passthru.
www2.example A 192.0.2.99
32.1.2.0.192.rpz-ip CNAME .'
rpz_zone 1 "$V1"

cat > "$D/tapir-pop.conf" <<EOF2
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
source:
    name: feed-rpz
    list: denylist
    type: rpz
    zone: rpz.test.
    primary: 127.0.0.1@$KPORT
    tsig-key: tkey
    tsig-secret: "$SECRET"
    notify-listen: 127.0.0.1@$NPORT
    refresh-min: 1
    refresh-max: 2
source:
    name: bad-key
    list: denylist
    type: rpz
    zone: rpz.test.
    primary: 127.0.0.1@$KPORT
    tsig-key: tkey
    tsig-secret: "$BADSECRET"
    refresh-min: 1
    refresh-max: 60
EOF2

start_knot "$D" "$KPORT" rpz.test || { not_ok "knotd starts"; sed 's/^/# /' "$D/knot.log"; finish; }
ok "knotd serves rpz.test"
start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with an RPZ source"

check "the first AXFR is applied" \
	wait_for 10 grep -q "source feed-rpz: zone rpz.test. serial 1 applied by AXFR" "$D/unbound.log"
check "CNAME . blocks with NXDOMAIN" \
	rcode_is "$PORT" listed.example A NXDOMAIN
check "CNAME rpz-drop. drops the query" \
	sh -c '! dig +tries=1 +time=1 -p "$1" @127.0.0.1 tracker.example A >/dev/null 2>&1' - "$PORT"
check "a subtree owner (*.tree) answers NODATA below the name" \
	sh -c 'o=$(dig +tries=1 -p "$1" @127.0.0.1 sub.tree.example A); echo "$o" | grep -q "status: NOERROR" && echo "$o" | grep -q "ANSWER: 0"' - "$PORT"
check "the subtree owner does not cover the name itself" \
	answer_is "$PORT" tree.example A 192.0.2.14
check "a name under *.ads is blocked" \
	rcode_is "$PORT" x.ads.example A NXDOMAIN
check "rpz-passthru exempts ok.ads from its subtree" \
	answer_is "$PORT" ok.ads.example A 192.0.2.21
ctl() { "$top_builddir/tapir-pop-control" -s "$D/tapir-pop.sock" "$@"; }
check "the rpz-passthru match is counted as passthru, not as none" \
	sh -c 'printf "%s\n" "$1" | grep -qx "num.action.passthru=1"' - "$(ctl stats_noreset)"
check "lookup names the rpz-passthru record as the rule" \
	sh -c 'printf "%s\n" "$1" | grep -q "^decision: action=passthru rule=rpz-passthru source=feed-rpz "' - "$(ctl lookup ok.ads.example)"
check "an A record answers as local data" \
	answer_is "$PORT" www2.example A 192.0.2.99
check "the rpz-ip trigger is skipped and counted" \
	grep -q "source feed-rpz: zone rpz.test. serial 1 applied by AXFR: .* 1 records skipped" "$D/unbound.log"
check "a wrong TSIG key: transfer refused and logged" \
	wait_for 5 grep -Eq "source bad-key: .*(NOTAUTH|TSIG)" "$D/unbound.log"
check "the wrong key applied nothing" \
	sh -c '! grep -q "source bad-key: zone .* applied" "$1/unbound.log"' - "$D"
check "the zone is saved in the state directory" \
	grep -q "^listed.example.rpz.test.*CNAME" "$D/state/feed-rpz.rpz"

# A change on the primary: NOTIFY, then IXFR.  www.example is cached
# first; listed.example is unblocked; www2 gets other local data.
check "www.example resolves (and is now cached)" \
	answer_is "$PORT" www.example A 192.0.2.10
V2='tracker.example CNAME rpz-drop.
*.tree.example CNAME *.
*.ads.example CNAME .
ok.ads.example CNAME rpz-passthru.
www2.example A 192.0.2.98
www.example CNAME .
32.1.2.0.192.rpz-ip CNAME .'
rpz_zone 2 "$V2"
knotc -c "$D/knot.conf" -b zone-reload rpz.test >/dev/null 2>&1
check "a new name is blocked within 1 s, though cached" \
	wait_for 1 rcode_is "$PORT" www.example A NXDOMAIN
check "a removed name is unblocked within 1 s" \
	wait_for 1 answer_is "$PORT" listed.example A 192.0.2.66
check "changed local data within 1 s" \
	wait_for 1 answer_is "$PORT" www2.example A 192.0.2.98
check "it came by NOTIFY (Knot sends it over TCP)" \
	grep -q "source feed-rpz: NOTIFY from 127.0.0.1" "$D/unbound.log"
check "Knot accepted our (TSIG-signed) NOTIFY answer" \
	grep -q "notify, outgoing, remote 127.0.0.1@$NPORT, serial 2\$" "$D/knot.log"
check "it came by IXFR" \
	grep -q "source feed-rpz: zone rpz.test. serial 2 applied by IXFR" "$D/unbound.log"
check "the subtree owner still applies after the IXFR" \
	rcode_is "$PORT" x.ads.example A NXDOMAIN

# notify_from SOURCE: send a NOTIFY for rpz.test. over UDP from SOURCE;
# prints the answer's rcode, or "none".
notify_from() {
	python3 - "$1" "$NPORT" <<'PY'
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x1234, 4 << 11, 1, 0, 0, 0)
q += b"\x03rpz\x04test\x00" + struct.pack(">HH", 6, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(2)
s.sendto(q, ("127.0.0.1", int(sys.argv[2])))
try:
    a = s.recv(512)
    print(a[3] & 15 if a[:2] == q[:2] and a[2] & 0x80 else "bad")
except socket.timeout:
    print("none")
PY
}
if command -v python3 >/dev/null; then
	check "NOTIFY from an address not allowed: REFUSED" \
		test "$(notify_from 127.0.0.2)" = 5
	check "... and logged" \
		grep -q "NOTIFY from 127.0.0.2@.* refused: address not allowed" "$D/unbound.log"
	check "NOTIFY from the primary's address over UDP: NOERROR" \
		test "$(notify_from 127.0.0.1)" = 0
else
	ok "# SKIP python3 not installed (NOTIFY ACL)"
fi

# The primary stops: the policy stays; polls fail and are logged.
stop_pid "$KNOT_PID"
sleep 3
check "primary down: failed polls are logged" \
	grep -q "source feed-rpz: 127.0.0.1@$KPORT: connect" "$D/unbound.log"
check "primary down: the policy is kept" \
	rcode_is "$PORT" www.example A NXDOMAIN
check "primary down: the rest of the policy too" \
	answer_is "$PORT" www2.example A 192.0.2.98

# Back with a newer zone: updates resume (SOA poll).  Knot lost the
# history from serial 2 with its restart, so it answers the IXFR with the
# whole zone, which is applied like an AXFR.
V3="$V2
later.example CNAME ."
rpz_zone 3 "$V3"
start_knot "$D" "$KPORT" rpz.test || not_ok "knotd restarts"
check "after the primary's restart updates resume" \
	wait_for 10 rcode_is "$PORT" later.example A NXDOMAIN
check "an IXFR answered with the whole zone is applied as a whole zone" \
	grep -q "source feed-rpz: zone rpz.test. serial 3 applied by AXFR" "$D/unbound.log"
rpz_zone 4 "$V2"
knotc -c "$D/knot.conf" -b zone-reload rpz.test >/dev/null 2>&1
check "the next change arrives by NOTIFY and IXFR again" \
	wait_for 2 answer_is "$PORT" later.example A 192.0.2.12
check "... applied by IXFR" \
	grep -q "source feed-rpz: zone rpz.test. serial 4 applied by IXFR" "$D/unbound.log"

# A reload with the source as before takes the running feed's zone over
# (nothing is transferred again), and the next change comes by IXFR from
# the serial it carried.
check "reload with the RPZ source unchanged" quiet ctl reload
check "the zone is carried over, not transferred again" \
	grep -q "source feed-rpz: zone rpz.test. serial 4 carried over: 7 entries" "$D/unbound.log"
check "the carried zone blocks, with its local data and subtrees" \
	sh -c 'rc=$(dig +tries=1 -p "$1" @127.0.0.1 x.ads.example A | grep -c "status: NXDOMAIN"); [ "$rc" = 1 ] && [ "$(dig +short +tries=1 -p "$1" @127.0.0.1 www2.example A)" = 192.0.2.98 ]' - "$PORT"
check "the carried zone counts its entries" \
	test "$(ctl stats | sed -n 's/^source\.feed-rpz\.entries=//p')" = 7
rpz_zone 5 "$V3"
knotc -c "$D/knot.conf" -b zone-reload rpz.test >/dev/null 2>&1
check "after the reload a change is applied within 2 s" \
	wait_for 2 rcode_is "$PORT" later.example A NXDOMAIN
check "... by IXFR from the carried serial" \
	grep -q "source feed-rpz: zone rpz.test. serial 5 applied by IXFR" "$D/unbound.log"

# Unbound restarts while the primary is down: the saved zone serves.
stop_pid "$KNOT_PID"
stop_pid "$UB_PID"
cat "$D/unbound.log" >> "$D/unbound.log.1"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; sed 's/^/# /' "$D/unbound.log"; finish; }
check "restart: the zone is loaded from the state directory" \
	grep -q "source feed-rpz: zone rpz.test. serial 5 applied by saved zone" "$D/unbound.log"
check "restart: names blocked before any primary answered" \
	rcode_is "$PORT" later.example A NXDOMAIN
check "restart: subtree and local data from disk" \
	sh -c 'rc=$(dig +tries=1 -p "$1" @127.0.0.1 x.ads.example A | grep -c "status: NXDOMAIN"); [ "$rc" = 1 ] && [ "$(dig +short +tries=1 -p "$1" @127.0.0.1 www2.example A)" = 192.0.2.98 ]' - "$PORT"

check "no NOTIFY from the primary was refused" \
	sh -c '! grep -q "NOTIFY from 127.0.0.1@.* refused" "$1/unbound.log.1"' - "$D"
stop_pid "$UB_PID"
check "no sanitizer reports" \
	sh -c '! cat "$1"/asan.* "$1"/ubsan.* 2>/dev/null | grep -q .' - "$D"
finish
