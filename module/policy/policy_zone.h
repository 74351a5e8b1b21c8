/*
 * module/policy/policy_zone.h - the merged policy as a Response Policy
 * Zone's owners and records.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * What tapir-pop-control dump writes and what an output serves by zone
 * transfer are one zone: an owner for every name a source lists (its
 * exact entry "x", its subtree entry "*.x", and "*.x" too for every entry
 * of a match-subdomains source), each with the records of the decision
 * the module makes for it (for "*.x", the decision for a name below x):
 *
 *   nxdomain  CNAME .            nodata    CNAME *.
 *   passthru  CNAME rpz-passthru. drop     CNAME rpz-drop.
 *   tcp-only  CNAME rpz-tcp-only. redirect the local data (CNAME, A, AAAA)
 *
 * An owner whose decision is none (a doubtlist name no rule fires for)
 * has no records.  Allowlisted names are passthru owners: a resolver
 * that stacks this zone before others is not blocked by them either.
 */
#ifndef TAPIR_POLICY_ZONE_H
#define TAPIR_POLICY_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "module/policy/policy.h"

/** A walk over the owners of a snapshot, each owner once.  Sources are
 *  walked in turn; an owner is yielded by the first source that lists
 *  it, so nothing is collected or sorted.  Zeroed, then
 *  policy_zone_walk_init(). */
struct policy_zone_walk {
	/** The store the snapshot is of. */
	struct policy_store *store;
	/** The snapshot. */
	const struct policy_snapshot *snap;
	/** Entries expired by then are not listed. */
	int64_t now;
	/** Sources whose owners are listed, one bit per id. */
	uint64_t sources;
	/** Number of sources of the store. */
	unsigned num_sources;
	/** The source being walked. */
	uint16_t source;
	/** Where in it. */
	struct policy_snapshot_pos pos;
	/** An exact entry of a match-subdomains source just yielded, whose
	 *  "*." owner comes next. */
	const uint8_t *implied;
};

/**
 * Start a walk of the owners the sources in mask list (bit i: source i).
 */
void policy_zone_walk_init(struct policy_zone_walk *w,
	struct policy_store *store, const struct policy_snapshot *snap,
	int64_t now, uint64_t sources);

/**
 * The next owner: its name (canonical wire, relative to the root; valid
 * while the snapshot is held) and whether it is the "*." owner.
 * @return 1 with an owner, 0 at the end.
 */
int policy_zone_walk_next(struct policy_zone_walk *w, const uint8_t **name,
	int *subtree);

/**
 * Whether a source in mask lists the owner (its entry of that kind, or
 * for a "*." owner an exact entry of a match-subdomains source).
 */
int policy_zone_listed(struct policy_store *store,
	const struct policy_snapshot *snap, const uint8_t *name, int subtree,
	int64_t now, uint64_t sources);

/**
 * The decision for an owner: for name itself, or for a name just below
 * it when subtree.  Inside a read section (the local data of a redirect
 * points into the store until it ends).
 * @return out->action; NONE too when "*." and the name do not fit.
 */
enum policy_action policy_zone_decide(struct policy_store *store,
	const uint8_t *name, int subtree, int64_t now,
	struct policy_decision *out);

/** Called for each record of an owner: its type and rdata (a CNAME
 *  target in wire format). */
typedef void (*policy_zone_rr_fn)(void *arg, uint16_t type,
	const uint8_t *rdata, uint16_t rdlen);

/**
 * The records of a decision, each passed to fn.
 * @param action: the decision's action.
 * @param data: a redirect's own local data (module/policy/localdata.h),
 *	or NULL to use dflt.
 * @param data_len: its length.
 * @param dflt: the configured redirect's local data.
 * @param dflt_len: its length.
 * @return the number of records.
 */
unsigned policy_zone_records(enum policy_action action, const uint8_t *data,
	uint16_t data_len, const uint8_t *dflt, uint16_t dflt_len,
	policy_zone_rr_fn fn, void *arg);

#endif /* TAPIR_POLICY_ZONE_H */
