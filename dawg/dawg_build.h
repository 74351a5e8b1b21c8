/*
 * dawg/dawg_build.h - writer of DNS TAPIR's DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Builds the same bytes as the Go library smhanov/dawg for the same sorted
 * word list (ARCHITECTURE.md §12): the minimal DAWG, nodes numbered in
 * depth-first preorder, the same edge, count and address widths.  Files
 * made here are therefore interchangeable with those DNS TAPIR ships.
 *
 * Two layers: a builder that takes words in strictly increasing byte
 * order (as the Go library demands), and a word list that reads DNS TAPIR's
 * input formats, normalises names, sorts and drops duplicates.
 */
#ifndef TAPIR_DAWG_BUILD_H
#define TAPIR_DAWG_BUILD_H

#include <stddef.h>
#include <stdint.h>

/** A DAWG under construction; opaque. */
struct dawg_builder;

/**
 * Start an empty DAWG.
 * @return the builder, or NULL when out of memory.
 */
struct dawg_builder *dawg_builder_new(void);

/**
 * Add a word: valid UTF-8, byte-wise greater than the previous word
 * (Go's string order).  The empty word is allowed, first.
 * @return DAWG_OK; DAWG_ERR_ORDER or DAWG_ERR_UTF8 (the word is refused,
 *	the builder unchanged); DAWG_ERR_TOO_BIG or DAWG_ERR_NOMEM (the
 *	builder is unusable and only dawg_builder_free() may follow).
 */
int dawg_builder_add(struct dawg_builder *b, const char *word, size_t len);

/**
 * Write the file.  The builder is used up: only dawg_builder_free() may
 * follow.
 * @param out: out, the file's bytes, to free() by the caller.
 * @param len: out, their number.
 * @return DAWG_OK, DAWG_ERR_TOO_BIG, DAWG_ERR_NOMEM, or the builder's
 *	earlier error.
 */
int dawg_builder_finish(struct dawg_builder *b, uint8_t **out, size_t *len);

/**
 * Free a builder (NULL is fine).
 */
void dawg_builder_free(struct dawg_builder *b);

/** Input formats of a word list. */
enum dawg_input_format {
	/** One name per line; blank lines and lines starting with '#'
	 *  ignored; names lower-cased (ASCII) and made absolute. */
	DAWG_INPUT_TEXT,
	/** CSV as module/base/csv.h reads it, the whole text at once, so
	 *  a quoted field may span lines as in Go; the name is in one
	 *  column, normalised as for text. */
	DAWG_INPUT_CSV,
	/** One word per line taken verbatim (the X.words.txt format): no
	 *  folding, no trailing dot, an empty line is the empty word. */
	DAWG_INPUT_WORDS
};

/** How to read a word list. */
struct dawg_input {
	/** An enum dawg_input_format. */
	int format;
	/** CSV: the name's column, 1-based (DNS TAPIR's tool uses 2). */
	unsigned column;
	/** CSV: whether the first record is a header to skip. */
	int header;
};

/** A growing list of words. */
struct dawg_words {
	/** The words' bytes, back to back. */
	char *arena;
	/** Bytes used in arena. */
	size_t arena_len;
	/** Bytes allocated for arena. */
	size_t arena_cap;
	/** Start and length of each word in arena. */
	struct dawg_word {
		/** Offset in arena. */
		size_t off;
		/** Length in bytes. */
		size_t len;
	} *list;
	/** Number of words. */
	size_t n;
	/** Entries allocated in list. */
	size_t cap;
};

/**
 * Parse a word list and append its words to w (initialised to zeros).
 * @param text: the input, not NUL-terminated.
 * @param len: its length.
 * @param in: the format.
 * @param line: out, on DAWG_ERR_SYNTAX the 1-based line at fault.
 * @return DAWG_OK, DAWG_ERR_SYNTAX or DAWG_ERR_NOMEM.
 */
int dawg_words_parse(struct dawg_words *w, const char *text, size_t len,
	const struct dawg_input *in, size_t *line);

/**
 * Sort w in byte order (Go's sort.Strings) and drop duplicates.
 * @param dup: called once for every word dropped (may be NULL).
 * @param arg: passed to dup.
 * @param dropped: out, the number of words dropped.
 * @return DAWG_OK or DAWG_ERR_NOMEM.
 */
int dawg_words_sort(struct dawg_words *w,
	void (*dup)(void *arg, const char *word, size_t len), void *arg,
	size_t *dropped);

/**
 * Build a DAWG file of a sorted, duplicate-free list.
 * @param bad: out, on DAWG_ERR_UTF8 or DAWG_ERR_ORDER the index of the
 *	word at fault (may be NULL).
 * @return as dawg_builder_finish().
 */
int dawg_words_build(const struct dawg_words *w, uint8_t **out, size_t *len,
	size_t *bad);

/**
 * Free the list's memory and reset it to zeros.
 */
void dawg_words_free(struct dawg_words *w);

#endif /* TAPIR_DAWG_BUILD_H */
