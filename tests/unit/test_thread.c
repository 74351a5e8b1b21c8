/*
 * tests/unit/test_thread.c - module threads: stop, wake, and a zero
 * sleep that only looks at the flags.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>
#include <cmocka.h>

#include "module/base/thread.h"

/* Long enough that a test only passes if the sleep ends early. */
#define LONG_SLEEP_MS 60000

static long
voluntary_switches(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_THREAD, &ru), 0);
	return ru.ru_nvcsw;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The observation feed checks for a stop request between two messages,
 * thousands of times a second: that check must not give up the core. */
static void
test_zero_sleep_does_not_block(void **state)
{
	struct tapir_thread t = { 0 };
	long before;
	int i;

	(void)state;
	tapir_thread_init(&t);
	before = voluntary_switches();
	for (i = 0; i < 10000; i++)
		assert_int_equal(tapir_thread_sleep(&t, 0), 0);
	assert_int_equal(voluntary_switches() - before, 0);
	tapir_thread_destroy(&t);
}

static void
test_zero_sleep_sees_stop_and_clears_wake(void **state)
{
	struct tapir_thread t = { 0 };

	(void)state;
	tapir_thread_init(&t);
	tapir_thread_wake(&t);
	assert_int_equal(t.woken, 1);
	assert_int_equal(tapir_thread_sleep(&t, 0), 0);
	assert_int_equal(t.woken, 0);
	/* Never started: stop only sets the flag. */
	tapir_thread_stop(&t);
	assert_int_equal(tapir_thread_sleep(&t, 0), 1);
	assert_int_equal(tapir_thread_sleep(&t, LONG_SLEEP_MS), 1);
	tapir_thread_destroy(&t);
}

struct sleeper {
	struct tapir_thread t;
	int result;
	double slept;
};

static void *
sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	double t0 = now_s();

	s->result = tapir_thread_sleep(&s->t, LONG_SLEEP_MS);
	s->slept = now_s() - t0;
	return NULL;
}

static void
test_wake_and_stop_end_a_long_sleep(void **state)
{
	struct sleeper s = { 0 };
	struct timespec pause = { 0, 20000000 };

	(void)state;
	/* A wake ends the sleep early and is not a stop. */
	tapir_thread_init(&s.t);
	assert_int_equal(tapir_thread_start(&s.t, sleeper_main, &s), 0);
	nanosleep(&pause, NULL);
	tapir_thread_wake(&s.t);
	assert_int_equal(pthread_join(s.t.tid, NULL), 0);
	s.t.running = 0;
	assert_int_equal(s.result, 0);
	assert_true(s.slept < LONG_SLEEP_MS / 1000.0 / 2);
	/* A stop ends it too, and is joined. */
	s.slept = 0;
	assert_int_equal(tapir_thread_start(&s.t, sleeper_main, &s), 0);
	nanosleep(&pause, NULL);
	tapir_thread_stop(&s.t);
	assert_int_equal(s.t.running, 0);
	assert_int_equal(s.result, 1);
	assert_true(s.slept < LONG_SLEEP_MS / 1000.0 / 2);
	tapir_thread_destroy(&s.t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_sleep_does_not_block),
		cmocka_unit_test(test_zero_sleep_sees_stop_and_clears_wake),
		cmocka_unit_test(test_wake_and_stop_end_a_long_sleep),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
