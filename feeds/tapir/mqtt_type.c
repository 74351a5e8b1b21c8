/*
 * feeds/tapir/mqtt_type.c - the type "mqtt": DNS TAPIR observations, its
 * mqtt: clause, and the signed status reports its connection carries.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/mqtt_type.h"
#include "feeds/tapir/feed_obs.h"
#include "feeds/tapir/status.h"
#include "module/base/log.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the sources share: the clause, the status reporter (key NULL
 * when reports are off) and the sources, whose connection the reports
 * go out on. */
struct obs_shared {
	const struct mqtt_clause *clause;
	char client_id[160];
	EVP_PKEY *status_key;
	char *status_kid;
	struct status_limiter limiter;
	pthread_mutex_t lock;  /* guards feeds: created on one thread,
				* ticked on another */
	struct obs_feed *feeds;
};

struct obs_feed {
	struct feed_obs *f;
	char *state_file;
	const char *name;
	struct obs_shared *shared;
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
	snprintf(err, errlen, "unknown key in mqtt: clause");
	return -1;
}

/* Status reports need a name to go under and a connection to go on; the
 * clause is one broker connection with one client id, so one source. */
static int
clause_check(const void *clause, unsigned sources, char *err, size_t errlen)
{
	const struct mqtt_clause *c = clause;

	if (sources > 1) {
		snprintf(err, errlen, "only one source of type mqtt (mqtt: is "
			"one connection with one client id)");
		return -1;
	}
	if (!c->status_key)
		return 0;
	if (!c->edge_id) {
		snprintf(err, errlen, "status-key needs edge-id");
		return -1;
	}
	if (!sources) {
		snprintf(err, errlen, "status reports need a source of type "
			"mqtt (they use its connection)");
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
	free(c->status_key);
	free(c->edge_id);
	free(c->status_kid);
	free(c);
}

/* ---- the source clause ---- */

static void *
conf_new(void)
{
	struct mqtt_source_conf *c = calloc(1, sizeof(*c));

	if (c)
		c->max_entries = 5000000;
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
		if (!*v) {
			snprintf(err, errlen, "empty topic");
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
	else if (!m->trusted_keys && !m->insecure_unsigned)
		snprintf(err, errlen, "mqtt: needs 'trusted-keys' (or "
			"'insecure-unsigned: yes' in a lab)");
	else if ((strncmp(m->server, "mqtts://", 8) == 0 ||
	    strncmp(m->server, "ssl://", 6) == 0) && !m->ca_file)
		snprintf(err, errlen, "mqtt: a TLS server needs 'ca-file'");
	else if (!m->cert_file != !m->key_file)
		snprintf(err, errlen, "mqtt: cert-file and key-file go "
			"together");
	else if (c->bootstrap_url && !m->ca_file)
		snprintf(err, errlen, "bootstrap-url needs 'ca-file' in mqtt:");
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
	free(c);
}

/* ---- shared: the status reports ---- */

static void
shared_destroy(void *shared)
{
	struct obs_shared *s = shared;

	if (!s)
		return;
	EVP_PKEY_free(s->status_key);
	free(s->status_kid);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void *
shared_create(const void *clause, const char *state_dir, char *err,
	size_t errlen)
{
	const struct mqtt_clause *m = clause;
	struct obs_shared *s = calloc(1, sizeof(*s));
	char why[256], host[64] = "localhost";

	(void)state_dir;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->clause = m;
	if (m->client_id) {
		snprintf(s->client_id, sizeof(s->client_id), "%s",
			m->client_id);
	} else {
		gethostname(host, sizeof(host) - 1);
		snprintf(s->client_id, sizeof(s->client_id), "tapir-pop-%s",
			host);
	}
	if (!m->status_key)
		return s;
	if (status_key_load(m->status_key, &s->status_key, &s->status_kid,
	    why, sizeof(why)) != STATUS_OK) {
		snprintf(err, errlen, "mqtt: status-key %s: %s", m->status_key,
			why);
		shared_destroy(s);
		return NULL;
	}
	if (!s->status_kid && !(s->status_kid = strdup(m->status_kid ?
	    m->status_kid : m->edge_id))) {
		snprintf(err, errlen, "out of memory");
		shared_destroy(s);
		return NULL;
	}
	status_limiter_init(&s->limiter, STATUS_DEFAULT_INTERVAL);
	return s;
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

static void
shared_tick(void *shared, int64_t now, const struct feed_roster *roster)
{
	struct obs_shared *s = shared;
	struct status_component comps[POLICY_MAX_SOURCES];
	/* The components point into these. */
	struct feed_stats stats[POLICY_MAX_SOURCES];
	struct status_report r;
	char *topic = NULL, *payload = NULL;
	size_t len = 0;
	unsigned n;
	int rc;

	if (!s->status_key)
		return;
	pthread_mutex_lock(&s->lock);
	for (n = 0; n < roster->count && n < POLICY_MAX_SOURCES; n++)
		describe(s, roster, n, &comps[n], &stats[n]);
	memset(&r, 0, sizeof(r));
	r.edge_id = s->clause->edge_id;
	r.timestamp = now;
	r.components = comps;
	r.n_components = n;
	rc = status_poll(&s->limiter, &r, s->status_key, s->status_kid,
		&topic, &payload, &len);
	if (rc == STATUS_OK && s->feeds &&
	    feed_obs_publish(s->feeds->f, topic, payload, len) != 0)
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
	struct obs_feed **p;

	pthread_mutex_lock(&o->shared->lock);
	for (p = &o->shared->feeds; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
	pthread_mutex_unlock(&o->shared->lock);
	feed_obs_destroy(o->f);
	free(o->state_file);
	free(o);
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

	if (!o) {
		snprintf(err, errlen, "source %s: out of memory", env->name);
		return NULL;
	}
	o->name = env->name;
	o->shared = s;
	if (env->state_dir) {
		size_t len = strlen(env->state_dir) + strlen(env->name) + 20;
		if (!(o->state_file = malloc(len))) {
			snprintf(err, errlen, "out of memory");
			free(o);
			return NULL;
		}
		snprintf(o->state_file, len, "%s/%s.observations.json",
			env->state_dir, env->name);
	}
	memset(&p, 0, sizeof(p));
	p.source_name = env->name;
	p.src_name = c->src_name;
	p.list = env->list;
	p.connection.server = m->server;
	p.connection.client_id = s->client_id;
	p.connection.topic = c->topic;
	p.connection.ca_file = m->ca_file;
	p.connection.cert_file = m->cert_file;
	p.connection.key_file = m->key_file;
	p.connection.keepalive = m->keepalive;
	p.connection.backoff_max = m->backoff_max;
	p.trusted_keys = m->trusted_keys;
	p.insecure_unsigned = m->insecure_unsigned;
	p.max_entries = c->max_entries;
	p.bootstrap_url = c->bootstrap_url;
	p.state_file = o->state_file;
	p.store = env->store;
	p.source = env->source;
	p.changed = env->changed;
	p.changed_arg = env->changed_arg;
	if (!(o->f = feed_obs_create(&p, err, errlen))) {
		free(o->state_file);
		free(o);
		return NULL;
	}
	/* What Core sent before a restart applies until it lapses. */
	feed_obs_load_saved(o->f, (int64_t)time(NULL));
	pthread_mutex_lock(&s->lock);
	o->next = s->feeds;
	s->feeds = o;
	pthread_mutex_unlock(&s->lock);
	return o;
}

static int
obs_start(void *feed, char *err, size_t errlen)
{
	struct obs_feed *o = feed;
	int r = feed_obs_start(o->f);

	if (r != 0)
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			o->name, strerror(r));
	return r ? -1 : 0;
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

	feed_obs_get_stats(o->f, &os);
	memset(out, 0, sizeof(*out));
	out->received = os.received;
	out->updates = os.applied;
	out->failures = os.bad_signature + os.bad_message + os.wrong_source +
		os.over_limit;
	out->last_update = os.last_update;
	out->last_failure = os.last_refused;
	memcpy(out->last_failure_reason, os.last_refusal,
		sizeof(out->last_failure_reason));
	out->state_broken = os.state_broken;
	snprintf(out->state, sizeof(out->state), "%s", os.connected ?
		"connected" : "disconnected");
	memcpy(out->last_error, os.last_error, sizeof(out->last_error));
}

static void
obs_extras(void *feed, feed_extra_fn fn, void *arg)
{
	struct obs_feed *o = feed;
	struct feed_obs_stats os;

	feed_obs_get_stats(o->f, &os);
	fn(arg, "lapsed", os.lapsed);
	fn(arg, "bad_signature", os.bad_signature);
	fn(arg, "bad_message", os.bad_message);
	fn(arg, "wrong_source", os.wrong_source);
	fn(arg, "over_limit", os.over_limit);
	fn(arg, "connects", os.connects);
	fn(arg, "reconnects", os.connects ? os.connects - 1 : 0);
	fn(arg, "bootstraps", os.bootstraps);
	fn(arg, "bootstrap_failures", os.bootstrap_failures);
}

static void
obs_reconnect(void *feed)
{
	struct obs_feed *o = feed;

	feed_obs_reconnect(o->f);
}

const struct feed_type feed_type_mqtt = {
	.name = "mqtt",
	.conf_new = conf_new,
	.conf_key = conf_key,
	.conf_check = conf_check,
	.conf_free = conf_free,
	.clause = "mqtt",
	.clause_new = clause_new,
	.clause_key = clause_key,
	.clause_check = clause_check,
	.clause_free = clause_free,
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
