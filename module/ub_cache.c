/*
 * module/ub_cache.c - removing names from Unbound's caches.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * unbound-control's flush does the same with static helpers of remote.c,
 * which a module cannot call; this is our own version.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/module.h"
#include "util/net_help.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/storage/slabhash.h"
#include "services/cache/rrset.h"
#include "sldns/rrdef.h"

#include "module/ub_cache.h"

/* What a client is likely to have cached for a blocked name. */
static const uint16_t flush_types[] = {
	LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SOA,
	LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_DNAME, LDNS_RR_TYPE_MX,
	LDNS_RR_TYPE_PTR, LDNS_RR_TYPE_SRV, LDNS_RR_TYPE_NAPTR,
	LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_SVCB, LDNS_RR_TYPE_HTTPS,
	LDNS_RR_TYPE_ANY,
};

/* The subtree traversals visit every cache entry with the bin locks
 * held, so removals are collected first and done after the traversal. */
struct collected {
	const struct flushq_work *work;
	/* Collected keys: message keys or RRset keys, copied. */
	struct ckey {
		uint8_t name[255];
		size_t len;
		uint16_t type, dclass;
		uint32_t flags;
	} *keys;
	size_t count, cap;
};

static int
under_flushed_subtree(const struct flushq_work *work, uint8_t *name)
{
	size_t i;

	for (i = 0; i < work->count; i++)
		if (work->items[i].subtree &&
		    dname_subdomain_c(name, (uint8_t *)work->items[i].name))
			return 1;
	return 0;
}

static void
collect(struct collected *c, uint8_t *name, size_t len, uint16_t type,
	uint16_t dclass, uint32_t flags)
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
	c->count++;
}

static void
collect_msg(struct lruhash_entry *e, void *arg)
{
	struct collected *c = arg;
	struct msgreply_entry *m = (struct msgreply_entry *)e->key;

	if (under_flushed_subtree(c->work, m->key.qname))
		collect(c, m->key.qname, m->key.qname_len, m->key.qtype,
			m->key.qclass, 0);
}

static void
collect_rrset(struct lruhash_entry *e, void *arg)
{
	struct collected *c = arg;
	struct ub_packed_rrset_key *k = (struct ub_packed_rrset_key *)e->key;

	if (under_flushed_subtree(c->work, k->rk.dname))
		collect(c, k->rk.dname, k->rk.dname_len, ntohs(k->rk.type),
			ntohs(k->rk.rrset_class), k->rk.flags);
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

static void
flush_subtrees(struct module_env *env, const struct flushq_work *work)
{
	struct collected c = { .work = work };
	size_t i;

	slabhash_traverse(env->msg_cache, 0, collect_msg, &c);
	for (i = 0; i < c.count; i++)
		remove_msg(env, c.keys[i].name, c.keys[i].len,
			c.keys[i].type, c.keys[i].dclass);
	c.count = 0;
	slabhash_traverse(&env->rrset_cache->table, 0, collect_rrset, &c);
	for (i = 0; i < c.count; i++)
		rrset_cache_remove(env->rrset_cache, c.keys[i].name,
			c.keys[i].len, c.keys[i].type, c.keys[i].dclass,
			c.keys[i].flags);
	free(c.keys);
}

void
ub_cache_flush(struct module_env *env, const struct flushq_work *work)
{
	size_t i;
	int subtrees = 0;

	if (work->flush_all) {
		slabhash_clear(env->msg_cache);
		slabhash_clear(&env->rrset_cache->table);
		return;
	}
	for (i = 0; i < work->count; i++) {
		uint8_t *name = (uint8_t *)work->items[i].name;
		ub_cache_remove_name(env, name, dname_valid(name, 255));
		subtrees |= work->items[i].subtree;
	}
	if (subtrees)
		flush_subtrees(env, work);
}
