/*
 * module/runtime/flushq.h - names to remove from Unbound's caches.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Unbound answers cache hits in the worker before any module runs, so a
 * name that becomes blocked must be removed from its caches.  Feed threads
 * must not touch the caches themselves: on reload Unbound may free and
 * rebuild them before our deinit stops the feeds.  So feeds queue names
 * here, and a worker thread removes them inside operate(), where cache
 * access is always safe.
 *
 * A worker only runs operate() for cache misses, and a cache hit is what
 * we want to stop, so the queue's own thread sends the resolver a query
 * for a private name (the "nudge") that only this module answers: the
 * worker that receives it drains the queue before answering.  The nudge is
 * resent until a drain has happened, so a lost UDP packet delays a flush
 * but never loses it.
 */
#ifndef TAPIR_FLUSHQ_H
#define TAPIR_FLUSHQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "module/base/names.h"
#include "module/base/nameset.h"

struct flushq;

/** What a drain must do. */
struct flushq_work {
	/** The names queued since the last drain, owned by the caller of
	 *  flushq_take(); NULL when none. */
	struct nameset *names;
	/** Set when the whole cache must go (the root's subtree was
	 *  queued, or memory ran out while queueing). */
	int flush_all;
};

/**
 * Create the queue and start its nudge thread.
 * @param resolver: an address the resolver answers queries on.
 * @param addrlen: length of resolver.
 * @param nudge: the private query name (canonical wire) the module answers.
 * @return the queue or NULL (out of memory, no socket, no thread).
 */
struct flushq *flushq_create(const struct sockaddr *resolver,
	socklen_t addrlen, const uint8_t *nudge);

/**
 * Queue a name; called by feed threads (policy_changed_fn-compatible when
 * wrapped).  The root with subtree set asks for the whole cache.  Wakes
 * the nudge thread.
 */
void flushq_push(struct flushq *q, const uint8_t *name, int subtree);

/**
 * Whether anything is queued: a plain atomic load, cheap enough for
 * every query.
 */
int flushq_pending(struct flushq *q);

/**
 * Take everything queued (the caller frees work->names with
 * nameset_destroy()), and let the nudge thread know a drain happened.
 */
void flushq_take(struct flushq *q, struct flushq_work *work);

/**
 * The drain left work for later (a pass over the caches goes in slices):
 * nudge again, even with nothing new queued.
 */
void flushq_again(struct flushq *q);

/**
 * Counters: names queued, drains done, nudges sent, full flushes.
 */
void flushq_stats(struct flushq *q, uint64_t *queued, uint64_t *drains,
	uint64_t *nudges, uint64_t *full);

/**
 * Stop the nudge thread and free the queue; NULL is fine.
 */
void flushq_destroy(struct flushq *q);

#endif /* TAPIR_FLUSHQ_H */
