/*
 * feeds/file/feed_dawg.c - a source answered from a DAWG file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/file/feed_dawg.h"
#include "feeds/file/feed_file.h"
#include "dawg/dawg.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/base/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One file's copy, owned by the store once attached. */
struct attached {
	struct dawg d;
	int subdomains;
};

/* The source clause of a dawg source: the file. */
struct feed_dawg_conf {
	char *path;
};

struct feed_dawg {
	const char *source_name, *path;
	struct feed_env env;
	struct feed_watch watch;
	struct feed_counters counters;
	/* The version of the file attached, under counters.lock: what a
	 * reload may take over (carry()). */
	struct file_id loaded;
	int have_loaded;
};

/* Query time: edm's rule on the canonical name (the name, then
 * ".parent." words), and with match: subdomains also plain parent words. */
static int
attached_match(void *ctx, const uint8_t *name, size_t len, int *subtree)
{
	struct attached *a = ctx;
	int64_t index;

	(void)len;
	if (dawg_lookup_wire(&a->d, name, &index, subtree) != DAWG_MISS)
		return 1;
	if (a->subdomains) {
		const uint8_t *parent = name;
		while (*parent) {
			int sub;
			parent += 1 + *parent;
			if (!*parent)
				break;
			if (dawg_lookup_wire(&a->d, parent, &index, &sub) ==
			    DAWG_EXACT) {
				*subtree = 1;
				return 1;
			}
		}
	}
	return 0;
}

static void
attached_release(void *ctx)
{
	struct attached *a = ctx;

	dawg_close(&a->d);
	free(a);
}

static void
set_error(struct feed_dawg *f, const char *msg)
{
	struct feed_stats st;

	feed_counters_fail(&f->counters, msg);
	feed_counters_get(&f->counters, &st);
	tapir_log(TAPIR_LOG_ERR, "source %s: %s: %s; %s", f->source_name,
		f->path, msg, st.updates ? "keeping the previous file" :
		"the source stays empty until the file loads");
}

/* Attach the file as the source's index; 0 or -1. */
static int
load(struct feed_dawg *f)
{
	struct attached *a = calloc(1, sizeof(*a));
	struct policy_index idx;
	struct file_id version;
	int fd, r, err;

	if (!a) {
		set_error(f, "out of memory");
		return -1;
	}
	if ((r = file_open(f->path, &fd, &version)) != 0) {
		/* Not retried until the path names another file. */
		feed_watch_tried(&f->watch, r, &version);
		set_error(f, file_strerror(r));
		free(a);
		return -1;
	}
	r = dawg_open_fd(&a->d, fd, &err);
	close(fd);
	if (r == DAWG_ERR_CHANGED) {
		/* A writer is at it: the next poll sees its final version.
		 * Not a reject, but a reload that needs the file says why. */
		free(a);
		feed_counters_note(&f->counters, dawg_strerror(r));
		tapir_log(TAPIR_LOG_INFO, "source %s: %s changed while being "
			"read, will retry", f->source_name, f->path);
		return -1;
	}
	if (r != DAWG_OK) {
		set_error(f, r == DAWG_ERR_IO ? file_strerror(err) :
			dawg_strerror(r));
		free(a);
		/* Do not retry the same bad file every poll. */
		feed_watch_tried(&f->watch, 0, &version);
		return -1;
	}
	a->subdomains = !!(f->env.flags & POLICY_SOURCE_SUBDOMAINS);
	idx.match = attached_match;
	idx.release = attached_release;
	idx.ctx = a;
	idx.entries = (size_t)a->d.nwords;
	idx.bytes = sizeof(*a) + a->d.size;
	if (policy_source_set_index(f->env.store, f->env.source, &idx) != 0) {
		attached_release(a);
		set_error(f, "out of memory");
		return -1;
	}
	feed_watch_tried(&f->watch, 0, &version);
	pthread_mutex_lock(&f->counters.lock);
	f->loaded = version;
	f->have_loaded = 1;
	pthread_mutex_unlock(&f->counters.lock);
	/* Comparing two files word by word would cost more than refilling
	 * a cache: any cached name may be affected. */
	if (f->env.changed)
		f->env.changed(f->env.changed_arg, (const uint8_t *)"", 1);
	feed_counters_update(&f->counters);
	tapir_log(TAPIR_LOG_INFO, "source %s: %s attached, %zu words",
		f->source_name, f->path, idx.entries);
	return 0;
}

/* ---- the type ---- */

static void
watch_load(void *arg)
{
	load(arg);
}

/* A new version is loaded whether the file was replaced by a rename or
 * rewritten in place: the loaded copy is the file's no longer.  A file
 * that goes missing keeps the copy, and is reported once, not at every
 * poll. */
static void
watch_gone(void *arg, int err)
{
	set_error(arg, file_strerror(err));
}

static void
dawg_destroy(void *feed)
{
	struct feed_dawg *f = feed;

	feed_watch_destroy(&f->watch);
	feed_counters_destroy(&f->counters);
	free(f);
}

/* A reload of a source configured as before: share the running feed's
 * attached file (the store counts its users) instead of reading it
 * again, when it is still the version on disk.  1 if carried over. */
static int
carry(struct feed_dawg *f, struct feed_dawg *prev)
{
	struct file_id loaded, now;
	struct feed_stats st;
	int have;

	/* The version first: a load by prev before the share leaves the
	 * store newer than the version, which costs a load at the first
	 * poll, never a missed one. */
	pthread_mutex_lock(&prev->counters.lock);
	loaded = prev->loaded;
	have = prev->have_loaded;
	st = prev->counters.s;
	pthread_mutex_unlock(&prev->counters.lock);
	if (!have || file_id_get(f->path, &now) != 0 ||
	    !file_id_equal(&loaded, &now) ||
	    policy_source_share(f->env.store, f->env.source, prev->env.store,
	    prev->env.source) != 0)
		return 0;
	feed_watch_tried(&f->watch, 0, &now);
	pthread_mutex_lock(&f->counters.lock);
	f->counters.s = st;
	f->loaded = loaded;
	f->have_loaded = 1;
	pthread_mutex_unlock(&f->counters.lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: %s unchanged, carried over",
		f->source_name, f->path);
	return 1;
}

static void *
dawg_create(const void *conf, void *shared, const struct feed_env *env,
	char *err, size_t errlen)
{
	const struct feed_dawg_conf *c = conf;
	struct feed_dawg *f = calloc(1, sizeof(*f));

	(void)shared;
	if (!f) {
		snprintf(err, errlen, "source %s: out of memory", env->name);
		return NULL;
	}
	f->env = *env;
	f->source_name = env->name;
	f->path = c->path;
	feed_counters_init(&f->counters);
	f->watch.path = c->path;
	f->watch.poll_ms = env->poll_ms;
	f->watch.load = watch_load;
	f->watch.gone = watch_gone;
	f->watch.arg = f;
	feed_watch_init(&f->watch);
	/* Like a list file, a missing or bad DAWG is logged and retried. */
	if (env->prev && carry(f, env->prev))
		return f;
	if (load(f) != 0 && env->strict) {
		struct feed_stats st;
		feed_counters_get(&f->counters, &st);
		snprintf(err, errlen, "source %s: %s", env->name,
			st.last_error);
		dawg_destroy(f);
		return NULL;
	}
	return f;
}

static int
dawg_start(void *feed, char *err, size_t errlen)
{
	struct feed_dawg *f = feed;

	return feed_start_result(feed_watch_start(&f->watch), f->source_name,
		err, errlen);
}

static void
dawg_stats(void *feed, struct feed_stats *out)
{
	struct feed_dawg *f = feed;

	feed_counters_get(&f->counters, out);
}

/* ---- its configuration ---- */

static void *
dawg_conf_new(void)
{
	return calloc(1, sizeof(struct feed_dawg_conf));
}

static int
dawg_conf_key(void *conf, const struct feed_conf_key *k, char *err,
	size_t errlen)
{
	struct feed_dawg_conf *c = conf;

	if (strcmp(k->key, "file") == 0)
		return feed_file_conf_path(&c->path, k, err, errlen);
	snprintf(err, errlen, "unknown key for a source of type dawg");
	return -1;
}

static int
dawg_conf_check(const void *conf, const void *clause, char *err,
	size_t errlen)
{
	const struct feed_dawg_conf *c = conf;

	(void)clause;
	if (!c->path) {
		snprintf(err, errlen, "type dawg needs 'file'");
		return -1;
	}
	return 0;
}

static int
dawg_conf_equal(const void *a, const void *b)
{
	const struct feed_dawg_conf *x = a, *y = b;

	return strcmp(x->path, y->path) == 0;
}

static void
dawg_conf_free(void *conf)
{
	struct feed_dawg_conf *c = conf;

	if (c)
		free(c->path);
	free(c);
}

const struct feed_type feed_type_dawg = {
	.name = "dawg",
	.indexed = 1,
	.conf_new = dawg_conf_new,
	.conf_key = dawg_conf_key,
	.conf_check = dawg_conf_check,
	.conf_free = dawg_conf_free,
	.conf_equal = dawg_conf_equal,
	.create = dawg_create,
	.start = dawg_start,
	.stats = dawg_stats,
	.destroy = dawg_destroy,
};
