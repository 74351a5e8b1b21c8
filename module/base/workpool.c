/*
 * module/base/workpool.c - a few helper threads that share a loop with their
 * caller.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Indexes are handed out under one mutex: the loops this serves spend
 * tens of microseconds per index (a signature check), so the lock is
 * never the cost, and a plain counter under it keeps the handing out
 * obviously right.
 */
#include "tapir_config.h"
#include "module/base/workpool.h"
#include "module/base/thread.h"

#include <pthread.h>
#include <stdlib.h>

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t work;     /* helpers: a loop started, or stop */
	pthread_cond_t done;     /* caller: the last index finished */
	workpool_fn fn;
	void *arg;
	size_t n;                /* indexes of the running loop; 0 idle */
	size_t next;             /* the next index to hand out */
	size_t finished;         /* indexes whose call has returned */
	int stop;
	unsigned helpers;
	struct tapir_thread *threads;
};

/* Take the next index and run it; called and returns locked.  Returns 0
 * when the loop has no index left to hand out. */
static int
run_one(struct workpool *p)
{
	size_t i;

	if (p->next >= p->n)
		return 0;
	i = p->next++;
	pthread_mutex_unlock(&p->lock);
	p->fn(p->arg, i);
	pthread_mutex_lock(&p->lock);
	if (++p->finished == p->n)
		pthread_cond_signal(&p->done);
	return 1;
}

static void *
helper_main(void *arg)
{
	struct workpool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		if (!run_one(p))
			pthread_cond_wait(&p->work, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct workpool *
workpool_create(unsigned helpers)
{
	struct workpool *p = calloc(1, sizeof(*p));
	unsigned i;

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (helpers && !(p->threads = calloc(helpers, sizeof(*p->threads)))) {
		workpool_destroy(p);
		return NULL;
	}
	for (i = 0; i < helpers; i++) {
		tapir_thread_init(&p->threads[i]);
		p->helpers++;
		if (tapir_thread_start(&p->threads[i], helper_main, p) != 0) {
			workpool_destroy(p);
			return NULL;
		}
	}
	return p;
}

void
workpool_run(struct workpool *p, size_t n, workpool_fn fn, void *arg)
{
	if (!n)
		return;
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	p->next = 0;
	p->finished = 0;
	if (p->helpers)
		pthread_cond_broadcast(&p->work);
	while (run_one(p))
		;
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->lock);
	/* Idle again: a helper that wakes late finds nothing to take. */
	p->n = p->next = 0;
	pthread_mutex_unlock(&p->lock);
}

void
workpool_destroy(struct workpool *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->helpers; i++) {
		tapir_thread_stop(&p->threads[i]);
		tapir_thread_destroy(&p->threads[i]);
	}
	free(p->threads);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
