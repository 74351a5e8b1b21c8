/*
 * feeds/tapir/mqtt_type.h - the type "mqtt": DNS TAPIR observations over
 * MQTT, and the mqtt: clause that says how the edge reaches Core.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A source of type mqtt (topic:, src-name:, bootstrap-url:, max-entries:)
 * is fed by feed_obs.c over the connection of mqtt_conn.c; the mqtt:
 * clause holds the broker, the edge's certificate and key, the trusted
 * JWK Set, and the node key that signs the status reports this type
 * sends for every source of the engine (status.c writes them).
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
	/** Trusted JWK Set that signs observations (validation-keys.json). */
	char *trusted_keys;
	/** Accept unsigned messages (labs only); logged loudly. */
	int insecure_unsigned;
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
};

/** The type "mqtt". */
extern const struct feed_type feed_type_mqtt;

#endif /* TAPIR_MQTT_TYPE_H */
