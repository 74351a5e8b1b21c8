#!/bin/sh
# contrib/build-packages.sh OUTDIR - build the Debian packages an operator
# installs: Debian's own unbound rebuilt with the dynlib module, and
# tapir-pop compiled against that very build.  Run as root on Debian 12.
# contrib/build-packages.sh --unbound-only: only build (or find) the cached
# Unbound packages and print their directory (setup.sh does this before
# the test suite, so that the suite's package test does not build Unbound
# in parallel with the other tests).
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Unbound: Debian's source package (apt-get source), unchanged but for
# --with-dynlibmodule on the daemon's configure line and a changelog entry
# with the local version suffix +tapirpop1.  Everything else (unit,
# AppArmor profile, helper scripts, conffiles, the python module, the
# sibling packages) is Debian's.  Its build is cached outside the checkout,
# keyed by the source version and our changes, with the configured tree
# the daemon was built from (b/unbound): tapir-pop compiles against its
# config.h, so the module's identity check accepts the packaged binary.
#
# tapir-pop: this tree (git's files, or a dist tree), with the debian/
# directory from contrib/debian, built by `make install DESTDIR`.
#
# OUTDIR receives every .deb and lintian.txt; the command fails when
# lintian reports an error on the unbound or the tapir-pop package.
#
# Environment:
#   TAPIR_POP_CACHE    cache root (default /var/cache/tapir-pop)
#   TAPIR_POP_NO_APT   1: install nothing (build dependencies present)
#   DEBFULLNAME, DEBEMAIL  who the changelog entries name
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: sh contrib/build-packages.sh OUTDIR|--unbound-only" >&2; exit 2; }
if [ "$1" != --unbound-only ]; then
	mkdir -p "$1"
	out=$(cd "$1" && pwd)
fi
cache_root=${TAPIR_POP_CACHE:-/var/cache/tapir-pop}
jobs=$(nproc)

# What we change in Debian's unbound, and so what its cache is keyed by:
# the version suffix, the daemon's configure flag, and a dependency
# dropped: lsb-base is an empty transitional package in Debian 12 (its
# init-functions are in sysvinit-utils, which is essential), and
# lintian reports a dependency on it as an error.
UNBOUND_SUFFIX=+tapirpop1
UNBOUND_FLAGS=--with-dynlibmodule
UNBOUND_DROP_DEPENDS=lsb-base

log() { printf 'build-packages: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
. "$top/contrib/unbound-source.sh"

who="${DEBFULLNAME:-tapir-pop package build} <${DEBEMAIL:-tapir-pop@build.invalid}>"

# apt_install PACKAGE...: install what is missing (nothing with NO_APT).
apt_install() {
	[ "${TAPIR_POP_NO_APT:-0}" = 1 ] && return 0
	ai_missing=""
	for ai_p; do
		dpkg-query -W -f='${Status}' "$ai_p" 2>/dev/null |
			grep -q "install ok installed" || ai_missing="$ai_missing $ai_p"
	done
	[ -z "$ai_missing" ] && return 0
	log "installing$ai_missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $ai_missing >/dev/null
}

# build_deps DIR: install DIR's Build-Depends unless they are there.
build_deps() {
	(cd "$1" && dpkg-checkbuilddeps >/dev/null 2>&1) && return 0
	[ "${TAPIR_POP_NO_APT:-0}" = 1 ] &&
		die "build dependencies of $1 missing: $(cd "$1" && dpkg-checkbuilddeps 2>&1)"
	log "installing the build dependencies of $(basename "$1")"
	(cd "$1" && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq \
		--no-install-recommends ./ >/dev/null)
}

# changelog_entry SOURCE VERSION DIST TEXT: a debian/changelog entry.
changelog_entry() {
	printf '%s (%s) %s; urgency=medium\n\n  * %s\n\n -- %s  %s\n\n' \
		"$1" "$2" "$3" "$4" "$who" "$(date -R)"
}

# dpkg_build DIR LOG: binary packages from the source tree DIR, written
# beside it.  The environment is a clean one, as on Debian's builders: a
# python3, compiler or pkg-config of the user's (pyenv, /usr/local) in
# PATH would end up in the packages.
dpkg_build() {
	(cd "$1" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="${HOME:-/root}" \
		TMPDIR="${TMPDIR:-/tmp}" LC_ALL=C.UTF-8 \
		DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -b -uc -us >"$2" 2>&1) ||
		{ tail -n 40 "$2" >&2; die "dpkg-buildpackage in $1 failed (log: $2)"; }
}

# The Unbound package build, cached: prints its directory, which holds
# debs/ (every binary package) and src/ (the source, built; b/unbound is
# the daemon's configured tree, with the source's headers added to it).
unbound_package() {
	version=$(ubsrc_version)
	key=$(printf '%s %s -%s' "$UNBOUND_SUFFIX" "$UNBOUND_FLAGS" "$UNBOUND_DROP_DEPENDS" |
		sha256sum | cut -c1-12)
	dir="$cache_root/unbound-deb-$version-$key"
	if [ -f "$dir/.complete" ]; then
		log "reusing the Unbound packages in $dir"
		printf '%s\n' "$dir"
		return 0
	fi
	log "building Debian's unbound $version with $UNBOUND_FLAGS into $dir"
	rm -rf "$dir"
	ubsrc_fetch "$version" "$dir"
	src="$dir/src"
	# Only the daemon's configure line (b/unbound) gets the flag: the
	# second build is libunbound alone.
	sed -i "s|dh_auto_configure -Bb/unbound --|& $UNBOUND_FLAGS|" "$src/debian/rules"
	grep -q -- "-Bb/unbound -- $UNBOUND_FLAGS" "$src/debian/rules" ||
		die "debian/rules of unbound $version has no daemon configure line to add $UNBOUND_FLAGS to"
	sed -i "/^ $UNBOUND_DROP_DEPENDS\( (.*)\)\?,\$/d" "$src/debian/control"
	! grep -q "^ $UNBOUND_DROP_DEPENDS\b" "$src/debian/control" ||
		die "debian/control of unbound $version: could not drop $UNBOUND_DROP_DEPENDS"
	dist=$(cd "$src" && dpkg-parsechangelog -SDistribution)
	{ changelog_entry unbound "$version$UNBOUND_SUFFIX" "$dist" \
	"Local rebuild for tapir-pop: the daemon is configured with
    $UNBOUND_FLAGS, so that it can load tapir-pop's module; the
    dependency on $UNBOUND_DROP_DEPENDS, an empty transitional package, is dropped."
	  cat "$src/debian/changelog"; } > "$src/debian/changelog.new"
	mv "$src/debian/changelog.new" "$src/debian/changelog"
	build_deps "$src"
	dpkg_build "$src" "$dir/build.log"
	grep -q '^#define WITH_DYNLIBMODULE 1' "$src/b/unbound/config.h" ||
		die "the daemon's build lacks the dynlib module"
	# What the module checks when it loads: the tree's configure line is
	# in the packaged binary.
	cmdline=$(sed -n 's/^#define CONFCMDLINE "\(.*\)"$/\1/p' "$src/b/unbound/config.h")
	[ -n "$cmdline" ] && grep -qaF -- "$cmdline" "$src/debian/unbound/usr/sbin/unbound" ||
		die "the packaged unbound was not built from b/unbound's configure line"
	# tapir-pop compiles against b/unbound: config.h and what the build
	# generated are there, the headers are in the source.
	(cd "$src" && find . -path ./debian -prune -o -path ./b -prune \
		-o -path ./.pc -prune -o -name '*.h' -print | tar -cf - -T -) |
		tar -C "$src/b/unbound" --skip-old-files -xf -
	mkdir "$dir/debs"
	mv "$dir"/*.deb "$dir/debs/"
	printf '%s%s\n%s\n' "$version" "$UNBOUND_SUFFIX" "$UNBOUND_FLAGS" > "$dir/.complete"
	printf '%s\n' "$dir"
}

# copy_tree DEST: this tree's source files into DEST: what git tracks
# (with uncommitted changes) and new files it does not ignore; in a tree
# without git (a dist tarball), everything but build directories.
copy_tree() {
	mkdir -p "$1"
	if [ -d "$top/.git" ] || [ -f "$top/.git" ]; then
		(cd "$top" && git ls-files -z --cached --others --exclude-standard |
			tar --null --ignore-failed-read -cf - -T - 2>/dev/null) |
			tar -C "$1" -xf -
	else
		tar -C "$top" --exclude=./_build --exclude=./_inst \
			--exclude='./build*' -cf - . | tar -C "$1" -xf -
	fi
}

[ "$(id -u)" = 0 ] || die "run as root (apt-get, and the build cache in $cache_root)"
if [ "${TAPIR_POP_NO_APT:-0}" != 1 ]; then
	ubsrc_add_deb_src
	apt_install dpkg-dev debhelper lintian
fi

# One build of a cache entry at a time; a second run waits, then reuses it.
mkdir -p "$cache_root"
exec 9>"$cache_root/.build-packages.lock"
flock 9
ub_dir=$(unbound_package)
ub_version=$(sed -n 1p "$ub_dir/.complete")
if [ "$1" = --unbound-only ]; then
	printf '%s\n' "$ub_dir"
	exit 0
fi

tp_version=$(sed -n 's/^AC_INIT(\[tapir-pop\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ -n "$tp_version" ] || die "no version in configure.ac"
work=$(mktemp -d "${TMPDIR:-/tmp}/tapir-pop-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tp_src="$work/tapir-pop-$tp_version"
log "building tapir-pop $tp_version against unbound $ub_version"
copy_tree "$tp_src"
rm -rf "$tp_src/debian"
cp -R "$top/contrib/debian" "$tp_src/debian"
changelog_entry tapir-pop "$tp_version-1" bookworm \
	"Built from the tapir-pop tree against unbound $ub_version." \
	> "$tp_src/debian/changelog"
cat > "$tp_src/debian/unbound-build.mk" <<MK
# Written by contrib/build-packages.sh: the Unbound build to compile against.
UNBOUND_TREE = $ub_dir/src/b/unbound
UNBOUND_DEB_VERSION = $ub_version
MK
build_deps "$tp_src"
dpkg_build "$tp_src" "$out/tapir-pop-build.log"

rm -f "$out"/*.deb
cp "$ub_dir"/debs/*.deb "$work"/*.deb "$out/"

log "lintian"
lint_status=0
lintian --fail-on error "$out"/unbound_*.deb "$out"/tapir-pop_*.deb \
	>"$out/lintian.txt" 2>&1 || lint_status=$?
sed 's/^/  /' "$out/lintian.txt" >&2
[ $lint_status -eq 0 ] || die "lintian reports errors (exit $lint_status), see $out/lintian.txt"
log "done: $out"
ls "$out"/*.deb
