/*
 * module/engine.c - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/engine.h"
#include "feeds/feed_file.h"
#include "module/log.h"

#include <stdio.h>
#include <stdlib.h>

/* Every source's changes reach the adapter through this, so that names a
 * match-subdomains source lists flush their whole subtree. */
struct source_ctx {
	struct engine *engine;
	int subdomains;
};

struct engine {
	struct tapir_conf *cfg;
	struct policy_store *store;
	struct feed_file **files;  /* one slot per source, NULL if not a file */
	struct source_ctx *ctx;    /* one per source */
	unsigned num_sources;
	policy_changed_fn changed;
	void *changed_arg;
};

static void
source_changed(void *arg, const uint8_t *name, int subtree)
{
	struct source_ctx *c = arg;

	c->engine->changed(c->engine->changed_arg, name,
		subtree || c->subdomains);
}

static int
start_file_feed(struct engine *e, const struct tapir_conf_source *src,
	uint16_t id, unsigned index, char *err, size_t errlen)
{
	struct feed_file_params p = {
		.source_name = src->name,
		.path = src->file,
		.format = src->format == TAPIR_CONF_FORMAT_CSV ? LISTFILE_CSV :
			LISTFILE_TEXT,
		.column = src->column,
		.poll_ms = e->cfg->file_poll_ms,
		.store = e->store,
		.source = id,
		.changed = e->changed ? source_changed : NULL,
		.changed_arg = &e->ctx[index],
	};
	struct feed_file *f = feed_file_create(&p);
	int r;

	if (!f) {
		snprintf(err, errlen, "source %s: out of memory", src->name);
		return -1;
	}
	e->files[index] = f;
	/* A failed first load is logged by the feed; the source serves
	 * nothing until the file becomes readable. */
	feed_file_load(f);
	r = feed_file_start(f);
	if (r != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %d",
			src->name, r);
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
	e->files = calloc(cfg->num_sources + 1, sizeof(*e->files));
	e->ctx = calloc(cfg->num_sources + 1, sizeof(*e->ctx));
	e->store = policy_store_create(&cfg->rules, num_readers);
	if (!e->files || !e->ctx || !e->store) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (src = cfg->sources; src; src = src->next) {
		uint16_t id;
		if (policy_source_add(e->store, src->name, src->list,
		    src->flags, &id) != 0) {
			snprintf(err, errlen, "source %s: cannot add to the "
				"policy store", src->name);
			goto fail;
		}
	}
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		int id = policy_source_find(e->store, src->name);
		e->ctx[i].engine = e;
		e->ctx[i].subdomains = !!(src->flags &
			POLICY_SOURCE_SUBDOMAINS);
		if (src->type == TAPIR_CONF_SOURCE_FILE &&
		    start_file_feed(e, src, (uint16_t)id, i, err,
		    errlen) != 0)
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
	if (e->files)
		for (i = 0; i < e->num_sources; i++)
			feed_file_destroy(e->files[i]);
	free(e->files);
	free(e->ctx);
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
