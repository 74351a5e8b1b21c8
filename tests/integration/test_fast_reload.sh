#!/bin/sh
# tests/integration/test_fast_reload.sh - Unbound 1.22's fast_reload keeps
# modules loaded: the module must keep its policy, its feeds and its cache
# invalidation through it, and no query may be lost meanwhile.  Skipped
# on an Unbound without fast_reload.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
"$UNBOUND_SBIN/unbound-control" -h 2>&1 | grep -q fast_reload ||
	skip_all "this Unbound has no fast_reload (Unbound 1.22 and later)"

D=$T_DIR
PORT=$(free_port)
UB_EXTRA="	msg-cache-size: 4m" write_unbound_conf "$D" "$PORT"
printf 'listed.example\n' > "$D/deny.txt"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    control-socket: "$D/tapir-pop.sock"
    file-poll-interval: 50
source:
    name: deny
    list: denylist
    file: "$D/deny.txt"
EOF2
start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts"
ctl() { "$top_builddir/tapir-pop-control" -s "$D/tapir-pop.sock" "$@"; }

# A query loop over the reloads: every query must be answered.
loop() {
	i=0 lost=0
	while [ $i -lt "$1" ]; do
		dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 www.example A \
			>/dev/null 2>&1 || lost=$((lost + 1))
		i=$((i + 1))
	done
	echo "$lost" > "$D/lost"
}
loop 400 &
LOOP=$!
T_PIDS="$T_PIDS $LOOP"
sleep 0.3
# A configuration change fast_reload applies: the message cache's size
# (a new cache) and a local-data answer.
sed -i 's/msg-cache-size: 4m/msg-cache-size: 8m\n\tlocal-data: "fast.example. A 192.0.2.77"/' "$D/unbound.conf"
out=$(ub_control "$D" fast_reload +v 2>&1)
check "fast_reload succeeds" sh -c 'printf "%s\n" "$1" | grep -q "^ok"' - "$out"
printf '%s\n' "$out" | sed 's/^/# /' | head -5
out=$(ub_control "$D" fast_reload +p 2>&1)
check "fast_reload without pausing the workers succeeds" \
	sh -c 'printf "%s\n" "$1" | grep -q "^ok"' - "$out"
wait "$LOOP"
T_PIDS=$(echo "$T_PIDS" | sed "s/\b$LOOP\b//")
check "no query lost during the fast reloads ($(cat "$D/lost") of 400)" \
	test "$(cat "$D/lost")" = 0
check "the new configuration is in force" \
	answer_is "$PORT" fast.example A 192.0.2.77

check "the policy is intact" rcode_is "$PORT" listed.example A NXDOMAIN
check "unlisted names resolve" answer_is "$PORT" www.example A 192.0.2.10
check "the control socket still answers" \
	sh -c 'ctl() { "$1" -s "$2" "$3"; }; ctl "$1" "$2" status | grep -q "tapir-pop is running"' - \
	"$top_builddir/tapir-pop-control" "$D/tapir-pop.sock"

# The feeds still run and a cached name is still removed when it becomes
# blocked: with the new message cache fast_reload made.
check "ok.example resolves (and is now cached)" \
	answer_is "$PORT" ok.example A 192.0.2.11
printf 'listed.example\nok.example\n' > "$D/deny.new"
mv "$D/deny.new" "$D/deny.txt"
check "a list change after the fast reload blocks the cached name" \
	wait_for 3 rcode_is "$PORT" ok.example A NXDOMAIN
check "runtime overrides still work" sh -c '"$1" -s "$2" deny www.example | grep -q "^ok"' - \
	"$top_builddir/tapir-pop-control" "$D/tapir-pop.sock"
check "and take effect at once" rcode_is "$PORT" www.example A NXDOMAIN

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
