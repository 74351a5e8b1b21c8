/*
 * module/base/csv.h - the one CSV reader: list files and the DAWG builder.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * CSV as RFC 4180 says and Go's encoding/csv reads it (DNS TAPIR's tools
 * are Go): fields are separated by commas and records by "\n" or "\r\n"
 * (a "\r" at the very end counts as one too); an empty line is no record.
 * A field that starts with a double quote is quoted: it runs to the next
 * quote that is not doubled, may hold commas, newlines and doubled quotes
 * ("" for one "), and must be followed by a comma or the record's end.  A
 * quote anywhere in an unquoted field is an error.  The reader reads
 * every field of a record, so a bad one is found wherever it is, and
 * hands back the one column its caller wants.
 *
 * Quoted newlines depend on what the caller hands over.  The DAWG builder
 * hands the whole text, and a quoted field may span lines as in Go.  The
 * list file feed hands one line at a time (its lines are bounded at 64
 * KiB, and a bad line costs only that line), so there a quoted field not
 * closed on its line is a malformed line, and the next line is a record
 * of its own.
 */
#ifndef TAPIR_CSV_H
#define TAPIR_CSV_H

#include <stddef.h>

/** What csv_next() found. */
enum csv_result {
	CSV_FIELD = 1,      /**< a record, and its field in the column */
	CSV_END = 0,        /**< no record left */
	CSV_SHORT = -1,     /**< a record with fewer fields than the column */
	CSV_ERR_QUOTE = -2, /**< a misplaced or unclosed quote; the reader
	                      *  goes no further */
	CSV_ERR_NOMEM = -3  /**< out of memory; the reader goes no further */
};

/** A reader over one text.  Set up with csv_init(), release with
 *  csv_free(); the members are the reader's own. */
struct csv_reader {
	/** The input, not NUL-terminated. */
	const char *text;
	/** Its length. */
	size_t len;
	/** Where the next record starts. */
	size_t pos;
	/** The 1-based line at pos. */
	size_t line;
	/** Whether blanks around a field (outside its quotes) are dropped. */
	int trim;
	/** A field with doubled quotes, unquoted; malloc'd, reused. */
	char *buf;
	/** Bytes allocated for buf. */
	size_t cap;
};

/**
 * Start reading a text.
 * @param text: the input, not NUL-terminated; must outlive the reader.
 * @param len: its length.
 * @param trim: nonzero to drop blanks (space, tab, \v, \f, \r) around
 *	each field, outside its quotes, as the list file feed does; zero to
 *	keep them as Go does.
 */
void csv_init(struct csv_reader *r, const char *text, size_t len, int trim);

/**
 * Read the next record (empty lines skipped) and find one of its fields.
 * @param column: the field wanted, 1-based.
 * @param field: out on CSV_FIELD, its content with the quotes taken off;
 *	points into the text, or into the reader's buffer (valid until the
 *	next call or csv_free()).  Not NUL-terminated.
 * @param flen: out on CSV_FIELD, its length.
 * @param line: out unless NULL, the 1-based line the record starts on.
 * @return an enum csv_result.
 */
int csv_next(struct csv_reader *r, unsigned column, const char **field,
	size_t *flen, size_t *line);

/**
 * Release the reader's buffer.
 */
void csv_free(struct csv_reader *r);

/**
 * Human-readable text for a negative enum csv_result.
 */
const char *csv_strerror(int err);

#endif /* TAPIR_CSV_H */
