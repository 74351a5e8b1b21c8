/*
 * module/unbound/ub_cache.c - removing names from Unbound's caches.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * unbound-control's flush does the same with static helpers of remote.c,
 * which a module cannot call; this is our own version.
 *
 * A change set leaves the caches in two steps.  At once, the common types
 * of each name (a few hash lookups a name), so the next query for those
 * reaches the module.  Then one pass over both caches checks every cached
 * name against the whole set: that finds every other type and class, every
 * name below a subtree entry, and, since removing an RRset invalidates
 * every message that refers to it, every cached chain through them.  A
 * type nobody thought to list is the one a determined client would cache
 * before its name is blocked.  The pass goes in slices of bounded work,
 * one per nudge, so however big the cache or the change, no worker holds a
 * cache lock or keeps its clients waiting for long.  Names queued while a
 * pass runs wait for the next pass: the running one has already passed
 * some of the entries they would match.
 */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/module.h"
#include "util/net_help.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/storage/lruhash.h"
#include "util/storage/slabhash.h"
#include "services/cache/rrset.h"
#include "sldns/rrdef.h"

#include "module/base/names.h"
#include "module/unbound/ub_cache.h"

/* What a client is likely to have cached for a blocked name: removed at
 * once, before the pass over the caches gets to the rest. */
static const uint16_t flush_types[] = {
	LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SOA,
	LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_DNAME, LDNS_RR_TYPE_MX,
	LDNS_RR_TYPE_PTR, LDNS_RR_TYPE_SRV, LDNS_RR_TYPE_NAPTR,
	LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_SVCB, LDNS_RR_TYPE_HTTPS,
	LDNS_RR_TYPE_ANY,
};

/* A bigger change set skips the removal at once: its cost would be paid
 * by one worker in one go, and the pass finds the names anyway. */
#define AT_ONCE_MAX 256
/* Bins and entries one slice of the pass looks at: a fraction of a
 * millisecond of one worker. */
#define SLICE_VISITS 8192

enum { CACHE_MSG, CACHE_RRSET, CACHES };

struct ub_cache_sweep {
	/* Drains can overlap when an unanswered nudge is sent again. */
	pthread_mutex_t lock;
	struct nameset *pass;  /* what the running pass looks for */
	struct nameset *next;  /* queued since it began */
	int cache;             /* the cache the pass is in */
	size_t slab, bin;      /* where it goes on */
	size_t bins;           /* the slab's bin count when it got there */
	uint64_t passes, removed;
};

/* A key to remove once the slab's locks are released. */
struct ckey {
	uint8_t name[NAME_WIRE_MAX];
	size_t len;
	uint16_t type, dclass;
	uint32_t flags;
	hashvalue_type hash;
};

struct collected {
	struct ckey *keys;
	size_t count, cap;
};

static void
collect(struct collected *c, const uint8_t *name, size_t len, uint16_t type,
	uint16_t dclass, uint32_t flags, hashvalue_type hash)
{
	if (len > sizeof(c->keys[0].name))
		return;
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct ckey *k = realloc(c->keys, cap * sizeof(*k));
		if (!k)
			return;
		c->keys = k;
		c->cap = cap;
	}
	memcpy(c->keys[c->count].name, name, len);
	c->keys[c->count].len = len;
	c->keys[c->count].type = type;
	c->keys[c->count].dclass = dclass;
	c->keys[c->count].flags = flags;
	c->keys[c->count].hash = hash;
	c->count++;
}

static void
remove_msg(struct module_env *env, uint8_t *name, size_t len,
	uint16_t type, uint16_t dclass)
{
	struct query_info k;

	memset(&k, 0, sizeof(k));
	k.qname = name;
	k.qname_len = len;
	k.qtype = type;
	k.qclass = dclass;
	slabhash_remove(env->msg_cache, query_info_hash(&k, 0), &k);
	/* The CD bit is part of the key for AAAA (DNS64). */
	if (type == LDNS_RR_TYPE_AAAA)
		slabhash_remove(env->msg_cache, query_info_hash(&k, BIT_CD),
			&k);
}

void
ub_cache_remove_name(struct module_env *env, uint8_t *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(flush_types) / sizeof(*flush_types); i++) {
		uint16_t t = flush_types[i];
		rrset_cache_remove(env->rrset_cache, name, len, t,
			LDNS_RR_CLASS_IN, 0);
		if (t == LDNS_RR_TYPE_SOA)
			rrset_cache_remove(env->rrset_cache, name, len, t,
				LDNS_RR_CLASS_IN, PACKED_RRSET_SOA_NEG);
		remove_msg(env, name, len, t, LDNS_RR_CLASS_IN);
	}
}

struct ub_cache_sweep *
ub_cache_sweep_create(void)
{
	struct ub_cache_sweep *sw = calloc(1, sizeof(*sw));

	if (sw)
		pthread_mutex_init(&sw->lock, NULL);
	return sw;
}

void
ub_cache_sweep_destroy(struct ub_cache_sweep *sw)
{
	if (!sw)
		return;
	nameset_destroy(sw->pass);
	nameset_destroy(sw->next);
	pthread_mutex_destroy(&sw->lock);
	free(sw);
}

/* Whether a cached name is one the pass looks for. */
static int
wanted(const struct ub_cache_sweep *sw, const uint8_t *name, size_t len)
{
	uint8_t canon[NAME_WIRE_MAX];
	size_t n = name_canonicalise_wire(name, len, canon);

	return n && nameset_covers(sw->pass, canon, n);
}

/* Look at one bin of the cache the pass is in, collecting what to
 * remove; returns the entries visited. */
static size_t
visit_bin(struct ub_cache_sweep *sw, struct lruhash_bin *b,
	struct collected *c)
{
	struct lruhash_entry *e;
	size_t n = 0;

	lock_quick_lock(&b->lock);
	for (e = b->overflow_list; e; e = e->overflow_next, n++) {
		lock_rw_rdlock(&e->lock);
		if (sw->cache == CACHE_MSG) {
			struct msgreply_entry *m = e->key;
			if (wanted(sw, m->key.qname, m->key.qname_len))
				collect(c, m->key.qname, m->key.qname_len,
					m->key.qtype, m->key.qclass, 0,
					e->hash);
		} else {
			struct ub_packed_rrset_key *k = e->key;
			if (wanted(sw, k->rk.dname, k->rk.dname_len))
				collect(c, k->rk.dname, k->rk.dname_len,
					ntohs(k->rk.type),
					ntohs(k->rk.rrset_class), k->rk.flags,
					e->hash);
		}
		lock_rw_unlock(&e->lock);
	}
	lock_quick_unlock(&b->lock);
	return n;
}

static void
remove_collected(struct module_env *env, struct ub_cache_sweep *sw,
	struct collected *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		struct ckey *k = &c->keys[i];
		if (sw->cache == CACHE_MSG) {
			struct query_info q;
			memset(&q, 0, sizeof(q));
			q.qname = k->name;
			q.qname_len = k->len;
			q.qtype = k->type;
			q.qclass = k->dclass;
			slabhash_remove(env->msg_cache, k->hash, &q);
		} else {
			rrset_cache_remove(env->rrset_cache, k->name, k->len,
				k->type, k->dclass, k->flags);
		}
	}
	sw->removed += c->count;
	c->count = 0;
}

/* One slice of the running pass; 1 once the pass is complete. */
static int
sweep_slice(struct module_env *env, struct ub_cache_sweep *sw)
{
	struct collected c = { 0 };
	size_t visits = 0;

	while (sw->cache < CACHES && visits < SLICE_VISITS) {
		struct slabhash *sh = sw->cache == CACHE_MSG ? env->msg_cache :
		    &env->rrset_cache->table;
		struct lruhash *h;
		if (sw->slab >= sh->size) {
			sw->cache++;
			sw->slab = sw->bin = sw->bins = 0;
			continue;
		}
		h = sh->array[sw->slab];
		lock_quick_lock(&h->lock);
		/* A table that grew since the last slice has moved its
		 * entries to other bins: look at all of it again. */
		if (sw->bin && h->size != sw->bins)
			sw->bin = 0;
		sw->bins = h->size;
		while (sw->bin < h->size && visits < SLICE_VISITS)
			visits += 1 + visit_bin(sw, &h->array[sw->bin++], &c);
		lock_quick_unlock(&h->lock);
		remove_collected(env, sw, &c);
		if (sw->bin >= sw->bins) {
			sw->slab++;
			sw->bin = 0;
		}
	}
	free(c.keys);
	return sw->cache >= CACHES;
}

struct at_once_ctx {
	struct module_env *env;
};

static void
remove_at_once(void *arg, const uint8_t *name, int subtree)
{
	struct at_once_ctx *a = arg;

	(void)subtree;
	ub_cache_remove_name(a->env, (uint8_t *)name, name_wire_len(name));
}

/* Take the drained names into the next pass.  Out of memory, the whole
 * cache goes instead: no name may stay cached. */
static int
queue_for_pass(struct ub_cache_sweep *sw, struct nameset *names)
{
	if (!sw->next) {
		sw->next = names;
		return 0;
	}
	if (nameset_merge(sw->next, names) != 0) {
		nameset_destroy(names);
		return -1;
	}
	nameset_destroy(names);
	return 0;
}

static void
flush_everything(struct module_env *env, struct ub_cache_sweep *sw)
{
	slabhash_clear(env->msg_cache);
	slabhash_clear(&env->rrset_cache->table);
	nameset_destroy(sw->pass);
	nameset_destroy(sw->next);
	sw->pass = sw->next = NULL;
}

int
ub_cache_drain(struct module_env *env, struct ub_cache_sweep *sw,
	struct flushq_work *work)
{
	int more;

	pthread_mutex_lock(&sw->lock);
	if (work->names && !work->flush_all) {
		if (nameset_count(work->names) <= AT_ONCE_MAX) {
			struct at_once_ctx a = { env };
			nameset_foreach(work->names, remove_at_once, &a);
		}
		work->flush_all = queue_for_pass(sw, work->names) != 0;
	} else {
		nameset_destroy(work->names);
	}
	work->names = NULL;
	if (work->flush_all)
		flush_everything(env, sw);
	if (!sw->pass && sw->next) {
		sw->pass = sw->next;
		sw->next = NULL;
		sw->cache = CACHE_MSG;
		sw->slab = sw->bin = sw->bins = 0;
	}
	if (sw->pass && sweep_slice(env, sw)) {
		nameset_destroy(sw->pass);
		sw->pass = NULL;
		sw->passes++;
	}
	more = sw->pass || sw->next;
	pthread_mutex_unlock(&sw->lock);
	return more;
}

void
ub_cache_sweep_stats(struct ub_cache_sweep *sw, uint64_t *passes,
	uint64_t *removed)
{
	pthread_mutex_lock(&sw->lock);
	*passes = sw->passes;
	*removed = sw->removed;
	pthread_mutex_unlock(&sw->lock);
}
