/*
 * tests/unit/test_tags.c - the tag vocabulary and tag set parsing.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/tapir/tags.h"

static uint32_t
mask_of(const struct tags_table *t, const char *text)
{
	uint32_t mask = 0xdeadbeef;
	char err[128] = "";

	assert_int_equal(tags_parse(t, text, &mask, err, sizeof(err)),
		TAGS_OK);
	assert_string_equal(err, "");
	return mask;
}

static void
test_defaults(void **state)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "globally_new", 0 }, { "newname", 0 }, { "highvolume", 1 },
		{ "newly_registered", 2 }, { "badip", 2 },
		{ "registry_investigation", 3 }, { "cdntracker", 3 },
		{ "likelymalware", 4 }, { "likelybotnetcc", 5 },
		{ "looptest", 10 }, { "frotz", 10 }
	};
	struct tags_table t;
	unsigned bit;
	size_t i;

	(void)state;
	tags_table_init(&t);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bit = 99;
		assert_int_equal(tags_lookup(&t, names[i].name,
			strlen(names[i].name), &bit), TAGS_OK);
		assert_int_equal(bit, names[i].bit);
	}
	/* Core's names are the main ones; POP's the only ones where Core
	 * has none. */
	assert_string_equal(tags_bit_name(&t, 0), "globally_new");
	assert_string_equal(tags_bit_name(&t, 1), "highvolume");
	assert_string_equal(tags_bit_name(&t, 2), "newly_registered");
	assert_string_equal(tags_bit_name(&t, 3), "registry_investigation");
	assert_string_equal(tags_bit_name(&t, 10), "looptest");
	assert_null(tags_bit_name(&t, 6));
	assert_null(tags_bit_name(&t, 31));
	assert_int_equal(tags_lookup(&t, "LoopTest", 8, &bit), TAGS_OK);
	assert_int_equal(bit, 10);
	/* Exactly len bytes: a prefix is not the name. */
	assert_int_equal(tags_lookup(&t, "loop", 4, &bit), TAGS_ERR_UNKNOWN);
	assert_int_equal(tags_lookup(&t, "looptestx", 9, &bit),
		TAGS_ERR_UNKNOWN);
	assert_int_equal(tags_lookup(&t, "looptestx", 8, &bit), TAGS_OK);
}

static void
test_parse(void **state)
{
	struct tags_table t;
	uint32_t mask = 7;
	char err[128];

	(void)state;
	tags_table_init(&t);
	assert_int_equal(mask_of(&t, "newly_registered registry_investigation "
		"5"), 4 | 8 | 32);
	assert_int_equal(mask_of(&t, "newly_registered,registry_investigation,"
		"5"), 4 | 8 | 32);
	assert_int_equal(mask_of(&t, "  Badip ,\tCDNTRACKER,, 31 0 "),
		4 | 8 | 0x80000000u | 1);
	assert_int_equal(mask_of(&t, "looptest frotz 10"), 1024);
	assert_int_equal(mask_of(&t, "007"), 128);

	assert_int_equal(tags_parse(&t, "newly_registered nosuchtag 5", &mask,
		err, sizeof(err)), TAGS_ERR_UNKNOWN);
	assert_string_equal(err, "unknown tag \"nosuchtag\"");
	assert_int_equal(tags_parse(&t, "32", &mask, err, sizeof(err)),
		TAGS_ERR_BIT);
	assert_string_equal(err, "tag bit 32 is not between 0 and 31");
	assert_int_equal(tags_parse(&t, "99999999999999999999999", &mask, err,
		sizeof(err)), TAGS_ERR_BIT);
	assert_int_equal(tags_parse(&t, "-1", &mask, err, sizeof(err)),
		TAGS_ERR_UNKNOWN);
	assert_int_equal(tags_parse(&t, "5x", &mask, err, sizeof(err)),
		TAGS_ERR_UNKNOWN);
	assert_int_equal(tags_parse(&t, "", &mask, err, sizeof(err)),
		TAGS_ERR_EMPTY);
	assert_int_equal(tags_parse(&t, " , ", &mask, NULL, 0),
		TAGS_ERR_EMPTY);
	assert_string_not_equal(tags_strerror(TAGS_ERR_EMPTY),
		tags_strerror(TAGS_ERR_UNKNOWN));
}

static void
test_configure(void **state)
{
	struct tags_table t;
	unsigned bit;
	size_t i;
	char name[16];

	(void)state;
	tags_table_init(&t);
	/* A new name for an unnamed bit. */
	assert_int_equal(tags_table_add(&t, 6, "Phishing"), TAGS_OK);
	assert_string_equal(tags_bit_name(&t, 6), "phishing");
	assert_int_equal(mask_of(&t, "phishing PHISHING"), 64);
	/* A new main name for a named bit keeps the old as an alias. */
	assert_int_equal(tags_table_add(&t, 1, "volume-spike"), TAGS_OK);
	assert_string_equal(tags_bit_name(&t, 1), "volume-spike");
	assert_int_equal(mask_of(&t, "highvolume volume-spike"), 2);
	/* Moving a name to another bit: Core redefined it. */
	assert_int_equal(tags_table_add(&t, 7, "newly_registered"), TAGS_OK);
	assert_int_equal(tags_lookup(&t, "newly_registered", 16, &bit),
		TAGS_OK);
	assert_int_equal(bit, 7);
	assert_string_equal(tags_bit_name(&t, 2), "badip");
	assert_string_equal(tags_bit_name(&t, 7), "newly_registered");
	/* Re-adding an alias makes it main again. */
	assert_int_equal(tags_table_add(&t, 1, "highvolume"), TAGS_OK);
	assert_string_equal(tags_bit_name(&t, 1), "highvolume");

	assert_int_equal(tags_table_add(&t, 32, "x"), TAGS_ERR_BIT);
	assert_int_equal(tags_table_add(&t, 1, ""), TAGS_ERR_NAME);
	assert_int_equal(tags_table_add(&t, 1, "5"), TAGS_ERR_NAME);
	assert_int_equal(tags_table_add(&t, 1, "_x"), TAGS_ERR_NAME);
	assert_int_equal(tags_table_add(&t, 1, "a b"), TAGS_ERR_NAME);
	assert_int_equal(tags_table_add(&t, 1, "a,b"), TAGS_ERR_NAME);
	assert_int_equal(tags_table_add(&t, 1,
		"abcdefghijklmnopqrstuvwxyz012345"), TAGS_ERR_NAME);
	assert_int_equal(tags_table_add(&t, 1,
		"abcdefghijklmnopqrstuvwxyz01234"), TAGS_OK);
	/* Full: new names are refused, existing ones can still move. */
	for (i = t.count; i < TAGS_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		assert_int_equal(tags_table_add(&t, 9, name), TAGS_OK);
	}
	assert_int_equal(tags_table_add(&t, 9, "onemore"), TAGS_ERR_FULL);
	assert_int_equal(tags_table_add(&t, 8, "looptest"), TAGS_OK);
	assert_int_equal(mask_of(&t, "looptest"), 256);
}

static void
test_format(void **state)
{
	struct tags_table t;
	char buf[TAGS_BITS * TAGS_NAME_MAX];
	uint32_t back;

	(void)state;
	tags_table_init(&t);
	assert_int_equal(tags_format(&t, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(tags_format(&t, 13, buf, sizeof(buf)),
		(int)strlen("globally_new newly_registered "
		"registry_investigation"));
	assert_string_equal(buf, "globally_new newly_registered "
		"registry_investigation");
	assert_true(tags_format(&t, 0xffffffffu, buf, sizeof(buf)) > 0);
	back = 0;
	assert_int_equal(tags_parse(&t, buf, &back, NULL, 0), TAGS_OK);
	assert_int_equal(back, 0xffffffffu);
	assert_int_equal(tags_format(&t, (1u << 6) | (1u << 31), buf,
		sizeof(buf)), 4);
	assert_string_equal(buf, "6 31");
	assert_int_equal(tags_format(&t, 1024, buf, 9), 8);
	assert_int_equal(tags_format(&t, 1024, buf, 8), -1);
	assert_int_equal(tags_format(&t, 1024, buf, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_configure),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("tags", tests, NULL, NULL);
}
