# tests/bench/bench-env.sh - sourced by the bench scripts that take a
# build directory as their first argument: the environment the
# integration tests' lib.sh expects, for a build meant for figures.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Before sourcing, the script sets top_srcdir and USAGE (its arguments,
# for the usage line).  Afterwards top_builddir and UNBOUND_SBIN are set
# and exported, and lib.sh is loaded.  A sanitizer build is refused: its
# figures would measure the sanitizer.

[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR $USAGE" >&2; exit 2; }
top_builddir=$(cd "$1" && pwd) || exit 2
UNBOUND_SBIN=${UNBOUND_SBIN:-$(sed -n 's/^UNBOUND_SBIN = //p' "$top_builddir/Makefile")}
if [ -n "$(sed -n 's/^SAN_LIBASAN = //p' "$top_builddir/Makefile")" ]; then
	echo "$1 is built with sanitizers; configure a build without them" >&2
	exit 2
fi
SAN_LIBASAN=
export top_srcdir top_builddir UNBOUND_SBIN SAN_LIBASAN
. "$top_srcdir/tests/integration/lib.sh"
