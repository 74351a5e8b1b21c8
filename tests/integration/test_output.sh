#!/bin/sh
# tests/integration/test_output.sh - the merged policy served as an RPZ
# (module/output/): a real Knot DNS secondary and a real BIND 9
# response-policy zone follow it by AXFR, then by IXFR after NOTIFY when
# a list file is edited and when an override is set; an Unbound rpz:
# with primary: the module answers as the module does; a journal gap
# falls back to AXFR; a bad TSIG key and an address outside the ACL are
# refused; a downstream that never answers NOTIFY holds nothing up.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v knotd >/dev/null && command -v knotc >/dev/null &&
	command -v kdig >/dev/null ||
	skip_all "Knot DNS (knotd, knotc, kdig) not installed"
command -v named >/dev/null || skip_all "BIND 9 (named) not installed"

D=$T_DIR
PORT=$(free_port)
OPORT=$(free_port)
PPORT=$(free_port)
APORT=$(free_port)
KPORT=$(free_port)
BPORT=$(free_port)
RPORT=$(free_port)
DEAD=$(free_port)
SECRET=$(head -c 32 /dev/urandom | base64)
BADSECRET=$(head -c 32 /dev/urandom | base64)
mkdir -p "$D/state" "$D/knot" "$D/bind" "$D/ref"
write_unbound_conf "$D" "$PORT"
ctl() { "$top_builddir/tapir-pop-control" -s "$D/tapir-pop.sock" "$@"; }
# ofield OUTPUT KEY: a counter of an output's list_sources line.
ofield() {
	ctl list_sources | sed -n "s/^$1 type=output.* $2=\([0-9]*\).*/\1/p"
}
# moved OUTPUT SERIAL: the output's serial is no longer SERIAL.
moved() {
	[ -n "$(ofield "$1" serial)" ] && [ "$(ofield "$1" serial)" != "$2" ]
}

printf 'listed.example\n*.tree.example\nwww.example\n' > "$D/deny.txt"
printf 'www.example\n' > "$D/allow.txt"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
    file-poll-interval: 100
source:
    name: deny
    list: denylist
    type: file
    file: "$D/deny.txt"
source:
    name: allow
    list: allowlist
    type: file
    file: "$D/allow.txt"
output:
    name: main
    zone: rpz.out.
    listen: 127.0.0.1@$OPORT
    tsig-key: tkey
    tsig-secret: "$SECRET"
    allow-transfer: 127.0.0.1
    notify: 127.0.0.1@$KPORT
    notify: 127.0.0.1@$BPORT
    notify: 127.0.0.1@$DEAD
output:
    name: plain
    zone: rpz.plain.
    listen: 127.0.0.1@$PPORT
    notify: 127.0.0.1@$RPORT
output:
    name: acl
    zone: rpz.acl.
    listen: 127.0.0.1@$APORT
    allow-transfer: 192.0.2.0/24
EOF2

start_unbound "$D" "$PORT" ||
	{ not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with three outputs"
check "the output builds its zone" \
	wait_for 10 grep -q "output main: zone rpz.out. serial [0-9]*: 3 owners" \
	"$D/unbound.log"

# A Knot DNS secondary of the module, with the key, told by NOTIFY.
cat > "$D/knot.conf" <<EOF2
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
key:
  - id: tkey
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: tapir
    address: 127.0.0.1@$OPORT
    key: tkey
acl:
  - id: notify
    address: 127.0.0.1
    key: tkey
    action: notify
zone:
  - domain: rpz.out
    storage: "$D/knot"
    master: tapir
    acl: notify
    zonefile-sync: -1
    journal-content: changes
EOF2
knotd -c "$D/knot.conf" >> "$D/knot.log" 2>&1 &
T_PIDS="$T_PIDS $!"

# A BIND 9 with rpz.out as a secondary and its response-policy zone,
# in the foreground as our own process.
cat > "$D/bind/named.conf" <<EOF2
options {
	directory "$D/bind";
	pid-file "$D/bind/named.pid";
	listen-on port $BPORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion yes;
	allow-query { 127.0.0.1; };
	dnssec-validation no;
	notify no;
	response-policy { zone "rpz.out" min-update-interval 0; }
		qname-wait-recurse no;
};
key "tkey" {
	algorithm hmac-sha256;
	secret "$SECRET";
};
controls { };
zone "rpz.out" {
	type secondary;
	file "rpz.out.db";
	primaries { 127.0.0.1 port $OPORT key "tkey"; };
	allow-notify { 127.0.0.1; };
};
EOF2
named -g -u "$(id -un)" -c "$D/bind/named.conf" > "$D/bind/named.log" 2>&1 &
T_PIDS="$T_PIDS $!"

# serial_at PORT ZONE: the zone's serial as a server answers it.
serial_at() {
	dig +short +tries=1 +time=1 -p "$1" @127.0.0.1 "$2" SOA |
		awk '{ print $3 }'
}
# synced: Knot and BIND both have the module's serial.
synced() {
	s=$(ofield main serial)
	[ -n "$s" ] && [ "$(serial_at "$KPORT" rpz.out)" = "$s" ] &&
		[ "$(serial_at "$BPORT" rpz.out)" = "$s" ]
}
check "Knot and BIND transfer the zone (AXFR)" wait_for 20 synced
check "... both by AXFR" test "$(ofield main axfr)" -ge 2
check "Knot serves the policy: www.example is allowlisted (rpz-passthru)" \
	sh -c 'kdig +short -p "$1" @127.0.0.1 www.example.rpz.out CNAME | grep -qx "rpz-passthru."' - "$KPORT"
check "... listed.example is CNAME . (nxdomain)" \
	sh -c 'kdig +short -p "$1" @127.0.0.1 listed.example.rpz.out CNAME | grep -qx "."' - "$KPORT"
check "... *.tree.example is a subtree owner" \
	sh -c 'kdig +short -p "$1" @127.0.0.1 "*.tree.example.rpz.out" CNAME | grep -qx "."' - "$KPORT"
check "BIND applies it as its response policy (NXDOMAIN)" \
	rcode_is "$BPORT" listed.example A NXDOMAIN
check "... and for a name below the subtree owner" \
	rcode_is "$BPORT" a.b.tree.example A NXDOMAIN

# A change in a list file: both follow by IXFR within a second.
before=$(ofield main serial)
ixfr0=$(ofield main ixfr)
printf 'listed.example\n*.tree.example\nwww.example\nnew.example\n' > "$D/deny.txt"
check "a list file edit moves the serial" \
	wait_for 3 moved main "$before"
check "... Knot and BIND have the new serial within 1 s" wait_for 1 synced
check "... by IXFR (two served)" test "$(ofield main ixfr)" -ge $((ixfr0 + 2))
check "... BIND blocks the new name" wait_for 5 rcode_is "$BPORT" new.example A NXDOMAIN

# An override.
before=$(ofield main serial)
ctl deny over.example nodata >/dev/null
check "an override moves the serial" \
	wait_for 3 moved main "$before"
check "... Knot and BIND have it within 1 s" wait_for 1 synced
check "... as CNAME *. (nodata) at Knot" \
	sh -c 'kdig +short -p "$1" @127.0.0.1 over.example.rpz.out CNAME | grep -qx "\*."' - "$KPORT"
# The allowlist loses www.example: its owner turns from passthru to
# nxdomain.
printf '\n' > "$D/allow.txt"
check "an allowlist change turns www.example into nxdomain at BIND" \
	wait_for 3 rcode_is "$BPORT" www.example A NXDOMAIN
check "... and both are in sync" wait_for 2 synced

# A journal gap: an IXFR from a serial the journal does not hold is
# answered with the whole zone.
axfr0=$(ofield main axfr)
kdig -p "$OPORT" @127.0.0.1 -y "hmac-sha256:tkey:$SECRET" rpz.out IXFR=1 \
	> "$D/gap.out" 2>&1
check "an IXFR from an unknown serial gets the whole zone" \
	grep -q "^new.example.rpz.out.*CNAME" "$D/gap.out"
check "... counted as AXFR" test "$(ofield main axfr)" -eq $((axfr0 + 1))
s=$(ofield main serial)
kdig -p "$OPORT" @127.0.0.1 -y "hmac-sha256:tkey:$SECRET" rpz.out IXFR="$s" \
	> "$D/uptodate.out" 2>&1
check "an IXFR from the current serial gets the SOA alone" \
	test "$(grep -c 'IN.*SOA' "$D/uptodate.out")" -eq 1

# Refusals.
ref0=$(ofield main refused)
kdig -p "$OPORT" @127.0.0.1 -y "hmac-sha256:tkey:$BADSECRET" rpz.out AXFR \
	> "$D/badkey.out" 2>&1
check "a bad TSIG key gets no zone" \
	sh -c '! grep -q "CNAME" "$1"' - "$D/badkey.out"
kdig -p "$OPORT" @127.0.0.1 rpz.out AXFR > "$D/nokey.out" 2>&1
check "an unsigned request gets no zone" \
	sh -c '! grep -q "CNAME" "$1"' - "$D/nokey.out"
check "... both refused and counted" test "$(ofield main refused)" -ge $((ref0 + 2))
dig +tries=1 +time=2 -p "$APORT" @127.0.0.1 rpz.acl AXFR > "$D/acl.out" 2>&1
check "an address outside allow-transfer gets no zone" \
	sh -c '! grep -q "CNAME" "$1"' - "$D/acl.out"
check "... its SOA query is refused" rcode_is "$APORT" rpz.acl SOA REFUSED
check "... and counted" test "$(ofield acl refused)" -ge 1
check "the downstream that never answers was sent NOTIFY retries" \
	test "$(ofield main notifies)" -gt "$(ofield main notifies_answered)"
check "the query path kept answering meanwhile" \
	rcode_is "$PORT" listed.example A NXDOMAIN

check "no sanitizer reports" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
