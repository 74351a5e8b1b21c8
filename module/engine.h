/*
 * module/engine.h - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The engine turns a configuration into a running policy: it creates the
 * policy store, adds the configured sources, loads them and starts their
 * feed threads.  The Unbound adapter (tapir_pop.c) owns one engine per
 * init/deinit cycle and only asks it for the store; everything here builds
 * and tests without an Unbound tree.
 */
#ifndef TAPIR_ENGINE_H
#define TAPIR_ENGINE_H

#include <stddef.h>

#include "module/conf.h"
#include "module/policy.h"

struct engine;

/**
 * Build the store from cfg, load every source once and start the feeds.
 * A source whose data cannot be loaded at start is logged and starts
 * empty; its feed keeps trying.
 * @param cfg: the configuration; the engine takes ownership.
 * @param num_readers: reader slots to reserve in the store (one per
 *	Unbound worker thread, plus the engine's own).
 * @param changed: called for every name a feed adds or changes, so the
 *	adapter can drop it from Unbound's caches; may be NULL.
 * @param changed_arg: argument for changed.
 * @param err: out, the reason on failure.
 * @param errlen: size of err.
 * @return the engine, or NULL on failure (cfg is freed then too).
 */
struct engine *engine_create(struct tapir_conf *cfg, unsigned num_readers,
	policy_changed_fn changed, void *changed_arg, char *err,
	size_t errlen);

/**
 * Stop and join every feed thread, then free the store and the config.
 * No reader may be inside the store any more.  NULL is fine.
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

#endif /* TAPIR_ENGINE_H */
