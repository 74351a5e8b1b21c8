/*
 * feeds/feed_dawg.c - a source answered from a DAWG file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/feed_dawg.h"
#include "dawg/dawg.h"
#include "module/fileio.h"
#include "module/log.h"
#include "module/names.h"
#include "module/thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One file's copy, owned by the store once attached. */
struct attached {
	struct dawg d;
	int subdomains;
};

struct feed_dawg {
	struct feed_dawg_params p;
	char *source_name, *path;
	struct tapir_thread thread;
	struct file_id tried;       /* the version last loaded or refused */
	int have_tried;
	pthread_mutex_t stats_lock;
	struct feed_dawg_stats stats;
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
	pthread_mutex_lock(&f->stats_lock);
	f->stats.rejects++;
	snprintf(f->stats.last_error, sizeof(f->stats.last_error), "%s", msg);
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_ERR, "source %s: %s: %s; keeping the previous "
		"file", f->source_name, f->path, msg);
}

struct feed_dawg *
feed_dawg_create(const struct feed_dawg_params *params)
{
	struct feed_dawg *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->p = *params;
	f->source_name = strdup(params->source_name);
	f->path = strdup(params->path);
	tapir_thread_init(&f->thread);
	pthread_mutex_init(&f->stats_lock, NULL);
	if (!f->source_name || !f->path) {
		feed_dawg_destroy(f);
		return NULL;
	}
	return f;
}

int
feed_dawg_load(struct feed_dawg *f)
{
	struct attached *a = calloc(1, sizeof(*a));
	struct policy_index idx;
	struct file_id version;
	int r;

	if (!a) {
		set_error(f, "out of memory");
		return -1;
	}
	if (file_id_get(f->path, &version) != 0) {
		set_error(f, strerror(errno));
		free(a);
		return -1;
	}
	r = dawg_open_file(&a->d, f->path);
	if (r == DAWG_ERR_CHANGED) {
		/* A writer is at it: the next poll sees its final version.
		 * Not a reject, but a reload that needs the file says why. */
		free(a);
		pthread_mutex_lock(&f->stats_lock);
		snprintf(f->stats.last_error, sizeof(f->stats.last_error),
			"%s", dawg_strerror(r));
		pthread_mutex_unlock(&f->stats_lock);
		tapir_log(TAPIR_LOG_INFO, "source %s: %s changed while being "
			"read, will retry", f->source_name, f->path);
		return -1;
	}
	if (r != DAWG_OK) {
		set_error(f, r == DAWG_ERR_IO ? strerror(errno) :
			dawg_strerror(r));
		free(a);
		/* Do not retry the same bad file every poll. */
		f->tried = version;
		f->have_tried = 1;
		return -1;
	}
	a->subdomains = !!(f->p.flags & POLICY_SOURCE_SUBDOMAINS);
	idx.match = attached_match;
	idx.release = attached_release;
	idx.ctx = a;
	idx.entries = (size_t)a->d.nwords;
	idx.bytes = sizeof(*a) + a->d.size;
	if (policy_source_set_index(f->p.store, f->p.source, &idx) != 0) {
		attached_release(a);
		set_error(f, "out of memory");
		return -1;
	}
	f->tried = version;
	f->have_tried = 1;
	if (f->p.changed)
		f->p.changed(f->p.changed_arg, (const uint8_t *)"", 1);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.loads++;
	f->stats.words = idx.entries;
	f->stats.last_load = (int64_t)time(NULL);
	f->stats.last_error[0] = 0;
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: %s attached, %zu words",
		f->source_name, f->path, idx.entries);
	return 0;
}

/* A new version is loaded whether the file was replaced by a rename or
 * rewritten in place: the loaded copy is the file's no longer. */
static void *
watch_thread(void *arg)
{
	struct feed_dawg *f = arg;

	while (!tapir_thread_sleep(&f->thread, f->p.poll_ms)) {
		struct file_id now;
		if (file_id_get(f->path, &now) != 0)
			continue;
		if (f->have_tried && file_id_equal(&now, &f->tried))
			continue;
		feed_dawg_load(f);
	}
	return NULL;
}

int
feed_dawg_start(struct feed_dawg *f)
{
	return tapir_thread_start(&f->thread, watch_thread, f);
}

void
feed_dawg_get_stats(struct feed_dawg *f, struct feed_dawg_stats *out)
{
	pthread_mutex_lock(&f->stats_lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->stats_lock);
}

void
feed_dawg_destroy(struct feed_dawg *f)
{
	if (!f)
		return;
	tapir_thread_stop(&f->thread);
	tapir_thread_destroy(&f->thread);
	pthread_mutex_destroy(&f->stats_lock);
	free(f->source_name);
	free(f->path);
	free(f);
}
