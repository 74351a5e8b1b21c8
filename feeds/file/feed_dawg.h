/*
 * feeds/file/feed_dawg.h - a source answered from a DAWG file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The file is read into private read-only memory (dawg_open_fd()) and
 * attached to its source as an external index of the policy store:
 * lookups run straight on that copy, with no decoding of the names.  A
 * thread watches the path; when the file is replaced or rewritten (inode,
 * size or modification time), the new version is read and validated
 * first and only then swapped in, and the old copy is released once no
 * query can still use it.  A bad replacement, one that is not a regular
 * file, or a path gone missing keeps the previous file in use, and is
 * logged and counted.
 */
#ifndef TAPIR_FEED_DAWG_H
#define TAPIR_FEED_DAWG_H

#include <stdint.h>

#include "module/policy/policy.h"

struct feed_dawg;

/** What a DAWG feed needs; strings are copied. */
struct feed_dawg_params {
	/** Source name, for messages. */
	const char *source_name;
	/** Path of the DAWG file. */
	const char *path;
	/** How often to check for a replaced file, in milliseconds. */
	unsigned poll_ms;
	/** The store, and the source the file answers for. */
	struct policy_store *store;
	/** Id of that source. */
	uint16_t source;
	/** With POLICY_SOURCE_SUBDOMAINS, plain words cover subdomains. */
	unsigned flags;
	/** Told about a replaced file, as the root name with subtree set
	 *  (any cached name may be affected: comparing two files word by
	 *  word would cost more than refilling a cache); may be NULL. */
	policy_changed_fn changed;
	/** Argument for changed. */
	void *changed_arg;
};

/** Counters of a DAWG feed. */
struct feed_dawg_stats {
	/** Files attached. */
	uint64_t loads;
	/** Files rejected, and each time the path went missing. */
	uint64_t rejects;
	/** Words in the file in use. */
	uint64_t words;
	/** Unix time of the last attach, 0 if none. */
	int64_t last_load;
	/** Last error, "" if none. */
	char last_error[256];
};

/**
 * Create the feed; nothing is opened yet.
 * @return the feed, or NULL when out of memory.
 */
struct feed_dawg *feed_dawg_create(const struct feed_dawg_params *params);

/**
 * Open the file and attach it, on the calling thread.
 * @return 0, or -1 if it could not be used (logged).
 */
int feed_dawg_load(struct feed_dawg *f);

/**
 * Start the thread that picks up a replaced file.
 * @return 0, or an errno value.
 */
int feed_dawg_start(struct feed_dawg *f);

/**
 * Copy the counters.
 */
void feed_dawg_get_stats(struct feed_dawg *f, struct feed_dawg_stats *out);

/**
 * Stop the thread and free the feed; the file in use stays attached to
 * the store, which releases it.  NULL is fine.
 */
void feed_dawg_destroy(struct feed_dawg *f);

#endif /* TAPIR_FEED_DAWG_H */
