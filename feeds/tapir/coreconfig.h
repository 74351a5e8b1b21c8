/*
 * feeds/tapir/coreconfig.h - configuration pushed by DNS TAPIR Core.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Nodeman hands each enrolled edge a configuration topic per application
 * (mqtt_topics, e.g. "configuration/<node>/pop"); what arrives there is
 * the JSON of tapir.GlobalConfig (github.com/dnstapir/tapir, structs.go),
 * which POP's ConfigUpdater (configupdater.go) decodes and applies.  The
 * struct has no JSON tags, so the keys are the Go field names, matched
 * without regard to case, unknown ones ignored:
 *
 *   {
 *     "TapirConfigVersion": string,
 *     "Rpz":                { "EnvelopeSize": integer },        (unused)
 *     "Bootstrap":          { "Servers": [ string ],
 *                             "BaseUrl": string, "ApiToken": string },
 *     "ObservationTopics":  [ { "Topic": string, "PubKeyName": string,
 *                               "PrivKeyName": string } ],
 *     "StatusTopics":       [ ... ]                              (unused)
 *   }
 *
 * As POP does, the first observation topic is the one the sources that
 * follow Core's configuration subscribe to, and bootstrap servers given
 * mean "bootstrap again from these".  POP calls fmt.Sprintf(BaseUrl,
 * server) for each server, so BaseUrl holds one "%s"; the token goes in
 * an X-API-Key header.  What is unusable is refused whole: no observation
 * topic, a topic that is not a valid filter, servers without a BaseUrl
 * with exactly one "%s", a URL that is not https://, a token that cannot
 * be a header value.
 */
#ifndef TAPIR_CORECONFIG_H
#define TAPIR_CORECONFIG_H

#include <stddef.h>
#include <stdint.h>

/** Most bootstrap servers taken from one message. */
#define CORE_CONFIG_MAX_SERVERS 16

/** What a configuration message sets. */
struct core_config {
	/** TapirConfigVersion, "" when absent (for the log). */
	char *version;
	/** The observation topic (filter). */
	char *topic;
	/** Snapshot URLs, one per bootstrap server, in order; NULL when the
	 *  message names no servers. */
	char **bootstrap_urls;
	/** Number of bootstrap_urls. */
	size_t n_bootstrap_urls;
	/** ApiToken, sent as X-API-Key; NULL when absent. */
	char *bootstrap_token;
};

/**
 * Parse a configuration message's payload (after its JWS, if any, was
 * verified).
 * @param json: the payload; need not be NUL-terminated.
 * @param len: its length.
 * @param out: out; free with core_config_clear() whatever the result.
 * @param why: out, why it was refused.
 * @param whylen: size of why.
 * @return 0, or -1 (refused, or out of memory: said in why).
 */
int core_config_parse(const uint8_t *json, size_t len,
	struct core_config *out, char *why, size_t whylen);

/**
 * Whether two configurations set the same topic and bootstrap.
 * @return 1 or 0.
 */
int core_config_equal(const struct core_config *a,
	const struct core_config *b);

/**
 * Free what a configuration holds and zero it; a zeroed one is fine.
 */
void core_config_clear(struct core_config *c);

#endif /* TAPIR_CORECONFIG_H */
