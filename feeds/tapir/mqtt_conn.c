/*
 * feeds/tapir/mqtt_conn.c - the MQTT v5 transport of the DNS TAPIR observation feed.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * paho's synchronous client starts no threads of its own when no
 * callbacks are set: MQTTClient_receive() on our thread both delivers
 * messages and keeps the connection alive.  So every thread in the
 * process that touches the connection is ours, with signals blocked, and
 * stopping is a matter of setting a flag the receive loop checks at least
 * every RECEIVE_POLL_MS.
 */
#include "tapir_config.h"
#include "feeds/tapir/mqtt_conn.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/thread.h"

#include <MQTTClient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECEIVE_POLL_MS 200
/** Most messages delivered before on_drained is called regardless. */
#define DRAIN_EVERY 256
#define CONNECT_TIMEOUT_S 10

struct mqtt_conn {
	struct mqtt_conn_params p;
	char *source_name, *uri, *client_id, *topic;
	char *ca_file, *cert_file, *key_file;
	int tls;
	struct tapir_thread thread;
	pthread_mutex_t stats_lock;
	struct mqtt_conn_stats stats;
	/* The message waiting to be published (under stats_lock). */
	char *out_topic;
	void *out_payload;
	size_t out_len;
	/* Set by mqtt_conn_reconnect() (under stats_lock). */
	int reconnect;
};

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
set_error(struct mqtt_conn *f, const char *fmt, const char *detail, int rc)
{
	pthread_mutex_lock(&f->stats_lock);
	snprintf(f->stats.last_error, sizeof(f->stats.last_error), fmt,
		detail, rc);
	pthread_mutex_unlock(&f->stats_lock);
}

struct mqtt_conn *
mqtt_conn_create(const struct mqtt_conn_params *params)
{
	struct mqtt_conn *f = calloc(1, sizeof(*f));
	int failed = 0;

	if (!f)
		return NULL;
	f->p = *params;
	f->source_name = dup_or_null(params->source_name, &failed);
	f->client_id = dup_or_null(params->client_id, &failed);
	f->topic = dup_or_null(params->topic, &failed);
	f->ca_file = dup_or_null(params->ca_file, &failed);
	f->cert_file = dup_or_null(params->cert_file, &failed);
	f->key_file = dup_or_null(params->key_file, &failed);
	f->uri = paho_uri(params->server, &f->tls);
	tapir_thread_init(&f->thread);
	pthread_mutex_init(&f->stats_lock, NULL);
	if (failed || !f->uri || !f->source_name || !f->client_id ||
	    !f->topic) {
		mqtt_conn_destroy(f);
		return NULL;
	}
	return f;
}

/* The files are checked here so that an unreadable key gives its own
 * message instead of paho's generic TLS failure, and so that a FIFO in
 * their place is refused: OpenSSL's open of it would wait for a writer,
 * in this thread, which deinit joins. */
static int
files_readable(struct mqtt_conn *f)
{
	const char *files[] = { f->ca_file, f->cert_file, f->key_file };
	char why[512];
	size_t i;
	int r;

	for (i = 0; i < 3; i++) {
		if (files[i] && (r = file_check(files[i])) != 0) {
			snprintf(why, sizeof(why), "%s: %s", files[i],
				file_strerror(r));
			set_error(f, "cannot read %s", why, 0);
			tapir_log(TAPIR_LOG_ERR, "source %s: cannot read %s",
				f->source_name, why);
			return 0;
		}
	}
	return 1;
}

/* Connect and subscribe; returns the client or NULL. */
static MQTTClient
connect_and_subscribe(struct mqtt_conn *f)
{
	MQTTClient client;
	MQTTClient_createOptions create = MQTTClient_createOptions_initializer;
	MQTTClient_connectOptions conn = MQTTClient_connectOptions_initializer5;
	MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
	MQTTProperties props = MQTTProperties_initializer;
	MQTTResponse resp;
	int rc;

	if (f->tls && !files_readable(f))
		return NULL;
	create.MQTTVersion = MQTTVERSION_5;
	rc = MQTTClient_createWithOptions(&client, f->uri, f->client_id,
		MQTTCLIENT_PERSISTENCE_NONE, NULL, &create);
	if (rc != MQTTCLIENT_SUCCESS) {
		set_error(f, "%s: cannot create client (%d)", f->uri, rc);
		return NULL;
	}
	conn.keepAliveInterval = (int)f->p.keepalive;
	conn.cleanstart = 1;
	conn.connectTimeout = CONNECT_TIMEOUT_S;
	if (f->tls) {
		/* OpenSSL 3 negotiates TLS 1.3 with a 1.3 broker; paho
		 * offers no knob to forbid older versions. */
		ssl.trustStore = f->ca_file;
		ssl.keyStore = f->cert_file;
		ssl.privateKey = f->key_file;
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		ssl.disableDefaultTrustStore = f->ca_file != NULL;
		conn.ssl = &ssl;
	}
	resp = MQTTClient_connect5(client, &conn, &props, NULL);
	if (resp.reasonCode != MQTTREASONCODE_SUCCESS) {
		set_error(f, "connect %s failed (%d)", f->uri, resp.reasonCode);
		MQTTResponse_free(resp);
		MQTTClient_destroy(&client);
		return NULL;
	}
	MQTTResponse_free(resp);
	resp = MQTTClient_subscribe5(client, f->topic, f->p.qos, NULL, NULL);
	if (resp.reasonCode > MQTTREASONCODE_GRANTED_QOS_2) {
		set_error(f, "subscribe %s refused (%d)", f->topic,
			resp.reasonCode);
		MQTTResponse_free(resp);
		MQTTClient_disconnect5(client, 0, MQTTREASONCODE_SUCCESS, NULL);
		MQTTClient_destroy(&client);
		return NULL;
	}
	MQTTResponse_free(resp);
	return client;
}

int
mqtt_conn_publish(struct mqtt_conn *f, const char *topic,
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
	pthread_mutex_lock(&f->stats_lock);
	free(f->out_topic);
	free(f->out_payload);
	f->out_topic = t;
	f->out_payload = p;
	f->out_len = len;
	pthread_mutex_unlock(&f->stats_lock);
	return 0;
}

/* Send the queued message, if any.  paho's synchronous client is used
 * from this thread only, so publishing happens here, between receives. */
static void
publish_queued(struct mqtt_conn *f, MQTTClient client)
{
	MQTTClient_message msg = MQTTClient_message_initializer;
	MQTTResponse resp;
	char *topic;
	void *payload;
	size_t len;

	pthread_mutex_lock(&f->stats_lock);
	topic = f->out_topic;
	payload = f->out_payload;
	len = f->out_len;
	f->out_topic = NULL;
	f->out_payload = NULL;
	pthread_mutex_unlock(&f->stats_lock);
	if (!topic)
		return;
	msg.payload = payload;
	msg.payloadlen = (int)len;
	msg.qos = 0;
	resp = MQTTClient_publishMessage5(client, topic, &msg, NULL);
	pthread_mutex_lock(&f->stats_lock);
	if (resp.reasonCode == MQTTREASONCODE_SUCCESS) {
		f->stats.published++;
	} else {
		f->stats.publish_failures++;
		snprintf(f->stats.last_error, sizeof(f->stats.last_error),
			"publish to %s failed (%d)", topic, resp.reasonCode);
	}
	pthread_mutex_unlock(&f->stats_lock);
	MQTTResponse_free(resp);
	free(topic);
	free(payload);
}

static void
drained(struct mqtt_conn *f, unsigned *delivered)
{
	if (*delivered && f->p.on_drained)
		f->p.on_drained(f->p.arg);
	*delivered = 0;
}

/* Whether a reconnect was asked for since the last look. */
static int
take_reconnect(struct mqtt_conn *f)
{
	int r;

	pthread_mutex_lock(&f->stats_lock);
	r = f->reconnect;
	f->reconnect = 0;
	pthread_mutex_unlock(&f->stats_lock);
	return r;
}

/* Receive until the connection drops or we are told to stop.  Returns 1
 * if stopping, 2 when asked to reconnect.  After a message the next
 * receive does not wait, so a burst is delivered back to back and
 * on_drained follows it at once. */
static int
receive_loop(struct mqtt_conn *f, MQTTClient client)
{
	unsigned delivered = 0;

	for (;;) {
		char *topic = NULL;
		int topic_len = 0, rc;
		MQTTClient_message *msg = NULL;

		if (tapir_thread_sleep(&f->thread, 0)) {
			drained(f, &delivered);
			return 1;
		}
		if (take_reconnect(f)) {
			drained(f, &delivered);
			return 2;
		}
		publish_queued(f, client);
		rc = MQTTClient_receive(client, &topic, &topic_len, &msg,
			delivered ? 0 : RECEIVE_POLL_MS);
		if (msg) {
			pthread_mutex_lock(&f->stats_lock);
			f->stats.messages++;
			pthread_mutex_unlock(&f->stats_lock);
			f->p.on_message(f->p.arg, msg->payload,
				(size_t)msg->payloadlen);
			MQTTClient_freeMessage(&msg);
			if (++delivered >= DRAIN_EVERY)
				drained(f, &delivered);
		} else {
			drained(f, &delivered);
		}
		if (topic)
			MQTTClient_free(topic);
		if ((rc != MQTTCLIENT_SUCCESS &&
		    rc != MQTTCLIENT_TOPICNAME_TRUNCATED) ||
		    !MQTTClient_isConnected(client)) {
			drained(f, &delivered);
			return 0;
		}
	}
}

static void *
feed_thread(void *arg)
{
	struct mqtt_conn *f = arg;
	unsigned backoff = 1, failures_logged = 0;

	for (;;) {
		MQTTClient client;
		int r;

		/* A reconnect asked for while connecting is done now. */
		take_reconnect(f);
		if (!(client = connect_and_subscribe(f))) {
			pthread_mutex_lock(&f->stats_lock);
			f->stats.connect_failures++;
			pthread_mutex_unlock(&f->stats_lock);
			/* Log the first failures, then only now and then:
			 * a broker down for a day must not flood the log. */
			if (failures_logged < 3 || backoff >= f->p.backoff_max)
				tapir_log(TAPIR_LOG_WARN, "source %s: %s; "
					"retrying in %u s", f->source_name,
					f->stats.last_error, backoff);
			failures_logged++;
			if (tapir_thread_sleep(&f->thread, backoff * 1000))
				return NULL;
			backoff = backoff * 2 > f->p.backoff_max ?
				f->p.backoff_max : backoff * 2;
			continue;
		}
		tapir_log(TAPIR_LOG_INFO, "source %s: connected to %s, "
			"subscribed to %s", f->source_name, f->uri, f->topic);
		pthread_mutex_lock(&f->stats_lock);
		f->stats.connects++;
		f->stats.connected = 1;
		f->stats.last_error[0] = 0;
		pthread_mutex_unlock(&f->stats_lock);
		backoff = 1;
		failures_logged = 0;
		if (f->p.on_subscribed)
			f->p.on_subscribed(f->p.arg);
		if ((r = receive_loop(f, client)) == 1) {
			MQTTClient_disconnect5(client, 1000,
				MQTTREASONCODE_SUCCESS, NULL);
			MQTTClient_destroy(&client);
			return NULL;
		}
		if (r == 2)
			tapir_log(TAPIR_LOG_INFO, "source %s: reconnecting to %s "
				"as asked", f->source_name, f->uri);
		else
			tapir_log(TAPIR_LOG_WARN, "source %s: connection to %s "
				"lost", f->source_name, f->uri);
		pthread_mutex_lock(&f->stats_lock);
		f->stats.disconnects++;
		f->stats.connected = 0;
		pthread_mutex_unlock(&f->stats_lock);
		MQTTClient_disconnect5(client, r == 2 ? 1000 : 0,
			MQTTREASONCODE_SUCCESS, NULL);
		MQTTClient_destroy(&client);
		if (r != 2 && tapir_thread_sleep(&f->thread, 1000))
			return NULL;
	}
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
mqtt_conn_start(struct mqtt_conn *f)
{
	int r;

	if ((r = pthread_once(&paho_once, paho_init)) != 0)
		return r;
	return tapir_thread_start(&f->thread, feed_thread, f);
}

void
mqtt_conn_reconnect(struct mqtt_conn *f)
{
	pthread_mutex_lock(&f->stats_lock);
	f->reconnect = 1;
	pthread_mutex_unlock(&f->stats_lock);
	tapir_thread_wake(&f->thread);
}

void
mqtt_conn_get_stats(struct mqtt_conn *f, struct mqtt_conn_stats *out)
{
	pthread_mutex_lock(&f->stats_lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->stats_lock);
}

void
mqtt_conn_destroy(struct mqtt_conn *f)
{
	if (!f)
		return;
	tapir_thread_stop(&f->thread);
	tapir_thread_destroy(&f->thread);
	pthread_mutex_destroy(&f->stats_lock);
	free(f->source_name);
	free(f->uri);
	free(f->client_id);
	free(f->topic);
	free(f->ca_file);
	free(f->cert_file);
	free(f->key_file);
	free(f->out_topic);
	free(f->out_payload);
	free(f);
}
