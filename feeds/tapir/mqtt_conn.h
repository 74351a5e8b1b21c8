/*
 * feeds/tapir/mqtt_conn.h - the MQTT v5 transport of the DNS TAPIR observation feed.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * One thread per connection runs paho's synchronous client: connect over
 * TLS with the edge's client certificate, subscribe, receive, and on any
 * failure disconnect and try again with capped exponential backoff.  The
 * certificate files are read anew on every connect, since DNS TAPIR
 * renews them weekly.  What a message means is the caller's business:
 * every payload goes to the on_message callback, on this thread.
 */
#ifndef TAPIR_MQTT_H
#define TAPIR_MQTT_H

#include <stddef.h>
#include <stdint.h>

struct mqtt_conn;

/** What the transport needs; strings are copied by mqtt_conn_create(). */
struct mqtt_conn_params {
	/** Source name, for messages. */
	const char *source_name;
	/** Broker URI: mqtts://host:port (TLS), or mqtt://host:port for labs. */
	const char *server;
	/** MQTT client identifier. */
	const char *client_id;
	/** Topic to subscribe to. */
	const char *topic;
	/** CA certificate file the broker's certificate must chain to. */
	const char *ca_file;
	/** Client certificate (PEM), or NULL for none. */
	const char *cert_file;
	/** Client private key (PEM), or NULL for none. */
	const char *key_file;
	/** Keep-alive interval, seconds. */
	unsigned keepalive;
	/** Subscription QoS (0 to 2). */
	int qos;
	/** Largest backoff between connection attempts, seconds. */
	unsigned backoff_max;
	/** Called for every message received, on the feed's thread. */
	void (*on_message)(void *arg, const uint8_t *payload, size_t len);
	/** Called once no further message is waiting, after one or more
	 *  were delivered (and at least every 256 messages), so that the
	 *  receiver can publish what it gathered in one step; may be NULL. */
	void (*on_drained)(void *arg);
	/** Called after every successful (re)subscribe; may be NULL. */
	void (*on_subscribed)(void *arg);
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
	/** Messages received. */
	uint64_t messages;
	/** Messages published, and publications that failed. */
	uint64_t published, publish_failures;
	/** 1 while connected and subscribed. */
	int connected;
	/** Last error, empty if none. */
	char last_error[256];
};

/**
 * Create the transport; nothing connects until mqtt_conn_start().
 * @return the feed, or NULL when out of memory or the URI is unusable.
 */
struct mqtt_conn *mqtt_conn_create(const struct mqtt_conn_params *params);

/**
 * Start the connection thread.
 * @return 0, or an errno value.
 */
int mqtt_conn_start(struct mqtt_conn *f);

/**
 * Queue one message to publish (QoS 0, not retained) on the connection,
 * from any thread; the connection's thread sends it within
 * RECEIVE_POLL_MS once connected.  The queue holds one message: a newer
 * one replaces an unsent older one, which suits reports of a state.
 * @return 0, or -1 when out of memory.
 */
int mqtt_conn_publish(struct mqtt_conn *f, const char *topic,
	const void *payload, size_t len);

/**
 * Drop the connection and connect again now, from any thread; a
 * connection being retried after a failure is tried at once.
 */
void mqtt_conn_reconnect(struct mqtt_conn *f);

/**
 * Copy the counters.
 */
void mqtt_conn_get_stats(struct mqtt_conn *f, struct mqtt_conn_stats *out);

/**
 * Disconnect, stop and join the thread, free everything; NULL is fine.
 */
void mqtt_conn_destroy(struct mqtt_conn *f);

#endif /* TAPIR_MQTT_H */
