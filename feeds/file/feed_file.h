/*
 * feeds/file/feed_file.h - a source fed by a text or CSV list file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The feed loads the file into its source as one replace-all batch, then
 * a thread polls the file's identity (inode, size, mtime) and reloads it
 * when it changes.  A file that is not a regular file, cannot be read to
 * its end, has a line over FILE_LINE_MAX or whose lines are mostly
 * malformed is rejected as a whole: the source keeps its last good data,
 * and the error is logged and counted.  A file that goes missing (or
 * becomes a symlink loop) is logged and counted once, and keeps the data
 * too.
 */
#ifndef TAPIR_FEED_FILE_H
#define TAPIR_FEED_FILE_H

#include <stdint.h>

#include "feeds/file/listfile.h"
#include "module/policy/policy.h"

struct feed_file;

/** What a file feed needs to know; copied by feed_file_create(). */
struct feed_file_params {
	/** Source name, for messages. */
	const char *source_name;
	/** Path of the list file. */
	const char *path;
	/** Text or CSV. */
	enum listfile_format format;
	/** 1-based name column for CSV. */
	unsigned column;
	/** How often to check the file for changes, in milliseconds. */
	unsigned poll_ms;
	/** The store, and the source the file feeds. */
	struct policy_store *store;
	/** Id of that source in the store. */
	uint16_t source;
	/** Called for every name a reload adds or changes; may be NULL. */
	policy_changed_fn changed;
	/** Argument for changed. */
	void *changed_arg;
};

/** Counters of one file feed, for stats and list_sources. */
struct feed_file_stats {
	/** Successful loads. */
	uint64_t loads;
	/** Loads rejected (not a regular file, unreadable, a line over
	 *  FILE_LINE_MAX, malformed), and each time the file went missing. */
	uint64_t rejects;
	/** Lines skipped as malformed over all accepted loads. */
	uint64_t bad_lines;
	/** Names in the last accepted load. */
	uint64_t names;
	/** Unix time of the last accepted load, 0 if none. */
	int64_t last_load;
	/** Why the last load failed, or the file went missing; empty once
	 *  a load succeeds. */
	char last_error[256];
};

/**
 * Create a file feed.  Nothing is read yet.
 * @return the feed, or NULL when out of memory.
 */
struct feed_file *feed_file_create(const struct feed_file_params *params);

/**
 * Load the file now, on the calling thread.
 * @return 0 when the file was applied, -1 when it was rejected (logged).
 */
int feed_file_load(struct feed_file *f);

/**
 * Start the thread that reloads the file when it changes.
 * @return 0 or an errno value.
 */
int feed_file_start(struct feed_file *f);

/**
 * Copy the feed's counters.
 */
void feed_file_get_stats(struct feed_file *f, struct feed_file_stats *out);

/**
 * Stop the thread (if started), join it and free the feed; NULL is fine.
 */
void feed_file_destroy(struct feed_file *f);

#endif /* TAPIR_FEED_FILE_H */
