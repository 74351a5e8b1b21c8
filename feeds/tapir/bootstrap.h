/*
 * feeds/tapir/bootstrap.h - fetch a DNS TAPIR snapshot over HTTPS.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * MQTT carries only deltas, so a fresh edge first needs the full state
 * (ARCHITECTURE.md §10): an observation message with every live name in "added",
 * usually wrapped in the same JWS as the MQTT messages, served over
 * HTTPS.  bootstrap_fetch() gets one with libcurl and hands back the
 * parsed message; the caller applies it (and its buffered deltas).
 *
 * The server is always authenticated: the peer certificate must chain to
 * the configured CA file (and only to it: the system's CA store is not
 * used) and name the host of the URL.  There is no way to turn this off.
 * A client certificate can be presented for servers that want mTLS, as
 * DNS TAPIR's do.
 *
 * One call makes as many attempts as fit in its deadline, with capped
 * exponential backoff between them, for failures that may pass (no
 * connection, timeouts, HTTP 5xx, 408 and 429); a failure that another
 * attempt would only repeat (certificate refused, HTTP 4xx, a body that
 * is too large, does not verify or does not parse) ends the call at once.
 * When the next pause would reach the deadline the call gives up then,
 * with the last attempt's error, rather than wait for a certain timeout.
 * A stop callback, polled every 50 ms while waiting and about
 * once a second by libcurl during a transfer, ends it early, so a feed
 * thread can be joined promptly at shutdown.
 *
 * A call blocks; it uses no state shared with other calls except libcurl's
 * global initialisation, so threads may fetch at the same time.
 */
#ifndef TAPIR_BOOTSTRAP_H
#define TAPIR_BOOTSTRAP_H

#include <stddef.h>

#include "feeds/tapir/jws.h"
#include "feeds/tapir/observation.h"

/** Results of bootstrap_fetch().  BOOTSTRAP_NOT_MODIFIED is not an error. */
enum bootstrap_error {
	BOOTSTRAP_OK = 0,          /**< a snapshot was fetched and parsed */
	BOOTSTRAP_NOT_MODIFIED,    /**< HTTP 304: the ETag given is current */
	BOOTSTRAP_ERR_NOMEM,       /**< out of memory */
	BOOTSTRAP_ERR_CONFIG,      /**< unusable options (see the message) */
	BOOTSTRAP_ERR_INIT,        /**< libcurl could not be initialised */
	BOOTSTRAP_ERR_CONNECT,     /**< no connection could be made */
	BOOTSTRAP_ERR_TLS,         /**< TLS failed: certificate refused,
	                                handshake, client certificate */
	BOOTSTRAP_ERR_TIMEOUT,     /**< the deadline passed */
	BOOTSTRAP_ERR_TRANSFER,    /**< the transfer broke off */
	BOOTSTRAP_ERR_HTTP,        /**< an HTTP status other than 200/304 */
	BOOTSTRAP_ERR_TOO_LARGE,   /**< the body exceeds max_body */
	BOOTSTRAP_ERR_SIGNATURE,   /**< the body is not a JWS that verifies */
	BOOTSTRAP_ERR_PARSE,       /**< the payload is not a snapshot */
	BOOTSTRAP_ERR_STOPPED      /**< the stop callback asked to stop */
};

/** Default connect timeout of one attempt, milliseconds. */
#define BOOTSTRAP_DEFAULT_CONNECT_TIMEOUT_MS 10000
/** Default deadline of a whole call, milliseconds. */
#define BOOTSTRAP_DEFAULT_TIMEOUT_MS 120000
/** Default largest body accepted, bytes (after content decoding). */
#define BOOTSTRAP_DEFAULT_MAX_BODY ((size_t)256 * 1024 * 1024)
/** Default first pause between attempts, milliseconds. */
#define BOOTSTRAP_DEFAULT_BACKOFF_MS 500
/** Default longest pause between attempts, milliseconds. */
#define BOOTSTRAP_DEFAULT_BACKOFF_MAX_MS 30000

/** What to fetch and how.  Zero it, then set what you need; a zero
 *  number means the default. */
struct bootstrap_options {
	/** The snapshot's URL; must be https://. */
	const char *url;
	/** PEM file of the CA certificate(s) the server must chain to. */
	const char *ca_file;
	/** PEM client certificate, or NULL for none. */
	const char *client_cert;
	/** PEM private key of client_cert (PKCS#8 or traditional,
	 *  unencrypted); required with client_cert. */
	const char *client_key;
	/** Connect timeout of one attempt, milliseconds. */
	long connect_timeout_ms;
	/** Deadline of the whole call, all attempts and pauses included,
	 *  milliseconds. */
	long timeout_ms;
	/** Largest body accepted, bytes; a larger one ends the transfer. */
	size_t max_body;
	/** Most attempts to make; 0 makes as many as the deadline allows. */
	unsigned max_attempts;
	/** First pause between attempts, milliseconds; it doubles after
	 *  each failure up to backoff_max_ms. */
	long backoff_ms;
	/** Longest pause between attempts, milliseconds. */
	long backoff_max_ms;
	/** The ETag of the snapshot the caller already has, or NULL; it is
	 *  sent as If-None-Match, and a 304 gives BOOTSTRAP_NOT_MODIFIED. */
	const char *etag;
	/** A token for the server, sent as "X-API-Key" (as DNS TAPIR's
	 *  API clients send theirs), or NULL.  Printable ASCII without
	 *  spaces; anything else is BOOTSTRAP_ERR_CONFIG. */
	const char *api_key;
	/** Trusted keys: when set, the body must be a JWS (any
	 *  serialisation) that verifies with one of them, and its payload
	 *  is the snapshot. */
	const struct jws_keyset *keys;
	/** Without keys, 1 accepts a plain JSON body.  Without keys and
	 *  without this, bootstrap_fetch() refuses to run, so a missing key
	 *  set cannot quietly turn verification off. */
	int allow_unsigned;
	/** Polled while the call runs; a non-zero return ends it with
	 *  BOOTSTRAP_ERR_STOPPED.  May be NULL.  Must be thread-safe with
	 *  respect to whoever asks to stop (read an atomic flag). */
	int (*stop)(void *arg);
	/** Argument of stop. */
	void *stop_arg;
};

/** What a fetch got.  Zero it before bootstrap_fetch(); free it with
 *  bootstrap_result_clear(). */
struct bootstrap_result {
	/** The snapshot, when BOOTSTRAP_OK. */
	struct observation_msg msg;
	/** ETag of the snapshot (malloc'd, quotes included, as the server
	 *  sent it), or NULL if the server sent none.  With
	 *  BOOTSTRAP_NOT_MODIFIED: the server's, else a copy of the one
	 *  given. */
	char *etag;
	/** The kid of the key that verified the body, "" if unsigned. */
	char kid[128];
	/** HTTP status of the last response, 0 if none was received. */
	long http_status;
	/** Attempts made. */
	unsigned attempts;
	/** Bytes of the body received (after content decoding). */
	size_t body_len;
	/** Why the call failed, with the HTTP status or libcurl's detail;
	 *  "" on success. */
	char error[512];
};

/**
 * Initialise libcurl's global state, once per process, from any number
 * of threads (pthread_once).  curl_global_init() must not run while
 * another thread uses libcurl (or, with some TLS backends, OpenSSL), so
 * call this from the module's single-threaded start-up, before any
 * thread exists; bootstrap_fetch() calls it too, as a fallback.  Global
 * state is never cleaned up: other users of OpenSSL may still need it.
 * @return BOOTSTRAP_OK or BOOTSTRAP_ERR_INIT.
 */
int bootstrap_global_init(void);

/**
 * Fetch, verify and parse a snapshot (see the file comment).
 * @param opt: what to fetch and how.
 * @param res: out, zeroed or cleared; free with bootstrap_result_clear()
 *	whatever the result.
 * @return BOOTSTRAP_OK (res->msg holds the snapshot),
 *	BOOTSTRAP_NOT_MODIFIED, or an enum bootstrap_error with
 *	res->error telling why.
 */
int bootstrap_fetch(const struct bootstrap_options *opt,
	struct bootstrap_result *res);

/**
 * Free what a result holds and zero it; a zeroed result is fine.
 */
void bootstrap_result_clear(struct bootstrap_result *res);

/**
 * Human-readable text for an enum bootstrap_error.
 */
const char *bootstrap_strerror(int err);

#endif /* TAPIR_BOOTSTRAP_H */
