/*
 * feeds/tapir/feed_obs.c - a source fed by DNS TAPIR observations over MQTT.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Messages are applied one at a time under the feed's lock, in arrival
 * order: that is what makes a later message about a name win.  Checking
 * a signature is the dear part (about 60 us for Ed25519, most of what a
 * message costs), so the messages of a burst are first verified and
 * parsed together, outside the lock, on the MQTT thread and a helper
 * (module/workpool), and only then applied in order.
 */
#include "tapir_config.h"
#include "feeds/tapir/feed_obs.h"
#include "feeds/tapir/bootstrap.h"
#include "feeds/tapir/jws.h"
#include "feeds/tapir/observation.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/base/statefile.h"
#include "module/base/thread.h"
#include "module/base/workpool.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/** Refusals logged per minute; the rest are counted, then summarised. */
#define REFUSALS_LOGGED_PER_MINUTE 10
/** Largest state file read back (about 10 million names). */
#define STATE_FILE_MAX ((size_t)2 << 30)
/** Most messages buffered while a bootstrap runs; Core sends a few a
 *  second, so this is hours of traffic, and a bound on a flood. */
#define PENDING_MAX 100000
/** Messages verified together before they are applied; a bound on how
 *  long the first of a burst waits for the last. */
#define BURST_MAX 64
/** Threads that verify beside the MQTT thread: enough for a burst at
 *  10,000 messages a second to use two cores. */
#define VERIFY_HELPERS 1

/* A message received while the bootstrap runs, kept to apply after it. */
struct pending {
	struct pending *next;
	int64_t received;
	size_t len;
	uint8_t data[];
};

/* A received message: checked (verified and parsed) without the lock,
 * then applied under it. */
struct checked {
	uint8_t *msg;                /* the message as received */
	size_t len;
	int64_t received;
	int qos, dup;                /* as delivered */
	int checked;                 /* verdict and m are set */
	enum { CHECK_OK, CHECK_BAD_SIGNATURE, CHECK_BAD_MESSAGE } verdict;
	char why[160];               /* the reason, unless CHECK_OK */
	struct observation_msg m;
};

/* Where and how to bootstrap from (under the feed's lock). */
struct boot_conf {
	char **urls;
	size_t n;
	char *token;
};

struct feed_obs {
	struct feed_obs_params p;
	char *source_name, *src_name, *state_file;
	char *ca_file, *cert_file, *key_file, *etag_file;
	/* Asked for (under lock) and run on the bootstrap thread. */
	struct boot_conf boot_conf;
	int boot_wanted;
	struct tapir_thread boot;
	/* The burst being received (the connection's thread only), the
	 * keys it is verified with, and its verifiers. */
	struct checked burst[BURST_MAX];
	size_t burst_len;
	const struct jws_keyset *burst_keys;
	struct workpool *verifiers;
	/* While set, messages are queued (oldest first) for after the
	 * snapshot; set and cleared under lock. */
	int buffering;
	struct pending *pending, **pending_tail;
	size_t pending_count;
	/* Serialises messages and guards stats, version and the limiter. */
	pthread_mutex_t lock;
	struct feed_obs_stats stats;
	/* Messages accepted but not yet published: one batch for a burst,
	 * so that the store's publication (and the reader grace period it
	 * waits for) is paid once per burst, not once per message. */
	struct policy_batch *batch;
	struct {
		uint64_t msgs, added, removed, skipped;
		int64_t time;   /* of the latest message */
	} open;
	/* Bumped by every applied change; the state file is rewritten when
	 * it differs from the version last written. */
	uint64_t version, saved_version;
	/* Serialises writers of the state file (the periodic save, a
	 * reload's, the last one); guards saved_version. */
	pthread_mutex_t save_lock;
	/* Refusal log limiter: the minute, the count logged in it, and how
	 * many went unlogged. */
	int64_t log_minute;
	unsigned logged;
	uint64_t unlogged;
	/* Whether a message at QoS 0 was logged. */
	int qos0_logged;
};

static char *
copy(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*failed = 1;
	return d;
}

/* A refused message is logged, but a hostile or broken sender must not
 * flood the log: at most REFUSALS_LOGGED_PER_MINUTE lines a minute, and
 * the number left out is told with the next line.  Called locked. */
static void
refuse(struct feed_obs *f, int64_t now, uint64_t *counter, const char *fmt,
	...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	(*counter)++;
	f->stats.last_refused = now;
	snprintf(f->stats.last_error, sizeof(f->stats.last_error), "%s", why);
	snprintf(f->stats.last_refusal, sizeof(f->stats.last_refusal), "%s",
		why);
	if (now / 60 != f->log_minute) {
		f->log_minute = now / 60;
		f->logged = 0;
	}
	if (f->logged >= REFUSALS_LOGGED_PER_MINUTE) {
		f->unlogged++;
		return;
	}
	f->logged++;
	if (f->unlogged)
		tapir_log(TAPIR_LOG_ERR, "source %s: message refused: %s "
			"(and %llu more not logged)", f->source_name, why,
			(unsigned long long)f->unlogged);
	else
		tapir_log(TAPIR_LOG_ERR, "source %s: message refused: %s",
			f->source_name, why);
	f->unlogged = 0;
}

static int queue_message(struct feed_obs *f, const uint8_t *msg, size_t len,
	int64_t now, int qos, int dup);
static void checked_init(struct checked *c, uint8_t *msg, size_t len,
	int64_t received);
static void flush_batch(struct feed_obs *f);
static void take_burst(struct feed_obs *f);

/* A message from the transport joins the burst; a full burst is taken
 * at once.  Without memory for a copy, the burst so far is taken and
 * the message applied on its own, in order. */
void
feed_obs_receive(struct feed_obs *f, const uint8_t *payload, size_t len,
	int qos, int dup)
{
	struct checked *c;
	int64_t now = (int64_t)time(NULL);

	if (f->burst_len == BURST_MAX)
		take_burst(f);
	c = &f->burst[f->burst_len];
	checked_init(c, malloc(len ? len : 1), len, now);
	if (!c->msg) {
		take_burst(f);
		queue_message(f, payload, len, now, qos, dup);
		return;
	}
	memcpy(c->msg, payload, len);
	c->qos = qos;
	c->dup = dup;
	f->burst_len++;
}

static void
publish(struct feed_obs *f)
{
	pthread_mutex_lock(&f->lock);
	flush_batch(f);
	pthread_mutex_unlock(&f->lock);
}

/* The transport has nothing more waiting: take the burst and publish. */
void
feed_obs_drained(struct feed_obs *f)
{
	take_burst(f);
	publish(f);
}

/* Whether the source may grow by n names.  Replacements are counted as
 * growth: the bound is a guard against a runaway sender, not an exact
 * quota. */
static int
within_limit(struct feed_obs *f, size_t n)
{
	struct policy_source_stats st;

	if (policy_store_source_stats(f->p.store, f->p.source, &st) != 0)
		return 0;
	return st.entries + f->open.added + n <= f->p.max_entries;
}

/* Put a message's added names that are still live into a batch (a
 * delta or a replace-all); *put counts them, *lapsed the others.  Names
 * that lapsed before they arrived (a replayed or delayed message) are
 * left out: applying them would only delete the name's current state. */
static int
put_live(struct policy_batch *b, const struct observation_msg *m,
	int64_t now, size_t *put, size_t *lapsed)
{
	size_t i;

	*put = 0;
	*lapsed = 0;
	for (i = 0; i < m->n_added; i++) {
		struct policy_entry e;
		if (m->added[i].expiry <= now) {
			(*lapsed)++;
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.tags = m->added[i].tag_mask;
		e.expires = m->added[i].expiry;
		if (policy_batch_put(b, m->added[i].name, &e) != 0)
			return -1;
		(*put)++;
	}
	return 0;
}

/* Replace the source with a snapshot's live names; *put counts them,
 * *lapsed the others. */
static int
replace_source(struct feed_obs *f, const struct observation_msg *m,
	int64_t now, size_t *put, size_t *lapsed)
{
	struct policy_batch *b = policy_batch_begin(f->p.store, f->p.source,
		1);

	if (!b)
		return -1;
	if (put_live(b, m, now, put, lapsed) != 0) {
		policy_batch_abort(b);
		return -1;
	}
	return policy_batch_commit(b, f->p.changed, f->p.changed_arg);
}

/* Publish the open batch.  Called locked. */
static void
flush_batch(struct feed_obs *f)
{
	if (!f->batch)
		return;
	if (policy_batch_commit(f->batch, f->p.changed, f->p.changed_arg)
	    == 0) {
		f->stats.names_added += f->open.added;
		f->stats.names_removed += f->open.removed;
		f->stats.entries_skipped += f->open.skipped;
		f->stats.applied += f->open.msgs;
		f->stats.last_update = f->open.time;
		f->version++;
	} else {
		refuse(f, f->open.time, &f->stats.bad_message, "out of "
			"memory: %llu messages lost",
			(unsigned long long)f->open.msgs);
	}
	f->batch = NULL;
	memset(&f->open, 0, sizeof(f->open));
}

/* Add a parsed message to the open batch.  Called locked.  Later
 * records of a name win within a batch, so the order of messages holds. */
static int
apply(struct feed_obs *f, const struct observation_msg *m, int64_t now)
{
	size_t i, added, lapsed;

	if (!f->batch &&
	    !(f->batch = policy_batch_begin(f->p.store, f->p.source, 0)))
		return -1;
	if (put_live(f->batch, m, now, &added, &lapsed) != 0)
		goto nomem;
	for (i = 0; i < m->n_removed; i++)
		if (policy_batch_remove(f->batch, m->removed[i].name, 0) != 0)
			goto nomem;
	f->open.added += added;
	f->open.removed += m->n_removed;
	f->open.skipped += m->n_skipped;
	f->open.msgs++;
	/* Counted even if the batch fails later: they did arrive so. */
	f->stats.lapsed += lapsed;
	f->open.time = now;
	return 0;
nomem:
	/* The batch may hold part of this message: drop it whole. */
	policy_batch_abort(f->batch);
	f->batch = NULL;
	if (f->open.msgs)
		refuse(f, now, &f->stats.bad_message, "out of memory: %llu "
			"messages lost", (unsigned long long)f->open.msgs);
	memset(&f->open, 0, sizeof(f->open));
	return -1;
}

/* Whether a parsed message (or snapshot) belongs to this source. */
static int
message_is_ours(struct feed_obs *f, const struct observation_msg *m,
	int64_t now)
{
	if (m->list_type != f->p.list) {
		refuse(f, now, &f->stats.wrong_source, "list_type %s, but "
			"the source is a %s", observation_list_name(m->list_type),
			policy_list_name(f->p.list));
		return 0;
	}
	if (m->src_name[0] && strcmp(m->src_name, f->src_name) != 0) {
		refuse(f, now, &f->stats.wrong_source, "src_name '%.64s', "
			"expected '%.64s'", m->src_name, f->src_name);
		return 0;
	}
	return 1;
}

/* Verify (with keys, NULL when the source has none) and parse a
 * message.  Touches nothing of f that changes, so the messages of a
 * burst are checked on several threads at once. */
static void
check_message(struct feed_obs *f, const struct jws_keyset *keys,
	struct checked *c)
{
	const uint8_t *json = c->msg;
	uint8_t *payload = NULL;
	size_t json_len = c->len;
	int r;

	c->checked = 1;
	c->verdict = CHECK_OK;
	if (keys) {
		r = jws_verify(keys, (const char *)c->msg, c->len,
			&payload, &json_len, NULL);
		if (r == JWS_OK) {
			json = payload;
		} else if (!(f->p.insecure_unsigned &&
		    r == JWS_ERR_MALFORMED)) {
			/* Only what is not a JWS at all may pass as an
			 * unsigned message: a JWS that fails is forged. */
			c->verdict = CHECK_BAD_SIGNATURE;
			snprintf(c->why, sizeof(c->why), "signature: %s",
				jws_strerror(r));
			free(payload);
			return;
		} else {
			json_len = c->len;
		}
	}
	if (observation_parse(json, json_len, &c->m, c->why,
	    sizeof(c->why)) != OBSERVATION_OK)
		c->verdict = CHECK_BAD_MESSAGE;
	free(payload);
}

static void
check_one(void *arg, size_t i)
{
	struct feed_obs *f = arg;

	check_message(f, f->burst_keys, &f->burst[i]);
}

/* The keys in force, held until keys_release(); NULL for a source
 * without keys. */
static const struct jws_keyset *
keys_acquire(struct feed_obs *f, struct keyring_ref **ref)
{
	*ref = NULL;
	return f->p.keys ? keyring_acquire(f->p.keys, ref) : NULL;
}

static void
keys_release(struct feed_obs *f, struct keyring_ref *ref)
{
	if (ref)
		keyring_release(f->p.keys, ref);
}

static void
checked_init(struct checked *c, uint8_t *msg, size_t len, int64_t received)
{
	memset(c, 0, sizeof(*c));
	c->msg = msg;
	c->len = len;
	c->received = received;
}

static void
checked_clear(struct checked *c)
{
	observation_msg_clear(&c->m);
	c->checked = 0;
}

/* Refuse or add a checked message to the open batch.  Called locked. */
static int
apply_checked(struct feed_obs *f, const struct checked *c)
{
	const struct observation_msg *m = &c->m;
	int64_t now = c->received;

	switch (c->verdict) {
	case CHECK_BAD_SIGNATURE:
		refuse(f, now, &f->stats.bad_signature, "%s", c->why);
		return -1;
	case CHECK_BAD_MESSAGE:
		refuse(f, now, &f->stats.bad_message, "%s", c->why);
		return -1;
	case CHECK_OK:
		break;
	}
	if (!message_is_ours(f, m, now))
		return -1;
	if (!within_limit(f, m->n_added)) {
		refuse(f, now, &f->stats.over_limit, "the source would hold "
			"more than %zu names (max-entries)", f->p.max_entries);
		return -1;
	}
	if (m->n_skipped)
		tapir_log(TAPIR_LOG_WARN, "source %s: %zu entries skipped: %s",
			f->source_name, m->n_skipped, m->first_error);
	if (apply(f, m, now) != 0) {
		refuse(f, now, &f->stats.bad_message, "out of memory");
		return -1;
	}
	return 0;
}

/* Keep a message to apply after the bootstrap's snapshot.  Called
 * locked.  It is verified when applied, with the keys in force then. */
static int
buffer_locked(struct feed_obs *f, const uint8_t *msg, size_t len,
	int64_t now)
{
	struct pending *q;

	if (f->pending_count >= PENDING_MAX ||
	    !(q = malloc(sizeof(*q) + len))) {
		refuse(f, now, &f->stats.over_limit, "%zu messages buffered "
			"during the bootstrap; dropped", f->pending_count);
		return -1;
	}
	q->next = NULL;
	q->received = now;
	q->len = len;
	memcpy(q->data, msg, len);
	*f->pending_tail = q;
	f->pending_tail = &q->next;
	f->pending_count++;
	f->stats.buffered++;
	return 0;
}

/* A received message, in arrival order: buffered while a bootstrap
 * runs, else checked (unless it was already) and applied.  Called
 * locked. */
static int
take_locked(struct feed_obs *f, const struct jws_keyset *keys,
	struct checked *c)
{
	f->stats.received++;
	if (c->dup)
		f->stats.redelivered++;
	if (c->qos == 0) {
		f->stats.qos0++;
		if (!f->qos0_logged) {
			f->qos0_logged = 1;
			tapir_log(TAPIR_LOG_WARN, "source %s: messages arrive "
				"at QoS 0: the broker does not keep them while "
				"the edge is disconnected%s", f->source_name,
				f->boot_conf.n ? "; a reconnection after a long "
				"gap bootstraps again" : "; without a bootstrap "
				"URL what is sent meanwhile is lost");
		}
	}
	if (f->buffering)
		return buffer_locked(f, c->msg, c->len, c->received);
	if (!c->checked)
		check_message(f, keys, c);
	return apply_checked(f, c);
}

/* Check the burst's messages together, then apply them in order. */
static void
take_burst(struct feed_obs *f)
{
	struct keyring_ref *ref;
	size_t i;

	if (!f->burst_len)
		return;
	f->burst_keys = keys_acquire(f, &ref);
	workpool_run(f->verifiers, f->burst_len, check_one, f);
	keys_release(f, ref);
	f->burst_keys = NULL;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->burst_len; i++) {
		/* Checked already, unless buffered: no keys needed. */
		take_locked(f, NULL, &f->burst[i]);
		checked_clear(&f->burst[i]);
		free(f->burst[i].msg);
	}
	pthread_mutex_unlock(&f->lock);
	f->burst_len = 0;
}

/* One message on its own, checked under the lock. */
static int
queue_message(struct feed_obs *f, const uint8_t *msg, size_t len,
	int64_t now, int qos, int dup)
{
	const struct jws_keyset *keys;
	struct keyring_ref *ref;
	struct checked c;
	int r;

	/* Read only: c does not own msg. */
	checked_init(&c, (uint8_t *)msg, len, now);
	c.qos = qos;
	c.dup = dup;
	keys = keys_acquire(f, &ref);
	pthread_mutex_lock(&f->lock);
	r = take_locked(f, keys, &c);
	pthread_mutex_unlock(&f->lock);
	keys_release(f, ref);
	checked_clear(&c);
	return r;
}

int
feed_obs_apply_message(struct feed_obs *f, const uint8_t *msg, size_t len,
	int64_t now)
{
	/* Not through the burst: that belongs to the transport's thread. */
	int r = queue_message(f, msg, len, now, 1, 0);

	publish(f);
	return r;
}

/* ---- persistence ---- */

/* A state file that cannot be read back: counted, and kept aside before
 * a save replaces it.  Its ETag names a state the source no longer has,
 * so the next bootstrap fetches the whole snapshot again.  0 if it was
 * kept aside. */
static int
keep_state_aside(struct feed_obs *f, const char *why)
{
	char who[200];

	pthread_mutex_lock(&f->lock);
	f->stats.state_broken++;
	snprintf(f->stats.last_error, sizeof(f->stats.last_error),
		"state file: %.200s", why);
	pthread_mutex_unlock(&f->lock);
	if (f->etag_file)
		unlink(f->etag_file);
	snprintf(who, sizeof(who), "source %.150s", f->source_name);
	return statefile_keep_aside(f->state_file, who, why, NULL, 0);
}

long
feed_obs_load_saved(struct feed_obs *f, int64_t now)
{
	struct observation_msg m;
	char *text, why[200];
	size_t len, loaded, lapsed;
	int r;

	if (!f->state_file)
		return 0;
	if ((r = file_read_all(f->state_file, STATE_FILE_MAX, &text, &len))) {
		if (r == ENOENT)
			return 0;
		snprintf(why, sizeof(why), "cannot read it: %s; starting "
			"empty", file_strerror(r));
		keep_state_aside(f, why);
		return -1;
	}
	memset(&m, 0, sizeof(m));
	r = observation_parse((const uint8_t *)text, len, &m, why,
		sizeof(why) - 20);
	free(text);
	if (r != OBSERVATION_OK) {
		observation_msg_clear(&m);
		if (r == OBSERVATION_ERR_NOMEM) {
			tapir_log(TAPIR_LOG_ERR, "source %s: out of memory "
				"reading %s", f->source_name, f->state_file);
			return -1;
		}
		strcat(why, "; starting empty");
		keep_state_aside(f, why);
		return -1;
	}
	/* Entries that cannot be read would be gone with the next save. */
	if (m.n_skipped) {
		snprintf(why, sizeof(why), "%zu entries cannot be read (%.100s); "
			"loading the others", m.n_skipped, m.first_error);
		if (keep_state_aside(f, why) == 0) {
			pthread_mutex_lock(&f->lock);
			f->version++;    /* written again at the next save */
			pthread_mutex_unlock(&f->lock);
		}
	}
	if (replace_source(f, &m, now, &loaded, &lapsed) != 0) {
		observation_msg_clear(&m);
		tapir_log(TAPIR_LOG_ERR, "source %s: out of memory loading %s",
			f->source_name, f->state_file);
		return -1;
	}
	tapir_log(TAPIR_LOG_INFO, "source %s: %zu names from %s (%zu lapsed)",
		f->source_name, loaded, f->state_file, lapsed);
	observation_msg_clear(&m);
	return (long)loaded;
}

struct save_ctx {
	struct feed_obs *f;
	struct observation_writer w;
	int64_t now;
};

/* The store keeps only the expiry, so an entry is written as added now
 * with the time it has left: the same expiry when read back. */
static void
save_entry(void *arg, const uint8_t *name, const struct policy_entry *e)
{
	struct save_ctx *c = arg;
	struct observation_entry o;

	if (e->expires <= c->now)
		return;
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.name_len = name_wire_len(name);
	o.time_added = c->now;
	o.ttl = e->expires - c->now > UINT32_MAX ? UINT32_MAX :
		(uint32_t)(e->expires - c->now);
	o.tag_mask = e->tags;
	observation_snapshot_add(&c->w, &o);
}

static int
write_state(FILE *out, void *arg)
{
	struct save_ctx *c = arg;
	struct feed_obs *f = c->f;
	int r;

	observation_writer_file(&c->w, out);
	observation_snapshot_begin(&c->w, f->src_name, "tapir-pop", f->p.list,
		c->now);
	policy_source_foreach(f->p.store, f->p.source, c->now, save_entry, c);
	r = observation_snapshot_end(&c->w);
	if (r != OBSERVATION_OK && r != OBSERVATION_ERR_IO)
		errno = EINVAL;
	return r == OBSERVATION_OK ? 0 : -1;
}

int
feed_obs_save(struct feed_obs *f, int64_t now)
{
	struct save_ctx c;
	char why[512];
	uint64_t version;
	int r = 0;

	if (!f->state_file)
		return 0;
	pthread_mutex_lock(&f->save_lock);
	pthread_mutex_lock(&f->lock);
	version = f->version;
	pthread_mutex_unlock(&f->lock);
	if (version == f->saved_version)
		goto out;
	memset(&c, 0, sizeof(c));
	c.f = f;
	c.now = now;
	switch (statefile_write(f->state_file, write_state, &c, why,
	    sizeof(why))) {
	case STATEFILE_FAILED:
		pthread_mutex_lock(&f->lock);
		f->stats.save_failures++;
		snprintf(f->stats.last_error, sizeof(f->stats.last_error),
			"%.200s", why);
		pthread_mutex_unlock(&f->lock);
		tapir_log(TAPIR_LOG_ERR, "source %s: %s; the previous state "
			"file is kept", f->source_name, why);
		r = -1;
		goto out;
	case STATEFILE_NOT_DURABLE:
		tapir_log(TAPIR_LOG_ERR, "source %s: %s", f->source_name, why);
		break;
	}
	f->saved_version = version;
	pthread_mutex_lock(&f->lock);
	f->stats.saves++;
	pthread_mutex_unlock(&f->lock);
out:
	pthread_mutex_unlock(&f->save_lock);
	return r;
}

/* ---- bootstrap ---- */

/* Apply the buffered messages in arrival order and stop buffering, in
 * one locked step: a message arriving meanwhile waits for the lock and
 * then applies after them.  Unless last, buffering goes on when another
 * bootstrap was asked for meanwhile: its snapshot replaces the source,
 * so what arrives before it must wait for it too. */
static void
drain_pending(struct feed_obs *f, int last)
{
	const struct jws_keyset *keys;
	struct keyring_ref *ref;
	struct pending *q, *next;

	keys = keys_acquire(f, &ref);
	pthread_mutex_lock(&f->lock);
	for (q = f->pending; q; q = next) {
		struct checked c;
		next = q->next;
		checked_init(&c, q->data, q->len, q->received);
		check_message(f, keys, &c);
		apply_checked(f, &c);
		checked_clear(&c);
		free(q);
	}
	flush_batch(f);
	f->pending = NULL;
	f->pending_tail = &f->pending;
	f->pending_count = 0;
	f->buffering = !last && f->boot_wanted && f->boot_conf.n;
	pthread_mutex_unlock(&f->lock);
	keys_release(f, ref);
}

/* Replace the source with the snapshot's live names. */
static int
apply_snapshot(struct feed_obs *f, const struct observation_msg *m,
	int64_t now, size_t *names)
{
	size_t lapsed;

	if (!message_is_ours(f, m, now))
		return -1;
	if (m->n_added > f->p.max_entries) {
		refuse(f, now, &f->stats.over_limit, "snapshot of %zu names "
			"exceeds max-entries", m->n_added);
		return -1;
	}
	if (replace_source(f, m, now, names, &lapsed) != 0)
		return -1;
	f->stats.lapsed += lapsed;
	f->stats.bootstraps++;
	f->stats.last_update = now;
	f->version++;
	return 0;
}

/* The ETag of the snapshot the state came from, kept beside the state. */
static char *
read_etag(struct feed_obs *f)
{
	char buf[512];
	FILE *fp;
	size_t n;
	int fd;

	if (!f->etag_file || file_open(f->etag_file, &fd, NULL) != 0)
		return NULL;
	if (!(fp = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	return buf[0] ? strdup(buf) : NULL;
}

static int
write_etag_line(FILE *out, void *arg)
{
	return fprintf(out, "%s\n", (const char *)arg) < 0 ? -1 : 0;
}

/* Called once a state built on the ETag's snapshot is on disk: with the
 * ETag first, a crash in between would make the next bootstrap's 304
 * keep an older state. */
static void
write_etag(struct feed_obs *f, const char *etag)
{
	char why[512];

	if (!f->etag_file)
		return;
	if (!etag) {
		unlink(f->etag_file);
		return;
	}
	if (statefile_write(f->etag_file, write_etag_line, (void *)etag, why,
	    sizeof(why)) != STATEFILE_OK)
		tapir_log(TAPIR_LOG_ERR, "source %s: %s", f->source_name, why);
}

static int
boot_stop(void *arg)
{
	struct feed_obs *f = arg;

	return tapir_thread_sleep(&f->boot, 0);
}

static void
boot_conf_clear(struct boot_conf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->urls[i]);
	free(b->urls);
	if (b->token) {
		OPENSSL_cleanse(b->token, strlen(b->token));
		free(b->token);
	}
	memset(b, 0, sizeof(*b));
}

static int
boot_conf_set(struct boot_conf *b, const char *const *urls, size_t n,
	const char *token)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	if (n && !(b->urls = calloc(n, sizeof(char *))))
		return -1;
	for (i = 0; i < n; i++, b->n++)
		if (!(b->urls[i] = strdup(urls[i])))
			goto fail;
	if (token && !(b->token = strdup(token)))
		goto fail;
	return 0;
fail:
	boot_conf_clear(b);
	return -1;
}

/* Fetch from the URLs in order until one answers (a snapshot or 304). */
static int
fetch_snapshot(struct feed_obs *f, const struct boot_conf *b,
	const char *etag, struct bootstrap_result *res, const char **url)
{
	struct bootstrap_options opt;
	struct keyring_ref *ref;
	size_t i;
	int r = BOOTSTRAP_ERR_CONFIG;

	memset(&opt, 0, sizeof(opt));
	opt.ca_file = f->ca_file;
	opt.client_cert = f->cert_file;
	opt.client_key = f->key_file;
	opt.etag = etag;
	opt.api_key = b->token;
	opt.keys = keys_acquire(f, &ref);
	opt.allow_unsigned = !opt.keys && f->p.insecure_unsigned;
	opt.stop = boot_stop;
	opt.stop_arg = f;
	for (i = 0; i < b->n; i++) {
		*url = opt.url = b->urls[i];
		r = bootstrap_fetch(&opt, res);
		if (r == BOOTSTRAP_OK || r == BOOTSTRAP_NOT_MODIFIED ||
		    r == BOOTSTRAP_ERR_STOPPED)
			break;
		if (i + 1 < b->n)
			tapir_log(TAPIR_LOG_WARN, "source %s: bootstrap from "
				"%s failed: %s; trying the next server",
				f->source_name, b->urls[i], res->error);
	}
	keys_release(f, ref);
	return r;
}

/* One bootstrap: buffer what arrives, fetch, apply the snapshot, then
 * what was buffered. */
static void
bootstrap_once(struct feed_obs *f)
{
	struct bootstrap_result res;
	struct boot_conf b;
	const char *url = "";
	char *etag;
	size_t names = 0;
	int r, applied = 0;

	pthread_mutex_lock(&f->lock);
	r = boot_conf_set(&b, (const char *const *)f->boot_conf.urls,
		f->boot_conf.n, f->boot_conf.token);
	/* Deltas from now on wait for the snapshot. */
	if (r == 0 && b.n)
		f->buffering = 1;
	pthread_mutex_unlock(&f->lock);
	if (r != 0 || !b.n) {
		if (r != 0)
			tapir_log(TAPIR_LOG_ERR, "source %s: out of memory "
				"for the bootstrap", f->source_name);
		boot_conf_clear(&b);
		drain_pending(f, 0);
		return;
	}
	etag = read_etag(f);
	memset(&res, 0, sizeof(res));
	r = fetch_snapshot(f, &b, etag, &res, &url);
	pthread_mutex_lock(&f->lock);
	flush_batch(f);
	if (r == BOOTSTRAP_OK &&
	    apply_snapshot(f, &res.msg, (int64_t)time(NULL), &names) == 0) {
		tapir_log(TAPIR_LOG_INFO, "source %s: bootstrapped %zu names "
			"from %s", f->source_name, names, url);
		applied = 1;
	} else if (r == BOOTSTRAP_NOT_MODIFIED) {
		f->stats.bootstrap_unchanged++;
		tapir_log(TAPIR_LOG_INFO, "source %s: snapshot at %s unchanged; "
			"keeping the saved state", f->source_name, url);
	} else if (r != BOOTSTRAP_ERR_STOPPED) {
		f->stats.bootstrap_failures++;
		snprintf(f->stats.last_error, sizeof(f->stats.last_error),
			"bootstrap: %.200s", r == BOOTSTRAP_OK ?
			"snapshot refused" : res.error);
		tapir_log(TAPIR_LOG_ERR, "source %s: bootstrap from %s failed: "
			"%s; keeping the saved state", f->source_name, url,
			r == BOOTSTRAP_OK ? "snapshot refused" : res.error);
	}
	pthread_mutex_unlock(&f->lock);
	drain_pending(f, 0);
	/* The ETag goes to disk only after a state built on its snapshot:
	 * the next start's 304 then keeps that state, not an older one. */
	if (applied && feed_obs_save(f, (int64_t)time(NULL)) == 0)
		write_etag(f, res.etag);
	bootstrap_result_clear(&res);
	boot_conf_clear(&b);
	free(etag);
}

/* Runs the bootstraps asked for, one at a time, until stopped. */
static void *
boot_thread(void *arg)
{
	struct feed_obs *f = arg;
	int wanted;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		wanted = f->boot_wanted;
		f->boot_wanted = 0;
		pthread_mutex_unlock(&f->lock);
		if (wanted)
			bootstrap_once(f);
		else if (tapir_thread_sleep(&f->boot, 3600 * 1000))
			break;
		if (boot_stop(f))
			break;
	}
	return NULL;
}

int
feed_obs_set_bootstrap(struct feed_obs *f, const char *const *urls,
	size_t n, const char *token)
{
	struct boot_conf b, old;

	if (boot_conf_set(&b, urls, n, token) != 0)
		return -1;
	pthread_mutex_lock(&f->lock);
	old = f->boot_conf;
	f->boot_conf = b;
	pthread_mutex_unlock(&f->lock);
	boot_conf_clear(&old);
	/* An ETag names a state of the old server's snapshot. */
	if (f->etag_file)
		unlink(f->etag_file);
	return 0;
}

int
feed_obs_can_bootstrap(struct feed_obs *f)
{
	int r;

	pthread_mutex_lock(&f->lock);
	r = f->boot_conf.n > 0;
	pthread_mutex_unlock(&f->lock);
	return r;
}

int
feed_obs_bootstrap(struct feed_obs *f)
{
	int r = -1;

	pthread_mutex_lock(&f->lock);
	if (f->boot_conf.n) {
		/* Whatever arrives from now on waits for the snapshot. */
		f->boot_wanted = 1;
		f->buffering = 1;
		r = 0;
	}
	pthread_mutex_unlock(&f->lock);
	if (r == 0)
		tapir_thread_wake(&f->boot);
	return r;
}

/* ---- life cycle ---- */

struct feed_obs *
feed_obs_create(const struct feed_obs_params *params, char *err,
	size_t errlen)
{
	struct feed_obs *f = calloc(1, sizeof(*f));
	int failed = 0;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->p = *params;
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->save_lock, NULL);
	f->source_name = copy(params->source_name, &failed);
	f->src_name = copy(params->src_name ? params->src_name :
		params->source_name, &failed);
	f->state_file = copy(params->state_file, &failed);
	f->ca_file = copy(params->ca_file, &failed);
	f->cert_file = copy(params->cert_file, &failed);
	f->key_file = copy(params->key_file, &failed);
	f->pending_tail = &f->pending;
	tapir_thread_init(&f->boot);
	if (boot_conf_set(&f->boot_conf, params->bootstrap_urls,
	    params->n_bootstrap_urls, params->bootstrap_token) != 0)
		failed = 1;
	/* Kept beside the state; a source that may be given bootstrap
	 * servers later (Core's configuration) has one too. */
	if (f->state_file) {
		size_t len = strlen(f->state_file) + 6;
		if ((f->etag_file = malloc(len)) != NULL)
			snprintf(f->etag_file, len, "%s.etag", f->state_file);
		else
			failed = 1;
	}
	if (failed) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (params->insecure_unsigned)
		tapir_log(TAPIR_LOG_WARN, "source %s: INSECURE: unsigned "
			"messages are accepted (insecure-unsigned: yes); never "
			"use this outside a lab", f->source_name);
	if (!(f->verifiers = workpool_create(VERIFY_HELPERS))) {
		snprintf(err, errlen, "source %s: cannot start a verifier "
			"thread", f->source_name);
		goto fail;
	}
	return f;
fail:
	feed_obs_destroy(f);
	return NULL;
}

int
feed_obs_start(struct feed_obs *f)
{
	int r;

	if (f->boot_conf.n) {
		/* Buffer from the first message on, so the snapshot cannot
		 * miss a delta sent while it was being fetched. */
		f->buffering = 1;
		f->boot_wanted = 1;
		if ((r = bootstrap_global_init()) != BOOTSTRAP_OK)
			tapir_log(TAPIR_LOG_ERR, "source %s: %s",
				f->source_name, bootstrap_strerror(r));
	}
	return tapir_thread_start(&f->boot, boot_thread, f);
}

void
feed_obs_get_stats(struct feed_obs *f, struct feed_obs_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->lock);
}

void
feed_obs_destroy(struct feed_obs *f)
{
	if (!f)
		return;
	/* The bootstrap thread calls into the feed: join it first.  A
	 * bootstrap stopped half-way still applies what was buffered. */
	tapir_thread_stop(&f->boot);
	tapir_thread_destroy(&f->boot);
	if (f->buffering)
		drain_pending(f, 1);
	if (f->verifiers)
		feed_obs_drained(f);
	workpool_destroy(f->verifiers);
	feed_obs_save(f, (int64_t)time(NULL));
	pthread_mutex_destroy(&f->save_lock);
	pthread_mutex_destroy(&f->lock);
	boot_conf_clear(&f->boot_conf);
	free(f->source_name);
	free(f->src_name);
	free(f->state_file);
	free(f->ca_file);
	free(f->cert_file);
	free(f->key_file);
	free(f->etag_file);
	free(f);
}
