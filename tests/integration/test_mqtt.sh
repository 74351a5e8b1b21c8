#!/bin/sh
# tests/integration/test_mqtt.sh - DNS TAPIR observations over MQTT: a real
# mosquitto broker on loopback that requires TLS 1.3 and a client
# certificate, messages signed here with openssl (Ed25519, flattened JWS)
# as Core signs them, and a real Unbound with the module.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v mosquitto >/dev/null || skip_all "mosquitto not installed"

D=$T_DIR
PORT=$(free_port)
MQ_PORT=$(free_port)
TOPIC="observations/down/tapir-pop"
CTL="$top_builddir/tapir-pop-control"
make_test_pki "$D/pki" || { not_ok "test PKI"; finish; }

# The trusted key Core signs with, and a forger's key under the same kid.
make_core_key "$D"
openssl genpkey -algorithm ed25519 -out "$D/forger.pem" 2>/dev/null
# The node's own data key, for its signed status reports.
openssl genpkey -algorithm ed25519 -out "$D/node.pem" 2>/dev/null
openssl pkey -in "$D/node.pem" -pubout -out "$D/node.pub" 2>/dev/null

# publish NAME TTL TAG_MASK [removed] [KEY]: sign and publish one message.
publish() {
	publish_observation "$D/pki" "$MQ_PORT" "$TOPIC" "${5:-$D/core.pem}" \
		"$1" "$2" "$3" "${4:-}"
}

start_mosquitto "$D/pki" "$MQ_PORT" || { not_ok "mosquitto starts"; finish; }
ok "mosquitto requires TLS 1.3 and a client certificate"

write_unbound_conf "$D" "$PORT"
mkdir -p "$D/state"
cat > "$D/tapir-pop.conf" <<EOF
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
policy:
    tags: "newly_registered" nxdomain
    numtags: 2 nodata
    tag-source: "dns-tapir"
$(mqtt_tls_clause "$D/pki" "$MQ_PORT" "$D/validation-keys.json")
    keepalive: 5
    reconnect-max: 1
    status-key: "$D/node.pem"
    edge-id: "edge-test"
source:
    name: "dns-tapir"
    list: doubtlist
    type: mqtt
    topic: "$TOPIC"
EOF
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" "$@"; }
subscribed() { [ "$(grep -c 'subscribed to' "$D/unbound.log")" -ge "$1" ]; }

# The first status report goes out once connected; catch it.
timeout 20 mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" --cafile "$D/pki/ca.crt" \
	--cert "$D/pki/tls.crt" --key "$D/pki/tls.key" -V mqttv5 -C 1 \
	-t "status/up/edge-test/tapir-pop" > "$D/status.jws" 2>/dev/null &
SUB_PID=$!
T_PIDS="$T_PIDS $SUB_PID"
sleep 0.5

start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
check "the feed connects with the edge's certificate and subscribes" \
	wait_for 10 subscribed 1

# status_verifies: the report is a flattened JWS whose signature checks
# out with the node's public key (openssl, not our code), and whose payload
# has the fields DNS TAPIR's receiver decodes.
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$D/status.jws"; }
status_verifies() {
	prot=$(field protected) pl=$(field payload) sig=$(field signature)
	[ -n "$prot" ] && [ -n "$pl" ] && [ -n "$sig" ] || return 1
	printf '%s.%s' "$prot" "$pl" > "$D/status-input"
	printf '%s' "$sig" | b64dec > "$D/status-sig"
	openssl pkeyutl -verify -pubin -inkey "$D/node.pub" -rawin \
		-in "$D/status-input" -sigfile "$D/status-sig" >/dev/null 2>&1 &&
	printf '%s' "$prot" | b64dec | grep -q '"kid":"edge-test"' &&
	printf '%s' "$pl" | b64dec > "$D/status.json" &&
	grep -q '"Function":"tapir-pop"' "$D/status.json" &&
	grep -q '"FunctionID":"edge-test"' "$D/status.json" &&
	grep -q '"ComponentStatus":{.*"dns-tapir":{' "$D/status.json"
}
check "a signed status report is published" wait_for 15 sh -c 'test -s "$1"' - "$D/status.jws"
check "it verifies with the node's public key and has the receiver's fields" status_verifies

check "www.example resolves and is cached" rcode_is "$PORT" www.example A NOERROR
check "tracker.example resolves and is cached" rcode_is "$PORT" tracker.example A NOERROR

# A tag the rule names: blocked at once, although the name is cached.
publish www.example. 3600 4
check "a signed observation with a rule's tag blocks a cached name" \
	wait_for 2 rcode_is "$PORT" www.example A NXDOMAIN
out=$(ctl lookup www.example)
check "lookup names the tags rule and the source" sh -c \
	'echo "$1" | grep -Eq "rule(=|: )tags" && echo "$1" | grep -q "dns-tapir"' - "$out"

# Two tags meet numtags; a test-traffic tag alone meets nothing.
publish tracker.example. 3600 3
check "two tags meet numtags: NODATA" \
	wait_for 2 sh -c 'dig +tries=1 +time=1 -p "$1" @127.0.0.1 tracker.example A | tr "\n" " " | grep -q "status: NOERROR.*ANSWER: 0,"' - "$PORT"
publish ok.example. 3600 1024
sleep 0.3
check "a looptest-only observation blocks nothing" rcode_is "$PORT" ok.example A NOERROR

# A forged message: the right kid, the wrong key.  Nothing changes.
publish later.example. 3600 4 "" "$D/forger.pem"
printf 'not a JWS at all' > "$D/junk"
mqtt_publish "$D/pki" "$MQ_PORT" "$TOPIC" "$D/junk"
sleep 0.5
check "a forged observation changes nothing" rcode_is "$PORT" later.example A NOERROR
out=$(ctl list_sources)
check "refused messages are counted" sh -c \
	'echo "$1" | grep -q "^dns-tapir type=mqtt .*failures=2 .*state=connected received=5"' - "$out"
check "the refusal is logged with its reason" \
	grep -q "message refused: signature" "$D/unbound.log"

# A short-lived observation stops blocking when it lapses.
publish fresh.example. 2 4
check "a 2 s observation blocks" wait_for 2 rcode_is "$PORT" fresh.example A NXDOMAIN
check "and stops blocking after it lapses" wait_for 4 rcode_is "$PORT" fresh.example A NOERROR

# The broker goes away and comes back: the resolver answers throughout,
# the feed reconnects and the next observation applies.
stop_pid "$MQ_PID"
check "the resolver answers while the broker is down" rcode_is "$PORT" ok.example A NOERROR
check "and keeps the policy" rcode_is "$PORT" www.example A NXDOMAIN
start_mosquitto "$D/pki" "$MQ_PORT" || not_ok "mosquitto restarts"
check "the feed reconnects after the broker restarts" wait_for 15 subscribed 2
publish later.example. 3600 4
check "an observation after the reconnect applies" \
	wait_for 2 rcode_is "$PORT" later.example A NXDOMAIN

# A reload right after an observation: the new engine starts from what
# the running one holds, not from its last periodic save (up to 10 s
# old).  The reload clears the caches, so the new engine decides.
publish www2.example. 3600 4
check "an observation blocks www2.example" \
	wait_for 2 rcode_is "$PORT" www2.example A NXDOMAIN
ctl reload > "$D/reload.out" 2>&1
check "tapir-pop-control reload" grep -q "^ok" "$D/reload.out"
check "after the reload www2.example is still blocked" \
	rcode_is "$PORT" www2.example A NXDOMAIN
check "the feed subscribes again" wait_for 10 subscribed 3

# Removal, then a restart of Unbound: what is unexpired persists.
publish tracker.example. 3600 3 removed
check "a removed observation unblocks" wait_for 2 rcode_is "$PORT" tracker.example A NOERROR
stop_pid "$UB_PID"
check "the state is written at shutdown" \
	grep -q '"www.example."' "$D/state/dns-tapir.observations.json"
stop_pid "$MQ_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; sed 's/^/# /' "$D/unbound.log"; finish; }
check "after a restart, with the broker down, www.example is still blocked" \
	rcode_is "$PORT" www.example A NXDOMAIN
check "and later.example too" rcode_is "$PORT" later.example A NXDOMAIN
check "but not the removed tracker.example" rcode_is "$PORT" tracker.example A NOERROR

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
