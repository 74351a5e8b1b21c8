#!/bin/sh
# tests/integration/test_mqtt_bootstrap.sh - a fresh resolver bootstraps
# 100k observations over HTTPS (a real nginx with a test CA, serving a
# snapshot signed here with openssl) while MQTT deltas published during
# the bootstrap are buffered and applied after it, in order; a 304, a bad
# signature and broken JSON all keep the state the resolver had.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v mosquitto >/dev/null || skip_all "mosquitto not installed"
command -v nginx >/dev/null || skip_all "nginx not installed"

D=$T_DIR
PORT=$(free_port)
MQ_PORT=$(free_port)
WEB_PORT=$(free_port)
TOPIC="observations/down/tapir-pop"
BLOCKED=192.0.2.99
make_test_pki "$D/pki" || { not_ok "test PKI"; finish; }

make_core_key "$D"
# sign IN OUT: as Core signs.
sign() { jws_sign "$D/core.pem" "$1" "$2"; }

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# The snapshot: 100,000 names plus www.example., all with the rule's tag.
awk -v now="$NOW" 'BEGIN {
	printf "{\"src_name\":\"dns-tapir\",\"creator\":\"core\",\"msg_type\":\"observation\",\"list_type\":\"doubtlist\",\"added\":["
	for (i = 1; i <= 100000; i++)
		printf "{\"name\":\"n%d.boot.example.\",\"time_added\":\"%s\",\"ttl\":3600,\"tag_mask\":4},", i, now
	printf "{\"name\":\"www.example.\",\"time_added\":\"%s\",\"ttl\":3600,\"tag_mask\":4}],\"removed\":[]}", now
}' > "$D/snapshot.json"
mkdir -p "$D/pki/www"
sign "$D/snapshot.json" "$D/pki/www/snapshot.jws"

# delta FILE NAME added|removed: one signed observation.
delta() {
	printf '{"src_name":"dns-tapir","msg_type":"observation","list_type":"doubtlist","%s":[{"name":"%s","time_added":"%s","ttl":3600,"tag_mask":4}]}' \
		"$3" "$2" "$NOW" > "$D/delta.json"
	sign "$D/delta.json" "$1"
}

start_mosquitto "$D/pki" "$MQ_PORT" || { not_ok "mosquitto starts"; finish; }
# Slow enough (about 4 s for the snapshot) that deltas arrive meanwhile.
NGINX_HTTP_EXTRA="limit_rate 3m;" start_nginx "$D/pki" "$WEB_PORT" ||
	{ not_ok "nginx starts"; finish; }
ok "mosquitto and nginx run with the test CA"

write_unbound_conf "$D" "$PORT"
mkdir -p "$D/state"
cat > "$D/tapir-pop.conf" <<EOF
server:
    state-dir: "$D/state"
policy:
    tags: "newly_registered" redirect
    redirect-a: $BLOCKED
$(mqtt_tls_clause "$D/pki" "$MQ_PORT" "$D/validation-keys.json")
source:
    name: "dns-tapir"
    list: doubtlist
    type: mqtt
    topic: "$TOPIC"
    bootstrap-url: "https://127.0.0.1:$WEB_PORT/snapshot.jws"
EOF
logged() { grep -q "$1" "$D/unbound.log"; }
blocked() { answer_is "$PORT" "$1" A "$BLOCKED"; }
not_blocked() { ! blocked "$1"; }

delta "$D/remove.jws" n5.boot.example. removed
delta "$D/add.jws" late.boot.example. added

start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
check "the feed subscribes before the snapshot is in" wait_for 10 logged "subscribed to"
mqtt_publish "$D/pki" "$MQ_PORT" "$TOPIC" "$D/remove.jws"
mqtt_publish "$D/pki" "$MQ_PORT" "$TOPIC" "$D/add.jws"
check "the deltas were published while the bootstrap ran" sh -c \
	'! grep -q "bootstrapped" "$1"' - "$D/unbound.log"
check "the resolver answers during the bootstrap" rcode_is "$PORT" ok.example A NOERROR
check "the snapshot of 100,001 names is applied" \
	wait_for 30 logged "bootstrapped 100001 names"
check "a snapshot name is blocked" wait_for 2 blocked n1.boot.example
check "another one too" blocked n100000.boot.example
check "www.example from the snapshot is blocked" blocked www.example
check "a delta removing a snapshot name wins: it is absent" not_blocked n5.boot.example
check "a delta adding a name applies after the snapshot" blocked late.boot.example

# Restart: the saved state and ETag; the server answers 304.
stop_pid "$UB_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; finish; }
check "an unchanged snapshot (304) is noticed" \
	wait_for 15 logged "unchanged; keeping the saved state"
check "after a 304 the saved state is in force" blocked n1.boot.example
check "including the removal" not_blocked n5.boot.example
check "and the late addition" blocked late.boot.example

# A snapshot with a bad signature, then broken JSON: the state is kept.
sed 's/^{"payload":"eyJ/{"payload":"eyK/' \
	"$D/pki/www/snapshot.jws" > "$D/pki/www/snapshot.tmp"
mv "$D/pki/www/snapshot.tmp" "$D/pki/www/snapshot.jws"
stop_pid "$UB_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; finish; }
check "a snapshot with a bad signature is refused" \
	wait_for 15 logged "bootstrap from .* failed: .*signature"
check "and the previous state is kept" blocked n1.boot.example
check "with the removal" not_blocked n5.boot.example

printf '{"src_name":"dns-tapir","added":[{"name":' > "$D/pki/www/snapshot.jws"
stop_pid "$UB_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; finish; }
check "a broken snapshot is refused" wait_for 15 logged "bootstrap from .* failed: .*malformed"
check "and the previous state is kept" blocked n100000.boot.example

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
