/*
 * tests/unit/test_epoch.c - epoch-based reclamation: a writer waits for
 * exactly the readers that may hold what it unlinked.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <cmocka.h>

#include "module/policy/epoch.h"

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct syncer {
	struct epoch *e;
	atomic_int done;
};

static void *
synchronize_thread(void *arg)
{
	struct syncer *y = arg;

	epoch_synchronize(y->e);
	atomic_store(&y->done, 1);
	return NULL;
}

/* Slots are cache-line sized and aligned: readers never share a line. */
static void
test_layout(void **state)
{
	struct epoch e;

	(void)state;
	assert_int_equal(sizeof(struct epoch_slot), 64);
	assert_int_equal(epoch_init(&e, 3), 0);
	assert_int_equal((uintptr_t)e.slots % 64, 0);
	epoch_destroy(&e);
}

/* No reader inside: a grace period ends at once, again and again. */
static void
test_no_readers(void **state)
{
	struct epoch e;
	int i;

	(void)state;
	assert_int_equal(epoch_init(&e, 4), 0);
	for (i = 0; i < 1000; i++)
		epoch_synchronize(&e);
	epoch_enter(&e, 2);
	epoch_leave(&e, 2);
	epoch_synchronize(&e);
	epoch_destroy(&e);
}

/* A reader inside since before the grace period holds the writer back
 * until it leaves; one that entered after the period began does not. */
static void
test_waits_for_old_readers(void **state)
{
	struct epoch e;
	struct syncer y;
	pthread_t tid;
	uint64_t before;

	(void)state;
	assert_int_equal(epoch_init(&e, 2), 0);
	epoch_enter(&e, 0);
	before = atomic_load(&e.global);
	y.e = &e;
	atomic_init(&y.done, 0);
	assert_int_equal(pthread_create(&tid, NULL, synchronize_thread, &y),
		0);
	while (atomic_load(&e.global) == before)
		sleep_ms(1);
	/* A new reader sees the advanced epoch: not waited for. */
	epoch_enter(&e, 1);
	sleep_ms(50);
	assert_int_equal(atomic_load(&y.done), 0);
	epoch_leave(&e, 0);
	pthread_join(tid, NULL);
	assert_int_equal(atomic_load(&y.done), 1);
	epoch_leave(&e, 1);
	epoch_destroy(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_no_readers),
		cmocka_unit_test(test_waits_for_old_readers),
	};

	return cmocka_run_group_tests_name("epoch", tests, NULL, NULL);
}
