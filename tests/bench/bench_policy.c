/*
 * tests/bench/bench_policy.c - figures for the policy store: memory per
 * name, lookup time (hit, miss, parent walk), build time of a large
 * source, and how long a single-name update takes to become visible.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: bench_policy [N...]   (default: 100000 1000000)
 * Build without sanitizers (-O2) for meaningful numbers.  Peak memory is
 * the process's high-water mark (VmHWM, reset through clear_refs) above
 * its resident size before the operation.
 */
#include "tapir_config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "module/base/names.h"
#include "module/policy/policy.h"
#include "tests/bench/bench.h"

#define LOOKUPS 200000

/* MB the high-water mark rose above base. */
static double
peak_mb(long base)
{
	return (double)(status_kb("VmHWM") - base) / 1024.0;
}

/* Realistic names: 2-4 labels, mixed lengths, common TLDs. */
static void
make_name(unsigned long i, char *buf, size_t size)
{
	static const char *const tlds[] = { "com", "net", "org", "se", "de",
		"co.uk", "info", "xyz", "io", "nl" };
	static const char *const words[] = { "shop", "mail", "cdn", "login",
		"secure", "app", "api", "news", "update", "static" };
	unsigned long h = i * 2654435761UL;

	switch (h % 3) {
	case 0:
		snprintf(buf, size, "%s-%lx.%s", words[h % 10], i,
			tlds[(h >> 8) % 10]);
		break;
	case 1:
		snprintf(buf, size, "%s.example-%lu.%s", words[(h >> 4) % 10],
			i, tlds[(h >> 8) % 10]);
		break;
	default:
		snprintf(buf, size, "%s%lu.%s.d%lx.%s", words[h % 10], i % 97,
			words[(h >> 4) % 10], i, tlds[(h >> 8) % 10]);
	}
}

/* Median and p99 of the time per lookup, measured in runs of 100.  The
 * query names are read in order: in Unbound the name sits in the packet
 * just received, in cache; only the store's own memory is random. */
/* Names packed one after another, as a query stream would be. */
struct packed {
	uint8_t *buf;
	size_t *off, *len;
	size_t n, used;
};

static void
packed_init(struct packed *p, size_t n)
{
	p->buf = malloc(n * 64 + NAME_WIRE_MAX);
	p->off = malloc(n * sizeof(size_t));
	p->len = malloc(n * sizeof(size_t));
	p->n = 0;
	p->used = 0;
}

static void
packed_add(struct packed *p, const char *text)
{
	size_t len;

	if (name_from_text(text, strlen(text), p->buf + p->used, &len) != 0)
		len = 0;
	p->off[p->n] = p->used;
	p->len[p->n++] = len;
	p->used += len;
}

static void
packed_free(struct packed *p)
{
	free(p->buf);
	free(p->off);
	free(p->len);
}

static void
measure(struct policy_store *s, const struct packed *p, const char *what)
{
	enum { RUN = 100 };
	size_t runs = LOOKUPS / RUN, r, i, k = 0;
	double *t = malloc(runs * sizeof(double));
	struct policy_decision d;
	volatile int sink = 0;

	for (r = 0; r < runs; r++) {
		double start = now_ns();
		policy_read_begin(s, 0);
		for (i = 0; i < RUN; i++, k = (k + 1) % p->n)
			sink += policy_decide(s, p->buf + p->off[k], p->len[k],
				0, &d);
		policy_read_end(s, 0);
		t[r] = (now_ns() - start) / RUN;
	}
	qsort(t, runs, sizeof(double), cmp_double);
	printf("  lookup %-28s median %6.0f ns   p99 %6.0f ns\n", what,
		t[runs / 2], t[runs * 99 / 100]);
	free(t);
	(void)sink;
}

struct visibility {
	struct policy_store *s;
	uint8_t name[NAME_WIRE_MAX];
	size_t len;
	atomic_int go, seen, polling;
	double seen_at;
};

static void *
watcher(void *arg)
{
	struct visibility *v = arg;
	struct policy_decision d;

	while (!atomic_load(&v->go))
		;
	for (;;) {
		atomic_store(&v->polling, 1);
		policy_read_begin(v->s, 1);
		policy_decide(v->s, v->name, v->len, 0, &d);
		policy_read_end(v->s, 1);
		if (d.action != POLICY_ACTION_NONE) {
			v->seen_at = now_ns();
			atomic_store(&v->seen, 1);
			return NULL;
		}
	}
}

/* Update costs against a source of n names: single-name commits as MQTT
 * makes them, an IXFR-sized delta, and replace-alls (a reload with 1% of
 * the names changed, and one with every name new) with their peak
 * memory. */
static void
updates(struct policy_store *s, uint16_t src, size_t n,
	const struct packed *names)
{
	enum { SINGLES = 20000, IXFR = 10000 };
	struct policy_entry e = { 0 };
	struct packed fresh;
	struct policy_batch *b;
	double *t = malloc(SINGLES * sizeof(double)), t0, t1, all0;
	uint8_t wire[NAME_WIRE_MAX];
	char text[300];
	size_t i, wl;
	long base;

	all0 = now_ns();
	for (i = 0; i < SINGLES; i++) {
		snprintf(text, sizeof(text), "mqtt-%zu.update.example", i);
		name_from_text(text, strlen(text), wire, &wl);
		t0 = now_ns();
		b = policy_batch_begin(s, src, 0);
		policy_batch_put(b, wire, &e);
		policy_batch_commit(b, NULL, NULL);
		t[i] = now_ns() - t0;
	}
	t1 = now_ns();
	qsort(t, SINGLES, sizeof(double), cmp_double);
	printf("  %d single-name commits: %.0f/s, median %.1f us, p99 %.1f us,"
		" max %.1f ms\n", SINGLES, SINGLES / ((t1 - all0) / 1e9),
		t[SINGLES / 2] / 1e3, t[SINGLES * 99 / 100] / 1e3,
		t[SINGLES - 1] / 1e6);
	free(t);

	/* An IXFR: half new names, half removals of listed ones. */
	b = policy_batch_begin(s, src, 0);
	for (i = 0; i < IXFR; i++) {
		if (i % 2) {
			policy_batch_remove(b, names->buf +
				names->off[(i * 7919) % n], 0);
			continue;
		}
		snprintf(text, sizeof(text), "ixfr-%zu.zone.example", i);
		name_from_text(text, strlen(text), wire, &wl);
		policy_batch_put(b, wire, &e);
	}
	t0 = now_ns();
	policy_batch_commit(b, NULL, NULL);
	t1 = now_ns();
	printf("  %d-change delta (IXFR) commit     %8.1f ms\n", IXFR,
		(t1 - t0) / 1e6);

	/* A reload of the original list with 1% of the names dropped and
	 * as many new ones. */
	base = peak_start();
	t0 = now_ns();
	b = policy_batch_begin(s, src, 1);
	for (i = 0; i < n; i++) {
		if (i % 100 == 42) {
			snprintf(text, sizeof(text), "reload-%zu.example", i);
			name_from_text(text, strlen(text), wire, &wl);
			policy_batch_put(b, wire, &e);
		} else
			policy_batch_put(b, names->buf + names->off[i], &e);
	}
	policy_batch_commit(b, NULL, NULL);
	t1 = now_ns();
	printf("  replace-all, 1%% changed          %8.0f ms, peak +%.1f MB "
		"(store %.1f MB)\n", (t1 - t0) / 1e6, peak_mb(base),
		(double)policy_store_memory(s) / 1048576.0);

	/* Every name new (converted beforehand: only the store counts). */
	packed_init(&fresh, n);
	for (i = 0; i < n; i++) {
		make_name(3 * n + i, text, sizeof(text));
		packed_add(&fresh, text);
	}
	base = peak_start();
	t0 = now_ns();
	b = policy_batch_begin(s, src, 1);
	for (i = 0; i < n; i++)
		policy_batch_put(b, fresh.buf + fresh.off[i], &e);
	policy_batch_commit(b, NULL, NULL);
	t1 = now_ns();
	printf("  replace-all, all new              %8.0f ms, peak +%.1f MB "
		"(store %.1f MB)\n", (t1 - t0) / 1e6, peak_mb(base),
		(double)policy_store_memory(s) / 1048576.0);
	packed_free(&fresh);
}

static void
bench(size_t n)
{
	struct policy_rules rules;
	struct policy_store *s;
	struct policy_batch *b;
	struct policy_entry e = { 0 };
	struct packed names, miss, walk;
	char text[300];
	size_t i, mem;
	uint16_t src, subs;
	long rss0, rss1;
	double t0, t1;
	struct visibility vis;
	pthread_t tid;

	packed_init(&names, n);
	packed_init(&miss, LOOKUPS);
	packed_init(&walk, LOOKUPS);
	for (i = 0; i < n; i++) {
		make_name(i, text, sizeof(text));
		packed_add(&names, text);
	}
	for (i = 0; i < LOOKUPS; i++) {
		make_name(n + i, text, sizeof(text));
		packed_add(&miss, text);
		/* Three labels above a listed name: a parent walk that ends
		 * at a subdomains entry. */
		memcpy(text, "a.b.c.", 6);
		make_name((i * 7919) % n, text + 6, sizeof(text) - 6);
		packed_add(&walk, text);
	}
	policy_rules_default(&rules);
	rss0 = rss_kb();
	s = policy_store_create(&rules, 4);
	policy_source_add(s, "big", POLICY_LIST_DENY, 0, &src);
	policy_source_add(s, "subs", POLICY_LIST_DENY,
		POLICY_SOURCE_SUBDOMAINS, &subs);
	t0 = now_ns();
	b = policy_batch_begin(s, src, 1);
	for (i = 0; i < n; i++)
		policy_batch_put(b, names.buf + names.off[i], &e);
	policy_batch_commit(b, NULL, NULL);
	t1 = now_ns();
	mem = policy_store_memory(s);
	rss1 = rss_kb();
	printf("%zu names\n", n);
	printf("  build (put + commit + visible) %8.0f ms\n", (t1 - t0) / 1e6);
	printf("  store memory                   %8.1f bytes/name "
		"(RSS growth %.1f)\n", (double)mem / (double)n,
		(double)(rss1 - rss0) * 1024.0 / (double)n);
	measure(s, &names, "hit (exact)");
	measure(s, &miss, "miss");
	/* The same names in a subdomains source, the first one emptied:
	 * one source of n names, queried three labels below its entries. */
	b = policy_batch_begin(s, subs, 1);
	for (i = 0; i < n; i++)
		policy_batch_put(b, names.buf + names.off[i], &e);
	policy_batch_commit(b, NULL, NULL);
	policy_batch_commit(policy_batch_begin(s, src, 1), NULL, NULL);
	measure(s, &walk, "hit via 3-label parent walk");
	/* Both sources full: every query checks two sources of n names. */
	b = policy_batch_begin(s, src, 1);
	for (i = 0; i < n; i++)
		policy_batch_put(b, names.buf + names.off[i], &e);
	policy_batch_commit(b, NULL, NULL);
	measure(s, &walk, "parent walk, two sources");
	measure(s, &miss, "miss, two sources");

	updates(s, src, n, &names);

	/* One name added while a reader polls for it. */
	memset(&vis, 0, sizeof(vis));
	vis.s = s;
	name_from_text("fresh.update.example", 20, vis.name, &vis.len);
	pthread_create(&tid, NULL, watcher, &vis);
	atomic_store(&vis.go, 1);
	while (!atomic_load(&vis.polling))
		;
	t0 = now_ns();
	b = policy_batch_begin(s, src, 0);
	policy_batch_put(b, vis.name, &e);
	policy_batch_commit(b, NULL, NULL);
	t1 = now_ns();
	pthread_join(tid, NULL);
	printf("  single-name update: commit %.1f us, visible to a reader "
		"after %.1f us\n", (t1 - t0) / 1e3, (vis.seen_at - t0) / 1e3);
	policy_store_destroy(s);
	packed_free(&names);
	packed_free(&miss);
	packed_free(&walk);
}

int
main(int argc, char **argv)
{
	int i;

#ifdef __GLIBC__
	/* Large blocks from mmap, always: glibc otherwise raises the
	 * threshold after the first big free, and freed tables would stay
	 * in the heap and in the RSS the figures read. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	if (argc < 2) {
		bench(100000);
		bench(1000000);
		return 0;
	}
	for (i = 1; i < argc; i++)
		bench((size_t)strtoul(argv[i], NULL, 10));
	return 0;
}
