/*
 * dawg/dawg.h - reader for DNS TAPIR's DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * DNS TAPIR's tools (pop, edm, dnstapir-cli) ship large name lists as
 * DAWG files written by the Go library smhanov/dawg (format: DESIGN.md
 * §10).  This reader maps a file read-only and answers lookups straight
 * from the mapping: no heap per file beyond the handle, no decoding at
 * open.  Every read is checked against the mapping, so a hostile or
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
	DAWG_ERR_IO,        /**< the file could not be opened or mapped */
	DAWG_ERR_TRUNCATED, /**< shorter than its header says, or no header */
	DAWG_ERR_SIZE,      /**< header size does not match the file */
	DAWG_ERR_HEADER     /**< impossible header fields */
};

/** An open DAWG.  Treat as opaque; it is plain data so it can live in
 *  another structure without an allocation. */
struct dawg {
	/** The file's bytes. */
	const uint8_t *data;
	/** Their number. */
	size_t size;
	/** Whether data is our own mapping (unmapped by dawg_close). */
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
};

/**
 * Open a DAWG held in memory (not copied: it must outlive the dawg).
 * @return DAWG_OK or an enum dawg_error.
 */
int dawg_open_buffer(struct dawg *d, const uint8_t *data, size_t size);

/**
 * Map a file read-only and open it.
 * @return DAWG_OK or an enum dawg_error (errno is kept for DAWG_ERR_IO).
 */
int dawg_open_file(struct dawg *d, const char *path);

/**
 * Unmap (if mapped) and forget the file.
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
 * edm's rule: lower-case the name, look it up exactly, then look up
 * ".parent." at each label boundary from the nearest parent up (never
 * "." alone).
 * @param index: out, the matching word's index, -1 on a miss.
 * @param suffix_at: out, for DAWG_SUFFIX, the offset in name of the
 *	parent that matched (the character after the dot).
 * @return an enum dawg_match.
 */
int dawg_lookup_edm(const struct dawg *d, const char *name, size_t len,
	int64_t *index, size_t *suffix_at);

/**
 * The same for a canonical wire-format name (module/names.h), as the
 * policy store holds query names: its presentation form is looked up.
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
