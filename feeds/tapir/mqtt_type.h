/*
 * feeds/tapir/mqtt_type.h - the type "mqtt": DNS TAPIR observations over
 * MQTT, and the mqtt: clause that says how the edge reaches Core.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A source of type mqtt (topic:, src-name:, bootstrap-url:, max-entries:,
 * trusted-keys:, core-config:) is fed by feed_obs.c; the mqtt: clause
 * holds the broker, the edge's certificate and key, the trusted JWK Set,
 * Core's configuration topic, and the node key that signs the status
 * reports this type sends for every source of the engine (status.c
 * writes them).
 *
 * What the engine's mqtt sources share (obs_shared in mqtt_type.c): one
 * connection (mqtt_conn.c, one client id, one persistent session) for
 * all of them, Core's configuration topic and the status reports; each
 * source subscribes its own topic, and a message goes to every source
 * whose topic filter matches the message's topic.  The shared state also
 * watches the certificate files (a change reconnects with them, and the
 * status report tells the certificate's expiry) and the trusted key
 * files (keyring.c), and applies and keeps Core's configuration
 * (coreconfig.c): a message on the configuration topic moves the sources
 * that follow it to the topic it names, and to its bootstrap servers,
 * and is written to <state-dir>/mqtt-config.json, which the next start
 * reads before the file's own topics.
 */
#ifndef TAPIR_MQTT_TYPE_H
#define TAPIR_MQTT_TYPE_H

#include "feeds/feed.h"

/** The mqtt: clause. */
struct mqtt_clause {
	/** Broker URI, mqtts://host:port. */
	char *server;
	/** MQTT client identifier; NULL: tapir-pop-<hostname>. */
	char *client_id;
	/** CA certificate the broker (and bootstrap server) must chain to. */
	char *ca_file;
	/** Client certificate (PEM), as enrollment writes tls.crt. */
	char *cert_file;
	/** Client private key (PEM), as enrollment writes tls.key. */
	char *key_file;
	/** Trusted JWK Set that signs observations and configuration
	 *  messages (validation-keys.json); a source may name its own. */
	char *trusted_keys;
	/** Accept unsigned messages (labs only); logged loudly. */
	int insecure_unsigned;
	/** Core's configuration topic (nodeman's mqtt_topics "pop"), or
	 *  NULL. */
	char *config_topic;
	/** Accept unsigned configuration messages (labs only); logged
	 *  loudly. */
	int insecure_unsigned_config;
	/** Session expiry interval, seconds: how long the broker keeps the
	 *  session (subscriptions, queued QoS 1 messages) while the edge
	 *  is away. */
	uint32_t session_expiry;
	/** A reconnection after a longer gap, seconds, bootstraps the
	 *  sources that have a bootstrap URL again. */
	unsigned rebootstrap_after;
	/** Fewer days of validity left than this raise a warning. */
	unsigned cert_warn_days;
	/** Keep-alive interval, seconds. */
	unsigned keepalive;
	/** Longest wait between reconnection attempts, seconds. */
	unsigned backoff_max;
	/** The node's signing key for status reports (datakey-priv.json);
	 *  NULL: no reports. */
	char *status_key;
	/** The edge id reports are published under. */
	char *edge_id;
	/** The key's id, when the key file names none; default edge_id. */
	char *status_kid;
};

/** The source clause of a source of type mqtt. */
struct mqtt_source_conf {
	/** The topic subscribed to. */
	char *topic;
	/** The src_name messages must carry; NULL: the source's name. */
	char *src_name;
	/** HTTPS URL of a snapshot to bootstrap from, or NULL. */
	char *bootstrap_url;
	/** Most names the source holds; more are refused (counted). */
	unsigned max_entries;
	/** The source's own trusted JWK Set, or NULL for the clause's. */
	char *trusted_keys;
	/** Whether Core's configuration messages move the source: 1, 0, or
	 *  -1 when unset (then a doubtlist source follows them, as in
	 *  POP, where Core's observations go to the doubtlist). */
	int core_config;
};

/** The type "mqtt". */
extern const struct feed_type feed_type_mqtt;

#endif /* TAPIR_MQTT_TYPE_H */
