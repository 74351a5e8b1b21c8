#!/bin/sh
# contrib/setup.sh - the two set-up commands of the README, on Debian 12.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
#   sh contrib/setup.sh demo   build everything, start the demo resolver
#   sh contrib/setup.sh test   build everything, run the whole test suite
#
# Both install the Debian packages they need (apt-get), build Unbound with
# the dynlib module from Debian's source (cached outside the checkout, see
# contrib/build-unbound.sh), and build tapir-pop against it.  The demo
# build is optimised; the test build uses AddressSanitizer and UBSan.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Everything the build, the tests and the demo use, from Debian 12; the
# last lines are for the package test (tests/integration/test_packages.sh):
# the package tools and the build dependencies of Debian's unbound.
PACKAGES="build-essential autoconf automake libtool pkg-config
	libcmocka-dev libjansson-dev libssl-dev libldns-dev libpaho-mqtt-dev libcurl4-openssl-dev
	mosquitto mosquitto-clients knot nginx
	dnsutils knot-dnsutils iproute2 clang libclang-rt-14-dev
	dpkg-dev debhelper lintian mmdebstrap
	bison flex dh-apparmor dh-python libevent-dev libexpat1-dev libnghttp2-dev
	libprotobuf-c-dev protobuf-c-compiler libsystemd-dev nettle-dev
	python3-dev libpython3-dev swig"

log() { printf '\n==> %s\n' "$*"; }

install_packages() {
	[ "${TAPIR_POP_NO_APT:-0}" = 1 ] && return 0
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing Debian packages:$missing"
	apt-get update -qq
	# The servers the tests run (mosquitto, knot) must not start as
	# system services on their default ports when installed: the tests
	# start their own on loopback high ports.
	no_start=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		no_start=1
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null || status=$?
	[ -n "$no_start" ] && rm -f /usr/sbin/policy-rc.d
	return ${status:-0}
}

# build DIR [configure args]: configure and build tapir-pop in DIR.
build() {
	dir=$1
	shift
	if [ ! -x configure ] || [ configure.ac -nt configure ]; then
		log "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
	mkdir -p "$dir"
	stamp="$*"
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$stamp" ]; then
		log "configure in $dir"
		(cd "$dir" && "$top/configure" --with-unbound-source="$UNBOUND_DIR/src" "$@" >configure.out) ||
			{ tail -n 30 "$dir/configure.out" 2>/dev/null; exit 1; }
		printf '%s' "$stamp" > "$dir/.configure-args"
	fi
	log "make in $dir"
	make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1 ||
		{ tail -n 40 "$dir/make.out"; exit 1; }
}

case "${1:-}" in
demo|test) ;;
*) echo "usage: sh contrib/setup.sh demo|test" >&2; exit 2 ;;
esac

install_packages
log "Unbound with dynlib (cached)"
UNBOUND_DIR=$(sh contrib/build-unbound.sh | tail -n 1)

case $1 in
demo)
	build build CFLAGS="-O2 -g"
	exec sh contrib/demo/run-demo.sh "$top/build" "$UNBOUND_DIR/prefix/sbin"
	;;
test)
	# The package test builds tapir-pop's package; Unbound's (a Debian
	# build of several minutes, cached) is built here, before the tests.
	log "Unbound's Debian packages (cached)"
	sh contrib/build-packages.sh --unbound-only ||
		log "not built now; tests/integration/test_packages.sh will say why"
	build build-test --enable-sanitizers CFLAGS="-O1 -g"
	log "make check (AddressSanitizer + UBSan)"
	status=0
	make -C build-test -j"$(nproc)" check >build-test/check.out 2>&1 || status=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|XFAIL):' build-test/check.out || true
	if [ $status -ne 0 ]; then
		# Show the logs of what failed.
		for f in $(grep -lE '^(not ok|FAIL|ERROR)' $(find build-test -name '*.log' -path '*tests*') 2>/dev/null); do
			echo "---- $f"; tail -n 60 "$f"
		done
	fi
	pass=$(sed -n 's/^# PASS: *//p' build-test/test-suite.log 2>/dev/null | head -n 1)
	fail=$(sed -n 's/^# FAIL: *//p' build-test/test-suite.log 2>/dev/null | head -n 1)
	err=$(sed -n 's/^# ERROR: *//p' build-test/test-suite.log 2>/dev/null | head -n 1)
	xpass=$(sed -n 's/^# XPASS: *//p' build-test/test-suite.log 2>/dev/null | head -n 1)
	skip=$(sed -n 's/^# SKIP: *//p' build-test/test-suite.log 2>/dev/null | head -n 1)
	pass=${pass:-0}
	fail=$(( ${fail:-0} + ${err:-0} + ${xpass:-0} ))
	[ -f build-test/test-suite.log ] || fail=$((fail + 1))
	log "make install (into a staging directory)"
	stage=$(mktemp -d)
	if make -C build-test install DESTDIR="$stage" >build-test/install.out 2>&1 &&
	   [ -f "$stage/usr/local/lib/tapir-pop/tapir-pop.so" ] &&
	   [ -x "$stage/usr/local/sbin/tapir-pop-control" ] &&
	   [ -f "$stage/usr/local/share/man/man5/tapir-pop.conf.5" ]; then
		echo "PASS: make install"
		pass=$((pass + 1))
	else
		echo "FAIL: make install"
		tail -n 20 build-test/install.out
		fail=$((fail + 1))
	fi
	rm -rf "$stage"
	log "make distcheck"
	if make -C build-test distcheck >build-test/distcheck.out 2>&1; then
		echo "PASS: distcheck"
		pass=$((pass + 1))
	else
		echo "FAIL: distcheck"
		tail -n 40 build-test/distcheck.out
		fail=$((fail + 1))
	fi
	[ $status -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
	echo "$pass passed, $fail failed, ${skip:-0} skipped"
	[ "$fail" -eq 0 ]
	;;
esac
