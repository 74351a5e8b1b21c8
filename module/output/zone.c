/*
 * module/output/zone.c - an output's zone: its owners, the journal of
 * its differences, and copies of it for transfers.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/output/zone.h"

#include <stdlib.h>
#include <string.h>

/* Header octets of a change in a diff, and of an owner in an image. */
#define CHANGE_HDR 8
#define OWNER_HDR 5

int
zone_serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0;
}

void
zone_init(struct zone *z, size_t journal_max)
{
	memset(z, 0, sizeof(*z));
	pthread_mutex_init(&z->lock, NULL);
	z->journal_max = journal_max;
}

void
zone_destroy(struct zone *z)
{
	struct zone_diff *d, *next;

	for (d = z->oldest; d; d = next) {
		next = d->next;
		zone_diff_unref(d);
	}
	if (z->image)
		zone_image_unref(z->image);
	zone_map_clear(&z->map);
	pthread_mutex_destroy(&z->lock);
}

/* ---- the map ---- */

static uint64_t
key_hash(const uint8_t *name, size_t len, int subtree)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)subtree;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ name[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static int
rec_is(const struct zone_rec *r, const uint8_t *name, size_t len,
	int subtree)
{
	return r->name_len == len && r->subtree == subtree &&
	    memcmp(r->bytes, name, len) == 0;
}

/* The slot of a key, or of the free slot where it would go. */
static size_t
slot_of(const struct zone_map *m, const uint8_t *name, size_t len,
	int subtree)
{
	size_t i = (size_t)key_hash(name, len, subtree) & m->mask;

	while (m->slots[i] && !rec_is(m->slots[i], name, len, subtree))
		i = (i + 1) & m->mask;
	return i;
}

struct zone_rec *
zone_map_find(const struct zone_map *m, const uint8_t *name, int subtree)
{
	if (!m->slots)
		return NULL;
	return m->slots[slot_of(m, name, name_wire_len(name), subtree)];
}

struct zone_rec *
zone_rec_new(const uint8_t *name, int subtree, uint8_t action,
	const uint8_t *data, uint16_t data_len)
{
	size_t len = name_wire_len(name);
	struct zone_rec *r = malloc(sizeof(*r) + len + data_len);

	if (!r)
		return NULL;
	r->action = action;
	r->subtree = (uint8_t)!!subtree;
	r->name_len = (uint8_t)len;
	r->mark = 0;
	r->data_len = data_len;
	memcpy(r->bytes, name, len);
	if (data_len)
		memcpy(r->bytes + len, data, data_len);
	return r;
}

static int
map_grow(struct zone_map *m)
{
	size_t n = m->slots ? (m->mask + 1) * 2 : 1024, i;
	struct zone_map g = { calloc(n, sizeof(*g.slots)), n - 1, 0, 0 };

	if (!g.slots)
		return -1;
	for (i = 0; m->slots && i <= m->mask; i++) {
		struct zone_rec *r = m->slots[i];
		if (r)
			g.slots[slot_of(&g, r->bytes, r->name_len,
				r->subtree)] = r;
	}
	free(m->slots);
	m->slots = g.slots;
	m->mask = g.mask;
	return 0;
}

/* Remove slot i, shifting back the records of its probe run so that
 * every record stays reachable from its home slot. */
static void
map_remove_slot(struct zone_map *m, size_t i)
{
	size_t j = i;

	m->slots[i] = NULL;
	for (;;) {
		struct zone_rec *r;
		size_t home;
		j = (j + 1) & m->mask;
		if (!(r = m->slots[j]))
			return;
		home = (size_t)key_hash(r->bytes, r->name_len, r->subtree) &
			m->mask;
		/* Stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->slots[i] = r;
		m->slots[j] = NULL;
		i = j;
	}
}

int
zone_map_set(struct zone_map *m, const uint8_t *name, int subtree,
	struct zone_rec *r)
{
	size_t len = name_wire_len(name), i;
	struct zone_rec *old;

	if (r && (!m->slots || (m->count + 1) * 4 > (m->mask + 1) * 3) &&
	    map_grow(m) != 0)
		return -1;
	if (!m->slots)
		return 0;
	i = slot_of(m, name, len, subtree);
	old = m->slots[i];
	if (old) {
		m->owners -= old->action != 0;
		m->count--;
		free(old);
		if (!r) {
			map_remove_slot(m, i);
			return 0;
		}
	} else if (!r)
		return 0;
	m->slots[i] = r;
	m->count++;
	m->owners += r->action != 0;
	return 0;
}

void
zone_map_clear(struct zone_map *m)
{
	size_t i;

	for (i = 0; m->slots && i <= m->mask; i++)
		free(m->slots[i]);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

int
zone_same(uint8_t a_action, const uint8_t *a_data, uint16_t a_len,
	uint8_t b_action, const uint8_t *b_data, uint16_t b_len)
{
	return a_action == b_action && a_len == b_len &&
	    (!a_len || memcmp(a_data, b_data, a_len) == 0);
}

/* ---- diffs ---- */

int
zone_diff_add(struct zone_diff *d, const uint8_t *name, int subtree,
	const struct zone_rec *old, uint8_t new_action, const uint8_t *data,
	uint16_t data_len)
{
	size_t len = name_wire_len(name);
	uint16_t old_len = old ? old->data_len : 0;
	size_t need = CHANGE_HDR + len + old_len + data_len;
	uint8_t *p;

	if (d->len + need > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		while (cap < d->len + need)
			cap *= 2;
		if (!(p = realloc(d->buf, cap)))
			return -1;
		d->buf = p;
		d->cap = cap;
	}
	p = d->buf + d->len;
	p[0] = (uint8_t)len;
	p[1] = (uint8_t)!!subtree;
	p[2] = old ? old->action : 0;
	p[3] = (uint8_t)(old_len >> 8);
	p[4] = (uint8_t)old_len;
	p[5] = new_action;
	p[6] = (uint8_t)(data_len >> 8);
	p[7] = (uint8_t)data_len;
	memcpy(p + CHANGE_HDR, name, len);
	if (old_len)
		memcpy(p + CHANGE_HDR + len, old->bytes + old->name_len,
			old_len);
	if (data_len)
		memcpy(p + CHANGE_HDR + len + old_len, data, data_len);
	d->len += need;
	d->changes++;
	return 0;
}

int
zone_diff_next(const struct zone_diff *d, size_t *pos, struct zone_change *c)
{
	const uint8_t *p = d->buf + *pos;

	if (*pos >= d->len)
		return 0;
	c->name = p + CHANGE_HDR;
	c->subtree = p[1];
	c->old_action = p[2];
	c->old_len = (uint16_t)(p[3] << 8 | p[4]);
	c->new_action = p[5];
	c->new_len = (uint16_t)(p[6] << 8 | p[7]);
	c->old_data = c->name + p[0];
	c->new_data = c->old_data + c->old_len;
	*pos += CHANGE_HDR + p[0] + c->old_len + c->new_len;
	return 1;
}

void
zone_diff_unref(struct zone_diff *d)
{
	if (d && --d->refs == 0) {
		free(d->buf);
		free(d);
	}
}

/* Keep the journal within its bytes: the oldest differences go. */
static void
journal_trim(struct zone *z)
{
	while (z->oldest && z->journal_bytes > z->journal_max) {
		struct zone_diff *d = z->oldest;
		z->oldest = d->next;
		if (!z->oldest)
			z->newest = NULL;
		z->journal_entries--;
		z->journal_bytes -= d->len + sizeof(*d);
		zone_diff_unref(d);
	}
}

int
zone_publish(struct zone *z, const struct zone_diff *updates,
	struct zone_diff *diff, uint32_t serial)
{
	size_t pos = 0;
	struct zone_change c;
	int rc = 0;

	pthread_mutex_lock(&z->lock);
	while (rc == 0 && zone_diff_next(updates, &pos, &c)) {
		struct zone_rec *r = NULL;
		if (c.new_action != ZONE_GONE && !(r = zone_rec_new(c.name,
		    c.subtree, c.new_action, c.new_data, c.new_len)))
			rc = -1;
		else if ((rc = zone_map_set(&z->map, c.name, c.subtree, r)))
			free(r);
	}
	if (rc == 0 && diff->changes) {
		diff->from = z->serial;
		diff->to = zone_serial_gt(serial, z->serial) ? serial :
			z->serial + 1;
		diff->refs = 1;
		z->serial = diff->to;
		if (z->newest)
			z->newest->next = diff;
		else
			z->oldest = diff;
		z->newest = diff;
		z->journal_entries++;
		z->journal_bytes += diff->len + sizeof(*diff);
		journal_trim(z);
		if (z->image) {
			zone_image_unref(z->image);
			z->image = NULL;
		}
		diff = NULL;
	}
	pthread_mutex_unlock(&z->lock);
	if (diff) {
		free(diff->buf);
		free(diff);
	}
	return rc;
}

void
zone_start(struct zone *z, uint32_t serial)
{
	pthread_mutex_lock(&z->lock);
	z->serial = serial ? serial : 1;
	pthread_mutex_unlock(&z->lock);
}

/* ---- images ---- */

struct zone_image *
zone_image_get(struct zone *z)
{
	struct zone_image *img = z->image;
	size_t i, len = 0;
	uint8_t *p;

	if (img) {
		img->refs++;
		return img;
	}
	for (i = 0; z->map.slots && i <= z->map.mask; i++) {
		const struct zone_rec *r = z->map.slots[i];
		if (r && r->action)
			len += OWNER_HDR + r->name_len + r->data_len;
	}
	if (!(img = calloc(1, sizeof(*img))) ||
	    !(img->buf = malloc(len ? len : 1))) {
		free(img);
		return NULL;
	}
	p = img->buf;
	for (i = 0; z->map.slots && i <= z->map.mask; i++) {
		const struct zone_rec *r = z->map.slots[i];
		if (!r || !r->action)
			continue;
		p[0] = r->action;
		p[1] = r->subtree;
		p[2] = r->name_len;
		p[3] = (uint8_t)(r->data_len >> 8);
		p[4] = (uint8_t)r->data_len;
		memcpy(p + OWNER_HDR, r->bytes, r->name_len + r->data_len);
		p += OWNER_HDR + r->name_len + r->data_len;
	}
	img->len = len;
	img->serial = z->serial;
	/* One for the zone, which keeps it for the next transfer of this
	 * serial, one for the caller. */
	img->refs = 2;
	z->image = img;
	return img;
}

void
zone_image_unref(struct zone_image *img)
{
	if (img && --img->refs == 0) {
		free(img->buf);
		free(img);
	}
}

int
zone_image_next(const struct zone_image *img, size_t *pos,
	struct zone_owner *o)
{
	const uint8_t *p = img->buf + *pos;

	if (*pos >= img->len)
		return 0;
	o->action = p[0];
	o->subtree = p[1];
	o->data_len = (uint16_t)(p[3] << 8 | p[4]);
	o->name = p + OWNER_HDR;
	o->data = o->name + p[2];
	*pos += OWNER_HDR + p[2] + o->data_len;
	return 1;
}
