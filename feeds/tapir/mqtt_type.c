/*
 * feeds/tapir/mqtt_type.c - the type "mqtt": DNS TAPIR observations, its
 * mqtt: clause, the connection its sources share, Core's configuration
 * and the signed status reports the connection carries.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The reload protocol (ARCHITECTURE.md §5) holds for the one connection
 * as it did for one per source: it is made with the engine's state but
 * starts only when the last source of the engine starts (after every
 * handover, so no message applies before a source picked up its saved
 * state), and it stops when the first source is destroyed (before any
 * source's last save, so what it delivers is in that save).  The new
 * engine's connection has the old one's client id, so it resumes the
 * session the old one left, with what the broker queued in between.
 */
#include "tapir_config.h"
#include "feeds/tapir/mqtt_type.h"
#include "feeds/tapir/certfile.h"
#include "feeds/tapir/coreconfig.h"
#include "feeds/tapir/feed_obs.h"
#include "feeds/tapir/keyring.h"
#include "feeds/tapir/mqtt_conn.h"
#include "feeds/tapir/mqtt_topic.h"
#include "feeds/tapir/observation.h"
#include "feeds/tapir/status.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/statefile.h"

#include <errno.h>
#include <stddef.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/** Largest configuration message (and saved configuration) accepted. */
#define CONFIG_MAX (64 * 1024)
/** Lines a minute about refused configuration messages and messages on
 *  topics nobody wants; the rest are counted. */
#define NOTES_LOGGED_PER_MINUTE 10
/** A certificate warning or error is logged again this often. */
#define CERT_LOG_INTERVAL (24 * 3600)
/** The certificate files: ca-file, cert-file, key-file. */
#define CERT_FILES 3

struct obs_feed;

/* A trusted key file, loaded once however many sources name it. */
struct obs_keys {
	struct keyring *k;
	struct obs_keys *next;
};

/* What the sources share: the clause, the connection, the keys, Core's
 * configuration, the certificate's state and the status reporter (key
 * NULL when reports are off). */
struct obs_shared {
	const struct mqtt_clause *clause;
	char client_id[160];
	unsigned poll_ms;
	struct mqtt_conn *conn;
	/* The clause's trusted keys (NULL without), then the sources' own. */
	struct keyring *keys;
	struct obs_keys *more_keys;
	/* Sources created and started: the connection starts with the
	 * last, and stops with the first destroyed. */
	unsigned created, started;
	int running;
	/* The certificate files, watched while running. */
	struct cert_watch {
		struct feed_watch w;
		struct obs_shared *s;
	} cert_watch[CERT_FILES];
	unsigned n_cert_watch;
	/* <state-dir>/mqtt-config.json, or NULL. */
	char *config_file;
	EVP_PKEY *status_key;
	char *status_kid;
	struct status_limiter limiter;
	/* Guards everything below: the sources are created on one thread,
	 * routed on the connection's, described on the maintenance
	 * thread's. */
	pthread_mutex_t lock;
	struct obs_feed *feeds;
	/* Core's configuration in force, and what became of messages. */
	struct core_config core;
	int have_core;
	uint64_t config_received, config_applied, config_unchanged,
		config_refused, config_broken;
	char config_error[256];
	int64_t config_time;
	/* Messages on a topic no source has (the connection's, shown with
	 * every source). */
	uint64_t unrouted;
	/* The client certificate: what it says, or why it cannot be read;
	 * and what was last logged about it. */
	struct certfile_info cert;
	int cert_ok;
	char cert_error[256];
	enum status_state cert_logged;
	int64_t cert_logged_at;
	/* Log limiter of the notes above. */
	int64_t note_minute;
	unsigned notes;
};

struct obs_feed {
	struct feed_obs *f;
	char *state_file;
	const char *name;
	struct obs_shared *shared;
	struct keyring *keys;
	/* The topic subscribed (changed under the shared lock). */
	char *topic;
	/* Whether Core's configuration moves the source. */
	int follows_core;
	struct obs_feed *next;
};

/* ---- the mqtt: clause ---- */

static void *
clause_new(void)
{
	struct mqtt_clause *c = calloc(1, sizeof(*c));

	if (c) {
		c->keepalive = 30;
		c->backoff_max = 60;
		c->session_expiry = 86400;
		c->rebootstrap_after = 60;
		c->cert_warn_days = 2;
	}
	return c;
}

static int
clause_key(void *clause, const struct feed_conf_key *k, char *err,
	size_t errlen)
{
	struct mqtt_clause *c = clause;
	const char *v;
	unsigned long n;

	if (feed_conf_values(k, 1, 1, err, errlen) != 0)
		return -1;
	v = k->values[0];
	if (strcmp(k->key, "server") == 0) {
		if (strncmp(v, "mqtts://", 8) != 0 &&
		    strncmp(v, "mqtt://", 7) != 0 &&
		    strncmp(v, "ssl://", 6) != 0 &&
		    strncmp(v, "tcp://", 6) != 0) {
			snprintf(err, errlen, "'%s' is not an mqtts:// or "
				"mqtt:// URI", v);
			return -1;
		}
		return feed_conf_string(&c->server, v, err, errlen);
	}
	if (strcmp(k->key, "client-id") == 0) {
		if (!*v || strlen(v) > 128) {
			snprintf(err, errlen, "client-id must be 1 to 128 "
				"characters");
			return -1;
		}
		return feed_conf_string(&c->client_id, v, err, errlen);
	}
	if (strcmp(k->key, "ca-file") == 0)
		return feed_conf_string(&c->ca_file, v, err, errlen);
	if (strcmp(k->key, "cert-file") == 0)
		return feed_conf_string(&c->cert_file, v, err, errlen);
	if (strcmp(k->key, "key-file") == 0)
		return feed_conf_string(&c->key_file, v, err, errlen);
	if (strcmp(k->key, "trusted-keys") == 0)
		return feed_conf_string(&c->trusted_keys, v, err, errlen);
	if (strcmp(k->key, "insecure-unsigned") == 0)
		return feed_conf_bool(v, &c->insecure_unsigned, err, errlen);
	if (strcmp(k->key, "config-topic") == 0) {
		if (!mqtt_topic_filter_valid(v)) {
			snprintf(err, errlen, "'%s' is not a valid MQTT topic",
				v);
			return -1;
		}
		return feed_conf_string(&c->config_topic, v, err, errlen);
	}
	if (strcmp(k->key, "insecure-unsigned-config") == 0)
		return feed_conf_bool(v, &c->insecure_unsigned_config, err,
			errlen);
	if (strcmp(k->key, "status-key") == 0)
		return feed_conf_string(&c->status_key, v, err, errlen);
	if (strcmp(k->key, "edge-id") == 0) {
		if (!*v || strpbrk(v, "/+#")) {
			snprintf(err, errlen, "'%s' is not a usable edge id "
				"(no '/', '+' or '#')", v);
			return -1;
		}
		return feed_conf_string(&c->edge_id, v, err, errlen);
	}
	if (strcmp(k->key, "status-kid") == 0)
		return feed_conf_string(&c->status_kid, v, err, errlen);
	if (strcmp(k->key, "keepalive") == 0) {
		if (feed_conf_uint(v, 5, 3600, &n, err, errlen) != 0)
			return -1;
		c->keepalive = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "reconnect-max") == 0) {
		if (feed_conf_uint(v, 1, 3600, &n, err, errlen) != 0)
			return -1;
		c->backoff_max = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "session-expiry") == 0) {
		if (feed_conf_uint(v, 0, UINT32_MAX, &n, err, errlen) != 0)
			return -1;
		c->session_expiry = (uint32_t)n;
		return 0;
	}
	if (strcmp(k->key, "rebootstrap-after") == 0) {
		if (feed_conf_uint(v, 0, 30 * 86400, &n, err, errlen) != 0)
			return -1;
		c->rebootstrap_after = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "cert-warn-days") == 0) {
		if (feed_conf_uint(v, 0, 365, &n, err, errlen) != 0)
			return -1;
		c->cert_warn_days = (unsigned)n;
		return 0;
	}
	snprintf(err, errlen, "unknown key in mqtt: clause");
	return -1;
}

/* Status reports and Core's configuration need a connection, which
 * sources of type mqtt make. */
static int
clause_check(const void *clause, unsigned sources, char *err, size_t errlen)
{
	const struct mqtt_clause *c = clause;

	if (c->config_topic && !c->trusted_keys &&
	    !c->insecure_unsigned_config) {
		snprintf(err, errlen, "config-topic needs 'trusted-keys' to "
			"verify Core's messages with (or "
			"'insecure-unsigned-config: yes' in a lab)");
		return -1;
	}
	if (c->status_key && !c->edge_id) {
		snprintf(err, errlen, "status-key needs edge-id");
		return -1;
	}
	if (!sources && (c->status_key || c->config_topic)) {
		snprintf(err, errlen, "%s needs a source of type mqtt (it "
			"uses its connection)", c->status_key ?
			"status-key" : "config-topic");
		return -1;
	}
	return 0;
}

static void
clause_free(void *clause)
{
	struct mqtt_clause *c = clause;

	if (!c)
		return;
	free(c->server);
	free(c->client_id);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->trusted_keys);
	free(c->config_topic);
	free(c->status_key);
	free(c->edge_id);
	free(c->status_kid);
	free(c);
}

static void
clause_files(const void *clause, feed_file_fn fn, void *arg)
{
	const struct mqtt_clause *c = clause;

	if (c->ca_file)
		fn(arg, "ca-file", c->ca_file);
	if (c->cert_file)
		fn(arg, "cert-file", c->cert_file);
	if (c->key_file)
		fn(arg, "key-file", c->key_file);
	if (c->trusted_keys)
		fn(arg, "trusted-keys", c->trusted_keys);
	if (c->status_key)
		fn(arg, "status-key", c->status_key);
}

/* ---- the source clause ---- */

static void *
conf_new(void)
{
	struct mqtt_source_conf *c = calloc(1, sizeof(*c));

	if (c) {
		c->max_entries = 5000000;
		c->core_config = -1;
	}
	return c;
}

static int
conf_key(void *conf, const struct feed_conf_key *k, char *err, size_t errlen)
{
	struct mqtt_source_conf *c = conf;
	const char *v;
	unsigned long n;

	if (feed_conf_values(k, 1, 1, err, errlen) != 0)
		return -1;
	v = k->values[0];
	if (strcmp(k->key, "topic") == 0) {
		if (!mqtt_topic_filter_valid(v)) {
			snprintf(err, errlen, "'%s' is not a valid MQTT topic",
				v);
			return -1;
		}
		return feed_conf_string(&c->topic, v, err, errlen);
	}
	if (strcmp(k->key, "src-name") == 0)
		return feed_conf_string(&c->src_name, v, err, errlen);
	if (strcmp(k->key, "bootstrap-url") == 0) {
		if (strncmp(v, "https://", 8) != 0) {
			snprintf(err, errlen, "'%s' is not an https:// URL", v);
			return -1;
		}
		return feed_conf_string(&c->bootstrap_url, v, err, errlen);
	}
	if (strcmp(k->key, "max-entries") == 0) {
		if (feed_conf_uint(v, 1, 100000000, &n, err, errlen) != 0)
			return -1;
		c->max_entries = (unsigned)n;
		return 0;
	}
	if (strcmp(k->key, "trusted-keys") == 0)
		return feed_conf_string(&c->trusted_keys, v, err, errlen);
	if (strcmp(k->key, "core-config") == 0)
		return feed_conf_bool(v, &c->core_config, err, errlen);
	snprintf(err, errlen, "unknown key for a source of type mqtt");
	return -1;
}

/* An observation source needs the mqtt: clause, and either keys to
 * verify messages with or the explicit lab switch. */
static int
conf_check(const void *conf, const void *clause, char *err, size_t errlen)
{
	const struct mqtt_source_conf *c = conf;
	const struct mqtt_clause *m = clause;

	if (!c->topic)
		snprintf(err, errlen, "type mqtt needs 'topic'");
	else if (!m || !m->server)
		snprintf(err, errlen, "type mqtt needs an mqtt: clause with "
			"'server'");
	else if (!c->trusted_keys && !m->trusted_keys && !m->insecure_unsigned)
		snprintf(err, errlen, "type mqtt needs 'trusted-keys' (here or "
			"in mqtt:; or 'insecure-unsigned: yes' there, in a "
			"lab)");
	else if ((strncmp(m->server, "mqtts://", 8) == 0 ||
	    strncmp(m->server, "ssl://", 6) == 0) && !m->ca_file)
		snprintf(err, errlen, "mqtt: a TLS server needs 'ca-file'");
	else if (!m->cert_file != !m->key_file)
		snprintf(err, errlen, "mqtt: cert-file and key-file go "
			"together");
	else if (c->bootstrap_url && !m->ca_file)
		snprintf(err, errlen, "bootstrap-url needs 'ca-file' in mqtt:");
	else if (m->config_topic && strcmp(m->config_topic, c->topic) == 0)
		snprintf(err, errlen, "the topic is mqtt:'s config-topic");
	else if (c->core_config == 1 && !m->config_topic)
		snprintf(err, errlen, "core-config: yes needs 'config-topic' "
			"in mqtt:");
	else
		return 0;
	return -1;
}

static void
conf_free(void *conf)
{
	struct mqtt_source_conf *c = conf;

	if (!c)
		return;
	free(c->topic);
	free(c->src_name);
	free(c->bootstrap_url);
	free(c->trusted_keys);
	free(c);
}

static void
conf_files(const void *conf, feed_file_fn fn, void *arg)
{
	const struct mqtt_source_conf *c = conf;

	if (c->trusted_keys)
		fn(arg, "trusted-keys", c->trusted_keys);
}

/* ---- notes: refusals and strays, logged at a bounded rate ---- */

/* Whether a note may be logged now.  Called locked. */
static int
note_due(struct obs_shared *s)
{
	int64_t minute = (int64_t)time(NULL) / 60;

	if (minute != s->note_minute) {
		s->note_minute = minute;
		s->notes = 0;
	}
	return s->notes++ < NOTES_LOGGED_PER_MINUTE;
}

/* ---- routing ---- */

/* The topics the connection must have: the configuration topic and
 * every source's, each once.  Called locked. */
static int
want_topics(struct obs_shared *s)
{
	const char *topics[POLICY_MAX_SOURCES + 1];
	struct obs_feed *o;
	size_t n = 0, i;

	if (s->clause->config_topic)
		topics[n++] = s->clause->config_topic;
	for (o = s->feeds; o && n < POLICY_MAX_SOURCES + 1; o = o->next) {
		for (i = 0; i < n && strcmp(topics[i], o->topic) != 0; i++)
			;
		if (i == n)
			topics[n++] = o->topic;
	}
	return mqtt_conn_set_topics(s->conn, topics, n);
}

static void apply_config_message(struct obs_shared *s,
	const uint8_t *payload, size_t len);

/* A message, on the connection's thread: to every source whose topic
 * matches, or to the configuration. */
static void
on_message(void *arg, const char *topic, const uint8_t *payload,
	size_t len, int qos, int dup)
{
	struct obs_shared *s = arg;
	struct feed_obs *to[POLICY_MAX_SOURCES];
	struct obs_feed *o;
	size_t n = 0, i;

	if (s->clause->config_topic &&
	    mqtt_topic_matches(s->clause->config_topic, topic)) {
		apply_config_message(s, payload, len);
		return;
	}
	pthread_mutex_lock(&s->lock);
	for (o = s->feeds; o && n < POLICY_MAX_SOURCES; o = o->next)
		if (mqtt_topic_matches(o->topic, topic))
			to[n++] = o->f;
	if (!n) {
		/* The session's subscription from before a topic moved
		 * (or a restart with another file): unsubscribe it. */
		s->unrouted++;
		if (note_due(s))
			tapir_log(TAPIR_LOG_WARN, "mqtt: a message on %s, "
				"which no source has; dropped", topic);
	}
	pthread_mutex_unlock(&s->lock);
	if (!n && !mqtt_topic_has_wildcard(topic))
		mqtt_conn_drop_topic(s->conn, topic);
	for (i = 0; i < n; i++)
		feed_obs_receive(to[i], payload, len, qos, dup);
}

static void
on_drained(void *arg)
{
	struct obs_shared *s = arg;
	struct feed_obs *to[POLICY_MAX_SOURCES];
	struct obs_feed *o;
	size_t n = 0, i;

	pthread_mutex_lock(&s->lock);
	for (o = s->feeds; o && n < POLICY_MAX_SOURCES; o = o->next)
		to[n++] = o->f;
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++)
		feed_obs_drained(to[i]);
}

/* Messages published at QoS 0 while the edge was away are lost: after a
 * long gap, the sources that can bootstrap do. */
static void
on_connected(void *arg, const struct mqtt_conn_event *ev)
{
	struct obs_shared *s = arg;
	struct obs_feed *o;

	if (!ev->reconnect || ev->gap <= (int64_t)s->clause->rebootstrap_after)
		return;
	pthread_mutex_lock(&s->lock);
	for (o = s->feeds; o; o = o->next)
		if (feed_obs_bootstrap(o->f) == 0)
			tapir_log(TAPIR_LOG_INFO, "source %s: reconnected "
				"after %lld s (rebootstrap-after %u): "
				"bootstrapping again", o->name,
				(long long)ev->gap,
				s->clause->rebootstrap_after);
	pthread_mutex_unlock(&s->lock);
}

static void
on_subscribed(void *arg, const char *topic, int granted)
{
	struct obs_shared *s = arg;
	struct obs_feed *o;

	if (s->clause->config_topic &&
	    strcmp(s->clause->config_topic, topic) == 0)
		tapir_log(TAPIR_LOG_INFO, "mqtt: subscribed to Core's "
			"configuration topic %s", topic);
	if (granted < 0)
		return;
	pthread_mutex_lock(&s->lock);
	for (o = s->feeds; o; o = o->next) {
		struct feed_obs_stats st;
		if (strcmp(o->topic, topic) != 0)
			continue;
		feed_obs_get_stats(o->f, &st);
		tapir_log(TAPIR_LOG_INFO, "source %s: subscribed to %s (QoS "
			"%d)", o->name, topic, granted);
		if (granted == 0 || st.qos0)
			tapir_log(TAPIR_LOG_WARN, "source %s: %s arrive at "
				"QoS 0, which the broker does not keep while "
				"the edge is away: %s", o->name, granted == 0 ?
				"the broker granted QoS 0 only, so messages" :
				"messages on this topic",
				feed_obs_can_bootstrap(o->f) ? "a reconnection "
				"after more than rebootstrap-after bootstraps "
				"again" : "set bootstrap-url to recover what is "
				"missed");
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- Core's configuration ---- */

static int
write_config(FILE *out, void *arg)
{
	const struct { const uint8_t *p; size_t len; } *b = arg;

	return fwrite(b->p, 1, b->len, out) == b->len ? 0 : -1;
}

/* Keep the payload of an accepted configuration for the next start. */
static void
save_config(struct obs_shared *s, const uint8_t *payload, size_t len)
{
	struct { const uint8_t *p; size_t len; } b = { payload, len };
	char why[512];

	if (!s->config_file) {
		tapir_log(TAPIR_LOG_WARN, "mqtt: no state-dir: Core's "
			"configuration holds until the module restarts");
		return;
	}
	if (statefile_write(s->config_file, write_config, &b, why,
	    sizeof(why)) != STATEFILE_OK)
		tapir_log(TAPIR_LOG_ERR, "mqtt: %s; Core's configuration "
			"holds until the module restarts", why);
}

/* A configuration message that changes nothing: counted, logged, the
 * reason kept for the status report. */
static void
refuse_config(struct obs_shared *s, const char *why)
{
	pthread_mutex_lock(&s->lock);
	s->config_refused++;
	snprintf(s->config_error, sizeof(s->config_error), "%s", why);
	if (note_due(s))
		tapir_log(TAPIR_LOG_ERR, "mqtt: configuration message on %s "
			"refused: %s; nothing changed", s->clause->config_topic,
			why);
	pthread_mutex_unlock(&s->lock);
}

/* Move the sources that follow Core's configuration to what c says.
 * Takes c's contents.  Returns how many sources moved. */
static unsigned
use_config(struct obs_shared *s, struct core_config *c)
{
	struct feed_obs *boot[POLICY_MAX_SOURCES];
	struct obs_feed *o;
	unsigned moved = 0, n = 0, i;

	pthread_mutex_lock(&s->lock);
	for (o = s->feeds; o; o = o->next) {
		char *t;
		if (!o->follows_core || !(t = strdup(c->topic)))
			continue;
		if (strcmp(t, o->topic) != 0)
			tapir_log(TAPIR_LOG_INFO, "source %s: topic %s from "
				"Core's configuration (was %s)", o->name, t,
				o->topic);
		if (c->n_bootstrap_urls)
			tapir_log(TAPIR_LOG_INFO, "source %s: bootstrapping "
				"from Core's %zu servers", o->name,
				c->n_bootstrap_urls);
		free(o->topic);
		o->topic = t;
		moved++;
		if (c->n_bootstrap_urls && n < POLICY_MAX_SOURCES &&
		    feed_obs_set_bootstrap(o->f,
		    (const char *const *)c->bootstrap_urls,
		    c->n_bootstrap_urls, c->bootstrap_token) == 0)
			boot[n++] = o->f;
	}
	core_config_clear(&s->core);
	s->core = *c;
	memset(c, 0, sizeof(*c));
	s->have_core = 1;
	if (want_topics(s) != 0)
		tapir_log(TAPIR_LOG_ERR, "mqtt: out of memory changing the "
			"subscriptions");
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++)
		feed_obs_bootstrap(boot[i]);
	return moved;
}

/* A message on the configuration topic, on the connection's thread:
 * verified as observations are, parsed, applied, kept. */
static void
apply_config_message(struct obs_shared *s, const uint8_t *msg, size_t len)
{
	struct core_config c;
	struct keyring_ref *ref = NULL;
	const uint8_t *json = msg;
	uint8_t *payload = NULL;
	size_t json_len = len;
	char why[256];
	int r, same;
	unsigned moved;

	pthread_mutex_lock(&s->lock);
	s->config_received++;
	pthread_mutex_unlock(&s->lock);
	if (len > CONFIG_MAX) {
		refuse_config(s, "larger than 64 kB");
		return;
	}
	if (s->keys) {
		r = jws_verify(keyring_acquire(s->keys, &ref),
			(const char *)msg, len, &payload, &json_len, NULL);
		keyring_release(s->keys, ref);
		if (r == JWS_OK) {
			json = payload;
		} else if (!(r == JWS_ERR_MALFORMED &&
		    s->clause->insecure_unsigned_config)) {
			/* Only what is not a JWS at all may pass as an
			 * unsigned message: a JWS that fails is forged. */
			snprintf(why, sizeof(why), "signature: %s",
				jws_strerror(r));
			refuse_config(s, why);
			return;
		} else {
			json_len = len;
		}
	}
	if (core_config_parse(json, json_len, &c, why, sizeof(why)) != 0) {
		core_config_clear(&c);
		free(payload);
		refuse_config(s, why);
		return;
	}
	pthread_mutex_lock(&s->lock);
	same = s->have_core && core_config_equal(&s->core, &c);
	s->config_time = (int64_t)time(NULL);
	s->config_error[0] = 0;
	if (same)
		s->config_unchanged++;
	else
		s->config_applied++;
	pthread_mutex_unlock(&s->lock);
	if (same) {
		tapir_log(TAPIR_LOG_INFO, "mqtt: Core's configuration%s%s is "
			"the one in force", *c.version ? " version " : "",
			c.version);
	} else {
		tapir_log(TAPIR_LOG_INFO, "mqtt: Core's configuration%s%s: "
			"topic %s, %zu bootstrap servers", *c.version ?
			" version " : "", c.version, c.topic,
			c.n_bootstrap_urls);
		save_config(s, json, json_len);
		if (!(moved = use_config(s, &c)))
			tapir_log(TAPIR_LOG_WARN, "mqtt: no source follows "
				"Core's configuration (core-config: yes)");
	}
	core_config_clear(&c);
	free(payload);
}

/* Read the configuration kept from before: 1 when c holds it, 0 when
 * there is none, -1 when the file cannot be used (why says why). */
static int
read_config(struct obs_shared *s, struct core_config *c, char *why,
	size_t whylen)
{
	char *text;
	size_t len;
	int r;

	memset(c, 0, sizeof(*c));
	if (!s->config_file)
		return 0;
	if ((r = file_read_all(s->config_file, CONFIG_MAX, &text, &len))) {
		if (r == ENOENT)
			return 0;
		snprintf(why, whylen, "cannot read it: %s", file_strerror(r));
		return -1;
	}
	r = core_config_parse((const uint8_t *)text, len, c, why, whylen);
	free(text);
	if (r != 0)
		core_config_clear(c);
	return r == 0 ? 1 : -1;
}

/* The configuration kept from before a restart, if any, for the sources
 * about to be made; one that cannot be read is kept aside. */
static void
load_config(struct obs_shared *s)
{
	char why[300];

	switch (read_config(s, &s->core, why, sizeof(why))) {
	case 1:
		s->have_core = 1;
		tapir_log(TAPIR_LOG_INFO, "mqtt: Core's configuration from %s: "
			"topic %s", s->config_file, s->core.topic);
		break;
	case -1:
		s->config_broken++;
		statefile_keep_aside(s->config_file, "mqtt", why, NULL, 0);
		break;
	}
}

/* On a reload, the engine being replaced may have taken a configuration
 * message after this one read the file: the file is read again once it
 * has ended, before the connection starts. */
static void
handover_config(struct obs_shared *s)
{
	struct core_config c;
	char why[300];
	int same;

	if (read_config(s, &c, why, sizeof(why)) != 1)
		return;
	pthread_mutex_lock(&s->lock);
	same = s->have_core && core_config_equal(&s->core, &c);
	pthread_mutex_unlock(&s->lock);
	if (!same) {
		tapir_log(TAPIR_LOG_INFO, "mqtt: Core's configuration changed "
			"during the reload: topic %s", c.topic);
		use_config(s, &c);
	}
	core_config_clear(&c);
}

/* ---- the client certificate ---- */

/* Read what the certificate says now (its files changed, or at start). */
static void
cert_refresh(struct obs_shared *s)
{
	const struct mqtt_clause *m = s->clause;
	struct certfile_info info;
	char why[256];
	int ok;

	if (!m->cert_file)
		return;
	ok = certfile_read(m->cert_file, m->key_file, &info, why,
		sizeof(why)) == 0;
	pthread_mutex_lock(&s->lock);
	s->cert_ok = ok;
	if (ok)
		s->cert = info;
	else
		snprintf(s->cert_error, sizeof(s->cert_error), "%s", why);
	/* A new state is logged at the next tick. */
	s->cert_logged_at = 0;
	pthread_mutex_unlock(&s->lock);
}

/* The certificate's state now, with its message.  Called locked. */
static enum status_state
cert_state(struct obs_shared *s, int64_t now, char *msg, size_t size)
{
	char t[32];
	int64_t left;

	if (!s->cert_ok) {
		snprintf(msg, size, "client certificate unusable: %s",
			s->cert_error);
		return STATUS_STATE_FAIL;
	}
	left = s->cert.not_after - now;
	if (observation_format_time(s->cert.not_after, t, sizeof(t)) != 0)
		snprintf(t, sizeof(t), "%lld", (long long)s->cert.not_after);
	if (left <= 0) {
		snprintf(msg, size, "client certificate %s expired at %s",
			s->clause->cert_file, t);
		return STATUS_STATE_FAIL;
	}
	snprintf(msg, size, "client certificate %s expires at %s (%lld days "
		"%lld hours)", s->clause->cert_file, t,
		(long long)(left / 86400), (long long)(left % 86400 / 3600));
	return left < (int64_t)s->clause->cert_warn_days * 86400 ?
		STATUS_STATE_WARN : STATUS_STATE_OK;
}

/* Log the certificate's state when it changes, and daily while it is
 * not good. */
static void
cert_tick(struct obs_shared *s, int64_t now)
{
	enum status_state st;
	char msg[512];

	if (!s->clause->cert_file)
		return;
	pthread_mutex_lock(&s->lock);
	st = cert_state(s, now, msg, sizeof(msg));
	if (st == s->cert_logged && s->cert_logged_at &&
	    (st == STATUS_STATE_OK ||
	    now - s->cert_logged_at < CERT_LOG_INTERVAL)) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->cert_logged = st;
	s->cert_logged_at = now;
	pthread_mutex_unlock(&s->lock);
	if (st == STATUS_STATE_FAIL)
		tapir_log(TAPIR_LOG_ERR, "mqtt: %s", msg);
	else if (st == STATUS_STATE_WARN)
		tapir_log(TAPIR_LOG_WARN, "mqtt: %s: fewer than %u days left "
			"(cert-warn-days); is the renewal running?", msg,
			s->clause->cert_warn_days);
	else
		tapir_log(TAPIR_LOG_INFO, "mqtt: %s", msg);
}

/* A certificate file has a version not seen yet: the connection
 * reconnects with it if the files make a usable whole. */
static void
cert_file_new(void *arg)
{
	struct cert_watch *cw = arg;
	struct file_id id;
	int e = 0;

	if (file_id_get(cw->w.path, &id) != 0) {
		e = errno;
		memset(&id, 0, sizeof(id));
	}
	feed_watch_tried(&cw->w, e, &id);
	cert_refresh(cw->s);
	mqtt_conn_files_changed(cw->s->conn);
}

static void
cert_file_gone(void *arg, int err)
{
	struct cert_watch *cw = arg;

	tapir_log(TAPIR_LOG_WARN, "mqtt: %s: %s; the connection keeps the "
		"certificate it has", cw->w.path, file_strerror(err));
	cert_refresh(cw->s);
}

/* ---- shared ---- */

/* The keyring of a source's own trusted-keys file, shared by the
 * sources that name the same file. */
static struct keyring *
source_keys(struct obs_shared *s, const char *path, const char *who,
	char *err, size_t errlen)
{
	struct obs_keys *k;

	if (s->keys && strcmp(keyring_path(s->keys), path) == 0)
		return s->keys;
	for (k = s->more_keys; k; k = k->next)
		if (strcmp(keyring_path(k->k), path) == 0)
			return k->k;
	if (!(k = calloc(1, sizeof(*k)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(k->k = keyring_create(path, who, s->poll_ms, err, errlen))) {
		free(k);
		return NULL;
	}
	k->next = s->more_keys;
	s->more_keys = k;
	return k->k;
}

/* Start what the sources share, once all of them started: the key and
 * certificate watchers, and the connection. */
static int
start_shared(struct obs_shared *s)
{
	struct obs_keys *k;
	unsigned i;
	int r = 0;

	if (s->clause->config_topic)
		handover_config(s);
	pthread_mutex_lock(&s->lock);
	r = want_topics(s) != 0 ? ENOMEM : 0;
	pthread_mutex_unlock(&s->lock);
	if (!r && s->keys)
		r = keyring_start(s->keys);
	for (k = s->more_keys; k && !r; k = k->next)
		r = keyring_start(k->k);
	for (i = 0; i < s->n_cert_watch && !r; i++)
		r = feed_watch_start(&s->cert_watch[i].w);
	if (!r)
		r = mqtt_conn_start(s->conn);
	s->running = 1;
	return r;
}

/* Stop the connection (it delivers what it read first) and the
 * certificate watchers, which poke it. */
static void
stop_shared(struct obs_shared *s)
{
	unsigned i;

	if (!s->running)
		return;
	s->running = 0;
	for (i = 0; i < s->n_cert_watch; i++)
		tapir_thread_stop(&s->cert_watch[i].w.thread);
	mqtt_conn_stop(s->conn);
}

static void
shared_destroy(void *shared)
{
	struct obs_shared *s = shared;
	struct obs_keys *k;
	unsigned i;

	if (!s)
		return;
	stop_shared(s);
	for (i = 0; i < s->n_cert_watch; i++)
		feed_watch_destroy(&s->cert_watch[i].w);
	mqtt_conn_destroy(s->conn);
	keyring_destroy(s->keys);
	while ((k = s->more_keys)) {
		s->more_keys = k->next;
		keyring_destroy(k->k);
		free(k);
	}
	core_config_clear(&s->core);
	free(s->config_file);
	EVP_PKEY_free(s->status_key);
	free(s->status_kid);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int
make_conn(struct obs_shared *s)
{
	const struct mqtt_clause *m = s->clause;
	struct mqtt_conn_params p;
	const char *files[CERT_FILES] = { m->ca_file, m->cert_file,
		m->key_file };
	unsigned i;

	memset(&p, 0, sizeof(p));
	p.server = m->server;
	p.client_id = s->client_id;
	p.ca_file = m->ca_file;
	p.cert_file = m->cert_file;
	p.key_file = m->key_file;
	p.keepalive = m->keepalive;
	p.backoff_max = m->backoff_max;
	p.session_expiry = m->session_expiry;
	p.on_message = on_message;
	p.on_drained = on_drained;
	p.on_connected = on_connected;
	p.on_subscribed = on_subscribed;
	p.arg = s;
	if (!(s->conn = mqtt_conn_create(&p)))
		return -1;
	for (i = 0; i < CERT_FILES; i++) {
		struct cert_watch *cw = &s->cert_watch[s->n_cert_watch];
		if (!files[i])
			continue;
		cw->s = s;
		cw->w.path = files[i];
		cw->w.poll_ms = s->poll_ms;
		cw->w.load = cert_file_new;
		cw->w.gone = cert_file_gone;
		cw->w.arg = cw;
		feed_watch_init(&cw->w);
		s->n_cert_watch++;
	}
	return 0;
}

static void *
shared_create(const void *clause, const char *state_dir, unsigned poll_ms,
	char *err, size_t errlen)
{
	const struct mqtt_clause *m = clause;
	struct obs_shared *s = calloc(1, sizeof(*s));
	char why[256], host[64] = "localhost";

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->clause = m;
	s->poll_ms = poll_ms;
	/* Stable across restarts: the session is found by it. */
	if (m->client_id) {
		snprintf(s->client_id, sizeof(s->client_id), "%s",
			m->client_id);
	} else {
		gethostname(host, sizeof(host) - 1);
		snprintf(s->client_id, sizeof(s->client_id), "tapir-pop-%s",
			host);
	}
	if (make_conn(s) != 0) {
		snprintf(err, errlen, "mqtt: cannot use server '%s'",
			m->server);
		goto fail;
	}
	if (m->trusted_keys && !(s->keys = keyring_create(m->trusted_keys,
	    "mqtt", poll_ms, err, errlen)))
		goto fail;
	if (m->config_topic) {
		if (m->insecure_unsigned_config)
			tapir_log(TAPIR_LOG_WARN, "mqtt: INSECURE: unsigned "
				"configuration messages are accepted "
				"(insecure-unsigned-config: yes); never use "
				"this outside a lab");
		if (state_dir) {
			size_t len = strlen(state_dir) + 20;
			if (!(s->config_file = malloc(len))) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			snprintf(s->config_file, len, "%s/mqtt-config.json",
				state_dir);
		}
		load_config(s);
	}
	cert_refresh(s);
	if (!m->status_key)
		return s;
	if (status_key_load(m->status_key, &s->status_key, &s->status_kid,
	    why, sizeof(why)) != STATUS_OK) {
		snprintf(err, errlen, "mqtt: status-key %s: %s", m->status_key,
			why);
		goto fail;
	}
	if (!s->status_kid && !(s->status_kid = strdup(m->status_kid ?
	    m->status_kid : m->edge_id))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	status_limiter_init(&s->limiter, STATUS_DEFAULT_INTERVAL);
	return s;
fail:
	shared_destroy(s);
	return NULL;
}

/* One component per source: its state, counters and last error. */
static void
describe(struct obs_shared *s, const struct feed_roster *roster, unsigned i,
	struct status_component *c, struct feed_stats *st)
{
	const char *name, *type;
	enum policy_list list;
	size_t entries;
	struct obs_feed *o;

	roster->describe(roster->arg, i, &name, &type, &list, &entries, st);
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->state = !st->last_error[0] ? STATUS_STATE_OK : st->updates ?
		STATUS_STATE_WARN : STATUS_STATE_FAIL;
	c->msg = type;
	c->error_msg = st->last_error[0] ? st->last_error : NULL;
	c->num_fails = st->failures > UINT32_MAX ? UINT32_MAX :
		(uint32_t)st->failures;
	c->last_success = st->last_update;
	c->received = st->received ? st->received :
		st->updates + st->failures;
	c->applied = st->updates;
	c->rejected = st->failures;
	c->names = entries;
	for (o = s->feeds; o; o = o->next)
		if (strcmp(o->name, name) == 0) {
			struct feed_obs_stats os;
			feed_obs_get_stats(o->f, &os);
			c->lapsed = os.lapsed;
		}
}

/* The components of what the sources share, named as POP names them:
 * the client certificate, and Core's configuration.  Called locked. */
static unsigned
describe_shared(struct obs_shared *s, int64_t now, struct status_component *c,
	char (*msg)[512])
{
	unsigned n = 0;

	if (s->clause->cert_file) {
		memset(&c[n], 0, sizeof(c[n]));
		c[n].name = "cert-status";
		c[n].state = cert_state(s, now, msg[n], sizeof(msg[n]));
		if (c[n].state == STATUS_STATE_OK)
			c[n].msg = msg[n];
		else if (c[n].state == STATUS_STATE_WARN)
			c[n].warning_msg = msg[n];
		else
			c[n].error_msg = msg[n];
		n++;
	}
	if (s->clause->config_topic) {
		memset(&c[n], 0, sizeof(c[n]));
		c[n].name = "mqtt-config";
		snprintf(msg[n], sizeof(msg[n]), "%s%s", s->have_core ?
			"topic " : "no configuration from Core yet",
			s->have_core ? s->core.topic : "");
		c[n].msg = msg[n];
		c[n].state = s->config_error[0] ? STATUS_STATE_WARN :
			STATUS_STATE_OK;
		c[n].error_msg = s->config_error[0] ? s->config_error : NULL;
		c[n].received = s->config_received;
		c[n].applied = s->config_applied + s->config_unchanged;
		c[n].rejected = s->config_refused;
		c[n].num_fails = s->config_refused > UINT32_MAX ? UINT32_MAX :
			(uint32_t)s->config_refused;
		c[n].last_success = s->config_time;
		n++;
	}
	return n;
}

static void
shared_tick(void *shared, int64_t now, const struct feed_roster *roster)
{
	struct obs_shared *s = shared;
	struct status_component comps[POLICY_MAX_SOURCES + 2];
	/* The components point into these. */
	struct feed_stats stats[POLICY_MAX_SOURCES];
	char msgs[2][512];
	struct status_report r;
	char *topic = NULL, *payload = NULL;
	size_t len = 0;
	unsigned n;
	int rc;

	cert_tick(s, now);
	if (!s->status_key)
		return;
	pthread_mutex_lock(&s->lock);
	for (n = 0; n < roster->count && n < POLICY_MAX_SOURCES; n++)
		describe(s, roster, n, &comps[n], &stats[n]);
	n += describe_shared(s, now, &comps[n], msgs);
	memset(&r, 0, sizeof(r));
	r.edge_id = s->clause->edge_id;
	r.timestamp = now;
	r.components = comps;
	r.n_components = n;
	rc = status_poll(&s->limiter, &r, s->status_key, s->status_kid,
		&topic, &payload, &len);
	if (rc == STATUS_OK && mqtt_conn_publish(s->conn, topic, payload,
	    len) != 0)
		status_limiter_forget(&s->limiter);
	else if (rc != STATUS_OK && rc != STATUS_NOT_DUE)
		tapir_log(TAPIR_LOG_ERR, "status report: %s",
			status_strerror(rc));
	pthread_mutex_unlock(&s->lock);
	free(topic);
	free(payload);
}

/* ---- operations ---- */

static void
obs_destroy(void *feed)
{
	struct obs_feed *o = feed;
	struct obs_shared *s = o->shared;
	struct obs_feed **p;

	/* The first source to go stops the connection: it delivers to
	 * every source, and what it delivers must be in their last save. */
	stop_shared(s);
	pthread_mutex_lock(&s->lock);
	for (p = &s->feeds; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	feed_obs_destroy(o->f);
	free(o->topic);
	free(o->state_file);
	free(o);
}

/* Where the source bootstraps from: Core's servers when it follows a
 * configuration that names some, else its own bootstrap-url. */
static void
bootstrap_of(const struct obs_shared *s, const struct obs_feed *o,
	const struct mqtt_source_conf *c, struct feed_obs_params *p)
{
	if (o->follows_core && s->have_core && s->core.n_bootstrap_urls) {
		p->bootstrap_urls = (const char *const *)s->core.bootstrap_urls;
		p->n_bootstrap_urls = s->core.n_bootstrap_urls;
		p->bootstrap_token = s->core.bootstrap_token;
	} else if (c->bootstrap_url) {
		p->bootstrap_urls = (const char *const *)&c->bootstrap_url;
		p->n_bootstrap_urls = 1;
	}
}

static void *
obs_create(const void *conf, void *shared, const struct feed_env *env,
	char *err, size_t errlen)
{
	const struct mqtt_source_conf *c = conf;
	struct obs_shared *s = shared;
	const struct mqtt_clause *m = s->clause;
	struct obs_feed *o = calloc(1, sizeof(*o));
	struct feed_obs_params p;
	char who[160];

	if (!o) {
		snprintf(err, errlen, "source %s: out of memory", env->name);
		return NULL;
	}
	o->name = env->name;
	o->shared = s;
	o->follows_core = m->config_topic && (c->core_config >= 0 ?
		c->core_config : env->list == POLICY_LIST_DOUBT);
	snprintf(who, sizeof(who), "source %s", env->name);
	o->keys = c->trusted_keys ? source_keys(s, c->trusted_keys, who, err,
		errlen) : s->keys;
	if (c->trusted_keys && !o->keys)
		goto fail;
	if (o->follows_core && s->have_core) {
		o->topic = strdup(s->core.topic);
		if (o->topic && strcmp(o->topic, c->topic) != 0)
			tapir_log(TAPIR_LOG_INFO, "source %s: topic %s from "
				"Core's configuration, not the file's %s",
				env->name, o->topic, c->topic);
	} else {
		o->topic = strdup(c->topic);
	}
	if (!o->topic) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (env->state_dir) {
		size_t len = strlen(env->state_dir) + strlen(env->name) + 20;
		if (!(o->state_file = malloc(len))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		snprintf(o->state_file, len, "%s/%s.observations.json",
			env->state_dir, env->name);
	}
	memset(&p, 0, sizeof(p));
	p.source_name = env->name;
	p.src_name = c->src_name;
	p.list = env->list;
	p.keys = o->keys;
	p.insecure_unsigned = m->insecure_unsigned;
	p.max_entries = c->max_entries;
	bootstrap_of(s, o, c, &p);
	p.ca_file = m->ca_file;
	p.cert_file = m->cert_file;
	p.key_file = m->key_file;
	p.state_file = o->state_file;
	p.store = env->store;
	p.source = env->source;
	p.changed = env->changed;
	p.changed_arg = env->changed_arg;
	if (!(o->f = feed_obs_create(&p, err, errlen)))
		goto fail;
	/* What Core sent before a restart applies until it lapses. */
	feed_obs_load_saved(o->f, (int64_t)time(NULL));
	pthread_mutex_lock(&s->lock);
	o->next = s->feeds;
	s->feeds = o;
	s->created++;
	pthread_mutex_unlock(&s->lock);
	return o;
fail:
	free(o->topic);
	free(o->state_file);
	free(o);
	return NULL;
}

static int
obs_start(void *feed, char *err, size_t errlen)
{
	struct obs_feed *o = feed;
	struct obs_shared *s = o->shared;
	int r = feed_obs_start(o->f);

	if (feed_start_result(r, o->name, err, errlen) != 0)
		return -1;
	/* The engine starts its sources one after the other, each after
	 * its handover: the last one starts the connection. */
	if (++s->started == s->created && (r = start_shared(s)) != 0) {
		snprintf(err, errlen, "mqtt: cannot start: %s", strerror(r));
		return -1;
	}
	return 0;
}

/* A reload's new engine loaded the state file while the old one still
 * ran; the old one wrote its last save as it ended. */
static void
obs_handover(void *feed)
{
	struct obs_feed *o = feed;

	feed_obs_load_saved(o->f, (int64_t)time(NULL));
}

static void
obs_save(void *feed)
{
	struct obs_feed *o = feed;

	feed_obs_save(o->f, (int64_t)time(NULL));
}

static void
obs_stats(void *feed, struct feed_stats *out)
{
	struct obs_feed *o = feed;
	struct feed_obs_stats os;
	struct mqtt_conn_stats ms;
	struct keyring_stats ks;

	feed_obs_get_stats(o->f, &os);
	mqtt_conn_get_stats(o->shared->conn, &ms);
	memset(&ks, 0, sizeof(ks));
	if (o->keys)
		keyring_get_stats(o->keys, &ks);
	memset(out, 0, sizeof(*out));
	out->received = os.received;
	out->updates = os.applied;
	out->failures = os.bad_signature + os.bad_message + os.wrong_source +
		os.over_limit;
	out->last_update = os.last_update;
	out->last_failure = os.last_refused;
	memcpy(out->last_failure_reason, os.last_refusal,
		sizeof(out->last_failure_reason));
	/* A kept configuration found unreadable at start (set before any
	 * thread ran, so read without the lock) is a follower's too. */
	out->state_broken = os.state_broken +
		(o->follows_core ? o->shared->config_broken : 0);
	snprintf(out->state, sizeof(out->state), "%s", ms.connected ?
		"connected" : "disconnected");
	/* The feed's own error first; then the keys', then the
	 * connection's, when nothing else went wrong. */
	memcpy(out->last_error, os.last_error[0] ? os.last_error :
		ks.last_error[0] ? ks.last_error : ms.last_error,
		sizeof(out->last_error));
}

static void
obs_extras(void *feed, feed_extra_fn fn, void *arg)
{
	struct obs_feed *o = feed;
	struct obs_shared *s = o->shared;
	struct feed_obs_stats os;
	struct mqtt_conn_stats ms;
	struct keyring_stats ks;
	uint64_t applied, refused, unrouted;
	int64_t expires;

	feed_obs_get_stats(o->f, &os);
	mqtt_conn_get_stats(s->conn, &ms);
	fn(arg, "lapsed", os.lapsed);
	fn(arg, "bad_signature", os.bad_signature);
	fn(arg, "bad_message", os.bad_message);
	fn(arg, "wrong_source", os.wrong_source);
	fn(arg, "over_limit", os.over_limit);
	fn(arg, "redelivered", os.redelivered);
	fn(arg, "qos0", os.qos0);
	fn(arg, "connects", ms.connects);
	fn(arg, "reconnects", ms.connects ? ms.connects - 1 : 0);
	fn(arg, "bootstraps", os.bootstraps);
	fn(arg, "bootstrap_failures", os.bootstrap_failures);
	if (o->keys) {
		keyring_get_stats(o->keys, &ks);
		fn(arg, "trusted_keys", ks.keys);
		fn(arg, "keys_refused", ks.failures);
	}
	pthread_mutex_lock(&s->lock);
	expires = s->cert_ok ? s->cert.not_after : 0;
	applied = s->config_applied;
	refused = s->config_refused;
	unrouted = s->unrouted;
	pthread_mutex_unlock(&s->lock);
	fn(arg, "unrouted", unrouted);
	if (s->clause->cert_file) {
		fn(arg, "cert_expires", expires > 0 ? (uint64_t)expires : 0);
		fn(arg, "cert_reconnects", ms.cert_reconnects);
	}
	if (o->follows_core) {
		fn(arg, "config_applied", applied);
		fn(arg, "config_refused", refused);
	}
}

static void
obs_reconnect(void *feed)
{
	struct obs_feed *o = feed;

	/* One connection carries every mqtt source: asking for one asks
	 * for it. */
	if (o->shared->conn)
		mqtt_conn_reconnect(o->shared->conn);
}

const struct feed_type feed_type_mqtt = {
	.name = "mqtt",
	.conf_new = conf_new,
	.conf_key = conf_key,
	.conf_check = conf_check,
	.conf_free = conf_free,
	.conf_files = conf_files,
	.clause = "mqtt",
	.clause_new = clause_new,
	.clause_key = clause_key,
	.clause_check = clause_check,
	.clause_free = clause_free,
	.clause_files = clause_files,
	.shared_create = shared_create,
	.shared_tick = shared_tick,
	.shared_destroy = shared_destroy,
	.create = obs_create,
	.start = obs_start,
	.handover = obs_handover,
	.save = obs_save,
	.stats = obs_stats,
	.extras = obs_extras,
	.reconnect = obs_reconnect,
	.destroy = obs_destroy,
};
