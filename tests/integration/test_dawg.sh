#!/bin/sh
# tests/integration/test_dawg.sh - DAWG sources through real Unbound:
# DNS TAPIR's reference files as denylist and allowlist, replacement by
# rename or rewrite in place picked up live, a corrupt replacement and a
# truncation in place refused with the previous file kept.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound

D=$T_DIR
PORT=$(free_port)
FIX="$top_srcdir/tests/fixtures/dawg"
write_unbound_conf "$D" "$PORT"
cp "$FIX/tiny-suffix.dawg" "$D/deny.dawg"
printf 'sub.tracker.example\n' > "$D/deny.txt"
cp "$FIX/edge/empty.dawg" "$D/allow.dawg"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    file-poll-interval: 100
source:
    name: dawg-deny
    list: denylist
    type: dawg
    file: "$D/deny.dawg"
source:
    name: dawg-allow
    list: allowlist
    type: dawg
    file: "$D/allow.dawg"
source:
    name: text-deny
    list: denylist
    file: "$D/deny.txt"
EOF2
start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with DAWG sources"
check "the log says the DAWG was attached" \
	grep -q "source dawg-deny: .*deny.dawg attached, 6 words" "$D/unbound.log"
check "a DAWG word is blocked (case-insensitive query)" \
	rcode_is "$PORT" TRACKER.example A NXDOMAIN
check "a name not in the DAWG resolves" \
	answer_is "$PORT" www.example A 192.0.2.10
check "a name in a text denylist is blocked" \
	rcode_is "$PORT" sub.tracker.example A NXDOMAIN

# A DAWG allowlist replaced by rename: now it beats the text denylist.
cp "$FIX/edge/single.dawg" "$D/allow.new"
mv "$D/allow.new" "$D/allow.dawg"
check "a replaced allowlist DAWG is attached" \
	wait_for 3 grep -q "source dawg-allow: .*allow.dawg attached, 1 words" "$D/unbound.log"

# Replace the denylist by one without tracker.example.
cp "$FIX/tiny.dawg" "$D/deny.new"
mv "$D/deny.new" "$D/deny.dawg"
check "a replaced DAWG applies within 2 s" \
	wait_for 2 answer_is "$PORT" tracker.example A 192.0.2.40
# A corrupt replacement: refused, the previous file stays in use.
cp "$FIX/tiny-suffix.dawg" "$D/deny.new" && mv "$D/deny.new" "$D/deny.dawg"
check "a replaced DAWG blocks a name Unbound had cached" \
	wait_for 2 rcode_is "$PORT" tracker.example A NXDOMAIN
head -c 50 "$FIX/tiny.dawg" > "$D/deny.new" && mv "$D/deny.new" "$D/deny.dawg"
check "a corrupt DAWG is refused and logged" \
	wait_for 2 grep -q "source dawg-deny: .*deny.dawg: file shorter than its header says; keeping the previous file" "$D/unbound.log"
check "the previous DAWG stays in use" \
	rcode_is "$PORT" tracker.example A NXDOMAIN

# Rewritten in place (cp onto the file, or a truncation): the loaded copy
# is not the file, so no lookup can fault on pages the file lost, and the
# new version is taken once whole.  A 99,999-word file spans many pages.
cp "$FIX/well-known-domains.dawg" "$D/deny.new" && mv "$D/deny.new" "$D/deny.dawg"
check "a large DAWG is attached" \
	wait_for 2 grep -q "source dawg-deny: .*deny.dawg attached, 99999 words" "$D/unbound.log"
check "a word near its end is blocked" \
	rcode_is "$PORT" zzz.bwh.harvard.edu A NXDOMAIN
: > "$D/deny.dawg"
for n in zzz.bwh.harvard.edu zyxel.com lcs.mit.edu; do
	rcode_is "$PORT" "$n" A NXDOMAIN || break
done
check "truncated in place: its words are still blocked" \
	rcode_is "$PORT" zzz.bwh.harvard.edu A NXDOMAIN
check "the truncated file is refused and logged" \
	wait_for 2 sh -c '[ "$(grep -c "deny.dawg: file shorter than its header says; keeping" "$1")" -ge 2 ]' - "$D/unbound.log"
check "the resolver still answers after the truncation" \
	rcode_is "$PORT" lcs.mit.edu A NXDOMAIN
before=$(grep -c "source dawg-deny: .*deny.dawg attached, 6 words" "$D/unbound.log")
cat "$FIX/tiny-suffix.dawg" > "$D/deny.dawg"
check "a DAWG rewritten in place is attached" \
	wait_for 2 sh -c '[ "$(grep -c "source dawg-deny: .*deny.dawg attached, 6 words" "$1")" -gt "$2" ]' - "$D/unbound.log" "$before"
check "the rewritten DAWG applies" \
	rcode_is "$PORT" tracker.example A NXDOMAIN
stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
