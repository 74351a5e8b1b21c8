/*
 * feeds/file/listfile.c - lines of text and CSV list files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/file/listfile.h"
#include "module/base/csv.h"
#include "module/base/names.h"

#include <string.h>

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim blanks at both ends of [*s, *s + *len). */
static void
trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

static int
bad(const char **why, const char *reason)
{
	*why = reason;
	return LISTFILE_BAD;
}

/* A name as a list holds it: "*." before it for a subtree entry. */
static int
name_line(const char *name, size_t nlen, uint8_t *wire, size_t *wire_len,
	int *subtree, const char **why)
{
	int r;

	*subtree = 0;
	if (nlen >= 2 && name[0] == '*' && name[1] == '.') {
		*subtree = 1;
		name += 2;
		nlen -= 2;
	}
	if (nlen == 1 && name[0] == '.')
		return bad(why, "the root cannot be listed");
	if ((r = name_from_text(name, nlen, wire, wire_len)) != NAME_OK)
		return bad(why, name_strerror(r));
	return LISTFILE_NAME;
}

/* The name column of a CSV line, through the one reader
 * (module/base/csv.h), blanks around fields dropped.  The line is all
 * the reader sees: a quoted field not closed on it is a bad line.  The
 * name is checked here, while the reader's buffer is alive. */
static int
csv_name(const char *line, size_t len, unsigned column, uint8_t *wire,
	size_t *wire_len, int *subtree, const char **why)
{
	struct csv_reader c;
	const char *name = NULL;
	size_t nlen = 0;
	int r;

	csv_init(&c, line, len, 1);
	switch ((r = csv_next(&c, column, &name, &nlen, NULL))) {
	case CSV_FIELD:
		r = nlen ? name_line(name, nlen, wire, wire_len, subtree, why) :
			bad(why, "empty name column");
		break;
	case CSV_SHORT:
		r = bad(why, "line has fewer columns than configured");
		break;
	default:
		r = bad(why, csv_strerror(r));
	}
	csv_free(&c);
	return r;
}

int
listfile_line(const char *line, size_t len, enum listfile_format format,
	unsigned column, uint8_t *wire, size_t *wire_len, int *subtree,
	const char **why)
{
	const char *name = line, *hash;
	size_t nlen = len, i;

	hash = memchr(line, '#', len);
	if (hash)
		nlen = (size_t)(hash - line);
	trim(&name, &nlen);
	if (nlen == 0)
		return LISTFILE_SKIP;
	if (format == LISTFILE_CSV)
		return csv_name(name, nlen, column, wire, wire_len, subtree,
			why);
	for (i = 0; i < nlen; i++)
		if (is_space(name[i]))
			return bad(why, "more than one word on the line");
	return name_line(name, nlen, wire, wire_len, subtree, why);
}
