/*
 * module/runtime/counters.c - the query counters: what the resolver's
 * workers decided, by action, by source and by rule.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/counters.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The totals are the workers' fields in the same order, so both are
 * added up as arrays of counters. */
#define TOTAL_FIELDS (sizeof(struct counters_totals) / sizeof(uint64_t))
_Static_assert(offsetof(struct counters_totals, source) ==
    offsetof(struct counters_worker, source), "counter layouts differ");
_Static_assert(sizeof(((struct counters_totals *)0)->source) ==
    sizeof(((struct counters_worker *)0)->source), "counter layouts differ");
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t),
    "atomic counters have another size");

struct counters *
counters_create(unsigned workers)
{
	struct counters *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->workers = workers ? workers : 1;
	c->w = aligned_alloc(64, c->workers * sizeof(*c->w));
	if (!c->w) {
		free(c);
		return NULL;
	}
	memset(c->w, 0, c->workers * sizeof(*c->w));
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
counters_destroy(struct counters *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->w);
	free(c);
}

/* The workers' sums. */
static void
sum_workers(const struct counters *c, struct counters_totals *t)
{
	uint64_t *out = (uint64_t *)t;
	unsigned i;
	size_t k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < c->workers; i++) {
		_Atomic uint64_t *in = (_Atomic uint64_t *)&c->w[i];
		for (k = 0; k < TOTAL_FIELDS; k++)
			out[k] += atomic_load_explicit(&in[k],
				memory_order_relaxed);
	}
}

/* The sums, with every source's carried totals. */
static void
totals(const struct counters *c, struct counters_totals *t)
{
	unsigned j, a;

	sum_workers(c, t);
	for (j = 0; j < POLICY_MAX_SOURCES; j++)
		for (a = 0; a < POLICY_ACTIONS; a++) {
			t->source[j].action[a] += c->carry[j].action[a] -
				c->base[j].action[a];
			t->source[j].monitor[a] += c->carry[j].monitor[a] -
				c->base[j].monitor[a];
		}
}

/* A monitor decision is an action of its own too, whatever it would
 * have done. */
static void
add_monitor_action(uint64_t *action, const uint64_t *monitor)
{
	unsigned a;

	action[POLICY_ACTION_MONITOR] = 0;
	for (a = 0; a < POLICY_ACTIONS; a++)
		action[POLICY_ACTION_MONITOR] += monitor[a];
}

void
counters_read(struct counters *c, int reset, struct counters_totals *out)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *r = (const uint64_t *)&c->reported;
	unsigned j;
	size_t k;

	pthread_mutex_lock(&c->lock);
	totals(c, out);
	add_monitor_action(out->action, out->monitor);
	for (j = 0; j < POLICY_MAX_SOURCES; j++)
		add_monitor_action(out->source[j].action,
			out->source[j].monitor);
	if (reset) {
		struct counters_totals now = *out;
		for (k = 0; k < TOTAL_FIELDS; k++)
			o[k] -= r[k];
		if (reset == 1)
			c->reported = now;
	}
	pthread_mutex_unlock(&c->lock);
}

void
counters_rekey(struct counters *c, const struct policy_store *old,
	const struct policy_store *fresh)
{
	struct counters_source carry[POLICY_MAX_SOURCES];
	struct counters_source reported[POLICY_MAX_SOURCES];
	struct counters_totals sums, t;
	unsigned j, n = (unsigned)policy_store_source_count(fresh);

	memset(carry, 0, sizeof(carry));
	memset(reported, 0, sizeof(reported));
	pthread_mutex_lock(&c->lock);
	sum_workers(c, &sums);
	totals(c, &t);
	for (j = 0; j < n && j < POLICY_MAX_SOURCES; j++) {
		int i = policy_source_find(old,
			policy_source_name(fresh, (int)j));
		if (i < 0 || i >= POLICY_MAX_SOURCES)
			continue;
		carry[j] = t.source[i];
		reported[j] = c->reported.source[i];
	}
	/* From here on an id counts for its source in fresh. */
	for (j = 0; j < POLICY_MAX_SOURCES; j++)
		c->base[j] = sums.source[j];
	memcpy(c->carry, carry, sizeof(carry));
	memcpy(c->reported.source, reported, sizeof(reported));
	pthread_mutex_unlock(&c->lock);
}
