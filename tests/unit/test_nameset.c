/*
 * tests/unit/test_nameset.c - the set of names a cache flush looks for.
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

#include "module/base/nameset.h"
#include "module/base/names.h"

/* A canonical wire name from text, in a static buffer per call site. */
static size_t
wire(const char *text, uint8_t *out)
{
	size_t len;

	assert_int_equal(name_from_text(text, strlen(text), out, &len),
		NAME_OK);
	return len;
}

static int
covers(const struct nameset *s, const char *text)
{
	uint8_t w[NAME_WIRE_MAX];
	size_t len = wire(text, w);

	return nameset_covers(s, w, len);
}

static void
add(struct nameset *s, const char *text, int subtree)
{
	uint8_t w[NAME_WIRE_MAX];

	wire(text, w);
	assert_int_equal(nameset_add(s, w, subtree), 0);
}

static void
test_exact_and_subtree(void **state)
{
	struct nameset *s = nameset_create();

	(void)state;
	assert_false(covers(s, "example"));
	add(s, "bad.example", 0);
	add(s, "evil.example", 1);
	assert_true(covers(s, "bad.example"));
	assert_false(covers(s, "x.bad.example"));
	assert_false(covers(s, "example"));
	assert_true(covers(s, "evil.example"));
	assert_true(covers(s, "x.evil.example"));
	assert_true(covers(s, "a.b.c.evil.example"));
	assert_false(covers(s, "notevil.example"));
	assert_false(covers(s, "evil.example.org"));
	/* A second add of a name widens it to its subtree, once. */
	add(s, "bad.example", 1);
	add(s, "bad.example", 0);
	assert_int_equal(nameset_count(s), 2);
	assert_true(covers(s, "x.bad.example"));
	nameset_destroy(s);
}

static void
count_one(void *arg, const uint8_t *name, int subtree)
{
	size_t *n = arg;

	(void)name;
	n[subtree ? 1 : 0]++;
}

/* Many names: the table grows, every name stays found, nothing else is. */
static void
test_grow_merge_foreach(void **state)
{
	struct nameset *a = nameset_create(), *b = nameset_create();
	char text[64];
	size_t n[2] = { 0, 0 };
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		snprintf(text, sizeof(text), "n%d.example", i);
		add(i % 2 ? a : b, text, i % 10 == 0);
	}
	assert_int_equal(nameset_merge(a, b), 0);
	assert_int_equal(nameset_count(a), 20000);
	for (i = 0; i < 20000; i += 7) {
		snprintf(text, sizeof(text), "n%d.example", i);
		assert_true(covers(a, text));
		snprintf(text, sizeof(text), "x.n%d.example", i);
		assert_int_equal(covers(a, text), i % 10 == 0);
	}
	assert_false(covers(a, "n20000.example"));
	nameset_foreach(a, count_one, n);
	assert_int_equal(n[0] + n[1], 20000);
	assert_int_equal(n[1], 2000);
	nameset_destroy(a);
	nameset_destroy(b);
}

static void
test_root(void **state)
{
	struct nameset *s = nameset_create();

	(void)state;
	add(s, ".", 1);
	assert_true(covers(s, "anything.example"));
	assert_true(covers(s, "."));
	nameset_destroy(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_subtree),
		cmocka_unit_test(test_grow_merge_foreach),
		cmocka_unit_test(test_root),
	};

	return cmocka_run_group_tests_name("nameset", tests, NULL, NULL);
}
