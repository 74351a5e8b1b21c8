/*
 * module/unbound/ub_cache.h - removing names from Unbound's caches.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Part of the Unbound adapter: includes Unbound's headers.  Only call
 * these from a worker thread inside operate(), never from our own threads
 * (Unbound may free the caches on reload before our deinit) and never
 * from an in-place callback (lock order).
 */
#ifndef TAPIR_UB_CACHE_H
#define TAPIR_UB_CACHE_H

#include "module/runtime/flushq.h"

struct module_env;

/**
 * Remove one name from the message and RRset caches, for the types a
 * client is likely to have cached (a pass over the caches finds the rest).  Removing an RRset also invalidates
 * every cached message that refers to it, so cached CNAME chains that end
 * at the name go too.  Remove, not expire: with serve-expired an expired
 * entry would still be served.
 */
void ub_cache_remove_name(struct module_env *env, uint8_t *name,
	size_t len);

/** The state of the pass over the caches that drains carry on. */
struct ub_cache_sweep;

/**
 * Create the pass state (no pass running).
 * @return it, or NULL when out of memory.
 */
struct ub_cache_sweep *ub_cache_sweep_create(void);

/**
 * Free the pass state; NULL is fine.
 */
void ub_cache_sweep_destroy(struct ub_cache_sweep *sw);

/**
 * Carry out a drain of the flush queue: the common types of a few names
 * at once, then one slice of the pass over both caches that removes
 * everything at or below the queued names (the whole cache when
 * work->flush_all says so).  Takes work->names.
 * @return 1 when the pass has more slices to go: ask for another drain.
 */
int ub_cache_drain(struct module_env *env, struct ub_cache_sweep *sw,
	struct flushq_work *work);

/**
 * Counters: passes completed, cache entries they removed.
 */
void ub_cache_sweep_stats(struct ub_cache_sweep *sw, uint64_t *passes,
	uint64_t *removed);

#endif /* TAPIR_UB_CACHE_H */
