/*
 * feeds/tapir/mqtt_conn.c - the MQTT v5 connection of the DNS TAPIR feeds.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * paho's synchronous client starts no threads of its own when no
 * callbacks are set: MQTTClient_receive() on our thread both delivers
 * messages and keeps the connection alive.  So every thread in the
 * process that touches the connection is ours, with signals blocked, and
 * stopping is a matter of setting a flag the receive loop checks at least
 * every RECEIVE_POLL_MS.
 *
 * paho reads one packet per MQTTClient_receive() and hands back one
 * message, so at most a message or two sit in its queue, acknowledged:
 * receiving until it returns none empties it (drain()).
 */
#include "tapir_config.h"
#include "feeds/tapir/mqtt_conn.h"
#include "feeds/tapir/certfile.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/thread.h"

#include <MQTTClient.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECEIVE_POLL_MS 200
/** Most messages delivered before on_drained is called regardless. */
#define DRAIN_EVERY 256
#define CONNECT_TIMEOUT_S 10
/** Most messages delivered by a drain before a disconnect: a bound on
 *  a stop during a flood.  What is still unread then is not
 *  acknowledged, so the broker sends it again. */
#define DRAIN_MAX 10000
/** The three certificate files, in this order. */
#define TLS_FILES 3

/* A set of topic filters (a few: one per source). */
struct topic_set {
	char **v;
	size_t n;
};

enum loop_end { LOOP_LOST, LOOP_STOP, LOOP_RECONNECT };

struct mqtt_conn {
	struct mqtt_conn_params p;
	char *uri, *client_id;
	/* ca, cert, key; NULL where none. */
	char *files[TLS_FILES];
	int tls;
	struct tapir_thread thread;
	/* Guards stats, the message waiting to be published, the topic
	 * sets and the two flags. */
	pthread_mutex_t lock;
	struct mqtt_conn_stats stats;
	char *out_topic;
	void *out_payload;
	size_t out_len;
	/* Topics wanted, and topics to unsubscribe from. */
	struct topic_set want, drop;
	int topics_dirty, files_dirty;
	/* The connection thread's own. */
	MQTTClient client;
	int have_client;
	/* Subscribed on the current connection. */
	struct topic_set subscribed;
	/* The versions of the files the connection was made with, and a
	 * changed version found unusable (not tried again until it
	 * changes). */
	struct file_id used[TLS_FILES], refused[TLS_FILES];
	int have_refused;
	int connected_once;
	int64_t lost_at;
	/* Set by mqtt_conn_reconnect() (mqtt_reconnect), under lock. */
	int reconnect_asked;
};

/* ---- topic sets ---- */

static int
set_has(const struct topic_set *s, const char *t)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], t) == 0)
			return 1;
	return 0;
}

static int
set_add(struct topic_set *s, const char *t)
{
	char **v, *d;

	if (set_has(s, t))
		return 0;
	if (!(d = strdup(t)))
		return -1;
	if (!(v = realloc(s->v, (s->n + 1) * sizeof(*v)))) {
		free(d);
		return -1;
	}
	s->v = v;
	s->v[s->n++] = d;
	return 0;
}

static void
set_remove(struct topic_set *s, const char *t)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], t) == 0) {
			free(s->v[i]);
			s->v[i] = s->v[--s->n];
			return;
		}
}

static void
set_free(struct topic_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int
set_copy(struct topic_set *to, const struct topic_set *from)
{
	size_t i;

	memset(to, 0, sizeof(*to));
	for (i = 0; i < from->n; i++)
		if (set_add(to, from->v[i]) != 0) {
			set_free(to);
			return -1;
		}
	return 0;
}

/* ---- set up ---- */

static char *
dup_or_null(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*failed = 1;
	return d;
}

/* paho names TLS "ssl://"; operators and DNS TAPIR write "mqtts://". */
static char *
paho_uri(const char *server, int *tls)
{
	static const struct { const char *from, *to; int tls; } schemes[] = {
		{ "mqtts://", "ssl://", 1 }, { "ssl://", "ssl://", 1 },
		{ "tls://", "ssl://", 1 }, { "mqtt://", "tcp://", 0 },
		{ "tcp://", "tcp://", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		size_t len = strlen(schemes[i].from);
		if (strncmp(server, schemes[i].from, len) == 0) {
			size_t n = strlen(schemes[i].to) + strlen(server + len) + 1;
			char *uri = malloc(n);
			if (uri)
				snprintf(uri, n, "%s%s", schemes[i].to,
					server + len);
			*tls = schemes[i].tls;
			return uri;
		}
	}
	return NULL;
}

static void
set_error(struct mqtt_conn *c, const char *fmt, const char *detail, int rc)
{
	pthread_mutex_lock(&c->lock);
	snprintf(c->stats.last_error, sizeof(c->stats.last_error), fmt,
		detail, rc);
	pthread_mutex_unlock(&c->lock);
}

struct mqtt_conn *
mqtt_conn_create(const struct mqtt_conn_params *params)
{
	struct mqtt_conn *c = calloc(1, sizeof(*c));
	int failed = 0;

	if (!c)
		return NULL;
	c->p = *params;
	c->client_id = dup_or_null(params->client_id, &failed);
	c->files[0] = dup_or_null(params->ca_file, &failed);
	c->files[1] = dup_or_null(params->cert_file, &failed);
	c->files[2] = dup_or_null(params->key_file, &failed);
	c->uri = paho_uri(params->server, &c->tls);
	tapir_thread_init(&c->thread);
	pthread_mutex_init(&c->lock, NULL);
	if (failed || !c->uri || !c->client_id) {
		mqtt_conn_destroy(c);
		return NULL;
	}
	return c;
}

int
mqtt_conn_set_topics(struct mqtt_conn *c, const char *const *topics,
	size_t n)
{
	struct topic_set want = { NULL, 0 }, old;
	size_t i;

	for (i = 0; i < n; i++)
		if (set_add(&want, topics[i]) != 0) {
			set_free(&want);
			return -1;
		}
	pthread_mutex_lock(&c->lock);
	/* What is no longer wanted is unsubscribed, or the session keeps
	 * queueing it; what is wanted again is not. */
	for (i = 0; i < c->want.n; i++)
		if (!set_has(&want, c->want.v[i]))
			set_add(&c->drop, c->want.v[i]);
	for (i = 0; i < want.n; i++)
		set_remove(&c->drop, want.v[i]);
	old = c->want;
	c->want = want;
	c->topics_dirty = 1;
	pthread_mutex_unlock(&c->lock);
	set_free(&old);
	return 0;
}

void
mqtt_conn_drop_topic(struct mqtt_conn *c, const char *topic)
{
	pthread_mutex_lock(&c->lock);
	if (!set_has(&c->want, topic) && set_add(&c->drop, topic) == 0)
		c->topics_dirty = 1;
	pthread_mutex_unlock(&c->lock);
}

void
mqtt_conn_files_changed(struct mqtt_conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->files_dirty = 1;
	pthread_mutex_unlock(&c->lock);
}

/* ---- connecting ---- */

/* The files are checked here so that an unreadable key gives its own
 * message instead of paho's generic TLS failure, and so that a FIFO in
 * their place is refused: OpenSSL's open of it would wait for a writer,
 * in this thread, which deinit joins. */
static int
files_readable(struct mqtt_conn *c)
{
	char why[512];
	size_t i;
	int r;

	for (i = 0; i < TLS_FILES; i++) {
		if (c->files[i] && (r = file_check(c->files[i])) != 0) {
			snprintf(why, sizeof(why), "%s: %s", c->files[i],
				file_strerror(r));
			set_error(c, "cannot read %s", why, 0);
			tapir_log(TAPIR_LOG_ERR, "mqtt: cannot read %s", why);
			return 0;
		}
	}
	return 1;
}

/* The versions of the files now (zero for a file that is not there). */
static void
files_now(struct mqtt_conn *c, struct file_id *ids)
{
	size_t i;

	memset(ids, 0, TLS_FILES * sizeof(*ids));
	for (i = 0; i < TLS_FILES; i++)
		if (c->files[i] && file_id_get(c->files[i], &ids[i]) != 0)
			memset(&ids[i], 0, sizeof(ids[i]));
}

static int
files_same(const struct file_id *a, const struct file_id *b)
{
	size_t i;

	for (i = 0; i < TLS_FILES; i++)
		if (!file_id_equal(&a[i], &b[i]))
			return 0;
	return 1;
}

/* Connect on the client handle, made once and kept: messages paho read
 * (and acknowledged) before a connection broke stay in its queue. */
static int
connect_client(struct mqtt_conn *c)
{
	MQTTClient_createOptions create = MQTTClient_createOptions_initializer;
	MQTTClient_connectOptions conn = MQTTClient_connectOptions_initializer5;
	MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
	MQTTProperties props = MQTTProperties_initializer;
	MQTTProperty expiry;
	MQTTResponse resp;
	int rc;

	if (c->tls && !files_readable(c))
		return -1;
	/* Taken before paho reads them: a file renewed in between is seen
	 * as a change later, and read again then. */
	files_now(c, c->used);
	if (!c->have_client) {
		create.MQTTVersion = MQTTVERSION_5;
		rc = MQTTClient_createWithOptions(&c->client, c->uri,
			c->client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL,
			&create);
		if (rc != MQTTCLIENT_SUCCESS) {
			set_error(c, "%s: cannot create client (%d)", c->uri,
				rc);
			return -1;
		}
		c->have_client = 1;
	}
	conn.keepAliveInterval = (int)c->p.keepalive;
	conn.cleanstart = c->p.session_expiry == 0;
	conn.connectTimeout = CONNECT_TIMEOUT_S;
	if (c->p.session_expiry) {
		memset(&expiry, 0, sizeof(expiry));
		expiry.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL;
		expiry.value.integer4 = c->p.session_expiry;
		if (MQTTProperties_add(&props, &expiry) != 0) {
			set_error(c, "%s: out of memory (%d)", c->uri, 0);
			return -1;
		}
	}
	if (c->tls) {
		/* OpenSSL 3 negotiates TLS 1.3 with a 1.3 broker; paho
		 * offers no knob to forbid older versions. */
		ssl.trustStore = c->files[0];
		ssl.keyStore = c->files[1];
		ssl.privateKey = c->files[2];
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		ssl.disableDefaultTrustStore = c->files[0] != NULL;
		conn.ssl = &ssl;
	}
	resp = MQTTClient_connect5(c->client, &conn, &props, NULL);
	MQTTProperties_free(&props);
	rc = resp.reasonCode;
	MQTTResponse_free(resp);
	if (rc != MQTTREASONCODE_SUCCESS) {
		set_error(c, "connect %s failed (%d)", c->uri, rc);
		return -1;
	}
	return 0;
}

/* ---- subscriptions ---- */

static void
subscribe(struct mqtt_conn *c, const char *topic)
{
	MQTTSubscribe_options opts = MQTTSubscribe_options_initializer;
	MQTTResponse resp;
	int rc;

	/* A resumed session has the subscription already: its retained
	 * message (a configuration, say) is not sent again. */
	opts.retainHandling = 1;
	resp = MQTTClient_subscribe5(c->client, topic, 1, &opts, NULL);
	rc = resp.reasonCode;
	MQTTResponse_free(resp);
	if (rc > MQTTREASONCODE_GRANTED_QOS_2) {
		set_error(c, "subscribe %s refused (%d)", topic, rc);
		tapir_log(TAPIR_LOG_ERR, "mqtt: subscribe %s refused (%d)",
			topic, rc);
		rc = -1;
	} else if (set_add(&c->subscribed, topic) != 0) {
		/* Out of memory: subscribed again at the next turn. */
		pthread_mutex_lock(&c->lock);
		c->topics_dirty = 1;
		pthread_mutex_unlock(&c->lock);
	}
	if (c->p.on_subscribed)
		c->p.on_subscribed(c->p.arg, topic, rc);
}

static void
unsubscribe(struct mqtt_conn *c, const char *topic)
{
	MQTTResponse resp = MQTTClient_unsubscribe5(c->client, topic, NULL);
	int rc = resp.reasonCode;

	MQTTResponse_free(resp);
	if (rc != MQTTREASONCODE_SUCCESS &&
	    rc != MQTTREASONCODE_NO_SUBSCRIPTION_FOUND) {
		tapir_log(TAPIR_LOG_WARN, "mqtt: unsubscribe %s failed (%d); "
			"trying again at the next connect", topic, rc);
		return;
	}
	tapir_log(TAPIR_LOG_INFO, "mqtt: unsubscribed from %s", topic);
	set_remove(&c->subscribed, topic);
	pthread_mutex_lock(&c->lock);
	set_remove(&c->drop, topic);
	pthread_mutex_unlock(&c->lock);
}

/* Make the subscriptions what is wanted.  paho's client is used from
 * this thread only, so this runs here, between receives. */
static void
sync_topics(struct mqtt_conn *c)
{
	struct topic_set want = { NULL, 0 }, drop = { NULL, 0 };
	size_t i;
	int dirty;

	pthread_mutex_lock(&c->lock);
	dirty = c->topics_dirty;
	c->topics_dirty = 0;
	if (dirty && (set_copy(&want, &c->want) != 0 ||
	    set_copy(&drop, &c->drop) != 0)) {
		/* Out of memory: the next turn tries again. */
		set_free(&want);
		c->topics_dirty = 1;
		dirty = 0;
	}
	pthread_mutex_unlock(&c->lock);
	if (!dirty)
		return;
	for (i = 0; i < drop.n; i++)
		unsubscribe(c, drop.v[i]);
	for (i = 0; i < want.n; i++)
		if (!set_has(&c->subscribed, want.v[i]))
			subscribe(c, want.v[i]);
	set_free(&want);
	set_free(&drop);
}

/* ---- publishing ---- */

int
mqtt_conn_publish(struct mqtt_conn *c, const char *topic,
	const void *payload, size_t len)
{
	char *t = strdup(topic);
	void *p = malloc(len ? len : 1);

	if (!t || !p) {
		free(t);
		free(p);
		return -1;
	}
	memcpy(p, payload, len);
	pthread_mutex_lock(&c->lock);
	free(c->out_topic);
	free(c->out_payload);
	c->out_topic = t;
	c->out_payload = p;
	c->out_len = len;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* Send the queued message, if any. */
static void
publish_queued(struct mqtt_conn *c)
{
	MQTTClient_message msg = MQTTClient_message_initializer;
	MQTTResponse resp;
	char *topic;
	void *payload;
	size_t len;

	pthread_mutex_lock(&c->lock);
	topic = c->out_topic;
	payload = c->out_payload;
	len = c->out_len;
	c->out_topic = NULL;
	c->out_payload = NULL;
	pthread_mutex_unlock(&c->lock);
	if (!topic)
		return;
	msg.payload = payload;
	msg.payloadlen = (int)len;
	msg.qos = 0;
	resp = MQTTClient_publishMessage5(c->client, topic, &msg, NULL);
	pthread_mutex_lock(&c->lock);
	if (resp.reasonCode == MQTTREASONCODE_SUCCESS) {
		c->stats.published++;
	} else {
		c->stats.publish_failures++;
		snprintf(c->stats.last_error, sizeof(c->stats.last_error),
			"publish to %s failed (%d)", topic, resp.reasonCode);
	}
	pthread_mutex_unlock(&c->lock);
	MQTTResponse_free(resp);
	free(topic);
	free(payload);
}

/* ---- receiving ---- */

static void
drained(struct mqtt_conn *c, unsigned *delivered)
{
	if (*delivered && c->p.on_drained)
		c->p.on_drained(c->p.arg);
	*delivered = 0;
}

/* One receive; 1 if a message was delivered.  A topic with a NUL in it
 * (no broker sends one: MQTT forbids it) is not delivered: its name as
 * a C string would be another topic's. */
static int
receive_one(struct mqtt_conn *c, unsigned long wait_ms, int *rc)
{
	MQTTClient_message *msg = NULL;
	char *topic = NULL;
	int topic_len = 0, got = 0;

	*rc = MQTTClient_receive(c->client, &topic, &topic_len, &msg,
		wait_ms);
	if (msg) {
		pthread_mutex_lock(&c->lock);
		c->stats.messages++;
		if (msg->dup)
			c->stats.redelivered++;
		pthread_mutex_unlock(&c->lock);
		if (*rc != MQTTCLIENT_TOPICNAME_TRUNCATED && topic)
			c->p.on_message(c->p.arg, topic, msg->payload,
				(size_t)msg->payloadlen, msg->qos, msg->dup);
		MQTTClient_freeMessage(&msg);
		got = 1;
	}
	if (topic)
		MQTTClient_free(topic);
	return got;
}

/* Deliver what paho read already, before a deliberate disconnect. */
static void
drain(struct mqtt_conn *c)
{
	unsigned delivered = 0, n;
	int rc;

	for (n = 0; n < DRAIN_MAX && receive_one(c, 0, &rc); n++)
		if (++delivered >= DRAIN_EVERY)
			drained(c, &delivered);
	drained(c, &delivered);
}

/* Whether to reconnect now: asked to (mqtt_reconnect), or the
 * certificate files changed to a usable new pair. */
static int
want_reconnect(struct mqtt_conn *c)
{
	struct file_id now[TLS_FILES];
	struct certfile_info info;
	char why[512];
	int dirty, asked;

	pthread_mutex_lock(&c->lock);
	dirty = c->files_dirty;
	c->files_dirty = 0;
	asked = c->reconnect_asked;
	c->reconnect_asked = 0;
	pthread_mutex_unlock(&c->lock);
	if (asked) {
		tapir_log(TAPIR_LOG_INFO, "mqtt: reconnecting to %s as asked",
			c->uri);
		return 1;
	}
	if (!dirty || !c->tls)
		return 0;
	files_now(c, now);
	if (files_same(now, c->used) ||
	    (c->have_refused && files_same(now, c->refused)))
		return 0;
	if (c->files[0] && file_check(c->files[0]) != 0) {
		snprintf(why, sizeof(why), "%s cannot be read", c->files[0]);
	} else if (!c->files[1] || certfile_read(c->files[1], c->files[2],
	    &info, why, sizeof(why)) == 0) {
		tapir_log(TAPIR_LOG_INFO, "mqtt: the certificate files "
			"changed; reconnecting with them");
		pthread_mutex_lock(&c->lock);
		c->stats.cert_reconnects++;
		pthread_mutex_unlock(&c->lock);
		c->have_refused = 0;
		return 1;
	}
	tapir_log(TAPIR_LOG_WARN, "mqtt: the certificate files changed, but "
		"%s; the connection stays as it is until they change again",
		why);
	memcpy(c->refused, now, sizeof(now));
	c->have_refused = 1;
	return 0;
}

/* Receive until the connection drops, files change or we are told to
 * stop.  After a message the next receive does not wait, so a burst is
 * delivered back to back and on_drained follows it at once. */
static enum loop_end
receive_loop(struct mqtt_conn *c)
{
	unsigned delivered = 0;

	for (;;) {
		int rc;

		if (tapir_thread_sleep(&c->thread, 0)) {
			drained(c, &delivered);
			return LOOP_STOP;
		}
		publish_queued(c);
		sync_topics(c);
		if (want_reconnect(c)) {
			drained(c, &delivered);
			return LOOP_RECONNECT;
		}
		if (receive_one(c, delivered ? 0 : RECEIVE_POLL_MS, &rc)) {
			if (++delivered >= DRAIN_EVERY)
				drained(c, &delivered);
		} else {
			drained(c, &delivered);
		}
		if ((rc != MQTTCLIENT_SUCCESS &&
		    rc != MQTTCLIENT_TOPICNAME_TRUNCATED) ||
		    !MQTTClient_isConnected(c->client)) {
			drained(c, &delivered);
			return LOOP_LOST;
		}
	}
}

/* End the connection on purpose: what paho read is delivered first, and
 * the disconnect does not wait (waiting, paho would read and acknowledge
 * more).  The broker keeps the session. */
static void
close_connection(struct mqtt_conn *c)
{
	drain(c);
	MQTTClient_disconnect5(c->client, 0, MQTTREASONCODE_SUCCESS, NULL);
}

static void
connected(struct mqtt_conn *c)
{
	struct mqtt_conn_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.reconnect = c->connected_once;
	ev.gap = ev.reconnect ? (int64_t)time(NULL) - c->lost_at : 0;
	c->connected_once = 1;
	if (ev.reconnect)
		tapir_log(TAPIR_LOG_INFO, "mqtt: connected to %s as %s "
			"after %lld s", c->uri, c->client_id,
			(long long)ev.gap);
	else
		tapir_log(TAPIR_LOG_INFO, "mqtt: connected to %s as %s",
			c->uri, c->client_id);
	pthread_mutex_lock(&c->lock);
	c->stats.connects++;
	c->stats.connected = 1;
	c->stats.last_error[0] = 0;
	/* A new connection subscribes everything wanted again. */
	c->topics_dirty = 1;
	pthread_mutex_unlock(&c->lock);
	set_free(&c->subscribed);
	if (c->p.on_connected)
		c->p.on_connected(c->p.arg, &ev);
	sync_topics(c);
}

static void
disconnected(struct mqtt_conn *c, int lost)
{
	c->lost_at = (int64_t)time(NULL);
	pthread_mutex_lock(&c->lock);
	if (lost)
		c->stats.disconnects++;
	c->stats.connected = 0;
	pthread_mutex_unlock(&c->lock);
}

static void *
conn_thread(void *arg)
{
	struct mqtt_conn *c = arg;
	unsigned backoff = 1, failures_logged = 0;

	for (;;) {
		if (connect_client(c) != 0) {
			char why[256];
			pthread_mutex_lock(&c->lock);
			c->stats.connect_failures++;
			memcpy(why, c->stats.last_error, sizeof(why));
			pthread_mutex_unlock(&c->lock);
			/* Log the first failures, then only now and then:
			 * a broker down for a day must not flood the log. */
			if (failures_logged < 3 || backoff >= c->p.backoff_max)
				tapir_log(TAPIR_LOG_WARN, "mqtt: %s; retrying "
					"in %u s", why, backoff);
			failures_logged++;
			if (tapir_thread_sleep(&c->thread, backoff * 1000))
				break;
			backoff = backoff * 2 > c->p.backoff_max ?
				c->p.backoff_max : backoff * 2;
			continue;
		}
		backoff = 1;
		failures_logged = 0;
		connected(c);
		switch (receive_loop(c)) {
		case LOOP_STOP:
			close_connection(c);
			disconnected(c, 0);
			goto out;
		case LOOP_RECONNECT:
			close_connection(c);
			disconnected(c, 0);
			continue;
		case LOOP_LOST:
			break;
		}
		tapir_log(TAPIR_LOG_WARN, "mqtt: connection to %s lost",
			c->uri);
		disconnected(c, 1);
		MQTTClient_disconnect5(c->client, 0, MQTTREASONCODE_SUCCESS,
			NULL);
		if (tapir_thread_sleep(&c->thread, 1000))
			break;
	}
out:
	if (c->have_client)
		MQTTClient_destroy(&c->client);
	c->have_client = 0;
	return NULL;
}

/* paho's global state, once per process (thread.h says how). */
static pthread_once_t paho_once = PTHREAD_ONCE_INIT;

static void
paho_init(void)
{
	MQTTClient_init_options init = MQTTClient_init_options_initializer;

	/* Unbound has initialised OpenSSL already. */
	init.do_openssl_init = 0;
	MQTTClient_global_init(&init);
}

int
mqtt_conn_start(struct mqtt_conn *c)
{
	int r;

	if ((r = pthread_once(&paho_once, paho_init)) != 0)
		return r;
	return tapir_thread_start(&c->thread, conn_thread, c);
}

void
mqtt_conn_reconnect(struct mqtt_conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->reconnect_asked = 1;
	pthread_mutex_unlock(&c->lock);
	tapir_thread_wake(&c->thread);
}

void
mqtt_conn_get_stats(struct mqtt_conn *c, struct mqtt_conn_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

void
mqtt_conn_stop(struct mqtt_conn *c)
{
	tapir_thread_stop(&c->thread);
}

void
mqtt_conn_destroy(struct mqtt_conn *c)
{
	size_t i;

	if (!c)
		return;
	mqtt_conn_stop(c);
	tapir_thread_destroy(&c->thread);
	pthread_mutex_destroy(&c->lock);
	free(c->uri);
	free(c->client_id);
	for (i = 0; i < TLS_FILES; i++)
		free(c->files[i]);
	free(c->out_topic);
	free(c->out_payload);
	set_free(&c->want);
	set_free(&c->drop);
	set_free(&c->subscribed);
	free(c);
}
