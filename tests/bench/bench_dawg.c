/*
 * tests/bench/bench_dawg.c - figures for the DAWG reader: open time,
 * exact and edm lookups per query, heap per open file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: bench_dawg FILE.dawg WORDS.txt   (e.g. DNS TAPIR's
 *        well-known-domains fixture); build without sanitizers.
 */
#include "tapir_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dawg/dawg.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct dawg d;
	char line[512], **words = NULL;
	size_t n = 0, cap = 0, i, r, runs = 2000;
	double t0, t1, *t = malloc(runs * sizeof(double));
	volatile int64_t sink = 0;
	FILE *f;
	int k;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_dawg FILE.dawg WORDS.txt\n");
		return 2;
	}
	if (!(f = fopen(argv[2], "r")))
		return 1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			words = realloc(words, cap * sizeof(*words));
		}
		words[n++] = strdup(line);
	}
	fclose(f);
	t0 = now_ns();
	if (dawg_open_file(&d, argv[1]) != DAWG_OK)
		return 1;
	t1 = now_ns();
	printf("%s: %llu words, %zu bytes (%.1f bytes/word)\n", argv[1],
		(unsigned long long)d.nwords, d.size,
		(double)d.size / (double)(d.nwords ? d.nwords : 1));
	printf("  open                %8.1f us, heap per file %zu bytes "
		"(the handle)\n", (t1 - t0) / 1e3, sizeof(d));
	for (k = 0; k < 2; k++) {
		size_t j = 0;
		for (r = 0; r < runs; r++) {
			double s = now_ns();
			for (i = 0; i < 100; i++, j = (j + 7919) % n) {
				if (k == 0) {
					sink += dawg_lookup(&d, words[j],
						strlen(words[j]));
				} else {
					int64_t idx;
					size_t at;
					sink += dawg_lookup_edm(&d, words[j],
						strlen(words[j]), &idx, &at);
				}
			}
			t[r] = (now_ns() - s) / 100;
		}
		qsort(t, runs, sizeof(double), cmp);
		printf("  %-19s median %5.0f ns   p99 %5.0f ns\n",
			k == 0 ? "exact lookup (hit)" : "edm lookup (hit)",
			t[runs / 2], t[runs * 99 / 100]);
	}
	dawg_close(&d);
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
	free(t);
	(void)sink;
	return 0;
}
