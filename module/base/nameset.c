/*
 * module/base/nameset.c - a set of names, each covering itself or its subtree.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Names live packed in one arena (flags, length, wire name), so a set of a
 * hundred thousand names costs about their length each, not a fixed
 * 255-octet slot; an open-addressing array of 64-bit slots (32 bits of
 * hash, arena offset) finds them.
 */
#include "tapir_config.h"
#include "module/base/nameset.h"
#include "module/base/names.h"

#include <stdlib.h>
#include <string.h>

#define SUBTREE 0x1

struct nameset {
	uint8_t *arena;       /* records: flags, length, wire name */
	size_t arena_len, arena_cap;
	uint64_t *slots;      /* (hash >> 32) << 32 | (offset + 1); 0 empty */
	size_t mask;          /* slots - 1; 0 before the first add */
	size_t count;
	uint64_t sub_depths;  /* label depths that have a subtree entry */
};

static uint64_t
hash_name(const uint8_t *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ name[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static uint64_t
depth_bit(unsigned labels)
{
	return 1ULL << (labels > 63 ? 63 : labels);
}

/* The arena record of a name, or NULL. */
static uint8_t *
find(const struct nameset *s, const uint8_t *name, size_t len, uint64_t h)
{
	size_t i;

	if (!s->mask)
		return NULL;
	for (i = h & s->mask; s->slots[i]; i = (i + 1) & s->mask) {
		uint8_t *r;
		if ((s->slots[i] >> 32) != (h >> 32))
			continue;
		r = s->arena + (s->slots[i] & 0xffffffffu) - 1;
		if (r[1] == len && memcmp(r + 2, name, len) == 0)
			return r;
	}
	return NULL;
}

static int
grow_slots(struct nameset *s)
{
	size_t n = s->mask ? (s->mask + 1) * 2 : 64, i, j;
	uint64_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; s->mask && i <= s->mask; i++) {
		uint8_t *r;
		if (!s->slots[i])
			continue;
		r = s->arena + (s->slots[i] & 0xffffffffu) - 1;
		for (j = hash_name(r + 2, r[1]) & (n - 1); slots[j];
		    j = (j + 1) & (n - 1))
			;
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->mask = n - 1;
	return 0;
}

struct nameset *
nameset_create(void)
{
	return calloc(1, sizeof(struct nameset));
}

void
nameset_destroy(struct nameset *s)
{
	if (!s)
		return;
	free(s->arena);
	free(s->slots);
	free(s);
}

int
nameset_add(struct nameset *s, const uint8_t *name, int subtree)
{
	size_t len = name_wire_len(name), i;
	uint64_t h;
	uint8_t *r;

	h = hash_name(name, len);
	if (subtree)
		s->sub_depths |= depth_bit(name_label_count(name));
	if ((r = find(s, name, len, h)) != NULL) {
		r[0] |= subtree ? SUBTREE : 0;
		return 0;
	}
	/* Half full at most, so probes stay short; offsets fit 32 bits. */
	if ((s->count + 1) * 2 > s->mask + 1 && grow_slots(s) != 0)
		return -1;
	if (s->arena_len + 2 + len > s->arena_cap) {
		size_t cap = s->arena_cap ? s->arena_cap * 2 : 4096;
		uint8_t *a;
		if (cap > 0xffffffffu)
			return -1;
		if (!(a = realloc(s->arena, cap)))
			return -1;
		s->arena = a;
		s->arena_cap = cap;
	}
	r = s->arena + s->arena_len;
	r[0] = subtree ? SUBTREE : 0;
	r[1] = (uint8_t)len;
	memcpy(r + 2, name, len);
	for (i = h & s->mask; s->slots[i]; i = (i + 1) & s->mask)
		;
	s->slots[i] = (h >> 32) << 32 | (uint64_t)(s->arena_len + 1);
	s->arena_len += 2 + len;
	s->count++;
	return 0;
}

struct merge_ctx {
	struct nameset *into;
	int failed;
};

static void
merge_one(void *arg, const uint8_t *name, int subtree)
{
	struct merge_ctx *m = arg;

	if (nameset_add(m->into, name, subtree) != 0)
		m->failed = 1;
}

int
nameset_merge(struct nameset *into, const struct nameset *from)
{
	struct merge_ctx m = { into, 0 };

	nameset_foreach(from, merge_one, &m);
	return m.failed ? -1 : 0;
}

size_t
nameset_count(const struct nameset *s)
{
	return s->count;
}

int
nameset_covers(const struct nameset *s, const uint8_t *name, size_t len)
{
	size_t off[128];
	unsigned labels = 0, i;
	const uint8_t *r;

	if (!s->count)
		return 0;
	if (find(s, name, len, hash_name(name, len)))
		return 1;
	if (!s->sub_depths)
		return 0;
	/* Every label's offset, not only the length (name_wire_len()):
	 * each is a parent to probe. */
	off[0] = 0;
	while (name[off[labels]] && labels < 127) {
		off[labels + 1] = off[labels] + 1u + name[off[labels]];
		labels++;
	}
	/* Parents, from the nearest up to the root: off[k] is the name
	 * with k labels removed, which has labels - k labels left. */
	for (i = 1; i <= labels; i++) {
		if (!(s->sub_depths & depth_bit(labels - i)))
			continue;
		r = find(s, name + off[i], len - off[i],
			hash_name(name + off[i], len - off[i]));
		if (r && (r[0] & SUBTREE))
			return 1;
	}
	return 0;
}

void
nameset_foreach(const struct nameset *s,
	void (*fn)(void *arg, const uint8_t *name, int subtree), void *arg)
{
	size_t pos = 0;

	while (pos < s->arena_len) {
		const uint8_t *r = s->arena + pos;
		fn(arg, r + 2, r[0] & SUBTREE);
		pos += 2u + r[1];
	}
}
