#!/bin/sh
# tests/integration/test_packages.sh - the Debian packages as an operator
# installs them: contrib/build-packages.sh builds unbound and tapir-pop
# (lintian: no errors), apt-get installs both into a throw-away Debian 12
# root made by mmdebstrap from the Debian archive, Unbound is started the
# way its systemd unit starts it (the unit's and the drop-ins' ExecStartPre
# and ExecStart lines, run in a chroot) and must load the module and block
# the shipped example list; tapir-pop-control works for a member of group
# unbound; after apt-get remove tapir-pop, Unbound starts and answers
# without the module.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# The base root is cached per day in $TAPIR_POP_CACHE/roots, with the
# packages apt downloaded into it, so a rerun fetches little.  Every query
# stays on this machine: example. comes from a local zone, and the root's
# name servers are a closed port on 127.0.0.1.
. "$top_srcdir/tests/integration/lib.sh"

MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
cache_root=${TAPIR_POP_CACHE:-/var/cache/tapir-pop}
D=$T_DIR
R="$D/root"

[ "$(id -u)" = 0 ] || skip_all "needs root (chroot, mount, apt-get)"
command -v mmdebstrap >/dev/null || skip_all "mmdebstrap not installed (sh contrib/setup.sh test installs it)"
command -v dig >/dev/null || skip_all "dig not installed"
timeout 60 /usr/lib/apt/apt-helper download-file \
	"$MIRROR/dists/bookworm/InRelease" "$D/InRelease" >/dev/null 2>&1 ||
	skip_all "the Debian archive ($MIRROR) cannot be reached"

# Whatever happens: stop what runs in the root, unmount, then let lib.sh
# remove the directory (never while something is mounted in it).
ROOT_MOUNTS=""
pkg_cleanup() {
	for pid in $T_PIDS; do
		stop_pid "$pid"
	done
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] || continue
		diag "stopping ${p#/proc/}, left running in the root"
		kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for m in $ROOT_MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if grep -q " $R/" /proc/mounts; then
		diag "still mounted under $R; not removing $D"
		exit 1
	fi
	cleanup
}
trap pkg_cleanup EXIT

# in_root COMMAND: a shell command in the root, as its root user.
in_root() {
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 sh -c "$1"
}

# 1. The packages.
if ! sh "$top_srcdir/contrib/build-packages.sh" "$D/debs" >"$D/build.log" 2>&1; then
	not_ok "contrib/build-packages.sh builds unbound and tapir-pop, lintian without errors"
	sed 's/^/# /' "$D/build.log" | tail -n 40
	finish
fi
ok "contrib/build-packages.sh builds unbound and tapir-pop, lintian without errors"
diag "lintian: $(grep -c '^E:' "$D/debs/lintian.txt") errors, $(grep -c '^W:' "$D/debs/lintian.txt") warnings"
ub_deb=$(ls "$D"/debs/unbound_*.deb)
tp_deb=$(ls "$D"/debs/tapir-pop_*.deb)
ub_ver=$(dpkg-deb -f "$ub_deb" Version)
check "unbound's version has the local suffix +tapirpop1 ($ub_ver)" \
	sh -c 'case "$1" in *+tapirpop1) exit 0 ;; esac; exit 1' - "$ub_ver"
check "tapir-pop depends on exactly that unbound" \
	sh -c 'dpkg-deb -f "$1" Depends | tr "," "\n" | sed "s/^ *//" |
		grep -qxF "unbound (= $2)"' - "$tp_deb" "$ub_ver"
check "tapir-pop's files under /etc are conffiles" \
	sh -c 'dpkg-deb -I "$1" conffiles | sort | tr "\n" " " | grep -qxF "$2"' - "$tp_deb" \
	"/etc/apparmor.d/local/tapir-pop /etc/unbound/tapir-pop.conf /etc/unbound/tapir-pop/allow.txt /etc/unbound/tapir-pop/deny.txt /etc/unbound/unbound.conf.d/tapir-pop.conf "

# 2. A Debian 12 root from the archive (cached per day).
mkdir -p "$cache_root/roots"
base="$cache_root/roots/bookworm-$(date +%Y%m%d).tar"
if [ ! -f "$base" ]; then
	if ! timeout 900 mmdebstrap --quiet --variant=apt --include=passwd bookworm "$base.$$" \
	    "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
	    "deb $SECURITY bookworm-security main" >"$D/mmdebstrap.log" 2>&1; then
		rm -f "$base.$$"
		not_ok "mmdebstrap makes a Debian 12 root"
		sed 's/^/# /' "$D/mmdebstrap.log" | tail -n 20
		finish
	fi
	find "$cache_root/roots" -maxdepth 1 -name 'bookworm-*.tar' -delete
	mv "$base.$$" "$base"
fi
mkdir "$R"
tar -C "$R" -xf "$base"
cp /etc/resolv.conf "$R/etc/resolv.conf"
# Packages must not start services: the test starts Unbound itself.
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
ROOT_MOUNTS="$R/proc"
mount -t proc proc "$R/proc"
mkdir -p "$cache_root/roots/archives"
cp "$cache_root/roots/archives/"*.deb "$R/var/cache/apt/archives/" 2>/dev/null || true
mkdir -p "$R/tmp/debs"
cp "$ub_deb" "$tp_deb" "$R/tmp/debs/"

in_root 'timeout 300 apt-get update -q >/tmp/apt.log 2>&1'
check "apt-get install ./unbound_*.deb ./tapir-pop_*.deb in a fresh Debian 12 root" \
	in_root 'cd /tmp/debs && timeout 600 apt-get install -y -q ./unbound_*.deb ./tapir-pop_*.deb >>/tmp/apt.log 2>&1'
check "the state directory belongs to unbound" \
	in_root '[ "$(stat -c %U:%G /var/lib/unbound/tapir-pop)" = unbound:unbound ]'

# 3. Unbound as its unit starts it, on 127.0.0.1:PORT.
PORT=$(free_port)
DEAD=$(free_port)
cat > "$R/etc/unbound/test-example.zone" <<'ZONE'
$ORIGIN example.
$TTL 300
@	SOA	ns.example. hostmaster.example. 1 3600 600 86400 300
@	NS	ns.example.
ns	A	192.0.2.53
www	A	192.0.2.10
blocked.tapir-pop	A	192.0.2.66
ZONE
cat > "$R/etc/unbound/unbound.conf.d/zz-test.conf" <<CONF
server:
    interface: 127.0.0.1
    port: $PORT
    do-ip6: no
    so-reuseport: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    do-not-query-localhost: no
    domain-insecure: "example."
auth-zone:
    name: "example."
    zonefile: "/etc/unbound/test-example.zone"
    for-upstream: yes
    for-downstream: no
    fallback-enabled: no
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@$DEAD
CONF

# unit_lines: the unit's ExecStartPre and ExecStart lines after its
# drop-ins (an empty assignment clears the list), as "pre CMD" and
# "start CMD".
unit_lines() {
	cat "$R/lib/systemd/system/unbound.service" \
	    "$R"/lib/systemd/system/unbound.service.d/*.conf \
	    "$R"/etc/systemd/system/unbound.service.d/*.conf 2>/dev/null |
	awk '/^ExecStartPre=$/ { np = 0; next }
	     /^ExecStart=$/ { ns = 0; next }
	     /^ExecStartPre=/ { pre[np++] = substr($0, 14); next }
	     /^ExecStart=/ { st[ns++] = substr($0, 11); next }
	     END { for (i = 0; i < np; i++) print "pre " pre[i]
	           for (i = 0; i < ns; i++) print "start " st[i] }'
}

# unit_env: the unit's EnvironmentFile, read as systemd reads it.
unit_env='set -a; [ ! -f /etc/default/unbound ] || . /etc/default/unbound; set +a;'

# start_unit LOG: runs the ExecStartPre lines (a failure of one without
# "-" fails), then ExecStart in the background (UB_PID); true once it
# answers on PORT.
start_unit() {
	unit_lines > "$D/unit.lines"
	while read -r kind cmd; do
		[ "$kind" = pre ] || continue
		case $cmd in
		-*) in_root "$unit_env ${cmd#-}" >>"$1" 2>&1 || true ;;
		*) in_root "$unit_env ${cmd#+}" >>"$1" 2>&1 ||
			{ diag "ExecStartPre failed: $cmd"; return 1; } ;;
		esac
	done < "$D/unit.lines"
	start=$(sed -n 's/^start //p' "$D/unit.lines")
	[ "$(printf '%s\n' "$start" | wc -l)" = 1 ] || { diag "ExecStart: $start"; return 1; }
	# A simple command, so that $! is Unbound's PID (chroot, env and sh
	# exec one another).
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 sh -c "$unit_env exec $start" >>"$1" 2>&1 &
	UB_PID=$!
	T_PIDS="$T_PIDS $UB_PID"
	wait_for 30 sh -c 'kill -0 "$1" && dig +tries=1 +time=1 -p "$2" @127.0.0.1 ns.example. >/dev/null 2>&1' - "$UB_PID" "$PORT"
}

if start_unit "$D/unbound1.log"; then
	ok "Unbound starts as its unit starts it, with the module"
else
	not_ok "Unbound starts as its unit starts it, with the module"
	sed 's/^/# /' "$D/unbound1.log" | tail -n 20
fi
check "the module loads into the packaged Unbound (its identity check passes)" \
	grep -q "tapir-pop: using configuration /etc/unbound/tapir-pop.conf" "$D/unbound1.log"
check "a name on the shipped example list is NXDOMAIN" \
	rcode_is "$PORT" blocked.tapir-pop.example A NXDOMAIN
check "names below it too (match: subdomains)" \
	rcode_is "$PORT" www.blocked.tapir-pop.example A NXDOMAIN
check "other names resolve" answer_is "$PORT" www.example A 192.0.2.10

# 4. tapir-pop-control for an operator in group unbound, and for one not.
in_root 'useradd -m -G unbound alice && useradd -m bob' >/dev/null 2>&1
check "tapir-pop-control status works for a member of group unbound" \
	sh -c 'chroot "$1" setpriv --reuid=alice --regid=alice --init-groups \
		tapir-pop-control status 2>&1 | grep -q "tapir-pop is running"' - "$R"
check "tapir-pop-control lookup names the list that blocks" \
	sh -c 'chroot "$1" setpriv --reuid=alice --regid=alice --init-groups \
		tapir-pop-control lookup blocked.tapir-pop.example 2>&1 | grep -q "decision: action=nxdomain rule=denylist source=local-deny"' - "$R"
check "a user outside group unbound is refused" \
	sh -c '! chroot "$1" setpriv --reuid=bob --regid=bob --init-groups \
		tapir-pop-control status >/dev/null 2>&1' - "$R"

# 5. The AppArmor profile with the package's local include.
if in_root 'timeout 300 apt-get install -y -q --no-install-recommends apparmor >>/tmp/apt.log 2>&1'; then
	check "AppArmor's unbound profile compiles with tapir-pop's rules" \
		in_root 'apparmor_parser -Q -K --skip-cache /etc/apparmor.d/usr.sbin.unbound >>/tmp/apparmor.log 2>&1'
	in_root 'apparmor_parser -p /etc/apparmor.d/usr.sbin.unbound' > "$D/profile.txt" 2>/dev/null
	for path in /usr/lib/tapir-pop/tapir-pop.so /etc/unbound/tapir-pop.conf \
	    /var/lib/unbound/tapir-pop/ /run/unbound/tapir-pop.sock /etc/dnstapir/certs/; do
		check "the unbound profile grants $path" grep -q "^ *$path " "$D/profile.txt"
	done
else
	not_ok "apt-get install apparmor"
fi
# Keep what apt downloaded for the next run, and only that.
rm -f "$cache_root/roots/archives/"*.deb
cp "$R/var/cache/apt/archives/"*.deb "$cache_root/roots/archives/" 2>/dev/null || true

stop_pid "$UB_PID"
check "Unbound stopped by its PID, nothing left running in the root" \
	sh -c '! kill -0 "$1" 2>/dev/null && for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" != "$2" ] || exit 1; done' - "$UB_PID" "$R"

# 6. Removed, its conffiles kept: Unbound starts without the module.
check "apt-get remove tapir-pop" \
	in_root 'timeout 300 apt-get remove -y -q tapir-pop >>/tmp/apt.log 2>&1'
check "the kept conffile still includes the module's (now absent) lines" \
	grep -q '^include-toplevel: "/usr/share/tapir-pop\*/unbound.conf.d/\*.conf"' \
	"$R/etc/unbound/unbound.conf.d/tapir-pop.conf"
if start_unit "$D/unbound2.log"; then
	ok "Unbound starts as its unit starts it after apt-get remove tapir-pop"
else
	not_ok "Unbound starts as its unit starts it after apt-get remove tapir-pop"
	sed 's/^/# /' "$D/unbound2.log" | tail -n 20
fi
check "it answers" answer_is "$PORT" www.example A 192.0.2.10
check "without the module: the listed name gets its real answer" \
	answer_is "$PORT" blocked.tapir-pop.example A 192.0.2.66
stop_pid "$UB_PID"

# 7. Purged: the state directory and the AppArmor include line go.
check "apt-get purge tapir-pop removes its state and AppArmor include line" \
	in_root 'timeout 300 apt-get purge -y -q tapir-pop >>/tmp/apt.log 2>&1 &&
		[ ! -e /var/lib/unbound/tapir-pop ] &&
		! grep -q tapir-pop /etc/apparmor.d/local/usr.sbin.unbound &&
		apparmor_parser -Q -K --skip-cache /etc/apparmor.d/usr.sbin.unbound 2>/dev/null'
[ "$T_FAILED" -eq 0 ] || sed 's/^/# /' "$R/tmp/apt.log" | tail -n 30
finish
