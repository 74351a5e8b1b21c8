/*
 * module/runtime/engine.c - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/engine.h"
#include "module/runtime/disabled.h"
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
/** A source switched on or off with more entries than this flushes the
 *  whole cache instead of its names one by one. */
#define SWITCH_FLUSH_NAMES_MAX 10000

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
	/* The sources the operator switched off. */
	struct disabled *disabled;
	policy_changed_fn changed;
	void *changed_arg;
	/* Reclaims lapsed entries, saves, runs the types' shared work. */
	struct tapir_thread maintenance;
	/* The policy served by zone transfer, in config order. */
	struct output **outputs;
	unsigned num_outputs;
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
	out->expired = st.expired;
	out->enabled = policy_source_enabled(e->store, id);
	out->monitored = !!(policy_source_flags(e->store, id) &
		POLICY_SOURCE_MONITOR);
}

void
engine_source_extras(struct engine *e, unsigned i, feed_extra_fn fn,
	void *arg)
{
	if (i < e->num_sources && e->slots[i].type->extras)
		e->slots[i].type->extras(e->slots[i].feed, fn, arg);
}

unsigned
engine_reconnect(struct engine *e)
{
	unsigned i, n = 0;

	for (i = 0; i < e->num_sources; i++)
		if (e->slots[i].type->reconnect) {
			e->slots[i].type->reconnect(e->slots[i].feed);
			n++;
		}
	return n;
}

/* For a walk of a source's entries: each name goes to the change
 * callback. */
struct flush_walk {
	struct engine *e;
	int subdomains;
};

static void
flush_entry(void *arg, const uint8_t *name, const struct policy_entry *ent)
{
	struct flush_walk *w = arg;

	w->e->changed(w->e->changed_arg, name, ent->subtree || w->subdomains);
}

/* What a source that now decides (or an allowlist source that no longer
 * does) may block: its names leave Unbound's caches, or the whole cache
 * goes when it has too many to list, or cannot list them (an index). */
static void
flush_source(struct engine *e, uint16_t id, const struct engine_source_info *si)
{
	static const uint8_t root[1] = { 0 };
	struct flush_walk w = { e, !!(policy_source_flags(e->store, id) &
		POLICY_SOURCE_SUBDOMAINS) };

	if (!e->changed)
		return;
	if (si->indexed || si->entries > SWITCH_FLUSH_NAMES_MAX)
		e->changed(e->changed_arg, root, 1);
	else
		policy_source_foreach(e->store, id, (int64_t)time(NULL),
			flush_entry, &w);
}

int
engine_source_switch(struct engine *e, const char *name, int enabled)
{
	struct engine_source_info si;
	unsigned i;
	int id = policy_source_find(e->store, name);

	for (i = 0; id >= 0 && i < engine_source_count(e); i++) {
		engine_source_info(e, i, &si);
		if (strcmp(si.name, name) == 0)
			break;
	}
	if (id < 0 || i == engine_source_count(e))
		return ENGINE_SWITCH_UNKNOWN;
	if (disabled_set(e->disabled, name, !enabled) != 0)
		return ENGINE_SWITCH_NOT_STORED;
	if (si.enabled == !!enabled)
		return ENGINE_SWITCH_OK;
	policy_source_set_enabled(e->store, (uint16_t)id, enabled);
	/* Answers that are blocked now were never cached; what may be
	 * blocked now was resolved and may be. */
	if ((si.list == POLICY_LIST_ALLOW) != !!enabled)
		flush_source(e, (uint16_t)id, &si);
	tapir_log(TAPIR_LOG_INFO, "source %s switched %s", name,
		enabled ? "on" : "off");
	return ENGINE_SWITCH_OK;
}

uint64_t
engine_disabled_broken(struct engine *e)
{
	return disabled_broken(e->disabled);
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

/* ---- outputs ---- */

/* The store's observer: every change goes to every output. */
static void
outputs_changed(void *arg, const uint8_t *name, int subtree)
{
	struct engine *e = arg;
	unsigned i;

	for (i = 0; i < e->num_outputs; i++)
		output_changed(e->outputs[i], name, subtree);
}

/* The outputs, after the sources (they name them): each reads the store
 * in a reader slot of its own, after the adapter's. */
static int
create_outputs(struct engine *e, unsigned num_readers, char *err,
	size_t errlen)
{
	const struct output_conf *oc;
	struct localdata *redirect;
	unsigned i, k;

	if (!e->cfg->num_outputs)
		return 0;
	if (!(e->outputs = calloc(e->cfg->num_outputs, sizeof(*e->outputs))) ||
	    !(redirect = malloc(sizeof(*redirect)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tapir_conf_redirect_data(e->cfg, redirect);
	for (oc = e->cfg->outputs, i = 0; oc; oc = oc->next, i++) {
		struct output_env env = {
			.store = e->store,
			.reader = num_readers + i,
			.sources = oc->num_sources ? 0 : ~(uint64_t)0,
			.ttl = e->cfg->answer_ttl,
			.redirect = redirect->buf,
			.redirect_len = (uint16_t)redirect->len,
		};
		for (k = 0; k < oc->num_sources; k++) {
			int id = policy_source_find(e->store, oc->sources[k]);
			if (id >= 0 && id < 64)
				env.sources |= (uint64_t)1 << id;
		}
		if (!(e->outputs[i] = output_create(oc, &env, err, errlen)))
			break;
		e->num_outputs++;
	}
	free(redirect);
	return e->num_outputs == e->cfg->num_outputs ? 0 : -1;
}

unsigned
engine_output_count(struct engine *e)
{
	return e->num_outputs;
}

const char *
engine_output_stats(struct engine *e, unsigned i, struct output_stats *out)
{
	output_get_stats(e->outputs[i], out);
	return output_name(e->outputs[i]);
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
		    e->cfg->state_dir, e->cfg->file_poll_ms, err, errlen)))
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
	e->store = policy_store_create(&cfg->rules, num_readers +
		cfg->num_outputs);
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
	if (!(e->disabled = disabled_load(cfg->state_dir))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* Before anything is loaded: nothing to flush. */
	for (i = 0; i < policy_store_source_count(e->store); i++)
		if (disabled_has(e->disabled, policy_source_name(e->store,
		    (int)i)))
			policy_source_set_enabled(e->store, (uint16_t)i, 0);
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
	if (create_outputs(e, num_readers, err, errlen) != 0)
		goto fail;
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
	if (e->num_outputs)
		policy_store_observe(e->store, outputs_changed, e);
	for (i = 0; i < e->num_outputs; i++)
		if (output_start(e->outputs[i], err, errlen) != 0)
			return -1;
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
	/* Nothing writes any more but a last override: unhook first. */
	if (e->store && e->num_outputs)
		policy_store_observe(e->store, NULL, NULL);
	for (i = 0; i < e->num_outputs; i++)
		output_destroy(e->outputs[i]);
	free(e->outputs);
	for (i = 0; i < feed_types_count(); i++)
		if (e->shared[i])
			feed_type_at(i)->shared_destroy(e->shared[i]);
	free(e->slots);
	overrides_destroy(e->overrides);
	disabled_free(e->disabled);
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
