/*
 * feeds/file/feed_dawg.c - a source answered from a DAWG file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/file/feed_dawg.h"
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

struct feed_dawg {
	struct feed_dawg_params p;
	char *source_name, *path;
	struct tapir_thread thread;
	struct file_watch watch;    /* the version last tried, or missing */
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
	uint64_t loads;

	pthread_mutex_lock(&f->stats_lock);
	f->stats.rejects++;
	snprintf(f->stats.last_error, sizeof(f->stats.last_error), "%s", msg);
	loads = f->stats.loads;
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_ERR, "source %s: %s: %s; %s", f->source_name,
		f->path, msg, loads ? "keeping the previous file" :
		"the source stays empty until the file loads");
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
	int fd, r, err;

	if (!a) {
		set_error(f, "out of memory");
		return -1;
	}
	if ((r = file_open(f->path, &fd, &version)) != 0) {
		/* Not retried until the path names another file. */
		file_watch_tried(&f->watch, r, &version);
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
		pthread_mutex_lock(&f->stats_lock);
		snprintf(f->stats.last_error, sizeof(f->stats.last_error),
			"%s", dawg_strerror(r));
		pthread_mutex_unlock(&f->stats_lock);
		tapir_log(TAPIR_LOG_INFO, "source %s: %s changed while being "
			"read, will retry", f->source_name, f->path);
		return -1;
	}
	if (r != DAWG_OK) {
		set_error(f, r == DAWG_ERR_IO ? file_strerror(err) :
			dawg_strerror(r));
		free(a);
		/* Do not retry the same bad file every poll. */
		file_watch_tried(&f->watch, 0, &version);
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
	file_watch_tried(&f->watch, 0, &version);
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
 * rewritten in place: the loaded copy is the file's no longer.  A file
 * that goes missing keeps the copy, and is reported once, not at every
 * poll. */
static void *
watch_thread(void *arg)
{
	struct feed_dawg *f = arg;

	while (!tapir_thread_sleep(&f->thread, f->p.poll_ms)) {
		int err;
		switch (file_watch_poll(&f->watch, f->path, &err)) {
		case FILE_WATCH_NEW:
			feed_dawg_load(f);
			break;
		case FILE_WATCH_GONE:
			set_error(f, file_strerror(err));
			break;
		default:
			break;
		}
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
