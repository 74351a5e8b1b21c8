/*
 * feeds/tapir/tags.h - names of DNS TAPIR's observation tag bits.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * An observation carries a 32-bit tag mask; what each bit means is Core's
 * to define and has changed over time (ARCHITECTURE.md §9), so the bit→name
 * table is data: it starts with the defaults, Core's current names and
 * POP's legacy names as aliases, and the configuration can add names or
 * move a name to another bit.  The policy's tag set is written with
 * these names or plain bit numbers.
 */
#ifndef TAPIR_TAGS_H
#define TAPIR_TAGS_H

#include <stddef.h>
#include <stdint.h>

/** Bits in a tag mask. */
#define TAGS_BITS 32
/** Longest tag name, NUL included. */
#define TAGS_NAME_MAX 32
/** Most names (aliases included) one table holds. */
#define TAGS_MAX_NAMES 96

/** Result codes of the tag functions. */
enum tags_error {
	TAGS_OK = 0,       /**< success */
	TAGS_ERR_UNKNOWN,  /**< a name the table does not know */
	TAGS_ERR_BIT,      /**< a bit number outside 0..31 */
	TAGS_ERR_NAME,     /**< not a valid tag name */
	TAGS_ERR_FULL,     /**< the table holds TAGS_MAX_NAMES names */
	TAGS_ERR_EMPTY     /**< an empty tag set */
};

/** One name of a bit. */
struct tags_name {
	/** The name, lower case. */
	char name[TAGS_NAME_MAX];
	/** The bit it names, 0..31. */
	uint8_t bit;
};

/** The bit→name table.  Plain data: copy it, embed it in a config. */
struct tags_table {
	/** Names in the order added; the last one of a bit is its main name. */
	struct tags_name names[TAGS_MAX_NAMES];
	/** Number of names. */
	size_t count;
};

/**
 * Fill a table with the defaults: bit 0 globally_new (newname),
 * 1 highvolume, 2 newly_registered (badip), 3 registry_investigation
 * (cdntracker), 4 likelymalware, 5 likelybotnetcc, 10 looptest (frotz);
 * Core's names are the main names, POP's legacy names aliases.
 */
void tags_table_init(struct tags_table *t);

/**
 * Name a bit.  The name becomes the bit's main name (the one
 * tags_bit_name() and tags_format() use); the bit's other names stay as
 * aliases.  A name is unique: one that named another bit is moved.
 * @param bit: 0..31.
 * @param name: letters, digits, '_' and '-', starting with a letter,
 *	at most TAGS_NAME_MAX - 1 characters; matched without regard to case.
 * @return TAGS_OK, TAGS_ERR_BIT, TAGS_ERR_NAME or TAGS_ERR_FULL.
 */
int tags_table_add(struct tags_table *t, unsigned bit, const char *name);

/**
 * The main name of a bit, or NULL if the bit has none.
 */
const char *tags_bit_name(const struct tags_table *t, unsigned bit);

/**
 * Find the bit a name names (any case).
 * @param name: the name; len bytes, not NUL-terminated.
 * @param len: its length.
 * @param bit: out, the bit.
 * @return TAGS_OK or TAGS_ERR_UNKNOWN.
 */
int tags_lookup(const struct tags_table *t, const char *name, size_t len,
	unsigned *bit);

/**
 * Parse a tag set such as "newly_registered registry_investigation 5":
 * names or bit numbers, separated by blanks and/or commas.
 * @param text: NUL-terminated.
 * @param mask: out, the bits.
 * @param err: out, which word was wrong and why (may be NULL).
 * @param errlen: size of err.
 * @return TAGS_OK, TAGS_ERR_UNKNOWN, TAGS_ERR_BIT or TAGS_ERR_EMPTY.
 */
int tags_parse(const struct tags_table *t, const char *text, uint32_t *mask,
	char *err, size_t errlen);

/**
 * Write a mask as tags_parse() reads it: main names, and bit numbers for
 * bits without a name, lowest bit first, separated by spaces ("" for 0).
 * @param buf: out, NUL-terminated.
 * @param size: size of buf; TAGS_BITS * TAGS_NAME_MAX always suffices.
 * @return length written without the NUL, or -1 if it did not fit.
 */
int tags_format(const struct tags_table *t, uint32_t mask, char *buf,
	size_t size);

/**
 * Human-readable text for an enum tags_error.
 */
const char *tags_strerror(int err);

#endif /* TAPIR_TAGS_H */
