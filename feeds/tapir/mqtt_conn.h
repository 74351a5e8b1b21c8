/*
 * feeds/tapir/mqtt_conn.h - the MQTT v5 connection of the DNS TAPIR feeds.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * One connection per engine carries every source of type mqtt, Core's
 * configuration topic and the status reports.  One thread runs paho's
 * synchronous client: connect over TLS with the edge's client
 * certificate, subscribe, receive, and on any failure try again with
 * capped exponential backoff.  What a message means is the caller's
 * business: every message goes to on_message with its topic, on this
 * thread.
 *
 * Nothing published at QoS 1 is lost across a disconnect:
 *  - the session is persistent (clean start off, a session expiry
 *    interval), and subscriptions are QoS 1, so the broker keeps the
 *    subscriptions and queues what is published while the edge is away
 *    (a network cut, a broker restart with persistence, an Unbound
 *    restart, a reload: the new connection resumes the old session, as
 *    the client id is the same);
 *  - paho acknowledges a QoS 1 message when it reads it, before we see
 *    it, so a message read is a message delivered: the client handle is
 *    kept across reconnections (messages it read before a connection
 *    broke are delivered after the next connect), and before a deliberate
 *    disconnect everything already read is delivered first, and the
 *    disconnect does not wait (a wait would read, and acknowledge, more).
 * Messages published at QoS 0 are not queued by brokers: the caller
 * learns the QoS of every message and can bootstrap after a long gap.
 *
 * The certificate files are read anew on every connect.  When they change
 * on disk (mqtt_conn_files_changed(), from a file watcher) and the new
 * certificate and key are a usable pair, the connection is closed as
 * above and opened again with them at once; a pair caught half-written
 * keeps the connection in use until it is whole.
 */
#ifndef TAPIR_MQTT_H
#define TAPIR_MQTT_H

#include <stddef.h>
#include <stdint.h>

struct mqtt_conn;

/** What a connection found, for on_connected. */
struct mqtt_conn_event {
	/** 0 for the first connection, 1 for every later one. */
	int reconnect;
	/** Seconds from the end of the previous connection to this one
	 *  (reconnections only). */
	int64_t gap;
};

/** What the transport needs; strings are copied by mqtt_conn_create(). */
struct mqtt_conn_params {
	/** Broker URI: mqtts://host:port (TLS), or mqtt://host:port for
	 *  labs. */
	const char *server;
	/** MQTT client identifier; the same across restarts, so that a
	 *  new connection resumes the session. */
	const char *client_id;
	/** CA certificate file the broker's certificate must chain to. */
	const char *ca_file;
	/** Client certificate (PEM), or NULL for none. */
	const char *cert_file;
	/** Client private key (PEM), or NULL for none. */
	const char *key_file;
	/** Keep-alive interval, seconds. */
	unsigned keepalive;
	/** Largest backoff between connection attempts, seconds. */
	unsigned backoff_max;
	/** Session expiry interval, seconds: how long the broker keeps the
	 *  session after a disconnect; 0: a clean start every time. */
	uint32_t session_expiry;
	/** Called for every message received, on the connection's thread,
	 *  with its QoS and whether the broker marked it a redelivery. */
	void (*on_message)(void *arg, const char *topic,
		const uint8_t *payload, size_t len, int qos, int dup);
	/** Called once no further message is waiting, after one or more
	 *  were delivered (and at least every 256 messages), so that the
	 *  receiver can publish what it gathered in one step; may be NULL. */
	void (*on_drained)(void *arg);
	/** Called after every connect, before the subscriptions are made;
	 *  may be NULL. */
	void (*on_connected)(void *arg, const struct mqtt_conn_event *ev);
	/** Called for every subscription made, with the QoS the broker
	 *  granted, or -1 if it refused; may be NULL. */
	void (*on_subscribed)(void *arg, const char *topic, int granted_qos);
	/** Argument for the callbacks. */
	void *arg;
};

/** Counters of the transport. */
struct mqtt_conn_stats {
	/** Successful connections (the first and every reconnect). */
	uint64_t connects;
	/** Failed connection attempts. */
	uint64_t connect_failures;
	/** Connections lost after being established. */
	uint64_t disconnects;
	/** Reconnections made because the certificate files changed. */
	uint64_t cert_reconnects;
	/** Messages received. */
	uint64_t messages;
	/** Of those, marked by the broker as redelivered (DUP). */
	uint64_t redelivered;
	/** Messages published, and publications that failed. */
	uint64_t published, publish_failures;
	/** 1 while connected. */
	int connected;
	/** Last error, empty if none. */
	char last_error[256];
};

/**
 * Create the transport; nothing connects until mqtt_conn_start().
 * @return the transport, or NULL when out of memory or the URI is
 *	unusable.
 */
struct mqtt_conn *mqtt_conn_create(const struct mqtt_conn_params *params);

/**
 * Set the topic filters to subscribe to (QoS 1), from any thread, before
 * or after the start: new ones are subscribed, and ones no longer wanted
 * unsubscribed (so the broker stops queueing them for the session), by
 * the connection's thread within RECEIVE_POLL_MS, or at the next connect.
 * @return 0, or -1 when out of memory (the old set stays).
 */
int mqtt_conn_set_topics(struct mqtt_conn *c, const char *const *topics,
	size_t n);

/**
 * Unsubscribe a topic the session still has from before (a message
 * arrived on it that nobody wants), unless it is one of the topics set.
 */
void mqtt_conn_drop_topic(struct mqtt_conn *c, const char *topic);

/**
 * Tell the connection that its certificate files may have changed; from
 * any thread (a file watcher).  See the file comment.
 */
void mqtt_conn_files_changed(struct mqtt_conn *c);

/**
 * Start the connection thread.
 * @return 0, or an errno value.
 */
int mqtt_conn_start(struct mqtt_conn *c);

/**
 * Queue one message to publish (QoS 0, not retained) on the connection,
 * from any thread; the connection's thread sends it within
 * RECEIVE_POLL_MS once connected.  The queue holds one message: a newer
 * one replaces an unsent older one, which suits reports of a state.
 * @return 0, or -1 when out of memory.
 */
int mqtt_conn_publish(struct mqtt_conn *c, const char *topic,
	const void *payload, size_t len);

/**
 * Drop the connection and connect again now, from any thread; a
 * connection being retried after a failure is tried at once.
 */
void mqtt_conn_reconnect(struct mqtt_conn *f);

/**
 * Copy the counters.
 */
void mqtt_conn_get_stats(struct mqtt_conn *c, struct mqtt_conn_stats *out);

/**
 * Stop: deliver what was read, disconnect (the session stays with the
 * broker), join the thread.  Idempotent; the callbacks are not called
 * after it returns.
 */
void mqtt_conn_stop(struct mqtt_conn *c);

/**
 * Stop, and free everything; NULL is fine.
 */
void mqtt_conn_destroy(struct mqtt_conn *c);

#endif /* TAPIR_MQTT_H */
