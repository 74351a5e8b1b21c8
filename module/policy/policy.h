/*
 * module/policy/policy.h - the merged policy store.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The store holds every source's names and decides for a name at query
 * time, as DNS TAPIR's POP decides (ARCHITECTURE.md §8): the allowlist is
 * absolute, then the denylist, then the doubtlist rules, of which the
 * most restrictive action that fires wins.  Readers (Unbound's workers)
 * take no lock; feeds change a source with batches that are published
 * whole.  The store does no I/O.
 */
#ifndef TAPIR_POLICY_H
#define TAPIR_POLICY_H

#include <stddef.h>
#include <stdint.h>

/** The list class a source feeds. */
enum policy_list {
	POLICY_LIST_ALLOW, /**< allowlist: never blocked */
	POLICY_LIST_DENY,  /**< denylist: blocked */
	POLICY_LIST_DOUBT  /**< doubtlist: blocked when a rule fires */
};

/** Actions.  The numeric order is restrictiveness: higher wins. */
enum policy_action {
	/** No decision (resolve normally); as a per-record action: use the
	 *  list class's action. */
	POLICY_ACTION_NONE = 0,
	/** The action of a doubtlist rule on trial: the rule fires, is
	 *  logged and counted, and the answer is left alone.  A decision
	 *  has it only in its monitor_* fields, never as its action. */
	POLICY_ACTION_MONITOR,
	POLICY_ACTION_PASSTHRU, /**< resolve normally */
	POLICY_ACTION_TCP_ONLY, /**< truncate over UDP */
	POLICY_ACTION_REDIRECT, /**< answer with local data */
	POLICY_ACTION_NODATA,   /**< NOERROR, no answer */
	POLICY_ACTION_NXDOMAIN, /**< NXDOMAIN */
	POLICY_ACTION_DROP      /**< no answer at all */
};

/** Number of actions, for tables indexed by action. */
#define POLICY_ACTIONS (POLICY_ACTION_DROP + 1)

/** The rule that decided. */
enum policy_rule {
	POLICY_RULE_NONE,       /**< nothing matched, or no rule fired */
	POLICY_RULE_ALLOW,      /**< an allowlist source matched */
	POLICY_RULE_DENY,       /**< a denylist source matched */
	POLICY_RULE_NUMSOURCES, /**< in at least N doubtlist sources */
	POLICY_RULE_NUMTAGS,    /**< at least M tags on the tag source */
	POLICY_RULE_TAGS,       /**< a configured tag on the tag source */
	POLICY_RULE_PASSTHRU    /**< an rpz-passthru record exempted the
				 *   name and no other source decided */
};

/** Number of rules, for tables indexed by rule. */
#define POLICY_RULES (POLICY_RULE_PASSTHRU + 1)

/** Name of an action as the config writes it ("nxdomain", "tcp-only"). */
const char *policy_action_name(enum policy_action a);
/** Parse an action name; 0 on success, -1 if unknown. */
int policy_action_from_name(const char *s, enum policy_action *out);
/** Name of a list class ("allowlist" ...). */
const char *policy_list_name(enum policy_list l);
/** Parse a list class name (also POP's older white/black/greylist). */
int policy_list_from_name(const char *s, enum policy_list *out);
/** Name of a rule ("denylist", "numsources" ...). */
const char *policy_rule_name(enum policy_rule r);

/** The decision rules, from the config's policy: clause. */
struct policy_rules {
	/** Action for allowlisted names (normally passthru). */
	enum policy_action allow_action;
	/** Action for denylisted names without a per-record action. */
	enum policy_action deny_action;
	/** numsources threshold N (0: rule off) and its action. */
	unsigned numsources;
	/** Action of the numsources rule. */
	enum policy_action numsources_action;
	/** numtags threshold M (0: rule off). */
	unsigned numtags;
	/** Action of the numtags rule. */
	enum policy_action numtags_action;
	/** Tag mask of the tags rule (0: rule off). */
	uint32_t tags;
	/** Action of the tags rule. */
	enum policy_action tags_action;
	/** Name of the tag-bearing doubtlist source; "" for none. */
	char tag_source[64];
};

/** Defaults: allow passthru, deny nxdomain, doubt rules off, "dns-tapir". */
void policy_rules_default(struct policy_rules *r);

/** Source flag: every listed name also covers the names below it. */
#define POLICY_SOURCE_SUBDOMAINS 0x1
/** Source flag: ignore per-record actions, use the list class action. */
#define POLICY_SOURCE_ACTION_OVERRIDE 0x2
/** Source flag: on trial.  The source decides only in a decision's
 *  monitor_* fields: what it would have done, never the answer. */
#define POLICY_SOURCE_MONITOR 0x4

/** Most sources one store holds. */
#define POLICY_MAX_SOURCES 64

/**
 * Create an empty store.  The store starts one thread of its own, with
 * every signal blocked, the first time a source needs a background merge.
 * @param rules: copied.
 * @param num_readers: reader slots (policy_read_begin's reader index).
 * @return the store, or NULL when out of memory.
 */
struct policy_store *policy_store_create(const struct policy_rules *rules,
	unsigned num_readers);

/**
 * Free the store, stopping and joining its merge thread; no reader or
 * writer may be active.
 */
void policy_store_destroy(struct policy_store *s);

/**
 * Add an empty source.  Sources must be added before readers start (the
 * engine adds all of them first): the query path reads the source table
 * without synchronisation.
 * @param id: out, the source's id.
 * @return 0, or -1 (duplicate name, too many sources, out of memory).
 */
int policy_source_add(struct policy_store *s, const char *name,
	enum policy_list list, unsigned flags, uint16_t *id);

/**
 * The name of a source ("-" for an unknown id); no lock, usable on the
 * query path.
 */
const char *policy_source_name(const struct policy_store *s, int id);

/**
 * The id of the source with that name, or -1.
 */
int policy_source_find(const struct policy_store *s, const char *name);

/**
 * Switch a source off or on, from any thread (the operator's
 * source_disable).  A source that is off keeps its entries and its
 * updates but takes part in no decision, monitor decisions included,
 * from the next decision on.  The caller flushes what that may block.
 * @return 0, or -1 for an unknown id.
 */
int policy_source_set_enabled(struct policy_store *s, uint16_t id,
	int enabled);

/**
 * Whether a source is on (1) or switched off (0); 0 for an unknown id.
 */
int policy_source_enabled(const struct policy_store *s, int id);

/** One name's state in a source. */
struct policy_entry {
	/** Tag mask (DNS TAPIR observations). */
	uint32_t tags;
	/** Absolute expiry, Unix seconds; 0 for never. */
	int64_t expires;
	/** Per-record action (RPZ), or POLICY_ACTION_NONE. */
	enum policy_action action;
	/** 1: the entry covers the names strictly below the name only. */
	int subtree;
	/** Local data for REDIRECT (module/policy/localdata.h format), or
	 *  NULL. */
	const uint8_t *data;
	/** Length of data. */
	uint16_t data_len;
};

/**
 * Start a batch of changes to one source.  A replace-all batch is
 * compared with the source as it is now, as names are put; if little
 * changed it is committed as a difference, so a reload costs memory in
 * proportion to what changed.  Deltas committed to the same source while
 * a replace-all batch is open are overwritten by it.
 * @param replace_all: 1 when the batch holds the source's complete new
 *	contents (a file reload, an AXFR), 0 for a delta.
 * @return the batch, or NULL when out of memory.
 */
struct policy_batch *policy_batch_begin(struct policy_store *s,
	uint16_t source, int replace_all);

/**
 * Add or replace the entry of a name (its exact or its subtree entry, as
 * e->subtree says).  Later puts of the same name win.
 * @param name: canonical wire name.
 * @return 0, or -1 when out of memory.
 */
int policy_batch_put(struct policy_batch *b, const uint8_t *name,
	const struct policy_entry *e);

/**
 * The entry a batch put last for a key (a feed whose input may list an
 * owner twice, apart, picks up what it put before).  The first call
 * indexes what the batch holds; later puts are indexed as they come, so
 * a feed that asks only when its input is out of order pays for the
 * index only then.
 * @param name: canonical wire name.
 * @param subtree: the exact (0) or the subtree (1) entry.
 * @param e: out, the entry; e->data points into data.
 * @param data: where local data is copied.
 * @param cap: size of data (LOCALDATA_MAX suffices).
 * @return 1 when the batch put one (and did not remove it after), 0
 *	when not, -1 when out of memory.
 */
int policy_batch_get(struct policy_batch *b, const uint8_t *name,
	int subtree, struct policy_entry *e, uint8_t *data, size_t cap);

/**
 * Remove the exact or subtree entry of a name (delta batches).
 * @return 0, or -1 when out of memory.
 */
int policy_batch_remove(struct policy_batch *b, const uint8_t *name,
	int subtree);

/** Called for a name whose decision a commit may have made stricter;
 *  subtree is set when the names below it may be affected too (a subtree
 *  entry, or any entry of a match-subdomains source).  A commit that
 *  changed more names than are worth listing (a quarter million), or
 *  that ran out of memory listing them, calls it once with the root and
 *  subtree set: everything. */
typedef void (*policy_changed_fn)(void *arg, const uint8_t *name,
	int subtree);

/**
 * Publish the batch: readers see all of it or none of it.  Then changed()
 * is called for every name that may now be blocked where it was not:
 * added or changed entries of deny and doubt sources, and removed entries
 * of allow sources.  Frees the batch.
 * @return 0, or -1 when out of memory (nothing published).
 */
int policy_batch_commit(struct policy_batch *b, policy_changed_fn changed,
	void *arg);

/**
 * Have fn told, after every commit and expiry that published something,
 * of every key it may have changed in any source, in any direction
 * (added, removed, changed, lapsed), as changed() is told: subtree set
 * for a "*." key or any key of a match-subdomains source.  A name NULL
 * means the whole source may have changed (a new base, a new index).
 * Called on the committing thread after the writer lock is released, so
 * fn may read the store but must be quick; one observer per store (the
 * outputs), set before feeds start.  Without one, commits cost nothing
 * more.
 */
void policy_store_observe(struct policy_store *s, policy_changed_fn fn,
	void *arg);

/**
 * Drop the batch unpublished.
 */
void policy_batch_abort(struct policy_batch *b);

/**
 * An external read-only index, e.g. a mmap'd DAWG file.  match() is
 * called at query time and must not block; release() runs once no reader
 * can see the index any more (replaced, or at destroy).
 */
struct policy_index {
	/** 1 if the name matches; *subtree_match says whether a parent
	 *  (subtree) entry matched. */
	int (*match)(void *ctx, const uint8_t *name, size_t len,
		int *subtree_match);
	/** Free the index. */
	void (*release)(void *ctx);
	/** The index itself. */
	void *ctx;
	/** Its number of names, for statistics. */
	size_t entries;
	/** Its memory, for statistics. */
	size_t bytes;
};

/**
 * The entry a source holds for a key now (its visible record, lapsed or
 * not), for a feed that changes its entries record by record (an IXFR
 * deletes one address of an owner).  Takes the writer lock.
 * @param name: canonical wire name.
 * @param subtree: the exact (0) or the subtree (1) entry.
 * @param e: out, the entry; e->data points into data.
 * @param data: where local data is copied.
 * @param cap: size of data (LOCALDATA_MAX suffices).
 * @return 1 when there is one, 0 when not, -1 on a bad source id or
 *	data too long for cap.
 */
int policy_source_get(struct policy_store *s, uint16_t source,
	const uint8_t *name, int subtree, struct policy_entry *e,
	uint8_t *data, size_t cap);

/**
 * Make a source answer from an external index instead of its entries
 * (idx NULL removes it).  The previous index is released after a grace
 * period.
 * @return 0, or -1 when out of memory.
 */
int policy_source_set_index(struct policy_store *s, uint16_t source,
	const struct policy_index *idx);

/**
 * Make a source hold what a source of another store holds, sharing its
 * tables and its external index (reference counted) instead of copying
 * them: a reload carries an unchanged source from the running store into
 * the new one this way, in microseconds and without a second copy.  What
 * either store's writers do afterwards stays their own.  Nothing is
 * reported to a change callback: the new store is not serving yet.
 * @param dst: the store that takes the contents (not src).
 * @param dst_source: its source.
 * @param src: the store that holds them.
 * @param src_source: its source.
 * @return 0, or -1 (a bad id, or out of memory).
 */
int policy_source_share(struct policy_store *dst, uint16_t dst_source,
	struct policy_store *src, uint16_t src_source);

/**
 * Enter a read section as reader (0 .. num_readers-1): no lock and no
 * read-modify-write, only a store to the reader's own slot and a fence.
 * A reader index is used by one thread at a time; read sections do not
 * nest.
 */
void policy_read_begin(struct policy_store *s, unsigned reader);

/**
 * Leave the read section.
 */
void policy_read_end(struct policy_store *s, unsigned reader);

/** A decision, and why. */
struct policy_decision {
	/** What to do. */
	enum policy_action action;
	/** The rule that decided. */
	enum policy_rule rule;
	/** The deciding source's id, or -1.  On ties the source whose name
	 *  sorts first: the answer does not depend on the order sources
	 *  were added in. */
	int source;
	/** Tag mask of the tag-bearing source's entry, if it matched. */
	uint32_t tags;
	/** Number of doubtlist sources that matched. */
	unsigned doubt_matches;
	/** Expiry of the deciding entry, 0 for never. */
	int64_t expires;
	/** 1 when the deciding entry matched as a parent (subtree). */
	int subtree;
	/** Per-record local data; valid until policy_read_end(). */
	const uint8_t *data;
	/** Length of data. */
	uint16_t data_len;
	/** What the sources and rules on trial (POLICY_SOURCE_MONITOR,
	 *  POLICY_ACTION_MONITOR) would have decided instead, when that
	 *  differs from the decision in action, rule or source: the action
	 *  they would have taken (POLICY_ACTION_MONITOR for a rule whose
	 *  action is monitor); POLICY_ACTION_NONE when nothing on trial
	 *  would have changed the decision.  Computed only when the store
	 *  has something on trial. */
	enum policy_action monitor_action;
	/** The rule of that decision, POLICY_RULE_NONE for none. */
	enum policy_rule monitor_rule;
	/** Its deciding source, or -1. */
	int monitor_source;
};

/**
 * Decide for a name, inside a read section.  Sources that are switched
 * off, and sources and rules on trial, do not decide; those on trial
 * fill the monitor_* fields.
 * @param name: canonical wire name of length len.
 * @param now: Unix time, for expiry.
 * @return out->action.
 */
int policy_decide(struct policy_store *s, const uint8_t *name, size_t len,
	int64_t now, struct policy_decision *out);

/** One source's match, for explaining a decision. */
struct policy_match {
	/** Source id. */
	uint16_t source;
	/** List class of the source. */
	enum policy_list list;
	/** Owner of the matching entry (canonical wire; a suffix of the name
	 *  for subtree matches). */
	const uint8_t *owner;
	/** 1 when the entry matched as a parent. */
	int subtree;
	/** The entry's tags, expiry and per-record action. */
	uint32_t tags;
	/** Expiry, 0 for never. */
	int64_t expires;
	/** Per-record action or POLICY_ACTION_NONE. */
	enum policy_action action;
	/** 1 when the source is on trial (POLICY_SOURCE_MONITOR). */
	int monitored;
	/** 1 when the source is switched off. */
	int disabled;
};

/**
 * Call fn for every source that matches the name, switched off or not (inside a read section),
 * for the control command lookup; policy_decide() on the same name gives
 * the rule that fired.  Owners point into the name or the store and are
 * valid until policy_read_end().
 * @return the number of matches.
 */
unsigned policy_explain(struct policy_store *s, const uint8_t *name,
	size_t len, int64_t now,
	void (*fn)(void *arg, const struct policy_match *m), void *arg);

/**
 * Remove expired entries from every source (writer side).  Queries ignore
 * expired entries anyway; this reclaims their memory, deleting them like a
 * delta (the background merges compact them away).
 * @param changed: called, after publishing, for every expired entry of an
 *	allowlist source (its lapse may block a name cached while it was
 *	allowed); may be NULL.
 * @param arg: argument for changed.
 * @return the number removed.
 */
size_t policy_store_expire(struct policy_store *s, int64_t now,
	policy_changed_fn changed, void *arg);

/** Counters of one source. */
struct policy_source_stats {
	/** Source name. */
	char name[64];
	/** List class. */
	enum policy_list list;
	/** Live entries. */
	size_t entries;
	/** Memory of its tables. */
	size_t bytes;
	/** Entries removed since the store was made because they had
	 *  expired (policy_store_expire()). */
	uint64_t expired;
};

/**
 * Number of sources.
 */
size_t policy_store_source_count(const struct policy_store *s);

/**
 * Counters of one source; 0, or -1 for an unknown id.
 */
int policy_store_source_stats(struct policy_store *s, uint16_t source,
	struct policy_source_stats *out);

/**
 * Memory held by all tables.
 */
size_t policy_store_memory(struct policy_store *s);

/**
 * Call fn for every live entry of a source (writer side: holds the
 * writer lock throughout, so fn must be quick; a long walk uses a
 * snapshot).
 */
void policy_source_foreach(struct policy_store *s, uint16_t source,
	int64_t now, void (*fn)(void *arg, const uint8_t *name,
	const struct policy_entry *e), void *arg);

/**
 * The flags a source was added with (POLICY_SOURCE_*), 0 for an unknown
 * id; no lock.
 */
unsigned policy_source_flags(const struct policy_store *s, int id);

/**
 * Every source's entries as they were at one moment, for a walk that may
 * take long (a dump to a slow client): the tables are pinned, so neither
 * the walk nor the changes meanwhile wait for each other, and nothing is
 * copied.  A snapshot costs the memory of the tables the sources replace
 * while it is held.  External indexes (DAWG) are not part of it.
 */
struct policy_snapshot;

/** Where a walk of one source of a snapshot is; zeroed to start. */
struct policy_snapshot_pos {
	/** Level of the source's tables being walked. */
	unsigned level;
	/** Next slot of that table. */
	size_t slot;
};

/**
 * Pin every source's current tables (takes the writer lock briefly).
 * @return the snapshot, or NULL when out of memory.
 */
struct policy_snapshot *policy_snapshot_take(struct policy_store *s);

/**
 * Unpin (takes the writer lock briefly); NULL is fine.  The store must
 * still exist.
 */
void policy_snapshot_release(struct policy_snapshot *snap);

/**
 * The next live entry of a source in the snapshot, in no particular
 * order; no lock, and no read section needed.
 * @param now: Unix time: entries expired by then are skipped.
 * @param pos: the walk's position, advanced.
 * @param name: out, the entry's canonical wire name; like e->data, valid
 *	until the snapshot is released.
 * @param e: out, the entry.
 * @return 1 with an entry, 0 at the end of the source (or an unknown id).
 */
int policy_snapshot_next(const struct policy_snapshot *snap, uint16_t source,
	int64_t now, struct policy_snapshot_pos *pos, const uint8_t **name,
	struct policy_entry *e);

/**
 * Whether a source of the snapshot has a live entry for the name: its
 * exact one, or with subtree its "*." one.
 */
int policy_snapshot_has(const struct policy_snapshot *snap, uint16_t source,
	const uint8_t *name, int subtree, int64_t now);

#endif /* TAPIR_POLICY_H */
