#!/bin/sh
# tests/integration/test_rpz_diff.sh - differential test against Unbound's
# own RPZ: one generated policy zone, loaded (a) by Unbound's rpz: clause
# (from the zone file) and (b) by the module's RPZ source (AXFR with TSIG
# from a Knot DNS primary serving the same file), two Unbound instances
# with the same upstream (a local auth-zone) and the same validator and
# iterator (module-config "respip validator iterator", respip being what
# rpz: needs, against "dynlib validator iterator"); more than a thousand
# queries to both, compared per category.  A third Unbound follows the
# module's output (rpz: with primary: the module, module/output/) and
# must answer every query as the module does.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# What is compared: the rcode and the answer section, TTLs removed and
# records sorted.  For rpz-tcp-only names, the TC bit of the UDP answer
# (dig +ignore), and then the answer over TCP; for rpz-drop names only
# whether an answer came at all.
#
# Intended differences, normalised away here:
#  * TTLs: the module answers local data with its answer-ttl, Unbound with
#    the RPZ record's TTL (compared without TTLs).
#  * Authority and additional sections and EDNS options: Unbound puts the
#    policy zone's SOA in the authority section, the module a SOA of its
#    own ("tapir-pop."); EDE codes differ (not compared).
#  * Header flags other than TC (AA, RA: Unbound clears RA on RPZ
#    NXDOMAIN unless rpz-signal-nxdomain-ra is set; not compared).
# Not generated, because the implementations disagree by design:
#  * A name below an exact trigger inside a wildcard's subtree (owners
#    "*.w.zone." and "x.w.zone.", query "y.x.w."): Unbound looks the
#    wildcard up at the closest encloser the policy zone has, x.w., so
#    *.w. does not apply; the module's "*.w." covers everything below w.
#    (DESIGN: an exact entry beats a subtree entry, it does not hide it).
#    rpz_diff_gen.awk keeps exact triggers out of wildcard subtrees.
. "$top_srcdir/tests/integration/lib.sh"
require_unbound
LC_ALL=C
export LC_ALL
command -v knotd >/dev/null && command -v knotc >/dev/null ||
	skip_all "Knot DNS (knotd, knotc) not installed"

D=$T_DIR
KPORT=$(free_port)
NPORT=$(free_port)
SECRET=$(head -c 32 /dev/urandom | base64)
OPORT=$(free_port)
mkdir -p "$D/knot" "$D/ref" "$D/mod" "$D/gen" "$D/fol"

awk -v OUT="$D/gen" -f "$top_srcdir/tests/integration/rpz_diff_gen.awk" ||
	{ not_ok "generate the zones"; finish; }
{
	printf '$ORIGIN rpz.test.\n$TTL 60\n'
	printf '@ SOA ns.rpz.test. host.rpz.test. 1 3600 600 86400 60\n'
	printf '@ NS ns.rpz.test.\nns A 127.0.0.1\n'
	cat "$D/gen/rpz.body"
} > "$D/knot/rpz.test.zone"
cp "$D/knot/rpz.test.zone" "$D/ref/rpz.test.zone"
NQ=$(wc -l < "$D/gen/queries")

# diff_conf DIR PORT MODULES CLAUSE: lib.sh's unbound.conf with the
# generated upstream zone; the two instances differ only in module-config
# and the clause that brings the policy (dynlib comes with the module).
diff_conf() {
	UB_MODULES=$3
	UB_CLAUSES="$4
auth-zone:
	name: \"d.example.\"
	zonefile: \"$D/gen/up.zone\"
	for-upstream: yes
	for-downstream: no
	fallback-enabled: no"
	write_unbound_conf "$1" "$2"
	UB_MODULES="" UB_CLAUSES=""
}

RPORT=$(free_port)
diff_conf "$D/ref" "$RPORT" "respip validator iterator" "rpz:
	name: \"rpz.test.\"
	zonefile: \"$D/ref/rpz.test.zone\""
MPORT=$(free_port)
diff_conf "$D/mod" "$MPORT" "dynlib validator iterator" ""
cat > "$D/mod/tapir-pop.conf" <<EOF2
source:
    name: diff-rpz
    list: denylist
    type: rpz
    zone: rpz.test.
    primary: 127.0.0.1@$KPORT
    tsig-key: tkey
    tsig-secret: "$SECRET"
    notify-listen: 127.0.0.1@$NPORT
output:
    name: out
    zone: out.test.
    listen: 127.0.0.1@$OPORT
EOF2
FPORT=$(free_port)
diff_conf "$D/fol" "$FPORT" "respip validator iterator" "rpz:
	name: \"out.test.\"
	primary: 127.0.0.1@$OPORT"
write_knot_conf "$D" "$KPORT" "$NPORT" "$SECRET" rpz.test

start_knot "$D" "$KPORT" rpz.test ||
	{ not_ok "knotd starts"; sed 's/^/# /' "$D/knot.log"; finish; }
start_unbound "$D/ref" "$RPORT" ||
	{ not_ok "reference unbound starts"; sed 's/^/# /' "$D/ref/unbound.log"; finish; }
REF_PID=$UB_PID
start_unbound "$D/mod" "$MPORT" ||
	{ not_ok "module unbound starts"; sed 's/^/# /' "$D/mod/unbound.log"; finish; }
MOD_PID=$UB_PID
check "the module applied the zone by AXFR" \
	wait_for 20 grep -q "source diff-rpz: zone rpz.test. serial 1 applied by AXFR" \
	"$D/mod/unbound.log"
check "Unbound's rpz: loaded the zone" \
	wait_for 10 rcode_is "$RPORT" nx1.d.example A NXDOMAIN
check "the module's output serves the policy" \
	wait_for 20 grep -q "output out: zone out.test. serial" "$D/mod/unbound.log"
start_unbound "$D/fol" "$FPORT" ||
	{ not_ok "follower unbound starts"; sed 's/^/# /' "$D/fol/unbound.log"; finish; }
FOL_PID=$UB_PID
check "an Unbound rpz: with primary: the module transfers it" \
	wait_for 20 rcode_is "$FPORT" nx1.d.example A NXDOMAIN

# normalise: dig output (+cmd +comments +answer, batch or not) on stdin,
# one line per query: "NAME TYPE <tab> rcode tc=0|1 <tab> sorted answer".
# A query without an answer reads "no-answer".
normalise() {
	awk '
	function out() {
		if (q == "")
			return
		if (rc == "")
			rc = "no-answer"
		sort_answer()
		printf "%s\t%s tc=%d\t%s\n", q, rc, tc, ans
	}
	function sort_answer(   i, j, t) {
		for (i = 2; i <= na; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		ans = ""
		for (i = 1; i <= na; i++)
			ans = ans (i > 1 ? " | " : "") a[i]
	}
	/^; <<>> DiG .* <<>> / {
		out()
		sub(/^; <<>> DiG .* <<>> /, "")
		q = toupper($(NF - 1)) " " toupper($NF)
		rc = ""; tc = 0; na = 0
		next
	}
	/^;; ->>HEADER<<-/ {
		rc = $6; sub(/,$/, "", rc)
		next
	}
	/^;; flags:/ {
		f = $0; sub(/;.*flags:/, "", f); sub(/;.*/, "", f)
		tc = (f ~ / tc( |$)/)
		next
	}
	/^;/ || /^$/ { next }
	{
		line = tolower($1) " " $3 " " $4
		for (i = 5; i <= NF; i++)
			line = line " " $i
		a[++na] = line
	}
	END { out() }'
}

# ask PORT OUTFILE: every query, normalised.
ask() {
	dig -p "$1" @127.0.0.1 +tries=1 +time=5 +noall +cmd +comments \
		+answer -f "$D/gen/normal.batch" 2>/dev/null | normalise > "$2.tmp"
	dig -p "$1" @127.0.0.1 +tries=1 +time=5 +ignore +noall +cmd +comments \
		+answer -f "$D/gen/tc.batch" 2>/dev/null | normalise |
		sed 's/^/UDP:/' >> "$2.tmp"
	dig -p "$1" @127.0.0.1 +tries=1 +time=5 +tcp +noall +cmd +comments \
		+answer -f "$D/gen/tc.batch" 2>/dev/null | normalise |
		sed 's/^/TCP:/' >> "$2.tmp"
	# Each dropped query waits out its timeout: ask them all at once.
	pids=""
	while read -r n t; do
		dig -p "$1" @127.0.0.1 +tries=1 +time=2 +noall +cmd +comments \
			+answer "$n" "$t" 2>/dev/null | normalise > "$2.drop.$n.$t" &
		pids="$pids $!"
	done < "$D/gen/drop.batch"
	for p in $pids; do
		wait "$p"
	done
	cat "$2".drop.* >> "$2.tmp"
	mv "$2.tmp" "$2"
}

# The query lists: drop and tcp-only queries are asked in their own way.
awk '$1 == "drop" { print $2, $3 > D "/drop.batch"; next }
	$1 ~ /tcp-only/ { print $2, $3 > D "/tc.batch"; next }
	{ print $2, $3 > D "/normal.batch" }' D="$D/gen" "$D/gen/queries"
# CATEGORY <tab> KEY: which category each compared line belongs to.
awk '{ k = toupper($2) " " toupper($3) }
	$1 ~ /tcp-only/ { print $1 "\tUDP:" k; print $1 "-over-tcp\tTCP:" k; next }
	{ print $1 "\t" k }' "$D/gen/queries" > "$D/gen/cats"

(ask "$RPORT" "$D/ref.out") &
ask_pid=$!
(ask "$FPORT" "$D/fol.out") &
fol_pid=$!
(ask "$MPORT" "$D/mod.out")
wait "$ask_pid"
wait "$fol_pid"
n_fol=$(wc -l < "$D/mod.out")
diff "$D/mod.out" "$D/fol.out" > "$D/fol.diff"
check "the follower of the output answers all $n_fol queries as the module" \
	test ! -s "$D/fol.diff" -a "$n_fol" -ge 1000
head -20 "$D/fol.diff" | sed 's/^/# /'

# CATEGORY <tab> KEY <tab> REF RESULT <tab> MODULE RESULT, per query.
awk -F '	' 'FILENAME == ARGV[1] { ref[$1] = $2 "\t" $3; next }
	FILENAME == ARGV[2] { mod[$1] = $2 "\t" $3; next }
	{ print $1 "\t" $2 "\t" ($2 in ref ? ref[$2] : "MISSING\t") "\t" \
		($2 in mod ? mod[$2] : "MISSING\t") }' \
	"$D/ref.out" "$D/mod.out" "$D/gen/cats" > "$D/cmp"
total=0
bad=0
for cat in $(cut -f 1 "$D/cmp" | sort -u); do
	n=$(awk -F '	' -v c="$cat" '$1 == c' "$D/cmp" | wc -l)
	m=$(awk -F '	' -v c="$cat" '$1 == c && ($3 != $5 || $4 != $6 || $3 == "MISSING")' \
		"$D/cmp")
	total=$((total + n))
	k=0
	[ -z "$m" ] || k=$(echo "$m" | wc -l)
	if [ "$k" -eq 0 ]; then
		ok "$cat: $n queries answered alike"
	else
		bad=$((bad + k))
		not_ok "$cat: $k of $n queries differ"
	fi
	# Every mismatch, by name.
	echo "$m" | grep . | awk -F '	' '{
		printf "#   %s\n#     unbound rpz: %s  %s\n#     module:      %s  %s\n",
			$2, $3, $4, $5, $6 }'
done
check "$total answers compared ($NQ queries), $bad differ" \
	test "$bad" -eq 0 -a "$total" -ge 1000

# Answers alike are only worth something if the reference applied the
# policy: what Unbound's RPZ must answer, per category and type: rcode,
# TC, and an answer section that is empty ("none"), the upstream's
# ("up"), the policy's local data ("policy") or the RPZ CNAME ("cname").
awk -F '	' '
	function want(r, t, a,   up) {
		up = ($4 ~ /192\.0\.2\.|2001:db8::|2001:db8:1::|"(up|below) /)
		if ($3 != r " tc=" t || (a == "none" && $4 != "") ||
		    (a == "up" && !up) || (a == "policy" && ($4 == "" || up)) ||
		    (a == "cname" && $4 !~ /IN CNAME tgt/)) {
			printf "#   %s %s: %s  %s (want %s %s)\n", $1, $2, $3, $4, r, a
			bad++
		}
	}
	{ type = $2; sub(/.* /, "", type) }
	$1 ~ /nxdomain/ { want("NXDOMAIN", 0, "none"); next }
	$1 ~ /nodata/ { want("NOERROR", 0, "none"); next }
	$1 ~ /^(wild-)?tcp-only$/ { want("NOERROR", 1, "none"); next }
	$1 == "drop" { want("no-answer", 0, "none"); next }
	$1 ~ /local-cname/ { want("NOERROR", 0, "cname"); next }
	$1 ~ /local-/ {
		has = ($1 ~ /local-a(-|$)/ && type == "A") ||
			($1 ~ /aaaa/ && type == "AAAA")
		want("NOERROR", 0, has ? "policy" : "none")
		next
	}
	$1 == "wild-apex" && $2 ~ /WPT.*WPX/ { want("NXDOMAIN", 0, "none"); next }
	{ want("NOERROR", 0, "up") }
	END { exit bad > 0 }' "$D/cmp" > "$D/sanity" 2>&1
check "Unbound's RPZ answers every category as expected (the setup works)" \
	test ! -s "$D/sanity"
head -20 "$D/sanity"

stop_pid "$FOL_PID"
stop_pid "$MOD_PID"
stop_pid "$REF_PID"
check "no sanitizer reports" test -z "$(sanitizer_reports "$D/mod")"
sanitizer_reports "$D/mod" | head -40 | sed 's/^/# /'
finish
