#!/bin/sh
# tests/bench/dump-memory.sh - what tapir-pop-control dump costs the
# resolver: Unbound with the module and a list of NAMES names (1M by
# default, sbs_names.awk's realistic names), then three dumps, each with
# the peak RSS reset first: one to a client that reads as fast as it can,
# one to a client that reads 64 kB every 50 ms, one to a client that never
# reads (until the server drops it).  Prints the RSS before and the peak
# during each (VmHWM), the growth, the time and the size of the dump.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Usage: tests/bench/dump-memory.sh BUILDDIR [NAMES]
# BUILDDIR is a build configured with --with-unbound-source and WITHOUT
# sanitizers (e.g. CFLAGS=-O2); UNBOUND_SBIN may override the Unbound
# found in its Makefile.  Needs root or the process's owner (the peak RSS
# is reset through /proc/PID/clear_refs) and python3.  Not run by make
# check: it prints figures.
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
USAGE="[NAMES]"
. "$top_srcdir/tests/bench/bench-env.sh"
NAMES=${2:-1000000}
command -v python3 >/dev/null || { echo "python3 not installed" >&2; exit 2; }
[ -x "$UNBOUND_SBIN/unbound" ] && [ -f "$MODULE_SO" ] ||
	{ echo "no unbound or module in $1" >&2; exit 2; }

D=$T_DIR
PORT=$(free_port)
CTL="$top_builddir/tapir-pop-control"
awk -v n="$NAMES" -f "$top_srcdir/tests/bench/sbs_names.awk" > "$D/names.txt"
write_unbound_conf "$D" "$PORT"
cat > "$D/tapir-pop.conf" <<EOF2
server:
    control-socket: "$D/tapir-pop.sock"
source:
    name: names
    list: denylist
    file: "$D/names.txt"
EOF2
start_unbound "$D" "$PORT" || { echo "unbound does not start" >&2; exit 1; }
# The load's own peak settles once the list is in.
wait_for 60 grep -q "policy ready" "$D/unbound.log"
sleep 2

# kb KEY: a VmXXX figure of Unbound, in kB.
kb() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$UB_PID/status"
}
# reader MODE: a dump client; "fast" reads as fast as it can, "slow" 64 kB
# every 50 ms, "none" never (it waits for the server to hang up).  Prints
# the bytes read and the seconds taken.
reader() {
	python3 - "$D/tapir-pop.sock" "$1" <<'PY'
import select, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"TPC1 dump\n")
mode, total, t0 = sys.argv[2], 0, time.monotonic()
if mode == "none":
    p = select.poll()
    p.register(s.fileno(), select.POLLHUP)
    p.poll(60000)
else:
    while True:
        b = s.recv(65536)
        if not b:
            break
        total += len(b)
        if mode == "slow":
            time.sleep(0.05)
print(total, "%.2f" % (time.monotonic() - t0))
PY
}

printf 'names: %s\n' "$NAMES"
printf '%-34s %9s %9s %9s %8s %10s\n' "dump client" "RSS (MB)" "peak" \
	"growth" "time (s)" "bytes"
for mode in fast slow none; do
	echo 5 > "/proc/$UB_PID/clear_refs" ||
		{ echo "cannot reset the peak RSS" >&2; exit 1; }
	before=$(kb VmRSS)
	set -- $(reader "$mode")
	peak=$(kb VmHWM)
	case $mode in
	fast) what="reads as fast as it can" ;;
	slow) what="reads 64 kB every 50 ms" ;;
	none) what="never reads (dropped)" ;;
	esac
	awk -v w="$what" -v b="$before" -v p="$peak" -v t="$2" -v n="$1" \
		'BEGIN { printf "%-34s %9.1f %9.1f %9.1f %8s %10s\n", w,
			b / 1024, p / 1024, (p - b) / 1024, t, n }'
done
stop_pid "$UB_PID"
