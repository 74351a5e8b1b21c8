/*
 * module/runtime/engine.h - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The engine turns a configuration into a running policy: it creates the
 * policy store, adds the configured sources and the two override sources,
 * creates each source's feed through its type's operations (feeds/feed.h)
 * and starts them, and runs one maintenance thread (lapsed entries,
 * periodic saves, the types' shared work such as status reports).  It
 * never asks which type a source is.  The Unbound adapter owns one engine
 * per init/deinit cycle, and a reload builds a second one beside it:
 *
 *   engine_save(old);               the old engine's state on disk now
 *   new = engine_create_from(old, cfg, ENGINE_STRICT);   a source
 *                                   configured as before takes the old
 *                                   one's data over if it is still
 *                                   current, the others load; a bad
 *                                   source fails it, the old one runs on
 *   (the adapter swaps the store pointer and waits out its readers)
 *   engine_destroy(old);            its threads end, its last save done
 *   engine_start(new, 1);           handover, then threads and connections
 *
 * Everything here builds and tests without an Unbound tree.
 */
#ifndef TAPIR_ENGINE_H
#define TAPIR_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "feeds/feed.h"
#include "module/output/output.h"
#include "module/policy/policy.h"
#include "module/runtime/conf.h"
#include "module/runtime/overrides.h"

struct engine;

/** engine_create() flag: a source whose data cannot be loaded fails the
 *  whole engine, instead of starting empty.  A reload uses it, so that a
 *  bad file keeps the policy in force. */
#define ENGINE_STRICT 0x1

/**
 * Build the store from cfg and create every source's feed, which loads
 * what is at hand; no feed thread runs yet.  A source whose data cannot
 * be loaded is logged and starts empty (its feed keeps trying), unless
 * flags has ENGINE_STRICT.
 * @param cfg: the configuration; the engine takes ownership.
 * @param flags: ENGINE_STRICT or 0.
 * @param num_readers: reader slots to reserve in the store (one per
 *	Unbound worker thread, plus the engine's own); the engine adds one
 *	for each output.
 * @param changed: called for every name a feed adds or changes, so the
 *	adapter can drop it from Unbound's caches; may be NULL.
 * @param changed_arg: argument for changed.
 * @param err: out, the reason on failure.
 * @param errlen: size of err.
 * @return the engine, or NULL on failure (cfg is freed then too).
 */
struct engine *engine_create(struct tapir_conf *cfg, unsigned flags,
	unsigned num_readers, policy_changed_fn changed, void *changed_arg,
	char *err, size_t errlen);

/**
 * engine_create() for a reload, beside the running engine prev: each
 * source configured exactly as in prev (type, list, flags, and its
 * type's conf_equal()) is created with prev's feed at hand, and takes
 * its data over (sharing the store's tables, policy_source_share())
 * instead of loading it when that data is still current: a reload that
 * changed nothing costs neither the time nor the memory of a load.
 * @param prev: the running engine, or NULL (then this is engine_create()).
 * Other parameters and the result as engine_create().
 */
struct engine *engine_create_from(struct engine *prev,
	struct tapir_conf *cfg, unsigned flags, unsigned num_readers,
	policy_changed_fn changed, void *changed_arg, char *err,
	size_t errlen);

/**
 * Start the feeds and the maintenance thread.  After a reload (handover
 * set, the previous engine destroyed), each feed first picks up what the
 * previous engine saved last.
 * @return 0, or -1 with err set (the sources stay as loaded).
 */
int engine_start(struct engine *e, int handover, char *err, size_t errlen);

/**
 * Write the state of every feed that keeps one, now instead of at the
 * next periodic save: before a reload builds a new engine from those
 * files.  Safe beside the periodic save.
 */
void engine_save(struct engine *e);

/**
 * Stop and join every thread, then free the feeds, the store and the
 * config.  No reader may be inside the store any more.  NULL is fine.
 */
void engine_destroy(struct engine *e);

/**
 * The policy store the query path reads.
 */
struct policy_store *engine_store(struct engine *e);

/**
 * The configuration in force.
 */
const struct tapir_conf *engine_config(struct engine *e);

/**
 * The runtime overrides.
 */
struct overrides *engine_overrides(struct engine *e);

/** What list_sources and stats show of one source. */
struct engine_source_info {
	/** Source name. */
	const char *name;
	/** Its type's name, or "override". */
	const char *type;
	/** 1 when its data is an index the store cannot list (DAWG). */
	int indexed;
	/** List class. */
	enum policy_list list;
	/** Entries in the store. */
	size_t entries;
	/** Entries the store removed because they had expired. */
	uint64_t expired;
	/** 0 while the operator has it switched off (source_disable). */
	int enabled;
	/** 1 when it is on trial (action-override: monitor). */
	int monitored;
	/** The feed's common counters. */
	struct feed_stats stats;
};

/**
 * Number of sources, the two override sources included.
 */
unsigned engine_source_count(struct engine *e);

/**
 * Describe source i (0 .. engine_source_count()-1).
 */
void engine_source_info(struct engine *e, unsigned i,
	struct engine_source_info *out);

/**
 * The type-specific counters of source i ("serial", "lapsed" ...), each
 * passed to fn; none for the override sources.
 */
void engine_source_extras(struct engine *e, unsigned i, feed_extra_fn fn,
	void *arg);

/**
 * Number of outputs (output: clauses).
 */
unsigned engine_output_count(struct engine *e);

/**
 * The counters of output i (0 .. engine_output_count()-1).
 * @return its name.
 */
const char *engine_output_stats(struct engine *e, unsigned i,
	struct output_stats *out);

/** Outcomes of engine_source_switch(). */
enum engine_switch {
	ENGINE_SWITCH_OK = 0,       /**< in force (or already so) */
	ENGINE_SWITCH_UNKNOWN,      /**< no source of that name */
	ENGINE_SWITCH_NOT_STORED    /**< the state file could not be
				     *   written: nothing changed */
};

/**
 * Switch a source on or off (source_enable, source_disable): stored in
 * the state directory first, then in force for the next query.  A
 * source switched off keeps its feed and its data current and decides
 * nothing.  What may now be blocked leaves Unbound's caches through the
 * change callback: the names of a source switched on, or of an
 * allowlist source switched off (the whole cache for a large source).
 * @return an enum engine_switch.
 */
int engine_source_switch(struct engine *e, const char *name, int enabled);

/**
 * State files of switched-off sources found unreadable at start and
 * kept aside.
 */
uint64_t engine_disabled_broken(struct engine *e);

/**
 * Ask every feed that keeps a connection (an optional operation of its
 * type) to drop it and connect again now.
 * @return the number of feeds asked.
 */
unsigned engine_reconnect(struct engine *e);

#endif /* TAPIR_ENGINE_H */
