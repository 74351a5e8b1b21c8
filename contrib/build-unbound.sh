#!/bin/sh
# Build an Unbound with the dynlib module enabled, so that tapir-pop.so
# can be loaded into it.
#
#   sh contrib/build-unbound.sh                 Debian's own source package
#   sh contrib/build-unbound.sh unbound-X.tar.gz  an upstream release tarball
#
# Debian's packaged unbound is built without --with-dynlibmodule and cannot
# load us.  We therefore rebuild Debian's patched source (or an upstream
# release you have) with Debian's feature flags plus --with-dynlibmodule
# into a prefix.  The configured source tree is kept because the module
# compiles against its config.h and internal headers.
#
# The result is cached outside the checkout, keyed by the source version,
# the configure flags and, for a tarball, its checksum, so reruns take
# seconds.  On success the last line of output is the cache directory; it
# holds:
#   src/     the configured and built Unbound tree (--with-unbound-source)
#   prefix/  the installed Unbound (sbin/unbound, sbin/unbound-control ...)
#
# Environment:
#   TAPIR_POP_CACHE   cache root (default /var/cache/tapir-pop)
#   TAPIR_POP_NO_APT  set to 1 to skip apt-get (packages already present)
set -eu

cache_root=${TAPIR_POP_CACHE:-/var/cache/tapir-pop}
tarball=${1:-}

# Debian's flags (debian/rules of unbound 1.17.1-2), minus the Python module
# and pyunbound which need swig and do not change anything we compile against,
# plus the dynlib module.  --disable-flto keeps the exported symbols usable.
UNBOUND_FLAGS="--disable-rpath --with-libevent --enable-tfo-client \
--enable-tfo-server --enable-subnet --enable-dnstap --enable-systemd \
--with-libnghttp2 --with-chroot-dir= --with-dnstap-socket-path=/run/dnstap.sock \
--with-rootkey-file=/usr/share/dns/root.key --with-dynlibmodule"

log() { printf 'build-unbound: %s\n' "$*" >&2; }
. "$(dirname "$0")/unbound-source.sh"

run_apt() {
	[ "${TAPIR_POP_NO_APT:-0}" = 1 ] && return 0
	[ -n "$tarball" ] || ubsrc_add_deb_src
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		dpkg-dev bison flex libevent-dev libexpat1-dev libssl-dev \
		libnghttp2-dev libsystemd-dev libprotobuf-c-dev protobuf-c-compiler \
		nettle-dev pkg-config libtool autoconf automake make gcc >/dev/null
}

run_apt

if [ -n "$tarball" ]; then
	[ -f "$tarball" ] || { log "no such tarball: $tarball"; exit 1; }
	tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
	version=$(basename "$tarball" | sed -n 's/^unbound-\(.*\)\.tar\.gz$/\1/p')
	[ -n "$version" ] || { log "$tarball: expected unbound-VERSION.tar.gz"; exit 1; }
	key=$(printf '%s %s' "$UNBOUND_FLAGS" "$(sha256sum < "$tarball")" |
		sha256sum | cut -c1-12)
else
	version=$(ubsrc_version) || exit 1
	key=$(printf '%s' "$UNBOUND_FLAGS" | sha256sum | cut -c1-12)
fi
dir="$cache_root/unbound-$version-$key"

if [ -f "$dir/.complete" ]; then
	log "reusing cached Unbound $version in $dir"
	printf '%s\n' "$dir"
	exit 0
fi

log "building Unbound $version with dynlib into $dir"
rm -rf "$dir"
if [ -n "$tarball" ]; then
	mkdir -p "$dir/download"
	tar -xzf "$tarball" -C "$dir/download" || {
		log "cannot unpack $tarball"; exit 1; }
	srcdir=$(find "$dir/download" -maxdepth 1 -type d -name 'unbound-*' | head -n 1)
	[ -n "$srcdir" ] || { log "no unbound-* directory in $tarball"; exit 1; }
	mv "$srcdir" "$dir/src"
	rm -rf "$dir/download"
else
	ubsrc_fetch "$version" "$dir" || exit 1
fi
cd "$dir/src"
# shellcheck disable=SC2086
./configure --prefix="$dir/prefix" $UNBOUND_FLAGS \
	CFLAGS="-g -O2 -fno-omit-frame-pointer" >"$dir/configure.log" 2>&1 || {
	tail -n 30 "$dir/configure.log" >&2; log "configure failed"; exit 1; }
make -j"$(nproc)" >"$dir/make.log" 2>&1 || {
	tail -n 30 "$dir/make.log" >&2; log "make failed"; exit 1; }
make install >"$dir/install.log" 2>&1 || {
	tail -n 30 "$dir/install.log" >&2; log "make install failed"; exit 1; }
"$dir/prefix/sbin/unbound" -V | grep -q dynlibmod || {
	log "built unbound lacks dynlibmod"; exit 1; }
printf '%s\n%s\n' "$version" "$UNBOUND_FLAGS" > "$dir/.complete"
log "done: $dir"
printf '%s\n' "$dir"
