/*
 * module/runtime/counters.h - the query counters: what the resolver's
 * workers decided, by action, by source and by rule.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Each Unbound worker counts in a block of its own, aligned so that no
 * two workers share a cache line, with a relaxed load and store: only
 * the owning worker writes its block, so the query path does no atomic
 * read-modify-write on shared data (ARCHITECTURE.md §3).  The control
 * thread (stats) and the metrics thread (/metrics) add the blocks up.
 *
 * Decisions are counted by the store's source id.  A reload builds a
 * new store whose ids may name other sources, so counters_rekey() then
 * carries every source's totals over to its new id, by name; a source
 * the new configuration no longer has is forgotten.  What stats reports
 * is counted from its last reset; /metrics never resets (Prometheus
 * counters only grow).
 */
#ifndef TAPIR_COUNTERS_H
#define TAPIR_COUNTERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "module/policy/policy.h"

/** One worker's counters; written by that worker only. */
struct counters_worker {
	/** Client queries judged. */
	_Atomic uint64_t judged;
	/** Decisions by action (the slot of POLICY_ACTION_MONITOR stays
	 *  zero: monitor decisions are counted below). */
	_Atomic uint64_t action[POLICY_ACTIONS];
	/** Monitor decisions, by the action they would have taken. */
	_Atomic uint64_t monitor[POLICY_ACTIONS];
	/** Decisions by rule. */
	_Atomic uint64_t rule[POLICY_RULES];
	/** Monitor decisions by rule. */
	_Atomic uint64_t monitor_rule[POLICY_RULES];
	/** Answers blocked through their CNAME chain. */
	_Atomic uint64_t cloaked;
	/** Upstream answers kept out of the cache. */
	_Atomic uint64_t uncached;
	/** Flush queue drains. */
	_Atomic uint64_t drains;
	/** By deciding source (store id): its decisions by action, and its
	 *  monitor decisions by the action they would have taken. */
	struct {
		/** Decisions by action. */
		_Atomic uint64_t action[POLICY_ACTIONS];
		/** Monitor decisions by the action they would have taken. */
		_Atomic uint64_t monitor[POLICY_ACTIONS];
	} source[POLICY_MAX_SOURCES];
} __attribute__((aligned(64)));

/** One source's totals. */
struct counters_source {
	/** Decisions it took, by action; [POLICY_ACTION_MONITOR] holds its
	 *  monitor decisions, whatever they would have done. */
	uint64_t action[POLICY_ACTIONS];
	/** Its monitor decisions by the action they would have taken. */
	uint64_t monitor[POLICY_ACTIONS];
};

/** Totals over every worker: the fields of struct counters_worker, in
 *  its order. */
struct counters_totals {
	/** Client queries judged. */
	uint64_t judged;
	/** Decisions by action; [POLICY_ACTION_MONITOR]: monitor decisions,
	 *  which the query counts under its own decision too. */
	uint64_t action[POLICY_ACTIONS];
	/** Monitor decisions by the action they would have taken. */
	uint64_t monitor[POLICY_ACTIONS];
	/** Decisions by rule. */
	uint64_t rule[POLICY_RULES];
	/** Monitor decisions by rule. */
	uint64_t monitor_rule[POLICY_RULES];
	/** Answers blocked through their CNAME chain. */
	uint64_t cloaked;
	/** Upstream answers kept out of the cache. */
	uint64_t uncached;
	/** Flush queue drains. */
	uint64_t drains;
	/** By store id of the store the totals were read against. */
	struct counters_source source[POLICY_MAX_SOURCES];
};

/** Every worker's counters, and what the readers keep. */
struct counters {
	/** Number of worker blocks. */
	unsigned workers;
	/** The blocks, one per worker. */
	struct counters_worker *w;
	/** Serialises the readers (control and metrics threads); never
	 *  taken on the query path. */
	pthread_mutex_t lock;
	/** Per source: totals carried over from earlier ids (rekey). */
	struct counters_source carry[POLICY_MAX_SOURCES];
	/** Per source: the workers' sums when its id was last given a new
	 *  meaning, not its own. */
	struct counters_source base[POLICY_MAX_SOURCES];
	/** The totals stats last reported with reset. */
	struct counters_totals reported;
};

/**
 * Make the counters of workers workers, all zero.
 * @return them, or NULL when out of memory.
 */
struct counters *counters_create(unsigned workers);

/** Free them; NULL is fine. */
void counters_destroy(struct counters *c);

/**
 * Count one on a counter of the calling worker's own block: a relaxed
 * load and store, no read-modify-write.
 */
static inline void
counters_bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
		+ 1, memory_order_relaxed);
}

/**
 * Count a decision in the worker's block: its action, rule and source,
 * and its monitor decision if it has one.  Call it inside the store's
 * read section, so that the source id still names the source.
 */
static inline void
counters_decision(struct counters_worker *w, const struct policy_decision *d)
{
	counters_bump(&w->action[d->action]);
	if (d->rule != POLICY_RULE_NONE)
		counters_bump(&w->rule[d->rule]);
	if (d->source >= 0 && d->source < POLICY_MAX_SOURCES)
		counters_bump(&w->source[d->source].action[d->action]);
}

/**
 * Count a decision's monitor decision (d->monitor_rule set) in the
 * worker's block; inside the read section, as counters_decision().
 */
static inline void
counters_monitor(struct counters_worker *w, const struct policy_decision *d)
{
	counters_bump(&w->monitor[d->monitor_action]);
	counters_bump(&w->monitor_rule[d->monitor_rule]);
	if (d->monitor_source >= 0 && d->monitor_source < POLICY_MAX_SOURCES)
		counters_bump(&w->source[d->monitor_source].monitor[
			d->monitor_action]);
}

/**
 * The totals, per source against store (whose ids they use).
 * @param reset: 0 for the totals since the start (/metrics); 1 for
 *	those since the last call with reset, which then starts counting
 *	from here (stats); 2 for those since the last reset, without one
 *	(stats_noreset).
 */
void counters_read(struct counters *c, int reset,
	struct counters_totals *out);

/**
 * A reload replaced old by fresh and no worker can still be inside
 * old: carry each source's totals to its id in fresh, by name.
 * Decisions taken in the instant between the two stores may be counted
 * for the wrong source or lost.
 */
void counters_rekey(struct counters *c, const struct policy_store *old,
	const struct policy_store *fresh);

#endif /* TAPIR_COUNTERS_H */
