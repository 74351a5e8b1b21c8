#!/bin/sh
# tests/integration/test_mqtt_edge.sh - a DNS TAPIR edge that runs for
# months untouched, against a real mosquitto (TLS 1.3, client
# certificates, persistence on), a real nginx and a real Unbound with the
# module: two mqtt sources on one connection; trusted keys rotated on
# disk; Core's configuration moving the feed to another topic and to its
# bootstrap servers, kept across a restart; certificates renewed on disk;
# 100 QoS 1 observations published while the edge is away (Unbound
# restarted, a reload, the broker restarted) all applied, each once; and
# checkconf's look at what Unbound's user can read.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v mosquitto >/dev/null || skip_all "mosquitto not installed"
command -v nginx >/dev/null || skip_all "nginx not installed"

D=$T_DIR
P=$D/pki
PORT=$(free_port)
MQ_PORT=$(free_port)
MQ_PORT2=$(free_port)
WEB_PORT=$(free_port)
TOPIC="observations/down/tapir-pop"
MOVED="observations/down/moved"
DENY_TOPIC="observations/down/deny"
CONFIG_TOPIC="configuration/edge-test/pop"
BLOCKED=192.0.2.99
CTL="$top_builddir/tapir-pop-control"
make_test_pki "$P" || { not_ok "test PKI"; finish; }
# A client certificate with a month to go, from the test CA.
( cd "$P" && openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key \
	-CAcreateserial -days 30 -out tls.crt 2>/dev/null )
# Core's side (the test's publishers) has certificates of its own: the
# edge's are renewed under it below.
C=$D/core-side
mkdir -p "$C"
cp "$P/ca.crt" "$P/tls.crt" "$P/tls.key" "$C/"

# Core's key (kid core-1), the key it rotates to (core-2), and the key of
# the second source's own signer (deny-1).
make_core_key "$D"
openssl genpkey -algorithm ed25519 -out "$D/core2.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$D/deny.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$D/node.pem" 2>/dev/null
JWK1=$(ed25519_jwk "$D/core.pem" core-1)
JWK2=$(ed25519_jwk "$D/core2.pem" core-2)
printf '{"keys":[%s]}\n' "$(ed25519_jwk "$D/deny.pem" deny-1)" \
	> "$D/deny-keys.json"

# keys_file JWK...: the trusted key file, replaced as an editor saves it.
keys_file() {
	printf '{"keys":[%s]}\n' "$(echo "$@" | tr ' ' ',')" > "$D/keys.tmp"
	mv "$D/keys.tmp" "$D/validation-keys.json"
}

# signed KEY KID NAME [denylist]: one signed observation adding NAME, in
# $D/msg.jws (doubtlist from dns-tapir, or denylist from core-deny).
signed() {
	observation_json "$D/msg.json" "$3" 3600 4
	if [ "${4:-}" = denylist ]; then
		sed -i 's/"dns-tapir"/"core-deny"/; s/"doubtlist"/"denylist"/' \
			"$D/msg.json"
	fi
	jws_sign "$1" "$D/msg.json" "$D/msg.jws" "$2"
}
# pub TOPIC [QOS] [PORT]: publish $D/msg.jws.
pub() {
	mosquitto_pub -h 127.0.0.1 -p "${3:-$MQ_PORT}" --cafile "$C/ca.crt" \
		--cert "$C/tls.crt" --key "$C/tls.key" -V mqttv5 \
		-q "${2:-1}" -t "$1" -f "$D/msg.jws"
}
# batch FILE PREFIX KEY KID: 100 signed observations, one a line.
batch() {
	: > "$1"
	i=1
	while [ $i -le 100 ]; do
		observation_json "$D/b.json" "$2$i.example." 3600 4
		jws_sign "$3" "$D/b.json" "$D/b.jws" "$4"
		cat "$D/b.jws" >> "$1"
		echo >> "$1"
		i=$((i + 1))
	done
}
# pub_lines TOPIC FILE [PORT]: each line of FILE a QoS 1 message.
pub_lines() {
	mosquitto_pub -h 127.0.0.1 -p "${3:-$MQ_PORT}" --cafile "$C/ca.crt" \
		--cert "$C/tls.crt" --key "$C/tls.key" -V mqttv5 -q 1 \
		-t "$1" -l < "$2"
}
blocked() { answer_is "$PORT" "$1" A "$BLOCKED"; }
not_blocked() { ! blocked "$1"; }
# all_blocked PREFIX: every one of the 100 names of a batch is blocked.
all_blocked() {
	i=1
	while [ $i -le 100 ]; do
		blocked "$1$i.example" || return 1
		i=$((i + 1))
	done
}
logged() { grep -q -- "$1" "$D/unbound.log"; }
logged_n() { [ "$(grep -c -- "$1" "$D/unbound.log")" -ge "$2" ]; }
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" "$@"; }
# field_of SOURCE KEY: a number from list_sources; also a script, for
# the sh -c of wait_for.
FIELD=$D/field
cat > "$FIELD" <<FIELD
#!/bin/sh
TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" list_sources |
	sed -n "s/^\$1 .* \$2=\([0-9]*\).*/\1/p"
FIELD
chmod +x "$FIELD"
field_of() { "$FIELD" "$1" "$2"; }

# ---- checkconf: what Unbound's user can read ----
# The files as enrollment leaves them for root only; Unbound runs as
# nobody here (username: in its unbound.conf).
E=$D/etc-dnstapir
chmod 0755 "$D"
mkdir -p "$E/certs" "$D/state"
cp "$P/ca.crt" "$P/tls.crt" "$P/tls.key" "$E/certs/"
cp "$D/validation-keys.json" "$E/certs/"
chmod 0750 "$E" "$E/certs"
chmod 0600 "$E/certs/"*
printf 'server:\n\tusername: "nobody"\n\tverbosity: 1\n' > "$D/ub-nobody.conf"
printf 'server:\n    state-dir: "%s/state"\nmqtt:\n    server: "mqtts://127.0.0.1:1"\n    ca-file: "%s/certs/ca.crt"\n    cert-file: "%s/certs/tls.crt"\n    key-file: "%s/certs/tls.key"\n    trusted-keys: "%s/certs/validation-keys.json"\nsource:\n    name: "dns-tapir"\n    list: doubtlist\n    type: mqtt\n    topic: "%s"\n' \
	"$D" "$E" "$E" "$E" "$E" "$TOPIC" > "$D/check.conf"
chown root:root "$E" "$E/certs" "$E/certs/"*
"$CTL" -u "$D/ub-nobody.conf" checkconf "$D/check.conf" \
	> "$D/cc.out" 2> "$D/cc.err"
check "checkconf: a file Unbound's user cannot reach is still ok" \
	grep -qx "$D/check.conf: ok" "$D/cc.out"
check "checkconf: it warns that nobody cannot search the directory" \
	grep -q "warning: Unbound's user nobody cannot search the directory $E (mode 0750, owner root, group root) on the way to $E/certs/tls.key, for mqtt: key-file" "$D/cc.err"
NOGROUP=$(id -gn nobody)
chgrp "$NOGROUP" "$E" "$E/certs"
"$CTL" -u "$D/ub-nobody.conf" checkconf "$D/check.conf" 2> "$D/cc.err" >/dev/null
check "checkconf: with group access to the directory, the 0600 key is named" \
	grep -q "cannot read $E/certs/tls.key (mode 0600, owner root, group root), for mqtt: key-file" "$D/cc.err"
check "checkconf: and the state-dir it cannot write in" \
	grep -q "cannot write in $D/state .*for server: state-dir" "$D/cc.err"
chgrp "$NOGROUP" "$E/certs/"* "$D/state"
chmod 0640 "$E/certs/"*
chmod 0770 "$D/state"
"$CTL" -u "$D/ub-nobody.conf" checkconf "$D/check.conf" 2> "$D/cc.err" >/dev/null
check "checkconf: group-readable files in a group-searchable directory pass" \
	test ! -s "$D/cc.err"
sed 's/^/# /' "$D/cc.err"
printf 'server:\n\tusername: ""\n' > "$D/ub-root.conf"
chmod 0600 "$E/certs/"*
check "checkconf: username \"\" (Unbound keeps its user) checks nothing" \
	sh -c '[ "$("$1" -u "$2" checkconf "$3" 2>&1)" = "$3: ok" ]' - "$CTL" \
	"$D/ub-root.conf" "$D/check.conf"
check "checkconf: an unbound.conf named with -u must exist" \
	sh -c '! "$1" -u "$2/none.conf" checkconf "$3" >/dev/null 2>&1' - \
	"$CTL" "$D" "$D/check.conf"
chmod 0755 "$D/state"

# ---- the edge ----
MOSQUITTO_EXTRA="persistence true
persistence_location $D/mq/"
mkdir -p "$D/mq"
start_mosquitto "$P" "$MQ_PORT" || { not_ok "mosquitto starts"; finish; }
# The snapshot Core's bootstrap servers serve; nginx logs the API key.
mkdir -p "$P/www"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"src_name":"dns-tapir","msg_type":"observation","list_type":"doubtlist","added":[{"name":"snap1.example.","time_added":"%s","ttl":3600,"tag_mask":4},{"name":"snap2.example.","time_added":"%s","ttl":3600,"tag_mask":4}],"removed":[]}' \
	"$NOW" "$NOW" > "$D/snapshot.json"
jws_sign "$D/core2.pem" "$D/snapshot.json" "$P/www/snapshot.jws" core-2
NGINX_HTTP_EXTRA="log_format key '\$http_x_api_key \$request';
	access_log $D/keys.log key;" start_nginx "$P" "$WEB_PORT" ||
	{ not_ok "nginx starts"; finish; }
ok "mosquitto (persistence on) and nginx run with the test CA"

write_unbound_conf "$D" "$PORT"
cat > "$D/tapir-pop.conf" <<EOF
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
    file-poll-interval: 200
policy:
    tags: "newly_registered" redirect
    denylist-action: redirect
    redirect-a: $BLOCKED
    tag-source: "dns-tapir"
$(mqtt_tls_clause "$P" "$MQ_PORT" "$D/validation-keys.json")
    client-id: "edge-test"
    keepalive: 5
    reconnect-max: 2
    config-topic: "$CONFIG_TOPIC"
    rebootstrap-after: 2
    status-key: "$D/node.pem"
    edge-id: "edge-test"
source:
    name: "dns-tapir"
    list: doubtlist
    type: mqtt
    topic: "$TOPIC"
source:
    name: "core-deny"
    list: denylist
    type: mqtt
    topic: "$DENY_TOPIC"
    trusted-keys: "$D/deny-keys.json"
EOF
start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
check "one connection subscribes both sources and Core's configuration topic" \
	wait_for 10 sh -c 'grep -q "source dns-tapir: subscribed to $2 (QoS 1)" "$1" &&
		grep -q "source core-deny: subscribed to $3 (QoS 1)" "$1" &&
		grep -q "subscribed to Core.s configuration topic $4" "$1"' - \
	"$D/unbound.log" "$TOPIC" "$DENY_TOPIC" "$CONFIG_TOPIC"
check "the session is persistent: the broker saw clean start off" \
	grep -q "as edge-test (p5, c0, k5" "$P/mosquitto.log"

# ---- two sources side by side ----
signed "$D/core.pem" core-1 a1.example.
pub "$TOPIC"
check "the doubtlist source applies its topic's observation" \
	wait_for 5 blocked a1.example
signed "$D/deny.pem" deny-1 d1.example. denylist
pub "$DENY_TOPIC"
check "the denylist source applies its own topic's, signed by its own key" \
	wait_for 5 blocked d1.example
signed "$D/core.pem" core-1 d2.example. denylist
pub "$DENY_TOPIC"
signed "$D/deny.pem" deny-1 d3.example.
pub "$DENY_TOPIC"
sleep 1
check "a key the denylist source does not trust is refused there" \
	not_blocked d2.example
check "a doubtlist observation on the denylist's topic is refused" \
	not_blocked d3.example
check "each source counts its own: core-deny 1 applied, 2 refused" \
	sh -c '[ "$1" = 1 ] && [ "$2" = 2 ] && [ "$3" = 1 ]' - \
	"$(field_of core-deny updates)" "$(field_of core-deny failures)" \
	"$(field_of dns-tapir updates)"
out=$(ctl list_sources)
check "list_sources: each source has its list class" sh -c \
	'echo "$1" | grep -q "^dns-tapir type=mqtt list=doubtlist" &&
	 echo "$1" | grep -q "^core-deny type=mqtt list=denylist"' - "$out"

# ---- trusted keys rotate without a reload ----
signed "$D/core2.pem" core-2 k1.example.
pub "$TOPIC"
sleep 1
check "a message signed with a key not yet trusted is refused" \
	not_blocked k1.example
keys_file "$JWK1" "$JWK2"
check "the key file with core-2 added is picked up" \
	wait_for 5 logged "trusted-keys $D/validation-keys.json: 2 keys in force"
signed "$D/core2.pem" core-2 k2.example.
pub "$TOPIC"
check "the next message signed with the added key applies" \
	wait_for 5 blocked k2.example
keys_file "$JWK2"
check "the key file without core-1 is picked up" \
	wait_for 5 logged "trusted-keys $D/validation-keys.json: 1 keys in force"
refused=$(field_of dns-tapir failures)
signed "$D/core.pem" core-1 k3.example.
pub "$TOPIC"
check "a message signed with the removed key is refused" \
	wait_for 5 sh -c '[ "$("$1" dns-tapir failures)" -gt "$2" ]' \
	- "$FIELD" "$refused"
check "and changes nothing" not_blocked k3.example
head -c 40 "$D/validation-keys.json" > "$D/keys.tmp"
mv "$D/keys.tmp" "$D/validation-keys.json"
check "a truncated key file is refused, logged, and the keys stay" \
	wait_for 5 logged "the 1 keys loaded before stay in force"
signed "$D/core2.pem" core-2 k4.example.
pub "$TOPIC"
check "the key in force before still verifies" wait_for 5 blocked k4.example
check "the refused key file is counted" \
	sh -c '[ "$("$1" dns-tapir keys_refused)" -ge 1 ]' - \
	"$FIELD"
keys_file "$JWK2"
check "no reconnection for any of it" \
	sh -c '[ "$("$1" dns-tapir connects)" = 1 ]' - \
	"$FIELD"

# ---- configuration pushed from Core ----
# config FILE JSON KEY KID: a signed configuration message, as tapir-cli
# sends tapir.GlobalConfig (Go field names, null slices).
config() {
	printf '%s' "$2" > "$D/config.json"
	jws_sign "$3" "$D/config.json" "$1" "$4"
}
config "$D/move.jws" "{\"TapirConfigVersion\":\"t2\",\"Rpz\":{\"EnvelopeSize\":0},\"Bootstrap\":{\"Servers\":null,\"BaseUrl\":\"\",\"ApiToken\":\"\"},\"ObservationTopics\":[{\"Topic\":\"$MOVED\",\"PubKeyName\":\"\",\"PrivKeyName\":\"\"}],\"StatusTopics\":null}" \
	"$D/core2.pem" core-2
mqtt_publish "$C" "$MQ_PORT" "$CONFIG_TOPIC" "$D/move.jws"
check "a configuration message moves the doubtlist source to its topic" \
	wait_for 5 logged "source dns-tapir: topic $MOVED from Core's configuration (was $TOPIC)"
check "the old topic is unsubscribed" \
	wait_for 5 logged "mqtt: unsubscribed from $TOPIC"
signed "$D/core2.pem" core-2 m1.example.
pub "$MOVED"
check "an observation on the new topic blocks its name within 5 s" \
	wait_for 5 blocked m1.example
signed "$D/core2.pem" core-2 m2.example.
pub "$TOPIC"
sleep 1
check "one on the old topic does not" not_blocked m2.example
check "the denylist source (not following Core) keeps its topic" \
	sh -c '! grep -q "source core-deny: topic" "$1"' - "$D/unbound.log"
check "the configuration is kept in the state directory" \
	grep -q "$MOVED" "$D/state/mqtt-config.json"
printf '{"TapirConfigVersion":"bad","ObservationTopics":[]}' > "$D/bad.json"
jws_sign "$D/core2.pem" "$D/bad.json" "$D/bad.jws" core-2
mqtt_publish "$C" "$MQ_PORT" "$CONFIG_TOPIC" "$D/bad.jws"
printf '{"ObservationTopics":[{"Topic":"x/y"}]}' > "$D/unsigned.json"
mqtt_publish "$C" "$MQ_PORT" "$CONFIG_TOPIC" "$D/unsigned.json"
config "$D/forged.jws" '{"ObservationTopics":[{"Topic":"x/z"}]}' \
	"$D/core.pem" core-1
mqtt_publish "$C" "$MQ_PORT" "$CONFIG_TOPIC" "$D/forged.jws"
check "an unusable, an unsigned and a forged configuration are refused" \
	wait_for 5 sh -c '[ "$("$1" dns-tapir config_refused)" = 3 ]' \
	- "$FIELD"
check "each logged with its reason" sh -c \
	'grep -q "configuration message on .* refused: no ObservationTopics; nothing changed" "$1" &&
	 grep -q "refused: signature: malformed JWS" "$1" &&
	 grep -q "refused: signature: kid names no trusted key" "$1"' - "$D/unbound.log"
signed "$D/core2.pem" core-2 m3.example.
pub "$MOVED"
check "and changed nothing: the feed is still on the new topic" \
	wait_for 5 blocked m3.example
check "only the good one was applied" \
	sh -c '[ "$("$1" dns-tapir config_applied)" = 1 ]' - \
	"$FIELD"

# ---- certificates renewed on disk ----
NEW=$D/renew
mkdir -p "$NEW"
( cd "$NEW" && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	-nodes -subj "/CN=edge-test" -keyout tls.key -out tls.csr 2>/dev/null &&
  openssl x509 -req -in tls.csr -CA "$P/ca.crt" -CAkey "$P/ca.key" \
	-CAcreateserial -days 1 -out tls.crt 2>/dev/null )
exp_before=$(field_of dns-tapir cert_expires)
check "list_sources shows the certificate's expiry (30 days)" \
	sh -c 'd=$(( $1 - $(date +%s) )); [ $d -gt 2500000 ] && [ $d -le 2592000 ]' \
	- "$exp_before"
# A renewal caught between its two writes: the new certificate with the
# old key.  The connection keeps what it has.
cp "$NEW/tls.crt" "$P/tls.crt.new" && mv "$P/tls.crt.new" "$P/tls.crt"
check "a certificate without its key is not used" \
	wait_for 5 logged "the certificate files changed, but $P/tls.key is not the key of $P/tls.crt"
# Observations keep coming while the renewal completes.
( i=1; while [ $i -le 20 ]; do
	observation_json "$D/r.json" "r$i.example." 3600 4
	jws_sign "$D/core2.pem" "$D/r.json" "$D/r.jws" core-2
	mqtt_publish "$C" "$MQ_PORT" "$MOVED" "$D/r.jws"
	i=$((i + 1)); sleep 0.1
  done ) &
RPUB=$!
T_PIDS="$T_PIDS $RPUB"
sleep 0.5
subs=$(grep -c "source dns-tapir: subscribed to $MOVED" "$D/unbound.log")
cp "$NEW/tls.key" "$P/tls.key.new" && mv "$P/tls.key.new" "$P/tls.key"
check "the renewed pair is used for a new connection within 5 s" \
	wait_for 5 sh -c '[ "$("$1" dns-tapir cert_reconnects)" = 1 ] &&
		[ "$("$1" dns-tapir connects)" = 2 ] &&
		[ "$(grep -c "source dns-tapir: subscribed to $2" "$3")" -gt "$4" ]' - \
	"$FIELD" "$MOVED" "$D/unbound.log" "$subs"
wait "$RPUB"
check "no observation published during the renewal is lost" \
	wait_for 5 sh -c 'i=1; while [ $i -le 20 ]; do
		[ "$(dig +short +tries=1 +time=1 -p "$1" @127.0.0.1 r$i.example A)" = "$2" ] || exit 1
		i=$((i + 1)); done' - "$PORT" "$BLOCKED"
check "list_sources shows the new certificate's expiry (1 day)" \
	sh -c 'd=$(( $1 - $(date +%s) )); [ $d -gt 80000 ] && [ $d -le 86400 ]' \
	- "$(field_of dns-tapir cert_expires)"
check "fewer than cert-warn-days left is logged as a warning" \
	wait_for 5 logged "expires at .*: fewer than 2 days left (cert-warn-days)"

# ---- no observation lost while Unbound is stopped ----
# Status reports from here on: the restarted module's first one is due
# at once.
timeout 60 mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" --cafile "$C/ca.crt" \
	--cert "$C/tls.crt" --key "$C/tls.key" -V mqttv5 \
	-t "status/up/edge-test/tapir-pop" > "$D/status.jws" 2>/dev/null &
SUB_PID=$!
T_PIDS="$T_PIDS $SUB_PID"
batch "$D/b1.txt" u "$D/core2.pem" core-2
stop_pid "$UB_PID"
check "100 observations published at QoS 1 while Unbound is stopped" \
	pub_lines "$MOVED" "$D/b1.txt"
mv "$D/unbound.log" "$D/unbound.log.1"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; sed 's/^/# /' "$D/unbound.log"; finish; }
check "after the restart Core's topic is still in force" \
	wait_for 10 logged "source dns-tapir: topic $MOVED from Core's configuration, not the file's $TOPIC"
check "all 100 are applied after the reconnect" wait_for 15 all_blocked u
check "each exactly once: received 100, none redelivered" sh -c \
	'[ "$1" = 100 ] && [ "$2" = 0 ] && [ "$3" = 100 ]' - \
	"$(field_of dns-tapir received)" "$(field_of dns-tapir redelivered)" \
	"$(field_of dns-tapir updates)"
# cert_warned: a report in status.jws has cert-status at warning.
cert_warned() {
	while read -r line; do
		printf '%s' "$line" | sed -n 's/.*"payload":"\([^"]*\)".*/\1/p' |
			b64dec 2>/dev/null
		echo
	done < "$D/status.jws" |
		grep -q '"cert-status":{"Component":"cert-status","Counters":{[^}]*}[^}]*"Status":1,"WarningMsg":"client certificate [^"]* expires at'
}
check "the status report raises cert-status to a warning" \
	wait_for 15 cert_warned
kill "$SUB_PID" 2>/dev/null

# ---- a reload while observations arrive ----
batch "$D/b2.txt" v "$D/core2.pem" core-2
( while read -r l; do echo "$l"; sleep 0.02; done < "$D/b2.txt" |
	mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" --cafile "$C/ca.crt" \
	--cert "$C/tls.crt" --key "$C/tls.key" -V mqttv5 -q 1 -t "$MOVED" -l ) &
PUB_PID=$!
T_PIDS="$T_PIDS $PUB_PID"
sleep 0.5
ctl reload > "$D/reload.out" 2>&1
check "tapir-pop-control reload while they arrive" grep -q "^ok" "$D/reload.out"
wait "$PUB_PID"
check "all 100 are applied across the reload" wait_for 15 all_blocked v
check "the new engine resumed the session: nothing redelivered" \
	sh -c '[ "$("$1" dns-tapir redelivered)" = 0 ]' - \
	"$FIELD"

# ---- QoS 0 and Core's bootstrap servers ----
signed "$D/core2.pem" core-2 q0.example.
pub "$MOVED" 0
check "a message at QoS 0 is counted and said to be unqueued" \
	wait_for 5 sh -c '[ "$("$1" dns-tapir qos0)" = 1 ] &&
		grep -q "messages arrive at QoS 0: the broker does not keep them" "$2"' \
	- "$FIELD" "$D/unbound.log"
config "$D/boot.jws" "{\"TapirConfigVersion\":\"t3\",\"Bootstrap\":{\"Servers\":[\"127.0.0.1:$WEB_PORT\"],\"BaseUrl\":\"https://%s/snapshot.jws\",\"ApiToken\":\"tok-123\"},\"ObservationTopics\":[{\"Topic\":\"$MOVED\"}]}" \
	"$D/core2.pem" core-2
mqtt_publish "$C" "$MQ_PORT" "$CONFIG_TOPIC" "$D/boot.jws"
check "bootstrap servers in Core's configuration: a bootstrap from them" \
	wait_for 10 blocked snap1.example
check "with its API token" grep -q "^tok-123 GET /snapshot.jws" "$D/keys.log"

# ---- the broker restarts (persistence on) while observations queue ----
batch "$D/b3.txt" w "$D/core2.pem" core-2
boots=$(wc -l < "$D/keys.log")
before=$(field_of dns-tapir received)
stop_pid "$MQ_PID"
# Away for longer than rebootstrap-after.
sleep 3
# The broker back on another port the edge does not know: the 100 are
# queued in the edge's session, restored from the broker's disk.
start_mosquitto "$P" "$MQ_PORT2" || not_ok "mosquitto on the second port"
check "100 observations published at QoS 1 while the edge cannot connect" \
	pub_lines "$MOVED" "$D/b3.txt" "$MQ_PORT2"
stop_pid "$MQ_PID"
start_mosquitto "$P" "$MQ_PORT" || not_ok "mosquitto back on its port"
check "all 100 queued during the broker's restart are applied" \
	wait_for 20 all_blocked w
check "each exactly once" sh -c '[ $(( $1 - $2 - $3 )) = 100 ]' - \
	"$(field_of dns-tapir received)" "$before" \
	"$(field_of dns-tapir redelivered)"
check "a reconnection after more than rebootstrap-after bootstraps again" \
	wait_for 5 sh -c 'grep -q "source dns-tapir: reconnected after [0-9]* s (rebootstrap-after 2): bootstrapping again" "$1" &&
		[ "$(wc -l < "$2")" -gt "$3" ]' - \
	"$D/unbound.log" "$D/keys.log" "$boots"
check "the subscription warning names QoS 0 after the reconnect" \
	logged "source dns-tapir: messages on this topic arrive at QoS 0"

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
