#!/bin/sh
# tests/integration/test_rpz_sources.sh - RPZ sources from a zone file
# and from an HTTPS URL (type rpz with file: or url:): tapir-pop-control
# dump's zone loads back in and answers as the policy it was dumped
# from; a 304 costs no reload; a broken file and an HTTP 500 keep the
# zone in force.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v nginx >/dev/null || skip_all "nginx not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"

D=$T_DIR
A=$D/a
B=$D/b
mkdir -p "$A/state" "$B/state"
make_test_pki "$D" || skip_all "cannot make a test PKI"
APORT=$(free_port)
BPORT=$(free_port)
HPORT=$(free_port)
EPORT=$(free_port)
NAMES="listed.example a.tree.example b.c.tree.example x.ads.example
	ok.ads.example www.example over.example ns.example tree.example"

# The policy dumped: a denylist with a subtree, an allowlist exception,
# an override with its own action.
printf 'listed.example\n*.tree.example\nwww.example\n*.ads.example\n' \
	> "$A/deny.txt"
printf 'ok.ads.example\n' > "$A/allow.txt"
cat > "$A/tapir-pop.conf" <<EOF2
server:
    state-dir: "$A/state"
    control-socket: "$A/tapir-pop.sock"
source:
    name: deny
    list: denylist
    file: "$A/deny.txt"
source:
    name: allow
    list: allowlist
    file: "$A/allow.txt"
EOF2
write_unbound_conf "$A" "$APORT"
start_unbound "$A" "$APORT" ||
	{ not_ok "unbound (dumped) starts"; sed 's/^/# /' "$A/unbound.log"; finish; }
"$top_builddir/tapir-pop-control" -s "$A/tapir-pop.sock" deny over.example \
	nodata >/dev/null
"$top_builddir/tapir-pop-control" -s "$A/tapir-pop.sock" dump > "$D/dump.zone"
check "the policy is dumped" grep -q "^over.example.tapir-pop.* CNAME \*.$" \
	"$D/dump.zone"

mkdir -p "$D/www"
cp "$D/dump.zone" "$D/www/policy.zone"
# A server that answers every request with 500, for the url: source
# after a reload.
NGINX_HTTP_EXTRA="server {
		listen 127.0.0.1:$EPORT ssl;
		ssl_certificate $D/server.crt;
		ssl_certificate_key $D/server.key;
		location / { return 500; }
	}"
start_nginx "$D" "$HPORT" ||
	{ not_ok "nginx starts"; sed 's/^/# /' "$D/nginx/error.log"; finish; }
NGINX_HTTP_EXTRA=""
cp "$D/dump.zone" "$B/policy.zone"
# b_conf URL: the configuration of the instance that loads the dump.
b_conf() {
	cat > "$B/tapir-pop.conf" <<EOF2
server:
    state-dir: "$B/state"
    control-socket: "$B/tapir-pop.sock"
    file-poll-interval: 100
source:
    name: from-file
    list: denylist
    type: rpz
    zone: tapir-pop.
    file: "$B/policy.zone"
source:
    name: from-url
    list: denylist
    type: rpz
    zone: tapir-pop.
    url: "$1"
    ca-file: "$D/ca.crt"
    poll-interval: 1
EOF2
}
b_conf "https://127.0.0.1:$HPORT/policy.zone"
write_unbound_conf "$B" "$BPORT"
start_unbound "$B" "$BPORT" ||
	{ not_ok "unbound (loading) starts"; sed 's/^/# /' "$B/unbound.log"; finish; }
bctl() { "$top_builddir/tapir-pop-control" -s "$B/tapir-pop.sock" "$@"; }
field() { bctl list_sources | sed -n "s/^$1 .* $2=\([0-9]*\).*/\1/p"; }

check "the zone file is loaded" \
	grep -q "source from-file: zone tapir-pop. serial .* applied by $B/policy.zone" \
	"$B/unbound.log"
check "the URL's zone is loaded" wait_for 10 grep -q \
	"source from-url: zone tapir-pop. serial .* applied by https://127.0.0.1:$HPORT/policy.zone" \
	"$B/unbound.log"
# alike: every name gets the same rcode and answer count from both.
alike() {
	r=0
	for n in $NAMES; do
		a=$(ub_query "$APORT" "$n" A | grep -oE "status: [A-Z]+|ANSWER: [0-9]+" | tr '\n' ' ')
		b=$(ub_query "$BPORT" "$n" A | grep -oE "status: [A-Z]+|ANSWER: [0-9]+" | tr '\n' ' ')
		[ -n "$a" ] && [ "$a" = "$b" ] || { r=1; diag "$n: dumped '$a' loaded '$b'"; }
	done
	return $r
}
check "the loaded dump answers as the policy it was dumped from" alike
check "... NXDOMAIN below the subtree" \
	rcode_is "$BPORT" a.tree.example A NXDOMAIN
check "... the allowlisted name below another subtree resolves (rpz-passthru)" \
	answer_is "$BPORT" ok.ads.example A 192.0.2.21

loads=$(field from-url updates)
check "the URL is polled again" wait_for 5 sh -c \
	'[ "$("$1" -s "$2" list_sources | sed -n "s/^from-url .* not_modified=\([0-9]*\).*/\1/p")" -ge 1 ]' \
	- "$top_builddir/tapir-pop-control" "$B/tapir-pop.sock"
check "... a 304 costs no reload" test "$(field from-url updates)" = "$loads"

# A broken zone file: refused whole, the zone in force stays.
fails=$(field from-file failures)
printf 'tapir-pop. 60 IN SOA tapir-pop. h.tapir-pop. 2 1 1 1 1\nbroken record here\n' \
	> "$B/policy.zone"
check "a broken zone file is refused" wait_for 5 sh -c \
	'[ "$("$1" -s "$2" list_sources | sed -n "s/^from-file .* failures=\([0-9]*\).*/\1/p")" -gt "$3" ]' \
	- "$top_builddir/tapir-pop-control" "$B/tapir-pop.sock" "$fails"
check "... the last good zone still answers" rcode_is "$BPORT" listed.example A NXDOMAIN

# The URL answers 500 now (a reload points it elsewhere): the zone saved
# from the last fetch stays.
b_conf "https://127.0.0.1:$EPORT/policy.zone"
cp "$D/dump.zone" "$B/policy.zone"
check "reload with the URL of a failing server" \
	sh -c '"$1" -s "$2" reload | grep -qx ok' - "$top_builddir/tapir-pop-control" "$B/tapir-pop.sock"
check "... the server's 500 is logged" wait_for 10 grep -q "source from-url: HTTP 500" \
	"$B/unbound.log"
check "... the last good zone still answers" rcode_is "$BPORT" www.example A NXDOMAIN

check "no sanitizer reports" test -z "$(sanitizer_reports "$B")"
sanitizer_reports "$B" | head -40 | sed 's/^/# /'
finish
