/*
 * module/runtime/feed_types.h - the feed types this build knows.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The one place that names them: the configuration parser finds a type
 * here by its "type:" name or by the top-level clause it owns, and the
 * engine keeps what a type shares by its index in this list.  A new feed
 * type is a folder under feeds/ and one line in feed_types.c.
 */
#ifndef TAPIR_FEED_TYPES_H
#define TAPIR_FEED_TYPES_H

#include <stddef.h>

#include "feeds/feed.h"

/** Most feed types a build can have. */
#define FEED_TYPES_MAX 16

/** Number of feed types. */
unsigned feed_types_count(void);

/** Feed type i (0 .. feed_types_count()-1). */
const struct feed_type *feed_type_at(unsigned i);

/** The type of a source clause without "type:". */
const struct feed_type *feed_type_default(void);

/** The type with that "type:" name, or NULL. */
const struct feed_type *feed_type_find(const char *name);

/** The index of a type. */
unsigned feed_type_index(const struct feed_type *t);

/** The type that owns a top-level clause of that name, or NULL. */
const struct feed_type *feed_type_by_clause(const char *clause);

/**
 * The known type names, for messages: "file, dawg, rpz or mqtt".
 */
void feed_types_list(char *buf, size_t size);

#endif /* TAPIR_FEED_TYPES_H */
