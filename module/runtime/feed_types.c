/*
 * module/runtime/feed_types.c - the feed types this build knows.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/feed_types.h"
#include "feeds/file/feed_dawg.h"
#include "feeds/file/feed_file.h"
#include "feeds/rpz/rpz_type.h"
#include "feeds/tapir/mqtt_type.h"

#include <stdio.h>
#include <string.h>

/* In the order "type:" errors list them; the first is the type of a
 * source that names none. */
static const struct feed_type *const types[] = {
	&feed_type_file,
	&feed_type_dawg,
	&feed_type_rpz,
	&feed_type_mqtt,
};

_Static_assert(sizeof(types) / sizeof(*types) <= FEED_TYPES_MAX,
	"raise FEED_TYPES_MAX");

unsigned
feed_types_count(void)
{
	return sizeof(types) / sizeof(*types);
}

const struct feed_type *
feed_type_at(unsigned i)
{
	return i < feed_types_count() ? types[i] : NULL;
}

const struct feed_type *
feed_type_default(void)
{
	return types[0];
}

const struct feed_type *
feed_type_find(const char *name)
{
	unsigned i;

	for (i = 0; i < feed_types_count(); i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

unsigned
feed_type_index(const struct feed_type *t)
{
	unsigned i;

	for (i = 0; i < feed_types_count() && types[i] != t; i++)
		;
	return i;
}

const struct feed_type *
feed_type_by_clause(const char *clause)
{
	unsigned i;

	for (i = 0; i < feed_types_count(); i++)
		if (types[i]->clause && strcmp(types[i]->clause, clause) == 0)
			return types[i];
	return NULL;
}

void
feed_types_list(char *buf, size_t size)
{
	unsigned i, n = feed_types_count();
	size_t len = 0;

	buf[0] = 0;
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
			i == 0 ? "" : i + 1 == n ? " or " : ", ",
			types[i]->name);
}
