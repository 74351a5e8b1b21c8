/*
 * module/base/csv.c - the one CSV reader: list files and the DAWG builder.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/base/csv.h"

#include <stdlib.h>
#include <string.h>

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Bytes of the record end at i: "\n", "\r\n", or a "\r" that ends the
 * text (Go drops it); 0 where there is none. */
static size_t
eol_len(const struct csv_reader *r, size_t i)
{
	if (i >= r->len)
		return 0;
	if (r->text[i] == '\n')
		return 1;
	if (r->text[i] == '\r') {
		if (i + 1 == r->len)
			return 1;
		if (r->text[i + 1] == '\n')
			return 2;
	}
	return 0;
}

static int
at_end(const struct csv_reader *r, size_t i)
{
	return i >= r->len || eol_len(r, i) > 0;
}

/* Past the blanks at *i, when the reader trims. */
static void
skip_blanks(const struct csv_reader *r, size_t *i)
{
	if (r->trim)
		while (*i < r->len && is_blank(r->text[*i]) && !at_end(r, *i))
			(*i)++;
}

/* The content of a quoted field [start, end) with its doubled quotes
 * made single, in the reader's buffer. */
static int
unquote(struct csv_reader *r, size_t start, size_t end, const char **field,
	size_t *flen)
{
	size_t n = 0, k;

	if (end - start > r->cap) {
		char *b = realloc(r->buf, end - start);
		if (!b)
			return CSV_ERR_NOMEM;
		r->buf = b;
		r->cap = end - start;
	}
	for (k = start; k < end; k++) {
		r->buf[n++] = r->text[k];
		if (r->text[k] == '"')
			k++;
	}
	*field = r->buf;
	*flen = n;
	return CSV_FIELD;
}

/* Read the field at *i and leave *i at the comma or record end after it;
 * with keep, its content goes to field and flen.  Fields without doubled
 * quotes are not copied. */
static int
read_field(struct csv_reader *r, size_t *i, int keep, const char **field,
	size_t *flen)
{
	const char *t = r->text;
	size_t p = *i, start, end;

	skip_blanks(r, &p);
	if (p < r->len && t[p] == '"') {
		int doubled = 0;
		for (start = ++p;; p++) {
			if (p >= r->len)
				return CSV_ERR_QUOTE;
			if (t[p] == '"') {
				if (p + 1 < r->len && t[p + 1] == '"') {
					doubled = 1;
					p++;
					continue;
				}
				break;
			}
			if (t[p] == '\n')
				r->line++;
		}
		end = p++;
		skip_blanks(r, &p);
		if (!at_end(r, p) && t[p] != ',')
			return CSV_ERR_QUOTE;
		*i = p;
		if (keep && doubled)
			return unquote(r, start, end, field, flen);
	} else {
		for (start = p; !at_end(r, p) && t[p] != ','; p++)
			if (t[p] == '"')
				return CSV_ERR_QUOTE;
		end = p;
		if (r->trim)
			while (end > start && is_blank(t[end - 1]))
				end--;
		*i = p;
	}
	if (keep) {
		*field = t + start;
		*flen = end - start;
	}
	return CSV_FIELD;
}

void
csv_init(struct csv_reader *r, const char *text, size_t len, int trim)
{
	memset(r, 0, sizeof(*r));
	r->text = text;
	r->len = len;
	r->line = 1;
	r->trim = trim;
}

/* Past the record end at r->pos, counting the line. */
static void
end_record(struct csv_reader *r)
{
	size_t e = eol_len(r, r->pos);

	if (e && r->text[r->pos + e - 1] == '\n')
		r->line++;
	r->pos += e;
}

int
csv_next(struct csv_reader *r, unsigned column, const char **field,
	size_t *flen, size_t *line)
{
	unsigned col;
	int found = 0, ret;

	while (r->pos < r->len && eol_len(r, r->pos))
		end_record(r);
	if (line)
		*line = r->line;
	if (r->pos >= r->len)
		return CSV_END;
	for (col = 1;; col++) {
		ret = read_field(r, &r->pos, col == column, field, flen);
		if (ret != CSV_FIELD) {
			r->pos = r->len;
			return ret;
		}
		found |= col == column;
		if (r->pos >= r->len || r->text[r->pos] != ',')
			break;
		r->pos++;
	}
	end_record(r);
	return found ? CSV_FIELD : CSV_SHORT;
}

void
csv_free(struct csv_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

const char *
csv_strerror(int err)
{
	switch (err) {
	case CSV_SHORT: return "fewer fields than the column";
	case CSV_ERR_QUOTE: return "a double quote out of place or not closed";
	case CSV_ERR_NOMEM: return "out of memory";
	}
	return "unknown CSV error";
}
