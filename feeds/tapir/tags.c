/*
 * feeds/tapir/tags.c - names of DNS TAPIR's observation tag bits.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/tags.h"

#include <stdio.h>
#include <string.h>

/* Legacy names first, so that Core's current name ends up the main one. */
static const struct tags_name defaults[] = {
	{ "newname", 0 }, { "globally_new", 0 },
	{ "highvolume", 1 },
	{ "badip", 2 }, { "newly_registered", 2 },
	{ "cdntracker", 3 }, { "registry_investigation", 3 },
	{ "likelymalware", 4 },
	{ "likelybotnetcc", 5 },
	{ "frotz", 10 }, { "looptest", 10 }
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_separator(int c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* Index of a name in the table, or -1. */
static long
find(const struct tags_table *t, const char *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < t->count; i++) {
		const char *n = t->names[i].name;
		for (j = 0; j < len && n[j] && n[j] == lower(
		    (unsigned char)name[j]); j++)
			;
		if (j == len && n[j] == 0)
			return (long)i;
	}
	return -1;
}

void
tags_table_init(struct tags_table *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->names, defaults, sizeof(defaults));
	t->count = sizeof(defaults) / sizeof(defaults[0]);
}

int
tags_table_add(struct tags_table *t, unsigned bit, const char *name)
{
	size_t i, len = strlen(name);
	long old;

	if (bit >= TAGS_BITS)
		return TAGS_ERR_BIT;
	/* Starting with a letter keeps names apart from bit numbers. */
	if (len == 0 || len >= TAGS_NAME_MAX || !is_letter(name[0]))
		return TAGS_ERR_NAME;
	for (i = 0; i < len; i++) {
		if (!is_letter(name[i]) && !is_digit(name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return TAGS_ERR_NAME;
	}
	/* Remove the old binding; re-adding at the end makes it main. */
	if ((old = find(t, name, len)) >= 0) {
		memmove(&t->names[old], &t->names[old + 1],
			(t->count - (size_t)old - 1) * sizeof(t->names[0]));
		t->count--;
	} else if (t->count == TAGS_MAX_NAMES) {
		return TAGS_ERR_FULL;
	}
	for (i = 0; i <= len; i++)
		t->names[t->count].name[i] = (char)lower((unsigned char)name[i]);
	t->names[t->count].bit = (uint8_t)bit;
	t->count++;
	return TAGS_OK;
}

const char *
tags_bit_name(const struct tags_table *t, unsigned bit)
{
	size_t i;

	for (i = t->count; i-- > 0; ) {
		if (t->names[i].bit == bit)
			return t->names[i].name;
	}
	return NULL;
}

int
tags_lookup(const struct tags_table *t, const char *name, size_t len,
	unsigned *bit)
{
	long i = find(t, name, len);

	if (i < 0)
		return TAGS_ERR_UNKNOWN;
	*bit = t->names[i].bit;
	return TAGS_OK;
}

int
tags_parse(const struct tags_table *t, const char *text, uint32_t *mask,
	char *err, size_t errlen)
{
	const char *p = text;
	int words = 0;

	*mask = 0;
	for (;;) {
		const char *word;
		size_t len, i;
		unsigned bit = 0;

		while (is_separator((unsigned char)*p))
			p++;
		if (!*p)
			break;
		word = p;
		while (*p && !is_separator((unsigned char)*p))
			p++;
		len = (size_t)(p - word);
		for (i = 0; i < len && is_digit(word[i]); i++) {
			/* Stop early: a long number must not overflow. */
			if (bit < TAGS_BITS)
				bit = bit * 10 + (unsigned)(word[i] - '0');
		}
		if (i == len) {
			if (bit >= TAGS_BITS) {
				if (err && errlen)
					snprintf(err, errlen, "tag bit %.*s is "
						"not between 0 and 31",
						(int)(len > 32 ? 32 : len), word);
				return TAGS_ERR_BIT;
			}
		} else if (tags_lookup(t, word, len, &bit) != TAGS_OK) {
			if (err && errlen)
				snprintf(err, errlen, "unknown tag \"%.*s\"",
					(int)(len > 64 ? 64 : len), word);
			return TAGS_ERR_UNKNOWN;
		}
		*mask |= UINT32_C(1) << bit;
		words++;
	}
	if (!words) {
		if (err && errlen)
			snprintf(err, errlen, "empty tag set");
		return TAGS_ERR_EMPTY;
	}
	return TAGS_OK;
}

int
tags_format(const struct tags_table *t, uint32_t mask, char *buf, size_t size)
{
	size_t len = 0;
	unsigned bit;

	if (size == 0)
		return -1;
	buf[0] = 0;
	for (bit = 0; bit < TAGS_BITS; bit++) {
		const char *name;
		char num[4];
		int n;
		if (!(mask & (UINT32_C(1) << bit)))
			continue;
		if (!(name = tags_bit_name(t, bit))) {
			snprintf(num, sizeof(num), "%u", bit);
			name = num;
		}
		n = snprintf(buf + len, size - len, "%s%s", len ? " " : "",
			name);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
	}
	return (int)len;
}

const char *
tags_strerror(int err)
{
	switch (err) {
	case TAGS_OK: return "ok";
	case TAGS_ERR_UNKNOWN: return "unknown tag name";
	case TAGS_ERR_BIT: return "tag bit not between 0 and 31";
	case TAGS_ERR_NAME: return "invalid tag name";
	case TAGS_ERR_FULL: return "too many tag names";
	case TAGS_ERR_EMPTY: return "empty tag set";
	default: return "unknown error";
	}
}
