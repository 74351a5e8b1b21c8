/*
 * module/runtime/conf.h - tapir-pop.conf, in Unbound's own syntax.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * unbound.conf rejects keys it does not know, so the module reads its own
 * file.  It uses Unbound's syntax (a "clause:" line, then "key: value"
 * lines, "#" comments, quoted strings, repeated "source:" clauses) so an
 * Unbound operator has nothing new to learn.  Every error names the file,
 * the line and the key; a bad file makes the module's init fail, so Unbound
 * refuses to start instead of running with a silent default.
 */
#ifndef TAPIR_CONF_H
#define TAPIR_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "feeds/tapir/tags.h"
#include "module/base/names.h"
#include "module/policy/policy.h"

/** Environment variable that overrides the compiled-in config path. */
#define TAPIR_CONF_PATH_ENV "TAPIR_POP_CONF"

/** Where a source's data comes from. */
enum tapir_conf_source_type {
	TAPIR_CONF_SOURCE_FILE, /**< a text or CSV list file */
	TAPIR_CONF_SOURCE_RPZ,  /**< an RPZ zone transferred from primaries */
	TAPIR_CONF_SOURCE_DAWG, /**< a DAWG file in DNS TAPIR's format */
	TAPIR_CONF_SOURCE_MQTT  /**< DNS TAPIR observations over MQTT */
};

/** Format of a list file. */
enum tapir_conf_format {
	TAPIR_CONF_FORMAT_TEXT, /**< one name per line, '#' comments */
	TAPIR_CONF_FORMAT_CSV   /**< header row, the name in a configured column */
};

/** Most addresses one redirect rule may hold. */
#define TAPIR_CONF_REDIRECT_MAX 8
/** Most primaries or NOTIFY senders one RPZ source lists. */
#define TAPIR_CONF_ADDRS_MAX 8

/** An address with a port, as "primary:" and "notify-listen:" give it. */
struct tapir_conf_addr {
	/** The address. */
	struct sockaddr_storage addr;
	/** Its length; 0 when unset. */
	socklen_t len;
};

/** The settings of an RPZ source. */
struct tapir_conf_rpz {
	/** Zone name, canonical wire. */
	uint8_t zone[NAME_WIRE_MAX];
	/** Length of zone; 0 when unset. */
	size_t zone_len;
	/** Primaries, default port 53. */
	struct tapir_conf_addr primaries[TAPIR_CONF_ADDRS_MAX];
	/** Number of primaries. */
	unsigned num_primaries;
	/** TSIG key name, or NULL. */
	char *tsig_name;
	/** TSIG algorithm name (default hmac-sha256). */
	char *tsig_algorithm;
	/** TSIG secret in base64, or NULL. */
	char *tsig_secret;
	/** Where to listen for NOTIFY (UDP); len 0 for nowhere. */
	struct tapir_conf_addr notify_listen;
	/** Who may send NOTIFY; none means the primaries. */
	struct tapir_conf_addr allow_notify[TAPIR_CONF_ADDRS_MAX];
	/** Number of allow_notify entries. */
	unsigned num_allow_notify;
	/** Bounds on the SOA refresh/retry interval, seconds. */
	unsigned refresh_min, refresh_max;
	/** Largest transfer accepted, bytes. */
	uint64_t max_transfer_bytes;
	/** Longest a transfer may take, seconds. */
	unsigned transfer_timeout;
};

/** The settings of a DNS TAPIR observation source (type mqtt). */
struct tapir_conf_obs {
	/** Topic to subscribe to. */
	char *topic;
	/** The src_name messages must carry; NULL: the source's name. */
	char *src_name;
	/** HTTPS URL of a snapshot to bootstrap from, or NULL. */
	char *bootstrap_url;
	/** Most names the source holds; more are refused (counted). */
	unsigned max_entries;
};

/** One "source:" clause. */
struct tapir_conf_source {
	/** Unique source name, as the policy store and control tool show it. */
	char *name;
	/** List class the source feeds. */
	enum policy_list list;
	/** Where the data comes from. */
	enum tapir_conf_source_type type;
	/** Path of the list file (type file). */
	char *file;
	/** File format (type file). */
	enum tapir_conf_format format;
	/** 1-based column of the name in a CSV file. */
	unsigned column;
	/** Settings of an RPZ source (type rpz). */
	struct tapir_conf_rpz rpz;
	/** Settings of an observation source (type mqtt). */
	struct tapir_conf_obs obs;
	/** POLICY_SOURCE_* flags (match: subdomains, action-override). */
	unsigned flags;
	/** Line of the clause, for messages about the source. */
	unsigned line;
	/** Next source, in file order. */
	struct tapir_conf_source *next;
};

/** The redirect action's local data. */
struct tapir_conf_redirect {
	/** IPv4 addresses answered to A queries. */
	struct in_addr a[TAPIR_CONF_REDIRECT_MAX];
	/** Number of entries in a. */
	unsigned num_a;
	/** IPv6 addresses answered to AAAA queries. */
	struct in6_addr aaaa[TAPIR_CONF_REDIRECT_MAX];
	/** Number of entries in aaaa. */
	unsigned num_aaaa;
	/** CNAME target (canonical wire), or cname_len 0 for none. */
	uint8_t cname[NAME_WIRE_MAX];
	/** Length of cname; 0 when unset. */
	size_t cname_len;
};

/** The mqtt: clause: how this edge reaches DNS TAPIR's broker. */
struct tapir_conf_mqtt {
	/** Broker URI, mqtts://host:port; NULL when there is no clause. */
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

/** The whole configuration, owned by the caller of tapir_conf_read(). */
struct tapir_conf {
	/** Path the configuration was read from. */
	char *path;
	/** Directory for persisted state; NULL if none. */
	char *state_dir;
	/** Path of the control socket; NULL for none. */
	char *control_socket;
	/** Permission bits of the control socket. */
	unsigned control_socket_mode;
	/** Owner name of the synthesised SOA (canonical wire). */
	uint8_t policy_zone[NAME_WIRE_MAX];
	/** Length of policy_zone. */
	size_t policy_zone_len;
	/** TTL of synthesised answers and of the SOA's negative TTL. */
	uint32_t answer_ttl;
	/** Log every decision that changes an answer (like rpz-log). */
	int log_decisions;
	/** How often a file source checks its file for changes, in ms. */
	unsigned file_poll_ms;
	/** The decision rules. */
	struct policy_rules rules;
	/** Names of the observation tag bits (defaults plus tag-name:). */
	struct tags_table tag_names;
	/** Local data for the redirect action. */
	struct tapir_conf_redirect redirect;
	/** The mqtt: clause. */
	struct tapir_conf_mqtt mqtt;
	/** Sources in file order. */
	struct tapir_conf_source *sources;
	/** Number of sources. */
	unsigned num_sources;
};

/**
 * Read and validate a configuration file.
 * @param path: file to read.
 * @param out: on success, the new configuration (free with tapir_conf_free).
 * @param err: on failure, "FILE:LINE: KEY: reason" or "FILE: reason".
 * @param errlen: size of err.
 * @return 0 on success, -1 on error.
 */
int tapir_conf_read(const char *path, struct tapir_conf **out, char *err,
	size_t errlen);

/**
 * Parse a configuration held in memory; as tapir_conf_read() with the file's
 * name given for messages.  Used by the fuzzer and the unit tests.
 */
int tapir_conf_parse(const char *name, const char *text, size_t len,
	struct tapir_conf **out, char *err, size_t errlen);

/**
 * Free a configuration; NULL is fine.
 */
void tapir_conf_free(struct tapir_conf *cfg);

/**
 * The path of the config file to use: the environment variable
 * TAPIR_CONF_PATH_ENV if set and non-empty, else the compiled-in default.
 */
const char *tapir_conf_default_path(void);

#endif /* TAPIR_CONF_H */
