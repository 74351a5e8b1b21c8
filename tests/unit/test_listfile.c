/*
 * tests/unit/test_listfile.c - list file lines.
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

#include "feeds/file/listfile.h"
#include "module/base/names.h"

static int
parse(const char *line, enum listfile_format fmt, unsigned column,
	uint8_t *wire, size_t *len, int *subtree, const char **why)
{
	return listfile_line(line, strlen(line), fmt, column, wire, len,
		subtree, why);
}

static void
test_text(void **state)
{
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;
	int subtree = -1;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse("", LISTFILE_TEXT, 0, wire, &len, &subtree,
		&why), LISTFILE_SKIP);
	assert_int_equal(parse("   \t ", LISTFILE_TEXT, 0, wire, &len,
		&subtree, &why), LISTFILE_SKIP);
	assert_int_equal(parse("# a comment", LISTFILE_TEXT, 0, wire, &len,
		&subtree, &why), LISTFILE_SKIP);
	assert_int_equal(parse("  Bad.Example  # trailing comment\r",
		LISTFILE_TEXT, 0, wire, &len, &subtree, &why), LISTFILE_NAME);
	assert_int_equal(len, 13);
	assert_memory_equal(wire, "\3bad\7example", 13);
	assert_int_equal(subtree, 0);
	assert_int_equal(parse("*.evil.example.", LISTFILE_TEXT, 0, wire,
		&len, &subtree, &why), LISTFILE_NAME);
	assert_int_equal(subtree, 1);
	assert_memory_equal(wire, "\4evil\7example", 14);
	assert_int_equal(parse("0.0.0.0 ads.example", LISTFILE_TEXT, 0, wire,
		&len, &subtree, &why), LISTFILE_BAD);
	assert_string_equal(why, "more than one word on the line");
	assert_int_equal(parse("a..b", LISTFILE_TEXT, 0, wire, &len,
		&subtree, &why), LISTFILE_BAD);
	assert_string_equal(why, "empty label");
	assert_int_equal(parse(".", LISTFILE_TEXT, 0, wire, &len, &subtree,
		&why), LISTFILE_BAD);
}

static void
test_csv(void **state)
{
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;
	int subtree;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse("1,\"Shop.Example\",x", LISTFILE_CSV, 2, wire,
		&len, &subtree, &why), LISTFILE_NAME);
	assert_memory_equal(wire, "\4shop\7example", 14);
	assert_int_equal(parse("1, web.example ", LISTFILE_CSV, 2, wire,
		&len, &subtree, &why), LISTFILE_NAME);
	assert_memory_equal(wire, "\3web\7example", 13);
	assert_int_equal(parse("only-one-column", LISTFILE_CSV, 2, wire,
		&len, &subtree, &why), LISTFILE_BAD);
	assert_string_equal(why, "line has fewer columns than configured");
	assert_int_equal(parse("1,,3", LISTFILE_CSV, 2, wire, &len, &subtree,
		&why), LISTFILE_BAD);
	assert_string_equal(why, "empty name column");
	assert_int_equal(parse("a.example,2", LISTFILE_CSV, 1, wire, &len,
		&subtree, &why), LISTFILE_NAME);
	/* RFC 4180 quoting: a comma inside quotes is no separator, a
	 * doubled quote is one, blanks around the quotes go. */
	assert_int_equal(parse("1,\"a,b\",c.example", LISTFILE_CSV, 3, wire,
		&len, &subtree, &why), LISTFILE_NAME);
	assert_memory_equal(wire, "\1c\7example", 11);
	assert_int_equal(parse("1, \"q\"\"x.example\" ", LISTFILE_CSV, 2,
		wire, &len, &subtree, &why), LISTFILE_NAME);
	assert_memory_equal(wire, "\3q\"x\7example", 13);
	/* A quoted field not closed on its line is a bad line. */
	assert_int_equal(parse("1,\"open.example", LISTFILE_CSV, 2, wire,
		&len, &subtree, &why), LISTFILE_BAD);
	assert_string_equal(why, "a double quote out of place or not closed");
	assert_int_equal(parse("1,a\"b.example", LISTFILE_CSV, 2, wire,
		&len, &subtree, &why), LISTFILE_BAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests_name("listfile", tests, NULL, NULL);
}
