/*
 * feeds/tapir/feed_obs.h - a source fed by DNS TAPIR observations over MQTT.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The feed joins the pure parts (jws, observation) to the policy store:
 * every message the connection (mqtt_conn, shared by the engine's mqtt
 * sources, routed by topic in mqtt_type) hands it is verified against the
 * trusted JWK Set in force (keyring: it follows its file), parsed, checked
 * against the source it is configured for, and committed as one delta
 * batch (each name added replaces that name's tags and expiry; each name
 * removed is deleted).  Nothing unverifiable is ever applied.  Core never
 * sends "cleared", so entries end by expiry (time_added + ttl): the store
 * ignores lapsed entries at once and the engine's maintenance reclaims
 * them.
 *
 * Applying a message twice gives the state applying it once gives: the
 * names it adds get the tags and the expiry the message itself states
 * (time_added + ttl, not the time of arrival), and the names it removes
 * are gone either way.  So a QoS 1 message the broker delivers again
 * after a reconnect (it marks it DUP; counted as redelivered) is
 * harmless, and it cannot undo a later message about the same name: a
 * broker redelivers a session's unacknowledged messages first, in their
 * order, before newer ones.
 *
 * The source's state is written, when it changed, as an observation
 * snapshot (ARCHITECTURE.md §10) to a file in the state directory
 * (statefile_write(), so a crash or a full disk leaves the previous
 * file), and read back at start without the lapsed entries: a restart or
 * a reload keeps what Core sent.  A file that cannot be read back is kept
 * aside, not overwritten by the next save; one with entries that cannot
 * be read is kept aside too, and the rest loaded.  The same file is a
 * snapshot another edge can bootstrap from.
 *
 * With bootstrap URLs, the feed fetches the full state over HTTPS at
 * start (ARCHITECTURE.md §10), and again when asked (Core's configuration
 * names new servers; the connection came back after a long gap), on a
 * thread of its own, while what arrives over MQTT is buffered; the
 * snapshot replaces the source, then the buffered messages apply in
 * arrival order, so nothing is lost or applied out of order.  The URLs
 * are tried in order until one answers.  A snapshot that fails (or is
 * unchanged: HTTP 304 for the ETag kept in the state directory) leaves
 * the state as it was, and the buffered messages apply to that.
 */
#ifndef TAPIR_FEED_OBS_H
#define TAPIR_FEED_OBS_H

#include <stddef.h>
#include <stdint.h>

#include "feeds/tapir/keyring.h"
#include "module/policy/policy.h"

struct feed_obs;

/** What an observation feed needs; strings are copied. */
struct feed_obs_params {
	/** Source name, for messages and the store. */
	const char *source_name;
	/** The src_name messages must carry (empty in a message is let
	 *  through, as older senders leave it out). */
	const char *src_name;
	/** The source's list class; messages of another class are refused. */
	enum policy_list list;
	/** The trusted keys (not owned; shared with whoever else uses the
	 *  same file); NULL only with insecure_unsigned. */
	struct keyring *keys;
	/** 1: also accept unsigned JSON messages (labs only). */
	int insecure_unsigned;
	/** Most names the source may hold; messages beyond are refused. */
	size_t max_entries;
	/** HTTPS URLs of a snapshot to bootstrap from, tried in order; n
	 *  may be 0.  The server must chain to ca_file; cert_file and
	 *  key_file are presented. */
	const char *const *bootstrap_urls;
	/** Number of bootstrap_urls. */
	size_t n_bootstrap_urls;
	/** Sent as X-API-Key with the bootstrap, or NULL. */
	const char *bootstrap_token;
	/** The mqtt: clause's CA, client certificate and key, for the
	 *  bootstrap; NULL where there are none. */
	const char *ca_file, *cert_file, *key_file;
	/** File the state is persisted in, or NULL for none. */
	const char *state_file;
	/** The store and the source's id in it. */
	struct policy_store *store;
	/** Id of the source. */
	uint16_t source;
	/** Told about names that may now be blocked; may be NULL. */
	policy_changed_fn changed;
	/** Argument for changed. */
	void *changed_arg;
};

/** Counters of an observation feed. */
struct feed_obs_stats {
	/** Messages received from the broker. */
	uint64_t received;
	/** Of those, redelivered (marked DUP by the broker): applied again,
	 *  which changes nothing (file comment). */
	uint64_t redelivered;
	/** Of those, published at QoS 0: the broker does not keep such
	 *  messages for a disconnected edge. */
	uint64_t qos0;
	/** Messages applied to the store. */
	uint64_t applied;
	/** Messages refused: bad signature. */
	uint64_t bad_signature;
	/** Messages refused: not an observation message. */
	uint64_t bad_message;
	/** Messages refused: another source's or another list's. */
	uint64_t wrong_source;
	/** Messages refused: the source would exceed max_entries. */
	uint64_t over_limit;
	/** Names added or replaced. */
	uint64_t names_added;
	/** Names removed. */
	uint64_t names_removed;
	/** Entries skipped as invalid. */
	uint64_t entries_skipped;
	/** Names added that had lapsed (time_added + ttl past) when they
	 *  arrived, in messages and snapshots: left out, as applying them
	 *  would only delete the name's current state. */
	uint64_t lapsed;
	/** State files found unreadable at start (kept aside). */
	uint64_t state_broken;
	/** Snapshots applied, unchanged (304), and failed fetches. */
	uint64_t bootstraps, bootstrap_unchanged, bootstrap_failures;
	/** Messages buffered while a bootstrap ran. */
	uint64_t buffered;
	/** State files written, and writes that failed. */
	uint64_t saves, save_failures;
	/** Unix time of the last applied message, 0 if none. */
	int64_t last_update;
	/** Unix time of the last refused message, 0 if none. */
	int64_t last_refused;
	/** Why it was refused; kept when later messages are applied. */
	char last_refusal[256];
	/** Last error, "" if none. */
	char last_error[256];
};

/**
 * Create the feed; no thread yet.
 * @param err: out, why it failed (an unreadable key set, say).
 * @param errlen: size of err.
 * @return the feed, or NULL.
 */
struct feed_obs *feed_obs_create(const struct feed_obs_params *params,
	char *err, size_t errlen);

/**
 * Load the persisted state into the source, dropping lapsed entries, on
 * the calling thread.  A missing file is an empty state.  A file that
 * cannot be read, or has entries that cannot, is kept aside
 * (statefile_keep_aside()); what could be read is loaded and written
 * again at the next save.
 * @param now: Unix time.
 * @return the number of names loaded, or -1 if the file was unusable
 *	(logged; the source stays empty).
 */
long feed_obs_load_saved(struct feed_obs *f, int64_t now);

/**
 * Start the bootstrap thread, and the bootstrap if there are URLs: what
 * arrives from then on is buffered until the snapshot is in.  Call it
 * before the connection starts.
 * @return 0, or an errno value.
 */
int feed_obs_start(struct feed_obs *f);

/**
 * A message from the connection, on its thread: it joins the burst the
 * feed verifies and applies together.
 * @param qos: the QoS it was delivered with.
 * @param dup: 1 if the broker marked it a redelivery.
 */
void feed_obs_receive(struct feed_obs *f, const uint8_t *payload,
	size_t len, int qos, int dup);

/**
 * The connection has nothing more waiting: apply and publish the burst,
 * on the connection's thread.
 */
void feed_obs_drained(struct feed_obs *f);

/**
 * Replace the bootstrap URLs and token (Core's configuration); the ETag
 * of the old server is forgotten.  Any thread.
 * @return 0, or -1 when out of memory (the old ones stay).
 */
int feed_obs_set_bootstrap(struct feed_obs *f, const char *const *urls,
	size_t n, const char *token);

/**
 * Whether the source has a bootstrap URL.  Any thread.
 * @return 1 or 0.
 */
int feed_obs_can_bootstrap(struct feed_obs *f);

/**
 * Bootstrap again now, on the feed's bootstrap thread; what arrives from
 * now on is buffered until the snapshot is in.  Any thread.
 * @return 0, or -1 when the source has no bootstrap URL.
 */
int feed_obs_bootstrap(struct feed_obs *f);

/**
 * Handle one message as if the broker had delivered it, and publish it
 * (for tests, benchmarks and the fuzzer: the transport's own messages
 * are verified and applied a burst at a time).
 * @param now: Unix time, for the entries' expiry.
 * @return 0 if applied, -1 if refused (counted and logged).
 */
int feed_obs_apply_message(struct feed_obs *f, const uint8_t *msg,
	size_t len, int64_t now);

/**
 * Write the state file if the source changed since the last write.  Any
 * thread; writers are serialised.
 * @param now: Unix time (the snapshot's timestamp; lapsed names skipped).
 * @return 0 (written or nothing to do), -1 on failure (logged, counted;
 *	the previous file is kept).
 */
int feed_obs_save(struct feed_obs *f, int64_t now);

/**
 * Copy the counters.
 */
void feed_obs_get_stats(struct feed_obs *f, struct feed_obs_stats *out);

/**
 * Stop the bootstrap, apply what is buffered, write the state if it
 * changed, free the feed; the connection must not deliver to it any
 * more.  NULL is fine.
 */
void feed_obs_destroy(struct feed_obs *f);

#endif /* TAPIR_FEED_OBS_H */
