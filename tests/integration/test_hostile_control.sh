#!/bin/sh
# tests/integration/test_hostile_control.sh - hostile clients of the
# control socket against a real Unbound with the module: one that sends
# its request a byte every 1.5 s, one that asks for a dump of a large
# policy and never reads it, 20 that connect and send nothing, and more
# clients than the server serves at once.  With them connected, other
# commands must be answered at once, a dump to a client that reads must
# be complete, each hostile client must be cut off at its deadline, and
# "unbound-control reload" (the module's deinit and init) must be over
# within 2 s without a query lost.  Also: a dump does not grow the
# resolver, a tapir-pop-control reload ends a dump in progress with an
# error line, and tapir-pop-control's -t.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v python3 >/dev/null || skip_all "python3 not installed"

D=$T_DIR
PORT=$(free_port)
CTL="$top_builddir/tapir-pop-control"
HOSTILE="$top_srcdir/tests/integration/hostile_control.py"
# Names in the large source: its dump (2 MB) is ten times what the
# socket buffers hold, and it loads (again at Unbound's reload) in well
# under a second, even with sanitizers.
BIG=${HOSTILE_BIG_NAMES:-50000}
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" "$@"; }

awk -v n="$BIG" 'BEGIN { for (i = 0; i < n; i++) printf "n%d.big.example\n", i }' \
	> "$D/big.txt"
# Owners beyond the large source's: listed, *.tree, both (n1.big is the
# large source's); ok.tree; www and *.www, sub and *.sub, *.n2.big (the
# exact n2.big is the large source's); a.sub.  Ten.
printf 'listed.example\n*.tree.example\nn1.big.example\nboth.example\n' \
	> "$D/deny.txt"
printf 'both.example\nok.tree.example\n' > "$D/allow.txt"
printf 'www.example\nsub.example\nn2.big.example\n' > "$D/doubt1.txt"
printf 'www.example\na.sub.example\n' > "$D/doubt2.txt"
OWNERS=$((BIG + 10))
write_unbound_conf "$D" "$PORT"
mkdir -p "$D/state"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
policy:
    numsources: 2 nodata
source:
    name: big
    list: denylist
    file: "$D/big.txt"
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
    match: subdomains
source:
    name: doubt2
    list: doubtlist
    file: "$D/doubt2.txt"
EOF2

start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with $BIG names"

# ms: a monotonic-enough clock in milliseconds.
ms() { echo $(($(date +%s%N) / 1000000)); }
# start_hostile NAME SECONDS [IDLE]: the hostile clients, watched for
# SECONDS, reporting to $D/NAME; returns once they are connected.
start_hostile() {
	python3 "$HOSTILE" "$D/tapir-pop.sock" "$D/$1" "$2" ${3:-} \
		2> "$D/$1.err" &
	HOSTILE_PID=$!
	T_PIDS="$T_PIDS $HOSTILE_PID"
	wait_for 5 test -e "$D/$1.ready"
}
# report_line NAME KIND INDEX: what happened to that hostile client.
report_line() {
	sed -n "s/^$2 $3 //p" "$D/$1"
}
# cut_off_within NAME KIND INDEX SECONDS TEXT: the server answered or
# hung up on the client within SECONDS of its connect, first line TEXT.
cut_off_within() {
	l=$(report_line "$1" "$2" "$3")
	t=${l%% *}
	case $t in ''|-) return 1 ;; esac
	awk -v t="$t" -v max="$4" 'BEGIN { exit !(t <= max) }' &&
		case $l in *"$5"*) true ;; *) false ;; esac
}

# --- With them connected, everybody else is served at once. ---
start_hostile hostile1 14 || { not_ok "the hostile clients connect"; finish; }
sleep 0.3
t0=$(ms)
out=$(timeout 10 "$CTL" -s "$D/tapir-pop.sock" status 2>&1)
t1=$(ms)
diag "status took $((t1 - t0)) ms beside 22 hostile clients"
check "status answers within 1 s beside a slow writer, a dump nobody reads and 20 idle clients" \
	sh -c 'echo "$1" | grep -q "tapir-pop is running" && [ "$2" -lt 1000 ]' - "$out" "$((t1 - t0))"
t0=$(ms)
out=$(timeout 10 "$CTL" -s "$D/tapir-pop.sock" lookup listed.example 2>&1)
t1=$(ms)
check "lookup answers within 1 s beside them too" \
	sh -c 'echo "$1" | grep -q "^decision: action=nxdomain rule=denylist source=deny " && [ "$2" -lt 1000 ]' - "$out" "$((t1 - t0))"
t0=$(ms)
timeout 60 "$CTL" -s "$D/tapir-pop.sock" dump > "$D/dump.rpz" 2> "$D/dump.err"
st=$?
t1=$(ms)
diag "a dump of $OWNERS owners to a reading client took $((t1 - t0)) ms"
check "a dump to a client that reads is complete beside the one nobody reads" \
	sh -c '[ "$1" = 0 ] && [ "$(tail -n 1 "$2")" = "; $3 owners" ]' - "$st" "$D/dump.rpz" "$OWNERS"
check "the dump lists every owner once" \
	test "$(grep -v '^;' "$D/dump.rpz" | awk '$4 == "CNAME" { print $1 }' | sort | uniq -d | wc -l)" = 0
check "the dump has a record for each of the large source's names" \
	test "$(grep -c '^n[0-9]*\.big\.example\.tapir-pop\. ' "$D/dump.rpz")" = "$BIG"

# The hostile clients themselves, cut off at their deadlines (2 s for a
# request, 10 s without taking any answer).
wait_for 5 sh -c '[ "$(grep -c "^idle " "$1")" -ge 20 ] && grep -q "^slow " "$1"' - "$D/hostile1"
check "the slow writer is cut off within 3 s with an error line" \
	cut_off_within hostile1 slow 0 3 "error request not received"
n=0
i=0
while [ $i -lt 20 ]; do
	cut_off_within hostile1 idle $i 3 "error request not received" &&
		n=$((n + 1))
	i=$((i + 1))
done
check "all 20 idle clients are cut off within 3 s with an error line" test "$n" = 20
wait "$HOSTILE_PID"
check "the dump nobody reads is dropped within 13 s" \
	cut_off_within hostile1 dumper 0 13 closed
grep -v '^idle' "$D/hostile1" | sed 's/^/# /'
check "the drop is logged" grep -q "control-socket: client dropped" "$D/unbound.log"
out=$(ctl stats_noreset)
check "stats count the drop and the request timeouts" \
	sh -c 'echo "$1" | grep -qx "control.dropped=1" && echo "$1" | grep -qx "control.request_timeouts=21"' - "$out"

# What a dump costs the resolver: its peak RSS during a dump of the
# whole policy, from a reset, against its RSS before (kB).  The dump is
# written piece by piece, so this does not grow with the policy; it did
# by 256 bytes a name and more (dump-memory.sh has the figures).
if echo 5 2>/dev/null > "/proc/$UB_PID/clear_refs"; then
	before=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$UB_PID/status")
	ctl dump > "$D/dump2.rpz"
	peak=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$UB_PID/status")
	diag "resolver RSS $before kB, peak $peak kB during a dump of $OWNERS owners"
	check "a dump of $OWNERS owners grows the resolver by less than 4 MB" \
		test "$((peak - before))" -lt 4096
else
	ok "# SKIP a dump grows the resolver by less than 4 MB (cannot reset the peak RSS)"
fi

# The dump, loaded by Unbound's own rpz:, answers as the module does.
check "Unbound's rpz: with the dump answers as the module does" \
	rpz_answers_alike "$D/dump.rpz" "$PORT" listed.example a.tree.example \
	tree.example ok.tree.example both.example www.example a.www.example \
	sub.example a.sub.example b.sub.example n7.big.example \
	n2.big.example a.n2.big.example n1.big.example ok.example

# --- More clients than it serves: the rest get an error line at once. ---
start_hostile hostile2 3 70 || { not_ok "72 hostile clients connect"; finish; }
wait "$HOSTILE_PID"
n=$(grep -c "^idle [0-9]* 0\.[0-9]* [a-z]* error too many control clients" "$D/hostile2")
check "beyond 64 clients, each more gets an error line within 1 s (8 of 72)" test "$n" = 8
check "... and the 64 are served" \
	test "$(grep -c "error request not received" "$D/hostile2")" = 63

# --- tapir-pop-control -t: a server that accepts and never answers. ---
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4); open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept(); time.sleep(30)' "$D/mute.sock" &
MUTE_PID=$!
T_PIDS="$T_PIDS $MUTE_PID"
wait_for 5 test -e "$D/mute.sock.ready"
t0=$(ms)
out=$(timeout 10 "$CTL" -s "$D/mute.sock" -t 1 status 2>&1)
st=$?
t1=$(ms)
check "tapir-pop-control -t 1 gives up after 1 s with a message and status 1" \
	sh -c '[ "$1" = 1 ] && [ "$2" -ge 900 ] && [ "$2" -lt 5000 ] && echo "$3" | grep -q "no complete answer within 1 s"' - "$st" "$((t1 - t0))" "$out"
stop_pid "$MUTE_PID"
check "tapir-pop-control -t rejects a bad value" \
	sh -c '"$1" -s "$2" -t soon status >/dev/null 2>&1; [ $? = 2 ]' - "$CTL" "$D/tapir-pop.sock"

# --- tapir-pop-control reload during a dump: the store the dump reads
# goes, so the dump ends with an error line (and no use after free). ---
python3 - "$D/tapir-pop.sock" "$D/reloaded" "$D/dumping" \
	> "$D/cut-dump.txt" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"TPC1 dump\n")
data = b""
while True:
    # Slowly until the reload is done, then all the rest.
    if not os.path.exists(sys.argv[2]):
        time.sleep(0.05)
    b = s.recv(4096)
    if not b:
        break
    if not data:
        open(sys.argv[3], "w").close()
    data += b
print(len(data))
print(data.rstrip(b"\n").split(b"\n")[-1].decode())
PY
CUT_PID=$!
T_PIDS="$T_PIDS $CUT_PID"
wait_for 5 test -e "$D/dumping"
check "tapir-pop-control reload answers ok during a dump" quiet ctl reload
touch "$D/reloaded"
wait "$CUT_PID"
check "the dump in progress ends with an error line" \
	test "$(tail -n 1 "$D/cut-dump.txt")" = "error dump ended by a reload of the policy"
diag "the cut dump had $(head -n 1 "$D/cut-dump.txt") bytes, last line: $(tail -n 1 "$D/cut-dump.txt")"

# --- unbound-control reload beside the hostile clients. ---
# First one alone, for what a reload costs on this machine right now (a
# sanitizer build on a loaded machine can take longer than 2 s by itself);
# then a query loop (each query may take 2 s) and the reload beside the
# hostile clients: Unbound's deinit stops the control thread, whatever
# its clients do, so they may add nothing that shows.
reload_ms() {
	started=$(grep -c "start of service" "$D/unbound.log")
	t0=$(ms)
	quiet ub_control "$D" reload || return 1
	wait_for 30 sh -c '[ "$(grep -c "start of service" "$1")" -gt "$2" ]' - "$D/unbound.log" "$started"
	echo $(( $(ms) - t0 ))
}
alone=$(reload_ms)
diag "Unbound's reload alone took ${alone:-?} ms"
start_hostile hostile3 6 || { not_ok "the hostile clients connect again"; finish; }
sleep 0.5
(
	n=0
	while [ ! -e "$D/loop.stop" ] && [ $n -lt 400 ]; do
		s=$(dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 ok.example A 2>/dev/null |
			sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
		echo "${s:-lost}"
		n=$((n + 1))
	done > "$D/loop.log"
) &
LOOP_PID=$!
T_PIDS="$T_PIDS $LOOP_PID"
sleep 0.5
took=$(reload_ms)
check "unbound-control reload is accepted" test -n "$took"
diag "Unbound's reload beside the hostile clients took ${took:-?} ms"
check "Unbound's reload is over within 2 s beside the hostile clients (or within 0.5 s of one alone)" \
	sh -c '[ "$1" -lt 2000 ] || [ "$1" -lt $(( $2 + 500 )) ]' - "${took:-99999}" "${alone:-0}"
sleep 2
touch "$D/loop.stop"
wait "$LOOP_PID"
diag "queries during the reload: $(sort "$D/loop.log" | uniq -c | tr -s ' \n' '  ')"
check "no query lost during the reload" \
	sh -c '[ -s "$1" ] && ! grep -qvx NOERROR "$1"' - "$D/loop.log"
check "the module answers after the reload" rcode_is "$PORT" listed.example A NXDOMAIN
check "its control socket answers after the reload" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" status | grep -q "tapir-pop is running"' - "$D/tapir-pop.conf" "$CTL"
wait "$HOSTILE_PID"

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
