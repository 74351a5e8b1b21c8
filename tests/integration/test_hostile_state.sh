#!/bin/sh
# tests/integration/test_hostile_state.sh - the state directory as hostile
# input, with real Unbounds and the module:
#  * full (a small tmpfs) and read-only (the tmpfs remounted): deny, allow
#    and remove answer what queries then get, and an Unbound restart
#    agrees; an overrides file with a wrong byte is kept aside;
#  * a saved RPZ zone with one wrong byte in a record: the rest of it is
#    served at start while the primary is unreachable;
#  * an observation state file with one wrong byte: kept aside with a
#    timestamp, not overwritten by the next save;
#  * an observation that lapsed before it arrived (through a real
#    mosquitto with TLS): counted in list_sources, stats and the signed
#    status report.
# The tmpfs needs root; without it those checks are skipped, with the
# reason.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound

D=$T_DIR
CTL="$top_builddir/tapir-pop-control"
A=$D/a          # the observation source's Unbound
B=$D/b          # the overrides' and the RPZ source's Unbound
mkdir -p "$A/state" "$B/state"
PORT_A=$(free_port)
PORT_B=$(free_port)
MQ_PORT=$(free_port)
DEAD_PORT=$(free_port)     # the RPZ primary: nothing listens there
TOPIC="observations/down/tapir-pop"
HAVE_MQTT=0
command -v mosquitto >/dev/null && command -v mosquitto_sub >/dev/null &&
	HAVE_MQTT=1

# The overrides' state directory on a 256 kB tmpfs, when we may mount one.
TMPFS=0
if [ "$(id -u)" = 0 ] &&
    mount -t tmpfs -o size=256k tapir-pop-hostile "$B/state" 2>/dev/null; then
	TMPFS=1
fi
state_cleanup() {
	for pid in $T_PIDS; do
		stop_pid "$pid"
	done
	[ "$TMPFS" = 1 ] && { umount "$B/state" || umount -l "$B/state"; }
	cleanup
}
trap state_cleanup EXIT

ctl_a() { TAPIR_POP_CONF="$A/tapir-pop.conf" "$CTL" "$@"; }
ctl_b() { TAPIR_POP_CONF="$B/tapir-pop.conf" "$CTL" "$@"; }
# replies_error_b COMMAND...: B's tapir-pop-control answers "error ..."
# and exits with 1; replies_ok_b: it answers "ok".
replies_error_b() {
	re_out=$(ctl_b "$@")
	re_st=$?
	case $re_out in error*) [ "$re_st" = 1 ] ;; *) return 1 ;; esac
}
replies_ok_b() { [ "$(ctl_b "$@")" = ok ]; }
# restart_b: stop B's Unbound and start it again.
restart_b() {
	stop_pid "$UB_B"
	start_unbound "$B" "$PORT_B"
	r=$?
	UB_B=$UB_PID
	return $r
}
skip_tmpfs() {
	for t; do
		ok "$t # SKIP needs root to mount a tmpfs"
	done
}

# ---- A: the observation source ----

if [ "$HAVE_MQTT" = 1 ]; then
	make_test_pki "$A/pki" || { not_ok "test PKI"; finish; }
	make_core_key "$A"
	openssl genpkey -algorithm ed25519 -out "$A/node.pem" 2>/dev/null
	start_mosquitto "$A/pki" "$MQ_PORT" ||
		{ not_ok "mosquitto starts"; finish; }
	write_unbound_conf "$A" "$PORT_A"
	cat > "$A/tapir-pop.conf" <<EOF
server:
    state-dir: "$A/state"
    control-socket: "$A/tapir-pop.sock"
policy:
    tags: "newly_registered" nxdomain
$(mqtt_tls_clause "$A/pki" "$MQ_PORT" "$A/validation-keys.json")
    reconnect-max: 1
    status-key: "$A/node.pem"
    edge-id: "edge-test"
source:
    name: "dns-tapir"
    list: doubtlist
    type: mqtt
    topic: "$TOPIC"
EOF
	publish() {
		publish_observation "$A/pki" "$MQ_PORT" "$TOPIC" "$A/core.pem" "$@"
	}
	subscribed() { [ "$(grep -c 'subscribed to' "$A/unbound.log")" -ge "$1" ]; }
	OBS="$A/state/dns-tapir.observations.json"

	start_unbound "$A" "$PORT_A" ||
		{ not_ok "unbound starts"; sed 's/^/# /' "$A/unbound.log"; finish; }
	UB_A=$UB_PID
	check "the observation feed subscribes" wait_for 10 subscribed 1
	publish www.example. 3600 4
	check "an observation blocks www.example" \
		wait_for 2 rcode_is "$PORT_A" www.example A NXDOMAIN
	stop_pid "$UB_A"
	check "the state is written at shutdown" grep -q '"www.example."' "$OBS"

	# One wrong byte: the "added" array opens with "(".
	sed -i '0,/\[/s//(/' "$OBS"
	cp "$OBS" "$D/obs.corrupt"
	timeout 150 mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" \
		--cafile "$A/pki/ca.crt" --cert "$A/pki/tls.crt" \
		--key "$A/pki/tls.key" -V mqttv5 \
		-t "status/up/edge-test/tapir-pop" > "$D/status.jws" 2>/dev/null &
	T_PIDS="$T_PIDS $!"
	sleep 0.5
	start_unbound "$A" "$PORT_A" ||
		{ not_ok "unbound restarts"; sed 's/^/# /' "$A/unbound.log"; finish; }
	UB_A=$UB_PID
	STATUS_T0=$(date +%s)
	kept=$(ls "$OBS".broken-* 2>/dev/null)
	check "the corrupt state file is kept aside with a UTC timestamp" \
		sh -c 'echo "$1" | grep -Eq "\.observations\.json\.broken-[0-9]{8}T[0-9]{6}Z$"' - "$kept"
	check "... byte for byte" cmp -s "$D/obs.corrupt" "$kept"
	check "... and that is logged as an error" \
		grep -q "error: tapir-pop: source dns-tapir: .*observations.json: .*kept aside as .*observations.json.broken-" "$A/unbound.log"
	check "list_sources counts the broken state file" \
		test "$(source_field "$A/tapir-pop.conf" dns-tapir state_broken)" = 1
	check "the source starts empty: www.example resolves" \
		rcode_is "$PORT_A" www.example A NOERROR
	check "the feed subscribes again" wait_for 10 subscribed 1

	# Added two hours ago for an hour: it lapsed before it came.
	publish tracker.example. 3600 4 "" 7200
	publish hidden.example. 3600 4
	check "a live observation after it blocks" \
		wait_for 2 rcode_is "$PORT_A" hidden.example A NXDOMAIN
	check "the lapsed one blocks nothing" \
		rcode_is "$PORT_A" tracker.example A NOERROR
	check "list_sources counts it as lapsed" \
		sh -c 'TAPIR_POP_CONF="$1" "$2" list_sources | grep -q "^dns-tapir type=mqtt .* lapsed=1"' - "$A/tapir-pop.conf" "$CTL"
	check "stats counts it as lapsed" \
		sh -c 'TAPIR_POP_CONF="$1" "$2" stats_noreset | grep -qx "source.dns-tapir.lapsed=1"' - "$A/tapir-pop.conf" "$CTL"
	check "the next save writes a new state file" \
		wait_for 15 grep -qs '"hidden.example."' "$OBS"
	check "... beside the one kept aside, which is untouched" \
		cmp -s "$D/obs.corrupt" "$kept"
else
	for t in "the observation feed" "blocks" "state written" "kept aside" \
	    "byte for byte" "logged" "counted" "starts empty" "subscribes" \
	    "live observation" "lapsed blocks nothing" "list_sources lapsed" \
	    "stats lapsed" "new state file" "kept one untouched"; do
		ok "observations: $t # SKIP mosquitto not installed"
	done
fi

# ---- B: overrides and the saved RPZ zone ----

# The RPZ source's saved zone, one wrong byte in the middle record's
# address ("192.0.2.1" became "192.0.2.x").
cat > "$B/state/hostile-rpz.rpz" <<'EOF'
rpz.test.	60	IN	SOA	ns.rpz.test. host.rpz.test. 5 3600 600 86400 60
rpz.test.	60	IN	NS	ns.rpz.test.
tree.example.rpz.test.	60	IN	CNAME	.
listed.example.rpz.test.	60	IN	A	192.0.2.x
later.example.rpz.test.	60	IN	CNAME	.
EOF
write_unbound_conf "$B" "$PORT_B"
cat > "$B/tapir-pop.conf" <<EOF
server:
    state-dir: "$B/state"
    control-socket: "$B/tapir-pop.sock"
source:
    name: hostile-rpz
    list: denylist
    type: rpz
    zone: rpz.test.
    primary: 127.0.0.1@$DEAD_PORT
    refresh-min: 1
    refresh-max: 2
    transfer-timeout: 1
EOF
start_unbound "$B" "$PORT_B" ||
	{ not_ok "unbound starts"; sed 's/^/# /' "$B/unbound.log"; finish; }
UB_B=$UB_PID
check "the saved zone is served though one record is bad" \
	grep -q "source hostile-rpz: zone rpz.test. serial 5 applied by saved zone" "$B/unbound.log"
check "... a name before the bad record is blocked" \
	rcode_is "$PORT_B" tree.example A NXDOMAIN
check "... and one after it" rcode_is "$PORT_B" later.example A NXDOMAIN
check "... the bad record is not applied" \
	answer_is "$PORT_B" listed.example A 192.0.2.66
check "... it is logged with its line, and the count" \
	sh -c 'grep -q "error: tapir-pop: source hostile-rpz: .*hostile-rpz.rpz:4: .*record skipped" "$1" && grep -q "hostile-rpz.rpz: 1 bad record skipped, the rest of the zone loaded" "$1"' - "$B/unbound.log"
check "list_sources shows the zone's 2 entries" \
	test "$(source_field "$B/tapir-pop.conf" hostile-rpz entries)" = 2
check "the saved zone is not kept aside" \
	sh -c '! ls "$1"/hostile-rpz.rpz.broken-* >/dev/null 2>&1' - "$B/state"

check "deny www.example" replies_ok_b deny www.example
check "deny stale.example" replies_ok_b deny stale.example
check "... both apply" sh -c 'dig +tries=1 +time=2 -p "$1" @127.0.0.1 www.example | grep -q NXDOMAIN && dig +tries=1 +time=2 -p "$1" @127.0.0.1 stale.example | grep -q NXDOMAIN' - "$PORT_B"

if [ "$TMPFS" = 1 ]; then
	cp "$B/state/overrides" "$D/overrides.before"
	dd if=/dev/zero of="$B/state/filler" bs=1k count=1024 2>/dev/null
	check "disk full: deny answers an error" replies_error_b deny fresh.example
	check "... and the name is not blocked" \
		rcode_is "$PORT_B" fresh.example A NOERROR
	check "disk full: allow answers an error" replies_error_b allow tree.example
	check "... and the name stays blocked" \
		rcode_is "$PORT_B" tree.example A NXDOMAIN
	check "disk full: remove answers an error" replies_error_b remove www.example
	check "... and the name stays blocked" \
		rcode_is "$PORT_B" www.example A NXDOMAIN
	check "... the cause is logged" \
		grep -q "error: tapir-pop: overrides: writing .*/overrides.tmp: No space left on device" "$B/unbound.log"
	check "... the state file is unchanged, no temporary file left" \
		sh -c 'cmp -s "$1" "$2/overrides" && test ! -e "$2/overrides.tmp"' - "$D/overrides.before" "$B/state"
	check "... list_overrides agrees" \
		sh -c '[ "$(TAPIR_POP_CONF="$1" "$2" list_overrides | sort | tr "\n" " ")" = "deny stale.example. default deny www.example. default " ]' - "$B/tapir-pop.conf" "$CTL"
	check "disk full: Unbound restarts" restart_b
	check "... the refused deny is not in force" \
		rcode_is "$PORT_B" fresh.example A NOERROR
	check "... the refused allow is not in force" \
		rcode_is "$PORT_B" tree.example A NXDOMAIN
	check "... the refused remove is not in force" \
		rcode_is "$PORT_B" www.example A NXDOMAIN
	rm -f "$B/state/filler"
	check "space again: deny answers ok" replies_ok_b deny fresh.example
	check "... and blocks" rcode_is "$PORT_B" fresh.example A NXDOMAIN

	check "the state directory is remounted read-only" \
		mount -o remount,ro "$B/state"
	check "read-only: deny answers an error" replies_error_b deny hidden.example
	check "... and the name is not blocked" \
		rcode_is "$PORT_B" hidden.example A NOERROR
	check "read-only: allow answers an error" replies_error_b allow www.example
	check "... and the name stays blocked" \
		rcode_is "$PORT_B" www.example A NXDOMAIN
	check "read-only: remove answers an error" replies_error_b remove stale.example
	check "... and the name stays blocked" \
		rcode_is "$PORT_B" stale.example A NXDOMAIN
	check "... the cause is logged" \
		grep -q "error: tapir-pop: overrides: cannot create .*/overrides.tmp: Read-only file system" "$B/unbound.log"
	check "read-only: Unbound restarts" restart_b
	check "... the refused deny is not in force" \
		rcode_is "$PORT_B" hidden.example A NOERROR
	check "... the refused allow is not in force" \
		rcode_is "$PORT_B" www.example A NXDOMAIN
	check "... the refused remove is not in force" \
		rcode_is "$PORT_B" stale.example A NXDOMAIN
	check "... the stored deny is" rcode_is "$PORT_B" fresh.example A NXDOMAIN
	mount -o remount,rw "$B/state"
	check "writable again: remove answers ok" replies_ok_b remove stale.example
	check "... and unblocks" rcode_is "$PORT_B" stale.example A NOERROR
	check "writable again: Unbound restarts" restart_b
	check "... the removal is in force" \
		rcode_is "$PORT_B" stale.example A NOERROR
else
	skip_tmpfs "disk full: deny" "... not blocked" "disk full: allow" \
		"... stays blocked" "disk full: remove" "... stays blocked" \
		"... logged" "... unchanged" "... list_overrides" \
		"disk full: restart" "... deny" "... allow" "... remove" \
		"space again" "... blocks" "read-only: deny" "... not blocked" \
		"read-only: allow" "... stays blocked" "read-only: remove" \
		"remounted read-only" "... stays blocked" "... logged" \
		"read-only: restart" "... deny" "... allow" "... remove" \
		"... stored deny" "writable again" "... unblocks" \
		"writable again: restart" "... removal in force"
fi

# An overrides file with one wrong byte ("default" became "defaulX"):
# kept aside at start, the lines that can be read stay in force and are
# stored again.
check "deny target2.example" replies_ok_b deny target2.example
stop_pid "$UB_B"
sed -i 's/^deny target2.example. default$/deny target2.example. defaulX/' \
	"$B/state/overrides"
cp "$B/state/overrides" "$D/overrides.corrupt"
check "the overrides file has the wrong byte" \
	grep -q "defaulX" "$D/overrides.corrupt"
start_unbound "$B" "$PORT_B" ||
	{ not_ok "unbound restarts"; sed 's/^/# /' "$B/unbound.log"; finish; }
UB_B=$UB_PID
kept=$(ls "$B/state"/overrides.broken-* 2>/dev/null)
check "an overrides file with a bad line is kept aside with a UTC timestamp" \
	sh -c 'echo "$1" | grep -Eq "/overrides\.broken-[0-9]{8}T[0-9]{6}Z$"' - "$kept"
check "... byte for byte" cmp -s "$D/overrides.corrupt" "$kept"
check "... logged as an error" \
	grep -q "error: tapir-pop: overrides: .*/overrides: 1 bad line (the first: line [0-9]*), skipped; kept aside as" "$B/unbound.log"
check "... counted in list_sources" \
	test "$(source_field "$B/tapir-pop.conf" override-deny state_broken)" = 1
check "... the other overrides stay in force" \
	rcode_is "$PORT_B" www.example A NXDOMAIN
check "... the bad line's is not" rcode_is "$PORT_B" target2.example A NOERROR
check "... and the file holds what is in force" \
	sh -c 'grep -q "^deny www.example. default$" "$1" && ! grep -q target2 "$1"' - "$B/state/overrides"
stop_pid "$UB_B"
check "no sanitizer report (overrides and RPZ)" test -z "$(sanitizer_reports "$B")"
sanitizer_reports "$B" | head -40 | sed 's/^/# /'

# ---- A again: the status report counts the lapsed observation ----

if [ "$HAVE_MQTT" = 1 ]; then
	# Reports go out at most once a minute: the one after the lapsed
	# observation may take that long.
	lapsed_reported() {
		sed -n 's/.*"payload":"\([^"]*\)".*/\1/p' "$D/status.jws" |
		while read -r pl; do
			printf '%s' "$pl" | b64dec | tr -d '\n'
			echo
		done | grep -q '"dns-tapir":{[^{]*"Counters":{[^}]*"Lapsed":1'
	}
	left=$((STATUS_T0 + 80 - $(date +%s)))
	[ "$left" -gt 0 ] || left=1
	check "the signed status report counts the lapsed observation" \
		wait_for "$left" lapsed_reported
	stop_pid "$UB_A"
	check "no sanitizer report (observations)" test -z "$(sanitizer_reports "$A")"
	sanitizer_reports "$A" | head -40 | sed 's/^/# /'
else
	ok "status report: lapsed # SKIP mosquitto not installed"
	ok "no sanitizer report (observations) # SKIP mosquitto not installed"
fi
finish
