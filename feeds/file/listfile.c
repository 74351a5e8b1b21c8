/*
 * feeds/file/listfile.c - lines of text and CSV list files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/file/listfile.h"
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

/* Find the 1-based column of a CSV line; quotes around a field are
 * dropped (names never contain commas, so no escaping is needed). */
static int
csv_field(const char *line, size_t len, unsigned column, const char **field,
	size_t *flen)
{
	unsigned col = 1;
	size_t start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ',')
			continue;
		if (col == column) {
			*field = line + start;
			*flen = i - start;
			trim(field, flen);
			if (*flen >= 2 && (*field)[0] == '"' &&
			    (*field)[*flen - 1] == '"') {
				(*field)++;
				*flen -= 2;
			}
			return 1;
		}
		col++;
		start = i + 1;
	}
	return 0;
}

int
listfile_line(const char *line, size_t len, enum listfile_format format,
	unsigned column, uint8_t *wire, size_t *wire_len, int *subtree,
	const char **why)
{
	const char *name = line, *hash;
	size_t nlen = len;
	int r;

	hash = memchr(line, '#', len);
	if (hash)
		nlen = (size_t)(hash - line);
	trim(&name, &nlen);
	if (nlen == 0)
		return LISTFILE_SKIP;
	if (format == LISTFILE_CSV) {
		if (!csv_field(name, nlen, column, &name, &nlen)) {
			*why = "line has fewer columns than configured";
			return LISTFILE_BAD;
		}
		if (nlen == 0) {
			*why = "empty name column";
			return LISTFILE_BAD;
		}
	} else {
		size_t i;
		for (i = 0; i < nlen; i++)
			if (is_space(name[i])) {
				*why = "more than one word on the line";
				return LISTFILE_BAD;
			}
	}
	*subtree = 0;
	if (nlen >= 2 && name[0] == '*' && name[1] == '.') {
		*subtree = 1;
		name += 2;
		nlen -= 2;
	}
	if (nlen == 1 && name[0] == '.') {
		*why = "the root cannot be listed";
		return LISTFILE_BAD;
	}
	r = name_from_text(name, nlen, wire, wire_len);
	if (r != NAME_OK) {
		*why = name_strerror(r);
		return LISTFILE_BAD;
	}
	return LISTFILE_NAME;
}
