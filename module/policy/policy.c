/*
 * module/policy/policy.c - the merged policy store.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Layout.  Each source is a view of up to three immutable hash tables,
 * levels of a small log-structured merge tree: a large base, a mid level
 * and a small top.  A higher level shadows the lower ones, and a
 * tombstone there hides a lower entry.  A table is an arena of packed
 * records, an open-addressing array of slots (a byte of the key's hash,
 * the "tag", and apart from the tags the record's 32-bit arena offset),
 * sized to its records (a load of 0.9, not the next power of two), and a
 * Bloom filter of a byte per key in front of them: most probes for absent
 * keys (every miss, most steps of a parent walk) read one word of the
 * filter, and a probe for a present key reads a cache line of tags, one
 * offset and the record.  A record is
 *
 *   name length, wire name, flags, then only the fields the flags say:
 *   action (1), tags (4), expiry (4), local data (2 + n)
 *
 * so a plain list entry costs its name plus two octets, and a million
 * typical names fit in about 30.5 bytes each with slots and filter (64-bit
 * slots with 32 bits of hash in a power-of-two table took 41.8: the
 * lookups were no faster for it).
 *
 * Updates.  Nothing a reader can see is ever modified: the writer builds
 * new tables, publishes a new root with one atomic pointer store and
 * frees what only the old root used after an epoch grace period
 * (module/policy/epoch.h).  Readers see a whole batch or none of it and
 * never wait.  Why three levels: a delta rebuilds the top (old top plus the
 * batch, at most TOP_MAX records), so a single-name update costs
 * microseconds whatever the source's size, as MQTT's thousands of
 * updates a second need.  A top grown past TOP_MAX is folded into the mid
 * level, and a mid level grown past an eighth of the base is merged into
 * a new base by a background thread (outside the writer lock, so neither
 * writers nor readers wait the ~0.2 s a million names take), while new
 * deltas keep landing in the top.  Each record is thus copied a bounded
 * number of times on its way down, as in Redis dict.c's incremental
 * rehash the cost is spread instead of paid by one unlucky update.
 *
 * Replace-all.  A replace-all batch (a file reload, an AXFR) is compared
 * with the source as it was when the batch began, name by name as the
 * feed puts them: an unchanged entry is stored in the batch as a 6-octet
 * reference instead of a copy.  If little changed, the difference is
 * committed like a delta, so reloading a million-name file that changed
 * a little costs a little memory, not a second copy of the source; only
 * when much changed is a new base built beside the old one.
 *
 * Lookups.  A query name is checked in every source: its exact entry,
 * then its parents from the nearest up, but only at label depths where
 * the source has entries of that kind (a bitmask each for exact and for
 * subtree entries), so most parent probes are never made, and the
 * remaining probes are prefetched together so their cache misses overlap.
 * Table memory is reference counted by writers only (under the writer
 * lock), never by readers: the query path has no read-modify-write.
 * A snapshot (for a dump) takes such references too, under the lock, and
 * then walks the tables it pinned without it.
 */
#include "tapir_config.h"
#include "module/policy/policy.h"
#include "module/policy/epoch.h"
#include "module/base/names.h"
#include "module/base/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

/* Record flags. */
#define F_SUBTREE 0x01  /* covers the names strictly below the name */
#define F_TOMB    0x02  /* top and mid levels only: the key is deleted */
#define F_ACTION  0x04
#define F_TAGS    0x08
#define F_EXPIRES 0x10
#define F_DATA    0x20

/* Hash variant for subtree keys: one name has two independent keys. */
#define SUBTREE_SALT 0x9e3779b97f4a7c15ULL

/* The levels of a view, lowest first. */
enum { L_BASE, L_MID, L_TOP, LEVELS };

/* A top with more records is folded into the mid level: the cost of a
 * single-name update is bounded by this. */
#define TOP_MAX 512
/* A mid level larger than this and than an eighth of its base is merged
 * into a new base. */
#define MID_FLOOR 4096
#define MID_DIVISOR 8
/* A replace-all that changes at most an eighth of a source is committed
 * as a delta instead of a new base. */
#define REPLACE_DELTA_DIVISOR 8

/* In a replace-all batch, a record starting with this octet (never a
 * name length: a wire name has at least the root octet) refers to an
 * unchanged entry: level (1) and slot (4) in the pinned tables. */
#define KEEP_MARK 0
#define KEEP_SIZE 6

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

/* Bit of a label depth in a depth mask; deeper names share the top bit,
 * which only costs them a useless probe. */
static uint64_t
depth_bit(unsigned labels)
{
	return 1ULL << (labels > 63 ? 63 : labels);
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

/* ---- memory ---- */

/* Blocks at least this large come straight from mmap.  Freed, they go
 * back to the system at once, and a growing one moves by mremap without
 * a copy; glibc's malloc serves blocks below its adaptive threshold from
 * its heap, which after the first large free grows to 32 MB, and there a
 * freed table can stay resident, and a growing arena is copied, two
 * copies at once. */
#define MEM_MAPPED (256 * 1024)

/* n zeroed octets. */
static void *
mem_alloc(size_t n)
{
	void *p;

	if (n < MEM_MAPPED)
		return calloc(1, n ? n : 1);
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
mem_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < MEM_MAPPED)
		free(p);
	else
		munmap(p, n);
}

/* A block of old octets resized to n (the new part not zeroed). */
static void *
mem_resize(void *p, size_t old, size_t n)
{
	void *q;

	if (!p)
		return mem_alloc(n);
	if (old < MEM_MAPPED && n < MEM_MAPPED)
		return realloc(p, n ? n : 1);
	if (old >= MEM_MAPPED && n >= MEM_MAPPED) {
		q = mremap(p, old, n, MREMAP_MAYMOVE);
		return q == MAP_FAILED ? NULL : q;
	}
	if (!(q = mem_alloc(n)))
		return NULL;
	memcpy(q, p, old < n ? old : n);
	mem_free(p, old);
	return q;
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
		if (!(n = mem_resize(a->buf, a->cap, cap)))
			return -1;
		a->buf = n;
		a->cap = cap;
	}
	return 0;
}

/* Free an arena's buffer; the arena is empty after. */
static void
arena_free(struct arena *a)
{
	mem_free(a->buf, a->cap);
	memset(a, 0, sizeof(*a));
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
		if (e->expires != 0) {
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
		/* Unsigned 32 bits last until 2106; a time before 1970 has
		 * passed already, so it becomes the earliest expiry. */
		uint32_t x = e->expires < 0 ? 1 :
			e->expires > (int64_t)UINT32_MAX ? UINT32_MAX :
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
	/* A blocked Bloom filter, one 64-bit word per probe and two bits
	 * per key: most probes for absent keys end here, in a structure of
	 * a byte per key that stays in the CPU caches longest. */
	uint64_t *bloom;
	size_t bloom_words;
	/* Per slot: 0 empty, else eight bits of the key's hash, so that a
	 * probe rarely reads the offset or the arena of a record that does
	 * not match. */
	uint8_t *tags;
	uint32_t *offs;    /* per slot: the record's arena offset */
	size_t nslots;     /* not a power of two: see fast_range() */
	uint8_t *arena;
	size_t arena_len;
	size_t arena_size; /* its allocation */
	size_t count;      /* records in the slots, tombstones included */
	size_t live;       /* of which not tombstones */
	uint64_t exact_depths;  /* label depths of exact keys */
	uint64_t sub_depths;    /* label depths of subtree keys */
	int has_expiry;
	/* Views and pins using it.  Writers only, never readers; atomic
	 * because a reload shares tables between two stores, each with its
	 * own writer lock (policy_source_share()). */
	atomic_uint refs;
};

/* Slots per record when a table is built: a load of at most 0.9.  The
 * Bloom filter keeps most absent keys from probing at all, and the tags
 * of a probe sequence (about 5 for a present key, 50 for an absent one
 * at that load) share a cache line or two: 5.6 bytes of slots per
 * record instead of the 16 of 64-bit slots in a power-of-two table. */
#define SLOTS_NUM 10
#define SLOTS_DEN 9

static size_t
table_bytes(const struct table *t)
{
	return t ? sizeof(*t) + t->bloom_words * sizeof(uint64_t) +
	    t->nslots * (sizeof(uint8_t) + sizeof(uint32_t)) + t->arena_len :
	    0;
}

/* A hash scaled to [0, n): its high bits (Lemire's multiply-shift), so
 * that a table's size is what its records need, not the next power of
 * two.  The slot and the Bloom word come from these bits; the tag and
 * the Bloom bits from the low ones, independent of them. */
static size_t
fast_range(uint64_t h, size_t n)
{
	return (size_t)(((unsigned __int128)h * n) >> 64);
}

/* The slot after i: probes are linear, and wrap. */
static size_t
slot_next(const struct table *t, size_t i)
{
	return i + 1 == t->nslots ? 0 : i + 1;
}

/* A key's tag: its hash's low eight bits, never 0 (an empty slot). */
static uint8_t
slot_tag(uint64_t h)
{
	uint8_t g = (uint8_t)h;

	return (uint8_t)(g + !g);
}

static uint64_t
bloom_bits(uint64_t h)
{
	return (1ULL << ((h >> 8) & 63)) | (1ULL << ((h >> 14) & 63));
}

static int
bloom_may_have(const struct table *t, uint64_t h)
{
	uint64_t bits = bloom_bits(h);

	return (t->bloom[fast_range(h, t->bloom_words)] & bits) == bits;
}

static void
table_free(struct table *t)
{
	if (!t)
		return;
	mem_free(t->bloom, t->bloom_words * sizeof(uint64_t));
	mem_free(t->tags, t->nslots * sizeof(uint8_t));
	mem_free(t->offs, t->nslots * sizeof(uint32_t));
	mem_free(t->arena, t->arena_size);
	free(t);
}

static struct table *
table_ref(struct table *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

static void
table_unref(struct table *t)
{
	if (t && atomic_fetch_sub_explicit(&t->refs, 1,
	    memory_order_acq_rel) == 1)
		table_free(t);
}

/* The slot of a key, or -1.  Tombstones are found too: the caller
 * decides what they mean. */
static long
table_lookup(const struct table *t, const uint8_t *name, size_t len,
	int subtree, uint64_t h)
{
	uint8_t tag = slot_tag(h);
	size_t i;

	if (!t || !t->count || !bloom_may_have(t, h))
		return -1;
	for (i = fast_range(h, t->nslots);; i = slot_next(t, i)) {
		uint8_t g = t->tags[i];
		const uint8_t *r;
		if (!g)
			return -1;
		if (g != tag)
			continue;
		r = t->arena + t->offs[i];
		if (r[0] == len && memcmp(r + 1, name, len) == 0 &&
		    !(r[1 + len] & F_SUBTREE) == !subtree)
			return (long)i;
	}
}

static const uint8_t *
table_slot_rec(const struct table *t, size_t slot)
{
	return t->arena + t->offs[slot];
}

/* Records parsed ahead of their insertion by table_build(). */
#define BUILD_GROUP 32

/* Put the record at arena offset off, of key hash h, into the slots of
 * a table being built. */
static void
table_insert(struct table *t, size_t off, uint64_t h)
{
	uint8_t tag = slot_tag(h);
	struct rec r;
	size_t i;

	rec_parse(t->arena + off, &r);
	for (i = fast_range(h, t->nslots);; i = slot_next(t, i)) {
		const uint8_t *o;
		if (!t->tags[i]) {
			t->count++;
			break;
		}
		if (t->tags[i] != tag)
			continue;
		o = t->arena + t->offs[i];
		if (o[0] == r.name_len &&
		    memcmp(o + 1, r.name, r.name_len) == 0 &&
		    !(o[1 + r.name_len] & F_SUBTREE) ==
		    !(r.flags & F_SUBTREE)) {
			t->live -= !(o[1 + r.name_len] & F_TOMB);
			break;
		}
	}
	t->tags[i] = tag;
	t->offs[i] = (uint32_t)off;
	t->bloom[fast_range(h, t->bloom_words)] |= bloom_bits(h);
	t->live += !(r.flags & F_TOMB);
	/* A hint for expiry scans: a replaced record may leave it set for
	 * nothing. */
	if (r.flags & F_EXPIRES)
		t->has_expiry = 1;
	if (r.flags & F_SUBTREE)
		t->sub_depths |= depth_bit(name_label_count(r.name));
	else
		t->exact_depths |= depth_bit(name_label_count(r.name));
}

/* Build a table over an arena (taken over): later records of a key win.
 * Tombstones stay (they hide lower levels); a base never gets any. */
static struct table *
table_build(struct arena *a)
{
	struct table *t = calloc(1, sizeof(*t));
	struct rec r;
	size_t off;

	if (!t)
		return NULL;
	/* Eight bits per key: about 5% false positives with two bits. */
	t->bloom_words = a->records / 8 + 1;
	/* One empty slot at least, so that every probe ends. */
	t->nslots = a->records / SLOTS_DEN * SLOTS_NUM +
		a->records % SLOTS_DEN + 8;
	if (a->len >= UINT32_MAX ||
	    !(t->bloom = mem_alloc(t->bloom_words * sizeof(uint64_t))) ||
	    !(t->tags = mem_alloc(t->nslots * sizeof(uint8_t))) ||
	    !(t->offs = mem_alloc(t->nslots * sizeof(uint32_t)))) {
		mem_free(t->bloom, t->bloom_words * sizeof(uint64_t));
		mem_free(t->tags, t->nslots * sizeof(uint8_t));
		free(t);
		return NULL;
	}
	/* Trim the arena's slack: it is kept for the table's lifetime. */
	t->arena = a->len && a->len < a->cap ? mem_resize(a->buf, a->cap,
		a->len) : NULL;
	t->arena_size = t->arena ? a->len : a->cap;
	if (!t->arena)
		t->arena = a->buf;
	t->arena_len = a->len;
	atomic_init(&t->refs, 1);
	a->buf = NULL;
	a->len = a->cap = a->records = 0;
	/* In arena order, which reads the arena once from start to end, a
	 * group at a time: the group's slots and filter words are touched
	 * first, so that their cache misses overlap instead of queueing.  A
	 * later record of a key takes its slot, and its predecessor's count
	 * with it (a key keeps its depth). */
	for (off = 0; off < t->arena_len;) {
		size_t group[BUILD_GROUP];
		uint64_t hash[BUILD_GROUP];
		size_t n, k, slot;
		for (n = 0; n < BUILD_GROUP && off < t->arena_len; n++) {
			rec_parse(t->arena + off, &r);
			group[n] = off;
			hash[n] = key_hash(hash_name(r.name, r.name_len),
				r.flags & F_SUBTREE);
			slot = fast_range(hash[n], t->nslots);
			__builtin_prefetch(&t->tags[slot], 1);
			__builtin_prefetch(&t->offs[slot], 1);
			__builtin_prefetch(&t->bloom[fast_range(hash[n],
				t->bloom_words)], 1);
			off += r.size;
		}
		for (k = 0; k < n; k++)
			table_insert(t, group[k], hash[k]);
	}
	return t;
}

/* ---- views ---- */

/* An external index, counted like the tables: the views of one store
 * share it from one update to the next, and a reload's new store shares
 * it with the old one. */
struct index_ref {
	struct policy_index idx;
	atomic_uint refs;
};

static struct index_ref *
index_ref(struct index_ref *x)
{
	if (x)
		atomic_fetch_add_explicit(&x->refs, 1, memory_order_relaxed);
	return x;
}

static void
index_unref(struct index_ref *x)
{
	if (!x || atomic_fetch_sub_explicit(&x->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	if (x->idx.release)
		x->idx.release(x->idx.ctx);
	free(x);
}

struct source_view {
	struct table *t[LEVELS];
	struct index_ref *index;
	size_t entries;        /* live entries, all levels applied */
	uint64_t exact_depths; /* union of the levels' masks */
	uint64_t sub_depths;
};

/* Where a key's visible record lives. */
struct loc {
	int level;
	long slot;
};

/* The visible record of a key: the highest level that has it decides,
 * a tombstone there hides the lower levels.  NULL if absent. */
static const uint8_t *
view_find(const struct source_view *v, const uint8_t *name, size_t len,
	int subtree, uint64_t h, struct loc *where)
{
	int k;

	if (!v)
		return NULL;
	for (k = L_TOP; k >= L_BASE; k--) {
		long i = table_lookup(v->t[k], name, len, subtree, h);
		const uint8_t *r;
		if (i < 0)
			continue;
		r = table_slot_rec(v->t[k], (size_t)i);
		if (r[1 + len] & F_TOMB)
			return NULL;
		if (where) {
			where->level = k;
			where->slot = i;
		}
		return r;
	}
	return NULL;
}

static const uint8_t *
view_find_rec(const struct source_view *v, const struct rec *r)
{
	int subtree = r->flags & F_SUBTREE;

	return view_find(v, r->name, r->name_len, subtree,
		key_hash(hash_name(r->name, r->name_len), subtree), NULL);
}

/* Whether a record of a view's level is hidden by a higher level's
 * record (or tombstone) of the same key. */
static int
rec_shadowed(const struct source_view *v, int level, const struct rec *r)
{
	uint64_t h = key_hash(hash_name(r->name, r->name_len),
		r->flags & F_SUBTREE);
	int j;

	for (j = level + 1; j < LEVELS; j++)
		if (table_lookup(v->t[j], r->name, r->name_len,
		    r->flags & F_SUBTREE, h) >= 0)
			return 1;
	return 0;
}

/* Call fn on every visible live record of a view, with where it is,
 * until fn returns non-zero: the walk visits slots in hash order, a
 * cache miss a record, so a caller that has learnt enough stops it. */
static void
view_foreach(const struct source_view *v,
	int (*fn)(void *arg, const struct rec *r, int level, size_t slot),
	void *arg)
{
	int k;

	if (!v)
		return;
	for (k = L_BASE; k < LEVELS; k++) {
		const struct table *t = v->t[k];
		size_t i;
		if (!t)
			continue;
		for (i = 0; i < t->nslots; i++) {
			struct rec r;
			if (!t->tags[i])
				continue;
			rec_parse(table_slot_rec(t, i), &r);
			if (!(r.flags & F_TOMB) && !rec_shadowed(v, k, &r) &&
			    fn(arg, &r, k, i))
				return;
		}
	}
}

/* A new view sharing (referencing) the tables and index of old. */
static struct source_view *
view_copy(const struct source_view *old)
{
	struct source_view *v = calloc(1, sizeof(*v));
	int k;

	if (v && old) {
		for (k = 0; k < LEVELS; k++)
			v->t[k] = table_ref(old->t[k]);
		v->index = index_ref(old->index);
		v->entries = old->entries;
	}
	return v;
}

/* Set a level, dropping the view's reference to what was there. */
static void
view_set(struct source_view *v, int level, struct table *t)
{
	table_unref(v->t[level]);
	v->t[level] = t;
}

/* Recompute what the query path precomputes. */
static void
view_finish(struct source_view *v)
{
	int k;

	v->exact_depths = v->sub_depths = 0;
	for (k = 0; k < LEVELS; k++)
		if (v->t[k]) {
			v->exact_depths |= v->t[k]->exact_depths;
			v->sub_depths |= v->t[k]->sub_depths;
		}
}

/* Drop a view: its references to its tables and index. */
static void
view_release(struct source_view *v)
{
	int k;

	if (!v)
		return;
	for (k = 0; k < LEVELS; k++)
		table_unref(v->t[k]);
	index_unref(v->index);
	free(v);
}

static size_t
view_bytes(const struct source_view *v)
{
	size_t n = 0;
	int k;

	if (!v)
		return 0;
	for (k = 0; k < LEVELS; k++)
		n += table_bytes(v->t[k]);
	return n + sizeof(*v) + (v->index ? v->index->idx.bytes : 0);
}

/* ---- names of things ---- */

static const char *const action_names[] = {
	"none", "monitor", "passthru", "tcp-only", "redirect", "nodata",
	"nxdomain", "drop"
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
	case POLICY_RULE_PASSTHRU: return "rpz-passthru";
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

struct source_meta {
	char name[64];
	enum policy_list list;
	unsigned flags;
};

struct policy_store {
	struct policy_rules rules;
	int tag_source;
	/* Fixed once readers start (policy_source_add's contract), so the
	 * query path reads them without synchronisation. */
	struct source_meta meta[POLICY_MAX_SOURCES];
	unsigned num_sources;
	/* Sources on trial, a bit per id; and whether a rule's action is
	 * monitor: a decision looks at what is on trial only if either. */
	uint64_t monitored;
	int monitor_rules;
	/* Sources switched off, a bit per id: the operator switches them
	 * at any time, a decision loads the word once. */
	_Atomic uint64_t disabled;
	/* Each source's published view: one pointer store publishes a
	 * batch. */
	_Atomic(struct source_view *) views[POLICY_MAX_SOURCES];
	struct epoch epoch;
	/* Serialises every change, and guards what follows. */
	pthread_mutex_t writer;
	pthread_cond_t merge_wake;  /* the merger has work, or must stop */
	/* Started on the first merge request; it waits on merge_wake under
	 * the writer lock, not on the thread's own condition, so it has a
	 * stop flag of its own too. */
	struct tapir_thread merger;
	int merger_stop;
	uint64_t merge_pending;     /* sources whose mid level wants a merge */
	uint64_t merging;           /* the source being merged */
	/* Bumped by every change of a source's contents (not by merges,
	 * which only move records between levels). */
	uint64_t version[POLICY_MAX_SOURCES];
	/* Told of every key a commit or an expiry changed (outputs); NULL
	 * when nobody asked, and then nothing is collected for it. */
	policy_changed_fn observe;
	void *observe_arg;
	/* Entries each source lost to expiry. */
	uint64_t expired[POLICY_MAX_SOURCES];
};

static struct source_view *
current_view(struct policy_store *s, unsigned source)
{
	/* Writers only, under the lock: they are the ones that store. */
	return atomic_load_explicit(&s->views[source], memory_order_relaxed);
}

struct policy_store *
policy_store_create(const struct policy_rules *rules, unsigned num_readers)
{
	struct policy_store *s = calloc(1, sizeof(*s));
	unsigned i;

	if (!s || epoch_init(&s->epoch, num_readers) != 0) {
		free(s);
		return NULL;
	}
	s->rules = *rules;
	s->tag_source = -1;
	s->monitor_rules = rules->numsources_action == POLICY_ACTION_MONITOR ||
	    rules->numtags_action == POLICY_ACTION_MONITOR ||
	    rules->tags_action == POLICY_ACTION_MONITOR;
	atomic_init(&s->disabled, 0);
	for (i = 0; i < POLICY_MAX_SOURCES; i++)
		atomic_init(&s->views[i], NULL);
	pthread_mutex_init(&s->writer, NULL);
	pthread_cond_init(&s->merge_wake, NULL);
	tapir_thread_init(&s->merger);
	return s;
}

void
policy_store_destroy(struct policy_store *s)
{
	unsigned i;

	if (!s)
		return;
	pthread_mutex_lock(&s->writer);
	s->merger_stop = 1;
	pthread_cond_signal(&s->merge_wake);
	pthread_mutex_unlock(&s->writer);
	/* Joins the merger if it was ever started. */
	tapir_thread_stop(&s->merger);
	tapir_thread_destroy(&s->merger);
	for (i = 0; i < s->num_sources; i++)
		view_release(current_view(s, i));
	epoch_destroy(&s->epoch);
	pthread_cond_destroy(&s->merge_wake);
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
	if (flags & POLICY_SOURCE_MONITOR)
		s->monitored |= (uint64_t)1 << s->num_sources;
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

int
policy_source_set_enabled(struct policy_store *s, uint16_t id, int enabled)
{
	uint64_t bit = (uint64_t)1 << id, off;

	if (id >= s->num_sources)
		return -1;
	/* Writers are serialised by the lock; readers only load. */
	pthread_mutex_lock(&s->writer);
	off = atomic_load_explicit(&s->disabled, memory_order_relaxed);
	atomic_store_explicit(&s->disabled, enabled ? off & ~bit : off | bit,
		memory_order_release);
	pthread_mutex_unlock(&s->writer);
	return 0;
}

int
policy_source_enabled(const struct policy_store *s, int id)
{
	return id >= 0 && (unsigned)id < s->num_sources &&
	    !(atomic_load_explicit(&s->disabled, memory_order_acquire) >>
	    id & 1);
}

/* Publish a new view for one source, wait out the readers that may hold
 * the old one, then drop it.  Caller holds the writer lock. */
static void
publish(struct policy_store *s, unsigned source, struct source_view *nv)
{
	struct source_view *ov = current_view(s, source);

	view_finish(nv);
	atomic_store_explicit(&s->views[source], nv, memory_order_release);
	epoch_synchronize(&s->epoch);
	view_release(ov);
}

/* ---- changes to report ---- */

/* Past this many names a commit reports everything (the root and its
 * subtree) instead of each name.  A cache flush is one sweep of the
 * caches whatever it looks for, and a change this big empties them
 * nearly as surely; noting the names of a first load of ten million
 * costs seconds and hundreds of megabytes, on the way to a cache that
 * is still empty. */
#define CHANGES_MAX 262144

/* Names to report after publishing, copied (old tables are freed by
 * then). */
struct changes {
	struct arena names;
	size_t count;
	const struct source_view *other;   /* the view to compare with */
	/* Too many names, or no memory to note them: report everything. */
	int everything;
};

static void
note_change(struct changes *c, const struct rec *r)
{
	uint8_t hdr[2] = { r->name_len, (uint8_t)(r->flags & F_SUBTREE) };

	if (c->everything)
		return;
	if (++c->count > CHANGES_MAX ||
	    arena_reserve(&c->names, 2u + r->name_len)) {
		c->everything = 1;
		arena_free(&c->names);
		return;
	}
	memcpy(c->names.buf + c->names.len, hdr, 2);
	memcpy(c->names.buf + c->names.len + 2, r->name, r->name_len);
	c->names.len += 2u + r->name_len;
}

/* A record that is new, or differs from the other view's; stops the
 * walk once everything is to be reported. */
static int
note_if_new(void *arg, const struct rec *r, int level, size_t slot)
{
	struct changes *c = arg;
	const uint8_t *o;

	(void)level;
	(void)slot;
	if ((o = view_find_rec(c->other, r))) {
		struct rec or;
		rec_parse(o, &or);
		if (rec_same_state(&or, r))
			return 0;
	}
	note_change(c, r);
	return c->everything;
}

/* Report the names noted from offset from on as subtrees: every name of
 * a match-subdomains source covers the names below it. */
static void
changes_mark_subtree(struct changes *c, size_t from)
{
	while (from < c->names.len) {
		c->names.buf[from + 1] = 1;
		from += 2u + c->names.buf[from];
	}
}

/* Note every key of an arena of records (a delta being committed). */
static void
note_arena(struct changes *c, const struct arena *a)
{
	size_t off = 0;

	while (off < a->len) {
		struct rec r;
		rec_parse(a->buf + off, &r);
		note_change(c, &r);
		off += r.size;
	}
}

static void
report_changes(struct changes *c, policy_changed_fn changed, void *arg)
{
	static const uint8_t root[] = { 0 };
	size_t off = 0;

	if (c->everything)
		changed(arg, root, 1);
	while (off < c->names.len) {
		uint8_t len = c->names.buf[off];
		changed(arg, c->names.buf + off + 2, c->names.buf[off + 1]);
		off += 2u + len;
	}
	arena_free(&c->names);
}

/* ---- building levels ---- */

/* Copy every record of a table (tombstones too) into an arena. */
static int
append_table(struct arena *a, const struct table *t)
{
	size_t i;

	if (!t)
		return 0;
	for (i = 0; i < t->nslots; i++) {
		struct rec r;
		if (!t->tags[i])
			continue;
		rec_parse(table_slot_rec(t, i), &r);
		if (arena_append(a, r.name - 1, r.size))
			return -1;
	}
	return 0;
}

struct append_ctx {
	struct arena a;
	int failed;
};

static int
append_rec(void *arg, const struct rec *r, int level, size_t slot)
{
	struct append_ctx *c = arg;

	(void)level;
	(void)slot;
	if (arena_append(&c->a, r->name - 1, r->size))
		c->failed = 1;
	return c->failed;
}

/* Call fn for the records of a table from arena offset from on: in a
 * level built from older records and then a batch, exactly the batch's
 * keys, each in its final state. */
static void
table_foreach_from(const struct table *t, size_t from,
	void (*fn)(void *arg, const struct rec *r), void *arg)
{
	size_t i;

	for (i = 0; i < t->nslots; i++) {
		struct rec r;
		if (!t->tags[i] || t->offs[i] < from)
			continue;
		rec_parse(table_slot_rec(t, i), &r);
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
	const uint8_t *o = view_find_rec(d->old, r);
	int now_live = !(r->flags & F_TOMB);
	struct rec orec;

	d->entries += now_live - (o != NULL);
	if (!d->ch)
		return;
	/* Deny and doubt: what is new or changed may block.  Allow: what
	 * is gone may now be blocked by another source. */
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

/* Whether a view's mid level has grown enough to be merged. */
static int
wants_merge(const struct source_view *v)
{
	const struct table *mid = v->t[L_MID];

	return mid && mid->count > MID_FLOOR && mid->count * MID_DIVISOR >
	    (v->t[L_BASE] ? v->t[L_BASE]->live : 0);
}

/* A new view: ov with the records of batch (which this consumes) on top.
 * The top is rebuilt from its old records plus the batch; when that
 * would exceed TOP_MAX, top and batch are folded into the mid level
 * instead, unless the mid level is being merged right now (then the top
 * grows until the merge is published).  Writer lock held. */
static struct source_view *
commit_delta(struct policy_store *s, unsigned source,
	const struct source_view *ov, struct arena *batch, struct changes *ch)
{
	struct source_view *nv = view_copy(ov);
	struct delta d = { ov, ch, s->meta[source].list == POLICY_LIST_ALLOW,
		0 };
	struct arena a = { 0 };
	struct table *t;
	size_t from, top = nv && nv->t[L_TOP] ? nv->t[L_TOP]->count : 0;
	int fold = !(s->merging & (1ULL << source)) &&
		top + batch->records > TOP_MAX;

	if (!nv)
		return NULL;
	if ((fold && append_table(&a, nv->t[L_MID])) ||
	    append_table(&a, nv->t[L_TOP]) ||
	    arena_reserve(&a, batch->len))
		goto fail;
	from = a.len;
	if (batch->len)
		memcpy(a.buf + a.len, batch->buf, batch->len);
	a.len += batch->len;
	a.records += batch->records;
	if (!(t = table_build(&a)))
		goto fail;
	view_set(nv, fold ? L_MID : L_TOP, t);
	if (fold)
		view_set(nv, L_TOP, NULL);
	table_foreach_from(t, from, delta_rec, &d);
	nv->entries = (size_t)((long long)nv->entries + d.entries);
	return nv;
fail:
	arena_free(&a);
	view_release(nv);
	return NULL;
}

/* ---- batches ---- */

struct policy_batch {
	struct policy_store *s;
	uint16_t source;
	int replace_all;
	/* Records in put order; in a replace-all batch, unchanged entries
	 * as KEEP_MARK references into pin. */
	struct arena a;
	/* Replace-all: the source's tables when the batch began,
	 * referenced so that they outlive any concurrent change. */
	struct source_view pin;
	uint64_t pin_version;
	size_t keeps;
	/* policy_batch_get()'s index of the records by key, once asked
	 * for (batch_index_slot()); 0 empty; a power of two. */
	uint64_t *index;
	size_t index_mask, index_used;
};

static int batch_index_add(struct policy_batch *b, size_t off);

struct policy_batch *
policy_batch_begin(struct policy_store *s, uint16_t source, int replace_all)
{
	struct policy_batch *b;
	struct source_view *v;
	int k;

	if (source >= s->num_sources || !(b = calloc(1, sizeof(*b))))
		return NULL;
	b->s = s;
	b->source = source;
	b->replace_all = replace_all;
	if (replace_all) {
		pthread_mutex_lock(&s->writer);
		if ((v = current_view(s, source)) != NULL) {
			for (k = 0; k < LEVELS; k++)
				b->pin.t[k] = table_ref(v->t[k]);
			b->pin.entries = v->entries;
		}
		b->pin_version = s->version[source];
		pthread_mutex_unlock(&s->writer);
	}
	return b;
}

int
policy_batch_put(struct policy_batch *b, const uint8_t *name,
	const struct policy_entry *e)
{
	size_t len = name_wire_len(name), start = b->a.len;
	const uint8_t *p;
	struct rec r, o;
	struct loc where;
	uint32_t slot;

	if (arena_put(&b->a, name, len, e, e->subtree, 0))
		return -1;
	if (!b->replace_all || !b->pin.entries)
		return batch_index_add(b, start);
	/* Unchanged from the pinned source: keep a reference instead, so
	 * a reload that changes little holds little memory. */
	rec_parse(b->a.buf + start, &r);
	p = view_find(&b->pin, name, len, e->subtree, key_hash(hash_name(name,
		len), e->subtree), &where);
	if (!p || r.size < KEEP_SIZE)
		return batch_index_add(b, start);
	rec_parse(p, &o);
	if (!rec_same_state(&o, &r))
		return batch_index_add(b, start);
	slot = (uint32_t)where.slot;
	b->a.buf[start] = KEEP_MARK;
	b->a.buf[start + 1] = (uint8_t)where.level;
	memcpy(b->a.buf + start + 2, &slot, 4);
	b->a.len = start + KEEP_SIZE;
	b->keeps++;
	return batch_index_add(b, start);
}

int
policy_batch_remove(struct policy_batch *b, const uint8_t *name, int subtree)
{
	struct policy_entry none;
	size_t start = b->a.len;

	/* A replace-all batch lists what stays; removals mean nothing. */
	if (b->replace_all)
		return 0;
	memset(&none, 0, sizeof(none));
	if (arena_put(&b->a, name, name_wire_len(name), &none, subtree, 1))
		return -1;
	return batch_index_add(b, start);
}

/* Drop the batch's pins and memory.  Writer lock held. */
static void
batch_free_locked(struct policy_batch *b)
{
	int k;

	for (k = 0; k < LEVELS; k++)
		table_unref(b->pin.t[k]);
	arena_free(&b->a);
	mem_free(b->index, b->index ? (b->index_mask + 1) * sizeof(uint64_t) :
		0);
	free(b);
}

void
policy_batch_abort(struct policy_batch *b)
{
	struct policy_store *s;

	if (!b)
		return;
	s = b->s;
	pthread_mutex_lock(&s->writer);
	batch_free_locked(b);
	pthread_mutex_unlock(&s->writer);
}

/* The record a batch record stands for (resolving a keep reference);
 * returns the batch record's own size. */
static size_t
batch_rec(const struct policy_batch *b, const uint8_t *p, struct rec *r,
	struct loc *keep)
{
	uint32_t slot;

	if (p[0] != KEEP_MARK) {
		rec_parse(p, r);
		keep->level = -1;
		return r->size;
	}
	memcpy(&slot, p + 2, 4);
	keep->level = p[1];
	keep->slot = (long)slot;
	rec_parse(table_slot_rec(b->pin.t[p[1]], slot), r);
	return KEEP_SIZE;
}

/* The index slot of a key (hash h): the one holding it, or the empty
 * one where it would go.  A slot is the key's upper 32 hash bits, which
 * also place it, and the record's arena offset + 1: a probe reads the
 * arena only for a key with the same 32 bits. */
static size_t
batch_index_slot(const struct policy_batch *b, const uint8_t *name,
	size_t len, int subtree, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	size_t i;

	for (i = tag & b->index_mask;; i = (i + 1) & b->index_mask) {
		uint64_t sl = b->index[i];
		struct rec r;
		struct loc keep;
		if (!sl)
			return i;
		if ((uint32_t)(sl >> 32) != tag)
			continue;
		batch_rec(b, b->a.buf + (uint32_t)sl - 1, &r, &keep);
		if (r.name_len == len && memcmp(r.name, name, len) == 0 &&
		    !(r.flags & F_SUBTREE) == !subtree)
			return i;
	}
}

/* Index the record at offset off (the last of its key wins), growing
 * the index at three quarters full.  Nothing until policy_batch_get()
 * made one. */
static int
batch_index_add(struct policy_batch *b, size_t off)
{
	struct rec r;
	struct loc keep;
	uint64_t h;
	size_t i;

	if (!b->index)
		return 0;
	if (off >= UINT32_MAX)
		return -1;
	if ((b->index_used + 1) * 4 > (b->index_mask + 1) * 3) {
		size_t n = (b->index_mask + 1) * 2, j;
		uint64_t *old = b->index, *fresh = mem_alloc(n * sizeof(*fresh));
		if (!fresh)
			return -1;
		for (j = 0; j <= b->index_mask; j++) {
			size_t k;
			if (!old[j])
				continue;
			for (k = (old[j] >> 32) & (n - 1); fresh[k];
			    k = (k + 1) & (n - 1))
				;
			fresh[k] = old[j];
		}
		mem_free(old, (b->index_mask + 1) * sizeof(*old));
		b->index = fresh;
		b->index_mask = n - 1;
	}
	batch_rec(b, b->a.buf + off, &r, &keep);
	h = key_hash(hash_name(r.name, r.name_len), r.flags & F_SUBTREE);
	i = batch_index_slot(b, r.name, r.name_len, r.flags & F_SUBTREE, h);
	b->index_used += !b->index[i];
	b->index[i] = (h >> 32) << 32 | (uint64_t)(off + 1);
	return 0;
}

/* An entry with its local data copied into data (cap octets). */
static int
entry_copy(const struct rec *r, struct policy_entry *e, uint8_t *data,
	size_t cap)
{
	if (r->data_len > cap)
		return -1;
	memset(e, 0, sizeof(*e));
	e->tags = r->tags;
	e->expires = r->expires;
	e->action = (enum policy_action)r->action;
	e->subtree = !!(r->flags & F_SUBTREE);
	if (r->data_len) {
		memcpy(data, r->data, r->data_len);
		e->data = data;
		e->data_len = r->data_len;
	}
	return 0;
}

int
policy_batch_get(struct policy_batch *b, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	size_t len = name_wire_len(name), off, i;
	struct rec r;
	struct loc keep;

	if (!b->index) {
		/* Index what the batch holds so far, once. */
		if (!(b->index = mem_alloc(16 * sizeof(*b->index))))
			return -1;
		b->index_mask = 15;
		for (off = 0; off < b->a.len;) {
			size_t size = batch_rec(b, b->a.buf + off, &r, &keep);
			if (batch_index_add(b, off) != 0)
				return -1;
			off += size;
		}
	}
	i = batch_index_slot(b, name, len, subtree, key_hash(hash_name(name,
		len), subtree));
	if (!b->index[i])
		return 0;
	batch_rec(b, b->a.buf + (uint32_t)b->index[i] - 1, &r, &keep);
	if (r.flags & F_TOMB)
		return 0;
	return entry_copy(&r, e, data, cap) == 0 ? 1 : -1;
}

int
policy_source_get(struct policy_store *s, uint16_t source,
	const uint8_t *name, int subtree, struct policy_entry *e,
	uint8_t *data, size_t cap)
{
	size_t len = name_wire_len(name);
	const uint8_t *p;
	struct rec r;
	int found = 0;

	if (source >= s->num_sources)
		return -1;
	/* Under the lock: a merge may free the tables read here once it
	 * is published, and the data is copied before that. */
	pthread_mutex_lock(&s->writer);
	p = view_find(current_view(s, source), name, len, subtree,
		key_hash(hash_name(name, len), subtree), NULL);
	if (p) {
		rec_parse(p, &r);
		found = entry_copy(&r, e, data, cap) == 0 ? 1 : -1;
	}
	pthread_mutex_unlock(&s->writer);
	return found;
}

/* Marks of the pinned entries that a replace-all batch lists. */
struct kept {
	uint64_t *bits[LEVELS];
	uint64_t *full[LEVELS];  /* entries the batch lists changed */
	size_t unlisted;      /* pinned live entries the batch omits */
	size_t max_unlisted;  /* more is not worth a delta: stop */
	struct arena tombs;   /* their tombstones */
	int failed;
};

static void
mark(uint64_t **bits, const struct loc *where)
{
	bits[where->level][(size_t)where->slot / 64] |=
		1ULL << ((size_t)where->slot % 64);
}

static int
marked(uint64_t **bits, const struct loc *where)
{
	return !!(bits[where->level][(size_t)where->slot / 64] &
	    (1ULL << ((size_t)where->slot % 64)));
}

static int
kept_unlisted(void *arg, const struct rec *r, int level, size_t slot)
{
	struct kept *k = arg;
	struct loc where = { level, (long)slot };

	if (marked(k->bits, &where))
		return 0;
	if (++k->unlisted > k->max_unlisted || arena_put(&k->tombs, r->name,
	    r->name_len, NULL, r->flags & F_SUBTREE, 1))
		k->failed = 1;
	return k->failed;
}

/* A replace-all whose batch changes at most an eighth of the pinned
 * source, whose contents must still be the current ones (a background
 * merge meanwhile is fine: the difference is by name): the difference as
 * a delta arena (tombstones for what the batch omits, then the batch's
 * changed records), or 0 with nothing set up when it is not worth it. */
static int
replace_as_delta(struct policy_batch *b, struct arena *delta)
{
	struct kept k;
	size_t off, changed = b->a.records - b->keeps;
	int lv, ok = 0;

	memset(&k, 0, sizeof(k));
	if (b->pin_version != b->s->version[b->source] || !b->pin.entries || changed * REPLACE_DELTA_DIVISOR >
	    b->pin.entries)
		return 0;
	for (lv = 0; lv < LEVELS; lv++)
		if (b->pin.t[lv] && (!(k.bits[lv] = calloc(
		    (b->pin.t[lv]->nslots + 63) / 64, sizeof(uint64_t))) ||
		    !(k.full[lv] = calloc((b->pin.t[lv]->nslots + 63) / 64,
		    sizeof(uint64_t)))))
			goto done;
	/* Mark every pinned entry the batch lists, changed or not. */
	for (off = 0; off < b->a.len;) {
		struct rec r;
		struct loc where;
		off += batch_rec(b, b->a.buf + off, &r, &where);
		if (where.level >= 0) {
			mark(k.bits, &where);
			continue;
		}
		if (view_find(&b->pin, r.name, r.name_len, r.flags &
		    F_SUBTREE, key_hash(hash_name(r.name, r.name_len),
		    r.flags & F_SUBTREE), &where)) {
			mark(k.bits, &where);
			mark(k.full, &where);
		}
	}
	/* Bounded: the tombstones of a large difference are not built. */
	k.max_unlisted = b->pin.entries / REPLACE_DELTA_DIVISOR - changed;
	view_foreach(&b->pin, kept_unlisted, &k);
	if (k.failed)
		goto done;
	/* Tombstones first: a name the batch lists again must win.  Then
	 * the changed records, in put order, with the unchanged state of a
	 * name that is also listed changed: the last put decides. */
	*delta = k.tombs;
	k.tombs.buf = NULL;
	for (off = 0; off < b->a.len;) {
		struct rec r;
		struct loc where;
		off += batch_rec(b, b->a.buf + off, &r, &where);
		if ((where.level < 0 || marked(k.full, &where)) &&
		    arena_append(delta, r.name - 1, r.size))
			goto done;
	}
	ok = 1;
done:
	if (!ok)
		arena_free(delta);
	arena_free(&k.tombs);
	for (lv = 0; lv < LEVELS; lv++) {
		free(k.bits[lv]);
		free(k.full[lv]);
	}
	return ok;
}

/* A replace-all as a new base.  Writer lock held. */
static struct source_view *
replace_as_base(struct policy_batch *b, const struct source_view *ov,
	struct changes *ch)
{
	struct source_view *nv = calloc(1, sizeof(*nv));
	struct arena full = { 0 };
	int allow = b->s->meta[b->source].list == POLICY_LIST_ALLOW;

	if (!nv)
		return NULL;
	if (!b->keeps) {
		full = b->a;
		memset(&b->a, 0, sizeof(b->a));
	} else {
		size_t off;
		for (off = 0; off < b->a.len;) {
			struct rec r;
			struct loc where;
			off += batch_rec(b, b->a.buf + off, &r, &where);
			if (arena_append(&full, r.name - 1, r.size)) {
				arena_free(&full);
				free(nv);
				return NULL;
			}
		}
		arena_free(&b->a);
	}
	if (!(nv->t[L_BASE] = table_build(&full))) {
		arena_free(&full);
		free(nv);
		return NULL;
	}
	nv->index = ov ? index_ref(ov->index) : NULL;
	nv->entries = nv->t[L_BASE]->live;
	if (ch) {
		ch->other = allow ? nv : ov;
		view_foreach(allow ? ov : nv, note_if_new, ch);
	}
	return nv;
}

static void merge_request(struct policy_store *s, unsigned source);

/* Tell the observer, after publishing, the keys noted in c (which this
 * frees), or everything when wholesale or when noting them ran out of
 * memory; nothing when nothing was published. */
static void
observe_changes(struct policy_store *s, struct changes *c, int published,
	int wholesale)
{
	if (!published || !s->observe) {
		arena_free(&c->names);
		return;
	}
	if (wholesale || c->everything) {
		arena_free(&c->names);
		s->observe(s->observe_arg, NULL, 0);
		return;
	}
	report_changes(c, s->observe, s->observe_arg);
}

void
policy_store_observe(struct policy_store *s, policy_changed_fn fn,
	void *arg)
{
	pthread_mutex_lock(&s->writer);
	s->observe = fn;
	s->observe_arg = arg;
	pthread_mutex_unlock(&s->writer);
}

int
policy_batch_commit(struct policy_batch *b, policy_changed_fn changed,
	void *arg)
{
	struct policy_store *s = b->s;
	struct source_view *ov, *nv;
	struct changes ch, all;
	struct arena delta = { 0 };
	int wholesale = 0;

	memset(&ch, 0, sizeof(ch));
	memset(&all, 0, sizeof(all));
	pthread_mutex_lock(&s->writer);
	ov = current_view(s, b->source);
	/* An observer hears of every key the delta holds; a new base is
	 * one change of everything. */
	if (!b->replace_all) {
		if (s->observe)
			note_arena(&all, &b->a);
		nv = commit_delta(s, b->source, ov, &b->a,
			changed ? &ch : NULL);
	} else if (replace_as_delta(b, &delta)) {
		if (s->observe)
			note_arena(&all, &delta);
		nv = commit_delta(s, b->source, ov, &delta,
			changed ? &ch : NULL);
		arena_free(&delta);
	} else {
		wholesale = 1;
		nv = replace_as_base(b, ov, changed ? &ch : NULL);
	}
	if (nv) {
		publish(s, b->source, nv);
		s->version[b->source]++;
		if (wants_merge(nv))
			merge_request(s, b->source);
	}
	if (s->meta[b->source].flags & POLICY_SOURCE_SUBDOMAINS) {
		changes_mark_subtree(&ch, 0);
		changes_mark_subtree(&all, 0);
	}
	batch_free_locked(b);
	pthread_mutex_unlock(&s->writer);
	/* Only now, with the new policy visible, may caches be flushed:
	 * earlier, a query could cache the old answer again. */
	if (nv && changed)
		report_changes(&ch, changed, arg);
	else
		arena_free(&ch.names);
	observe_changes(s, &all, nv != NULL, wholesale);
	return nv ? 0 : -1;
}

/* ---- background merges ---- */

/* Merge a source's base and mid level into a new base.  Called with the
 * writer lock held; drops it while building, so that writers carry on
 * (their deltas land in the top, which the merge leaves alone) and only
 * the publication waits for the lock again. */
static void
merge_source(struct policy_store *s, unsigned source)
{
	struct source_view *v = current_view(s, source), snap, *nv;
	struct append_ctx c;
	struct table *base = NULL;

	if (!v || !v->t[L_MID])
		return;
	memset(&snap, 0, sizeof(snap));
	memset(&c, 0, sizeof(c));
	snap.t[L_BASE] = table_ref(v->t[L_BASE]);
	snap.t[L_MID] = table_ref(v->t[L_MID]);
	s->merging |= 1ULL << source;
	pthread_mutex_unlock(&s->writer);
	view_foreach(&snap, append_rec, &c);
	if (c.failed || !(base = table_build(&c.a)))
		arena_free(&c.a);
	pthread_mutex_lock(&s->writer);
	v = current_view(s, source);
	/* A replace-all or an expiry meanwhile made the merge moot. */
	if (base && v && v->t[L_BASE] == snap.t[L_BASE] &&
	    v->t[L_MID] == snap.t[L_MID] && (nv = view_copy(v)) != NULL) {
		view_set(nv, L_BASE, base);
		view_set(nv, L_MID, NULL);
		publish(s, source, nv);
	} else
		table_unref(base);
	table_unref(snap.t[L_BASE]);
	table_unref(snap.t[L_MID]);
	s->merging &= ~(1ULL << source);
}

static void *
merger_main(void *arg)
{
	struct policy_store *s = arg;

	pthread_mutex_lock(&s->writer);
	for (;;) {
		unsigned source;
		while (!s->merger_stop && !s->merge_pending)
			pthread_cond_wait(&s->merge_wake, &s->writer);
		if (s->merger_stop)
			break;
		source = (unsigned)__builtin_ctzll(s->merge_pending);
		s->merge_pending &= ~(1ULL << source);
		merge_source(s, source);
	}
	pthread_mutex_unlock(&s->writer);
	return NULL;
}

/* Have a source merged in the background; the thread starts on first
 * use (a store that never grows a mid level never has one), as every
 * thread of the module starts: tapir_thread_start().  Writer lock
 * held. */
static void
merge_request(struct policy_store *s, unsigned source)
{
	if ((s->merging | s->merge_pending) & (1ULL << source))
		return;
	if (!s->merger.running &&
	    tapir_thread_start(&s->merger, merger_main, s) != 0) {
		/* No thread: merge in the writer's own time. */
		merge_source(s, source);
		return;
	}
	s->merge_pending |= 1ULL << source;
	pthread_cond_signal(&s->merge_wake);
}

int
policy_source_set_index(struct policy_store *s, uint16_t source,
	const struct policy_index *idx)
{
	struct source_view *nv;
	struct index_ref *copy = NULL;

	if (source >= s->num_sources)
		return -1;
	if (idx && !(copy = malloc(sizeof(*copy))))
		return -1;
	if (copy) {
		copy->idx = *idx;
		atomic_init(&copy->refs, 1);
	}
	pthread_mutex_lock(&s->writer);
	if (!(nv = view_copy(current_view(s, source)))) {
		pthread_mutex_unlock(&s->writer);
		free(copy);
		return -1;
	}
	index_unref(nv->index);
	nv->index = copy;
	publish(s, source, nv);
	pthread_mutex_unlock(&s->writer);
	/* An index cannot list what changed in it. */
	if (s->observe)
		s->observe(s->observe_arg, NULL, 0);
	return 0;
}

int
policy_source_share(struct policy_store *dst, uint16_t dst_source,
	struct policy_store *src, uint16_t src_source)
{
	struct source_view *nv;

	if (dst == src || dst_source >= dst->num_sources ||
	    src_source >= src->num_sources)
		return -1;
	/* One lock at a time: the references keep the tables alive in
	 * between, whatever src's writers do meanwhile. */
	pthread_mutex_lock(&src->writer);
	nv = view_copy(current_view(src, src_source));
	pthread_mutex_unlock(&src->writer);
	if (!nv)
		return -1;
	/* No merge is asked for: a store that is never written (a reload's
	 * parked copy) starts no thread, and the next commit asks. */
	pthread_mutex_lock(&dst->writer);
	publish(dst, dst_source, nv);
	dst->version[dst_source]++;
	pthread_mutex_unlock(&dst->writer);
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
	/* Every label's offset, not only the length (name_wire_len()): each
	 * suffix is a parent the lookup may probe. */
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

/* Touch the cache lines a probe of every level will read, so that the
 * misses of several probes overlap instead of queueing. */
static void
prefetch_key(const struct source_view *v, uint64_t h)
{
	int k;

	for (k = 0; k < LEVELS; k++) {
		const struct table *t = v->t[k];
		size_t i;
		if (!t || !t->count)
			continue;
		i = fast_range(h, t->nslots);
		__builtin_prefetch(&t->bloom[fast_range(h, t->bloom_words)]);
		__builtin_prefetch(&t->tags[i]);
		__builtin_prefetch(&t->offs[i]);
	}
}

/* A live, unexpired record of a key, or NULL. */
static const uint8_t *
live_find(const struct source_view *v, struct qname *q, unsigned i,
	int subtree, int64_t now, struct rec *r)
{
	const uint8_t *p = view_find(v, q->name + q->off[i],
		q->len - q->off[i], subtree, key_hash(qname_hash(q, i),
		subtree), NULL);

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
	/* Exact keys cover their subdomains in a SUBDOMAINS source. */
	uint64_t exact_below = (meta->flags & POLICY_SOURCE_SUBDOMAINS) ?
		v->exact_depths : 0;
	unsigned i;

	memset(f, 0, sizeof(*f));
	if (q->labels > 0 && (v->exact_depths & depth_bit(q->labels)) &&
	    live_find(v, q, 0, 0, now, &f->r)) {
		f->owner = q->name;
		return !(passthru_exempts && f->r.action ==
		    POLICY_ACTION_PASSTHRU);
	}
	/* The parent probes would wait for memory one after another:
	 * touching their cache lines first lets those misses overlap. */
	for (i = 1; i < q->labels; i++) {
		uint64_t bit = depth_bit(q->labels - i);
		if (v->sub_depths & bit)
			prefetch_key(v, key_hash(qname_hash(q, i), 1));
		if (exact_below & bit)
			prefetch_key(v, key_hash(qname_hash(q, i), 0));
	}
	/* Parents, nearest first: a deeper subtree entry beats a shallower
	 * one.  The root itself is never a subtree owner. */
	for (i = 1; i < q->labels; i++) {
		uint64_t bit = depth_bit(q->labels - i);
		if (((v->sub_depths & bit) &&
		    live_find(v, q, i, 1, now, &f->r)) ||
		    ((exact_below & bit) &&
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
		if (v->index->idx.match(v->index->idx.ctx, q->name, q->len,
		    &sub)) {
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

/* Whether source i is reported rather than source j (-1: none yet) when
 * both decide alike: by name, so that the answer (and the local data a
 * redirect uses) does not depend on the order the sources were added. */
static int
reported_before(const struct policy_store *s, unsigned i, int j)
{
	return j < 0 || strcmp(s->meta[i].name, s->meta[j].name) < 0;
}

/* An rpz-passthru record that exempted the name from its source. */
struct exemption {
	int source;       /* -1: none */
	int64_t expires;
	int subtree;
};

/* After source i did not match: remember an rpz-passthru record that
 * exempted the name there (source_match leaves it in f), the first
 * source by name when several did. */
static void
note_exemption(const struct policy_store *s, unsigned i,
	const struct found *f, struct exemption *exempt)
{
	if (f->owner && f->r.action == POLICY_ACTION_PASSTHRU &&
	    reported_before(s, i, exempt->source)) {
		exempt->source = (int)i;
		exempt->expires = f->r.expires;
		exempt->subtree = f->subtree;
	}
}

static const struct source_view *
reader_view(struct policy_store *s, unsigned i)
{
	return atomic_load_explicit(&s->views[i], memory_order_acquire);
}

/* Whether a doubtlist rule with that action fires in this pass: a rule
 * on trial fires only in the pass that looks at what is on trial. */
static int
rule_fires(enum policy_action a, int trial)
{
	return a != POLICY_ACTION_MONITOR || trial;
}

/* One pass of the decision over the sources not in skip (switched off,
 * and on trial unless this is the trial pass). */
static void
decide_pass(const struct policy_store *s,
	const struct source_view *const *views, struct qname *q, int64_t now,
	uint64_t skip, int trial, struct policy_decision *out)
{
	const struct policy_rules *rules = &s->rules;
	struct found f;
	struct exemption exempt = { -1, 0, 0 };
	enum policy_action deny = POLICY_ACTION_NONE;
	unsigned i, doubts = 0;
	int have_tags = 0;

	memset(out, 0, sizeof(*out));
	out->source = -1;
	out->monitor_source = -1;
	/* 1. Allowlist: absolute. */
	for (i = 0; i < s->num_sources; i++) {
		if (s->meta[i].list != POLICY_LIST_ALLOW || !views[i] ||
		    (skip >> i & 1) || !reported_before(s, i, out->source) ||
		    !source_match(&s->meta[i], views[i], q, now, &f))
			continue;
		out->action = rules->allow_action;
		out->rule = POLICY_RULE_ALLOW;
		set_from(out, (int)i, &f);
	}
	if (out->source >= 0) {
		out->data = NULL;
		out->data_len = 0;
		return;
	}
	/* 2. Denylist: the most restrictive of the matching sources. */
	for (i = 0; i < s->num_sources; i++) {
		enum policy_action a;
		if (s->meta[i].list != POLICY_LIST_DENY || !views[i] ||
		    (skip >> i & 1))
			continue;
		if (!source_match(&s->meta[i], views[i], q, now, &f)) {
			note_exemption(s, i, &f, &exempt);
			continue;
		}
		a = (f.r.action && !(s->meta[i].flags &
		    POLICY_SOURCE_ACTION_OVERRIDE)) ?
		    (enum policy_action)f.r.action : rules->deny_action;
		if (a > deny || (a == deny &&
		    reported_before(s, i, out->source))) {
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
		return;
	}
	/* 3. Doubtlist rules.  The reported source is the tag-bearing one
	 * if it matched, else the first by name. */
	for (i = 0; i < s->num_sources; i++) {
		if (s->meta[i].list != POLICY_LIST_DOUBT || !views[i] ||
		    (skip >> i & 1))
			continue;
		if (!source_match(&s->meta[i], views[i], q, now, &f)) {
			note_exemption(s, i, &f, &exempt);
			continue;
		}
		doubts++;
		if ((int)i == s->tag_source) {
			out->tags = f.r.tags;
			have_tags = 1;
			set_from(out, (int)i, &f);
		} else if (!have_tags && reported_before(s, i, out->source))
			set_from(out, (int)i, &f);
	}
	out->data = NULL;
	out->data_len = 0;
	out->doubt_matches = doubts;
	/* Each rule fires on its own; a later rule replaces an earlier one
	 * only when strictly more restrictive, so ties go to the first.  A
	 * rule on trial is the least restrictive that fires. */
	if (rules->numsources && doubts >= rules->numsources &&
	    rule_fires(rules->numsources_action, trial) &&
	    rules->numsources_action > out->action) {
		out->action = rules->numsources_action;
		out->rule = POLICY_RULE_NUMSOURCES;
	}
	if (have_tags && rules->numtags &&
	    (unsigned)__builtin_popcount(out->tags) >= rules->numtags &&
	    rule_fires(rules->numtags_action, trial) &&
	    rules->numtags_action > out->action) {
		out->action = rules->numtags_action;
		out->rule = POLICY_RULE_NUMTAGS;
	}
	if (have_tags && rules->tags && (out->tags & rules->tags) &&
	    rule_fires(rules->tags_action, trial) &&
	    rules->tags_action > out->action) {
		out->action = rules->tags_action;
		out->rule = POLICY_RULE_TAGS;
	}
	if (out->action == POLICY_ACTION_NONE && exempt.source >= 0) {
		/* Resolved normally either way; said so, for the counters
		 * and lookup, as Unbound's rpz: counts rpz-passthru. */
		out->source = exempt.source;
		out->expires = exempt.expires;
		out->subtree = exempt.subtree;
		out->action = POLICY_ACTION_PASSTHRU;
		out->rule = POLICY_RULE_PASSTHRU;
	} else if (out->action == POLICY_ACTION_NONE) {
		out->source = -1;
		out->expires = 0;
		out->subtree = 0;
	}
}

int
policy_decide(struct policy_store *s, const uint8_t *name, size_t len,
	int64_t now, struct policy_decision *out)
{
	const struct source_view *views[POLICY_MAX_SOURCES];
	struct policy_decision trial;
	struct qname q;
	uint64_t off = atomic_load_explicit(&s->disabled,
		memory_order_acquire);
	unsigned i;

	qname_init(&q, name, len);
	/* Every source's exact probe, started together (see source_match). */
	for (i = 0; i < s->num_sources; i++) {
		views[i] = reader_view(s, i);
		if (views[i] && q.labels > 0 &&
		    (views[i]->exact_depths & depth_bit(q.labels)))
			prefetch_key(views[i], key_hash(qname_hash(&q, 0), 0));
	}
	decide_pass(s, views, &q, now, off | s->monitored, 0, out);
	if (!(s->monitored & ~off) && !s->monitor_rules)
		return out->action;
	/* What is on trial decides as if it were not: a second pass, only
	 * in a store that has something on trial. */
	decide_pass(s, views, &q, now, off, 1, &trial);
	if (trial.rule != POLICY_RULE_NONE && (trial.action != out->action ||
	    trial.rule != out->rule || trial.source != out->source)) {
		out->monitor_action = trial.action;
		out->monitor_rule = trial.rule;
		out->monitor_source = trial.source;
	}
	return out->action;
}

unsigned
policy_explain(struct policy_store *s, const uint8_t *name, size_t len,
	int64_t now, void (*fn)(void *arg, const struct policy_match *m),
	void *arg)
{
	struct qname q;
	struct found f;
	unsigned i, n = 0;

	qname_init(&q, name, len);
	for (i = 0; i < s->num_sources; i++) {
		const struct source_view *v = reader_view(s, i);
		struct policy_match m;
		if (!v || !source_match(&s->meta[i], v, &q, now, &f))
			continue;
		m.source = (uint16_t)i;
		m.list = s->meta[i].list;
		m.owner = f.owner;
		m.subtree = f.subtree;
		m.tags = f.r.tags;
		m.expires = f.r.expires;
		m.action = (enum policy_action)f.r.action;
		m.monitored = (int)(s->monitored >> i & 1);
		m.disabled = !policy_source_enabled(s, (int)i);
		fn(arg, &m);
		n++;
	}
	return n;
}

/* ---- maintenance and statistics ---- */

struct expire_ctx {
	struct arena tombs;
	struct changes *allowed;  /* where to note expired names, or NULL */
	struct changes *observed; /* the same for the observer, or NULL */
	int64_t now;
	int failed;
};

static int
tomb_expired(void *arg, const struct rec *r, int level, size_t slot)
{
	struct expire_ctx *c = arg;

	(void)level;
	(void)slot;
	if (!rec_expired(r, c->now))
		return 0;
	if (arena_put(&c->tombs, r->name, r->name_len, NULL,
	    r->flags & F_SUBTREE, 1))
		c->failed = 1;
	if (c->allowed)
		note_change(c->allowed, r);
	if (c->observed)
		note_change(c->observed, r);
	return c->failed;
}

size_t
policy_store_expire(struct policy_store *s, int64_t now,
	policy_changed_fn changed, void *arg)
{
	struct changes allowed, observed;
	size_t total = 0, from, ofrom;
	unsigned i;
	int k;

	memset(&allowed, 0, sizeof(allowed));
	memset(&observed, 0, sizeof(observed));
	pthread_mutex_lock(&s->writer);
	for (i = 0; i < s->num_sources; i++) {
		struct source_view *ov = current_view(s, i), *nv;
		struct expire_ctx c;
		int any = 0;
		for (k = 0; ov && k < LEVELS; k++)
			any |= ov->t[k] && ov->t[k]->has_expiry;
		if (!any)
			continue;
		memset(&c, 0, sizeof(c));
		c.now = now;
		/* An allowlist entry that lapses can block names Unbound
		 * cached while they were allowed: those are reported, as a
		 * commit reports the allowlist names it removes. */
		if (changed && s->meta[i].list == POLICY_LIST_ALLOW)
			c.allowed = &allowed;
		if (s->observe)
			c.observed = &observed;
		from = allowed.names.len;
		ofrom = observed.names.len;
		view_foreach(ov, tomb_expired, &c);
		if (s->meta[i].flags & POLICY_SOURCE_SUBDOMAINS) {
			changes_mark_subtree(&allowed, from);
			changes_mark_subtree(&observed, ofrom);
		}
		/* Deleted like any delta: the merges reclaim the memory,
		 * in the background when there is much of it. */
		if (!c.failed && c.tombs.records && (nv = commit_delta(s, i,
		    ov, &c.tombs, NULL)) != NULL) {
			total += c.tombs.records;
			s->expired[i] += c.tombs.records;
			publish(s, i, nv);
			s->version[i]++;
			if (wants_merge(nv))
				merge_request(s, i);
		}
		arena_free(&c.tombs);
	}
	pthread_mutex_unlock(&s->writer);
	if (changed)
		report_changes(&allowed, changed, arg);
	else
		arena_free(&allowed.names);
	observe_changes(s, &observed, total > 0, 0);
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
	out->expired = s->expired[source];
	if ((v = current_view(s, source)) != NULL) {
		out->entries = v->entries + (v->index ?
		    v->index->idx.entries : 0);
		out->bytes = view_bytes(v);
	}
	pthread_mutex_unlock(&s->writer);
	return 0;
}

size_t
policy_store_memory(struct policy_store *s)
{
	size_t total = sizeof(*s) +
		s->epoch.num_readers * sizeof(struct epoch_slot);
	unsigned i;

	pthread_mutex_lock(&s->writer);
	for (i = 0; i < s->num_sources; i++)
		total += view_bytes(current_view(s, i));
	pthread_mutex_unlock(&s->writer);
	return total;
}

struct foreach_ctx {
	void (*fn)(void *arg, const uint8_t *name,
		const struct policy_entry *e);
	void *arg;
	int64_t now;
};

/* A record as the public entry. */
static void
entry_from_rec(const struct rec *r, struct policy_entry *e)
{
	e->tags = r->tags;
	e->expires = r->expires;
	e->action = (enum policy_action)r->action;
	e->subtree = !!(r->flags & F_SUBTREE);
	e->data = r->data;
	e->data_len = r->data_len;
}

static int
foreach_rec(void *arg, const struct rec *r, int level, size_t slot)
{
	struct foreach_ctx *c = arg;
	struct policy_entry e;

	(void)level;
	(void)slot;
	if (!rec_expired(r, c->now)) {
		entry_from_rec(r, &e);
		c->fn(c->arg, r->name, &e);
	}
	return 0;
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
	view_foreach(current_view(s, source), foreach_rec, &c);
	pthread_mutex_unlock(&s->writer);
}

unsigned
policy_source_flags(const struct policy_store *s, int id)
{
	return id >= 0 && (unsigned)id < s->num_sources ? s->meta[id].flags :
	    0;
}

/* ---- snapshots ---- */

struct policy_snapshot {
	struct policy_store *s;
	unsigned num_sources;
	/* Each source's tables when the snapshot was taken, referenced;
	 * no index. */
	struct source_view views[POLICY_MAX_SOURCES];
};

struct policy_snapshot *
policy_snapshot_take(struct policy_store *s)
{
	struct policy_snapshot *snap = calloc(1, sizeof(*snap));
	unsigned i;
	int k;

	if (!snap)
		return NULL;
	snap->s = s;
	pthread_mutex_lock(&s->writer);
	snap->num_sources = s->num_sources;
	for (i = 0; i < s->num_sources; i++) {
		const struct source_view *v = current_view(s, i);
		for (k = 0; v && k < LEVELS; k++)
			snap->views[i].t[k] = table_ref(v->t[k]);
	}
	pthread_mutex_unlock(&s->writer);
	return snap;
}

void
policy_snapshot_release(struct policy_snapshot *snap)
{
	unsigned i;
	int k;

	if (!snap)
		return;
	/* The references are counted under the writer lock only. */
	pthread_mutex_lock(&snap->s->writer);
	for (i = 0; i < snap->num_sources; i++)
		for (k = 0; k < LEVELS; k++)
			table_unref(snap->views[i].t[k]);
	pthread_mutex_unlock(&snap->s->writer);
	free(snap);
}

int
policy_snapshot_next(const struct policy_snapshot *snap, uint16_t source,
	int64_t now, struct policy_snapshot_pos *pos, const uint8_t **name,
	struct policy_entry *e)
{
	const struct source_view *v;

	if (source >= snap->num_sources)
		return 0;
	v = &snap->views[source];
	for (; pos->level < LEVELS; pos->level++, pos->slot = 0) {
		const struct table *t = v->t[pos->level];
		while (t && pos->slot < t->nslots) {
			size_t i = pos->slot++;
			struct rec r;
			if (!t->tags[i])
				continue;
			rec_parse(table_slot_rec(t, i), &r);
			if ((r.flags & F_TOMB) || rec_expired(&r, now) ||
			    rec_shadowed(v, (int)pos->level, &r))
				continue;
			entry_from_rec(&r, e);
			*name = r.name;
			return 1;
		}
	}
	return 0;
}

int
policy_snapshot_has(const struct policy_snapshot *snap, uint16_t source,
	const uint8_t *name, int subtree, int64_t now)
{
	size_t len = name_wire_len(name);
	const uint8_t *p;
	struct rec r;

	if (source >= snap->num_sources)
		return 0;
	p = view_find(&snap->views[source], name, len, subtree,
		key_hash(hash_name(name, len), subtree), NULL);
	if (!p)
		return 0;
	rec_parse(p, &r);
	return !rec_expired(&r, now);
}
