/*
 * dawg/dawg.h - reader for DNS TAPIR's DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * DNS TAPIR's tools (pop, edm, dnstapir-cli) ship large name lists as
 * DAWG files written by the Go library smhanov/dawg (format: ARCHITECTURE.md
 * §10).  This reader answers lookups straight from the file's bytes, a
 * private read-only copy: no decoding at open, no structure built beside
 * them.  Every read is checked against their size, so a hostile or
 * truncated file yields errors or misses, never a read out of bounds.
 *
 * Words are Unicode strings (the format stores code points); names are
 * lower-case, absolute ("www.example.com."), and a leading dot
 * (".example.net.") marks a subtree entry, as edm uses them.
 */
#ifndef TAPIR_DAWG_H
#define TAPIR_DAWG_H

#include <stddef.h>
#include <stdint.h>

/** Error codes. */
enum dawg_error {
	DAWG_OK = 0,        /**< success */
	DAWG_ERR_IO,        /**< the file could not be opened or read, or
	                         is not a regular file */
	DAWG_ERR_TRUNCATED, /**< shorter than its header says, or no header */
	DAWG_ERR_SIZE,      /**< header size does not match the file */
	DAWG_ERR_HEADER,    /**< impossible header fields */
	DAWG_ERR_NOMEM,     /**< out of memory (builder) */
	DAWG_ERR_ORDER,     /**< words not in increasing order (builder) */
	DAWG_ERR_UTF8,      /**< a word is not valid UTF-8 (builder) */
	DAWG_ERR_TOO_BIG,   /**< more than the format can count (builder) */
	DAWG_ERR_SYNTAX,    /**< unreadable word list (builder input) */
	DAWG_ERR_CHANGED    /**< the file changed while it was read */
};

/** An open DAWG.  Treat as opaque; it is plain data so it can live in
 *  another structure without an allocation. */
struct dawg {
	/** The file's bytes. */
	const uint8_t *data;
	/** Their number. */
	size_t size;
	/** Whether data is our own copy (unmapped by dawg_close). */
	int mapped;
	/** Bits per character (0 for an empty set). */
	unsigned cbits;
	/** Bits per node address. */
	unsigned abits;
	/** Bits of an edge's word count: bitlen(bitlen(nwords)). */
	unsigned nskiplen;
	/** Number of words. */
	uint64_t nwords;
	/** Bit offset of the root node. */
	uint64_t root;
	/** Whether some word starts with '.' (a subtree word). */
	int has_dot;
	/** With has_dot: the node after the root's '.' edge. */
	uint64_t dot_node;
	/** With has_dot: the words that edge skips. */
	uint64_t dot_index;
};

/**
 * Open a DAWG held in memory (not copied: it must outlive the dawg).
 * @return DAWG_OK or an enum dawg_error.
 */
int dawg_open_buffer(struct dawg *d, const uint8_t *data, size_t size);

/**
 * Read an open file into private read-only memory and open it.  Not a
 * mapping of the file: rewriting or truncating the file later cannot
 * touch the open dawg.
 * @param d: the dawg.
 * @param fd: a regular file (see file_open()), read from its start with
 *	pread; not closed.
 * @param err: out for DAWG_ERR_IO, the errno value of the failed read;
 *	may be NULL.
 * @return DAWG_OK or an enum dawg_error; DAWG_ERR_CHANGED if the file
 *	changed while it was read.
 */
int dawg_open_fd(struct dawg *d, int fd, int *err);

/**
 * Open a file with file_open() (regular files only, never blocking) and
 * read it with dawg_open_fd().
 * @param d: the dawg.
 * @param path: the file.
 * @param err: out for DAWG_ERR_IO, why: a file_open() error or the errno
 *	value of the failed read, for file_strerror(); may be NULL.
 * @return as dawg_open_fd().
 */
int dawg_open_file(struct dawg *d, const char *path, int *err);

/**
 * Free the copy (if dawg_open_fd made one) and forget the file.
 */
void dawg_close(struct dawg *d);

/**
 * Exact lookup of a UTF-8 word.
 * @return its index in sorted order (as the Go library returns it), or
 *	-1 if absent.
 */
int64_t dawg_lookup(const struct dawg *d, const char *word, size_t len);

/** How dawg_lookup_edm() matched. */
enum dawg_match {
	DAWG_MISS = 0,   /**< neither the name nor a parent subtree */
	DAWG_EXACT = 1,  /**< the name itself */
	DAWG_SUFFIX = 2  /**< a ".parent." subtree word */
};

/**
 * edm's rule: lower-case the name (ASCII), look it up exactly, then look
 * up ".parent." at each label boundary from the nearest parent up (never
 * "." alone).  Dots inside escapes ("\." "\046") are not boundaries.
 * @param index: out, the matching word's index, -1 on a miss.
 * @param suffix_at: out, for DAWG_SUFFIX, the offset in name of the
 *	parent that matched (the character after the dot).
 * @return an enum dawg_match.
 */
int dawg_lookup_edm(const struct dawg *d, const char *name, size_t len,
	int64_t *index, size_t *suffix_at);

/** What a wire-name lookup found. */
struct dawg_result {
	/** The matching word's index, -1 on a miss. */
	int64_t index;
	/** An enum dawg_match. */
	int match;
	/** For DAWG_SUFFIX: offset in the wire name of the parent whose
	 *  ".parent." word matched (wire + offset is that parent). */
	size_t offset;
};

/**
 * Exact lookup of a wire-format name (module/base/names.h), walking its
 * octets directly: no allocation, no text buffer.  Equal to
 * dawg_lookup() of its name_to_text() form (absolute, escaped).
 * @param wire: a valid wire name; names over 255 octets miss.
 * @return the word's index, or -1.
 */
int64_t dawg_lookup_wire_exact(const struct dawg *d, const uint8_t *wire);

/**
 * edm's rule for a wire-format name, as the policy store holds query
 * names: the name, then ".parent." for each proper parent, nearest first,
 * the root excluded.  ASCII is lower-cased on the way.  Equal to
 * dawg_lookup_edm() of its name_to_text() form.  No allocation.
 * @param res: out, what matched.
 * @return res->match.
 */
int dawg_lookup_wire_edm(const struct dawg *d, const uint8_t *wire,
	struct dawg_result *res);

/**
 * dawg_lookup_wire_edm() for callers that need only the index and
 * whether a subtree word matched.
 * @param index: out, the word's index, -1 on a miss.
 * @param subtree: out, 1 for DAWG_SUFFIX, else 0.
 * @return an enum dawg_match.
 */
int dawg_lookup_wire(const struct dawg *d, const uint8_t *wire,
	int64_t *index, int *subtree);

/**
 * Call fn for every word in index order, UTF-8 encoded.  Stops early when
 * fn returns non-zero.
 * @return the number of words visited, or -1 if the file is malformed
 *	(a loop or an address out of range was found on the way).
 */
int64_t dawg_enumerate(const struct dawg *d,
	int (*fn)(void *arg, const char *word, size_t len, uint64_t index),
	void *arg);

/**
 * Human-readable text for an enum dawg_error.
 */
const char *dawg_strerror(int err);

#endif /* TAPIR_DAWG_H */
