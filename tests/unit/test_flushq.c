/*
 * tests/unit/test_flushq.c - the cache flush queue and its nudge.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A UDP socket on loopback stands in for the resolver's port: the test
 * checks that queued names make the queue's thread send the nudge query,
 * that it keeps sending until a drain happened, and that a drain hands
 * over exactly what was queued.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "module/runtime/flushq.h"

static const uint8_t nudge[] = "\4abcd\5flush\11tapir-pop";

struct fixture {
	int fd;
	struct sockaddr_in addr;
	struct flushq *q;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	socklen_t len = sizeof(f->addr);

	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&f->addr, len), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&f->addr,
		&len), 0);
	f->q = flushq_create((struct sockaddr *)&f->addr, len, nudge);
	assert_non_null(f->q);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	flushq_destroy(f->q);
	close(f->fd);
	free(f);
	return 0;
}

/* Wait for a nudge; returns its length (0 on timeout). */
static ssize_t
receive_nudge(struct fixture *f, uint8_t *buf, size_t size,
	struct sockaddr_in *from, int timeout_ms)
{
	struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
	socklen_t len = sizeof(*from);

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return recvfrom(f->fd, buf, size, 0, (struct sockaddr *)from, &len);
}

static void
test_idle_queue_sends_nothing(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in from;
	uint8_t buf[512];

	assert_int_equal(flushq_pending(f->q), 0);
	assert_int_equal(receive_nudge(f, buf, sizeof(buf), &from, 300), 0);
}

static void
test_push_nudges_until_drained(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in from;
	struct flushq_work work;
	uint8_t buf[512];
	ssize_t n;
	uint64_t queued, drains, nudges, full;

	flushq_push(f->q, (const uint8_t *)"\3bad\7example", 0);
	flushq_push(f->q, (const uint8_t *)"\4evil\7example", 1);
	assert_int_equal(flushq_pending(f->q), 1);
	n = receive_nudge(f, buf, sizeof(buf), &from, 2000);
	/* A standard query: header, the nudge name, TXT IN. */
	assert_int_equal(n, 12 + (ssize_t)sizeof(nudge) + 4);
	assert_int_equal(buf[5], 1);
	assert_memory_equal(buf + 12, nudge, sizeof(nudge));
	/* Not answered: the nudge comes again. */
	n = receive_nudge(f, buf, sizeof(buf), &from, 2000);
	assert_true(n > 0);
	/* The worker drains, then answers. */
	flushq_take(f->q, &work);
	assert_int_equal(nameset_count(work.names), 2);
	assert_int_equal(work.flush_all, 0);
	assert_true(nameset_covers(work.names,
		(const uint8_t *)"\3bad\7example", 13));
	assert_false(nameset_covers(work.names,
		(const uint8_t *)"\1x\3bad\7example", 15));
	assert_true(nameset_covers(work.names,
		(const uint8_t *)"\1x\4evil\7example", 16));
	nameset_destroy(work.names);
	assert_int_equal(flushq_pending(f->q), 0);
	buf[2] |= 0x80;
	sendto(f->fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		sizeof(from));
	/* Drained and answered: it stops sending. */
	while (receive_nudge(f, buf, sizeof(buf), &from, 300) > 0)
		;
	assert_int_equal(receive_nudge(f, buf, sizeof(buf), &from, 500), 0);
	flushq_stats(f->q, &queued, &drains, &nudges, &full);
	assert_int_equal(queued, 2);
	assert_int_equal(drains, 1);
	assert_true(nudges >= 2);
	assert_int_equal(full, 0);
}

/* The root's subtree is the whole cache; a drain that has more to do
 * asks for another nudge with nothing new queued. */
static void
test_root_and_again(void **state)
{
	struct fixture *f = *state;
	struct flushq_work work;
	struct sockaddr_in from;
	uint8_t buf[512];

	flushq_push(f->q, (const uint8_t *)"\1x\7example", 0);
	flushq_push(f->q, (const uint8_t *)"", 1);
	flushq_push(f->q, (const uint8_t *)"\1y\7example", 0);
	flushq_take(f->q, &work);
	assert_int_equal(work.flush_all, 1);
	assert_null(work.names);
	flushq_take(f->q, &work);
	assert_int_equal(work.flush_all, 0);
	assert_null(work.names);
	while (receive_nudge(f, buf, sizeof(buf), &from, 300) > 0)
		;
	flushq_again(f->q);
	assert_int_equal(flushq_pending(f->q), 1);
	assert_true(receive_nudge(f, buf, sizeof(buf), &from, 2000) > 0);
	flushq_take(f->q, &work);
	assert_null(work.names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_idle_queue_sends_nothing,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_nudges_until_drained,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_and_again, setup,
			teardown),
	};

	return cmocka_run_group_tests_name("flushq", tests, NULL, NULL);
}
