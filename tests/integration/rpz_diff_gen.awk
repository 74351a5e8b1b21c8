# tests/integration/rpz_diff_gen.awk - the data of test_rpz_diff.sh.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Writes, deterministically, into the directory OUT (awk -v OUT=dir):
#   up.zone   the upstream zone d.example. (every base name has A, AAAA and
#             TXT, and so has everything below it, by upstream wildcards:
#             a query the policy does not catch always has an answer);
#   rpz.body  the policy records, owners relative to the RPZ apex;
#   queries   "CATEGORY NAME TYPE" lines, one per query.
# Names inside a wildcard subtree are never exact triggers themselves: see
# the note on Unbound's wildcard matching in test_rpz_diff.sh.
BEGIN {
	K = 25          # exact triggers per action
	W = 10          # wildcard owners per action
	DR = 10         # drop triggers (each query waits for a timeout)
	up = OUT "/up.zone"
	rpz = OUT "/rpz.body"
	q = OUT "/queries"
	printf "$ORIGIN d.example.\n$TTL 300\n" > up
	printf "@ SOA ns.d.example. host.d.example. 1 3600 600 86400 300\n" > up
	printf "@ NS ns\nns A 192.0.2.53\n" > up
	split("A AAAA TXT", T, " ")
	n = split("nx nd pt la l6 l46 lc tgt ms tc dr", B, " ")
	for (b = 1; b <= n; b++)
		for (i = 1; i <= K; i++)
			base(B[b] i)
	n = split("wnx wnd wla wl6 wlc wpt wtc wdr", B, " ")
	for (b = 1; b <= n; b++)
		for (i = 1; i <= W; i++)
			base(B[b] i)
	base("wpx")

	# Exact triggers, one of each action per i.  pt* sit below the
	# NXDOMAIN wildcard *.wpx, which their passthru exempts them from.
	for (i = 1; i <= K; i++) {
		rr("nx" i, "CNAME .")
		rr("nd" i, "CNAME *.")
		rr("pt" i ".wpx", "CNAME rpz-passthru.")
		rr("la" i, "A 198.51.100." i)
		rr("l6" i, "AAAA 2001:db8:6::" i)
		rr("l46" i, "A 198.51.100." i)
		rr("l46" i, "A 198.51.101." i)
		rr("l46" i, "AAAA 2001:db8:46::" i)
		rr("lc" i, "CNAME tgt" i ".d.example.")
		rr("tc" i, "CNAME rpz-tcp-only.")
		for (t = 1; t <= 3; t++) {
			qq("nxdomain", "nx" i, T[t])
			qq("nodata", "nd" i, T[t])
			qq("passthru", "pt" i ".wpx", T[t])
			qq("local-a", "la" i, T[t])
			qq("local-aaaa", "l6" i, T[t])
			qq("local-a-aaaa", "l46" i, T[t])
			qq("local-cname", "lc" i, T[t])
			qq("tcp-only", "tc" i, T[t])
			qq("miss", "ms" i, T[t])
			qq("below-exact", "x.nx" i, T[t])
		}
	}
	rr("*.wpx", "CNAME .")
	for (i = 1; i <= DR; i++) {
		rr("dr" i, "CNAME rpz-drop.")
		qq("drop", "dr" i, "A")
	}
	# Wildcard owners: queries one, two and three labels below, and at
	# the owner's parent, which a wildcard does not cover.
	for (i = 1; i <= W; i++) {
		rr("*.wnx" i, "CNAME .")
		rr("*.wnd" i, "CNAME *.")
		rr("*.wla" i, "A 203.0.113." i)
		rr("*.wl6" i, "AAAA 2001:db8:99::" i)
		rr("*.wlc" i, "CNAME tgt" i ".d.example.")
		rr("*.wpt" i ".wpx", "CNAME rpz-passthru.")
		rr("*.wtc" i, "CNAME rpz-tcp-only.")
		rr("*.wdr" i, "CNAME rpz-drop.")
		qq("drop", "a.b.wdr" i, "A")
		qq("wild-apex", "wdr" i, "A")
		for (t = 1; t <= 3; t++) {
			wq("wild-nxdomain", "wnx" i, T[t])
			wq("wild-nodata", "wnd" i, T[t])
			wq("wild-local-a", "wla" i, T[t])
			wq("wild-local-aaaa", "wl6" i, T[t])
			wq("wild-local-cname", "wlc" i, T[t])
			wq("wild-passthru", "wpt" i ".wpx", T[t])
			wq("wild-tcp-only", "wtc" i, T[t])
		}
	}
}

# An upstream name with its three types, and a subtree below it.
function base(x) {
	nb++
	printf "%s A 192.0.2.%d\n%s AAAA 2001:db8::%x\n", x, nb % 250 + 1, x, nb > up
	printf "%s TXT \"up %s\"\n", x, x > up
	printf "*.%s A 192.0.2.%d\n*.%s AAAA 2001:db8:1::%x\n", x, nb % 250 + 1, x, nb > up
	printf "*.%s TXT \"below %s\"\n", x, x > up
}

function rr(owner, data) {
	printf "%s.d.example %s\n", owner, data > rpz
}

function qq(cat, name, type) {
	printf "%s %s.d.example. %s\n", cat, name, type > q
}

# Queries at three depths below a wildcard owner's parent, and the parent.
function wq(cat, name, type) {
	qq(cat, "a." name, type)
	qq(cat, "b.c." name, type)
	qq(cat, "d.e.f." name, type)
	qq("wild-apex", name, type)
}
