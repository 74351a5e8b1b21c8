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
#include "module/output/output.h"
#include "module/policy/localdata.h"
#include "module/policy/policy.h"
#include "module/runtime/feed_types.h"

/** Environment variable that overrides the compiled-in config path. */
#define TAPIR_CONF_PATH_ENV "TAPIR_POP_CONF"

/** Most addresses one redirect rule may hold. */
#define TAPIR_CONF_REDIRECT_MAX 8

/** One "source:" clause. */
struct tapir_conf_source {
	/** Unique source name, as the policy store and control tool show it. */
	char *name;
	/** List class the source feeds. */
	enum policy_list list;
	/** Where the data comes from ("type:", default file). */
	const struct feed_type *type;
	/** The type's own settings (its conf_new()), NULL until the clause
	 *  is checked. */
	void *conf;
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
	/** Where /metrics is served ("address@port"); NULL for nowhere. */
	char *metrics_listen;
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
	/** The top-level clauses feed types own (mqtt:), by the type's
	 *  index (feed_types.h); NULL where the file has none. */
	void *clauses[FEED_TYPES_MAX];
	/** Sources in file order. */
	struct tapir_conf_source *sources;
	/** Number of sources. */
	unsigned num_sources;
	/** The output: clauses, in file order. */
	struct output_conf *outputs;
	/** Number of outputs. */
	unsigned num_outputs;
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
 * The redirect action's configured local data in the store's format
 * (module/policy/localdata.h): the CNAME, or the A then AAAA records.
 */
void tapir_conf_redirect_data(const struct tapir_conf *cfg,
	struct localdata *out);

/**
 * Free a configuration; NULL is fine.
 */
void tapir_conf_free(struct tapir_conf *cfg);

/** Called for each file a configuration names that the module reads
 *  while it runs: where ("mqtt:", "source NAME"), the key, the path. */
typedef void (*tapir_conf_file_fn)(void *arg, const char *where,
	const char *key, const char *path);

/**
 * Each file the configuration's clauses and sources name, as their types
 * tell them (feed_type's conf_files and clause_files); for checkconf.
 */
void tapir_conf_files(const struct tapir_conf *cfg, tapir_conf_file_fn fn,
	void *arg);

/**
 * The path of the config file to use: the environment variable
 * TAPIR_CONF_PATH_ENV if set and non-empty, else the compiled-in default.
 */
const char *tapir_conf_default_path(void);

#endif /* TAPIR_CONF_H */
