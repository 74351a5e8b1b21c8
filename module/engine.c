/*
 * module/engine.c - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/engine.h"
#include "feeds/feed_file.h"
#include "feeds/feed_rpz.h"
#include "module/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One configured source and the feed that fills it. */
struct source_slot {
	struct engine *engine;
	uint16_t id;          /* in the store */
	int subdomains;       /* match: subdomains, so flushes cover subtrees */
	struct feed_file *file;
	struct feed_rpz *rpz;
	char *zone_file;      /* RPZ: the last good zone on disk */
};

struct engine {
	struct tapir_conf *cfg;
	struct policy_store *store;
	struct source_slot *slots; /* one per source, in config order */
	unsigned num_sources;
	policy_changed_fn changed;
	void *changed_arg;
};

/* Every source's changes reach the adapter through this, so that names a
 * match-subdomains source lists flush their whole subtree. */
static void
source_changed(void *arg, const uint8_t *name, int subtree)
{
	struct source_slot *slot = arg;

	slot->engine->changed(slot->engine->changed_arg, name,
		subtree || slot->subdomains);
}

static int
start_file_feed(struct engine *e, const struct tapir_conf_source *src,
	struct source_slot *slot, char *err, size_t errlen)
{
	struct feed_file_params p = {
		.source_name = src->name,
		.path = src->file,
		.format = src->format == TAPIR_CONF_FORMAT_CSV ? LISTFILE_CSV :
			LISTFILE_TEXT,
		.column = src->column,
		.poll_ms = e->cfg->file_poll_ms,
		.store = e->store,
		.source = slot->id,
		.changed = e->changed ? source_changed : NULL,
		.changed_arg = slot,
	};
	int r;

	if (!(slot->file = feed_file_create(&p))) {
		snprintf(err, errlen, "source %s: out of memory", src->name);
		return -1;
	}
	/* A failed first load is logged by the feed; the source serves
	 * nothing until the file becomes readable. */
	feed_file_load(slot->file);
	if ((r = feed_file_start(slot->file)) != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			src->name, strerror(r));
		return -1;
	}
	return 0;
}

static int
start_rpz_feed(struct engine *e, const struct tapir_conf_source *src,
	struct source_slot *slot, char *err, size_t errlen)
{
	const struct tapir_conf_rpz *c = &src->rpz;
	struct feed_rpz_params p;
	unsigned i;
	int r;

	memset(&p, 0, sizeof(p));
	p.source_name = src->name;
	memcpy(p.zone, c->zone, c->zone_len);
	for (i = 0; i < c->num_primaries; i++) {
		p.primaries[i] = c->primaries[i].addr;
		p.primary_lens[i] = c->primaries[i].len;
	}
	p.num_primaries = c->num_primaries;
	p.tsig_name = c->tsig_name;
	p.tsig_algorithm = c->tsig_algorithm ? c->tsig_algorithm :
		"hmac-sha256";
	p.tsig_secret = c->tsig_secret;
	p.notify_listen = c->notify_listen.addr;
	p.notify_listen_len = c->notify_listen.len;
	for (i = 0; i < c->num_allow_notify; i++)
		p.allow_notify[i] = c->allow_notify[i].addr;
	p.num_allow_notify = c->num_allow_notify;
	p.refresh_min = c->refresh_min;
	p.refresh_max = c->refresh_max;
	p.max_transfer_bytes = c->max_transfer_bytes;
	p.transfer_timeout = c->transfer_timeout;
	if (e->cfg->state_dir) {
		size_t len = strlen(e->cfg->state_dir) + strlen(src->name) + 6;
		if (!(slot->zone_file = malloc(len))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(slot->zone_file, len, "%s/%s.rpz", e->cfg->state_dir,
			src->name);
	}
	p.zone_file = slot->zone_file;
	p.store = e->store;
	p.source = slot->id;
	p.changed = e->changed ? source_changed : NULL;
	p.changed_arg = slot;
	if (!(slot->rpz = feed_rpz_create(&p))) {
		snprintf(err, errlen, "source %s: cannot create the RPZ feed",
			src->name);
		return -1;
	}
	/* The saved zone serves until the primary answers. */
	feed_rpz_load_saved(slot->rpz);
	if ((r = feed_rpz_start(slot->rpz)) != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			src->name, strerror(r));
		return -1;
	}
	return 0;
}

struct engine *
engine_create(struct tapir_conf *cfg, unsigned num_readers,
	policy_changed_fn changed, void *changed_arg, char *err,
	size_t errlen)
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
	e->slots = calloc(cfg->num_sources + 1, sizeof(*e->slots));
	e->store = policy_store_create(&cfg->rules, num_readers);
	if (!e->slots || !e->store) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* All sources exist before any feed starts: decisions never see
	 * a half-configured store. */
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		struct source_slot *slot = &e->slots[i];
		slot->engine = e;
		slot->subdomains = !!(src->flags & POLICY_SOURCE_SUBDOMAINS);
		if (policy_source_add(e->store, src->name, src->list,
		    src->flags, &slot->id) != 0) {
			snprintf(err, errlen, "source %s: cannot add to the "
				"policy store", src->name);
			goto fail;
		}
	}
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		int r = 0;
		switch (src->type) {
		case TAPIR_CONF_SOURCE_FILE:
			r = start_file_feed(e, src, &e->slots[i], err, errlen);
			break;
		case TAPIR_CONF_SOURCE_RPZ:
			r = start_rpz_feed(e, src, &e->slots[i], err, errlen);
			break;
		}
		if (r != 0)
			goto fail;
	}
	tapir_log(TAPIR_LOG_INFO, "policy ready: %u sources", e->num_sources);
	return e;
fail:
	engine_destroy(e);
	return NULL;
}

void
engine_destroy(struct engine *e)
{
	unsigned i;

	if (!e)
		return;
	/* Feeds write into the store: stop them all before freeing it. */
	if (e->slots)
		for (i = 0; i < e->num_sources; i++) {
			feed_file_destroy(e->slots[i].file);
			feed_rpz_destroy(e->slots[i].rpz);
			free(e->slots[i].zone_file);
		}
	free(e->slots);
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
