/*
 * tests/unit/test_csv.c - the CSV reader: RFC 4180 as Go reads it, and
 * the list file feed's trimming.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "module/base/csv.h"

/* The next record's field in column, as a NUL-terminated copy. */
static int
next(struct csv_reader *r, unsigned column, char *out, size_t size,
	size_t *line)
{
	const char *f;
	size_t n;
	int got = csv_next(r, column, &f, &n, line);

	out[0] = 0;
	if (got == CSV_FIELD) {
		assert_true(n < size);
		memcpy(out, f, n);
		out[n] = 0;
	}
	return got;
}

/* Quoted fields hold commas, doubled quotes and newlines; lines are
 * counted through them; empty lines and "\r\n" ends as Go has them. */
static void
test_quoting(void **state)
{
	static const char text[] = "h1,h2,h3\r\n1,\"a,b\",x\n\n"
		"2,\"q\"\"x\",\"multi\nline\"\n3,plain,\"\"\r\n4,last\r";
	struct csv_reader r;
	char f[64];
	size_t line;

	(void)state;
	csv_init(&r, text, sizeof(text) - 1, 0);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_FIELD);
	assert_string_equal(f, "h2");
	assert_int_equal(line, 1);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_FIELD);
	assert_string_equal(f, "a,b");
	assert_int_equal(line, 2);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_FIELD);
	assert_string_equal(f, "q\"x");
	assert_int_equal(line, 4);
	assert_int_equal(next(&r, 3, f, sizeof(f), &line), CSV_FIELD);
	assert_string_equal(f, "");
	assert_int_equal(line, 6);
	/* A "\r" that ends the text ends the record. */
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_FIELD);
	assert_string_equal(f, "last");
	assert_int_equal(line, 7);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_END);
	csv_free(&r);

	/* The third record's quoted newline, read from column 3. */
	csv_init(&r, text, sizeof(text) - 1, 0);
	next(&r, 3, f, sizeof(f), NULL);
	next(&r, 3, f, sizeof(f), NULL);
	assert_int_equal(next(&r, 3, f, sizeof(f), NULL), CSV_FIELD);
	assert_string_equal(f, "multi\nline");
	csv_free(&r);
}

/* Fewer fields than the column, and every misplaced quote. */
static void
test_errors(void **state)
{
	static const char *const bad[] = {
		"1,a\"b\n",        /* a quote inside an unquoted field */
		"1,\"ab\n",        /* never closed */
		"1,\"a\"b\n",      /* text after the closing quote */
		"1,\"a\" ,b\n",    /* a blank after it, when not trimming */
		" \"a\",b\n",      /* a blank before it, when not trimming */
	};
	struct csv_reader r;
	char f[64];
	size_t i, line;

	(void)state;
	csv_init(&r, "a,b\n1\n", 6, 0);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_FIELD);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_SHORT);
	assert_int_equal(line, 2);
	assert_int_equal(next(&r, 2, f, sizeof(f), &line), CSV_END);
	csv_free(&r);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		csv_init(&r, bad[i], strlen(bad[i]), 0);
		assert_int_equal(next(&r, 1, f, sizeof(f), &line),
			CSV_ERR_QUOTE);
		/* The reader goes no further. */
		assert_int_equal(next(&r, 1, f, sizeof(f), &line), CSV_END);
		csv_free(&r);
	}
	assert_string_equal(csv_strerror(CSV_ERR_QUOTE),
		"a double quote out of place or not closed");
}

/* Trimming drops blanks around fields, outside the quotes only. */
static void
test_trim(void **state)
{
	static const char text[] = " 1 ,\t\"a b\" , c \n";
	struct csv_reader r;
	char f[64];

	(void)state;
	csv_init(&r, text, sizeof(text) - 1, 1);
	assert_int_equal(next(&r, 2, f, sizeof(f), NULL), CSV_FIELD);
	assert_string_equal(f, "a b");
	csv_free(&r);
	csv_init(&r, text, sizeof(text) - 1, 1);
	assert_int_equal(next(&r, 3, f, sizeof(f), NULL), CSV_FIELD);
	assert_string_equal(f, "c");
	csv_free(&r);
	csv_init(&r, text, sizeof(text) - 1, 0);
	assert_int_equal(next(&r, 1, f, sizeof(f), NULL), CSV_ERR_QUOTE);
	csv_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
