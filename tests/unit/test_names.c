/*
 * tests/unit/test_names.c - canonical names.
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

#include "module/base/names.h"

static void
assert_canonical(const char *text, const char *expect_wire, size_t expect_len)
{
	uint8_t wire[NAME_WIRE_MAX];
	size_t len = 0;

	assert_int_equal(name_from_text(text, strlen(text), wire, &len),
		NAME_OK);
	assert_int_equal(len, expect_len);
	assert_memory_equal(wire, expect_wire, expect_len);
}

static void
test_case_and_trailing_dot(void **state)
{
	(void)state;
	/* All four spellings are one name: POP's raw strings were four. */
	assert_canonical("www.example.com.", "\3www\7example\3com", 17);
	assert_canonical("www.example.com", "\3www\7example\3com", 17);
	assert_canonical("WWW.Example.COM.", "\3www\7example\3com", 17);
	assert_canonical("Www.EXAMPLE.com", "\3www\7example\3com", 17);
	assert_canonical(".", "", 1);
}

static void
test_escapes(void **state)
{
	(void)state;
	/* \. is a dot inside a label; \065 is 'A', folded to 'a'. */
	assert_canonical("a\\.b.example", "\3a.b\7example", 13);
	assert_canonical("\\065bc.example.", "\3abc\7example", 13);
	assert_canonical("x\\\\y.", "\3x\\y", 5);
}

static void
test_errors(void **state)
{
	uint8_t wire[NAME_WIRE_MAX];
	char long_label[70], long_name[300];
	size_t len, i;

	(void)state;
	assert_int_equal(name_from_text("", 0, wire, &len), NAME_ERR_EMPTY);
	assert_int_equal(name_from_text("a..b", 4, wire, &len),
		NAME_ERR_LABEL_EMPTY);
	assert_int_equal(name_from_text(".a", 2, wire, &len),
		NAME_ERR_LABEL_EMPTY);
	assert_int_equal(name_from_text("a\\", 2, wire, &len),
		NAME_ERR_ESCAPE);
	assert_int_equal(name_from_text("a\\25", 4, wire, &len),
		NAME_ERR_ESCAPE);
	assert_int_equal(name_from_text("a\\256", 5, wire, &len),
		NAME_ERR_ESCAPE);
	memset(long_label, 'a', 64);
	assert_int_equal(name_from_text(long_label, 64, wire, &len),
		NAME_ERR_LABEL_LONG);
	assert_int_equal(name_from_text(long_label, 63, wire, &len), NAME_OK);
	assert_int_equal(len, 65);
	/* 127 labels "a." = 254 octets of text, 255 in wire: the maximum. */
	for (i = 0; i < 254; i += 2) {
		long_name[i] = 'a';
		long_name[i + 1] = '.';
	}
	assert_int_equal(name_from_text(long_name, 254, wire, &len), NAME_OK);
	assert_int_equal(len, 255);
	long_name[254] = 'a';
	assert_int_equal(name_from_text(long_name, 255, wire, &len),
		NAME_ERR_NAME_LONG);
}

static void
test_wire_and_text(void **state)
{
	uint8_t out[NAME_WIRE_MAX];
	char text[NAME_TEXT_MAX];

	(void)state;
	assert_int_equal(name_canonicalise_wire(
		(const uint8_t *)"\3WwW\7ExAmple\0", 14, out), 13);
	assert_memory_equal(out, "\3www\7example", 13);
	/* Truncated, or a compression pointer: rejected. */
	assert_int_equal(name_canonicalise_wire(
		(const uint8_t *)"\3www\7exa", 9, out), 0);
	assert_int_equal(name_canonicalise_wire(
		(const uint8_t *)"\300\014", 2, out), 0);
	assert_int_equal(name_to_text((const uint8_t *)"\3a.b\7example", text,
		sizeof(text)), 13);
	assert_string_equal(text, "a\\.b.example.");
	assert_int_equal(name_to_text((const uint8_t *)"", text,
		sizeof(text)), 1);
	assert_string_equal(text, ".");
	assert_int_equal(name_to_text((const uint8_t *)"\3a b", text,
		sizeof(text)), 7);
	assert_string_equal(text, "a\\032b.");
	assert_int_equal(name_to_text((const uint8_t *)"\7example", text,
		5), -1);
	assert_int_equal(name_label_count((const uint8_t *)"\3www\7example\3com"),
		3);
	assert_int_equal(name_label_count((const uint8_t *)""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_and_trailing_dot),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_wire_and_text),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
