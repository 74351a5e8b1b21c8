/*
 * tests/bench/bench_dawg.c - figures for the DAWG reader and builder:
 * open time, memory per open file, exact and edm lookups per query (hits,
 * misses, subtree walks), build time.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: bench_dawg [FILE.dawg WORDS.txt NEGATIVES.txt]
 *        (default: DNS TAPIR's well-known-domains fixture under
 *        $top_srcdir); build without sanitizers.
 *
 * Each figure is the median and 99th percentile over batches of 100
 * queries taken in a scattered order, so the mapping is not walked in
 * cache-friendly sequence.
 */
#include "tapir_config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dawg/dawg.h"
#include "dawg/dawg_build.h"
#include "module/base/names.h"
#include "tests/bench/bench.h"

#define RUNS 3000
#define BATCH 100
#define OPENS 101

/* A name list: its text forms and canonical wire forms. */
struct names {
	char **text;
	uint8_t (*wire)[NAME_WIRE_MAX];
	size_t n;
};

static void
load(const char *path, const char *prefix, struct names *l)
{
	char line[1024];
	size_t cap = 0, wlen;
	FILE *f = fopen(path, "r");

	memset(l, 0, sizeof(*l));
	if (!f) {
		perror(path);
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		char buf[1100];
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, sizeof(buf), "%s%s", prefix, line);
		if (l->n == cap) {
			cap = cap ? cap * 2 : 1024;
			l->text = realloc(l->text, cap * sizeof(*l->text));
			l->wire = realloc(l->wire, cap * sizeof(*l->wire));
		}
		if (name_from_text(buf, strlen(buf), l->wire[l->n], &wlen) !=
		    NAME_OK)
			continue;
		l->text[l->n++] = strdup(buf);
	}
	fclose(f);
}

static void
unload(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->text[i]);
	free(l->text);
	free(l->wire);
}

enum kind { TEXT_EXACT, WIRE_EXACT, WIRE_EDM };

/* Keep only the names that miss in d: some negatives are relative forms
 * of listed names, which miss as text but hit once made absolute. */
static void
keep_misses(struct names *l, const struct dawg *d)
{
	struct dawg_result res;
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (dawg_lookup_wire_edm(d, l->wire[i], &res) != DAWG_MISS) {
			free(l->text[i]);
			continue;
		}
		l->text[n] = l->text[i];
		memcpy(l->wire[n], l->wire[i], sizeof(l->wire[n]));
		n++;
	}
	l->n = n;
}

/* Time one kind of lookup over a list; expect is how many must match. */
static void
measure(const char *label, const struct dawg *d, const struct names *l,
	enum kind k, int expect_hits)
{
	static double t[RUNS];
	size_t r, i, j = 0, hits = 0, total = 0;
	struct dawg_result res;

	for (r = 0; r < RUNS; r++) {
		double s = now_ns();
		for (i = 0; i < BATCH; i++, j = (j + 7919) % l->n) {
			int hit;
			if (k == TEXT_EXACT)
				hit = dawg_lookup(d, l->text[j],
					strlen(l->text[j])) >= 0;
			else if (k == WIRE_EXACT)
				hit = dawg_lookup_wire_exact(d, l->wire[j]) >= 0;
			else
				hit = dawg_lookup_wire_edm(d, l->wire[j], &res) !=
					DAWG_MISS;
			hits += (size_t)hit;
		}
		total += BATCH;
		t[r] = (now_ns() - s) / BATCH;
	}
	qsort(t, RUNS, sizeof(*t), cmp_double);
	printf("  %-34s median %5.0f ns   p99 %5.0f ns   (%s)\n", label,
		t[RUNS / 2], t[RUNS * 99 / 100],
		(expect_hits ? hits == total : hits == 0) ? "as expected" :
		"WRONG RESULTS");
}

static size_t
heap_in_use(void)
{
#ifdef __GLIBC__
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dflt[3][4096];
	const char *file = dflt[0], *wpath = dflt[1], *npath = dflt[2];
	struct names words, negs, below;
	struct dawg_words sub;
	struct dawg_input in = { DAWG_INPUT_WORDS, 0, 0 };
	struct dawg d, ds;
	double t0, t1, opens[OPENS];
	size_t heap0 = 0, heap1 = 0, i, len, dropped;
	uint8_t *built;

	snprintf(dflt[0], sizeof(dflt[0]),
		"%s/tests/fixtures/dawg/well-known-domains.dawg", top ? top : ".");
	snprintf(dflt[1], sizeof(dflt[1]),
		"%s/tests/fixtures/dawg/well-known-domains.words.txt",
		top ? top : ".");
	snprintf(dflt[2], sizeof(dflt[2]),
		"%s/tests/fixtures/dawg/well-known-domains.negatives.txt",
		top ? top : ".");
	if (argc == 4) {
		file = argv[1];
		wpath = argv[2];
		npath = argv[3];
	} else if (argc != 1) {
		fprintf(stderr, "usage: bench_dawg [FILE.dawg WORDS.txt "
			"NEGATIVES.txt]\n");
		return 2;
	}
	load(wpath, "", &words);
	load(npath, "", &negs);
	load(wpath, "x.y.", &below);

	/* Open and close repeatedly: the figure is the steady state, the
	 * file in the page cache. */
	for (i = 0; i < OPENS; i++) {
		heap0 = heap_in_use();
		t0 = now_ns();
		if (dawg_open_file(&d, file, NULL) != DAWG_OK) {
			fprintf(stderr, "%s: cannot open\n", file);
			return 1;
		}
		t1 = now_ns();
		heap1 = heap_in_use();
		opens[i] = t1 - t0;
		if (i + 1 < OPENS)
			dawg_close(&d);
	}
	qsort(opens, OPENS, sizeof(*opens), cmp_double);
	printf("%s\n  %llu words, %zu bytes (%.2f bytes/word)\n", file,
		(unsigned long long)d.nwords, d.size,
		(double)d.size / (double)(d.nwords ? d.nwords : 1));
	printf("  open (read a copy + header)        %8.1f us median\n",
		opens[OPENS / 2] / 1e3);
	/* The copy is a private mapping of the file's size, not heap. */
	printf("  memory per open file               %8zu bytes (the file's "
		"copy; %zu bytes of heap; handle of %zu bytes is the "
		"caller's)\n", d.size, heap1 - heap0, sizeof(d));

	keep_misses(&negs, &d);
	measure("exact, text, hits", &d, &words, TEXT_EXACT, 1);
	measure("exact, text, misses", &d, &negs, TEXT_EXACT, 0);
	measure("exact, wire, hits", &d, &words, WIRE_EXACT, 1);
	measure("exact, wire, misses", &d, &negs, WIRE_EXACT, 0);
	measure("edm, wire, hits", &d, &words, WIRE_EDM, 1);
	measure("edm, wire, misses", &d, &negs, WIRE_EDM, 0);

	/* Subtree walks need subtree words: the same names with a leading
	 * dot, queried two labels below them. */
	memset(&sub, 0, sizeof(sub));
	for (i = 0; i < words.n; i++) {
		char buf[1100];
		snprintf(buf, sizeof(buf), ".%s\n", words.text[i]);
		dawg_words_parse(&sub, buf, strlen(buf), &in, NULL);
	}
	dawg_words_sort(&sub, NULL, NULL, &dropped);
	t0 = now_ns();
	if (dawg_words_build(&sub, &built, &len, NULL) != DAWG_OK)
		return 1;
	t1 = now_ns();
	printf("  build of %zu subtree words          %8.1f ms (%zu bytes)\n",
		sub.n, (t1 - t0) / 1e6, len);
	dawg_open_buffer(&ds, built, len);
	measure("edm, wire, suffix hit 2 below", &ds, &below, WIRE_EDM, 1);
	keep_misses(&negs, &ds);
	measure("edm, wire, misses (with subtrees)", &ds, &negs, WIRE_EDM, 0);

	free(built);
	dawg_words_free(&sub);
	dawg_close(&d);
	unload(&words);
	unload(&negs);
	unload(&below);
	return 0;
}
