/*
 * feeds/rpz/rpz_type.c - the type "rpz": its configuration and its
 * operations, over the transfer feed of feed_rpz.c.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/rpz/rpz_type.h"
#include "feeds/rpz/feed_rpz.h"
#include "module/base/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The source clause: the feed's parameters, less what the engine gives
 * (store, source, callbacks) and the saved zone's path. */
struct rpz_conf {
	struct feed_rpz_params p;
	size_t zone_len;
	char *tsig_name, *tsig_algorithm, *tsig_secret;
};

struct rpz_feed {
	struct feed_rpz *f;
	char *zone_file;
	const char *name;
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
tsig_algorithm(struct rpz_conf *c, const char *v, char *err, size_t errlen)
{
	static const char *const known[] = { "hmac-md5", "hmac-sha1",
		"hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcasecmp(v, known[i]) == 0)
			return feed_conf_string(&c->tsig_algorithm, known[i],
				err, errlen);
	snprintf(err, errlen, "unknown TSIG algorithm '%s'", v);
	return -1;
}

static int
tsig_secret(struct rpz_conf *c, const char *v, char *err, size_t errlen)
{
	const char *ch;

	if (!*v) {
		snprintf(err, errlen, "empty secret");
		return -1;
	}
	for (ch = v; *ch; ch++)
		if (!((*ch >= 'A' && *ch <= 'Z') || (*ch >= 'a' && *ch <= 'z') ||
		    (*ch >= '0' && *ch <= '9') || *ch == '+' || *ch == '/' ||
		    *ch == '=')) {
			snprintf(err, errlen, "the secret is not base64");
			return -1;
		}
	return feed_conf_string(&c->tsig_secret, v, err, errlen);
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
		return tsig_algorithm(c, v, err, errlen);
	if (strcmp(k->key, "tsig-secret") == 0)
		return tsig_secret(c, v, err, errlen);
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
	else if (!c->p.num_primaries)
		snprintf(err, errlen, "type rpz needs 'primary'");
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
	    !same_string(x->tsig_secret, y->tsig_secret))
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
	free(c);
}

/* ---- operations ---- */

static void
rpz_destroy(void *feed)
{
	struct rpz_feed *r = feed;

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

	(void)shared;
	if (!r)
		goto oom;
	r->name = env->name;
	if (env->state_dir) {
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
		free(r->zone_file);
		free(r);
		return NULL;
	}
	/* On a reload of the same source, the zone the running feed holds;
	 * else the saved zone serves until the primary answers. */
	if (!env->prev || feed_rpz_carry(r->f,
	    ((struct rpz_feed *)env->prev)->f) != 0)
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
	int e = feed_rpz_start(r->f);

	if (e != 0)
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			r->name, strerror(e));
	return e ? -1 : 0;
}

static void
rpz_stats(void *feed, struct feed_stats *out)
{
	struct rpz_feed *r = feed;
	struct feed_rpz_stats rs;

	feed_rpz_get_stats(r->f, &rs);
	memset(out, 0, sizeof(*out));
	out->updates = rs.axfr + rs.ixfr;
	out->failures = rs.failures;
	out->last_update = rs.last_update;
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
	fn(arg, "bad_records", rs.bad_records);
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
