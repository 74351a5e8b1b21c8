/*
 * feeds/tapir/keyring.c - a trusted JWK Set that follows its file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/keyring.h"
#include "feeds/feed.h"
#include "module/base/fileio.h"
#include "module/base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A loaded set and how many verifiers hold it (the keyring's own
 * reference included while it is the set in force). */
struct keyring_ref {
	struct jws_keyset *set;
	unsigned refs;
};

struct keyring {
	char *path;
	char who[64];
	/* Guards cur, the refs of every set and stats. */
	pthread_mutex_t lock;
	struct keyring_ref *cur;
	struct keyring_stats stats;
	struct feed_watch watch;
};

static struct keyring_ref *
ref_new(struct jws_keyset *set)
{
	struct keyring_ref *r = malloc(sizeof(*r));

	if (r) {
		r->set = set;
		r->refs = 1;
	}
	return r;
}

/* Called locked. */
static void
ref_drop(struct keyring_ref *r)
{
	if (--r->refs == 0) {
		jws_keyset_free(r->set);
		free(r);
	}
}

/* A version that cannot be used (why names the file): the keys in force
 * stay. */
static void
refuse(struct keyring *k, const char *why)
{
	size_t keys;

	pthread_mutex_lock(&k->lock);
	k->stats.failures++;
	keys = k->stats.keys;
	snprintf(k->stats.last_error, sizeof(k->stats.last_error),
		"trusted-keys %.200s", why);
	pthread_mutex_unlock(&k->lock);
	tapir_log(TAPIR_LOG_ERR, "%s: trusted-keys %s; the %zu keys loaded "
		"before stay in force", k->who, why, keys);
}

/* The watcher found a version not tried yet. */
static void
reload(void *arg)
{
	struct keyring *k = arg;
	struct jws_keyset *set = NULL;
	struct keyring_ref *r, *old;
	struct file_id id;
	char why[256];
	int e = 0;

	/* The version is taken before the read: one replaced in between is
	 * seen again at the next poll and read once more. */
	if (file_id_get(k->path, &id) != 0) {
		e = errno;
		memset(&id, 0, sizeof(id));
	}
	feed_watch_tried(&k->watch, e, &id);
	if (jws_keyset_load_file(k->path, &set, why, sizeof(why)) != JWS_OK) {
		refuse(k, why);
		return;
	}
	if (!(r = ref_new(set))) {
		jws_keyset_free(set);
		snprintf(why, sizeof(why), "%s: out of memory", k->path);
		refuse(k, why);
		return;
	}
	pthread_mutex_lock(&k->lock);
	old = k->cur;
	k->cur = r;
	k->stats.loads++;
	k->stats.keys = jws_keyset_count(set);
	k->stats.last_error[0] = 0;
	ref_drop(old);
	pthread_mutex_unlock(&k->lock);
	tapir_log(TAPIR_LOG_INFO, "%s: trusted-keys %s: %zu keys in force",
		k->who, k->path, jws_keyset_count(set));
}

/* The path cannot be looked up any more: keep the keys, say so once. */
static void
gone(void *arg, int err)
{
	struct keyring *k = arg;
	char why[256];

	snprintf(why, sizeof(why), "%s: %s", k->path, file_strerror(err));
	refuse(k, why);
}

struct keyring *
keyring_create(const char *path, const char *who, unsigned poll_ms,
	char *err, size_t errlen)
{
	struct keyring *k = calloc(1, sizeof(*k));
	struct jws_keyset *set = NULL;
	struct file_id id;
	char why[256];

	if (!k || !(k->path = strdup(path))) {
		free(k);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(k->who, sizeof(k->who), "%s", who);
	pthread_mutex_init(&k->lock, NULL);
	k->watch.path = k->path;
	k->watch.poll_ms = poll_ms;
	k->watch.load = reload;
	k->watch.gone = gone;
	k->watch.arg = k;
	feed_watch_init(&k->watch);
	/* The version loaded now is not loaded again by the first poll. */
	if (file_id_get(path, &id) == 0)
		feed_watch_tried(&k->watch, 0, &id);
	if (jws_keyset_load_file(path, &set, why, sizeof(why)) != JWS_OK) {
		snprintf(err, errlen, "%s: trusted-keys %s", who, why);
		keyring_destroy(k);
		return NULL;
	}
	if (!(k->cur = ref_new(set))) {
		jws_keyset_free(set);
		snprintf(err, errlen, "out of memory");
		keyring_destroy(k);
		return NULL;
	}
	k->stats.loads = 1;
	k->stats.keys = jws_keyset_count(set);
	return k;
}

int
keyring_start(struct keyring *k)
{
	return feed_watch_start(&k->watch);
}

const struct jws_keyset *
keyring_acquire(struct keyring *k, struct keyring_ref **ref)
{
	struct keyring_ref *r;

	pthread_mutex_lock(&k->lock);
	r = k->cur;
	r->refs++;
	pthread_mutex_unlock(&k->lock);
	*ref = r;
	return r->set;
}

void
keyring_release(struct keyring *k, struct keyring_ref *ref)
{
	pthread_mutex_lock(&k->lock);
	ref_drop(ref);
	pthread_mutex_unlock(&k->lock);
}

const char *
keyring_path(const struct keyring *k)
{
	return k->path;
}

void
keyring_get_stats(struct keyring *k, struct keyring_stats *out)
{
	pthread_mutex_lock(&k->lock);
	*out = k->stats;
	pthread_mutex_unlock(&k->lock);
}

void
keyring_destroy(struct keyring *k)
{
	if (!k)
		return;
	feed_watch_destroy(&k->watch);
	if (k->cur)
		ref_drop(k->cur);
	pthread_mutex_destroy(&k->lock);
	free(k->path);
	free(k);
}
