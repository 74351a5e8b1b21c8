/*
 * module/runtime/flushq.c - names to remove from Unbound's caches.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/flushq.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/base/thread.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* How long the nudge thread waits for the resolver's answer before it
 * sends the nudge again; doubles up to the maximum while unanswered. */
#define NUDGE_WAIT_MS 100
#define NUDGE_WAIT_MAX_MS 2000

struct flushq {
	pthread_mutex_t lock;       /* protects names, flush_all */
	struct nameset *names;      /* NULL until something is queued */
	int flush_all;
	atomic_int pending;         /* something to drain, for readers */
	uint64_t drains;            /* under lock */
	uint64_t queued, nudges, full;
	struct tapir_thread thread;
	int fd;                     /* connected UDP socket to the resolver */
	uint8_t query[12 + NAME_WIRE_MAX + 4];
	size_t query_len;
};

static void
build_nudge(struct flushq *q, const uint8_t *nudge)
{
	size_t len = name_wire_len(nudge);
	uint8_t *p = q->query;

	memset(p, 0, 12);
	p[2] = 0x01;               /* RD: a normal recursive query */
	p[5] = 1;                  /* QDCOUNT 1 */
	memcpy(p + 12, nudge, len);
	p[12 + len + 1] = 16;      /* QTYPE TXT */
	p[12 + len + 3] = 1;       /* QCLASS IN */
	q->query_len = 12 + len + 4;
}

/* Send the nudge and wait for its answer; 1 if answered in wait_ms. */
static int
nudge_once(struct flushq *q, unsigned wait_ms)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	uint8_t reply[512];
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)rand();
	memcpy(q->query, &id, 2);
	/* Answers to earlier, timed-out nudges are stale: discard them. */
	while (recv(q->fd, reply, sizeof(reply), MSG_DONTWAIT) > 0)
		;
	if (send(q->fd, q->query, q->query_len, 0) < 0)
		return 0;
	pthread_mutex_lock(&q->lock);
	q->nudges++;
	pthread_mutex_unlock(&q->lock);
	while (poll(&pfd, 1, (int)wait_ms) > 0) {
		ssize_t n = recv(q->fd, reply, sizeof(reply), 0);
		if (n >= 2 && memcmp(reply, &id, 2) == 0)
			return 1;
		if (n < 0)
			return 0;
	}
	return 0;
}

static void *
nudge_thread(void *arg)
{
	struct flushq *q = arg;
	unsigned wait_ms = NUDGE_WAIT_MS;

	for (;;) {
		if (!atomic_load(&q->pending)) {
			wait_ms = NUDGE_WAIT_MS;
			if (tapir_thread_sleep(&q->thread, 1000))
				return NULL;
			continue;
		}
		if (nudge_once(q, wait_ms)) {
			wait_ms = NUDGE_WAIT_MS;
			continue;
		}
		/* Unanswered: the resolver is busy or reloading.  Back off,
		 * but keep trying until the queue is drained. */
		if (wait_ms < NUDGE_WAIT_MAX_MS)
			wait_ms *= 2;
		if (tapir_thread_sleep(&q->thread, 10))
			return NULL;
	}
}

struct flushq *
flushq_create(const struct sockaddr *resolver, socklen_t addrlen,
	const uint8_t *nudge)
{
	struct flushq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	tapir_thread_init(&q->thread);
	build_nudge(q, nudge);
	q->fd = socket(resolver->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, resolver, addrlen) != 0) {
		tapir_log(TAPIR_LOG_ERR, "cache flush: cannot reach the "
			"resolver's own port: %s", strerror(errno));
		goto fail;
	}
	if (tapir_thread_start(&q->thread, nudge_thread, q) != 0)
		goto fail;
	return q;
fail:
	if (q->fd >= 0)
		close(q->fd);
	tapir_thread_destroy(&q->thread);
	pthread_mutex_destroy(&q->lock);
	free(q);
	return NULL;
}

void
flushq_push(struct flushq *q, const uint8_t *name, int subtree)
{
	pthread_mutex_lock(&q->lock);
	q->queued++;
	/* Everything below the root is the whole cache; and a name we could
	 * not queue must still go: then everything goes. */
	if (!q->flush_all && ((subtree && name[0] == 0) ||
	    (!q->names && !(q->names = nameset_create())) ||
	    nameset_add(q->names, name, subtree) != 0)) {
		q->flush_all = 1;
		nameset_destroy(q->names);
		q->names = NULL;
	}
	atomic_store(&q->pending, 1);
	pthread_mutex_unlock(&q->lock);
	tapir_thread_wake(&q->thread);
}

int
flushq_pending(struct flushq *q)
{
	return atomic_load_explicit(&q->pending, memory_order_acquire);
}

void
flushq_take(struct flushq *q, struct flushq_work *work)
{
	pthread_mutex_lock(&q->lock);
	work->names = q->names;
	work->flush_all = q->flush_all;
	if (q->flush_all)
		q->full++;
	q->names = NULL;
	q->flush_all = 0;
	q->drains++;
	atomic_store(&q->pending, 0);
	pthread_mutex_unlock(&q->lock);
}

void
flushq_again(struct flushq *q)
{
	atomic_store(&q->pending, 1);
	tapir_thread_wake(&q->thread);
}

void
flushq_stats(struct flushq *q, uint64_t *queued, uint64_t *drains,
	uint64_t *nudges, uint64_t *full)
{
	pthread_mutex_lock(&q->lock);
	*queued = q->queued;
	*drains = q->drains;
	*nudges = q->nudges;
	*full = q->full;
	pthread_mutex_unlock(&q->lock);
}

void
flushq_destroy(struct flushq *q)
{
	if (!q)
		return;
	tapir_thread_stop(&q->thread);
	tapir_thread_destroy(&q->thread);
	close(q->fd);
	pthread_mutex_destroy(&q->lock);
	nameset_destroy(q->names);
	free(q);
}
