/*
 * feeds/tapir/status.h - signed status reports to DNS TAPIR.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * An edge may report its health to DNS TAPIR over MQTT (ARCHITECTURE.md §11,
 * off by default).  This builds the report: the JSON document, signed as
 * a flattened JWS with the node's data key, and its topic
 * "status/up/<edge-id>/tapir-pop".  Publishing is the MQTT thread's.
 *
 * The document is what DNS TAPIR's receiver decodes.  Sources, read in
 * 2026: the receiver is tapir-slogger (github.com/dnstapir/slogger,
 * statusreceiver.go), which json.Unmarshal()s the payload of a verified
 * message on "status/up/<edge-id>/<function>" into tapir.TapirFunctionStatus
 * (github.com/dnstapir/tapir, structs.go); POP (github.com/dnstapir/pop,
 * statusupdater.go) sends that struct as JSON, signed with
 * jws.Sign(..., jws.WithJSON(), ES256) and no kid.  The structs carry no
 * JSON tags, so the keys are the Go field names (Go matches them without
 * regard to case, and ignores keys it does not know):
 *
 *   {
 *     "Function":        string, always "tapir-pop",
 *     "FunctionID":      string, the edge id,
 *     "ComponentStatus": { <component name>: component, ... },
 *     "NumFailures":     integer, sum of the components' NumFails,
 *     "LastFailure":     RFC 3339 time, latest LastFail,
 *     "Timestamp":       RFC 3339 time of the report      (extension)
 *   }
 *   component = {
 *     "Component":   string, its name again,
 *     "Status":      integer, 0 fail, 1 warn, 2 ok (tapir.ComponentStatus),
 *     "Msg":         string,
 *     "ErrorMsg":    string, the last error,
 *     "WarningMsg":  string, the last warning,
 *     "NumFails":    integer, failures since the last success,
 *     "NumWarnings": integer, warnings since the last success,
 *     "LastFail", "LastWarn", "LastSuccess": RFC 3339 times,
 *     "Counters":    { "Received", "Applied", "Rejected", "Lapsed",
 *                      "Names": integers }                (extension)
 *   }
 *
 * A time never reached is Go's zero time, "0001-01-01T00:00:00Z", as
 * encoding/json writes it.  The extensions are ignored by the receiver
 * and carry what tapir-pop adds: the time of the report, and per
 * component (the observation feed, each policy source) its message
 * counters and live names.
 *
 * The signature differs from POP's in the way ARCHITECTURE.md §11 says: the
 * protected header names the key ("kid"), and the algorithm follows the
 * key, which DNS TAPIR enrollment (github.com/dnstapir/cli, enroll) makes
 * an Ed25519 JWK with kid = the node's name, written as
 * "datakey-priv.json".  status_key_load() reads that JWK, an EC P-256 or
 * P-384 JWK, or a PEM private key (PKCS#8 or traditional).
 */
#ifndef TAPIR_STATUS_H
#define TAPIR_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

/** Result codes of the status functions. */
enum status_error {
	STATUS_OK = 0,      /**< success */
	STATUS_NOT_DUE,     /**< status_poll(): nothing to publish now */
	STATUS_ERR_NOMEM,   /**< out of memory */
	STATUS_ERR_ARG,     /**< a bad edge id, component name or time */
	STATUS_ERR_IO,      /**< the key file could not be read */
	STATUS_ERR_KEY,     /**< the key file holds no usable private key */
	STATUS_ERR_SIGN     /**< signing failed */
};

/** State of a component, numbered as tapir.ComponentStatus. */
enum status_state {
	STATUS_STATE_FAIL = 0, /**< failing */
	STATUS_STATE_WARN = 1, /**< working, with a warning */
	STATUS_STATE_OK = 2    /**< working */
};

/** One component: the observation feed, a policy source, ... */
struct status_component {
	/** Its name (UTF-8, not empty, unique in a report). */
	const char *name;
	/** Its state. */
	enum status_state state;
	/** Informational text, or NULL. */
	const char *msg;
	/** The last error, or NULL. */
	const char *error_msg;
	/** The last warning, or NULL. */
	const char *warning_msg;
	/** Failures since the last success. */
	uint32_t num_fails;
	/** Warnings since the last success. */
	uint32_t num_warnings;
	/** Last failure, Unix seconds; 0 for never. */
	int64_t last_fail;
	/** Last warning, Unix seconds; 0 for never. */
	int64_t last_warn;
	/** Last success, Unix seconds; 0 for never. */
	int64_t last_success;
	/** Messages (or updates) received. */
	uint64_t received;
	/** Of those, applied. */
	uint64_t applied;
	/** Of those, refused (bad signature, bad message). */
	uint64_t rejected;
	/** Names that had lapsed when they arrived, left out. */
	uint64_t lapsed;
	/** Live names it holds. */
	uint64_t names;
};

/** A status report: what the caller knows now. */
struct status_report {
	/** The edge id: the node's name, the CN of its certificate. */
	const char *edge_id;
	/** Time of the report, Unix seconds; also the clock of
	 *  status_poll(). */
	int64_t timestamp;
	/** The components. */
	const struct status_component *components;
	/** Number of components. */
	size_t n_components;
};

/** The rate limiter of status_poll(). */
struct status_limiter {
	/** Shortest time between two reports, seconds. */
	int64_t interval;
	/** When the last report was let through. */
	int64_t last;
	/** 1 once a report was let through. */
	int sent;
	/** SHA-256 of that report without its timestamp. */
	unsigned char digest[32];
};

/** The interval DNS TAPIR's POP uses: one report a minute at most. */
#define STATUS_DEFAULT_INTERVAL 60

/**
 * Load the node's private signing key.
 * @param path: a JWK (a JSON object with the private member "d": OKP
 *	Ed25519, or EC P-256 / P-384) or a PEM private key, unencrypted.
 * @param key: out, the key; free with EVP_PKEY_free().
 * @param kid: out, the JWK's kid (malloc'd), or NULL if it has none (PEM
 *	never has): the caller then uses its configured kid, normally the
 *	edge id, which is what enrollment sets.
 * @param err: out, why it failed (may be NULL).
 * @param errlen: size of err.
 * @return STATUS_OK, STATUS_ERR_IO, STATUS_ERR_KEY or STATUS_ERR_NOMEM.
 */
int status_key_load(const char *path, EVP_PKEY **key, char **kid,
	char *err, size_t errlen);

/**
 * The status document (see the file comment), compact JSON with sorted
 * keys, so equal reports give equal bytes.
 * @param r: the report.
 * @param with_timestamp: 0 leaves out "Timestamp" (to compare reports).
 * @param out: out, the JSON, malloc'd and NUL-terminated; caller frees.
 * @param out_len: out, its length (may be NULL).
 * @return STATUS_OK, STATUS_ERR_ARG or STATUS_ERR_NOMEM.
 */
int status_document(const struct status_report *r, int with_timestamp,
	char **out, size_t *out_len);

/**
 * The MQTT topic of an edge's reports, "status/up/<edge-id>/tapir-pop".
 * @param edge_id: the edge id; not empty, no '/', '+', '#' or control
 *	characters, valid UTF-8.
 * @param buf: out, NUL-terminated.
 * @param size: size of buf.
 * @return STATUS_OK, or STATUS_ERR_ARG for a bad id or a small buffer.
 */
int status_topic(const char *edge_id, char *buf, size_t size);

/**
 * Build a signed report: its topic and the flattened JWS of its document.
 * @param r: the report.
 * @param key: the node's private key (status_key_load()).
 * @param kid: the key's id as DNS TAPIR knows it.
 * @param topic: out, the topic, malloc'd; caller frees.
 * @param payload: out, the JWS, malloc'd and NUL-terminated; caller frees.
 * @param payload_len: out, its length (may be NULL).
 * @return STATUS_OK, STATUS_ERR_ARG, STATUS_ERR_SIGN or STATUS_ERR_NOMEM.
 */
int status_sign(const struct status_report *r, EVP_PKEY *key,
	const char *kid, char **topic, char **payload, size_t *payload_len);

/**
 * Prepare a rate limiter.
 * @param interval: shortest time between reports, seconds
 *	(STATUS_DEFAULT_INTERVAL).
 */
void status_limiter_init(struct status_limiter *l, int64_t interval);

/**
 * Whether a document may go out now: the first one always; later ones
 * when interval seconds have passed since the last one let through and
 * the document differs from it.  A document let through is recorded.
 * @param doc: the document without its timestamp.
 * @param len: its length.
 * @param now: the time, Unix seconds.
 * @return 1 to publish, 0 not now; -1 if hashing failed.
 */
int status_limiter_check(struct status_limiter *l, const char *doc,
	size_t len, int64_t now);

/**
 * Forget the last report, so the next check lets one through (call it
 * when publishing what status_poll() returned failed).
 */
void status_limiter_forget(struct status_limiter *l);

/**
 * What a status thread calls every few seconds: when the limiter lets
 * the report through (r->timestamp is the time), build and sign it.
 * @return STATUS_OK with topic and payload set (publish them),
 *	STATUS_NOT_DUE with them NULL, or an error as status_sign().
 */
int status_poll(struct status_limiter *l, const struct status_report *r,
	EVP_PKEY *key, const char *kid, char **topic, char **payload,
	size_t *payload_len);

/**
 * Human-readable text for an enum status_error.
 */
const char *status_strerror(int err);

#endif /* TAPIR_STATUS_H */
