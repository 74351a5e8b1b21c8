#!/bin/sh
# tests/integration/test_control.sh - tapir-pop-control against a running
# Unbound with the module: status, lookup, list_sources, stats counters,
# runtime overrides (live, and kept across a restart), flush, permissions
# and malformed requests.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound

D=$T_DIR
PORT=$(free_port)
CTL="$top_builddir/tapir-pop-control"
write_unbound_conf "$D" "$PORT"
mkdir -p "$D/state"
printf 'listed.example\n*.tree.example\n' > "$D/deny.txt"
printf 'www.example\n' > "$D/doubt1.txt"
printf 'www.example\n' > "$D/doubt2.txt"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
    control-socket-mode: 0600
    log-decisions: yes
policy:
    numsources: 2 nodata
source:
    name: local-deny
    list: denylist
    file: "$D/deny.txt"
source:
    name: doubt1
    list: doubtlist
    file: "$D/doubt1.txt"
source:
    name: doubt2
    list: doubtlist
    file: "$D/doubt2.txt"
EOF2
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" "$@"; }

start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with a control socket"

check "status answers" sh -c "$(printf '%s' 'TAPIR_POP_CONF="$1" "$2" status | grep -q "tapir-pop is running"')" - "$D/tapir-pop.conf" "$CTL"
out=$(ctl lookup LISTED.example)
check "lookup explains a denylist match" \
	sh -c 'echo "$1" | grep -q "^match: source=local-deny list=denylist owner=listed.example. entry=exact " && echo "$1" | grep -q "^decision: action=nxdomain rule=denylist source=local-deny entry=exact "' - "$out"
out=$(ctl lookup a.tree.example)
check "lookup explains a subtree match" \
	sh -c 'echo "$1" | grep -q "^match: source=local-deny list=denylist owner=\*.tree.example. entry=subtree " && echo "$1" | grep -q "^decision: action=nxdomain rule=denylist source=local-deny entry=subtree "' - "$out"
out=$(ctl lookup www.example)
check "lookup explains the numsources rule" \
	sh -c 'echo "$1" | grep -q "^matches: 2$" && echo "$1" | grep -q "^decision: action=nodata rule=numsources .* doubtlist-matches=2$"' - "$out"
out=$(ctl lookup ok.example)
check "lookup of an unlisted name says none" \
	sh -c 'echo "$1" | grep -q "^matches: 0$" && echo "$1" | grep -q "^decision: action=none rule=none source=- "' - "$out"
out=$(ctl list_sources)
check "list_sources shows every source with its entries" \
	sh -c 'echo "$1" | grep -q "^local-deny type=file list=denylist entries=2 updates=1" && echo "$1" | grep -q "^override-allow type=override list=allowlist entries=0"' - "$out"

# Counters: exactly what we send.
ctl stats >/dev/null
for i in 1 2 3; do dig +tries=1 -p "$PORT" @127.0.0.1 listed.example A >/dev/null; done
dig +tries=1 -p "$PORT" @127.0.0.1 www.example A >/dev/null
dig +tries=1 -p "$PORT" @127.0.0.1 ok.example A >/dev/null
out=$(ctl stats)
check "stats count the queries judged" \
	sh -c 'echo "$1" | grep -qx "num.queries.judged=5"' - "$out"
check "stats count blocks per action" \
	sh -c 'echo "$1" | grep -qx "num.action.nxdomain=3" && echo "$1" | grep -qx "num.action.nodata=1" && echo "$1" | grep -qx "num.action.none=1"' - "$out"
check "log-decisions logs client, name, type, action, source and rule" \
	grep -q "tapir-pop: 127.0.0.1 listed.example. A nxdomain source local-deny rule denylist" "$D/unbound.log"
check "stats reset after stats" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" stats_noreset | grep -qx "num.queries.judged=0"' - "$D/tapir-pop.conf" "$CTL"

# Overrides: deny a resolving (and cached) name, allow a listed one.
check "ok.example resolves before the override" answer_is "$PORT" ok.example A 192.0.2.11
check "deny override accepted" quiet ctl deny ok.example nxdomain
check "deny override blocks a cached name at once" \
	wait_for 1 rcode_is "$PORT" ok.example A NXDOMAIN
check "lookup shows the override" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" lookup ok.example | grep -q "^decision: action=nxdomain rule=denylist source=override-deny "' - "$D/tapir-pop.conf" "$CTL"
check "allow override accepted" quiet ctl allow listed.example
check "allow override beats the denylist" answer_is "$PORT" listed.example A 192.0.2.66
check "list_overrides shows both" \
	sh -c '[ "$(TAPIR_POP_CONF="$1" "$2" list_overrides | sort | tr "\n" "|")" = "allow listed.example.|deny ok.example. nxdomain|" ]' - "$D/tapir-pop.conf" "$CTL"

# Restart: overrides come back from the state directory.
stop_pid "$UB_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; finish; }
check "deny override survives a restart" rcode_is "$PORT" ok.example A NXDOMAIN
check "allow override survives a restart" answer_is "$PORT" listed.example A 192.0.2.66
check "remove drops an override" quiet ctl remove listed.example
check "the removed override no longer applies" \
	rcode_is "$PORT" listed.example A NXDOMAIN
check "remove of a name without override is an error" \
	sh -c '! TAPIR_POP_CONF="$1" "$2" remove nothing.example >/dev/null' - "$D/tapir-pop.conf" "$CTL"

# flush: a name cached before it was blocked by a file edit is flushed
# by the feed already; flush by hand must answer ok.
check "flush answers ok" quiet ctl flush www.example

# reload: configuration and sources again, Unbound keeps running and
# answering throughout.
printf 'reloaded.example\n' > "$D/deny2.txt"
cat >> "$D/tapir-pop.conf" <<EOF2
source:
    name: second-deny
    list: denylist
    file: "$D/deny2.txt"
EOF2
(
	n=0
	while [ $n -lt 40 ]; do
		dig +tries=1 +time=1 -p "$PORT" @127.0.0.1 www.example A \
			>/dev/null 2>&1 || echo lost
		n=$((n + 1))
	done > "$D/during-reload.txt"
) &
loop=$!
check "reload answers ok" quiet ctl reload
wait $loop
check "no query went unanswered during the reload" \
	test ! -s "$D/during-reload.txt"
check "a source added by reload applies" \
	rcode_is "$PORT" reloaded.example A NXDOMAIN
check "overrides are kept across a reload" \
	rcode_is "$PORT" ok.example A NXDOMAIN
check "unbound itself was not restarted" kill -0 "$UB_PID"
cp "$D/tapir-pop.conf" "$D/tapir-pop.good"
printf 'server:\n    bogus: 1\n' >> "$D/tapir-pop.conf"
check "reload with a broken config is an error naming file, line, key" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" -s "$3" reload | grep -q "^error .*tapir-pop.conf:[0-9]*: bogus: unknown key"' - "$D/tapir-pop.conf" "$CTL" "$D/tapir-pop.sock"
check "the policy in force is kept after a failed reload" \
	rcode_is "$PORT" reloaded.example A NXDOMAIN
mv "$D/tapir-pop.good" "$D/tapir-pop.conf"

# dump: the merged policy as an RPZ zone; Unbound's own rpz: loads it and
# answers as the module does.
check "dump writes an RPZ zone" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" dump > "$3" && grep -q "IN SOA" "$3"' - "$D/tapir-pop.conf" "$CTL" "$D/dump.rpz"
check "Unbound's rpz: with the dump answers as the module does" \
	rpz_answers_alike "$D/dump.rpz" "$PORT" listed.example a.tree.example \
	tree.example reloaded.example ok.example www.example www2.example \
	later.example

# Bad requests: an error line, never a crash.
check "unknown command is an error" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" frobnicate | grep -q "^error unknown command"' - "$D/tapir-pop.conf" "$CTL"
check "bad name is an error" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" lookup "a..b" | grep -q "^error bad name"' - "$D/tapir-pop.conf" "$CTL"
# raw SOCKET: send stdin as it is, print the answer (perl-base is
# essential in Debian; the CLI only sends well-formed requests).
raw() {
	timeout 10 perl -MIO::Socket::UNIX -e '
		$SIG{PIPE} = "IGNORE";
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(),
			Peer => $ARGV[0]) or die "connect: $!\n";
		local $/; my $in = <STDIN>; syswrite($s, $in) if defined $in;
		my $buf;
		while (sysread($s, $buf, 4096)) { print $buf; }' "$1"
}
ans=$(printf 'status\n' | raw "$D/tapir-pop.sock")
check "a request without the protocol tag gets an error line" \
	sh -c 'printf "%s\n" "$1" | grep -q "^error malformed request"' - "$ans"
ans=$(head -c 6000 /dev/urandom | raw "$D/tapir-pop.sock" | tr -d '\000')
check "binary garbage gets an error line" \
	sh -c 'printf "%s\n" "$1" | grep -q "^error"' - "$ans"
check "the socket has mode 0600" \
	test "$(stat -c %a "$D/tapir-pop.sock")" = 600
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	# The directory lets everybody through: the socket's mode must be
	# what refuses (the CLI runs, and its connect is denied).
	chmod 0755 "$D"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" \
		-s "$D/tapir-pop.sock" status 2>&1)
	check "a user other than the socket's owner cannot connect (0600)" \
		sh -c 'case $1 in *"cannot connect"*"Permission denied"*) exit 0;; esac; exit 1' - "$out"
else
	ok "# SKIP a user other than the socket's owner cannot connect (needs root, setpriv, nobody)"
fi
check "the resolver still answers after all that" answer_is "$PORT" tree.example A 192.0.2.14

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
