/*
 * feeds/tapir/keyring.h - a trusted JWK Set that follows its file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Core rotates the keys it signs with by rewriting the edge's trusted key
 * file (validation-keys.json).  A keyring loads the file once when it is
 * made (an unusable file then is an error, as before), and afterwards the
 * shared file watcher (feeds/feed.h) loads every new version: a key added
 * verifies the next message, a key removed is refused from the next
 * message on, without a reload or a reconnect.  A version that cannot be
 * used (truncated, not JSON, no usable key, gone) keeps the keys in
 * force; it is logged and counted, and tried again once it changes.
 *
 * Verifiers hold the set they started with until they are done (a burst,
 * a bootstrap that takes minutes), so a reload never frees a set in use:
 * keyring_acquire() and keyring_release() count the holders.
 */
#ifndef TAPIR_KEYRING_H
#define TAPIR_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "feeds/tapir/jws.h"

struct keyring;
struct keyring_ref;

/** Counters of a keyring. */
struct keyring_stats {
	/** Versions of the file loaded, the first included. */
	uint64_t loads;
	/** Versions refused (the keys in force stayed). */
	uint64_t failures;
	/** Usable keys in the set in force. */
	size_t keys;
	/** Why the last version was refused; "" once one loads. */
	char last_error[256];
};

/**
 * Load the key set and prepare its watcher (not started).
 * @param path: the JWK Set file.
 * @param who: for log lines ("mqtt", "source x").
 * @param poll_ms: how often the watcher looks at the file.
 * @param err: out, why the file cannot be used.
 * @param errlen: size of err.
 * @return the keyring, or NULL.
 */
struct keyring *keyring_create(const char *path, const char *who,
	unsigned poll_ms, char *err, size_t errlen);

/**
 * Start watching the file.
 * @return 0, or an errno value.
 */
int keyring_start(struct keyring *k);

/**
 * The set in force, held until keyring_release().
 * @param ref: out, what to give keyring_release().
 * @return the set; never NULL.
 */
const struct jws_keyset *keyring_acquire(struct keyring *k,
	struct keyring_ref **ref);

/**
 * Let go of a set keyring_acquire() gave; a set replaced meanwhile is
 * freed with its last holder.
 */
void keyring_release(struct keyring *k, struct keyring_ref *ref);

/**
 * The file, as given to keyring_create().
 */
const char *keyring_path(const struct keyring *k);

/**
 * Copy the counters.
 */
void keyring_get_stats(struct keyring *k, struct keyring_stats *out);

/**
 * Stop the watcher and free everything; no set may still be held.  NULL
 * is fine.
 */
void keyring_destroy(struct keyring *k);

#endif /* TAPIR_KEYRING_H */
