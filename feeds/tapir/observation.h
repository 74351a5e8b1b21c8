/*
 * feeds/tapir/observation.h - DNS TAPIR observation messages (JSON).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The payload of a verified DNS TAPIR message (ARCHITECTURE.md §9): a source
 * name, a list class, and names added (or replaced) and removed, each
 * with its time, TTL and tag mask.  The parser is as lenient as the Go
 * decoder Core's peers use, because older senders differ in spelling:
 * keys match without regard to ASCII case, and both the JSON tags
 * ("tag_mask") and the Go field names ("TagMask") are understood; unknown
 * keys are ignored and null stands for absent.  It is strict where a
 * mistake would block or unblock the wrong thing: a bad name, time, TTL
 * or tag mask skips that entry (counted, first error kept), and a message
 * whose shape is wrong is refused whole.
 *
 * The same schema serves as a snapshot of a source's live names
 * (ARCHITECTURE.md §10): the writer streams one to a FILE or a buffer, so state
 * can be persisted and another edge can bootstrap from it.
 */
#ifndef TAPIR_OBSERVATION_H
#define TAPIR_OBSERVATION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "module/policy/policy.h"

/** Result codes of the observation functions. */
enum observation_error {
	OBSERVATION_OK = 0,    /**< success */
	OBSERVATION_ERR_NOMEM, /**< out of memory */
	OBSERVATION_ERR_JSON,  /**< not JSON */
	OBSERVATION_ERR_SCHEMA,/**< JSON, but not an observation message */
	OBSERVATION_ERR_RANGE, /**< a value the writer cannot represent */
	OBSERVATION_ERR_SPACE, /**< the writer's buffer is too small */
	OBSERVATION_ERR_IO     /**< the writer's file failed */
};

/** The message types accepted. */
enum observation_msg_type {
	OBSERVATION_MSG_OBSERVATION, /**< "observation", what Core sends */
	OBSERVATION_MSG_INTEL_UPDATE /**< "intel-update", which POP accepts */
};

/** Go's zero time.Time (0001-01-01T00:00:00Z): an absent time. */
#define OBSERVATION_TIME_ZERO INT64_C(-62135596800)

/** One name of a message. */
struct observation_entry {
	/** Canonical wire-format name; points into the message's storage. */
	const uint8_t *name;
	/** Length of name, root label included. */
	size_t name_len;
	/** When Core added the name, Unix seconds (fraction dropped). */
	int64_t time_added;
	/** time_added + ttl: when the entry stops applying, Unix seconds. */
	int64_t expiry;
	/** Lifetime in seconds. */
	uint32_t ttl;
	/** Tag bits (feeds/tapir/tags.h names them). */
	uint32_t tag_mask;
};

/** A parsed message.  Zero it before the first observation_parse(). */
struct observation_msg {
	/** Source name, "" if absent (Core sends "dns-tapir"). */
	char *src_name;
	/** Creator, "" if absent. */
	char *creator;
	/** Message type. */
	enum observation_msg_type msg_type;
	/** List class the names belong to. */
	enum policy_list list_type;
	/** 1 if timestamp holds a valid time (it is informational). */
	int has_timestamp;
	/** The message's timestamp, Unix seconds. */
	int64_t timestamp;
	/** Names to add, or to replace the state of. */
	struct observation_entry *added;
	/** Number of entries in added. */
	size_t n_added;
	/** Names to delete. */
	struct observation_entry *removed;
	/** Number of entries in removed. */
	size_t n_removed;
	/** Entries skipped because they were invalid. */
	size_t n_skipped;
	/** Why the first skipped entry was skipped, "" if none was. */
	char first_error[160];
	/** Storage of the entries' names. */
	uint8_t *names;
};

/**
 * Parse an observation message.
 * @param json: the payload (after JWS verification); need not be
 *	NUL-terminated.
 * @param len: length of json.
 * @param msg: out; zeroed or previously used (its old contents are freed).
 *	Free with observation_msg_clear() whatever the result.
 * @param err: out, why the whole message was refused (may be NULL).
 * @param errlen: size of err.
 * @return OBSERVATION_OK (possibly with skipped entries: see
 *	msg->n_skipped), OBSERVATION_ERR_JSON, OBSERVATION_ERR_SCHEMA or
 *	OBSERVATION_ERR_NOMEM.
 */
int observation_parse(const uint8_t *json, size_t len,
	struct observation_msg *msg, char *err, size_t errlen);

/**
 * Free what a message holds and zero it; a zeroed message is fine.
 */
void observation_msg_clear(struct observation_msg *msg);

struct json_t;

/**
 * A member of a JSON object, found as Go's encoding/json finds a struct
 * field: the key compared without regard to ASCII case, the last of
 * several matching keys winning, null counting as absent.  For the other
 * documents Core's Go services send (configuration messages).
 * @param obj: a jansson object.
 * @param key: the field's name in lower case.
 * @return the member (borrowed), or NULL.
 */
struct json_t *observation_json_member(struct json_t *obj, const char *key);

/**
 * Parse an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, an optional fraction
 * of 1 to 9 digits, then Z or +hh:mm / -hh:mm ('t' and 'z' also do, as
 * RFC 3339 allows).  Leap seconds are refused, as Go refuses them.
 * @param s: the text; exactly len bytes, nothing around it.
 * @param len: length of s.
 * @param out: out, Unix seconds, the fraction dropped (rounded down).
 * @return 0, or -1 if s is not such a time.
 */
int observation_parse_time(const char *s, size_t len, int64_t *out);

/**
 * Write a time in RFC 3339 with Z, whole seconds ("2026-07-20T09:15:02Z").
 * @param t: Unix seconds, between years 0000 and 9999.
 * @param buf: out, at least 21 bytes; NUL-terminated.
 * @param size: size of buf.
 * @return 0, or -1 if t is out of range or buf too small.
 */
int observation_format_time(int64_t t, char *buf, size_t size);

/** Where a snapshot goes.  Fill with observation_writer_file() or
 *  observation_writer_buffer(). */
struct observation_writer {
	/** Output file, or NULL when writing to buf. */
	FILE *file;
	/** Output buffer (may be NULL with size 0 to measure). */
	char *buf;
	/** Size of buf. */
	size_t size;
	/** Bytes produced so far, also those that did not fit in buf. */
	size_t len;
	/** Entries written so far. */
	size_t count;
	/** First error, or OBSERVATION_OK. */
	int error;
};

/**
 * Prepare a writer to a stdio stream.  The caller opens, flushes and
 * closes it (write to a temporary file and rename for persistence).
 */
void observation_writer_file(struct observation_writer *w, FILE *f);

/**
 * Prepare a writer to memory.  Like snprintf, it counts what does not
 * fit, so a first pass with a NULL buffer measures the size needed.
 * @param buf: out buffer, NUL-terminated at the end if all fit.
 * @param size: its size.
 */
void observation_writer_buffer(struct observation_writer *w, char *buf,
	size_t size);

/**
 * Start a snapshot: the message's header and the opening of "added".
 * @param src_name: source name (UTF-8).
 * @param creator: who writes it, e.g. "tapir-pop" (UTF-8).
 * @param list_type: the source's list class.
 * @param timestamp: when the snapshot was taken, Unix seconds.
 * @return OBSERVATION_OK, or the writer's error.
 */
int observation_snapshot_begin(struct observation_writer *w,
	const char *src_name, const char *creator, enum policy_list list_type,
	int64_t timestamp);

/**
 * Add one live name to a snapshot.
 * @param e: the entry; expiry is not written (it follows from time_added
 *	and ttl).
 * @return OBSERVATION_OK, or the writer's error (OBSERVATION_ERR_RANGE
 *	for a name or time that cannot be written).
 */
int observation_snapshot_add(struct observation_writer *w,
	const struct observation_entry *e);

/**
 * Finish a snapshot (an empty "removed", the trailing members).
 * @return OBSERVATION_OK, or the first error of the whole snapshot;
 *	OBSERVATION_ERR_SPACE tells a buffer writer to retry with a buffer
 *	of w->len + 1 bytes.
 */
int observation_snapshot_end(struct observation_writer *w);

/**
 * Write a whole message as a snapshot: its header and its added entries
 * (removed entries are not state, so not written).
 * @param timestamp: when the snapshot was taken, Unix seconds.
 * @return as observation_snapshot_end().
 */
int observation_snapshot_write(struct observation_writer *w,
	const struct observation_msg *msg, int64_t timestamp);

/**
 * The name of a list class as messages write it ("doubtlist").
 */
const char *observation_list_name(enum policy_list list);

/**
 * Human-readable text for an enum observation_error.
 */
const char *observation_strerror(int err);

#endif /* TAPIR_OBSERVATION_H */
