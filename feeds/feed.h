/*
 * feeds/feed.h - what a feed type is to the rest of the module.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A source is a name, a list class and a type; the type says where the
 * source's data comes from (a list file, a DAWG file, a zone transfer,
 * DNS TAPIR's observations) and how it reaches the policy store.  The
 * configuration parser, the engine and the control commands know a type
 * only through its table of operations, struct feed_type, as Unbound
 * knows its modules through struct module_func_block and Knot Resolver
 * through struct kr_module: they never ask which type a source is.  A new
 * type is a folder under feeds/ with one such table, and one line in the
 * runtime's list of types (module/runtime/feed_types.c).
 *
 * The life of a feed, as the engine drives it (module/runtime/engine.h):
 *   conf_new, conf_key for every key of its source clause, conf_check:
 *	while the configuration is read, before anything runs;
 *   create: load what is there (a file, a saved zone or state) into the
 *	store; no thread yet, so a reload can build a whole new engine
 *	beside the running one and throw it away if a source is bad; on a
 *	reload of an unchanged source, take the running feed's data over
 *	instead when it is still current (feed_env.prev);
 *   start: threads, sockets, connections; on a reload only after the
 *	engine it replaces has ended (its connections, its last save);
 *   handover (optional): before start on a reload, pick up what the
 *	previous engine saved last;
 *   save (optional): persist now (before a reload, and periodically);
 *   stats, extras, reconnect: any time, from any thread;
 *   destroy: stop and join its threads, free it.
 * A type may also own a top-level clause of its own (mqtt:) and a state
 * shared by all its sources (a connection, status reports).
 *
 * This layer includes only module/base and module/policy.
 */
#ifndef TAPIR_FEED_H
#define TAPIR_FEED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "module/base/fileio.h"
#include "module/base/thread.h"
#include "module/policy/policy.h"

/** One "key: values" line of a clause, as the parser split it. */
struct feed_conf_key {
	/** The key, without its colon. */
	const char *key;
	/** Its values, unquoted. */
	char **values;
	/** Number of values. */
	int n;
};

/** Counters and state every feed keeps, in one form for list_sources,
 *  stats and status reports. */
struct feed_stats {
	/** Successful updates (loads, transfers, messages applied). */
	uint64_t updates;
	/** Updates refused (a bad file, a failed transfer, a refused
	 *  message). */
	uint64_t failures;
	/** Messages received; 0 for types without messages. */
	uint64_t received;
	/** Unix time of the last successful update, 0 if none. */
	int64_t last_update;
	/** Unix time of the last refused update, 0 if none. */
	int64_t last_failure;
	/** Why it was refused; kept when later updates succeed. */
	char last_failure_reason[256];
	/** State files found unreadable at start and kept aside. */
	uint64_t state_broken;
	/** Connection state ("connected", "disconnected"), "" if none. */
	char state[32];
	/** The last error, "" once an update succeeds. */
	char last_error[256];
};

/** feed_stats behind a lock: what a feed's threads update and the
 *  control thread reads. */
struct feed_counters {
	/** Guards s. */
	pthread_mutex_t lock;
	/** The counters. */
	struct feed_stats s;
};

/** What the engine gives a feed: the source it fills and whom to tell. */
struct feed_env {
	/** Source name, for messages and state file names. */
	const char *name;
	/** The source's list class. */
	enum policy_list list;
	/** POLICY_SOURCE_* flags of the source. */
	unsigned flags;
	/** The store, and the source's id in it. */
	struct policy_store *store;
	/** Id of the source. */
	uint16_t source;
	/** Called for every name an update may have made stricter; may be
	 *  NULL. */
	policy_changed_fn changed;
	/** Argument for changed. */
	void *changed_arg;
	/** Directory for the source's state, or NULL for none. */
	const char *state_dir;
	/** How often file-backed feeds look at their file, milliseconds. */
	unsigned poll_ms;
	/** 1: create fails when the source's data cannot be loaded now
	 *  (a reload keeps the policy in force instead); 0: the source
	 *  starts empty and its feed keeps trying. */
	int strict;
	/** On a reload, the running engine's feed of this source when the
	 *  source is configured exactly as before (type, list, flags and
	 *  conf_equal()), else NULL.  Its threads may still be running.
	 *  create may then take its data over instead of loading it
	 *  (policy_source_share()) if that data is still what the source
	 *  would load now; the type's own rules say when. */
	void *prev;
};

/** Called for each type-specific counter a feed shows beside its
 *  feed_stats ("serial", "lapsed" ...).  A key ending in "_time" is a
 *  Unix time, 0 for never; one ending in "_bytes" a size; "serial" a
 *  zone's serial; every other key counts events since the feed was
 *  created and only grows (/metrics renders them so). */
typedef void (*feed_extra_fn)(void *arg, const char *key, uint64_t value);

/** Called for each file a configuration names that the module reads
 *  while it runs (key: the key that names it). */
typedef void (*feed_file_fn)(void *arg, const char *key, const char *path);

/** A read-only view of every source of an engine, for a type's shared
 *  state (status reports describe them all). */
struct feed_roster {
	/** Number of sources. */
	unsigned count;
	/** Describe source i: its name, type name, list, entries and
	 *  stats. */
	void (*describe)(void *arg, unsigned i, const char **name,
		const char **type, enum policy_list *list, size_t *entries,
		struct feed_stats *stats);
	/** Argument for describe. */
	void *arg;
};

/** A feed type: its configuration and its operations. */
struct feed_type {
	/** Its name in "type:" ("file", "dawg", "rpz", "mqtt"). */
	const char *name;
	/** 1 when its data is an external index the store cannot list
	 *  (a DAWG file): dump says so instead of listing it. */
	int indexed;

	/** A new source configuration with the type's defaults. */
	void *(*conf_new)(void);
	/** One key of the source clause; 0, or -1 with the reason in err
	 *  (unknown keys too: "unknown key for type X"). */
	int (*conf_key)(void *conf, const struct feed_conf_key *k, char *err,
		size_t errlen);
	/** The finished clause, with the type's own clause (NULL when the
	 *  file has none); 0, or -1 with the reason. */
	int (*conf_check)(const void *conf, const void *clause, char *err,
		size_t errlen);
	/** Free a source configuration. */
	void (*conf_free)(void *conf);
	/** Whether two configurations of the type say the same (a reload
	 *  hands create the previous feed only then: feed_env.prev); NULL
	 *  when a reload always loads the type's sources anew. */
	int (*conf_equal)(const void *a, const void *b);
	/** Each file the source clause names (optional; checkconf checks
	 *  that Unbound's user can read them). */
	void (*conf_files)(const void *conf, feed_file_fn fn, void *arg);

	/** Name of a top-level clause of the type's own ("mqtt"), or
	 *  NULL; then the four clause_* operations below are NULL too. */
	const char *clause;
	/** The clause's defaults. */
	void *(*clause_new)(void);
	/** One key of it; as conf_key. */
	int (*clause_key)(void *clause, const struct feed_conf_key *k,
		char *err, size_t errlen);
	/** The finished clause, given how many sources of the type there
	 *  are; 0, or -1 with the reason. */
	int (*clause_check)(const void *clause, unsigned sources, char *err,
		size_t errlen);
	/** Free it. */
	void (*clause_free)(void *clause);
	/** Each file the clause names (optional), as conf_files. */
	void (*clause_files)(const void *clause, feed_file_fn fn, void *arg);

	/** The state the type's sources share (a connection, status
	 *  reports), made once per engine from its clause before any
	 *  source is created (no thread yet: the sources' start starts
	 *  what it runs); NULL operations when there is none.  poll_ms is
	 *  how often files it follows are looked at. */
	void *(*shared_create)(const void *clause, const char *state_dir,
		unsigned poll_ms, char *err, size_t errlen);
	/** Called about once a second by the engine's maintenance thread,
	 *  with a view of every source. */
	void (*shared_tick)(void *shared, int64_t now,
		const struct feed_roster *roster);
	/** Free the shared state, after every source of the type. */
	void (*shared_destroy)(void *shared);

	/** Create a feed and load what is at hand (module comment).
	 *  @return the feed, or NULL with the reason in err. */
	void *(*create)(const void *conf, void *shared,
		const struct feed_env *env, char *err, size_t errlen);
	/** Start its threads; 0, or -1 with the reason. */
	int (*start)(void *feed, char *err, size_t errlen);
	/** Pick up what the previous engine saved last (optional). */
	void (*handover)(void *feed);
	/** Persist what changed since the last save (optional). */
	void (*save)(void *feed);
	/** The common counters. */
	void (*stats)(void *feed, struct feed_stats *out);
	/** The type's own counters, each passed to fn (optional). */
	void (*extras)(void *feed, feed_extra_fn fn, void *arg);
	/** Drop its connection and connect again now, from any thread
	 *  (optional: types that keep a connection). */
	void (*reconnect)(void *feed);
	/** Stop and join its threads, free it. */
	void (*destroy)(void *feed);
};

/* ---- for the types' configuration handlers ---- */

/**
 * Check a key's number of values; 0, or -1 with the reason in err.
 */
int feed_conf_values(const struct feed_conf_key *k, int min, int max,
	char *err, size_t errlen);

/**
 * Parse a decimal number no larger than max (and at least min).
 * @return 0, or -1 with the reason in err.
 */
int feed_conf_uint(const char *s, unsigned long min, unsigned long max,
	unsigned long *out, char *err, size_t errlen);

/**
 * Parse "yes" or "no".
 * @return 0, or -1 with the reason in err.
 */
int feed_conf_bool(const char *s, int *out, char *err, size_t errlen);

/**
 * Replace *field with a copy of value.
 * @return 0, or -1 (out of memory, said in err).
 */
int feed_conf_string(char **field, const char *value, char *err,
	size_t errlen);

/**
 * Parse a name into canonical wire format (NAME_WIRE_MAX octets).
 * @return 0, or -1 with the reason in err.
 */
int feed_conf_name(const char *s, uint8_t *wire, size_t *len, char *err,
	size_t errlen);

/**
 * Parse "address" or "address@port" (Unbound's notation), IPv4 or IPv6.
 * @param port: the default port.
 * @return 0, or -1 with the reason in err.
 */
int feed_conf_addr(const char *s, int port, struct sockaddr_storage *out,
	socklen_t *len, char *err, size_t errlen);

/**
 * Check a TSIG algorithm name (hmac-md5, hmac-sha1, hmac-sha224,
 * hmac-sha256, hmac-sha384, hmac-sha512, any case) and keep its lower
 * case spelling in *field.
 * @return 0, or -1 with the reason in err.
 */
int feed_conf_tsig_algorithm(char **field, const char *value, char *err,
	size_t errlen);

/**
 * Check a TSIG secret (base64, not empty) and keep a copy in *field.
 * @return 0, or -1 with the reason in err.
 */
int feed_conf_tsig_secret(char **field, const char *value, char *err,
	size_t errlen);

/**
 * A TSIG algorithm as ldns names it (its domain name: "hmac-sha256.",
 * "hmac-md5.sig-alg.reg.int."), from the configuration's spelling.
 */
void feed_tsig_alg_name(const char *alg, char *buf, size_t size);

/* ---- for the types' feeds ---- */

/** Initialise counters (all zero). */
void feed_counters_init(struct feed_counters *c);

/** Destroy counters. */
void feed_counters_destroy(struct feed_counters *c);

/** A snapshot of the counters. */
void feed_counters_get(struct feed_counters *c, struct feed_stats *out);

/** A successful update now: counted, the last error cleared. */
void feed_counters_update(struct feed_counters *c);

/** A refused update: counted, with its reason as the last error. */
void feed_counters_fail(struct feed_counters *c, const char *why);

/** A reason to show as the last error without counting a failure (an
 *  update put off: a file being written, a connection lost). */
void feed_counters_note(struct feed_counters *c, const char *why);

/** A file-backed feed's watcher: a thread that looks at a file every
 *  poll interval and calls load when a version it has not tried yet is
 *  there, and gone once when the path becomes unusable (a vanished file
 *  keeps the last good data: lists are replaced by delete and create
 *  too). */
struct feed_watch {
	/** The file. */
	const char *path;
	/** Milliseconds between looks. */
	unsigned poll_ms;
	/** Load the file now (the feed records the outcome with
	 *  feed_watch_tried()). */
	void (*load)(void *arg);
	/** The path has just become unusable (errno value err). */
	void (*gone)(void *arg, int err);
	/** Argument for load and gone. */
	void *arg;
	/** The version last tried, between polls. */
	struct file_watch state;
	/** The thread. */
	struct tapir_thread thread;
};

/** Prepare a watcher (the fields above path..arg set by the caller). */
void feed_watch_init(struct feed_watch *w);

/** Record what a load tried (file_watch_tried()). */
void feed_watch_tried(struct feed_watch *w, int err,
	const struct file_id *id);

/** Start the watcher's thread; 0, or an errno value. */
int feed_watch_start(struct feed_watch *w);

/**
 * What a type's start returns after starting its thread: 0 when r (an
 * errno value) is 0, else -1 with "source NAME: cannot start thread:
 * ..." in err.
 */
int feed_start_result(int r, const char *source, char *err, size_t errlen);

/** Stop and join it; also when it never started. */
void feed_watch_destroy(struct feed_watch *w);

#endif /* TAPIR_FEED_H */
