/*
 * feeds/rpz/rpz.c - Response Policy Zone records as policy entries.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The zone's state lives in the policy store alone: an owner's entry
 * (its action, and for REDIRECT the local data blob) is all the policy
 * needs, and the records can be rebuilt from it (rpz_zone_write_entry()).
 * A transaction holds only what it is changing:
 *  * an IXFR delta reads an owner's entry in force through the sink
 *    (current()), and keeps the owners it changes in a small chained hash
 *    table until rpz_zone_end() hands them to the sink; a rollback frees
 *    that table;
 *  * a whole zone puts each owner as soon as its records are complete.
 *    Primaries send a zone in canonical order, so an owner that sorts
 *    after the one before is new to the transfer and starts empty; once
 *    an owner comes out of order (the transfer may list an owner's
 *    records apart), every owner starts from what the transfer put for
 *    it so far (pending(), which indexes the batch from then on).
 * So a zone of a million owners costs the store's 30-odd bytes per name
 * and nothing beside, and a transfer holds twice only what it changes.
 */
#include "tapir_config.h"
#include "feeds/rpz/rpz.h"
#include "module/policy/localdata.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* An owner the open IXFR changed: its state now. */
struct rpz_node {
	struct rpz_node *next;  /* hash chain */
	uint32_t hash;
	uint8_t action;         /* enum policy_action; NONE: no entry now */
	uint8_t subtree;
	uint8_t existed;        /* it had an entry before the transaction */
	uint8_t name_len;       /* names are at most 255 octets */
	uint16_t data_len;
	uint8_t bytes[];        /* name, then local data */
};

/* The owner a transaction is accumulating records for. */
struct rpz_scratch {
	int active;
	uint8_t name[NAME_WIRE_MAX];
	size_t name_len;
	int subtree;
	uint32_t hash;
	enum policy_action action;  /* NONE: no records */
	int cname;
	int existed;    /* IXFR: had an entry before the transaction */
	int listed;     /* whole zone: the transfer put it before */
	int changed;    /* a record changed the state since it was read */
	struct localdata ld;
};

struct rpz_zone {
	uint8_t apex[NAME_WIRE_MAX];
	size_t apex_len;
	/* The apex as owners end in presentation format: "zone." ("" for
	 * the root), for rpz_zone_write_entry(). */
	char apex_text[NAME_TEXT_MAX];
	size_t entries;             /* owners with an entry, committed */
	size_t txn_entries;         /* the same, as the transaction stands */
	/* The open transaction. */
	int open;
	int full;
	struct rpz_sink sink;
	/* IXFR: the owners it changed. */
	struct rpz_node **buckets;
	size_t mask;
	size_t count;
	size_t bytes;               /* node allocations */
	/* Whole zone: the last owner it listed ("*" label included), while
	 * owners come in canonical order. */
	uint8_t last[NAME_WIRE_MAX + 2];
	size_t last_len;
	int unordered;
	struct rpz_counts counts;
	struct rpz_scratch cur;
};

/* Allocator overhead per node, for rpz_zone_memory(). */
#define NODE_OVERHEAD 16

static const uint8_t label_passthru[] = "\014rpz-passthru";
static const uint8_t label_drop[] = "\010rpz-drop";
static const uint8_t label_tcp_only[] = "\014rpz-tcp-only";
static const char *const unsupported_labels[] = {
	"\006rpz-ip", "\013rpz-nsdname", "\010rpz-nsip", "\015rpz-client-ip"
};

/* ---- records ---- */

/* Whether wire name n (canonical) is the one-label name lab + root. */
static int
is_single_label(const uint8_t *n, size_t len, const uint8_t *lab)
{
	size_t l = (size_t)lab[0] + 1;

	return len == l + 1 && memcmp(n, lab, l) == 0 && n[l] == 0;
}

static enum policy_action
cname_action(const uint8_t *t, size_t len)
{
	if (len == 1)
		return POLICY_ACTION_NXDOMAIN;
	if (len == 3 && t[0] == 1 && t[1] == '*')
		return POLICY_ACTION_NODATA;
	if (is_single_label(t, len, label_passthru))
		return POLICY_ACTION_PASSTHRU;
	if (is_single_label(t, len, label_drop))
		return POLICY_ACTION_DROP;
	if (is_single_label(t, len, label_tcp_only))
		return POLICY_ACTION_TCP_ONLY;
	return POLICY_ACTION_REDIRECT;
}

/* Canonical copy of a dname rdf; 0 if it is not a valid name. */
static size_t
rdf_name(const ldns_rdf *rdf, uint8_t *out)
{
	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return 0;
	return name_canonicalise_wire(ldns_rdf_data(rdf), ldns_rdf_size(rdf),
		out);
}

enum rpz_kind
rpz_record_parse(const ldns_rr *rr, const uint8_t *zone, size_t zone_len,
	struct rpz_record *out)
{
	uint8_t owner[NAME_WIRE_MAX];
	size_t len, pos, rel, last;
	const ldns_rdf *rdf;
	ldns_rr_type type = ldns_rr_get_type(rr);
	unsigned i;

	memset(out, 0, sizeof(*out));
	out->kind = RPZ_OUTSIDE;
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
	    !(len = rdf_name(ldns_rr_owner(rr), owner)))
		return out->kind;
	/* Find the apex as a suffix at a label boundary; last is the start
	 * of the label just below it. */
	for (pos = 0, last = len; len - pos > zone_len; pos += 1u + owner[pos])
		last = pos;
	if (len - pos != zone_len || memcmp(owner + pos, zone, zone_len) != 0)
		return out->kind;
	if (pos == 0)
		return out->kind = RPZ_APEX;
	for (i = 0; i < sizeof(unsupported_labels) /
	    sizeof(*unsupported_labels); i++) {
		const uint8_t *lab = (const uint8_t *)unsupported_labels[i];
		if (owner[last] == lab[0] &&
		    memcmp(owner + last + 1, lab + 1, lab[0]) == 0)
			return out->kind = RPZ_UNSUPPORTED;
	}
	rel = 0;
	if (owner[0] == 1 && owner[1] == '*') {
		out->subtree = 1;
		rel = 2;
	}
	out->name_len = pos - rel + 1;
	memcpy(out->name, owner + rel, pos - rel);
	out->name[pos - rel] = 0;

	rdf = ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, 0) : NULL;
	switch (type) {
	case LDNS_RR_TYPE_CNAME:
		if (!(len = rdf_name(rdf, out->rdata)))
			return out->kind = RPZ_IGNORED;
		out->cname = 1;
		out->action = cname_action(out->rdata, len);
		out->type = LDNS_RR_TYPE_CNAME;
		out->rdlen = (uint16_t)len;
		break;
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA:
		len = type == LDNS_RR_TYPE_A ? 4 : 16;
		if (!rdf || ldns_rdf_size(rdf) != len)
			return out->kind = RPZ_IGNORED;
		memcpy(out->rdata, ldns_rdf_data(rdf), len);
		out->action = POLICY_ACTION_REDIRECT;
		out->type = (uint16_t)type;
		out->rdlen = (uint16_t)len;
		break;
	default:
		return out->kind = RPZ_IGNORED;
	}
	return out->kind = RPZ_TRIGGER;
}

/* ---- the IXFR's owners ---- */

static uint32_t
key_hash(const uint8_t *name, size_t len, int subtree)
{
	uint32_t h = 2166136261u ^ (uint32_t)subtree;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

/* The link that points at the node of a key (or at the NULL ending its
 * chain). */
static struct rpz_node **
node_link(struct rpz_zone *z, const uint8_t *name, size_t len, int subtree,
	uint32_t hash)
{
	struct rpz_node **p = &z->buckets[hash & z->mask];

	for (; *p; p = &(*p)->next) {
		struct rpz_node *n = *p;
		if (n->hash == hash && n->name_len == len &&
		    n->subtree == subtree && memcmp(n->bytes, name, len) == 0)
			break;
	}
	return p;
}

static int
grow(struct rpz_zone *z)
{
	size_t size = (z->mask + 1) * 2, i;
	struct rpz_node **nb = calloc(size, sizeof(*nb));

	if (!nb)
		return -1;
	for (i = 0; i <= z->mask; i++) {
		struct rpz_node *n = z->buckets[i], *next;
		for (; n; n = next) {
			next = n->next;
			n->next = nb[n->hash & (size - 1)];
			nb[n->hash & (size - 1)] = n;
		}
	}
	free(z->buckets);
	z->buckets = nb;
	z->mask = size - 1;
	return 0;
}

/* Forget the transaction's owners. */
static void
nodes_clear(struct rpz_zone *z)
{
	size_t i;

	for (i = 0; i <= z->mask; i++) {
		struct rpz_node *n = z->buckets[i], *next;
		for (; n; n = next) {
			next = n->next;
			free(n);
		}
		z->buckets[i] = NULL;
	}
	z->count = 0;
	z->bytes = 0;
}

struct rpz_zone *
rpz_zone_create(const uint8_t *zone, size_t zone_len)
{
	struct rpz_zone *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	memcpy(z->apex, zone, zone_len);
	z->apex_len = zone_len;
	if (name_to_text(zone, z->apex_text, sizeof(z->apex_text)) < 0 ||
	    strcmp(z->apex_text, ".") == 0)
		z->apex_text[0] = 0;
	z->mask = 63;
	if (!(z->buckets = calloc(z->mask + 1, sizeof(*z->buckets)))) {
		free(z);
		return NULL;
	}
	return z;
}

void
rpz_zone_free(struct rpz_zone *z)
{
	if (!z)
		return;
	nodes_clear(z);
	free(z->buckets);
	free(z);
}

void
rpz_zone_set_entries(struct rpz_zone *z, size_t entries)
{
	z->entries = z->txn_entries = entries;
}

/* ---- transactions ---- */

/* Canonical order of two wire names (RFC 4034 6.1): by labels from the
 * root, each compared as octets, a shorter label first. */
static int
canonical_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint16_t la[128], lb[128];
	size_t na = 0, nb = 0, pos;

	for (pos = 0; pos < alen && a[pos] && na < 128; pos += 1u + a[pos])
		la[na++] = (uint16_t)pos;
	for (pos = 0; pos < blen && b[pos] && nb < 128; pos += 1u + b[pos])
		lb[nb++] = (uint16_t)pos;
	while (na && nb) {
		const uint8_t *x = a + la[--na], *y = b + lb[--nb];
		size_t n = x[0] < y[0] ? x[0] : y[0];
		int c = memcmp(x + 1, y + 1, n);
		if (c)
			return c;
		if (x[0] != y[0])
			return x[0] < y[0] ? -1 : 1;
	}
	return na ? 1 : nb ? -1 : 0;
}

/* Whole zone: whether the owner (a policy name, and "*." for a subtree
 * one) sorts after the last one listed; if so it becomes the last. */
static int
owner_in_order(struct rpz_zone *z, const uint8_t *name, size_t len,
	int subtree)
{
	uint8_t owner[NAME_WIRE_MAX + 2];
	size_t olen = 0;

	if (subtree) {
		owner[0] = 1;
		owner[1] = '*';
		olen = 2;
	}
	memcpy(owner + olen, name, len);
	olen += len;
	if (z->last_len && canonical_cmp(owner, olen, z->last,
	    z->last_len) <= 0)
		return 0;
	memcpy(z->last, owner, olen);
	z->last_len = olen;
	return 1;
}

void
rpz_zone_begin(struct rpz_zone *z, int full, const struct rpz_sink *sink)
{
	z->open = 1;
	z->full = full;
	if (sink)
		z->sink = *sink;
	else
		memset(&z->sink, 0, sizeof(z->sink));
	z->txn_entries = full ? 0 : z->entries;
	z->last_len = 0;
	z->unordered = 0;
	memset(&z->counts, 0, sizeof(z->counts));
	z->cur.active = 0;
}

/* The scratch's state as a policy entry. */
static void
scratch_entry(const struct rpz_scratch *c, struct policy_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->action = c->action;
	e->subtree = c->subtree;
	if (c->ld.len) {
		e->data = c->ld.buf;
		e->data_len = (uint16_t)c->ld.len;
	}
}

/* Finish the scratch owner: in a whole zone, put it; in an IXFR, note
 * its state among the transaction's owners if a record changed it. */
static int
flush(struct rpz_zone *z)
{
	struct rpz_scratch *c = &z->cur;
	struct rpz_node **link, *n;
	struct policy_entry e;

	if (!c->active)
		return 0;
	c->active = 0;
	if (z->full) {
		/* A whole zone only adds: an owner here has records. */
		if (c->action == POLICY_ACTION_NONE)
			return 0;
		if (!c->listed)
			z->txn_entries++;
		scratch_entry(c, &e);
		return z->sink.put ? z->sink.put(z->sink.arg, c->name, &e) : 0;
	}
	if (!c->changed)
		return 0;
	if (!(n = malloc(sizeof(*n) + c->name_len + c->ld.len)))
		return -1;
	memset(n, 0, sizeof(*n));
	n->hash = c->hash;
	n->action = (uint8_t)c->action;
	n->subtree = (uint8_t)c->subtree;
	n->existed = (uint8_t)c->existed;
	n->name_len = (uint8_t)c->name_len;
	n->data_len = (uint16_t)c->ld.len;
	memcpy(n->bytes, c->name, c->name_len);
	memcpy(n->bytes + c->name_len, c->ld.buf, c->ld.len);
	link = node_link(z, c->name, c->name_len, c->subtree, c->hash);
	if (*link) {
		struct rpz_node *old = *link;
		n->next = old->next;
		z->bytes -= sizeof(*old) + old->name_len + old->data_len +
			NODE_OVERHEAD;
		free(old);
		*link = n;
	} else {
		n->next = NULL;
		*link = n;
		z->count++;
	}
	z->bytes += sizeof(*n) + n->name_len + n->data_len + NODE_OVERHEAD;
	if (z->count > z->mask + 1 && grow(z) != 0)
		return -1;
	return 0;
}

/* Load an owner's state from an entry whose local data is already in the
 * scratch's buffer.  A state that is not a redirect, or a redirect to a
 * CNAME target, comes from a CNAME record. */
static void
scratch_from_entry(struct rpz_scratch *c, const struct policy_entry *e)
{
	size_t pos = 0;
	uint16_t type = 0, rdlen;
	const uint8_t *rdata;

	c->action = e->action;
	c->ld.len = e->data_len;
	if (e->action == POLICY_ACTION_REDIRECT)
		localdata_next(c->ld.buf, c->ld.len, &pos, &type, &rdata,
			&rdlen);
	c->cname = e->action != POLICY_ACTION_REDIRECT ||
		type == LDNS_RR_TYPE_CNAME;
}

/* The state an owner has when the transaction reaches it: in a whole
 * zone none, unless the transfer listed it before; in an IXFR what the
 * transaction made of it, else its entry in force. */
static int
load_owner(struct rpz_zone *z, struct rpz_scratch *c)
{
	struct policy_entry e;
	int (*get)(void *, const uint8_t *, int, struct policy_entry *,
		uint8_t *, size_t);
	struct rpz_node *n;
	int r;

	c->action = POLICY_ACTION_NONE;
	c->cname = 0;
	c->ld.len = 0;
	c->existed = c->listed = c->changed = 0;
	if (z->full) {
		if (!z->unordered && owner_in_order(z, c->name, c->name_len,
		    c->subtree))
			return 0;
		z->unordered = 1;
		get = z->sink.pending;
	} else {
		n = *node_link(z, c->name, c->name_len, c->subtree, c->hash);
		if (n) {
			c->existed = n->existed;
			c->action = (enum policy_action)n->action;
			c->ld.len = n->data_len;
			memcpy(c->ld.buf, n->bytes + n->name_len, n->data_len);
			e.action = c->action;
			e.data_len = n->data_len;
			if (c->action != POLICY_ACTION_NONE)
				scratch_from_entry(c, &e);
			return 0;
		}
		get = z->sink.current;
	}
	if (!get || (r = get(z->sink.arg, c->name, c->subtree, &e, c->ld.buf,
	    sizeof(c->ld.buf))) == 0)
		return 0;
	if (r < 0)
		return -1;
	scratch_from_entry(c, &e);
	c->existed = c->listed = 1;
	return 0;
}

/* Point the scratch at a record's owner, loading its state. */
static int
select_owner(struct rpz_zone *z, const struct rpz_record *r)
{
	struct rpz_scratch *c = &z->cur;

	if (c->active && c->name_len == r->name_len &&
	    c->subtree == r->subtree &&
	    memcmp(c->name, r->name, r->name_len) == 0)
		return 0;
	if (flush(z) != 0)
		return -1;
	c->active = 1;
	memcpy(c->name, r->name, r->name_len);
	c->name_len = r->name_len;
	c->subtree = r->subtree;
	c->hash = key_hash(r->name, r->name_len, r->subtree);
	return load_owner(z, c);
}

/* Offset of a local data record in the scratch blob, or -1. */
static long
find_data(const struct rpz_scratch *c, uint16_t type, const uint8_t *rdata,
	uint16_t rdlen)
{
	size_t pos = 0, at;
	uint16_t t, l;
	const uint8_t *d;

	for (at = 0; localdata_next(c->ld.buf, c->ld.len, &pos, &t, &d, &l);
	    at = pos)
		if (t == type && l == rdlen && memcmp(d, rdata, l) == 0)
			return (long)at;
	return -1;
}

/* Count a record that is not a trigger; 1 if it was one. */
static int
classify(struct rpz_zone *z, const ldns_rr *rr, struct rpz_record *r)
{
	switch (rpz_record_parse(rr, z->apex, z->apex_len, r)) {
	case RPZ_TRIGGER:
		return 1;
	case RPZ_UNSUPPORTED:
		z->counts.unsupported++;
		break;
	case RPZ_OUTSIDE:
		z->counts.outside++;
		break;
	case RPZ_IGNORED:
		z->counts.ignored++;
		break;
	case RPZ_APEX:
		break;
	}
	return 0;
}

int
rpz_zone_add(struct rpz_zone *z, const ldns_rr *rr)
{
	struct rpz_record r;
	struct rpz_scratch *c = &z->cur;

	if (!classify(z, rr, &r))
		return 0;
	if (select_owner(z, &r) != 0)
		return -1;
	if (r.cname) {
		/* A CNAME trigger replaces whatever the owner had. */
		c->action = r.action;
		c->cname = 1;
		c->ld.len = 0;
		c->changed = 1;
		if (r.action == POLICY_ACTION_REDIRECT)
			localdata_add(&c->ld, r.type, r.rdata, r.rdlen);
		return 0;
	}
	if (c->cname)
		return 0;
	/* Records are a set: a duplicate adds nothing. */
	if (find_data(c, r.type, r.rdata, r.rdlen) >= 0)
		return 0;
	if (localdata_add(&c->ld, r.type, r.rdata, r.rdlen) != 0) {
		z->counts.ignored++;
		return 0;
	}
	c->action = POLICY_ACTION_REDIRECT;
	c->changed = 1;
	return 0;
}

int
rpz_zone_del(struct rpz_zone *z, const ldns_rr *rr)
{
	struct rpz_record r;
	struct rpz_scratch *c = &z->cur;
	long at;

	if (!classify(z, rr, &r))
		return 0;
	if (select_owner(z, &r) != 0)
		return -1;
	if (r.cname) {
		if (!c->cname || c->action != r.action ||
		    (r.action == POLICY_ACTION_REDIRECT &&
		    find_data(c, r.type, r.rdata, r.rdlen) != 0))
			return 0;
		c->action = POLICY_ACTION_NONE;
		c->cname = 0;
		c->ld.len = 0;
		c->changed = 1;
		return 0;
	}
	if (c->cname || (at = find_data(c, r.type, r.rdata, r.rdlen)) < 0)
		return 0;
	memmove(c->ld.buf + at, c->ld.buf + at + 4 + r.rdlen,
		c->ld.len - (size_t)at - 4 - r.rdlen);
	c->ld.len -= 4u + r.rdlen;
	c->changed = 1;
	if (!c->ld.len)
		c->action = POLICY_ACTION_NONE;
	return 0;
}

int
rpz_zone_end(struct rpz_zone *z)
{
	size_t i;

	if (flush(z) != 0)
		return -1;
	if (z->full)
		return 0;
	z->txn_entries = z->entries;
	for (i = 0; i <= z->mask; i++) {
		const struct rpz_node *n;
		for (n = z->buckets[i]; n; n = n->next) {
			struct policy_entry e;
			int r = 0;
			z->txn_entries += (n->action != POLICY_ACTION_NONE) -
				n->existed;
			if (n->action != POLICY_ACTION_NONE && z->sink.put) {
				memset(&e, 0, sizeof(e));
				e.action = (enum policy_action)n->action;
				e.subtree = n->subtree;
				if (n->data_len) {
					e.data = n->bytes + n->name_len;
					e.data_len = n->data_len;
				}
				r = z->sink.put(z->sink.arg, n->bytes, &e);
			} else if (n->action == POLICY_ACTION_NONE &&
			    n->existed && z->sink.remove) {
				r = z->sink.remove(z->sink.arg, n->bytes,
					n->subtree);
			}
			if (r != 0)
				return -1;
		}
	}
	return 0;
}

void
rpz_zone_commit(struct rpz_zone *z)
{
	nodes_clear(z);
	z->entries = z->txn_entries;
	z->open = 0;
	z->cur.active = 0;
}

void
rpz_zone_rollback(struct rpz_zone *z)
{
	nodes_clear(z);
	z->txn_entries = z->entries;
	z->open = 0;
	z->cur.active = 0;
}

const struct rpz_counts *
rpz_zone_counts(const struct rpz_zone *z)
{
	return &z->counts;
}

size_t
rpz_zone_entries(const struct rpz_zone *z)
{
	return z->entries;
}

size_t
rpz_zone_memory(const struct rpz_zone *z)
{
	return sizeof(*z) + (z->mask + 1) * sizeof(*z->buckets) + z->bytes;
}

/* ---- presentation format ---- */

static const char *
special_target(enum policy_action a)
{
	switch (a) {
	case POLICY_ACTION_NXDOMAIN:
		return ".";
	case POLICY_ACTION_NODATA:
		return "*.";
	case POLICY_ACTION_PASSTHRU:
		return "rpz-passthru.";
	case POLICY_ACTION_DROP:
		return "rpz-drop.";
	case POLICY_ACTION_TCP_ONLY:
		return "rpz-tcp-only.";
	default:
		return NULL;
	}
}

int
rpz_zone_write_entry(const struct rpz_zone *z, const uint8_t *name,
	const struct policy_entry *e, FILE *out)
{
	char owner[NAME_TEXT_MAX], target[NAME_TEXT_MAX];
	const char *apex = z->apex_text, *special;
	size_t pos = 0;
	uint16_t type, rdlen;
	const uint8_t *rdata;

	if (name_to_text(name, owner, sizeof(owner)) < 0)
		return 0;
	/* The policy name is relative to the root; the owner is below the
	 * apex ("." means the apex itself, as for "*.zone."). */
	if (strcmp(owner, ".") == 0)
		owner[0] = 0;
	if ((special = special_target(e->action)))
		return fprintf(out, "%s%s%s 60 IN CNAME %s\n", e->subtree ?
			"*." : "", owner, apex, special) < 0 ? -1 : 0;
	while (localdata_next(e->data, e->data_len, &pos, &type, &rdata,
	    &rdlen)) {
		const char *tname = "CNAME";
		if (type == LDNS_RR_TYPE_CNAME) {
			uint8_t tw[NAME_WIRE_MAX];
			if (name_canonicalise_wire(rdata, rdlen, tw) == 0 ||
			    name_to_text(tw, target, sizeof(target)) < 0)
				continue;
		} else if (type == LDNS_RR_TYPE_A && rdlen == 4) {
			tname = "A";
			inet_ntop(AF_INET, rdata, target, sizeof(target));
		} else if (type == LDNS_RR_TYPE_AAAA && rdlen == 16) {
			tname = "AAAA";
			inet_ntop(AF_INET6, rdata, target, sizeof(target));
		} else {
			continue;
		}
		if (fprintf(out, "%s%s%s 60 IN %s %s\n", e->subtree ? "*." : "",
		    owner, apex, tname, target) < 0)
			return -1;
	}
	return 0;
}
