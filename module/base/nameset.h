/*
 * module/base/nameset.h - a set of names, each covering itself or its subtree.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The names that must leave Unbound's caches: a feed's change set, as
 * the flush queue gathers it and as a pass over the caches checks every
 * cached name against it.  That check runs once per cache entry, so it
 * must not depend on the size of the set: a hash lookup for the name,
 * then one per parent, but only at label depths where the set has a
 * subtree entry at all.  Names are canonical wire names
 * (module/base/names.h).
 */
#ifndef TAPIR_NAMESET_H
#define TAPIR_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct nameset;

/**
 * Create an empty set.
 * @return the set, or NULL when out of memory.
 */
struct nameset *nameset_create(void);

/**
 * Free the set; NULL is fine.
 */
void nameset_destroy(struct nameset *s);

/**
 * Add a name.  Adding a name twice keeps one entry; it covers its
 * subtree if either addition asked for that.
 * @param name: canonical wire name.
 * @param subtree: 1 when the names below it are covered too.
 * @return 0, or -1 when out of memory.
 */
int nameset_add(struct nameset *s, const uint8_t *name, int subtree);

/**
 * Add every name of another set.
 * @return 0, or -1 when out of memory (some names may be added).
 */
int nameset_merge(struct nameset *into, const struct nameset *from);

/**
 * Number of distinct names.
 */
size_t nameset_count(const struct nameset *s);

/**
 * Whether the name is in the set, or lies below a name whose subtree is.
 * @param name: canonical wire name of length len.
 */
int nameset_covers(const struct nameset *s, const uint8_t *name,
	size_t len);

/**
 * Call fn for every name, in no particular order.
 */
void nameset_foreach(const struct nameset *s,
	void (*fn)(void *arg, const uint8_t *name, int subtree), void *arg);

#endif /* TAPIR_NAMESET_H */
