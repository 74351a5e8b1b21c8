/*
 * module/base/thread.c - the module's own threads.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/base/thread.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

void
tapir_thread_init(struct tapir_thread *t)
{
	pthread_condattr_t attr;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	/* A monotonic clock: sleeps must not jump with the wall clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &attr);
	pthread_condattr_destroy(&attr);
}

int
tapir_thread_start(struct tapir_thread *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	/* The new thread inherits the mask in force at pthread_create. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&t->tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		t->running = 1;
	return r;
}

void
tapir_thread_ask_stop(struct tapir_thread *t)
{
	pthread_mutex_lock(&t->lock);
	t->stop = 1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void
tapir_thread_stop(struct tapir_thread *t)
{
	tapir_thread_ask_stop(t);
	if (t->running) {
		pthread_join(t->tid, NULL);
		t->running = 0;
	}
}

void
tapir_thread_destroy(struct tapir_thread *t)
{
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
}

int
tapir_thread_sleep(struct tapir_thread *t, unsigned ms)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->lock);
	/* A zero sleep only looks at the flags: a timed wait on a deadline
	 * already past still enters the kernel and gives up the core. */
	while (ms && !t->stop && !t->woken) {
		if (pthread_cond_timedwait(&t->cond, &t->lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	t->woken = 0;
	stop = t->stop;
	pthread_mutex_unlock(&t->lock);
	return stop;
}

void
tapir_thread_wake(struct tapir_thread *t)
{
	pthread_mutex_lock(&t->lock);
	t->woken = 1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}
