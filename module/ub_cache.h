/*
 * module/ub_cache.h - removing names from Unbound's caches.
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

#include "module/flushq.h"

struct module_env;

/**
 * Remove one name from the message and RRset caches, for every type a
 * client is likely to have cached.  Removing an RRset also invalidates
 * every cached message that refers to it, so cached CNAME chains that end
 * at the name go too.  Remove, not expire: with serve-expired an expired
 * entry would still be served.
 */
void ub_cache_remove_name(struct module_env *env, uint8_t *name,
	size_t len);

/**
 * Carry out a drain of the flush queue: exact names one by one, subtree
 * names with one traversal of each cache, or everything on overflow.
 */
void ub_cache_flush(struct module_env *env, const struct flushq_work *work);

#endif /* TAPIR_UB_CACHE_H */
