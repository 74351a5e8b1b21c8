#!/bin/sh
# tests/integration/test_hostile_dns.sh - a client who tries every query
# class, type and flag to get a real answer for a blocked name, or to plant
# one in Unbound's cache for everybody else.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# A real Knot DNS serves the upstream zones; Unbound resolves them through
# stub zones, so the iterator does real work (class-ANY collection, target
# queries for a stub's name server, CNAME and DNAME chasing, TCP).  The
# module's Unbound (M) must never answer a blocked name with its real data
# and its cache must never hold it (unbound-control dump_cache).  A second
# Unbound with the same policy as its own rpz: (R) gets the same queries;
# where R leaks, the test says so as a diagnostic, not a failure.  The
# module's Unbound runs with subnetcache when the build has it, prefetch
# and serve-expired, so those paths are in play too.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v knotd >/dev/null || skip_all "knotd not installed"

D=$T_DIR
PORT=$(free_port)
RPORT=$(free_port)
KPORT=$(free_port)

# ---- upstream zones (Knot) ----
mkdir -p "$D/knot" "$D/rpz"
cat > "$D/knot/hostile.zone" <<'ZONE'
$ORIGIN hostile.
$TTL 300
@	SOA	ns.hostile. hostmaster.hostile. 1 3600 600 86400 300
@	NS	ns.hostile.
ns	A	127.0.0.1
www	A	192.0.2.10
listed	A	192.0.2.66
listed	AAAA	2001:db8::66
listed	TXT	"real data of a blocked name"
listed	MX	10 www.hostile.
wild	A	192.0.2.68
a.wild	A	192.0.2.67
cloak	CNAME	listed.hostile.
dn	DNAME	wild.hostile.
tcp	A	192.0.2.69
ZONE
cat > "$D/knot/hostile2.zone" <<'ZONE'
$ORIGIN hostile2.
$TTL 300
@	SOA	ns.hostile2. hostmaster.hostile2. 1 3600 600 86400 300
@	NS	ns.hostile2.
ns	A	127.0.0.1
ns.nsblock	A	127.0.0.1
ZONE
cat > "$D/knot/child.hostile.zone" <<'ZONE'
$ORIGIN child.hostile.
$TTL 300
@	SOA	ns.nsblock.hostile2. hostmaster.hostile. 1 3600 600 86400 300
@	NS	ns.nsblock.hostile2.
www	A	192.0.2.80
ZONE
cat > "$D/knot.conf" <<KNOTCONF
server:
    rundir: "$D/knot"
    pidfile: "$D/knot/knot.pid"
    listen: 127.0.0.1@$KPORT
control:
    listen: "$D/knot/knot.sock"
log:
  - target: "$D/knot.log"
    any: info
database:
    storage: "$D/knot"
template:
  - id: default
    storage: "$D/knot"
    semantic-checks: off
zone:
  - domain: hostile.
  - domain: hostile2.
  - domain: child.hostile.
KNOTCONF
start_knot "$D" "$KPORT" hostile. || { not_ok "knot starts"; sed 's/^/# /' "$D/knot.log"; finish; }
ok "knot serves the upstream zones"

# ---- the policy, for the module and as an RPZ for Unbound's rpz: ----
printf 'listed.hostile\n*.wild.hostile\nns.nsblock.hostile2\n' > "$D/deny.txt"
printf 'tcp.hostile\n' > "$D/tcp.txt"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    control-socket: "$D/tapir-pop.sock"
policy:
    numsources: 1 tcp-only
source:
    name: deny
    list: denylist
    file: "$D/deny.txt"
source:
    name: tcp
    list: doubtlist
    file: "$D/tcp.txt"
EOF2
cat > "$D/rpz/policy.zone" <<'ZONE'
$TTL 300
@	SOA	localhost. hostmaster.localhost. 1 3600 600 86400 300
@	NS	localhost.
listed.hostile	CNAME	.
*.wild.hostile	CNAME	.
ns.nsblock.hostile2	CNAME	.
tcp.hostile	CNAME	rpz-tcp-only.
ZONE

subnet=""
if "$UNBOUND_SBIN/unbound" -V 2>/dev/null | grep -q subnetcache; then
	subnet="subnetcache "
fi
stubs="stub-zone:
	name: \"hostile.\"
	stub-addr: 127.0.0.1@$KPORT
stub-zone:
	name: \"hostile2.\"
	stub-addr: 127.0.0.1@$KPORT
stub-zone:
	name: \"child.hostile.\"
	stub-host: \"ns.nsblock.hostile2@$KPORT\""
extra="	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow_snoop
	prefetch: yes
	serve-expired: yes
	serve-expired-ttl: 3600
	minimal-responses: no
	qname-minimisation: yes"
[ -n "$subnet" ] && extra="$extra
	send-client-subnet: 127.0.0.1
	client-subnet-always-forward: yes"

UB_MODULES="dynlib ${subnet}validator iterator" UB_EXTRA="$extra" \
UB_CLAUSES="$stubs" write_unbound_conf "$D" "$PORT"
UB_MODULES="respip ${subnet}validator iterator" UB_EXTRA="$extra" \
UB_CLAUSES="$stubs
rpz:
	name: \"rpz.test.\"
	zonefile: \"$D/rpz/policy.zone\"" write_unbound_conf "$D/rpz" "$RPORT"
: > "$D/rpz/tapir-pop.conf"

start_unbound "$D/rpz" "$RPORT" || { not_ok "unbound with rpz: starts"; sed 's/^/# /' "$D/rpz/unbound.log"; finish; }
R_PID=$UB_PID
start_unbound "$D" "$PORT" || { not_ok "unbound with the module starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
M_PID=$UB_PID
ok "both Unbounds start (module config: dynlib ${subnet}validator iterator)"

check "an unlisted name resolves through the stub" \
	answer_is "$PORT" www.hostile A 192.0.2.10
check "a listed name is blocked" \
	rcode_is "$PORT" listed.hostile A NXDOMAIN

# q PORT ARGS...: dig's answer section and header, one string.
q() {
	qp=$1
	shift
	dig +tries=1 +time=3 -p "$qp" @127.0.0.1 "$@" 2>&1
}

# leaks OUTPUT DATA: whether the output shows the real data.
leaks() {
	printf '%s\n' "$1" | grep -v '^;' | grep -qF "$2"
}

# cache_has DIR DATA: whether Unbound's cache (dump_cache) holds DATA.
cache_has() {
	ub_control "$1" dump_cache 2>/dev/null | grep -qF "$2"
}

# compare DESCRIPTION DATA ARGS...: ask both; the module must not leak
# DATA; Unbound's rpz: result is reported.
compare() {
	c_desc=$1 c_data=$2
	shift 2
	c_m=$(q "$PORT" "$@")
	c_r=$(q "$RPORT" "$@")
	if leaks "$c_r" "$c_data"; then
		diag "Unbound's rpz: leaks on: $c_desc"
	fi
	if leaks "$c_m" "$c_data"; then
		not_ok "$c_desc: no real answer"
		printf '%s\n' "$c_m" | sed 's/^/#   /' | head -30
	else
		ok "$c_desc: no real answer"
	fi
}

# after DESCRIPTION DATA NAME TYPE: once the hostile query was made, a
# plain query for NAME gets no real data from the module, and neither
# Unbound's cache holds DATA (only the module's is asserted).
after() {
	a_desc=$1 a_data=$2 a_name=$3 a_type=$4
	a_m=$(q "$PORT" "$a_name" "$a_type")
	a_r=$(q "$RPORT" "$a_name" "$a_type")
	if leaks "$a_r" "$a_data" || cache_has "$D/rpz" "$a_data"; then
		diag "Unbound's rpz: plants $a_name in its cache after: $a_desc"
	fi
	if leaks "$a_m" "$a_data"; then
		not_ok "after $a_desc: $a_name $a_type still blocked for others"
		printf '%s\n' "$a_m" | sed 's/^/#   /' | head -30
	else
		ok "after $a_desc: $a_name $a_type still blocked for others"
	fi
	if cache_has "$D" "$a_data"; then
		not_ok "after $a_desc: the cache does not hold $a_data"
		ub_control "$D" dump_cache | grep -F "$a_data" | sed 's/^/#   /' | head
	else
		ok "after $a_desc: the cache does not hold $a_data"
	fi
}

# ---- 1. query classes ----
for proto in "" +tcp; do
	via=${proto:-+udp}
	compare "class ANY, A, exact ($via)" 192.0.2.66 $proto -c ANY -t A listed.hostile
	after "class ANY ($via)" 192.0.2.66 listed.hostile A
	compare "class ANY, A, below a *. entry ($via)" 192.0.2.67 $proto -c ANY -t A a.wild.hostile
	after "class ANY below a *. entry ($via)" 192.0.2.67 a.wild.hostile A
done
for cls in CH HS NONE; do
	compare "class $cls" 192.0.2.66 -c "$cls" -t A listed.hostile
done
after "classes CH, HS, NONE" 192.0.2.66 listed.hostile A
compare "class ANY, qtype ANY" 192.0.2.66 -c ANY -t ANY listed.hostile
compare "class ANY, qtype TXT" "real data" -c ANY -t TXT listed.hostile
after "class ANY, qtype TXT" "real data" listed.hostile TXT

# ---- 2. query types and flags ----
for t in ANY RRSIG DS NSEC CNAME DNAME TXT AAAA MX; do
	out=$(q "$PORT" listed.hostile "$t")
	check "qtype $t of a listed name is NXDOMAIN" \
		sh -c 'echo "$1" | grep -q "status: NXDOMAIN"' - "$out"
done
compare "RD=0 (cache snooping allowed)" 192.0.2.66 +norec listed.hostile A
compare "CD=1" 192.0.2.66 +cd listed.hostile A
compare "DO=1" 192.0.2.66 +dnssec listed.hostile A
compare "mixed-case qname" 192.0.2.66 LiStEd.HoStIlE A
compare "qname with a trailing dot and CD, over TCP" 192.0.2.66 +tcp +cd listed.hostile. A
if [ -n "$subnet" ]; then
	compare "EDNS client subnet" 192.0.2.66 +subnet=198.51.100.0/24 listed.hostile A
	compare "EDNS client subnet, class ANY" 192.0.2.66 +subnet=198.51.100.0/24 -c ANY -t A listed.hostile
	after "EDNS client subnet" 192.0.2.66 listed.hostile A
else
	diag "this Unbound has no subnetcache: EDNS client subnet not tried"
fi

# ---- 3. names reached through other names ----
compare "CNAME into a listed name" 192.0.2.66 cloak.hostile A
after "a CNAME into a listed name" 192.0.2.66 listed.hostile A
compare "CNAME into a listed name, class ANY" 192.0.2.66 -c ANY -t A cloak.hostile
after "a CNAME into a listed name, class ANY" 192.0.2.66 listed.hostile A
compare "DNAME above a *. entry" 192.0.2.67 a.dn.hostile A
after "a DNAME above a *. entry" 192.0.2.67 a.wild.hostile A
check "a name under a stub whose server is a listed name resolves" \
	answer_is "$PORT" www.child.hostile A 192.0.2.80
after "resolving through a listed name server" "ns.nsblock.hostile2.	" ns.nsblock.hostile2 A
compare "the listed name server itself, class ANY" 127.0.0.1 -c ANY -t A ns.nsblock.hostile2

# ---- 4. TC, then the TCP retry, then UDP again ----
out=$(q "$PORT" +ignore tcp.hostile A)
check "a tcp-only name over UDP: TC" \
	sh -c 'echo "$1" | grep -q "flags:.* tc"' - "$out"
answer_is_tcp() {
	[ "$(dig +tcp +short +tries=1 +time=3 -p "$PORT" @127.0.0.1 tcp.hostile A)" = 192.0.2.69 ]
}
check "a tcp-only name over TCP: its real answer" answer_is_tcp
out=$(q "$PORT" +ignore tcp.hostile A)
check "after the TCP answer, UDP still gets TC (the answer was not cached)" \
	sh -c 'echo "$1" | grep -q "flags:.* tc" && ! echo "$1" | grep -v "^;" | grep -q 192.0.2.69' - "$out"
out=$(q "$RPORT" +ignore tcp.hostile A)
echo "$out" | grep -q "flags:.* tc" ||
	diag "Unbound's rpz: answers a tcp-only name over UDP from cache after a TCP query"
compare "a tcp-only name, class ANY over UDP" 192.0.2.69 +ignore -c ANY -t A tcp.hostile
out=$(q "$PORT" +ignore tcp.hostile A)
check "after class ANY, UDP still gets TC" \
	sh -c 'echo "$1" | grep -q "flags:.* tc"' - "$out"

# ---- 5. the counter says what was kept out ----
refused=$("$top_builddir/tapir-pop-control" -s "$D/tapir-pop.sock" stats_noreset |
	sed -n 's/^num.cache.refused=//p')
check "upstream answers kept out of the cache are counted (num.cache.refused=$refused)" \
	test "${refused:-0}" -gt 0
check "the module still answers" answer_is "$PORT" www.hostile A 192.0.2.10

stop_pid "$M_PID"
stop_pid "$R_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
