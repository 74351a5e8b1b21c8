/*
 * feeds/rpz/rpz.c - Response Policy Zone records as policy entries.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The view is a chained hash table of owners.  A node holds the owner's
 * resolved state (action, and the local data blob for REDIRECT), not its
 * records: the state is all the policy needs, and the records can be
 * rebuilt from it (rpz_zone_write()).  A transaction never changes a
 * node in place: a changed owner gets a new, "fresh" node, and the node
 * it replaces goes to an undo list, so a rollback only has to look at the
 * owners it touched.
 */
#include "tapir_config.h"
#include "feeds/rpz/rpz.h"
#include "module/policy/localdata.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* One owner's state. */
struct rpz_node {
	struct rpz_node *next;  /* hash chain, or the undo list */
	uint32_t hash;
	uint32_t gen;           /* last whole-zone transfer that listed it */
	uint8_t action;         /* enum policy_action */
	uint8_t subtree;
	uint8_t cname;          /* the state comes from a CNAME record */
	uint8_t fresh;          /* made by the open transaction */
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
	struct localdata ld;
};

struct rpz_zone {
	uint8_t apex[NAME_WIRE_MAX];
	size_t apex_len;
	struct rpz_node **buckets;
	size_t mask;
	size_t count;
	size_t bytes;               /* node allocations */
	/* The open transaction. */
	int open;
	int full;
	uint32_t gen;
	struct rpz_sink sink;
	struct rpz_node *undo;
	/* Keys of the owners whose node changed: {subtree, len, name}. */
	uint8_t *touched;
	size_t touched_len, touched_cap;
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

/* ---- the table ---- */

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

static size_t
node_size(const struct rpz_node *n)
{
	return sizeof(*n) + n->name_len + n->data_len + NODE_OVERHEAD;
}

static void
node_free(struct rpz_zone *z, struct rpz_node *n)
{
	z->bytes -= node_size(n);
	free(n);
}

static void
link_insert(struct rpz_zone *z, struct rpz_node **link, struct rpz_node *n)
{
	n->next = *link;
	*link = n;
	z->count++;
}

static struct rpz_node *
link_remove(struct rpz_zone *z, struct rpz_node **link)
{
	struct rpz_node *n = *link;

	*link = n->next;
	n->next = NULL;
	z->count--;
	return n;
}

struct rpz_zone *
rpz_zone_create(const uint8_t *zone, size_t zone_len)
{
	struct rpz_zone *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	memcpy(z->apex, zone, zone_len);
	z->apex_len = zone_len;
	z->mask = 1023;
	if (!(z->buckets = calloc(z->mask + 1, sizeof(*z->buckets)))) {
		free(z);
		return NULL;
	}
	return z;
}

static void
free_chain(struct rpz_node *n)
{
	while (n) {
		struct rpz_node *next = n->next;
		free(n);
		n = next;
	}
}

void
rpz_zone_free(struct rpz_zone *z)
{
	size_t i;

	if (!z)
		return;
	for (i = 0; i <= z->mask; i++)
		free_chain(z->buckets[i]);
	free_chain(z->undo);
	free(z->buckets);
	free(z->touched);
	free(z);
}

/* ---- transactions ---- */

static void
node_entry(const struct rpz_node *n, struct policy_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->action = (enum policy_action)n->action;
	e->subtree = n->subtree;
	if (n->data_len) {
		e->data = n->bytes + n->name_len;
		e->data_len = n->data_len;
	}
}

static int
touch(struct rpz_zone *z, const uint8_t *name, size_t len, int subtree)
{
	if (z->touched_len + len + 2 > z->touched_cap) {
		size_t cap = z->touched_cap ? z->touched_cap * 2 : 4096;
		uint8_t *t = realloc(z->touched, cap);
		if (!t)
			return -1;
		z->touched = t;
		z->touched_cap = cap;
	}
	z->touched[z->touched_len++] = (uint8_t)subtree;
	z->touched[z->touched_len++] = (uint8_t)len;
	memcpy(z->touched + z->touched_len, name, len);
	z->touched_len += len;
	return 0;
}

void
rpz_zone_begin(struct rpz_zone *z, int full, const struct rpz_sink *sink)
{
	z->open = 1;
	z->full = full;
	if (full)
		z->gen++;
	if (sink)
		z->sink = *sink;
	else
		memset(&z->sink, 0, sizeof(z->sink));
	z->touched_len = 0;
	memset(&z->counts, 0, sizeof(z->counts));
	z->cur.active = 0;
}

/* Whether a node is part of the zone the transaction is building: in a
 * whole-zone transfer only what the transfer listed so far. */
static int
node_visible(const struct rpz_zone *z, const struct rpz_node *n)
{
	return n && (!z->full || n->gen == z->gen);
}

static int
scratch_equals_node(const struct rpz_scratch *c, const struct rpz_node *n)
{
	return n && n->action == c->action && n->cname == c->cname &&
	    n->data_len == c->ld.len &&
	    memcmp(n->bytes + n->name_len, c->ld.buf, c->ld.len) == 0;
}

/* Make the scratch owner's state the node's, reporting it to the sink in
 * a whole-zone transfer (a delta reports in rpz_zone_end()). */
static int
flush(struct rpz_zone *z)
{
	struct rpz_scratch *c = &z->cur;
	struct rpz_node **link, *old, *n = NULL;
	struct policy_entry e;

	if (!c->active)
		return 0;
	c->active = 0;
	link = node_link(z, c->name, c->name_len, c->subtree, c->hash);
	old = *link;
	if (!old && c->action == POLICY_ACTION_NONE)
		return 0;
	/* An owner the transfer leaves as it was keeps its node: a reload
	 * of a zone that changed little copies little. */
	if (c->action == POLICY_ACTION_NONE || !scratch_equals_node(c, old)) {
		if (c->action != POLICY_ACTION_NONE) {
			n = malloc(sizeof(*n) + c->name_len + c->ld.len);
			if (!n)
				return -1;
			memset(n, 0, sizeof(*n));
			n->hash = c->hash;
			n->gen = z->gen;
			n->action = (uint8_t)c->action;
			n->subtree = (uint8_t)c->subtree;
			n->cname = (uint8_t)c->cname;
			n->fresh = 1;
			n->name_len = (uint8_t)c->name_len;
			n->data_len = (uint16_t)c->ld.len;
			memcpy(n->bytes, c->name, c->name_len);
			memcpy(n->bytes + c->name_len, c->ld.buf, c->ld.len);
			z->bytes += node_size(n);
		}
		if (old) {
			old = link_remove(z, link);
			if (old->fresh) {
				node_free(z, old);
			} else {
				old->next = z->undo;
				z->undo = old;
			}
		}
		if (touch(z, c->name, c->name_len, c->subtree) != 0) {
			if (n)
				node_free(z, n);
			return -1;
		}
		if (n)
			link_insert(z, link, n);
		if (z->count > z->mask + 1 && grow(z) != 0)
			return -1;
	} else {
		n = old;
		n->gen = z->gen;
	}
	if (z->full && n && z->sink.put) {
		node_entry(n, &e);
		return z->sink.put(z->sink.arg, c->name, &e);
	}
	return 0;
}

/* Point the scratch at a record's owner, loading its current state. */
static int
select_owner(struct rpz_zone *z, const struct rpz_record *r)
{
	struct rpz_scratch *c = &z->cur;
	struct rpz_node *n;
	uint32_t hash;

	if (c->active && c->name_len == r->name_len &&
	    c->subtree == r->subtree &&
	    memcmp(c->name, r->name, r->name_len) == 0)
		return 0;
	if (flush(z) != 0)
		return -1;
	hash = key_hash(r->name, r->name_len, r->subtree);
	n = *node_link(z, r->name, r->name_len, r->subtree, hash);
	c->active = 1;
	memcpy(c->name, r->name, r->name_len);
	c->name_len = r->name_len;
	c->subtree = r->subtree;
	c->hash = hash;
	if (node_visible(z, n)) {
		c->action = (enum policy_action)n->action;
		c->cname = n->cname;
		c->ld.len = n->data_len;
		memcpy(c->ld.buf, n->bytes + n->name_len, n->data_len);
	} else {
		/* In a whole-zone transfer an owner starts empty, whatever
		 * the previous zone had. */
		c->action = POLICY_ACTION_NONE;
		c->cname = 0;
		c->ld.len = 0;
	}
	return 0;
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
		return 0;
	}
	if (c->cname || (at = find_data(c, r.type, r.rdata, r.rdlen)) < 0)
		return 0;
	memmove(c->ld.buf + at, c->ld.buf + at + 4 + r.rdlen,
		c->ld.len - (size_t)at - 4 - r.rdlen);
	c->ld.len -= 4u + r.rdlen;
	if (!c->ld.len)
		c->action = POLICY_ACTION_NONE;
	return 0;
}

/* Step through the touched keys: *pos = 0 first. */
static int
next_touched(const struct rpz_zone *z, size_t *pos, const uint8_t **name,
	size_t *len, int *subtree)
{
	if (*pos >= z->touched_len)
		return 0;
	*subtree = z->touched[*pos];
	*len = z->touched[*pos + 1];
	*name = z->touched + *pos + 2;
	*pos += 2 + *len;
	return 1;
}

int
rpz_zone_end(struct rpz_zone *z)
{
	size_t pos = 0, len;
	const uint8_t *name;
	int subtree;

	if (flush(z) != 0)
		return -1;
	if (z->full)
		return 0;
	while (next_touched(z, &pos, &name, &len, &subtree)) {
		struct rpz_node *n = *node_link(z, name, len, subtree,
			key_hash(name, len, subtree));
		struct policy_entry e;
		int r = 0;

		if (n && z->sink.put) {
			node_entry(n, &e);
			r = z->sink.put(z->sink.arg, name, &e);
		} else if (!n && z->sink.remove) {
			r = z->sink.remove(z->sink.arg, name, subtree);
		}
		if (r != 0)
			return -1;
	}
	return 0;
}

void
rpz_zone_commit(struct rpz_zone *z)
{
	size_t i, pos = 0, len;
	const uint8_t *name;
	int subtree;

	if (z->full) {
		/* What the transfer did not list is gone. */
		for (i = 0; i <= z->mask; i++) {
			struct rpz_node **p = &z->buckets[i];
			while (*p) {
				if ((*p)->gen != z->gen) {
					node_free(z, link_remove(z, p));
					continue;
				}
				(*p)->fresh = 0;
				p = &(*p)->next;
			}
		}
	} else {
		while (next_touched(z, &pos, &name, &len, &subtree)) {
			struct rpz_node *n = *node_link(z, name, len, subtree,
				key_hash(name, len, subtree));
			if (n)
				n->fresh = 0;
		}
	}
	while (z->undo) {
		struct rpz_node *n = z->undo;
		z->undo = n->next;
		node_free(z, n);
	}
	z->touched_len = 0;
	z->open = 0;
	z->cur.active = 0;
}

void
rpz_zone_rollback(struct rpz_zone *z)
{
	size_t pos = 0, len;
	const uint8_t *name;
	int subtree;

	z->cur.active = 0;
	while (next_touched(z, &pos, &name, &len, &subtree)) {
		struct rpz_node **link = node_link(z, name, len, subtree,
			key_hash(name, len, subtree));
		if (*link && (*link)->fresh)
			node_free(z, link_remove(z, link));
	}
	while (z->undo) {
		struct rpz_node *n = z->undo;
		z->undo = n->next;
		link_insert(z, node_link(z, n->bytes, n->name_len, n->subtree,
			n->hash), n);
	}
	/* Nodes a rolled-back whole-zone transfer saw carry its generation;
	 * the next one takes a new number, so that is harmless. */
	z->touched_len = 0;
	z->open = 0;
}

const struct rpz_counts *
rpz_zone_counts(const struct rpz_zone *z)
{
	return &z->counts;
}

size_t
rpz_zone_entries(const struct rpz_zone *z)
{
	return z->count;
}

size_t
rpz_zone_memory(const struct rpz_zone *z)
{
	return sizeof(*z) + (z->mask + 1) * sizeof(*z->buckets) + z->bytes +
		z->touched_cap;
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

static int
write_node(const struct rpz_node *n, const char *apex, FILE *out)
{
	char owner[NAME_TEXT_MAX], target[NAME_TEXT_MAX];
	const char *special;
	size_t pos = 0;
	uint16_t type, rdlen;
	const uint8_t *rdata;

	if (name_to_text(n->bytes, owner, sizeof(owner)) < 0)
		return 0;
	/* The policy name is relative to the root; the owner is below the
	 * apex ("." means the apex itself, as for "*.zone."). */
	if (strcmp(owner, ".") == 0)
		owner[0] = 0;
	if (n->cname && (special = special_target(
	    (enum policy_action)n->action)))
		return fprintf(out, "%s%s%s 60 IN CNAME %s\n", n->subtree ?
			"*." : "", owner, apex, special) < 0 ? -1 : 0;
	while (localdata_next(n->bytes + n->name_len, n->data_len, &pos,
	    &type, &rdata, &rdlen)) {
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
		if (fprintf(out, "%s%s%s 60 IN %s %s\n", n->subtree ? "*." : "",
		    owner, apex, tname, target) < 0)
			return -1;
	}
	return 0;
}

int
rpz_zone_write(const struct rpz_zone *z, FILE *out)
{
	char apex[NAME_TEXT_MAX];
	size_t i;

	if (name_to_text(z->apex, apex, sizeof(apex)) < 0)
		return -1;
	for (i = 0; i <= z->mask; i++) {
		const struct rpz_node *n;
		for (n = z->buckets[i]; n; n = n->next)
			if (write_node(n, strcmp(apex, ".") ? apex : "",
			    out) != 0)
				return -1;
	}
	return 0;
}
