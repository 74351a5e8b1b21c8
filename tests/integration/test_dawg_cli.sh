#!/bin/sh
# tests/integration/test_dawg_cli.sh - tapir-pop-dawg as an operator uses
# it: compile DNS TAPIR's word lists back into their reference files byte
# for byte, list them, look names up.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"

TOOL="$top_builddir/dawg/tapir-pop-dawg"
FIX="$top_srcdir/tests/fixtures/dawg"
D=$T_DIR
[ -x "$TOOL" ] || skip_all "tapir-pop-dawg not built"

for f in tiny tiny-suffix well-known-domains; do
	check "compile $f.words.txt reproduces $f.dawg byte for byte" \
		sh -c '"$1" compile --format text "$2/$3.words.txt" "$4/$3.dawg" 2>/dev/null && cmp -s "$4/$3.dawg" "$2/$3.dawg"' - "$TOOL" "$FIX" "$f" "$D"
	check "list $f.dawg gives its word list" \
		sh -c '"$1" list "$2/$3.dawg" | cmp -s - "$2/$3.words.txt"' - "$TOOL" "$FIX" "$f"
done
printf 'rank,domain\n1,Example.COM\n2,example.net\n3,example.com.\n' > "$D/in.csv"
check "compile --format csv takes column 2, folds case, drops duplicates" \
	sh -c '"$1" compile --format csv "$2/in.csv" "$2/csv.dawg" 2>"$2/warn" && [ "$("$1" list "$2/csv.dawg" | tr "\n" " ")" = "example.com. example.net. " ] && grep -qi duplicate "$2/warn"' - "$TOOL" "$D"
check "lookup reports a word's index and match" \
	sh -c '[ "$("$1" lookup "$2/tiny.dawg" a.root-servers.net.)" = "$(printf "a.root-servers.net.\t2\texact")" ]' - "$TOOL" "$FIX"
check "lookup reports a miss" \
	sh -c '"$1" lookup "$2/tiny.dawg" nowhere.example. | grep -q "miss"' - "$TOOL" "$FIX"
check "a corrupt file is an error, not a crash" \
	sh -c 'head -c 40 "$2/tiny.dawg" > "$3/bad.dawg"; ! "$1" list "$3/bad.dawg" >/dev/null 2>&1' - "$TOOL" "$FIX" "$D"
finish
