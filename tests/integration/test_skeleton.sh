#!/bin/sh
# tests/integration/test_skeleton.sh - real Unbound with the module loaded:
# a denylist file answered with NXDOMAIN, other names resolved normally,
# file changes applied live, reload survived, bad config refused.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound

D=$T_DIR
PORT=$(free_port)
write_unbound_conf "$D" "$PORT"
printf '# local denylist\nlisted.example\nLISTED2.Example.\n*.tree.example\n' \
	> "$D/deny.txt"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    answer-ttl: 120
    file-poll-interval: 100
source:
    name: "local-deny"
    list: denylist
    type: file
    file: "$D/deny.txt"
EOF2

if ! start_unbound "$D" "$PORT"; then
	not_ok "unbound starts with the module"
	cat "$D/unbound.log" | sed 's/^/# /'
	finish
fi
ok "unbound starts with the module"

check "log names the configuration file used" \
	grep -q "tapir-pop: using configuration $D/tapir-pop.conf" "$D/unbound.log"

out=$(ub_query "$PORT" listed.example A)
check "listed name is NXDOMAIN" \
	sh -c 'echo "$1" | grep -q "status: NXDOMAIN"' - "$out"
check "NXDOMAIN has the aa flag" \
	sh -c 'echo "$1" | grep -q "flags:.* aa"' - "$out"
check "NXDOMAIN carries the policy SOA in authority, TTL 120" \
	sh -c 'echo "$1" | grep -Eq "^tapir-pop\.[[:space:]]+120[[:space:]]+IN[[:space:]]+SOA"' - "$out"
check "NXDOMAIN carries an Extended DNS Error" \
	sh -c 'echo "$1" | grep -q "EDE: 15"' - "$out"
check "mixed-case query of a listed name is NXDOMAIN" \
	rcode_is "$PORT" LiStEd.ExAmPlE AAAA NXDOMAIN
check "name listed in upper case without trailing dot is NXDOMAIN" \
	rcode_is "$PORT" listed2.example A NXDOMAIN
check "unlisted name resolves from upstream" \
	answer_is "$PORT" www.example A 192.0.2.10
check "subtree entry blocks a name below it" \
	rcode_is "$PORT" sub.tree.example A NXDOMAIN
check "subtree entry does not block its apex" \
	answer_is "$PORT" tree.example A 192.0.2.14
out=$(ub_query "$PORT" below.listed.example A)
check "name below an exact entry is not blocked (upstream NXDOMAIN)" \
	sh -c 'echo "$1" | grep -q "status: NXDOMAIN" && ! echo "$1" | grep -q tapir-pop' - "$out"

# Live file change: add a name, remove one.
printf 'later.example\n' >> "$D/deny.txt"
check "a name added to the file is blocked within 2 s" \
	wait_for 2 rcode_is "$PORT" later.example A NXDOMAIN
printf 'later.example\n' > "$D/deny.new" && mv "$D/deny.new" "$D/deny.txt"
check "a name removed from the file (rename) resolves within 2 s" \
	wait_for 2 answer_is "$PORT" listed.example A 192.0.2.66
printf 'later.example\n\001\002\003\000garbage\n' > "$D/deny.new" && mv "$D/deny.new" "$D/deny.txt"
check "a broken file is rejected and logged" \
	wait_for 2 grep -q "NUL byte: not a list file" "$D/unbound.log"
check "the last good list stays in force after a broken file" \
	rcode_is "$PORT" later.example A NXDOMAIN
printf 'listed.example\nlater.example\n' > "$D/deny.new" && mv "$D/deny.new" "$D/deny.txt"
check "a good file after a broken one is applied" \
	wait_for 2 rcode_is "$PORT" listed.example A NXDOMAIN

# unbound-control reload runs deinit, dlclose, dlopen, init.
check "unbound-control reload succeeds" \
	quiet ub_control "$D" reload
check "listed name still NXDOMAIN after reload" \
	wait_for 5 rcode_is "$PORT" listed.example A NXDOMAIN
check "unlisted name still resolves after reload" \
	answer_is "$PORT" ok.example A 192.0.2.11
printf 'fresh.example\n' >> "$D/deny.txt"
check "the file watcher runs again after reload: new name blocked in 2 s" \
	wait_for 2 rcode_is "$PORT" fresh.example A NXDOMAIN

stop_pid "$UB_PID"
check "no sanitizer report from start, queries, reload, stop" \
	test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'

# A config with an unknown key: Unbound must refuse to start, naming it.
mkdir -p "$D/bad"
write_unbound_conf "$D/bad" "$PORT"
printf 'server:\n    answer-ttl: 60\n    answer-tll: 60\n' > "$D/bad/tapir-pop.conf"
if start_unbound "$D/bad" "$PORT"; then
	not_ok "unbound refuses to start with a bad tapir-pop.conf"
	stop_pid "$UB_PID"
else
	ok "unbound refuses to start with a bad tapir-pop.conf"
fi
check "the error names file, line and key" \
	grep -q "tapir-pop: $D/bad/tapir-pop.conf:3: answer-tll: unknown key in server: clause" "$D/bad/unbound.log"

# Another Unbound build: the same binary with its configure line changed
# by one octet, as any other build's differs.  The module must refuse it.
mkdir -p "$D/other/sbin"
python3 - "$UNBOUND_SBIN/unbound" "$D/other/sbin/unbound" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
assert data.count(b'--with-dynlibmodule') >= 1
open(sys.argv[2], 'wb').write(data.replace(b'--with-dynlibmodule', b'--with-dynlibmodulX'))
PY
chmod +x "$D/other/sbin/unbound"
cp "$UNBOUND_SBIN/unbound-control" "$D/other/sbin/"
write_unbound_conf "$D/other" "$PORT"
printf 'server:\n    answer-ttl: 60\n' > "$D/other/tapir-pop.conf"
if UNBOUND_SBIN="$D/other/sbin" start_unbound "$D/other" "$PORT"; then
	not_ok "the module refuses to load into another Unbound build"
	stop_pid "$UB_PID"
else
	ok "the module refuses to load into another Unbound build"
fi
check "with a log line naming the build it expects" \
	grep -q "tapir-pop: this module was built against Unbound .* configured as .*refusing to load" "$D/other/unbound.log"

finish
