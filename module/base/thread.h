/*
 * module/base/thread.h - the module's own threads.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Unbound runs its own signal handling; a signal delivered to one of our
 * threads would bypass it.  So every thread the module starts blocks all
 * signals, and is stopped and joined in deinit: Unbound unmaps the
 * library right after deinit on every reload.  Threads that a library
 * starts for us (libcurl's resolver) inherit that mask from the module
 * thread that calls it.
 *
 * A library's process-wide state (libcurl's, paho's) is set up once per
 * load of the module, with pthread_once() on a static pthread_once_t
 * beside the function it runs: right whichever thread first needs it
 * (Unbound's at start-up, the control thread's on a reload, a test's),
 * with no flag to get wrong.  It is never cleaned up: others in the
 * process (Unbound itself, for OpenSSL) may share it.  OpenSSL needs no
 * call: since 1.1.0 it initialises itself, once, on first use.
 */
#ifndef TAPIR_THREAD_H
#define TAPIR_THREAD_H

#include <pthread.h>
#include <stdint.h>

/** A stoppable worker thread with a wake-up for prompt shutdown. */
struct tapir_thread {
	/** The thread. */
	pthread_t tid;
	/** Protects stop and guards the condition. */
	pthread_mutex_t lock;
	/** Signalled by tapir_thread_stop() and tapir_thread_wake(). */
	pthread_cond_t cond;
	/** Set when the thread must finish. */
	int stop;
	/** Set by tapir_thread_wake(), cleared by tapir_thread_sleep(). */
	int woken;
	/** Whether tid is a started thread that needs joining. */
	int running;
};

/**
 * Start fn(arg) on a new thread with every signal blocked.
 * @return 0 or an errno value.
 */
int tapir_thread_start(struct tapir_thread *t, void *(*fn)(void *),
	void *arg);

/**
 * Ask the thread to stop, wake it and join it.  Safe on a thread that was
 * never started (a zeroed struct after tapir_thread_init()).
 */
void tapir_thread_stop(struct tapir_thread *t);

/**
 * Set the stop flag and wake the thread from tapir_thread_sleep(), without
 * waiting for it; for a thread that also waits on something else, which
 * the caller then wakes before tapir_thread_stop() joins it.
 */
void tapir_thread_ask_stop(struct tapir_thread *t);

/**
 * Prepare t (mutex and condition); call before start.
 */
void tapir_thread_init(struct tapir_thread *t);

/**
 * Release what tapir_thread_init() set up; after tapir_thread_stop().
 */
void tapir_thread_destroy(struct tapir_thread *t);

/**
 * Sleep up to ms milliseconds, returning early on stop or wake.
 * @return 1 if the thread must stop, else 0.
 */
int tapir_thread_sleep(struct tapir_thread *t, unsigned ms);

/**
 * Wake the thread from tapir_thread_sleep() early (e.g. a reload request).
 */
void tapir_thread_wake(struct tapir_thread *t);

#endif /* TAPIR_THREAD_H */
