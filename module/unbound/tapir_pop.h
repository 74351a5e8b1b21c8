/*
 * module/unbound/tapir_pop.h - the six functions Unbound's dynlib module calls.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * dynlibmod looks these up by name with dlsym(); they are the only
 * symbols the module exports.  Include after Unbound's headers.
 */
#ifndef TAPIR_POP_H
#define TAPIR_POP_H

#include <stddef.h>

struct module_env;
struct module_qstate;
struct outbound_entry;
enum module_ev;

/**
 * Read the configuration, build the policy and start the feed threads.
 * Runs on Unbound's main thread after chroot and privilege drop.
 * @return 1 on success; 0 makes Unbound refuse to start (logged).
 */
int init(struct module_env *env, int id);

/**
 * Stop and join every thread and free everything: Unbound unloads the
 * library right after, on every reload and at exit.
 */
void deinit(struct module_env *env, int id);

/**
 * Judge new client queries (answer, drop, or pass on), and check the
 * CNAME chain of answers coming back from the modules below.
 */
void operate(struct module_qstate *qstate, enum module_ev event, int id,
	struct outbound_entry *outbound);

/**
 * A sub-query the module started has its answer: the target of a
 * redirect to a CNAME, kept for the query that waits for it.
 */
void inform_super(struct module_qstate *qstate, int id,
	struct module_qstate *super);

/**
 * Forget a query's per-module state.
 */
void clear(struct module_qstate *qstate, int id);

/**
 * Memory in use, reported by unbound-control stats as mem.mod.dynlibmod.
 */
size_t get_mem(struct module_env *env, int id);

#endif /* TAPIR_POP_H */
