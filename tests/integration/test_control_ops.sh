#!/bin/sh
# tests/integration/test_control_ops.sh - the operator's side of
# tapir-pop-control against a running Unbound with the module: lookup
# explains every case of the decision table (every matching source, the
# rule that fired), stats equal the queries sent, dump loaded by Unbound's
# own rpz: answers alike, a deny override shows in lookup and survives a
# restart, malformed requests get an error line and nothing breaks, only
# the socket's group may connect, and checkconf checks every example
# config.  The tag rules (numtags, tags) need the MQTT feed: tested with it.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"

CTL="$top_builddir/tapir-pop-control"

# checkconf runs without Unbound: every example, and a broken file.
for f in "$top_srcdir"/contrib/examples/*.conf; do
	out=$("$CTL" checkconf "$f" 2>&1)
	check "checkconf: $(basename "$f") parses" \
		test "$out" = "$f: ok"
	[ "$out" = "$f: ok" ] || diag "$out"
done
printf 'server:\n    answer-ttl: 60\npolicy:\n    numsources: two nxdomain\n' \
	> "$T_DIR/broken.conf"
out=$("$CTL" checkconf "$T_DIR/broken.conf" 2>&1)
check "checkconf: a broken file fails" \
	sh -c '! "$1" checkconf "$2" >/dev/null 2>&1' - "$CTL" "$T_DIR/broken.conf"
check "checkconf: the error names file, line and key" \
	sh -c 'case $1 in "$2:4: numsources: "*) exit 0;; esac; exit 1' - \
	"$out" "$T_DIR/broken.conf"
check "checkconf: -c names the file too" \
	sh -c '[ "$("$1" -c "$2" checkconf)" = "$2: ok" ]' - "$CTL" \
	"$top_srcdir/contrib/examples/local-lists.conf"

require_unbound

D=$T_DIR
# The socket's mode, not the directory, must be what keeps others out.
chmod 0755 "$D"
PORT=$(free_port)
write_unbound_conf "$D" "$PORT"
mkdir -p "$D/state"
printf 'listed.example\nboth.example\n*.tree.example\n' > "$D/deny.txt"
printf 'evil.example\n' > "$D/deny-sub.txt"
printf 'both.example\nok.tree.example\n' > "$D/allow.txt"
printf 'www.example\none.example\nsub.example\n' > "$D/doubt1.txt"
printf 'www.example\na.sub.example\n' > "$D/doubt2.txt"
# .doubleclick.net. (below the name) and tracker.example. (exact) among
# its words.
cp "$top_srcdir/tests/fixtures/dawg/tiny-suffix.dawg" "$D/deny.dawg"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
    control-socket-mode: 0660
policy:
    allowlist-action: passthru
    denylist-action: nxdomain
    numsources: 2 nodata
source:
    name: local-deny
    list: denylist
    file: "$D/deny.txt"
source:
    name: deny-sub
    list: denylist
    file: "$D/deny-sub.txt"
    match: subdomains
source:
    name: local-allow
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
source:
    name: dawg-deny
    list: denylist
    type: dawg
    file: "$D/deny.dawg"
EOF2
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" "$@"; }

# has TEXT LINE: whether TEXT has exactly that line.
has() {
	printf '%s\n' "$1" | grep -qxF "$2"
}

# lookup_is NAME EXPECTED: the whole lookup answer, compared line by line
# (the match lines in source order, as tapir-pop-control(8) documents).
lookup_is() {
	got=$(ctl lookup "$1")
	[ "$got" = "$2" ] && return 0
	diag "lookup $1:" "$got"
	return 1
}

start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with the module and a control socket"
check "checkconf of the running config" \
	sh -c '[ "$(TAPIR_POP_CONF="$1" "$2" checkconf)" = "$1: ok" ]' - \
	"$D/tapir-pop.conf" "$CTL"

# The decision table, one case each: what lookup says, and what the
# resolver answers.
check "lookup: denylist, exact entry" lookup_is listed.example "name: listed.example.
match: source=local-deny list=denylist owner=listed.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=local-deny entry=exact expires=never doubtlist-matches=0"
check "resolver: denylisted name is NXDOMAIN" \
	rcode_is "$PORT" listed.example A NXDOMAIN

check "lookup: the allowlist beats the denylist; both matches listed" \
	lookup_is both.example "name: both.example.
match: source=local-deny list=denylist owner=both.example. entry=exact tags=- mask=0x00000000 expires=never action=-
match: source=local-allow list=allowlist owner=both.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 2
decision: action=passthru rule=allowlist source=local-allow entry=exact expires=never doubtlist-matches=0"

check "lookup: a *.name entry matches below the name" \
	lookup_is a.tree.example "name: a.tree.example.
match: source=local-deny list=denylist owner=*.tree.example. entry=subtree tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=local-deny entry=subtree expires=never doubtlist-matches=0"
check "resolver: a name below a *.name entry is NXDOMAIN" \
	rcode_is "$PORT" sub.tree.example A NXDOMAIN
check "lookup: a *.name entry does not match the name itself" \
	lookup_is tree.example "name: tree.example.
matches: 0
decision: action=none rule=none source=- entry=- expires=never doubtlist-matches=0"
check "resolver: the name of a *.name entry resolves" \
	answer_is "$PORT" tree.example A 192.0.2.14
check "lookup: the allowlist beats a denylist subtree" \
	lookup_is ok.tree.example "name: ok.tree.example.
match: source=local-deny list=denylist owner=*.tree.example. entry=subtree tags=- mask=0x00000000 expires=never action=-
match: source=local-allow list=allowlist owner=ok.tree.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 2
decision: action=passthru rule=allowlist source=local-allow entry=exact expires=never doubtlist-matches=0"

check "lookup: match: subdomains, the listed name itself" \
	lookup_is evil.example "name: evil.example.
match: source=deny-sub list=denylist owner=evil.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=deny-sub entry=exact expires=never doubtlist-matches=0"
check "lookup: match: subdomains covers the names below (subtree entry)" \
	lookup_is deep.x.evil.example "name: deep.x.evil.example.
match: source=deny-sub list=denylist owner=*.evil.example. entry=subtree tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=deny-sub entry=subtree expires=never doubtlist-matches=0"
check "resolver: a name below a match: subdomains entry is NXDOMAIN" \
	rcode_is "$PORT" deep.x.evil.example A NXDOMAIN

check "lookup: numsources 2, met by two doubtlist files" \
	lookup_is www.example "name: www.example.
match: source=doubt1 list=doubtlist owner=www.example. entry=exact tags=- mask=0x00000000 expires=never action=-
match: source=doubt2 list=doubtlist owner=www.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 2
decision: action=nodata rule=numsources source=doubt1 entry=exact expires=never doubtlist-matches=2"
check "resolver: numsources met is NODATA" \
	sh -c 'out=$(dig +tries=1 +time=2 -p "$1" @127.0.0.1 www.example A); echo "$out" | grep -q "status: NOERROR" && echo "$out" | grep -q "ANSWER: 0,"' - "$PORT"
check "lookup: numsources 2, not met by one doubtlist file" \
	lookup_is one.example "name: one.example.
match: source=doubt1 list=doubtlist owner=one.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=none rule=none source=- entry=- expires=never doubtlist-matches=1"
check "lookup: numsources met through a match: subdomains parent" \
	lookup_is a.sub.example "name: a.sub.example.
match: source=doubt1 list=doubtlist owner=*.sub.example. entry=subtree tags=- mask=0x00000000 expires=never action=-
match: source=doubt2 list=doubtlist owner=a.sub.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 2
decision: action=nodata rule=numsources source=doubt1 entry=subtree expires=never doubtlist-matches=2"
check "lookup: a DAWG word" \
	lookup_is tracker.example "name: tracker.example.
match: source=dawg-deny list=denylist owner=tracker.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=dawg-deny entry=exact expires=never doubtlist-matches=0"
check "lookup: below a DAWG subtree word (the index names no owner)" \
	lookup_is ad.x.doubleclick.net "name: ad.x.doubleclick.net.
match: source=dawg-deny list=denylist owner=- entry=subtree tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=dawg-deny entry=subtree expires=never doubtlist-matches=0"
check "lookup: an unlisted name matches nothing" \
	lookup_is ok.example "name: ok.example.
matches: 0
decision: action=none rule=none source=- entry=- expires=never doubtlist-matches=0"
check "lookup: a name is shown canonical" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" lookup LISTED.Example | head -n 1 | grep -qx "name: listed.example."' - "$D/tapir-pop.conf" "$CTL"

# stats: exactly what we send.  A name that resolves is sent once: a
# repeat is answered from Unbound's cache before any module runs.
ctl stats >/dev/null
n=0
while [ $n -lt 7 ]; do
	dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 listed.example A >/dev/null
	n=$((n + 1))
done
n=0
while [ $n -lt 4 ]; do
	dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 "h$n.evil.example" A >/dev/null
	n=$((n + 1))
done
n=0
while [ $n -lt 3 ]; do
	dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 www.example A >/dev/null
	n=$((n + 1))
done
for name in both.example ok.tree.example; do
	dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 "$name" A >/dev/null
done
for name in ok.example later.example fresh.example www2.example \
    stale.example; do
	dig +tries=1 +time=2 -p "$PORT" @127.0.0.1 "$name" A >/dev/null
done
out=$(ctl stats)
check "stats: queries judged = 7 + 4 + 3 + 2 + 5 sent" \
	has "$out" "num.queries.judged=21"
check "stats: 11 NXDOMAIN sent (denylist, match: subdomains)" \
	has "$out" "num.action.nxdomain=11"
check "stats: 3 NODATA sent (numsources)" has "$out" "num.action.nodata=3"
check "stats: 2 passthru sent (allowlist)" \
	has "$out" "num.action.passthru=2"
check "stats: 5 not listed sent" has "$out" "num.action.none=5"
check "stats: no other action counted" \
	sh -c 'printf "%s\n" "$1" | grep "^num.action" | grep -Ev "\.(nxdomain|nodata|passthru|none)=" | grep -qv "=0$" && exit 1; exit 0' - "$out"
check "stats: per-source entries" \
	sh -c 'printf "%s\n" "$1" | grep -qx "source.local-deny.entries=3" && printf "%s\n" "$1" | grep -qx "source.doubt2.entries=2"' - "$out"
check "stats: the counters restart from zero after stats" \
	has "$(ctl stats_noreset)" "num.queries.judged=0"

# dump: Unbound's own rpz: with the dump answers as the module does.
ctl dump > "$D/dump.rpz"
check "dump writes an RPZ zone" grep -q "IN SOA" "$D/dump.rpz"
check "Unbound's rpz: with the dump gives the module's rcode for 12 test names" \
	rpz_answers_alike "$D/dump.rpz" "$PORT" listed.example both.example \
	a.tree.example sub.tree.example tree.example ok.tree.example \
	evil.example deep.x.evil.example www.example one.example \
	a.sub.example ok.example

# The newcomer's walkthrough: deny a name, see why in lookup, and the
# override is still there after a restart.
check "before the override www2.example resolves" \
	answer_is "$PORT" www2.example A 192.0.2.30
check "deny www2.example answers ok" \
	sh -c '[ "$(TAPIR_POP_CONF="$1" "$2" deny www2.example)" = ok ]' - "$D/tapir-pop.conf" "$CTL"
check "the deny override blocks the cached name at once" \
	wait_for 2 rcode_is "$PORT" www2.example A NXDOMAIN
override_lookup="name: www2.example.
match: source=override-deny list=denylist owner=www2.example. entry=exact tags=- mask=0x00000000 expires=never action=-
matches: 1
decision: action=nxdomain rule=denylist source=override-deny entry=exact expires=never doubtlist-matches=0"
check "lookup shows the deny override" lookup_is www2.example "$override_lookup"
stop_pid "$UB_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; finish; }
check "the deny override survives a restart (lookup)" \
	lookup_is www2.example "$override_lookup"
check "the deny override survives a restart (resolver)" \
	rcode_is "$PORT" www2.example A NXDOMAIN

# Malformed requests: each gets one error line, the module keeps going.
# raw_request SOCKET: send stdin as it is, print the answer.  perl-base
# is essential in Debian, so no client beyond the shell's is needed.
raw_request() {
	timeout 10 perl -MIO::Socket::UNIX -e '
		$SIG{PIPE} = "IGNORE";
		binmode STDIN; binmode STDOUT;
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(),
			Peer => $ARGV[0]) or die "connect: $!\n";
		local $/; my $in = <STDIN>; $in = "" unless defined $in;
		my $off = 0;
		while ($off < length $in) {
			my $n = syswrite($s, $in, 65536, $off);
			last unless $n;
			$off += $n;
		}
		my $buf;
		while (sysread($s, $buf, 4096)) { print $buf; }' "$1"
}
# malformed DESCRIPTION PATTERN: $D/req is the request; the answer must
# be exactly one line, matching the pattern.  (Not in a pipeline: the
# TAP counter lives in this shell.)
malformed() {
	ans=$(raw_request "$D/tapir-pop.sock" < "$D/req" | tr -d '\000')
	if [ "$(printf '%s\n' "$ans" | wc -l)" -eq 1 ] &&
	    printf '%s\n' "$ans" | grep -q "$2"; then
		ok "malformed: $1"
	else
		not_ok "malformed: $1"
		diag "answer: $ans"
	fi
}
printf '\n' > "$D/req"
malformed "an empty line" '^error malformed request'
printf 'TPC1\n' > "$D/req"
malformed "no command" '^error no command$'
printf 'TPC1 frobnicate\n' > "$D/req"
malformed "an unknown command" "^error unknown command 'frobnicate'$"
{ printf 'TPC1 lookup '; head -c 70000 /dev/zero | tr '\000' a; printf '\n'; } \
	> "$D/req"
malformed "a line over 64 KiB" '^error request too long'
{ printf 'TPC1 status \001'; head -c 3000 /dev/urandom | tr -d '\n'; printf '\n'; } \
	> "$D/req"
malformed "binary junk" '^error malformed request'
printf 'TPC1 status\000junk\n' > "$D/req"
malformed "a NUL byte in the line" '^error malformed request'
printf 'TPC1 lookup\n' > "$D/req"
malformed "lookup without its argument" '^error usage: lookup NAME$'
printf 'TPC1 deny\n' > "$D/req"
malformed "deny without its argument" '^error usage: deny NAME \[ACTION\]$'
printf 'TPC1 lookup a..b\n' > "$D/req"
malformed "a bad name" "^error bad name 'a..b'"
printf 'TPC1 lookup %s.example\n' "$(head -c 64 /dev/zero | tr '\000' x)" \
	> "$D/req"
malformed "a label over 63 octets" "^error bad name"
printf 'TPC1 deny x.example frobnicate\n' > "$D/req"
malformed "an unknown action" "^error unknown action 'frobnicate'$"
printf 'TPC1 status a b c d e f g h i j k l m n o p q r\n' > "$D/req"
malformed "too many words" '^error malformed request'
printf 'status\n' > "$D/req"
malformed "no protocol tag" '^error malformed request'
check "the CLI exits 1 on an error answer" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" frobnicate >/dev/null; [ $? -eq 1 ]' - "$D/tapir-pop.conf" "$CTL"
check "status answers after the malformed requests" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" status | grep -qx "tapir-pop is running"' - "$D/tapir-pop.conf" "$CTL"
check "the resolver still answers after the malformed requests" \
	answer_is "$PORT" ok.example A 192.0.2.11
check "unbound did not restart" kill -0 "$UB_PID"

# Permissions: mode 0660, so the socket's group may connect, others not.
check "the socket has mode 0660" \
	test "$(stat -c %a "$D/tapir-pop.sock")" = 660
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP a user outside the socket's group cannot connect (needs root)"
	ok "# SKIP a user in the socket's group can connect (needs root)"
elif ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	ok "# SKIP a user outside the socket's group cannot connect (no setpriv or nobody)"
	ok "# SKIP a user in the socket's group can connect (no setpriv or nobody)"
else
	sock_group=$(stat -c %g "$D/tapir-pop.sock")
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CTL" -s "$D/tapir-pop.sock" status 2>&1)
	check "a user outside the socket's group cannot connect" \
		sh -c 'case $1 in *"cannot connect"*"Permission denied"*) exit 0;; esac; exit 1' - "$out"
	check "a user in the socket's group can connect" \
		sh -c 'setpriv --reuid=nobody --regid=nogroup --groups="$1" "$2" -s "$3" status | grep -qx "tapir-pop is running"' \
		- "$sock_group" "$CTL" "$D/tapir-pop.sock"
fi

stop_pid "$UB_PID"
check "no sanitizer report" test -z "$(sanitizer_reports "$D")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
finish
