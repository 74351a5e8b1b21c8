#!/bin/sh
# tests/layers.sh - every #include of the project's own headers goes to
# the same folder or to a layer below, never up and never sideways
# between feed families.  The layers, bottom up (ARCHITECTURE.md):
#
#   0  module/base      names, logging, threads, files
#   1  module/policy    the store        dawg/   the DAWG reader
#   2  feeds            the feed interface (feeds/*.h)
#   3  feeds/file  feeds/rpz  feeds/tapir   (not one another)
#      module/output  the policy served by zone transfer
#   4  module/runtime   configuration, engine, control
#   5  module/unbound   the adapter: the only code with Unbound's headers
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
set -u
cd "${top_srcdir:-$(dirname "$0")/..}" || exit 1

# layer DIR: the rank of a folder, or nothing for one outside the layers.
layer() {
	case $1 in
	module/base) echo 0 ;;
	module/policy|dawg) echo 1 ;;
	feeds) echo 2 ;;
	feeds/file|feeds/rpz|feeds/tapir|module/output) echo 3 ;;
	module/runtime) echo 4 ;;
	module/unbound) echo 5 ;;
	esac
}

n=0 bad=0
for f in $(find module feeds dawg -name '*.[ch]' | sort); do
	from=$(dirname "$f")
	rf=$(layer "$from")
	if [ -z "$rf" ]; then
		bad=$((bad + 1))
		echo "# $f: in no layer (add its folder to tests/layers.sh)"
		continue
	fi
	for inc in $(sed -n 's/^#include "\([^"]*\/[^"]*\)"$/\1/p' "$f"); do
		to=$(dirname "$inc")
		rt=$(layer "$to")
		# Unbound's own headers (util/, services/ ...) belong to the
		# adapter alone.
		if [ -z "$rt" ]; then
			[ -f "$inc" ] && continue
			[ "$from" = module/unbound ] && continue
			echo "# $f includes $inc: Unbound's headers are for module/unbound only"
			bad=$((bad + 1))
			continue
		fi
		n=$((n + 1))
		[ "$to" = "$from" ] && continue
		[ "$rt" -lt "$rf" ] && continue
		echo "# $f (layer $rf) includes $inc (layer $rt): not below"
		bad=$((bad + 1))
	done
done
if [ "$bad" -eq 0 ]; then
	echo "ok 1 - $n includes of the project's headers, none up or sideways"
else
	echo "not ok 1 - $bad includes up, sideways or outside the layers"
fi
echo "1..1"
[ "$bad" -eq 0 ]
