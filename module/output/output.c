/*
 * module/output/output.c - an output: its configuration, its life and
 * its zone keeper (output.h says what an output is).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/output/output_int.h"
#include "module/base/log.h"
#include "module/policy/policy_zone.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Shortest time between two rounds of the zone keeper, milliseconds:
 * a burst of changes (MQTT observations) becomes one serial and one
 * journal entry, and the serial, in tenths of seconds, always moves. */
#define ROUND_MS 100
/* Owners decided per read section of a walk. */
#define WALK_CHUNK 512
/* Most bytes of reported keys kept between rounds; more is cheaper as
 * a walk of the whole store. */
#define PENDING_MAX ((size_t)32 << 20)

/* ---- configuration ---- */

struct output_conf *
output_conf_new(void)
{
	struct output_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->journal_bytes = (size_t)16 << 20;
	c->max_transfers = 8;
	return c;
}

/* "address" or "address/bits". */
static int
parse_prefix(const char *s, struct output_prefix *out, char *err,
	size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	socklen_t len;
	unsigned max;

	if (hlen >= sizeof(host) || strchr(s, '@')) {
		snprintf(err, errlen, "'%s' is not an address or prefix", s);
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (feed_conf_addr(host, 0, &out->addr, &len, err, errlen) != 0)
		return -1;
	max = out->addr.ss_family == AF_INET ? 32 : 128;
	bits = max;
	if (slash && feed_conf_uint(slash + 1, 0, max, &bits, err,
	    errlen) != 0)
		return -1;
	out->bits = (unsigned)bits;
	return 0;
}

/* A size in bytes, or with k, m or g as Unbound writes sizes. */
static int
parse_size(const char *s, size_t *out, char *err, size_t errlen)
{
	char num[32];
	size_t n = strlen(s);
	unsigned shift = 0;
	unsigned long v;

	if (n && (s[n - 1] == 'k' || s[n - 1] == 'K'))
		shift = 10;
	else if (n && (s[n - 1] == 'm' || s[n - 1] == 'M'))
		shift = 20;
	else if (n && (s[n - 1] == 'g' || s[n - 1] == 'G'))
		shift = 30;
	if (shift)
		n--;
	if (n >= sizeof(num)) {
		snprintf(err, errlen, "'%s' is not a size", s);
		return -1;
	}
	memcpy(num, s, n);
	num[n] = 0;
	if (feed_conf_uint(num, 0, (1UL << 40) >> shift, &v, err, errlen))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

int
output_conf_key(struct output_conf *c, const struct feed_conf_key *k,
	char *err, size_t errlen)
{
	const char *v;
	unsigned long n;
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;

	if (feed_conf_values(k, 1, 1, err, errlen) != 0)
		return -1;
	v = k->values[0];
	if (strcmp(k->key, "name") == 0) {
		if (!*v || strlen(v) >= 64 || strchr(v, '/')) {
			snprintf(err, errlen, "'%s' is not a name (1 to 63 "
				"characters, no '/')", v);
			return -1;
		}
		return feed_conf_string(&c->name, v, err, errlen);
	}
	if (strcmp(k->key, "zone") == 0)
		return feed_conf_name(v, c->zone, &c->zone_len, err, errlen);
	if (strcmp(k->key, "listen") == 0)
		return feed_conf_addr(v, 53, &c->listen, &c->listen_len, err,
			errlen);
	if (strcmp(k->key, "source") == 0) {
		if (c->num_sources >= OUTPUT_MAX_SOURCES) {
			snprintf(err, errlen, "at most %d sources",
				OUTPUT_MAX_SOURCES);
			return -1;
		}
		if (feed_conf_string(&c->sources[c->num_sources], v, err,
		    errlen) != 0)
			return -1;
		c->num_sources++;
		return 0;
	}
	if (strcmp(k->key, "tsig-key") == 0)
		return feed_conf_name(v, wire, &len, err, errlen) ||
		    feed_conf_string(&c->tsig_name, v, err, errlen) ? -1 : 0;
	if (strcmp(k->key, "tsig-algorithm") == 0)
		return feed_conf_tsig_algorithm(&c->tsig_algorithm, v, err,
			errlen);
	if (strcmp(k->key, "tsig-secret") == 0)
		return feed_conf_tsig_secret(&c->tsig_secret, v, err, errlen);
	if (strcmp(k->key, "allow-transfer") == 0) {
		if (c->num_allow >= OUTPUT_MAX_ADDRS) {
			snprintf(err, errlen, "at most %d prefixes",
				OUTPUT_MAX_ADDRS);
			return -1;
		}
		if (parse_prefix(v, &c->allow[c->num_allow], err, errlen))
			return -1;
		c->num_allow++;
		return 0;
	}
	if (strcmp(k->key, "notify") == 0) {
		if (c->num_notify >= OUTPUT_MAX_ADDRS) {
			snprintf(err, errlen, "at most %d addresses",
				OUTPUT_MAX_ADDRS);
			return -1;
		}
		if (feed_conf_addr(v, 53, &c->notify[c->num_notify],
		    &c->notify_len[c->num_notify], err, errlen) != 0)
			return -1;
		c->num_notify++;
		return 0;
	}
	if (strcmp(k->key, "journal-size") == 0)
		return parse_size(v, &c->journal_bytes, err, errlen);
	if (strcmp(k->key, "max-transfers") == 0) {
		if (feed_conf_uint(v, 1, 256, &n, err, errlen) != 0)
			return -1;
		c->max_transfers = (unsigned)n;
		return 0;
	}
	snprintf(err, errlen, "unknown key in output: clause");
	return -1;
}

int
output_conf_check(const struct output_conf *c, char *err, size_t errlen)
{
	if (!c->name)
		snprintf(err, errlen, "output: missing 'name'");
	else if (!c->zone_len)
		snprintf(err, errlen, "output '%s' needs 'zone'", c->name);
	else if (!c->listen_len)
		snprintf(err, errlen, "output '%s' needs 'listen'", c->name);
	else if (!c->tsig_name != !c->tsig_secret)
		snprintf(err, errlen, "output '%s': tsig-key and tsig-secret "
			"go together", c->name);
	else
		return 0;
	return -1;
}

/* The strings of a clause. */
static void
conf_strings_free(struct output_conf *c)
{
	unsigned i;

	free(c->name);
	for (i = 0; i < c->num_sources; i++)
		free(c->sources[i]);
	free(c->tsig_name);
	free(c->tsig_algorithm);
	free(c->tsig_secret);
}

void
output_conf_free(struct output_conf *c)
{
	if (!c)
		return;
	conf_strings_free(c);
	free(c);
}

/* ---- the zone keeper ---- */

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The serial for a round now: Unix time in tenths of a second, modulo
 * 2^32.  Rounds are at least ROUND_MS apart, so it moves on every one,
 * and a restart or a reload never goes back (RFC 1982 holds for 6.8
 * years between two serials); zone_publish() adds one should the clock
 * have gone back. */
static uint32_t
serial_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 10 +
		(uint64_t)ts.tv_nsec / 100000000);
}

/* A round's work: what changes in the map, and what of that changes
 * records (the journal entry). */
struct round {
	struct output *o;
	struct policy_snapshot *snap;
	int64_t now;
	struct zone_diff *updates, *diff;
	uint8_t gen;            /* a walk's mark, 0 otherwise */
	int failed;
};

static struct zone_diff *
diff_new(void)
{
	return calloc(1, sizeof(struct zone_diff));
}

static void
diff_free(struct zone_diff *d)
{
	if (d) {
		free(d->buf);
		free(d);
	}
}

/* One owner as the store decides it now: listed or not (then action
 * ZONE_GONE), its action and a redirect's own data (copied into buf:
 * the store's copy lives only in the read section). */
static uint8_t
owner_state(struct round *rd, const uint8_t *name, int subtree, int listed,
	uint8_t *buf, uint16_t *len)
{
	struct output *o = rd->o;
	struct policy_decision d;
	uint8_t action;

	*len = 0;
	if (!listed)
		return ZONE_GONE;
	policy_read_begin(o->env.store, o->env.reader);
	action = (uint8_t)policy_zone_decide(o->env.store, name, subtree,
		rd->now, &d);
	if (action == POLICY_ACTION_REDIRECT && d.data_len) {
		memcpy(buf, d.data, d.data_len);
		*len = d.data_len;
	}
	policy_read_end(o->env.store, o->env.reader);
	return action;
}

/* Compare an owner's new state with the zone's and note the change. */
static void
note_owner(struct round *rd, const uint8_t *name, int subtree,
	uint8_t action, const uint8_t *data, uint16_t len)
{
	struct zone_rec *r = zone_map_find(&rd->o->zone.map, name, subtree);
	uint8_t old = r ? r->action : 0, shown = action == ZONE_GONE ? 0 :
		action;

	if (r && rd->gen)
		r->mark = rd->gen;
	if (r ? zone_same(r->action, r->bytes + r->name_len, r->data_len,
	    action, data, len) : action == ZONE_GONE)
		return;
	if (zone_diff_add(rd->updates, name, subtree, r, action, data, len))
		rd->failed = 1;
	if (!zone_same(old, r ? r->bytes + r->name_len : NULL, r ?
	    r->data_len : 0, shown, data, len) &&
	    zone_diff_add(rd->diff, name, subtree, r, shown, data, len))
		rd->failed = 1;
}

/* Every owner of the store, and every owner of the zone the store no
 * longer lists. */
static void
round_walk(struct round *rd)
{
	struct output *o = rd->o;
	struct zone_map *m = &o->zone.map;
	struct policy_zone_walk w;
	const uint8_t *name;
	uint8_t buf[65536];
	size_t i;
	int subtree;

	policy_zone_walk_init(&w, o->env.store, rd->snap, rd->now,
		o->env.sources);
	while (!rd->failed && policy_zone_walk_next(&w, &name, &subtree)) {
		uint16_t len;
		uint8_t a = owner_state(rd, name, subtree, 1, buf, &len);
		note_owner(rd, name, subtree, a, buf, len);
	}
	for (i = 0; !rd->failed && m->slots && i <= m->mask; i++) {
		struct zone_rec *r = m->slots[i];
		if (r && r->mark != rd->gen)
			note_owner(rd, r->bytes, r->subtree, ZONE_GONE, NULL,
				0);
	}
}

/* Whether a name is strictly below one of the names in subs. */
static int
below_any(const struct zone_map *subs, const uint8_t *name)
{
	while (name[0]) {
		name += 1 + name[0];
		if (zone_map_find(subs, name, 0))
			return 1;
	}
	return 0;
}

static int
key_add(struct zone_map *set, const uint8_t *name, int subtree)
{
	struct zone_rec *r;

	if (zone_map_find(set, name, subtree))
		return 0;
	if (!(r = zone_rec_new(name, subtree, 0, NULL, 0)))
		return -1;
	if (zone_map_set(set, name, subtree, r)) {
		free(r);
		return -1;
	}
	return 0;
}

/* The owners the reported keys may have changed: each key's own, and
 * for a "*." key (or any key of a match-subdomains source) its "*."
 * owner and every owner of the zone below it. */
static void
round_keys(struct round *rd, const uint8_t *keys, size_t len)
{
	struct output *o = rd->o;
	struct zone_map affected = { 0 }, subs = { 0 };
	uint8_t buf[65536];
	size_t off, i;

	for (off = 0; !rd->failed && off < len; off += 2u + keys[off]) {
		const uint8_t *name = keys + off + 2;
		if (key_add(&affected, name, 0) || (keys[off + 1] &&
		    (key_add(&affected, name, 1) || key_add(&subs, name, 0))))
			rd->failed = 1;
	}
	for (i = 0; !rd->failed && subs.count && i <= o->zone.map.mask;
	    i++) {
		const struct zone_rec *r = o->zone.map.slots[i];
		if (r && below_any(&subs, r->bytes) &&
		    key_add(&affected, r->bytes, r->subtree))
			rd->failed = 1;
	}
	for (i = 0; !rd->failed && affected.slots && i <= affected.mask;
	    i++) {
		const struct zone_rec *k = affected.slots[i];
		uint16_t dlen;
		uint8_t a;
		if (!k)
			continue;
		a = owner_state(rd, k->bytes, k->subtree, policy_zone_listed(
			o->env.store, rd->snap, k->bytes, k->subtree, rd->now,
			o->env.sources), buf, &dlen);
		note_owner(rd, k->bytes, k->subtree, a, buf, dlen);
	}
	zone_map_clear(&affected);
	zone_map_clear(&subs);
}

/* One round: the keys reported (or, with keys NULL, a walk of the whole
 * store), decided and published.  Returns 1 when the serial moved, 0
 * when nothing changed, -1 when it could not be done (out of memory: a
 * walk is due). */
static int
keeper_round(struct output *o, const uint8_t *keys, size_t len, int first)
{
	struct round rd = { o, NULL, (int64_t)time(NULL), NULL, NULL, 0, 0 };
	uint32_t before = o->zone.serial;
	size_t changes;
	int rc;

	if (!(rd.snap = policy_snapshot_take(o->env.store)) ||
	    !(rd.updates = diff_new()) || !(rd.diff = diff_new()))
		rd.failed = 1;
	if (!keys && !rd.failed) {
		/* 1..255: a record a walk never saw keeps mark 0. */
		o->gen = (uint8_t)(o->gen % 255 + 1);
		rd.gen = o->gen;
		round_walk(&rd);
	} else if (!rd.failed)
		round_keys(&rd, keys, len);
	policy_snapshot_release(rd.snap);
	if (rd.failed) {
		diff_free(rd.updates);
		diff_free(rd.diff);
		tapir_log(TAPIR_LOG_ERR, "output %s: out of memory updating "
			"the zone (trying again)", o->c.name);
		return -1;
	}
	changes = rd.diff->changes;
	if (first) {
		/* The first zone has no difference to keep. */
		diff_free(rd.diff);
		rd.diff = diff_new();
	}
	rc = rd.diff ? zone_publish(&o->zone, rd.updates, rd.diff,
		serial_now()) : -1;
	diff_free(rd.updates);
	if (rc != 0) {
		tapir_log(TAPIR_LOG_ERR, "output %s: out of memory updating "
			"the zone (rebuilding it)", o->c.name);
		return -1;
	}
	if (first) {
		zone_start(&o->zone, serial_now());
		tapir_log(TAPIR_LOG_INFO, "output %s: zone %s serial %u: %zu "
			"owners", o->c.name, o->zone_text,
			(unsigned)o->zone.serial, o->zone.map.owners);
		return 1;
	}
	if (o->zone.serial == before)
		return 0;
	tapir_log(TAPIR_LOG_INFO, "output %s: zone %s serial %u: %zu owners "
		"changed, %zu owners", o->c.name, o->zone_text,
		(unsigned)o->zone.serial, changes, o->zone.map.owners);
	return 1;
}

/* Sleep until a moment, however often woken; 1 if stopping. */
static int
sleep_until(struct tapir_thread *t, uint64_t when)
{
	uint64_t now;

	while ((now = mono_ms()) < when)
		if (tapir_thread_sleep(t, (unsigned)(when - now)))
			return 1;
	return 0;
}

static void *
keeper_main(void *arg)
{
	struct output *o = arg;
	int built = 0;

	for (;;) {
		uint8_t *keys;
		size_t len;
		int rebuild, r;
		uint64_t started = mono_ms();
		pthread_mutex_lock(&o->pending_lock);
		keys = o->pending;
		len = o->pending_len;
		rebuild = o->rebuild || !built;
		o->pending = NULL;
		o->pending_len = o->pending_cap = 0;
		o->rebuild = 0;
		pthread_mutex_unlock(&o->pending_lock);
		if (rebuild || len) {
			r = keeper_round(o, rebuild ? NULL : keys, len, !built);
			if (r < 0) {
				pthread_mutex_lock(&o->pending_lock);
				o->rebuild = 1;
				pthread_mutex_unlock(&o->pending_lock);
			} else
				built = 1;
			if (r > 0)
				serve_new_serial(o);
		}
		free(keys);
		if (sleep_until(&o->keeper, started + ROUND_MS))
			break;
		pthread_mutex_lock(&o->pending_lock);
		r = !o->pending_len && !o->rebuild;
		pthread_mutex_unlock(&o->pending_lock);
		/* Nothing new: wait to be woken (or a second, to retry a
		 * walk that failed). */
		if (r && tapir_thread_sleep(&o->keeper, 1000))
			break;
	}
	return NULL;
}

void
output_changed(void *arg, const uint8_t *name, int subtree)
{
	struct output *o = arg;
	size_t len = name ? name_wire_len(name) : 0;

	pthread_mutex_lock(&o->pending_lock);
	if (o->rebuild)
		;
	else if (!name || o->pending_len + 2 + len > PENDING_MAX) {
		o->rebuild = 1;
		free(o->pending);
		o->pending = NULL;
		o->pending_len = o->pending_cap = 0;
	} else {
		if (o->pending_len + 2 + len > o->pending_cap) {
			size_t cap = o->pending_cap ? o->pending_cap * 2 : 4096;
			uint8_t *p = realloc(o->pending, cap);
			if (!p) {
				o->rebuild = 1;
				goto out;
			}
			o->pending = p;
			o->pending_cap = cap;
		}
		o->pending[o->pending_len] = (uint8_t)len;
		o->pending[o->pending_len + 1] = (uint8_t)!!subtree;
		memcpy(o->pending + o->pending_len + 2, name, len);
		o->pending_len += 2 + len;
	}
out:
	pthread_mutex_unlock(&o->pending_lock);
	tapir_thread_wake(&o->keeper);
}

/* ---- life ---- */

static int
copy_string(char **s)
{
	return *s && !(*s = strdup(*s)) ? -1 : 0;
}

struct output *
output_create(const struct output_conf *c, const struct output_env *env,
	char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));
	unsigned i;
	int bad = 0;

	if (!o) {
		snprintf(err, errlen, "output %s: out of memory", c->name);
		return NULL;
	}
	o->c = *c;
	o->c.next = NULL;
	o->env = *env;
	bad |= copy_string(&o->c.name) | copy_string(&o->c.tsig_name) |
		copy_string(&o->c.tsig_algorithm) |
		copy_string(&o->c.tsig_secret);
	for (i = 0; i < o->c.num_sources; i++)
		bad |= copy_string(&o->c.sources[i]);
	if (env->redirect_len && (o->redirect = malloc(env->redirect_len)))
		memcpy(o->redirect, env->redirect, env->redirect_len);
	o->env.redirect = o->redirect;
	if (bad || (env->redirect_len && !o->redirect)) {
		conf_strings_free(&o->c);
		free(o->redirect);
		free(o);
		snprintf(err, errlen, "output %s: out of memory", c->name);
		return NULL;
	}
	name_to_text(o->c.zone, o->zone_text, sizeof(o->zone_text));
	zone_init(&o->zone, o->c.journal_bytes);
	tapir_thread_init(&o->keeper);
	pthread_mutex_init(&o->pending_lock, NULL);
	pthread_mutex_init(&o->stats_lock, NULL);
	return o;
}

int
output_start(struct output *o, char *err, size_t errlen)
{
	int e;

	if (serve_open(o, err, errlen) != 0)
		return -1;
	if ((e = tapir_thread_start(&o->keeper, keeper_main, o)) != 0 ||
	    (e = serve_start(o)) != 0) {
		snprintf(err, errlen, "output %s: cannot start a thread: %s",
			o->c.name, strerror(e));
		return -1;
	}
	return 0;
}

void
output_get_stats(struct output *o, struct output_stats *out)
{
	pthread_mutex_lock(&o->stats_lock);
	*out = o->stats;
	pthread_mutex_unlock(&o->stats_lock);
	pthread_mutex_lock(&o->zone.lock);
	out->serial = o->zone.serial;
	out->owners = o->zone.map.owners;
	out->journal_entries = o->zone.journal_entries;
	out->journal_bytes = o->zone.journal_bytes;
	pthread_mutex_unlock(&o->zone.lock);
}

const char *
output_name(const struct output *o)
{
	return o->c.name;
}

void
output_destroy(struct output *o)
{
	if (!o)
		return;
	tapir_thread_stop(&o->keeper);
	tapir_thread_destroy(&o->keeper);
	serve_destroy(o);
	zone_destroy(&o->zone);
	pthread_mutex_destroy(&o->pending_lock);
	pthread_mutex_destroy(&o->stats_lock);
	free(o->pending);
	free(o->redirect);
	conf_strings_free(&o->c);
	free(o);
}
