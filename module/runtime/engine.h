/*
 * module/runtime/engine.h - the module's runtime, without Unbound.
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
#include <stdint.h>
#include <stdio.h>

#include "module/runtime/conf.h"
#include "module/policy/policy.h"

struct engine;

/** engine_create() flag: a list or DAWG file that cannot be loaded fails
 *  the whole engine, instead of starting that source empty.  A reload
 *  uses it, so that a bad file keeps the policy in force. */
#define ENGINE_STRICT_FILES 0x1
/** engine_create() flag: observation (MQTT) sources load their saved
 *  state but do not connect until engine_start_deferred().  A reload
 *  uses it: paho's synchronous clients share process-wide socket state
 *  that two receiving threads corrupt, and the broker takes one
 *  connection per client id, so the running engine's must end first. */
#define ENGINE_DEFER_MQTT 0x2

/**
 * Build the store from cfg, load every source once and start the feeds.
 * A source whose data cannot be loaded at start is logged and starts
 * empty (its feed keeps trying), unless flags has ENGINE_STRICT_FILES.
 * @param cfg: the configuration; the engine takes ownership.
 * @param flags: ENGINE_STRICT_FILES, ENGINE_DEFER_MQTT, or 0.
 * @param num_readers: reader slots to reserve in the store (one per
 *	Unbound worker thread, plus the engine's own).
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
 * Stop and join every feed thread, then free the store and the config.
 * No reader may be inside the store any more.  NULL is fine.
 */
void engine_destroy(struct engine *e);

/**
 * Start what ENGINE_DEFER_MQTT held back: each observation source loads
 * its saved state again (what the previous engine wrote last), then
 * connects.  Call once, after the previous engine is destroyed.
 * @return 0, or -1 with err set (the source stays as loaded, offline).
 */
int engine_start_deferred(struct engine *e, char *err, size_t errlen);

/**
 * Write the state of every observation source that changed since its
 * last write, now instead of at the next periodic save: before a reload
 * builds a new engine from those files.  Safe beside the periodic save.
 */
void engine_save_observations(struct engine *e);

/**
 * The policy store the query path reads.
 */
struct policy_store *engine_store(struct engine *e);

/**
 * The configuration in force.
 */
const struct tapir_conf *engine_config(struct engine *e);

/** Names of the built-in sources that hold runtime overrides. */
#define ENGINE_OVERRIDE_ALLOW "override-allow"
#define ENGINE_OVERRIDE_DENY "override-deny"

/** What list_sources shows of one source. */
struct engine_source_info {
	/** Source name. */
	const char *name;
	/** "file", "dawg", "rpz", "mqtt" or "override". */
	const char *type;
	/** List class. */
	enum policy_list list;
	/** Entries in the store. */
	size_t entries;
	/** Unix time of the last successful update, 0 if none. */
	int64_t last_update;
	/** Successful updates. */
	uint64_t updates;
	/** Updates rejected (bad file, failed transfer, refused message). */
	uint64_t failures;
	/** Messages received (mqtt), 0 for other types. */
	uint64_t received;
	/** Names that had lapsed (time_added + ttl past) when they arrived
	 *  (mqtt), 0 for other types. */
	uint64_t lapsed;
	/** State files of the source found unreadable at start, each kept
	 *  aside (statefile_keep_aside()); the two override sources share
	 *  one file. */
	uint64_t state_broken;
	/** Connection state ("connected", "disconnected"), "" if none. */
	char state[32];
	/** Last error, "" if none. */
	char last_error[256];
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
 * Add or replace a runtime override, persisted in the state directory.
 * @param allow: 1 for an allow override, 0 for deny.
 * @param name: canonical wire name.
 * @param action: for deny, the action (POLICY_ACTION_NONE: the denylist
 *	action).
 * @return 0, or -1 (out of memory, or state not writable: logged).
 */
int engine_override_set(struct engine *e, int allow, const uint8_t *name,
	enum policy_action action);

/**
 * Remove a runtime override of either kind.
 * @return 1 if one was removed, 0 if there was none, -1 on error.
 */
int engine_override_remove(struct engine *e, const uint8_t *name);

/**
 * Write the overrides in force, one "allow NAME" or "deny NAME ACTION"
 * line each (the format of the state file).
 */
void engine_override_list(struct engine *e, FILE *out);

#endif /* TAPIR_ENGINE_H */
