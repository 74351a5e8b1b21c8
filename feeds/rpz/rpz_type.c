/*
 * feeds/rpz/rpz_type.c - the type "rpz": its configuration and its
 * operations, over the transfer feed of feed_rpz.c.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/rpz/rpz_type.h"
#include "feeds/rpz/feed_rpz.h"
#include "feeds/rpz/rpz_fetch.h"
#include "feeds/https.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The source clause: the feed's parameters, less what the engine gives
 * (store, source, callbacks) and the saved zone's path. */
struct rpz_conf {
	struct feed_rpz_params p;
	size_t zone_len;
	char *tsig_name, *tsig_algorithm, *tsig_secret;
	/* The zone from a file (watched) or an HTTPS URL (polled), instead
	 * of primaries. */
	char *file, *url, *ca_file, *cert_file, *key_file;
	unsigned poll_interval;     /* url: seconds */
};

/* A url: source tries this often before waiting a whole poll interval. */
#define FETCH_TRIES 3

struct rpz_feed {
	struct feed_rpz *f;
	const struct rpz_conf *conf;
	char *zone_file;
	const char *name;
	/* file: its watcher; url: the fetching thread, its validators and
	 * counters. */
	struct feed_watch watch;
	struct tapir_thread fetcher;
	struct rpz_fetch_state fetch;
	pthread_mutex_t lock;
	uint64_t fetches, not_modified;
};

/* ---- configuration ---- */

static void *
rpz_conf_new(void)
{
	struct rpz_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->p.refresh_min = 30;
	c->p.refresh_max = 86400;
	c->p.max_transfer_bytes = (uint64_t)1024 << 20;
	c->p.transfer_timeout = 300;
	c->poll_interval = 300;
	return c;
}

static int
add_addr(struct sockaddr_storage *addrs, socklen_t *lens, unsigned *n,
	const char *text, int port, char *err, size_t errlen)
{
	socklen_t len;

	if (*n >= FEED_RPZ_MAX_ADDRS) {
		snprintf(err, errlen, "at most %d addresses",
			FEED_RPZ_MAX_ADDRS);
		return -1;
	}
	if (feed_conf_addr(text, port, &addrs[*n], &len, err, errlen) != 0)
		return -1;
	if (lens)
		lens[*n] = len;
	(*n)++;
	return 0;
}

static int
rpz_conf_key(void *conf, const struct feed_conf_key *k, char *err,
	size_t errlen)
{
	struct rpz_conf *c = conf;
	const char *v;
	unsigned long n;
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;

	if (feed_conf_values(k, 1, 1, err, errlen) != 0)
		return -1;
	v = k->values[0];
	if (strcmp(k->key, "zone") == 0)
		return feed_conf_name(v, c->p.zone, &c->zone_len, err, errlen);
	if (strcmp(k->key, "primary") == 0)
		return add_addr(c->p.primaries, c->p.primary_lens,
			&c->p.num_primaries, v, 53, err, errlen);
	if (strcmp(k->key, "tsig-key") == 0)
		return feed_conf_name(v, wire, &len, err, errlen) ||
		    feed_conf_string(&c->tsig_name, v, err, errlen) ? -1 : 0;
	if (strcmp(k->key, "tsig-algorithm") == 0)
		return feed_conf_tsig_algorithm(&c->tsig_algorithm, v, err,
		    errlen);
	if (strcmp(k->key, "tsig-secret") == 0)
		return feed_conf_tsig_secret(&c->tsig_secret, v, err, errlen);
	if (strcmp(k->key, "file") == 0)
		return feed_conf_string(&c->file, v, err, errlen);
	if (strcmp(k->key, "url") == 0) {
		if (strncasecmp(v, "https://", 8) != 0) {
			snprintf(err, errlen, "'%s' is not an https:// URL", v);
			return -1;
		}
		return feed_conf_string(&c->url, v, err, errlen);
	}
	if (strcmp(k->key, "ca-file") == 0)
		return feed_conf_string(&c->ca_file, v, err, errlen);
	if (strcmp(k->key, "cert-file") == 0)
		return feed_conf_string(&c->cert_file, v, err, errlen);
	if (strcmp(k->key, "key-file") == 0)
		return feed_conf_string(&c->key_file, v, err, errlen);
	if (strcmp(k->key, "poll-interval") == 0) {
		if (feed_conf_uint(v, 1, 604800, &n, err, errlen) != 0)
			return -1;
		c->poll_interval = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "notify-listen") == 0)
		return feed_conf_addr(v, 53, &c->p.notify_listen,
			&c->p.notify_listen_len, err, errlen);
	if (strcmp(k->key, "allow-notify") == 0)
		return add_addr(c->p.allow_notify, NULL,
			&c->p.num_allow_notify, v, 0, err, errlen);
	if (strcmp(k->key, "refresh-min") == 0) {
		if (feed_conf_uint(v, 0, 604800, &n, err, errlen) != 0)
			return -1;
		c->p.refresh_min = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "refresh-max") == 0) {
		if (feed_conf_uint(v, 0, 604800, &n, err, errlen) != 0)
			return -1;
		c->p.refresh_max = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "transfer-max-size") == 0) {
		if (feed_conf_uint(v, 1, 65536, &n, err, errlen) != 0)
			return -1;
		c->p.max_transfer_bytes = (uint64_t)n << 20;
		return 0;
	}
	if (strcmp(k->key, "transfer-timeout") == 0) {
		if (feed_conf_uint(v, 1, 86400, &n, err, errlen) != 0)
			return -1;
		c->p.transfer_timeout = (unsigned)n;
		return 0;
	}
	snprintf(err, errlen, "unknown key for a source of type rpz");
	return -1;
}

static int
rpz_conf_check(const void *conf, const void *clause, char *err,
	size_t errlen)
{
	const struct rpz_conf *c = conf;

	(void)clause;
	if (!c->zone_len)
		snprintf(err, errlen, "type rpz needs 'zone'");
	else if (!!c->p.num_primaries + !!c->file + !!c->url != 1)
		snprintf(err, errlen, "type rpz needs one of 'primary', 'file' "
			"or 'url'");
	else if ((c->ca_file || c->cert_file || c->key_file) && !c->url)
		snprintf(err, errlen, "ca-file, cert-file and key-file go with "
			"'url'");
	else if (!c->cert_file != !c->key_file)
		snprintf(err, errlen, "cert-file and key-file go together");
	else if (!c->tsig_name != !c->tsig_secret)
		snprintf(err, errlen, "tsig-key and tsig-secret go together");
	else if (c->p.refresh_min > c->p.refresh_max)
		snprintf(err, errlen, "refresh-min is above refresh-max");
	else
		return 0;
	return -1;
}

/* Two strings alike, NULL included. */
static int
same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Every key of the clause counts: another primary or key could serve
 * another zone under the same name. */
static int
rpz_conf_equal(const void *a, const void *b)
{
	const struct rpz_conf *x = a, *y = b;
	const struct feed_rpz_params *p = &x->p, *q = &y->p;
	unsigned i;

	if (x->zone_len != y->zone_len ||
	    memcmp(p->zone, q->zone, x->zone_len) != 0 ||
	    p->num_primaries != q->num_primaries ||
	    p->num_allow_notify != q->num_allow_notify ||
	    p->notify_listen_len != q->notify_listen_len ||
	    memcmp(&p->notify_listen, &q->notify_listen,
	    p->notify_listen_len) != 0 ||
	    p->refresh_min != q->refresh_min ||
	    p->refresh_max != q->refresh_max ||
	    p->max_transfer_bytes != q->max_transfer_bytes ||
	    p->transfer_timeout != q->transfer_timeout ||
	    !same_string(x->tsig_name, y->tsig_name) ||
	    !same_string(x->tsig_algorithm, y->tsig_algorithm) ||
	    !same_string(x->tsig_secret, y->tsig_secret) ||
	    !same_string(x->file, y->file) || !same_string(x->url, y->url) ||
	    !same_string(x->ca_file, y->ca_file) ||
	    !same_string(x->cert_file, y->cert_file) ||
	    !same_string(x->key_file, y->key_file) ||
	    x->poll_interval != y->poll_interval)
		return 0;
	for (i = 0; i < p->num_primaries; i++)
		if (p->primary_lens[i] != q->primary_lens[i] ||
		    memcmp(&p->primaries[i], &q->primaries[i],
		    p->primary_lens[i]) != 0)
			return 0;
	for (i = 0; i < p->num_allow_notify; i++)
		if (memcmp(&p->allow_notify[i], &q->allow_notify[i],
		    sizeof(p->allow_notify[i])) != 0)
			return 0;
	return 1;
}

static void
rpz_conf_free(void *conf)
{
	struct rpz_conf *c = conf;

	if (!c)
		return;
	free(c->tsig_name);
	free(c->tsig_algorithm);
	free(c->tsig_secret);
	free(c->file);
	free(c->url);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c);
}

/* ---- file: and url: ---- */

/* Apply the zone file; the watcher is told what was tried. */
static int
file_load(struct rpz_feed *r)
{
	struct file_id id;
	FILE *in;
	int fd, e, rc;

	if ((e = file_open(r->conf->file, &fd, &id)) != 0) {
		char why[600];
		feed_watch_tried(&r->watch, e, &id);
		snprintf(why, sizeof(why), "cannot open %s: %s",
			r->conf->file, file_strerror(e));
		tapir_log(TAPIR_LOG_ERR, "source %s: %s", r->name, why);
		return -1;
	}
	feed_watch_tried(&r->watch, 0, &id);
	if (!(in = fdopen(fd, "r"))) {
		close(fd);
		return -1;
	}
	rc = feed_rpz_load_text(r->f, in, r->conf->file);
	fclose(in);
	return rc;
}

static void
watch_load(void *arg)
{
	file_load(arg);
}

static void
watch_gone(void *arg, int err)
{
	struct rpz_feed *r = arg;

	tapir_log(TAPIR_LOG_ERR, "source %s: cannot open %s: %s (the zone in "
		"force stays)", r->name, r->conf->file, file_strerror(err));
}

static int
fetch_stopping(void *arg)
{
	struct rpz_feed *r = arg;
	int s;

	pthread_mutex_lock(&r->fetcher.lock);
	s = r->fetcher.stop;
	pthread_mutex_unlock(&r->fetcher.lock);
	return s;
}

/* One poll of the URL: up to FETCH_TRIES fetches, 1 s then 2 s apart,
 * while the failure may pass; a 304 keeps the zone in force and costs no
 * reload, a broken zone or an error keeps it too. */
static void
url_poll(struct rpz_feed *r)
{
	struct rpz_fetch_options o = {
		r->conf->url, r->conf->ca_file, r->conf->cert_file,
		r->conf->key_file, r->conf->p.max_transfer_bytes,
		(long)r->conf->p.transfer_timeout * 1000, fetch_stopping, r
	};
	enum rpz_fetch_result res = RPZ_FETCH_RETRY;
	char err[512];
	unsigned i;

	for (i = 0; i < FETCH_TRIES && res == RPZ_FETCH_RETRY; i++) {
		if (i && tapir_thread_sleep(&r->fetcher, 1000u << (i - 1)))
			return;
		res = rpz_fetch(&o, &r->fetch, err, sizeof(err));
		pthread_mutex_lock(&r->lock);
		r->fetches++;
		r->not_modified += res == RPZ_FETCH_NOT_MODIFIED;
		pthread_mutex_unlock(&r->lock);
	}
	if (res == RPZ_FETCH_OK) {
		FILE *in = fmemopen(r->fetch.body, r->fetch.len ?
			r->fetch.len : 1, "r");
		if (in) {
			feed_rpz_load_text(r->f, in, r->conf->url);
			fclose(in);
		}
		free(r->fetch.body);
		r->fetch.body = NULL;
	} else if (res != RPZ_FETCH_NOT_MODIFIED)
		tapir_log(TAPIR_LOG_ERR, "source %s: %s (the zone in force "
			"stays)", r->name, err);
}

static void *
fetcher_main(void *arg)
{
	struct rpz_feed *r = arg;

	do
		url_poll(r);
	while (!tapir_thread_sleep(&r->fetcher, r->conf->poll_interval *
	    1000u));
	return NULL;
}

/* ---- operations ---- */

static void
rpz_destroy(void *feed)
{
	struct rpz_feed *r = feed;

	feed_watch_destroy(&r->watch);
	tapir_thread_stop(&r->fetcher);
	tapir_thread_destroy(&r->fetcher);
	pthread_mutex_destroy(&r->lock);
	feed_rpz_destroy(r->f);
	free(r->zone_file);
	free(r);
}

static void *
rpz_create(const void *conf, void *shared, const struct feed_env *env,
	char *err, size_t errlen)
{
	const struct rpz_conf *c = conf;
	struct rpz_feed *r = calloc(1, sizeof(*r));
	struct feed_rpz_params p = c->p;
	int carried;

	(void)shared;
	if (!r)
		goto oom;
	/* libcurl's global set-up, once per process: when the engine is
	 * created (at start-up, before any thread), not in the fetcher. */
	if (c->url && feed_https_init() != 0) {
		free(r);
		snprintf(err, errlen, "source %s: cannot initialise libcurl",
			env->name);
		return NULL;
	}
	r->name = env->name;
	r->conf = c;
	tapir_thread_init(&r->fetcher);
	pthread_mutex_init(&r->lock, NULL);
	r->watch.path = c->file;
	r->watch.poll_ms = env->poll_ms;
	r->watch.load = watch_load;
	r->watch.gone = watch_gone;
	r->watch.arg = r;
	feed_watch_init(&r->watch);
	/* A zone file is its own saved copy. */
	if (env->state_dir && !c->file) {
		size_t len = strlen(env->state_dir) + strlen(env->name) + 6;
		if (!(r->zone_file = malloc(len)))
			goto oom;
		snprintf(r->zone_file, len, "%s/%s.rpz", env->state_dir,
			env->name);
	}
	p.source_name = env->name;
	p.tsig_name = c->tsig_name;
	p.tsig_algorithm = c->tsig_algorithm ? c->tsig_algorithm :
		"hmac-sha256";
	p.tsig_secret = c->tsig_secret;
	p.zone_file = r->zone_file;
	p.store = env->store;
	p.source = env->source;
	p.changed = env->changed;
	p.changed_arg = env->changed_arg;
	if (!(r->f = feed_rpz_create(&p))) {
		snprintf(err, errlen, "source %s: cannot create the RPZ feed",
			env->name);
		rpz_destroy(r);
		return NULL;
	}
	/* On a reload of the same source, the zone the running feed holds
	 * (a zone file is then loaded over it, so only its difference is
	 * stored); else a zone file is loaded now, and the saved zone
	 * serves until the primary or the URL answers. */
	carried = env->prev && feed_rpz_carry(r->f,
		((struct rpz_feed *)env->prev)->f) == 0;
	if (c->file) {
		if (file_load(r) != 0 && env->strict) {
			snprintf(err, errlen, "source %s: cannot load %s (see "
				"the log)", env->name, c->file);
			rpz_destroy(r);
			return NULL;
		}
	} else if (!carried)
		feed_rpz_load_saved(r->f);
	return r;
oom:
	if (r)
		free(r);
	snprintf(err, errlen, "source %s: out of memory", env->name);
	return NULL;
}

static int
rpz_start(void *feed, char *err, size_t errlen)
{
	struct rpz_feed *r = feed;
	int e = r->conf->file ? feed_watch_start(&r->watch) : r->conf->url ?
		tapir_thread_start(&r->fetcher, fetcher_main, r) :
		feed_rpz_start(r->f);

	return feed_start_result(e, r->name, err, errlen);
}

static void
rpz_stats(void *feed, struct feed_stats *out)
{
	struct rpz_feed *r = feed;
	struct feed_rpz_stats rs;

	feed_rpz_get_stats(r->f, &rs);
	memset(out, 0, sizeof(*out));
	out->updates = rs.axfr + rs.ixfr + rs.loads;
	out->failures = rs.failures;
	out->last_update = rs.last_update;
	out->last_failure = rs.last_failure;
	memcpy(out->last_failure_reason, rs.last_failure_reason,
		sizeof(out->last_failure_reason));
	out->state_broken = rs.state_broken;
	memcpy(out->last_error, rs.last_error, sizeof(out->last_error));
}

static void
rpz_extras(void *feed, feed_extra_fn fn, void *arg)
{
	struct rpz_feed *r = feed;
	struct feed_rpz_stats rs;

	feed_rpz_get_stats(r->f, &rs);
	fn(arg, "serial", rs.serial);
	fn(arg, "axfr", rs.axfr);
	fn(arg, "ixfr", rs.ixfr);
	fn(arg, "notifies", rs.notifies);
	fn(arg, "notifies_refused", rs.notifies_refused);
	fn(arg, "records_skipped", rs.skipped_records);
	fn(arg, "skipped_trigger", rs.skipped_trigger);
	fn(arg, "skipped_outside", rs.skipped_outside);
	fn(arg, "skipped_ignored", rs.skipped_ignored);
	fn(arg, "last_transfer_time", (uint64_t)rs.last_transfer);
	fn(arg, "last_transfer_bytes", rs.last_transfer_bytes);
	fn(arg, "bad_records", rs.bad_records);
	if (r->conf->url) {
		uint64_t fetches, not_modified;
		pthread_mutex_lock(&r->lock);
		fetches = r->fetches;
		not_modified = r->not_modified;
		pthread_mutex_unlock(&r->lock);
		fn(arg, "fetches", fetches);
		fn(arg, "not_modified", not_modified);
	}
}

const struct feed_type feed_type_rpz = {
	.name = "rpz",
	.conf_new = rpz_conf_new,
	.conf_key = rpz_conf_key,
	.conf_check = rpz_conf_check,
	.conf_free = rpz_conf_free,
	.conf_equal = rpz_conf_equal,
	.create = rpz_create,
	.start = rpz_start,
	.stats = rpz_stats,
	.extras = rpz_extras,
	.destroy = rpz_destroy,
};
