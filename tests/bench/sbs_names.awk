# tests/bench/sbs_names.awk - deterministic, realistic-looking domain names
# for side-by-side.sh: n distinct names, one a line, in a shuffled order.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# usage: awk -v n=1000000 [-v seed=N] -f sbs_names.awk
#
# The generator is Park-Miller's minimal standard (exact in the doubles
# every awk uses), not rand(): mawk and gawk differ there, and the same
# seed must give the same names on every machine.  Names are built like
# those on real blocklists: a registrable name of two to four syllables,
# sometimes digits or a hyphenated word, under a skewed mix of TLDs, with
# one or two service labels (cdn, track, ads...) in front of 40% of them.
function rnd(m) {
	state = (16807 * state) % 2147483647
	return state % m
}
function word(k,    w, j) {
	w = ""
	for (j = 0; j < k; j++)
		w = w syl[rnd(nsyl)]
	return w
}
BEGIN {
	state = seed ? seed : 20260101
	nsyl = split("ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi " \
		"mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si " \
		"so su ta te ti to tu va ve vi vo za zo an en in on ex ix al " \
		"el ar er or ux str pro net web sys tech soft data link cloud " \
		"shop bet win max top geo zen", syl, " ")
	for (j = 1; j <= nsyl; j++)
		syl[j - 1] = syl[j]
	# TLDs by weight: com dominates, as on real lists.
	ntld = split("com com com com com com com com net net net org org " \
		"de de ru ru info xyz top io se nl fr it br cn online site " \
		"co.uk com.br club shop", tld, " ")
	nsvc = split("www cdn api ads track img static m app mail login " \
		"metrics pixel stats tag events s1 s2 edge go", svc, " ")
	count = 0
	while (count < n) {
		name = word(2 + rnd(3))
		if (rnd(5) == 0)
			name = name rnd(1000)
		if (rnd(10) == 0)
			name = name "-" word(2)
		name = name "." tld[1 + rnd(ntld)]
		r = rnd(10)
		if (r < 3)
			name = svc[1 + rnd(nsvc)] "." name
		else if (r < 4)
			name = word(1 + rnd(2)) "." svc[1 + rnd(nsvc)] "." name
		if (name in seen)
			continue
		seen[name] = 1
		print name
		count++
	}
}
