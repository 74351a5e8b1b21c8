/*
 * module/policy.c - the merged policy store.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Layout.  Each source is a view of at most two immutable hash tables: a
 * large base and a small overlay whose entries shadow the base (a
 * tombstone in the overlay hides a base entry).  A table is an arena of
 * packed records plus an open-addressing array of 64-bit slots, each the
 * record's arena offset and 32 more bits of its hash, so a probe rarely
 * touches the arena of a record that does not match.  A record is
 *
 *   name length, wire name, flags, then only the fields the flags say:
 *   action (1), tags (4), expiry (4), local data (2 + n)
 *
 * so a plain list entry costs its name plus two octets, and a million
 * typical names fit in well under 48 bytes each with the slots.
 *
 * Updates.  Nothing a reader can see is ever modified.  A replace-all
 * batch builds a new base; a delta batch builds a new overlay from the
 * old overlay plus the batch, and once the overlay outgrows a fraction of
 * the base the two are merged into a new base (so one single-name update
 * costs the overlay's size, not the source's).  The writer then publishes
 * a new root with one atomic pointer store and frees the old tables after
 * an epoch grace period (module/epoch.h).  Readers see a whole batch or
 * none of it, and never wait.
 *
 * Lookups.  A query name is checked in every source: first its exact
 * entry, then its parents from the nearest up, but only at label depths
 * where the source has entries that cover names below them (a bitmask per
 * table), so most parent probes are never made.
 */
#include "tapir_config.h"
#include "module/policy.h"
#include "module/epoch.h"
#include "module/names.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Record flags. */
#define F_SUBTREE 0x01  /* covers the names strictly below the name */
#define F_TOMB    0x02  /* overlay only: the key is deleted */
#define F_ACTION  0x04
#define F_TAGS    0x08
#define F_EXPIRES 0x10
#define F_DATA    0x20

/* Hash variant for subtree keys: one name has two independent keys. */
#define SUBTREE_SALT 0x9e3779b97f4a7c15ULL

/* An overlay larger than this share of its base (or than the floor) is
 * merged into a new base. */
#define OVERLAY_FLOOR 1024
#define OVERLAY_DIVISOR 8

/* ---- names and hashing ---- */

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Eight octets at a time: names are short, and this is on the query path
 * once per suffix probed. */
static uint64_t
hash_name(const uint8_t *name, size_t len)
{
	uint64_t h = 0x243f6a8885a308d3ULL ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, name + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	if (i < len) {
		uint64_t w = 0;
		memcpy(&w, name + i, len - i);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static uint64_t
key_hash(uint64_t name_hash, int subtree)
{
	return mix64(name_hash ^ (subtree ? SUBTREE_SALT : 0));
}

static size_t
wire_len(const uint8_t *name)
{
	size_t len = 0;

	while (name[len])
		len += 1u + name[len];
	return len + 1;
}

static unsigned
depth_bit(unsigned labels)
{
	return labels > 63 ? 63 : labels;
}

/* ---- records ---- */

struct rec {
	const uint8_t *name;
	uint8_t name_len;
	uint8_t flags;
	uint8_t action;
	uint32_t tags;
	uint32_t expires;
	const uint8_t *data;
	uint16_t data_len;
	size_t size;      /* bytes of the whole record */
};

static void
rec_parse(const uint8_t *p, struct rec *r)
{
	const uint8_t *q;

	r->name_len = p[0];
	r->name = p + 1;
	r->flags = p[1 + r->name_len];
	q = p + 2 + r->name_len;
	r->action = 0;
	r->tags = 0;
	r->expires = 0;
	r->data = NULL;
	r->data_len = 0;
	if (r->flags & F_ACTION)
		r->action = *q++;
	if (r->flags & F_TAGS) {
		memcpy(&r->tags, q, 4);
		q += 4;
	}
	if (r->flags & F_EXPIRES) {
		memcpy(&r->expires, q, 4);
		q += 4;
	}
	if (r->flags & F_DATA) {
		memcpy(&r->data_len, q, 2);
		r->data = q + 2;
		q += 2 + r->data_len;
	}
	r->size = (size_t)(q - p);
}

static int
rec_expired(const struct rec *r, int64_t now)
{
	return r->expires && now >= (int64_t)r->expires;
}

/* Whether two records give a name the same state. */
static int
rec_same_state(const struct rec *a, const struct rec *b)
{
	return a->flags == b->flags && a->action == b->action &&
	    a->tags == b->tags && a->expires == b->expires &&
	    a->data_len == b->data_len &&
	    (!a->data_len || memcmp(a->data, b->data, a->data_len) == 0);
}

/* A growable arena of records. */
struct arena {
	uint8_t *buf;
	size_t len, cap;
	size_t records;
};

static int
arena_reserve(struct arena *a, size_t more)
{
	if (a->len + more > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		uint8_t *n;
		while (cap < a->len + more)
			cap *= 2;
		if (!(n = realloc(a->buf, cap)))
			return -1;
		a->buf = n;
		a->cap = cap;
	}
	return 0;
}

static int
arena_append(struct arena *a, const uint8_t *rec, size_t size)
{
	if (arena_reserve(a, size))
		return -1;
	memcpy(a->buf + a->len, rec, size);
	a->len += size;
	a->records++;
	return 0;
}

/* Encode a record for name; tomb for a deletion. */
static int
arena_put(struct arena *a, const uint8_t *name, size_t len,
	const struct policy_entry *e, int subtree, int tomb)
{
	uint8_t flags = (uint8_t)((subtree ? F_SUBTREE : 0) |
		(tomb ? F_TOMB : 0));
	size_t size = 2 + len;
	uint8_t *p;

	if (!tomb) {
		if (e->action != POLICY_ACTION_NONE) {
			flags |= F_ACTION;
			size += 1;
		}
		if (e->tags) {
			flags |= F_TAGS;
			size += 4;
		}
		if (e->expires > 0) {
			flags |= F_EXPIRES;
			size += 4;
		}
		if (e->data && e->data_len) {
			flags |= F_DATA;
			size += 2u + e->data_len;
		}
	}
	if (arena_reserve(a, size))
		return -1;
	p = a->buf + a->len;
	*p++ = (uint8_t)len;
	memcpy(p, name, len);
	p += len;
	*p++ = flags;
	if (flags & F_ACTION)
		*p++ = (uint8_t)e->action;
	if (flags & F_TAGS) {
		memcpy(p, &e->tags, 4);
		p += 4;
	}
	if (flags & F_EXPIRES) {
		/* Unsigned 32 bits last until 2106. */
		uint32_t x = e->expires > (int64_t)UINT32_MAX ? UINT32_MAX :
			(uint32_t)e->expires;
		memcpy(p, &x, 4);
		p += 4;
	}
	if (flags & F_DATA) {
		memcpy(p, &e->data_len, 2);
		memcpy(p + 2, e->data, e->data_len);
	}
	a->len += size;
	a->records++;
	return 0;
}

/* ---- tables ---- */

struct table {
	uint64_t *bloom;   /* one 64-bit word per probe, two bits per key */
	size_t bloom_mask;
	uint64_t *slots;   /* (hash >> 32) << 32 | (offset + 1); 0 empty */
	size_t mask;
	uint8_t *arena;
	size_t arena_len;
	size_t count;      /* records in the slots, tombstones included */
	size_t live;       /* of which not tombstones */
	uint64_t depths;   /* label depths of entries that cover below */
	int has_expiry;
};

static size_t
table_bytes(const struct table *t)
{
	return t ? sizeof(*t) + (t->mask + 1 + t->bloom_mask + 1) *
	    sizeof(uint64_t) + t->arena_len : 0;
}

/* A blocked Bloom filter in front of the slots: most probes of a parent
 * walk, and every miss, are for keys the table does not have.  The
 * filter (a byte per key) stays in cache where the slots (ten) do not,
 * so such a probe costs a cache hit instead of a trip to memory. */
static uint64_t
bloom_bits(uint64_t h)
{
	return (1ULL << ((h >> 20) & 63)) | (1ULL << ((h >> 26) & 63));
}

static int
bloom_may_have(const struct table *t, uint64_t h)
{
	uint64_t bits = bloom_bits(h);

	return (t->bloom[h & t->bloom_mask] & bits) == bits;
}

static void
table_free(struct table *t)
{
	if (!t)
		return;
	free(t->bloom);
	free(t->slots);
	free(t->arena);
	free(t);
}

/* Find a key; returns its record or NULL.  Tombstones are returned too:
 * the caller decides what they mean. */
static const uint8_t *
table_find(const struct table *t, const uint8_t *name, size_t len,
	int subtree, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	size_t i;

	if (!t || !t->count || !bloom_may_have(t, h))
		return NULL;
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		uint64_t sl = t->slots[i];
		const uint8_t *r;
		if (!sl)
			return NULL;
		if ((uint32_t)(sl >> 32) != tag)
			continue;
		r = t->arena + ((uint32_t)sl - 1);
		if (r[0] == len && memcmp(r + 1, name, len) == 0 &&
		    !(r[1 + len] & F_SUBTREE) == !subtree)
			return r;
	}
}

/* Build a table over an arena (taken over): later records of a key win.
 * Tombstones stay (they matter in an overlay); arenas for a base never
 * contain any. */
static struct table *
table_build(struct arena *a, unsigned source_flags)
{
	struct table *t = calloc(1, sizeof(*t));
	size_t nslots = 16, off, i;

	if (!t)
		return NULL;
	while (nslots * 3 < a->records * 4 + 4)
		nslots *= 2;
	if (a->len >= UINT32_MAX || !(t->slots = calloc(nslots,
	    sizeof(uint64_t)))) {
		free(t);
		return NULL;
	}
	t->mask = nslots - 1;
	/* Eight bits per key: about 5% false positives with two bits. */
	for (i = 1; i * 8 < a->records; i *= 2)
		;
	if (!(t->bloom = calloc(i, sizeof(uint64_t)))) {
		free(t->slots);
		free(t);
		return NULL;
	}
	t->bloom_mask = i - 1;
	/* Trim the arena's slack: it is kept for the table's lifetime. */
	t->arena = a->len && a->len < a->cap ? realloc(a->buf, a->len) : NULL;
	if (!t->arena)
		t->arena = a->buf;
	t->arena_len = a->len;
	a->buf = NULL;
	a->len = a->cap = a->records = 0;
	for (off = 0; off < t->arena_len;) {
		struct rec r;
		uint64_t h;
		int subtree;
		rec_parse(t->arena + off, &r);
		subtree = !!(r.flags & F_SUBTREE);
		h = key_hash(hash_name(r.name, r.name_len), subtree);
		for (i = h & t->mask;; i = (i + 1) & t->mask) {
			uint64_t sl = t->slots[i];
			const uint8_t *o;
			if (!sl) {
				t->count++;
				break;
			}
			o = t->arena + ((uint32_t)sl - 1);
			if ((uint32_t)(sl >> 32) == (uint32_t)(h >> 32) &&
			    o[0] == r.name_len &&
			    memcmp(o + 1, r.name, r.name_len) == 0 &&
			    !(o[1 + r.name_len] & F_SUBTREE) == !subtree)
				break;
		}
		t->slots[i] = (h >> 32) << 32 | (uint64_t)(off + 1);
		t->bloom[h & t->bloom_mask] |= bloom_bits(h);
		off += r.size;
	}
	for (i = 0; i <= t->mask; i++) {
		struct rec r;
		if (!t->slots[i])
			continue;
		rec_parse(t->arena + ((uint32_t)t->slots[i] - 1), &r);
		if (!(r.flags & F_TOMB))
			t->live++;
		if (r.flags & F_EXPIRES)
			t->has_expiry = 1;
		if ((r.flags & F_SUBTREE) || (source_flags &
		    POLICY_SOURCE_SUBDOMAINS))
			t->depths |= 1ULL << depth_bit(name_label_count(r.name));
	}
	return t;
}

/* ---- views and the root ---- */

struct source_view {
	struct table *base;
	struct table *overlay;
	struct policy_index *index;
	size_t entries;        /* live entries, overlay applied */
};

struct root {
	struct source_view *views[POLICY_MAX_SOURCES];
};

struct source_meta {
	char name[64];
	enum policy_list list;
	unsigned flags;
};

struct policy_store {
	struct policy_rules rules;
	int tag_source;
	struct source_meta meta[POLICY_MAX_SOURCES];
	unsigned num_sources;
	_Atomic(struct root *) root;
	struct epoch epoch;
	pthread_mutex_t writer;   /* serialises every change */
};

/* The record of a key in a view: overlay first, a tombstone there hides
 * the base.  NULL if absent. */
static const uint8_t *
view_find(const struct source_view *v, const uint8_t *name, size_t len,
	int subtree, uint64_t h)
{
	const uint8_t *r;

	if (!v)
		return NULL;
	if ((r = table_find(v->overlay, name, len, subtree, h)) != NULL)
		return (r[1 + len] & F_TOMB) ? NULL : r;
	return table_find(v->base, name, len, subtree, h);
}

static uint64_t
view_depths(const struct source_view *v)
{
	return (v->base ? v->base->depths : 0) |
	    (v->overlay ? v->overlay->depths : 0);
}

/* Call fn on every live record of a view (base entries not shadowed by
 * the overlay, then the overlay's). */
static void
view_foreach(const struct source_view *v,
	void (*fn)(void *arg, const struct rec *r), void *arg)
{
	const struct table *tabs[2];
	int k;

	if (!v)
		return;
	tabs[0] = v->base;
	tabs[1] = v->overlay;
	for (k = 0; k < 2; k++) {
		const struct table *t = tabs[k];
		size_t i;
		if (!t)
			continue;
		for (i = 0; i <= t->mask; i++) {
			struct rec r;
			if (!t->slots[i])
				continue;
			rec_parse(t->arena + ((uint32_t)t->slots[i] - 1), &r);
			if (r.flags & F_TOMB)
				continue;
			if (k == 0 && v->overlay && table_find(v->overlay,
			    r.name, r.name_len, r.flags & F_SUBTREE,
			    key_hash(hash_name(r.name, r.name_len),
			    r.flags & F_SUBTREE)))
				continue;
			fn(arg, &r);
		}
	}
}

static void
view_free(struct source_view *v, int free_base, int free_overlay,
	int free_index)
{
	if (!v)
		return;
	if (free_base)
		table_free(v->base);
	if (free_overlay)
		table_free(v->overlay);
	if (free_index && v->index) {
		if (v->index->release)
			v->index->release(v->index->ctx);
		free(v->index);
	}
	free(v);
}

static size_t
view_bytes(const struct source_view *v)
{
	return v ? sizeof(*v) + table_bytes(v->base) +
	    table_bytes(v->overlay) + (v->index ? v->index->bytes : 0) : 0;
}

/* ---- names of things ---- */

static const char *const action_names[] = {
	"none", "passthru", "tcp-only", "redirect", "nodata", "nxdomain",
	"drop"
};

const char *
policy_action_name(enum policy_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(*action_names) ?
	    action_names[a] : "unknown";
}

int
policy_action_from_name(const char *s, enum policy_action *out)
{
	size_t i;

	for (i = 0; i < sizeof(action_names) / sizeof(*action_names); i++)
		if (strcasecmp(s, action_names[i]) == 0) {
			*out = (enum policy_action)i;
			return 0;
		}
	return -1;
}

const char *
policy_list_name(enum policy_list l)
{
	switch (l) {
	case POLICY_LIST_ALLOW: return "allowlist";
	case POLICY_LIST_DENY: return "denylist";
	case POLICY_LIST_DOUBT: return "doubtlist";
	}
	return "unknown";
}

int
policy_list_from_name(const char *s, enum policy_list *out)
{
	if (!strcmp(s, "allowlist") || !strcmp(s, "whitelist"))
		*out = POLICY_LIST_ALLOW;
	else if (!strcmp(s, "denylist") || !strcmp(s, "blacklist"))
		*out = POLICY_LIST_DENY;
	else if (!strcmp(s, "doubtlist") || !strcmp(s, "greylist"))
		*out = POLICY_LIST_DOUBT;
	else
		return -1;
	return 0;
}

const char *
policy_rule_name(enum policy_rule r)
{
	switch (r) {
	case POLICY_RULE_NONE: return "none";
	case POLICY_RULE_ALLOW: return "allowlist";
	case POLICY_RULE_DENY: return "denylist";
	case POLICY_RULE_NUMSOURCES: return "numsources";
	case POLICY_RULE_NUMTAGS: return "numtags";
	case POLICY_RULE_TAGS: return "tags";
	}
	return "unknown";
}

void
policy_rules_default(struct policy_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->allow_action = POLICY_ACTION_PASSTHRU;
	r->deny_action = POLICY_ACTION_NXDOMAIN;
	r->numsources_action = POLICY_ACTION_NXDOMAIN;
	r->numtags_action = POLICY_ACTION_NXDOMAIN;
	r->tags_action = POLICY_ACTION_NXDOMAIN;
	strcpy(r->tag_source, "dns-tapir");
}

/* ---- the store ---- */

struct policy_store *
policy_store_create(const struct policy_rules *rules, unsigned num_readers)
{
	struct policy_store *s = calloc(1, sizeof(*s));
	struct root *root = calloc(1, sizeof(*root));

	if (!s || !root || epoch_init(&s->epoch, num_readers) != 0) {
		free(s);
		free(root);
		return NULL;
	}
	s->rules = *rules;
	s->tag_source = -1;
	atomic_init(&s->root, root);
	pthread_mutex_init(&s->writer, NULL);
	return s;
}

void
policy_store_destroy(struct policy_store *s)
{
	struct root *root;
	unsigned i;

	if (!s)
		return;
	root = atomic_load(&s->root);
	for (i = 0; i < s->num_sources; i++)
		view_free(root->views[i], 1, 1, 1);
	free(root);
	epoch_destroy(&s->epoch);
	pthread_mutex_destroy(&s->writer);
	free(s);
}

int
policy_source_add(struct policy_store *s, const char *name,
	enum policy_list list, unsigned flags, uint16_t *id)
{
	if (s->num_sources >= POLICY_MAX_SOURCES ||
	    strlen(name) >= sizeof(s->meta[0].name) ||
	    policy_source_find(s, name) >= 0)
		return -1;
	strcpy(s->meta[s->num_sources].name, name);
	s->meta[s->num_sources].list = list;
	s->meta[s->num_sources].flags = flags;
	/* Only a doubtlist source bears tags for the rules, as in POP. */
	if (list == POLICY_LIST_DOUBT && s->rules.tag_source[0] &&
	    strcmp(name, s->rules.tag_source) == 0)
		s->tag_source = (int)s->num_sources;
	*id = (uint16_t)s->num_sources++;
	return 0;
}

const char *
policy_source_name(const struct policy_store *s, int id)
{
	/* Names are fixed once readers start: no lock needed. */
	return id >= 0 && (unsigned)id < s->num_sources ? s->meta[id].name :
	    "-";
}

int
policy_source_find(const struct policy_store *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->num_sources; i++)
		if (strcmp(s->meta[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Publish a new view for one source: copy the root with that view
 * replaced, swap it in, wait out the readers, then free what only the old
 * root referenced.  Caller holds the writer lock. */
static void
publish(struct policy_store *s, uint16_t source, struct source_view *nv,
	int free_base, int free_overlay, int free_index)
{
	struct root *old = atomic_load(&s->root);
	struct root *root = malloc(sizeof(*root));
	struct source_view *ov = old->views[source];

	if (!root) {
		/* Out of memory for 512 bytes: swap in place instead.  A
		 * single pointer store is atomic for readers too. */
		atomic_store_explicit((_Atomic(struct source_view *) *)
			&old->views[source], nv, memory_order_release);
		epoch_synchronize(&s->epoch);
		view_free(ov, free_base, free_overlay, free_index);
		return;
	}
	memcpy(root, old, sizeof(*root));
	root->views[source] = nv;
	atomic_store_explicit(&s->root, root, memory_order_release);
	epoch_synchronize(&s->epoch);
	free(old);
	view_free(ov, free_base, free_overlay, free_index);
}

/* ---- batches ---- */

struct policy_batch {
	struct policy_store *s;
	uint16_t source;
	int replace_all;
	struct arena a;
};

struct policy_batch *
policy_batch_begin(struct policy_store *s, uint16_t source, int replace_all)
{
	struct policy_batch *b;

	if (source >= s->num_sources || !(b = calloc(1, sizeof(*b))))
		return NULL;
	b->s = s;
	b->source = source;
	b->replace_all = replace_all;
	return b;
}

int
policy_batch_put(struct policy_batch *b, const uint8_t *name,
	const struct policy_entry *e)
{
	return arena_put(&b->a, name, wire_len(name), e, e->subtree, 0);
}

int
policy_batch_remove(struct policy_batch *b, const uint8_t *name, int subtree)
{
	struct policy_entry none;

	/* A replace-all batch lists what stays; removals mean nothing. */
	if (b->replace_all)
		return 0;
	memset(&none, 0, sizeof(none));
	return arena_put(&b->a, name, wire_len(name), &none, subtree, 1);
}

void
policy_batch_abort(struct policy_batch *b)
{
	if (!b)
		return;
	free(b->a.buf);
	free(b);
}

/* Names to report after publishing, copied (old tables are freed by
 * then). */
struct changes {
	struct arena names;
	const struct source_view *other;   /* the view to compare with */
	int failed;
};

static void
note_change(struct changes *c, const struct rec *r)
{
	uint8_t hdr[2] = { r->name_len, (uint8_t)(r->flags & F_SUBTREE) };

	if (arena_reserve(&c->names, 2u + r->name_len)) {
		c->failed = 1;
		return;
	}
	memcpy(c->names.buf + c->names.len, hdr, 2);
	memcpy(c->names.buf + c->names.len + 2, r->name, r->name_len);
	c->names.len += 2u + r->name_len;
}

/* For deny and doubt sources: a record that is new, or differs from the
 * other view's, may block. */
static void
note_if_new(void *arg, const struct rec *r)
{
	struct changes *c = arg;
	const uint8_t *o;
	int subtree = r->flags & F_SUBTREE;

	o = view_find(c->other, r->name, r->name_len, subtree,
		key_hash(hash_name(r->name, r->name_len), subtree));
	if (o) {
		struct rec or;
		rec_parse(o, &or);
		if (rec_same_state(&or, r))
			return;
	}
	note_change(c, r);
}

static void
report_changes(struct changes *c, policy_changed_fn changed, void *arg)
{
	size_t off = 0;

	while (off < c->names.len) {
		uint8_t len = c->names.buf[off];
		changed(arg, c->names.buf + off + 2, c->names.buf[off + 1]);
		off += 2u + len;
	}
	free(c->names.buf);
}

/* Call fn for the records of a table from arena offset from on: in a new
 * overlay, exactly the batch's keys, each in its final state. */
static void
table_foreach_from(const struct table *t, size_t from,
	void (*fn)(void *arg, const struct rec *r), void *arg)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i <= t->mask; i++) {
		struct rec r;
		if (!t->slots[i] || (uint32_t)t->slots[i] - 1 < from)
			continue;
		rec_parse(t->arena + ((uint32_t)t->slots[i] - 1), &r);
		fn(arg, &r);
	}
}

/* For a delta: how the batch's keys changed the live count, and which
 * names may now be blocked. */
struct delta {
	const struct source_view *old;
	struct changes *ch;       /* NULL: no report wanted */
	int allow;
	long long entries;
};

static void
delta_rec(void *arg, const struct rec *r)
{
	struct delta *d = arg;
	int subtree = r->flags & F_SUBTREE;
	const uint8_t *o = view_find(d->old, r->name, r->name_len, subtree,
		key_hash(hash_name(r->name, r->name_len), subtree));
	int now_live = !(r->flags & F_TOMB);
	struct rec orec;

	d->entries += now_live - (o != NULL);
	if (!d->ch)
		return;
	if (d->allow) {
		if (o && !now_live) {
			rec_parse(o, &orec);
			note_change(d->ch, &orec);
		}
		return;
	}
	if (!now_live)
		return;
	if (o) {
		rec_parse(o, &orec);
		if (rec_same_state(&orec, r))
			return;
	}
	note_change(d->ch, r);
}

static void
append_rec(void *arg, const struct rec *r)
{
	struct arena *a = arg;
	const uint8_t *start = r->name - 1;

	if (arena_append(a, start, r->size))
		a->records = (size_t)-1;
}

/* Copy every record of a table (tombstones too) into an arena. */
static int
append_table(struct arena *a, const struct table *t)
{
	size_t i;

	if (!t)
		return 0;
	for (i = 0; i <= t->mask; i++) {
		struct rec r;
		if (!t->slots[i])
			continue;
		rec_parse(t->arena + ((uint32_t)t->slots[i] - 1), &r);
		if (arena_append(a, r.name - 1, r.size))
			return -1;
	}
	return 0;
}

int
policy_batch_commit(struct policy_batch *b, policy_changed_fn changed,
	void *arg)
{
	struct policy_store *s = b->s;
	const struct source_meta *meta = &s->meta[b->source];
	int allow = meta->list == POLICY_LIST_ALLOW;
	struct source_view *ov, *nv = calloc(1, sizeof(*nv));
	struct changes ch;

	memset(&ch, 0, sizeof(ch));
	if (!nv) {
		policy_batch_abort(b);
		return -1;
	}
	pthread_mutex_lock(&s->writer);
	ov = atomic_load(&s->root)->views[b->source];
	nv->index = ov ? ov->index : NULL;
	if (b->replace_all) {
		if (!(nv->base = table_build(&b->a, meta->flags)))
			goto fail;
		nv->entries = nv->base->live;
		if (changed) {
			/* Deny and doubt: what is new may block.  Allow:
			 * what is gone may now be blocked elsewhere. */
			ch.other = allow ? nv : ov;
			view_foreach(allow ? ov : nv, note_if_new, &ch);
		}
	} else {
		struct arena a = { 0 };
		struct delta d = { ov, changed ? &ch : NULL, allow, 0 };
		size_t from;
		/* The new overlay: the old one, then this batch on top. */
		if ((ov && append_table(&a, ov->overlay)) ||
		    arena_reserve(&a, b->a.len)) {
			free(a.buf);
			goto fail;
		}
		from = a.len;
		memcpy(a.buf + a.len, b->a.buf, b->a.len);
		a.len += b->a.len;
		a.records += b->a.records;
		nv->base = ov ? ov->base : NULL;
		if (!(nv->overlay = table_build(&a, meta->flags))) {
			free(a.buf);
			goto fail;
		}
		table_foreach_from(nv->overlay, from, delta_rec, &d);
		nv->entries = (size_t)((long long)(ov ? ov->entries : 0) +
			d.entries);
		if (nv->overlay->count > OVERLAY_FLOOR &&
		    nv->overlay->count * OVERLAY_DIVISOR >
		    (nv->base ? nv->base->live : 0)) {
			/* Merge: every live entry into a fresh base. */
			struct arena m = { 0 };
			struct table *merged;
			view_foreach(nv, append_rec, &m);
			if (m.records == (size_t)-1 ||
			    !(merged = table_build(&m, meta->flags))) {
				free(m.buf);
				table_free(nv->overlay);
				goto fail;
			}
			table_free(nv->overlay);
			nv->overlay = NULL;
			nv->base = merged;
		}
	}
	/* Free what the old view owned and the new one does not share: its
	 * overlay always, its base unless kept. */
	publish(s, b->source, nv, ov && ov->base != nv->base, 1, 0);
	pthread_mutex_unlock(&s->writer);
	policy_batch_abort(b);
	/* Only now, with the new policy visible, may caches be flushed:
	 * earlier, a query could cache the old answer again. */
	if (changed && !ch.failed)
		report_changes(&ch, changed, arg);
	else
		free(ch.names.buf);
	return 0;
fail:
	pthread_mutex_unlock(&s->writer);
	free(ch.names.buf);
	free(nv);
	policy_batch_abort(b);
	return -1;
}

int
policy_source_set_index(struct policy_store *s, uint16_t source,
	const struct policy_index *idx)
{
	struct source_view *ov, *nv;
	struct policy_index *copy = NULL;

	if (source >= s->num_sources || !(nv = calloc(1, sizeof(*nv))))
		return -1;
	if (idx && !(copy = malloc(sizeof(*copy)))) {
		free(nv);
		return -1;
	}
	if (copy)
		*copy = *idx;
	pthread_mutex_lock(&s->writer);
	ov = atomic_load(&s->root)->views[source];
	if (ov) {
		nv->base = ov->base;
		nv->overlay = ov->overlay;
		nv->entries = ov->entries;
	}
	nv->index = copy;
	publish(s, source, nv, 0, 0, 1);
	pthread_mutex_unlock(&s->writer);
	return 0;
}

/* ---- reading ---- */

void
policy_read_begin(struct policy_store *s, unsigned reader)
{
	epoch_enter(&s->epoch, reader);
}

void
policy_read_end(struct policy_store *s, unsigned reader)
{
	epoch_leave(&s->epoch, reader);
}

/* A query name cut into suffixes, with their hashes computed on demand
 * and shared by all sources. */
struct qname {
	const uint8_t *name;
	size_t len;
	unsigned labels;
	uint16_t off[128];       /* off[i]: suffix without the first i labels */
	uint64_t hash[128];
	uint8_t have_hash[128];
};

static void
qname_init(struct qname *q, const uint8_t *name, size_t len)
{
	size_t pos = 0;

	q->name = name;
	q->len = len;
	q->labels = 0;
	while (pos < len && name[pos] && q->labels < 127) {
		q->off[q->labels] = (uint16_t)pos;
		q->have_hash[q->labels++] = 0;
		pos += 1u + name[pos];
	}
	q->off[q->labels] = (uint16_t)pos;
	q->have_hash[q->labels] = 0;
}

static uint64_t
qname_hash(struct qname *q, unsigned i)
{
	if (!q->have_hash[i]) {
		q->hash[i] = hash_name(q->name + q->off[i],
			q->len - q->off[i]);
		q->have_hash[i] = 1;
	}
	return q->hash[i];
}

/* How one source matched. */
struct found {
	struct rec r;        /* the entry (zeroed for an index match) */
	int subtree;         /* matched as a parent */
	const uint8_t *owner;
};

static void
prefetch_key(const struct table *t, uint64_t h)
{
	if (!t || !t->count)
		return;
	__builtin_prefetch(&t->bloom[h & t->bloom_mask]);
	__builtin_prefetch(&t->slots[h & t->mask]);
}

/* A live, unexpired record of a key, or NULL. */
static const uint8_t *
live_find(const struct source_view *v, struct qname *q, unsigned i,
	int subtree, int64_t now, struct rec *r)
{
	const uint8_t *p = view_find(v, q->name + q->off[i],
		q->len - q->off[i], subtree, key_hash(qname_hash(q, i),
		subtree));

	if (!p)
		return NULL;
	rec_parse(p, r);
	return rec_expired(r, now) ? NULL : p;
}

/* Whether a source matches; an rpz-passthru record exempts the name
 * (and, as a parent, its subtree) within this source only. */
static int
source_match(const struct source_meta *meta, const struct source_view *v,
	struct qname *q, int64_t now, struct found *f)
{
	int passthru_exempts = !(meta->flags & POLICY_SOURCE_ACTION_OVERRIDE);
	uint64_t depths;
	unsigned i;

	if (!v)
		return 0;
	memset(f, 0, sizeof(*f));
	if (q->labels > 0 && live_find(v, q, 0, 0, now, &f->r)) {
		f->owner = q->name;
		return !(passthru_exempts && f->r.action ==
		    POLICY_ACTION_PASSTHRU);
	}
	depths = view_depths(v);
	/* The probes below would wait for memory one after another; touching
	 * their cache lines first lets those misses overlap. */
	for (i = 1; depths && i < q->labels; i++) {
		uint64_t h;
		if (!(depths & (1ULL << depth_bit(q->labels - i))))
			continue;
		h = key_hash(qname_hash(q, i), 1);
		prefetch_key(v->base, h);
		if (meta->flags & POLICY_SOURCE_SUBDOMAINS)
			prefetch_key(v->base, key_hash(qname_hash(q, i), 0));
	}
	/* Parents, nearest first: a deeper subtree entry beats a shallower
	 * one.  The root itself is never a subtree owner. */
	for (i = 1; depths && i < q->labels; i++) {
		unsigned labels = q->labels - i;
		if (!(depths & (1ULL << depth_bit(labels))))
			continue;
		if (live_find(v, q, i, 1, now, &f->r) ||
		    ((meta->flags & POLICY_SOURCE_SUBDOMAINS) &&
		    live_find(v, q, i, 0, now, &f->r))) {
			f->subtree = 1;
			f->owner = q->name + q->off[i];
			return !(passthru_exempts && f->r.action ==
			    POLICY_ACTION_PASSTHRU);
		}
	}
	if (v->index) {
		int sub = 0;
		memset(&f->r, 0, sizeof(f->r));
		if (v->index->match(v->index->ctx, q->name, q->len, &sub)) {
			f->subtree = sub;
			f->owner = q->name;
			return 1;
		}
	}
	return 0;
}

static void
set_from(struct policy_decision *out, int source, const struct found *f)
{
	out->source = source;
	out->expires = f->r.expires;
	out->subtree = f->subtree;
	out->data = f->r.data;
	out->data_len = f->r.data_len;
}

int
policy_decide(struct policy_store *s, const uint8_t *name, size_t len,
	int64_t now, struct policy_decision *out)
{
	struct root *root = atomic_load_explicit(&s->root,
		memory_order_acquire);
	const struct policy_rules *rules = &s->rules;
	struct qname q;
	struct found f;
	enum policy_action deny = POLICY_ACTION_NONE;
	unsigned i, doubts = 0;
	int have_tags = 0;

	memset(out, 0, sizeof(*out));
	out->source = -1;
	qname_init(&q, name, len);
	/* Every source's exact probe, started together (see source_match). */
	if (q.labels > 0) {
		uint64_t h = key_hash(qname_hash(&q, 0), 0);
		for (i = 0; i < s->num_sources; i++)
			if (root->views[i])
				prefetch_key(root->views[i]->base, h);
	}
	/* 1. Allowlist: absolute.  Sources are visited in id order, so the
	 * reported source is the lowest: deterministic. */
	for (i = 0; i < s->num_sources; i++) {
		if (s->meta[i].list != POLICY_LIST_ALLOW ||
		    !source_match(&s->meta[i], root->views[i], &q, now, &f))
			continue;
		out->action = rules->allow_action;
		out->rule = POLICY_RULE_ALLOW;
		set_from(out, (int)i, &f);
		return out->action;
	}
	/* 2. Denylist: the most restrictive of the matching sources. */
	for (i = 0; i < s->num_sources; i++) {
		enum policy_action a;
		if (s->meta[i].list != POLICY_LIST_DENY ||
		    !source_match(&s->meta[i], root->views[i], &q, now, &f))
			continue;
		a = (f.r.action && !(s->meta[i].flags &
		    POLICY_SOURCE_ACTION_OVERRIDE)) ?
		    (enum policy_action)f.r.action : rules->deny_action;
		if (a > deny || out->source < 0) {
			deny = a;
			set_from(out, (int)i, &f);
			if (a != POLICY_ACTION_REDIRECT ||
			    (s->meta[i].flags & POLICY_SOURCE_ACTION_OVERRIDE)) {
				out->data = NULL;
				out->data_len = 0;
			}
		}
	}
	if (out->source >= 0) {
		out->action = deny;
		out->rule = POLICY_RULE_DENY;
		return out->action;
	}
	/* 3. Doubtlist rules. */
	for (i = 0; i < s->num_sources; i++) {
		if (s->meta[i].list != POLICY_LIST_DOUBT ||
		    !source_match(&s->meta[i], root->views[i], &q, now, &f))
			continue;
		if (!doubts++)
			set_from(out, (int)i, &f);
		if ((int)i == s->tag_source) {
			out->tags = f.r.tags;
			have_tags = 1;
			set_from(out, (int)i, &f);
		}
	}
	out->data = NULL;
	out->data_len = 0;
	out->doubt_matches = doubts;
	if (!doubts) {
		out->source = -1;
		return POLICY_ACTION_NONE;
	}
	if (rules->numsources && doubts >= rules->numsources &&
	    rules->numsources_action > out->action) {
		out->action = rules->numsources_action;
		out->rule = POLICY_RULE_NUMSOURCES;
	}
	if (have_tags && rules->numtags &&
	    (unsigned)__builtin_popcount(out->tags) >= rules->numtags &&
	    rules->numtags_action > out->action) {
		out->action = rules->numtags_action;
		out->rule = POLICY_RULE_NUMTAGS;
	}
	if (have_tags && rules->tags && (out->tags & rules->tags) &&
	    rules->tags_action > out->action) {
		out->action = rules->tags_action;
		out->rule = POLICY_RULE_TAGS;
	}
	if (out->action == POLICY_ACTION_NONE)
		out->source = -1;
	return out->action;
}

unsigned
policy_explain(struct policy_store *s, const uint8_t *name, size_t len,
	int64_t now, void (*fn)(void *arg, const struct policy_match *m),
	void *arg)
{
	struct root *root = atomic_load_explicit(&s->root,
		memory_order_acquire);
	struct qname q;
	struct found f;
	unsigned i, n = 0;

	qname_init(&q, name, len);
	for (i = 0; i < s->num_sources; i++) {
		struct policy_match m;
		if (!source_match(&s->meta[i], root->views[i], &q, now, &f))
			continue;
		m.source = (uint16_t)i;
		m.list = s->meta[i].list;
		m.owner = f.owner;
		m.subtree = f.subtree;
		m.tags = f.r.tags;
		m.expires = f.r.expires;
		m.action = (enum policy_action)f.r.action;
		fn(arg, &m);
		n++;
	}
	return n;
}

/* ---- maintenance and statistics ---- */

struct expire_ctx {
	struct arena a;
	int64_t now;
	size_t dropped;
	int failed;
};

static void
keep_unexpired(void *arg, const struct rec *r)
{
	struct expire_ctx *c = arg;

	if (rec_expired(r, c->now))
		c->dropped++;
	else if (arena_append(&c->a, r->name - 1, r->size))
		c->failed = 1;
}

size_t
policy_store_expire(struct policy_store *s, int64_t now)
{
	size_t total = 0;
	unsigned i;

	pthread_mutex_lock(&s->writer);
	for (i = 0; i < s->num_sources; i++) {
		struct source_view *ov = atomic_load(&s->root)->views[i], *nv;
		struct expire_ctx c;
		if (!ov || !((ov->base && ov->base->has_expiry) ||
		    (ov->overlay && ov->overlay->has_expiry)))
			continue;
		memset(&c, 0, sizeof(c));
		c.now = now;
		view_foreach(ov, keep_unexpired, &c);
		if (c.failed || !c.dropped || !(nv = calloc(1, sizeof(*nv)))) {
			free(c.a.buf);
			continue;
		}
		if (!(nv->base = table_build(&c.a, s->meta[i].flags))) {
			free(c.a.buf);
			free(nv);
			continue;
		}
		nv->index = ov->index;
		nv->entries = nv->base->live;
		publish(s, (uint16_t)i, nv, 1, 1, 0);
		total += c.dropped;
	}
	pthread_mutex_unlock(&s->writer);
	return total;
}

size_t
policy_store_source_count(const struct policy_store *s)
{
	return s->num_sources;
}

int
policy_store_source_stats(struct policy_store *s, uint16_t source,
	struct policy_source_stats *out)
{
	struct source_view *v;

	if (source >= s->num_sources)
		return -1;
	memset(out, 0, sizeof(*out));
	strcpy(out->name, s->meta[source].name);
	out->list = s->meta[source].list;
	pthread_mutex_lock(&s->writer);
	v = atomic_load(&s->root)->views[source];
	if (v) {
		out->entries = v->entries + (v->index ? v->index->entries : 0);
		out->bytes = view_bytes(v);
	}
	pthread_mutex_unlock(&s->writer);
	return 0;
}

size_t
policy_store_memory(struct policy_store *s)
{
	size_t total = sizeof(*s) + sizeof(struct root) +
		s->epoch.num_readers * sizeof(struct epoch_slot);
	unsigned i;

	pthread_mutex_lock(&s->writer);
	for (i = 0; i < s->num_sources; i++)
		total += view_bytes(atomic_load(&s->root)->views[i]);
	pthread_mutex_unlock(&s->writer);
	return total;
}

struct foreach_ctx {
	void (*fn)(void *arg, const uint8_t *name,
		const struct policy_entry *e);
	void *arg;
	int64_t now;
};

static void
foreach_rec(void *arg, const struct rec *r)
{
	struct foreach_ctx *c = arg;
	struct policy_entry e;

	if (rec_expired(r, c->now))
		return;
	e.tags = r->tags;
	e.expires = r->expires;
	e.action = (enum policy_action)r->action;
	e.subtree = !!(r->flags & F_SUBTREE);
	e.data = r->data;
	e.data_len = r->data_len;
	c->fn(c->arg, r->name, &e);
}

void
policy_source_foreach(struct policy_store *s, uint16_t source, int64_t now,
	void (*fn)(void *arg, const uint8_t *name,
	const struct policy_entry *e), void *arg)
{
	struct foreach_ctx c = { fn, arg, now };

	if (source >= s->num_sources)
		return;
	pthread_mutex_lock(&s->writer);
	view_foreach(atomic_load(&s->root)->views[source], foreach_rec, &c);
	pthread_mutex_unlock(&s->writer);
}
