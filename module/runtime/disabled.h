/*
 * module/runtime/disabled.h - the sources an operator has switched off
 * with tapir-pop-control source_disable.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A switched-off source keeps its feed running and its data current; it
 * only takes part in no decision (policy_source_set_enabled()).  The
 * names are kept in the state directory ("disabled-sources", one source
 * name a line), like the overrides: stored first, then in force, so a
 * restart or a reload finds them off again.  A name the configuration
 * no longer has stays in the file, and is off again if it comes back.
 */
#ifndef TAPIR_DISABLED_H
#define TAPIR_DISABLED_H

#include <stdint.h>

/** The state file's name in the state directory. */
#define DISABLED_FILE "disabled-sources"

struct disabled;

/**
 * Read the state file.  One that cannot be read, or has a line that is
 * no source name, is kept aside (logged, counted) and the names that
 * could be read are stored again.
 * @param state_dir: where the file lives, or NULL (switches last until
 *	a restart).
 * @return the set, or NULL when out of memory.
 */
struct disabled *disabled_load(const char *state_dir);

/** Whether the source of that name is switched off. */
int disabled_has(struct disabled *d, const char *name);

/**
 * Switch a source off (off 1) or on (0): stored first.
 * @return 0, or -1 when it could not be stored (logged; nothing
 *	changed).
 */
int disabled_set(struct disabled *d, const char *name, int off);

/** State files found unreadable at start and kept aside. */
uint64_t disabled_broken(const struct disabled *d);

/** Free the set; NULL is fine. */
void disabled_free(struct disabled *d);

#endif /* TAPIR_DISABLED_H */
