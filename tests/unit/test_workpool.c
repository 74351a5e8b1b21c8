/*
 * tests/unit/test_workpool.c - every index of a loop runs exactly once,
 * on the helpers too, and the pool is reusable and stops cleanly.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "module/base/workpool.h"

#define MAX_INDEX 256

struct loop {
	unsigned runs[MAX_INDEX];       /* each written by its index only */
	pthread_t ran_on[MAX_INDEX];
	int slow;                       /* sleep a little in each call */
};

static void
body(void *arg, size_t i)
{
	struct loop *l = arg;

	if (l->slow) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	l->runs[i]++;
	l->ran_on[i] = pthread_self();
}

static void
check_each_once(const struct loop *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(l->runs[i], 1);
	for (; i < MAX_INDEX; i++)
		assert_int_equal(l->runs[i], 0);
}

static void
test_no_helpers_runs_on_caller(void **state)
{
	struct workpool *p = workpool_create(0);
	struct loop l;
	size_t i;

	(void)state;
	assert_non_null(p);
	memset(&l, 0, sizeof(l));
	workpool_run(p, 100, body, &l);
	check_each_once(&l, 100);
	for (i = 0; i < 100; i++)
		assert_true(pthread_equal(l.ran_on[i], pthread_self()));
	workpool_destroy(p);
}

static void
test_every_index_once_many_loops(void **state)
{
	struct workpool *p = workpool_create(3);
	struct loop l;
	size_t n;
	int round;

	(void)state;
	assert_non_null(p);
	/* Loops of every size back to back, zero included: an index of
	 * one loop must never run in the next. */
	for (round = 0; round < 2000; round++) {
		n = (size_t)(round * 7919) % (MAX_INDEX + 1);
		memset(&l, 0, sizeof(l));
		workpool_run(p, n, body, &l);
		check_each_once(&l, n);
	}
	workpool_destroy(p);
}

static void
test_helpers_share_the_work(void **state)
{
	struct workpool *p = workpool_create(2);
	struct loop l;
	size_t i, elsewhere = 0;

	(void)state;
	assert_non_null(p);
	memset(&l, 0, sizeof(l));
	/* 64 calls of 1 ms: the helpers are awake long before the
	 * caller could finish alone. */
	l.slow = 1;
	workpool_run(p, 64, body, &l);
	check_each_once(&l, 64);
	for (i = 0; i < 64; i++)
		if (!pthread_equal(l.ran_on[i], pthread_self()))
			elsewhere++;
	assert_true(elsewhere > 0);
	workpool_destroy(p);
	workpool_destroy(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_helpers_runs_on_caller),
		cmocka_unit_test(test_every_index_once_many_loops),
		cmocka_unit_test(test_helpers_share_the_work),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
