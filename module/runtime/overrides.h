/*
 * module/runtime/overrides.h - runtime overrides: names an operator allows
 * or denies by hand with tapir-pop-control.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#ifndef TAPIR_OVERRIDES_H
#define TAPIR_OVERRIDES_H

#include <stdint.h>
#include <stdio.h>

#include "module/policy/policy.h"

/** Names of the built-in sources that hold the overrides. */
#define OVERRIDES_ALLOW "override-allow"
#define OVERRIDES_DENY "override-deny"

struct overrides;

/**
 * Add the two override sources to the store, load the state file and
 * publish what it holds.  A file that cannot be read, or has a line the
 * module does not write, is kept aside (logged, counted) and the lines
 * that could be read are stored again.
 * @param state_dir: where the file lives, or NULL (overrides last until
 *	a restart).
 * @param changed: told about names an override may have blocked.
 * @return the overrides, or NULL with the reason in err.
 */
struct overrides *overrides_create(struct policy_store *store,
	const char *state_dir, policy_changed_fn changed, void *changed_arg,
	char *err, size_t errlen);

/**
 * Add or replace an override: stored first, then in force.
 * @param allow: 1 for an allow override, 0 for deny.
 * @param name: canonical wire name.
 * @param action: for deny, the action (POLICY_ACTION_NONE: the denylist
 *	action).
 * @return 0, or -1 when it could not be stored (logged; nothing changed).
 */
int overrides_set(struct overrides *o, int allow, const uint8_t *name,
	enum policy_action action);

/**
 * Remove the override of a name, of either kind.
 * @return 1 if one was removed, 0 if there was none, -1 when the change
 *	could not be stored (nothing changed).
 */
int overrides_remove(struct overrides *o, const uint8_t *name);

/**
 * Write the overrides in force, one "allow NAME" or "deny NAME ACTION"
 * line each (the format of the state file).
 */
void overrides_list(struct overrides *o, FILE *out);

/** The store id of the allow (1) or deny (0) override source. */
uint16_t overrides_source(const struct overrides *o, int allow);

/** State files found unreadable at start and kept aside. */
uint64_t overrides_broken(const struct overrides *o);

/** Free them; the store keeps their sources. */
void overrides_destroy(struct overrides *o);

#endif /* TAPIR_OVERRIDES_H */
