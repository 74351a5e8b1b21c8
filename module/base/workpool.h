/*
 * module/base/workpool.h - a few helper threads that share a loop with their
 * caller.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A fork and join, not a queue: workpool_run() hands out the indexes of
 * one loop to the helpers and the calling thread alike, and returns when
 * every index is done.  What the loop produces stays in the caller's
 * arrays, in the caller's order, so a feed can verify a burst of
 * messages on several cores and still apply them in arrival order.
 * Helpers are module threads (signals blocked, joined on destroy).
 */
#ifndef TAPIR_WORKPOOL_H
#define TAPIR_WORKPOOL_H

#include <stddef.h>

struct workpool;

/** The loop body: called once for each index, from any thread. */
typedef void (*workpool_fn)(void *arg, size_t index);

/**
 * Start a pool.
 * @param helpers threads besides the caller; 0 runs every loop on the
 *        calling thread.
 * @return the pool, or NULL (out of memory, or a thread did not start).
 */
struct workpool *workpool_create(unsigned helpers);

/**
 * Call fn(arg, i) for every i below n, spread over the helpers and the
 * calling thread; returns when all calls have returned.  One caller at a
 * time.
 */
void workpool_run(struct workpool *p, size_t n, workpool_fn fn, void *arg);

/**
 * Stop and join the helpers and free the pool; NULL is ignored.
 */
void workpool_destroy(struct workpool *p);

#endif /* TAPIR_WORKPOOL_H */
