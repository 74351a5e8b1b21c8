#!/bin/sh
# tests/integration/test_hostile_files.sh - what an operator or another
# program can put at a path the module reads: a FIFO (an open that waits
# for a writer forever), a directory, a character device, /dev/zero
# through a symlink (an endless line), a symlink loop, a vanished file, a
# list with one line over the bound, a DAWG source at a FIFO, the
# configuration itself as a FIFO; and a list replaced by rename during
# every one of 50 tapir-pop-control reloads.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Each bad file must be refused at once, logged (once per change, not at
# every poll) and counted in list_sources, and the last good list must
# stay in force; Unbound must start, reload and answer within a bound,
# and refuse to start, with a clear line, when its tapir-pop.conf is a
# FIFO.  Every wait that a hang would make endless is bounded here
# (timeout, wait_for), so a hang fails a check instead of the run.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
command -v timeout >/dev/null || skip_all "timeout not installed"
command -v mkfifo >/dev/null || skip_all "mkfifo not installed"

D=$T_DIR
PORT=$(free_port)
CTL="$top_builddir/tapir-pop-control"
FIX="$top_srcdir/tests/fixtures/dawg"
LIST="$D/deny.txt"
DAWG="$D/deny.dawg"
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" timeout 5 "$CTL" "$@"; }
# field SOURCE KEY: a number from the source's list_sources line.
field() {
	ctl list_sources | sed -n "s/^$1 .* $2=\([0-9]*\).*/\1/p"
}
field_is() {
	[ "$(field "$1" "$2")" = "$3" ]
}
# last_error_has SOURCE TEXT: the source's last_error starts with TEXT.
last_error_has() {
	ctl list_sources | grep "^$1 " | grep -qF "last_error=\"$2"
}
# field_gt SOURCE KEY N: the source's KEY is more than N.
field_gt() {
	v=$(field "$1" "$2")
	[ -n "$v" ] && [ "$v" -gt "$3" ]
}
# failures_after SECONDS SOURCE N: after SECONDS, SOURCE counts N failures.
failures_after() {
	sleep "$1"
	field_is "$2" failures "$3"
}
# log_count TEXT: lines of Unbound's log that contain TEXT (fixed string).
log_count() {
	grep -cF -- "$1" "$D/unbound.log"
}
log_count_ge() {
	[ "$(log_count "$1")" -ge "$2" ]
}
# The good list, on standard output: two names of the example zone and
# 30 more, so that one bad line is under the share of malformed lines a
# list may have.
good_list() {
	echo "listed.example"
	echo "Listed2.example"
	i=1
	while [ $i -le 30 ]; do echo "f$i.example"; i=$((i + 1)); done
}
# put_good_list: the good list at LIST by rename, whatever is there now,
# and wait until the source has loaded it.
put_good_list() {
	u=$(field deny updates)
	rm -rf "$LIST" "$D/deny.new"
	good_list > "$D/deny.new"
	mv -f "$D/deny.new" "$LIST"
	wait_for 10 field_gt deny updates "$u"
}
# in_force: the good list blocks its names, and nothing else is blocked.
in_force() {
	rcode_is "$PORT" listed.example A NXDOMAIN &&
	    rcode_is "$PORT" listed2.example A NXDOMAIN &&
	    answer_is "$PORT" ok.example A 192.0.2.11
}

# replace_with KIND: the list path becomes a file of that kind.
replace_with() {
	rm -rf "$D/deny.new"
	case $1 in
	fifo) mkfifo "$D/deny.new" ;;
	directory) mkdir "$LIST"; return ;;
	chardev)
		# A device node of its own where we may make one, else a link
		# to one (either way the path opens a character device).
		mknod "$D/deny.new" c 1 3 2>/dev/null ||
			ln -s /dev/null "$D/deny.new" ;;
	devzero) ln -s /dev/zero "$D/deny.new" ;;
	loop)
		rm -f "$D/loop-a" "$D/loop-b"
		ln -s loop-b "$D/loop-a"
		ln -s loop-a "$D/loop-b"
		ln -s loop-a "$D/deny.new" ;;
	vanished) rm -f "$LIST"; return ;;
	longline)
		{
			echo "ok.example"
			i=1
			while [ $i -le 30 ]; do echo "f$i.example"; i=$((i + 1)); done
			head -c 100000 /dev/zero | tr '\0' 'a'
			echo
		} > "$D/deny.new" ;;
	esac
	mv -f -T "$D/deny.new" "$LIST"
}

good_list > "$LIST"
cp "$FIX/tiny-suffix.dawg" "$DAWG"
write_unbound_conf "$D" "$PORT"
cat > "$D/tapir-pop.conf" <<EOF
server:
    control-socket: "$D/tapir-pop.sock"
    file-poll-interval: 100
source:
    name: deny
    list: denylist
    file: "$LIST"
source:
    name: dawg-deny
    list: denylist
    type: dawg
    file: "$DAWG"
EOF

start_unbound "$D" "$PORT" || {
	not_ok "unbound starts"
	sed 's/^/# /' "$D/unbound.log" | tail -n 20
	finish
}
ok "unbound starts with a list and a DAWG source"
check "the list is in force" in_force
check "the DAWG is in force" rcode_is "$PORT" tracker.example A NXDOMAIN

# (1) 50 reloads while another process keeps replacing the list by
# rename: a rename cannot change the file a reload has open.  Two lists
# of 20000 names, so that a reload takes a while to read one, are put in
# place in turn, each by a rename of a new link to it (no copying: the
# writer renames as fast as it can).
for v in a b; do
	{
		good_list
		awk -v v=$v 'BEGIN { for (j = 0; j < 20000; j++)
			printf "c%d.%s.churn.example\n", j, v }'
	} > "$D/churn.$v"
done
(
	n=0
	while [ ! -e "$D/writer.stop" ] && [ $n -lt 100000 ]; do
		for v in a b; do
			ln -f "$D/churn.$v" "$D/churn.new"
			mv -f "$D/churn.new" "$LIST"
		done
		n=$((n + 1))
	done
) &
WRITER_PID=$!
T_PIDS="$T_PIDS $WRITER_PID"
oks=0
i=0
while [ $i -lt 50 ]; do
	r=$(ctl reload 2>&1)
	if [ "$r" = ok ]; then oks=$((oks + 1)); else diag "reload $i: $r"; fi
	i=$((i + 1))
done
touch "$D/writer.stop"
wait "$WRITER_PID" 2>/dev/null
check "50 reloads during atomic replacements all succeed ($oks did)" \
	test "$oks" = 50
check "... and the list is in force" in_force
put_good_list

# (2) Bad files at the list path, found by the source's watch thread.
# Each is refused, logged once and counted once, and the list it had
# stays in force; then the good list is put back.  The FIFO comes last:
# it used to wedge the watch thread for good, and the kinds after it
# would have gone unseen.
for kind in directory chardev devzero loop vanished longline fifo; do
	case $kind in
	directory) why="cannot open $LIST: a directory, not a regular file" ;;
	chardev|devzero) why="cannot open $LIST: a character device, not a regular file" ;;
	loop) why="cannot open $LIST: a symbolic link loop" ;;
	vanished) why="cannot open $LIST: no such file (missing or vanished)" ;;
	longline) why="$LIST:32: a line longer than 65536 bytes: not a list file" ;;
	fifo) why="cannot open $LIST: a FIFO (named pipe), not a regular file" ;;
	esac
	if [ "$kind" = directory ]; then
		# A rename cannot put a directory over a file: the file goes
		# first, and its vanishing is counted before the directory.
		f=$(field deny failures)
		rm -f "$LIST"
		wait_for 5 field_gt deny failures "$f"
	fi
	f0=$(field deny failures)
	n0=$(log_count "source deny: $why")
	replace_with "$kind"
	check "$kind: refused and logged" \
		wait_for 5 log_count_ge "source deny: $why" $((n0 + 1))
	# Ten more polls: the state is reported once, not at every poll.
	sleep 1
	check "$kind: logged once" test "$(log_count "source deny: $why")" = $((n0 + 1))
	check "$kind: counted once in list_sources" \
		field_is deny failures $((f0 + 1))
	check "$kind: last_error says why" last_error_has deny "$why"
	check "$kind: the last good list stays in force" in_force
	check "$kind: the DAWG still blocks" \
		rcode_is "$PORT" tracker.example A NXDOMAIN
	check "$kind: the good list is loaded again" put_good_list
done

# (3) A DAWG source at a FIFO.
says="source dawg-deny: $DAWG: a FIFO (named pipe), not a regular file; keeping the previous file"
f0=$(field dawg-deny failures)
rm -f "$D/dawg.new"
mkfifo "$D/dawg.new"
mv -f "$D/dawg.new" "$DAWG"
check "DAWG at a FIFO: refused and logged" wait_for 5 log_count_ge "$says" 1
check "DAWG at a FIFO: counted once" failures_after 1 dawg-deny $((f0 + 1))
check "DAWG at a FIFO: the previous file still blocks" \
	rcode_is "$PORT" tracker.example A NXDOMAIN
n0=$(log_count "source dawg-deny: $DAWG attached")
cp "$FIX/tiny-suffix.dawg" "$D/dawg.new"
mv -f "$D/dawg.new" "$DAWG"
check "DAWG: a regular file is attached again" \
	wait_for 5 log_count_ge "source dawg-deny: $DAWG attached" $((n0 + 1))

# (4) tapir-pop-control reload with the list at a FIFO: the reload
# returns at once with an error, and the running policy stays.
n0=$(log_count "source deny: cannot open $LIST: a FIFO")
replace_with fifo
wait_for 5 log_count_ge "source deny: cannot open $LIST: a FIFO" $((n0 + 1))
start=$(date +%s)
r=$(TAPIR_POP_CONF="$D/tapir-pop.conf" timeout 10 "$CTL" reload 2>&1)
rc=$?
took=$(($(date +%s) - start))
check "tapir-pop-control reload with a FIFO returns within 3 s (${took} s)" \
	test "$rc" != 124 -a "$took" -le 3
check "... and fails, naming the source" \
	sh -c 'case "$1" in "error source deny: cannot load "*) ;; *) exit 1 ;; esac' - "$r"
check "... the FIFO is logged by the reload too" \
	log_count_ge "source deny: cannot open $LIST: a FIFO" $((n0 + 2))
check "... the last good list stays in force" in_force
check "... the control socket still answers" quiet ctl status

# (5) unbound-control reload with the list and the DAWG at FIFOs: the
# module's init refuses both and Unbound comes back at once.  The list
# source keeps its last good list and its counters (deinit parks the
# running engine's data, init takes it over), the DAWG source starts
# empty; both load when the files are regular again.
rm -f "$D/dawg.new"
mkfifo "$D/dawg.new"
mv -f "$D/dawg.new" "$DAWG"
n_list=$(log_count "source deny: cannot open $LIST: a FIFO")
n_dawg=$(log_count "source dawg-deny: $DAWG: a FIFO")
f_list=$(field deny failures)
check "unbound-control reload with FIFOs returns ok within 20 s" \
	sh -c 'timeout 20 "$@" | grep -q "^ok"' - \
	"$UNBOUND_SBIN/unbound-control" -c "$D/unbound.conf" reload
if wait_for 10 answer_is "$PORT" ok.example A 192.0.2.11; then
	ok "... Unbound answers"
	check "... the list at a FIFO is logged" \
		log_count_ge "source deny: cannot open $LIST: a FIFO" $((n_list + 1))
	check "... the DAWG at a FIFO is logged" \
		log_count_ge "source dawg-deny: $DAWG: a FIFO" $((n_dawg + 1))
	check "... both are counted" test "$(field deny failures)" -gt "$f_list"
	check "... ... (the DAWG)" failures_after 0 dawg-deny 1
	check "... the list source says why" \
		last_error_has deny "cannot open $LIST: a FIFO (named pipe)"
	check "... the list source keeps its last good list" in_force
	put_good_list
	check "... the list loads once it is a regular file" in_force
	cp "$FIX/tiny-suffix.dawg" "$D/dawg.new"
	mv -f "$D/dawg.new" "$DAWG"
	check "... the DAWG loads once it is a regular file" \
		wait_for 5 rcode_is "$PORT" tracker.example A NXDOMAIN
else
	not_ok "... Unbound answers"
	diag "Unbound hangs in its reload; the rest of its checks are skipped"
	for t in "list logged" "DAWG logged" "list counted" "DAWG counted" \
	    "list says why" "list kept" "list loads" "DAWG loads"; do
		ok "unbound-control reload: $t # SKIP Unbound did not come back"
	done
fi

# (6) A start with the list and the DAWG at FIFOs.
stop_pid "$UB_PID"
replace_with fifo
rm -f "$D/dawg.new"
mkfifo "$D/dawg.new"
mv -f "$D/dawg.new" "$DAWG"
mv "$D/unbound.log" "$D/unbound.log.1"
if start_unbound "$D" "$PORT"; then
	ok "unbound starts with the list and the DAWG at FIFOs"
	check "... the list at a FIFO is logged" \
		log_count_ge "source deny: cannot open $LIST: a FIFO" 1
	check "... the DAWG at a FIFO is logged" \
		log_count_ge "source dawg-deny: $DAWG: a FIFO" 1
	check "... both are counted" failures_after 0 deny 1
	check "... ... (the DAWG)" failures_after 0 dawg-deny 1
	put_good_list
	check "... the list loads once it is a regular file" in_force
	cp "$FIX/tiny-suffix.dawg" "$D/dawg.new"
	mv -f "$D/dawg.new" "$DAWG"
	check "... the DAWG loads once it is a regular file" \
		wait_for 5 rcode_is "$PORT" tracker.example A NXDOMAIN
else
	not_ok "unbound starts with the list and the DAWG at FIFOs"
	tail -n 10 "$D/unbound.log" | sed 's/^/# /'
fi
stop_pid "$UB_PID"

# (7) tapir-pop.conf itself a FIFO: checkconf and Unbound refuse it at
# once, with a line that says so, instead of waiting for a writer.
C=$D/conf-fifo
mkdir -p "$C"
write_unbound_conf "$C" "$(free_port)"
mkfifo "$C/tapir-pop.conf"
# refused_fast FILE: checkconf of FILE fails, not by the timeout, saying
# it is a FIFO.
refused_fast() {
	timeout 5 "$CTL" checkconf "$1" > "$C/checkconf.out" 2>&1
	rc=$?
	sed 's/^/# /' "$C/checkconf.out"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    grep -qF "a FIFO (named pipe)" "$C/checkconf.out"
}
check "checkconf refuses a FIFO within 5 s" refused_fast "$C/tapir-pop.conf"
(
	export TAPIR_POP_CONF="$C/tapir-pop.conf"
	if [ -n "${SAN_LIBASAN:-}" ]; then
		export LD_PRELOAD="$SAN_LIBASAN"
		export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$C/asan"
		export UBSAN_OPTIONS="print_stacktrace=1:log_path=$C/ubsan"
		export LSAN_OPTIONS="suppressions=$top_srcdir/tests/integration/lsan.supp"
	fi
	exec "$UNBOUND_SBIN/unbound" -d -c "$C/unbound.conf"
) > "$C/unbound.log" 2>&1 &
CPID=$!
T_PIDS="$T_PIDS $CPID"
check "Unbound with tapir-pop.conf at a FIFO exits within 15 s" \
	wait_for 15 sh -c '! kill -0 "$0" 2>/dev/null' "$CPID"
check "... saying why" grep -qF \
	"tapir-pop: $C/tapir-pop.conf: cannot read: a FIFO (named pipe), not a regular file" \
	"$C/unbound.log"
stop_pid "$CPID"

check "no sanitizer report" \
	test -z "$(sanitizer_reports "$D")$(sanitizer_reports "$C")"
sanitizer_reports "$D" | head -40 | sed 's/^/# /'
sanitizer_reports "$C" | head -40 | sed 's/^/# /'
finish
