/*
 * module/output/zone.h - an output's zone: its owners, the journal of
 * its differences, and copies of it for transfers.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The zone keeper thread is the only writer; the server reads it under
 * the zone's lock, briefly: a transfer takes a reference to an image (a
 * flat copy of the zone at one serial, made once per serial) or to
 * journal entries, both immutable, and writes from those.
 */
#ifndef TAPIR_OUTPUT_ZONE_H
#define TAPIR_OUTPUT_ZONE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "module/base/names.h"

/** One owner: its name, whether it is the "*." owner, and the records
 *  as the decision's action and a redirect's own local data.  Action
 *  none: the owner is listed but has no records (it must still be
 *  known, as a "*." key above it changes its decision too). */
struct zone_rec {
	/** enum policy_action. */
	uint8_t action;
	/** 1 for the "*." owner. */
	uint8_t subtree;
	/** Length of the name. */
	uint8_t name_len;
	/** The zone keeper's mark of a whole walk that saw it. */
	uint8_t mark;
	/** Length of the local data after the name. */
	uint16_t data_len;
	/** The name (canonical wire, relative to the root), then the
	 *  local data. */
	uint8_t bytes[];
};

/** Owners by name: open addressing, linear probing. */
struct zone_map {
	/** The slots, NULL when free. */
	struct zone_rec **slots;
	/** Number of slots minus one (a power of two minus one). */
	size_t mask;
	/** Owners held. */
	size_t count;
	/** Owners with records. */
	size_t owners;
};

/** One difference between two serials: every owner whose records
 *  changed, with its old and its new state.  Immutable once made. */
struct zone_diff {
	/** The next newer difference, or NULL. */
	struct zone_diff *next;
	/** Serial it starts from and ends at. */
	uint32_t from, to;
	/** References: the journal's and the transfers'. */
	unsigned refs;
	/** Changes in it. */
	size_t changes;
	/** Bytes of buf used. */
	size_t len;
	/** Bytes allocated. */
	size_t cap;
	/** The changes: name length, subtree, old action, old data length
	 *  (2), new action, new data length (2), name, old data, new data. */
	uint8_t *buf;
};

/** One change of a diff, as zone_diff_next() reads it. */
struct zone_change {
	/** Owner name. */
	const uint8_t *name;
	/** 1 for the "*." owner. */
	int subtree;
	/** Old action and local data. */
	uint8_t old_action;
	/** Old local data. */
	const uint8_t *old_data;
	/** Its length. */
	uint16_t old_len;
	/** New action. */
	uint8_t new_action;
	/** New local data. */
	const uint8_t *new_data;
	/** Its length. */
	uint16_t new_len;
};

/** The zone at one serial as a flat list of owners with records:
 *  action, subtree, name length, data length (2), name, data. */
struct zone_image {
	/** References (transfers). */
	unsigned refs;
	/** The serial. */
	uint32_t serial;
	/** Bytes of buf. */
	size_t len;
	/** The owners. */
	uint8_t *buf;
};

/** One owner of an image, as zone_image_next() reads it. */
struct zone_owner {
	/** Name. */
	const uint8_t *name;
	/** 1 for the "*." owner. */
	int subtree;
	/** Action. */
	uint8_t action;
	/** Local data. */
	const uint8_t *data;
	/** Its length. */
	uint16_t data_len;
};

/** The zone: what the server reads under lock. */
struct zone {
	/** Guards everything below (the keeper also reads map without
	 *  it, being its only writer). */
	pthread_mutex_t lock;
	/** The owners. */
	struct zone_map map;
	/** Serial now; 0 before the first build. */
	uint32_t serial;
	/** The journal, oldest first. */
	struct zone_diff *oldest, *newest;
	/** Entries and bytes of the journal. */
	size_t journal_entries, journal_bytes;
	/** Most bytes it keeps. */
	size_t journal_max;
	/** The image of the current serial, once a transfer asked. */
	struct zone_image *image;
};

/** Initialise an empty zone. */
void zone_init(struct zone *z, size_t journal_max);

/** Free everything (no transfer may hold a reference). */
void zone_destroy(struct zone *z);

/**
 * The owner of a key, or NULL.
 */
struct zone_rec *zone_map_find(const struct zone_map *m, const uint8_t *name,
	int subtree);

/**
 * Make a record; NULL when out of memory.
 */
struct zone_rec *zone_rec_new(const uint8_t *name, int subtree,
	uint8_t action, const uint8_t *data, uint16_t data_len);

/**
 * Put a record, replacing and freeing any of the same key; NULL frees
 * the key's record.
 * @return 0, or -1 when out of memory (nothing changed).
 */
int zone_map_set(struct zone_map *m, const uint8_t *name, int subtree,
	struct zone_rec *r);

/** Free every record and the slots. */
void zone_map_clear(struct zone_map *m);

/** Whether two states have the same records. */
int zone_same(uint8_t a_action, const uint8_t *a_data, uint16_t a_len,
	uint8_t b_action, const uint8_t *b_data, uint16_t b_len);

/**
 * Append a change to a diff.
 * @return 0, or -1 when out of memory.
 */
int zone_diff_add(struct zone_diff *d, const uint8_t *name, int subtree,
	const struct zone_rec *old, uint8_t new_action, const uint8_t *data,
	uint16_t data_len);

/**
 * Step through a diff's changes; *pos 0 to start.
 * @return 1 with a change, 0 at the end.
 */
int zone_diff_next(const struct zone_diff *d, size_t *pos,
	struct zone_change *c);

/** A new action in an updates list: the key is no longer listed. */
#define ZONE_GONE 0xff

/**
 * Under the lock: apply updates (every key whose state changed, with
 * ZONE_GONE for keys no longer listed) to the map, and when diff (the
 * changes of records among them) is not empty, give it the next serial
 * (serial, or one more than now when that is not newer) and keep it in
 * the journal, trimmed to its bytes.  Takes diff.
 * @return 0, or -1 when out of memory (the map may be partly changed:
 *	the caller rebuilds the zone from a walk).
 */
int zone_publish(struct zone *z, const struct zone_diff *updates,
	struct zone_diff *diff, uint32_t serial);

/** The first serial, once the zone is first built (under the lock). */
void zone_start(struct zone *z, uint32_t serial);

/** Drop a reference to a diff (under the zone's lock). */
void zone_diff_unref(struct zone_diff *d);

/**
 * The image of the current serial, referenced (under the zone's lock;
 * made on first use).
 * @return it, or NULL when out of memory.
 */
struct zone_image *zone_image_get(struct zone *z);

/** Drop a reference to an image (under the zone's lock). */
void zone_image_unref(struct zone_image *img);

/**
 * Step through an image's owners; *pos 0 to start.
 * @return 1 with an owner, 0 at the end.
 */
int zone_image_next(const struct zone_image *img, size_t *pos,
	struct zone_owner *o);

/** RFC 1982: whether serial a is newer than b. */
int zone_serial_gt(uint32_t a, uint32_t b);

#endif /* TAPIR_OUTPUT_ZONE_H */
