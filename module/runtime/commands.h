/*
 * module/runtime/commands.h - what tapir-pop-control's commands do.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The commands run on the control thread.  They read the policy through
 * the store's own read section (with the reader slot reserved for this
 * thread) and change it only through the engine, like any feed.  What
 * only the Unbound adapter knows (query counters, cache flushes) comes in
 * through hooks, so this file needs no Unbound headers.  A dump is
 * written piece by piece as its client reads it, from a snapshot of the
 * store, so it holds neither a lock nor a read section while it waits.
 */
#ifndef TAPIR_COMMANDS_H
#define TAPIR_COMMANDS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "module/runtime/control.h"

struct counters;
struct engine;
struct dump;

/** What the adapter provides to the commands. */
struct commands_hooks {
	/** Queue name (and with subtree, everything below) for removal
	 *  from Unbound's caches. */
	void (*flush)(void *arg, const uint8_t *name, int subtree);
	/** Print the adapter's own counters (the cache flushes) as
	 *  key=value lines; with reset, count from zero afterwards if it
	 *  can. */
	void (*stats)(void *arg, FILE *out, int reset);
	/** Re-read the configuration and the sources; writes "ok" or an
	 *  error line. */
	void (*reload)(void *arg, FILE *out);
	/** Argument for the hooks. */
	void *arg;
};

/** The commands' context. */
struct commands {
	/** The running engine. */
	struct engine *engine;
	/** The workers' query counters. */
	struct counters *counters;
	/** The store reader slot of the control thread. */
	unsigned reader;
	/** The adapter's hooks. */
	struct commands_hooks hooks;
	/** When the module started, for status. */
	time_t started;
	/** Dumps in progress: a reload ends them before the store they
	 *  read goes.  Control thread only. */
	struct dump *dumps;
};

/**
 * Run one command (a control_fn): argv[0] is the command.
 */
void commands_run(void *arg, int argc, char **argv, FILE *out,
	struct control_reply *reply);

#endif /* TAPIR_COMMANDS_H */
