/*
 * feeds/file/listfile.h - lines of text and CSV list files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A text list has one name per line; "#" starts a comment, blank lines
 * are ignored, and a leading "*." marks a subtree entry (everything
 * strictly below the name), as in an RPZ wildcard owner.  A CSV list has a
 * header row and the name in a configured column (DNS TAPIR's tools use
 * the second), quoted or not as module/base/csv.h reads it, with blanks
 * around fields dropped.  Parsing is per line so one bad line costs only
 * that line: a quoted field must close on the line it opens on.
 */
#ifndef TAPIR_LISTFILE_H
#define TAPIR_LISTFILE_H

#include <stddef.h>
#include <stdint.h>

/** Format of a list file. */
enum listfile_format {
	LISTFILE_TEXT, /**< one name per line */
	LISTFILE_CSV   /**< comma-separated, header row, name column */
};

/** What listfile_line() found on a line. */
enum listfile_result {
	LISTFILE_NAME = 1,  /**< a name was written to wire */
	LISTFILE_SKIP = 0,  /**< blank line or comment */
	LISTFILE_BAD = -1   /**< a malformed line; *why says what */
};

/**
 * Parse one line (without its newline).
 * @param line: the line; need not be NUL-terminated.
 * @param len: its length.
 * @param format: text or CSV.
 * @param column: 1-based name column for CSV.
 * @param wire: out, canonical wire name (NAME_WIRE_MAX bytes).
 * @param wire_len: out, its length.
 * @param subtree: out, 1 for a "*." subtree entry.
 * @param why: out on LISTFILE_BAD, a static reason.
 * @return an enum listfile_result.
 */
int listfile_line(const char *line, size_t len, enum listfile_format format,
	unsigned column, uint8_t *wire, size_t *wire_len, int *subtree,
	const char **why);

#endif /* TAPIR_LISTFILE_H */
