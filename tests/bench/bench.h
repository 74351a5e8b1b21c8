/*
 * tests/bench/bench.h - what every bench program measures with: a
 * monotonic clock, a comparator for medians, the process's resident
 * memory and its high-water mark.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#ifndef TAPIR_BENCH_H
#define TAPIR_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/** Monotonic time in nanoseconds. */
static inline double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/** Monotonic time in seconds. */
static inline double
now_s(void)
{
	return now_ns() / 1e9;
}

/** qsort() comparator for doubles, ascending. */
static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/** A field of /proc/self/status in KiB (VmRSS, VmHWM); 0 if unknown. */
static inline long
status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(field);
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/** Resident memory in KiB. */
static inline long
rss_kb(void)
{
	return status_kb("VmRSS");
}

/** Start a peak measurement: reset the high-water mark (VmHWM) to the
 *  resident size (Linux 4.0+, "5" in clear_refs), and return that size.
 *  Read the peak later as status_kb("VmHWM"). */
static inline long
peak_start(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
	return rss_kb();
}

#endif /* TAPIR_BENCH_H */
