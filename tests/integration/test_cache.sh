#!/bin/sh
# tests/integration/test_cache.sh - a name that becomes blocked while
# Unbound has it cached is blocked on the very next query: exact names,
# subtree entries, names reached through a cached CNAME chain, with
# serve-expired on; and CNAME cloaking is caught and not served from cache.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound

D=$T_DIR
PORT=$(free_port)
UB_EXTRA="	serve-expired: yes
	serve-expired-ttl: 3600
	prefetch: yes" write_unbound_conf "$D" "$PORT"
printf 'hidden.example\n' > "$D/deny.txt"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    file-poll-interval: 50
source:
    name: deny
    list: denylist
    file: "$D/deny.txt"
EOF2
start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with serve-expired"

# Fill the cache.
for n in www2 deep.sub2 alias2 target2 stale; do
	dig +tries=1 -p "$PORT" @127.0.0.1 "$n.example" A >/dev/null
done
check "cached names resolve before the change" \
	answer_is "$PORT" www2.example A 192.0.2.30
check "a cached CNAME chain resolves before the change" \
	sh -c 'dig +short -p "$1" @127.0.0.1 alias2.example A | grep -q 192.0.2.32' - "$PORT"

# Block them: an exact name, a subtree, the target of a cached chain.
printf 'hidden.example\nwww2.example\n*.sub2.example\ntarget2.example\n' > "$D/deny.new"
mv "$D/deny.new" "$D/deny.txt"
# The feed applies the file within the poll interval; then the very next
# query must be blocked, with no wait for a TTL.
wait_for 2 grep -q "source deny: loaded 4 names" "$D/unbound.log"
check "cached exact name is blocked once the list changed" \
	wait_for 1 rcode_is "$PORT" www2.example A NXDOMAIN
check "cached name below a new subtree entry is blocked" \
	rcode_is "$PORT" deep.sub2.example A NXDOMAIN
check "cached CNAME chain into a newly blocked name is blocked" \
	rcode_is "$PORT" alias2.example A NXDOMAIN
check "names not on the list still answer from cache" \
	answer_is "$PORT" stale.example A 192.0.2.34

# CNAME cloaking: cloak.example is not listed, its target is.
check "a CNAME into a blocked name is blocked (cloaking)" \
	rcode_is "$PORT" cloak.example A NXDOMAIN
check "the cloaked answer is not served from cache afterwards" \
	rcode_is "$PORT" cloak.example A NXDOMAIN

# Unblocking needs no flush.
printf 'hidden.example\n' > "$D/deny.new"
mv "$D/deny.new" "$D/deny.txt"
check "a name removed from the list resolves again" \
	wait_for 2 answer_is "$PORT" www2.example A 192.0.2.30

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
