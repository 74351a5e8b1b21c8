#!/bin/sh
# tests/fuzz/run.sh - build and run every libFuzzer target.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: run.sh [--smoke] [--time SECONDS] [--runs N] [TARGET...]
#
# Each tests/fuzz/fuzz_NAME.c names what it links in two header lines:
#   /* fuzz-sources: path/a.c path/b.c dir/ */   (relative to the source
#   tree; "dir/" is every .c file below dir, so a new feed folder is in)
#   /* fuzz-libs: -lfoo */
# It is built with clang -fsanitize=fuzzer,address,undefined and run on
# its seed corpus tests/fuzz/corpus/NAME/ (copied, so runs do not grow the
# tree).  Output is TAP, one line per target; a crash, leak or sanitizer
# report fails it and leaves the reproducer in the work directory.
#
# Environment: top_srcdir, top_builddir (default: the tree of this script
# and the current directory), CC_FUZZ (default clang).
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
cc=${CC_FUZZ:-clang}
time_limit=60
runs=""
targets=""

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) time_limit=10 ;;
	--time) time_limit=$2; shift ;;
	--runs) runs=$2; shift ;;
	*) targets="$targets $1" ;;
	esac
	shift
done
if [ -z "$targets" ]; then
	for f in "$srcdir"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		targets="$targets ${n#fuzz_}"
	done
fi

if ! command -v "$cc" >/dev/null; then
	echo "1..0 # SKIP $cc not installed"
	exit 0
fi

work="$builddir/tests/fuzz/work"
mkdir -p "$work"
num=0
failed=0
for t in $targets; do
	num=$((num + 1))
	src="$srcdir/tests/fuzz/fuzz_$t.c"
	sources=$(sed -n 's|^/\* fuzz-sources: \(.*\) \*/$|\1|p' "$src")
	libs=$(sed -n 's|^/\* fuzz-libs: *\(.*\) *\*/$|\1|p' "$src")
	paths=""
	for s in $sources; do
		case $s in
		*/) paths="$paths $(find "$srcdir/$s" -name '*.c' | sort)" ;;
		*) paths="$paths $srcdir/$s" ;;
		esac
	done
	bin="$work/fuzz_$t"
	# shellcheck disable=SC2086
	if ! "$cc" -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -I"$srcdir" -I"$builddir" \
	    $(pkg-config --cflags jansson 2>/dev/null) \
	    -o "$bin" "$src" $paths $libs >"$work/$t.build.log" 2>&1; then
		echo "not ok $num - fuzz_$t builds"
		sed 's/^/# /' "$work/$t.build.log" | head -30
		failed=$((failed + 1))
		continue
	fi
	corpus="$work/corpus-$t"
	rm -rf "$corpus"
	mkdir -p "$corpus"
	if [ -d "$srcdir/tests/fuzz/corpus/$t" ]; then
		cp "$srcdir/tests/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	fi
	limit="-max_total_time=$time_limit"
	[ -n "$runs" ] && limit="-runs=$runs"
	if (cd "$work" && "$bin" $limit -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 "$corpus") >"$work/$t.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
		echo "ok $num - fuzz_$t: ${execs:-?} executions, no crash"
	else
		echo "not ok $num - fuzz_$t found a crash"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' \
			"$work/$t.log" | head -20 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$num"
[ "$failed" -eq 0 ]
