#!/bin/sh
# tests/integration/test_actions.sh - every policy action answered through
# a real Unbound with the validator loaded; decision rules (allow beats
# deny, doubtlist thresholds); the config changed with unbound-control
# reload between cases.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound

D=$T_DIR
PORT=$(free_port)
write_unbound_conf "$D" "$PORT"
printf 'listed.example\nlisted2.example\n' > "$D/deny.txt"
printf 'listed2.example\n' > "$D/allow.txt"
printf 'listed2.example\nwww.example\nok.example\n' > "$D/doubt1.txt"
printf 'www.example\n' > "$D/doubt2.txt"

# policy_conf ACTION [extra policy lines]: deny + allow + two doubt sources.
policy_conf() {
	cat > "$D/tapir-pop.conf" <<EOF2
server:
    answer-ttl: 30
policy:
    denylist-action: $1
    numsources: 2 nodata
    redirect-a: 192.0.2.99
    redirect-a: 192.0.2.98
$2
source:
    name: deny
    list: denylist
    file: "$D/deny.txt"
source:
    name: allow
    list: allowlist
    file: "$D/allow.txt"
source:
    name: doubt1
    list: doubtlist
    file: "$D/doubt1.txt"
source:
    name: doubt2
    list: doubtlist
    file: "$D/doubt2.txt"
EOF2
}

# use_action ACTION [extra]: rewrite the config and reload Unbound.
use_action() {
	policy_conf "$@"
	ub_control "$D" reload >/dev/null && wait_for 5 answer_is "$PORT" ns.example A 192.0.2.53
}

policy_conf nxdomain ""
start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with four sources"

out=$(ub_query "$PORT" listed.example A +dnssec)
check "nxdomain: rcode NXDOMAIN with the validator loaded (not SERVFAIL)" \
	sh -c 'echo "$1" | grep -q "status: NXDOMAIN"' - "$out"
check "nxdomain: SOA tapir-pop. in authority, TTL 30" \
	sh -c 'echo "$1" | grep -Eq "^tapir-pop\.[[:space:]]+30[[:space:]]+IN[[:space:]]+SOA"' - "$out"
check "allowlist beats the denylist and the doubtlist" \
	rcode_is "$PORT" listed2.example A NOERROR
check "two doubtlist sources fire numsources 2 (nodata)" \
	sh -c 'o=$(dig +tries=1 -p "$1" @127.0.0.1 www.example A); echo "$o" | grep -q "status: NOERROR" && echo "$o" | grep -q "ANSWER: 0" && echo "$o" | grep -q "^tapir-pop\."' - "$PORT"
check "one doubtlist source does not fire numsources 2" \
	answer_is "$PORT" ok.example A 192.0.2.11

use_action nodata ""
out=$(ub_query "$PORT" listed.example A)
check "nodata: NOERROR, empty answer, SOA in authority" \
	sh -c 'echo "$1" | grep -q "status: NOERROR" && echo "$1" | grep -q "ANSWER: 0" && echo "$1" | grep -q "^tapir-pop\."' - "$out"

use_action redirect ""
check "redirect: A query answered with the configured addresses" \
	sh -c '[ "$(dig +short -p "$1" @127.0.0.1 listed.example A | sort | tr "\n" " ")" = "192.0.2.98 192.0.2.99 " ]' - "$PORT"
out=$(ub_query "$PORT" listed.example AAAA)
check "redirect: AAAA without configured addresses is NODATA" \
	sh -c 'echo "$1" | grep -q "status: NOERROR" && echo "$1" | grep -q "ANSWER: 0"' - "$out"

policy_conf redirect ""
sed -i '/redirect-a:/d; s/^policy:$/policy:\n    redirect-cname: walled.garden.example./' "$D/tapir-pop.conf"
ub_control "$D" reload >/dev/null
wait_for 5 answer_is "$PORT" ns.example A 192.0.2.53
check "redirect: CNAME target answered for any type" \
	sh -c 'dig -p "$1" @127.0.0.1 listed.example TXT | grep -Eq "^listed\.example\..*CNAME[[:space:]]+walled\.garden\.example\."' - "$PORT"

use_action tcp-only ""
check "tcp-only: UDP answer has TC set" \
	sh -c 'dig +ignore +tries=1 -p "$1" @127.0.0.1 listed.example A | grep -q "flags:.* tc"' - "$PORT"
check "tcp-only: over TCP the name resolves" \
	sh -c '[ "$(dig +tcp +short -p "$1" @127.0.0.1 listed.example A)" = 192.0.2.66 ]' - "$PORT"

use_action drop ""
check "drop: no answer at all" \
	sh -c '! dig +tries=1 +time=1 -p "$1" @127.0.0.1 listed.example A >/dev/null' - "$PORT"
check "drop: other names still answered" \
	answer_is "$PORT" ok.example A 192.0.2.11

use_action passthru ""
check "passthru: a denylisted name resolves normally" \
	answer_is "$PORT" listed.example A 192.0.2.66

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
