#!/bin/sh
# contrib/setup.sh - the two set-up commands of the README, on Debian 12.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
#   sh contrib/setup.sh demo   build everything, start the demo resolver
#   sh contrib/setup.sh test [unbound-X.tar.gz]
#                              build everything, run the whole test suite
#
# Both install the Debian packages they need (apt-get), build Unbound with
# the dynlib module from Debian's source (cached outside the checkout, see
# contrib/build-unbound.sh), and build tapir-pop against it.  The demo
# build is optimised; the test build uses AddressSanitizer and UBSan.
# Given an upstream Unbound release tarball (or TAPIR_POP_UNBOUND_TARBALL),
# the test command also builds that Unbound and tapir-pop against it, and
# runs the integration tests again there; the closing count sums both.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Everything the build, the tests and the demo use, from Debian 12; the
# last lines are for the package test (tests/integration/test_packages.sh):
# the package tools and the build dependencies of Debian's unbound.
PACKAGES="build-essential autoconf automake libtool pkg-config
	libcmocka-dev libjansson-dev libssl-dev libldns-dev libpaho-mqtt-dev libcurl4-openssl-dev
	libmicrohttpd-dev prometheus
	mosquitto mosquitto-clients knot nginx bind9
	dnsutils knot-dnsutils iproute2 clang libclang-rt-14-dev python3
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
	# The servers the tests run (mosquitto, knot, prometheus) must not
	# start as system services on their default ports when installed:
	# the tests start their own on loopback high ports.
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

# build DIR UNBOUND_DIR [configure args]: configure and build tapir-pop
# in DIR against the Unbound built in UNBOUND_DIR (build-unbound.sh's).
build() {
	dir=$1
	ub=$2
	shift 2
	if [ ! -x configure ] || [ configure.ac -nt configure ]; then
		log "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
	mkdir -p "$dir"
	stamp="$ub $*"
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$stamp" ]; then
		log "configure in $dir"
		(cd "$dir" && "$top/configure" --with-unbound-source="$ub/src" "$@" >configure.out) ||
			{ tail -n 30 "$dir/configure.out" 2>/dev/null; exit 1; }
		printf '%s' "$stamp" > "$dir/.configure-args"
	fi
	log "make in $dir"
	make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1 ||
		{ tail -n 40 "$dir/make.out"; exit 1; }
}

# check DIR [make arguments]: make check in DIR; adds its counts to
# pass, fail and skip, and shows the logs of what failed.
pass=0 fail=0 skip=0
check() {
	dir=$1
	shift
	status=0
	rm -f "$dir/test-suite.log"
	make -C "$dir" -j"$(nproc)" check "$@" >"$dir/check.out" 2>&1 || status=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|XFAIL):' "$dir/check.out" || true
	if [ $status -ne 0 ]; then
		for f in $(grep -lE '^(not ok|FAIL|ERROR)' $(find "$dir" -name '*.log' -path '*tests*') 2>/dev/null); do
			echo "---- $f"; tail -n 60 "$f"
		done
	fi
	count() { sed -n "s/^# $1: *//p" "$dir/test-suite.log" 2>/dev/null | head -n 1; }
	p=$(count PASS) f=$(count FAIL) e=$(count ERROR) x=$(count XPASS) s=$(count SKIP)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
	skip=$((skip + ${s:-0}))
	[ -f "$dir/test-suite.log" ] || fail=$((fail + 1))
	[ $status -eq 0 ] || [ "${f:-0}${e:-0}${x:-0}" != 000 ] || fail=$((fail + 1))
}

case "${1:-}" in
demo|test) ;;
*) echo "usage: sh contrib/setup.sh demo | test [unbound-X.tar.gz]" >&2; exit 2 ;;
esac
tarball=${2:-${TAPIR_POP_UNBOUND_TARBALL:-}}

install_packages
log "Unbound with dynlib (cached)"
UNBOUND_DIR=$(sh contrib/build-unbound.sh | tail -n 1)

case $1 in
demo)
	build build "$UNBOUND_DIR" CFLAGS="-O2 -g"
	exec sh contrib/demo/run-demo.sh "$top/build" "$UNBOUND_DIR/prefix/sbin"
	;;
test)
	# The package test builds tapir-pop's package; Unbound's (a Debian
	# build of several minutes, cached) is built here, before the tests.
	log "Unbound's Debian packages (cached)"
	sh contrib/build-packages.sh --unbound-only ||
		log "not built now; tests/integration/test_packages.sh will say why"
	build build-test "$UNBOUND_DIR" --enable-sanitizers CFLAGS="-O1 -g"
	log "make check (AddressSanitizer + UBSan), Unbound $(sed -n 1p "$UNBOUND_DIR/.complete")"
	check build-test
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
	if [ -n "$tarball" ]; then
		log "Unbound from $tarball (cached)"
		if upstream=$(sh contrib/build-unbound.sh "$tarball" | tail -n 1) &&
		   [ -f "$upstream/.complete" ]; then
			version=$(sed -n 1p "$upstream/.complete")
			if (build "build-test-$version" "$upstream" \
			    --enable-sanitizers CFLAGS="-O1 -g"); then
				log "integration tests again, Unbound $version"
				itests=$(make -s -C "build-test-$version" \
					print-integration-tests)
				check "build-test-$version" TESTS="$itests"
			else
				echo "FAIL: build tapir-pop against Unbound $version"
				fail=$((fail + 1))
			fi
		else
			echo "FAIL: build Unbound from $tarball"
			fail=$((fail + 1))
		fi
	fi
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	;;
esac
