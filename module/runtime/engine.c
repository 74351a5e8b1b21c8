/*
 * module/runtime/engine.c - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/engine.h"
#include "module/runtime/feed_types.h"
#include "module/base/log.h"
#include "module/base/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/** How often lapsed entries are reclaimed and the types' shared work
 *  runs, in milliseconds. */
#define MAINTENANCE_MS 1000
/** How often feeds with state write what changed, in seconds: often
 *  enough that a crash loses little, rarely enough that a busy feed does
 *  not rewrite a large file many times a minute. */
#define SAVE_INTERVAL_S 10

/* One configured source: its type, its feed, its id in the store. */
struct slot {
	const struct feed_type *type;
	void *feed;
	uint16_t id;
	const char *name;
};

struct engine {
	struct tapir_conf *cfg;
	struct policy_store *store;
	struct slot *slots;      /* one per source, in config order */
	unsigned num_sources;
	/* What each type's sources share, by type index; NULL for types
	 * without sources or without shared state. */
	void *shared[FEED_TYPES_MAX];
	struct overrides *overrides;
	policy_changed_fn changed;
	void *changed_arg;
	/* Reclaims lapsed entries, saves, runs the types' shared work. */
	struct tapir_thread maintenance;
};

/* ---- sources ---- */

unsigned
engine_source_count(struct engine *e)
{
	return e->num_sources + 2;
}

void
engine_source_info(struct engine *e, unsigned i,
	struct engine_source_info *out)
{
	struct policy_source_stats st;
	uint16_t id;

	memset(out, 0, sizeof(*out));
	if (i < e->num_sources) {
		const struct slot *s = &e->slots[i];
		id = s->id;
		out->name = s->name;
		out->type = s->type->name;
		out->indexed = s->type->indexed;
		s->type->stats(s->feed, &out->stats);
	} else {
		int allow = i == e->num_sources;
		id = overrides_source(e->overrides, allow);
		out->name = allow ? OVERRIDES_ALLOW : OVERRIDES_DENY;
		out->type = "override";
		out->stats.state_broken = overrides_broken(e->overrides);
	}
	policy_store_source_stats(e->store, id, &st);
	out->entries = st.entries;
	out->list = st.list;
}

void
engine_source_extras(struct engine *e, unsigned i, feed_extra_fn fn,
	void *arg)
{
	if (i < e->num_sources && e->slots[i].type->extras)
		e->slots[i].type->extras(e->slots[i].feed, fn, arg);
}

/* The roster the types' shared work sees. */
static void
roster_describe(void *arg, unsigned i, const char **name, const char **type,
	enum policy_list *list, size_t *entries, struct feed_stats *stats)
{
	struct engine_source_info si;

	engine_source_info(arg, i, &si);
	*name = si.name;
	*type = si.type;
	*list = si.list;
	*entries = si.entries;
	*stats = si.stats;
}

/* ---- maintenance ---- */

void
engine_save(struct engine *e)
{
	unsigned i;

	for (i = 0; i < e->num_sources; i++)
		if (e->slots[i].type->save)
			e->slots[i].type->save(e->slots[i].feed);
}

static void *
maintenance_thread(void *arg)
{
	struct engine *e = arg;
	struct feed_roster roster = { e->num_sources, roster_describe, e };
	int64_t last_save = (int64_t)time(NULL);
	unsigned t;

	while (!tapir_thread_sleep(&e->maintenance, MAINTENANCE_MS)) {
		int64_t now = (int64_t)time(NULL);
		policy_store_expire(e->store, now, e->changed, e->changed_arg);
		for (t = 0; t < feed_types_count(); t++)
			if (e->shared[t] && feed_type_at(t)->shared_tick)
				feed_type_at(t)->shared_tick(e->shared[t],
					now, &roster);
		if (now - last_save < SAVE_INTERVAL_S)
			continue;
		last_save = now;
		engine_save(e);
	}
	return NULL;
}

/* ---- life ---- */

/* The state each type's sources share, before any of them is created. */
static int
create_shared(struct engine *e, char *err, size_t errlen)
{
	const struct tapir_conf_source *src;
	unsigned t;

	for (t = 0; t < feed_types_count(); t++) {
		const struct feed_type *type = feed_type_at(t);
		if (!type->shared_create)
			continue;
		for (src = e->cfg->sources; src && src->type != type;
		    src = src->next)
			;
		if (!src)
			continue;
		if (!(e->shared[t] = type->shared_create(e->cfg->clauses[t],
		    e->cfg->state_dir, err, errlen)))
			return -1;
	}
	return 0;
}

/* On a reload, the running feed of a source configured exactly as
 * before: the new feed may take its data over (feed_env.prev). */
static void *
prev_feed(const struct engine *prev, const struct tapir_conf_source *src)
{
	const struct tapir_conf_source *o;
	unsigned i;

	if (!prev || !src->type->conf_equal)
		return NULL;
	for (o = prev->cfg->sources, i = 0; o; o = o->next, i++)
		if (strcmp(o->name, src->name) == 0)
			return o->type == src->type && o->list == src->list &&
			    o->flags == src->flags && i < prev->num_sources &&
			    src->type->conf_equal(o->conf, src->conf) ?
			    prev->slots[i].feed : NULL;
	return NULL;
}

struct engine *
engine_create(struct tapir_conf *cfg, unsigned flags, unsigned num_readers,
	policy_changed_fn changed, void *changed_arg, char *err,
	size_t errlen)
{
	return engine_create_from(NULL, cfg, flags, num_readers, changed,
		changed_arg, err, errlen);
}

struct engine *
engine_create_from(struct engine *prev, struct tapir_conf *cfg,
	unsigned flags, unsigned num_readers, policy_changed_fn changed,
	void *changed_arg, char *err, size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));
	const struct tapir_conf_source *src;
	unsigned i;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		tapir_conf_free(cfg);
		return NULL;
	}
	e->cfg = cfg;
	e->num_sources = cfg->num_sources;
	e->changed = changed;
	e->changed_arg = changed_arg;
	tapir_thread_init(&e->maintenance);
	e->slots = calloc(cfg->num_sources + 1, sizeof(*e->slots));
	e->store = policy_store_create(&cfg->rules, num_readers);
	if (!e->slots || !e->store) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* All sources exist before any feed loads: decisions never see
	 * a half-configured store. */
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		e->slots[i].type = src->type;
		e->slots[i].name = src->name;
		if (policy_source_add(e->store, src->name, src->list,
		    src->flags, &e->slots[i].id) != 0) {
			snprintf(err, errlen, "source %s: cannot add to the "
				"policy store", src->name);
			goto fail;
		}
	}
	if (!(e->overrides = overrides_create(e->store, cfg->state_dir,
	    changed, changed_arg, err, errlen)) ||
	    create_shared(e, err, errlen) != 0)
		goto fail;
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		struct feed_env env = {
			.name = src->name,
			.list = src->list,
			.flags = src->flags,
			.store = e->store,
			.source = e->slots[i].id,
			.changed = changed,
			.changed_arg = changed_arg,
			.state_dir = cfg->state_dir,
			.poll_ms = cfg->file_poll_ms,
			.strict = !!(flags & ENGINE_STRICT),
			.prev = prev_feed(prev, src),
		};
		if (!(e->slots[i].feed = src->type->create(src->conf,
		    e->shared[feed_type_index(src->type)], &env, err,
		    errlen)))
			goto fail;
	}
	return e;
fail:
	engine_destroy(e);
	return NULL;
}

int
engine_start(struct engine *e, int handover, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < e->num_sources; i++) {
		const struct slot *s = &e->slots[i];
		if (handover && s->type->handover)
			s->type->handover(s->feed);
		if (s->type->start(s->feed, err, errlen) != 0)
			return -1;
	}
	if (tapir_thread_start(&e->maintenance, maintenance_thread, e) != 0) {
		snprintf(err, errlen, "cannot start the maintenance thread");
		return -1;
	}
	tapir_log(TAPIR_LOG_INFO, "policy ready: %u sources", e->num_sources);
	return 0;
}

void
engine_destroy(struct engine *e)
{
	unsigned i;

	if (!e)
		return;
	/* Feeds write into the store: stop them all before freeing it;
	 * the shared state goes after every source that uses it. */
	tapir_thread_stop(&e->maintenance);
	tapir_thread_destroy(&e->maintenance);
	for (i = 0; e->slots && i < e->num_sources; i++)
		if (e->slots[i].feed)
			e->slots[i].type->destroy(e->slots[i].feed);
	for (i = 0; i < feed_types_count(); i++)
		if (e->shared[i])
			feed_type_at(i)->shared_destroy(e->shared[i]);
	free(e->slots);
	overrides_destroy(e->overrides);
	if (e->store)
		policy_store_destroy(e->store);
	tapir_conf_free(e->cfg);
	free(e);
}

struct policy_store *
engine_store(struct engine *e)
{
	return e->store;
}

const struct tapir_conf *
engine_config(struct engine *e)
{
	return e->cfg;
}

struct overrides *
engine_overrides(struct engine *e)
{
	return e->overrides;
}
