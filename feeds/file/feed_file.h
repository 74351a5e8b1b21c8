/*
 * feeds/file/feed_file.h - a source fed by a text or CSV list file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The feed loads the file into its source as one replace-all batch, then
 * a watcher (feeds/feed.h) polls the file's identity (inode, size, mtime)
 * and reloads it when it changes.  A file that is not a regular file,
 * cannot be read to its end, has a line over FILE_LINE_MAX or whose
 * lines are mostly malformed is rejected as a whole: the source keeps its
 * last good data, and the error is logged and counted.  A file that goes
 * missing (or becomes a symlink loop) is logged and counted once, and
 * keeps the data too.
 *
 * Configuration, in a source clause: file: PATH, format: text|csv,
 * column: N (the name's column in a CSV file, from 1; default 2).
 */
#ifndef TAPIR_FEED_FILE_H
#define TAPIR_FEED_FILE_H

#include "feeds/feed.h"
#include "feeds/file/listfile.h"

/** The source clause of a file source. */
struct feed_file_conf {
	/** The list file. */
	char *path;
	/** Text or CSV. */
	enum listfile_format format;
	/** The name's column in a CSV file, from 1. */
	unsigned column;
};

/** The type "file". */
extern const struct feed_type feed_type_file;

/**
 * The "file:" key, shared by the file-backed types: a non-empty path.
 * @param path: out, replaced by a copy of the key's value.
 * @return 0, or -1 with the reason in err.
 */
int feed_file_conf_path(char **path, const struct feed_conf_key *k,
	char *err, size_t errlen);

#endif /* TAPIR_FEED_FILE_H */
