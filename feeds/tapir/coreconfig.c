/*
 * feeds/tapir/coreconfig.c - configuration pushed by DNS TAPIR Core.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/coreconfig.h"
#include "feeds/tapir/mqtt_topic.h"
#include "feeds/tapir/observation.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Longest snapshot URL, server or token accepted. */
#define URL_MAX 2048
#define SERVER_MAX 262
#define TOKEN_MAX 1024

/* A string member, or "" when absent; -1 (with why) when present but
 * not a string, as Go's decoder refuses it. */
static int
string_member(json_t *obj, const char *key, const char **out, char *why,
	size_t whylen)
{
	json_t *v = observation_json_member(obj, key);

	*out = "";
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		snprintf(why, whylen, "%s is not a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* A host, host:port or [v6]:port: nothing that could change the URL's
 * meaning once put in it. */
static int
server_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= SERVER_MAX &&
		strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789.-:[]") == n;
}

/* BaseUrl is a Go format with one %s; no other verb (Go would print
 * "%!v(MISSING)" into the URL). */
static int
base_url_ok(const char *s)
{
	const char *p = strstr(s, "%s");

	return p && !strchr(p + 2, '%') && !memchr(s, '%', (size_t)(p - s)) &&
		strncmp(s, "https://", 8) == 0;
}

/* A URL or a header value: printable ASCII, no space. */
static int
printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return n <= max;
}

static int
parse_bootstrap(json_t *boot, struct core_config *out, char *why,
	size_t whylen)
{
	json_t *servers, *v;
	const char *base, *token;
	size_t i, n;

	if (!boot)
		return 0;
	if (!json_is_object(boot)) {
		snprintf(why, whylen, "Bootstrap is not an object");
		return -1;
	}
	if (string_member(boot, "baseurl", &base, why, whylen) != 0 ||
	    string_member(boot, "apitoken", &token, why, whylen) != 0)
		return -1;
	servers = observation_json_member(boot, "servers");
	if (servers && !json_is_array(servers)) {
		snprintf(why, whylen, "Bootstrap.Servers is not an array");
		return -1;
	}
	n = servers ? json_array_size(servers) : 0;
	if (n > CORE_CONFIG_MAX_SERVERS) {
		snprintf(why, whylen, "%zu bootstrap servers (at most %d)", n,
			CORE_CONFIG_MAX_SERVERS);
		return -1;
	}
	if (*token && !printable(token, TOKEN_MAX)) {
		snprintf(why, whylen, "Bootstrap.ApiToken cannot be a header "
			"value");
		return -1;
	}
	/* Without servers POP does not bootstrap, whatever BaseUrl says. */
	if (!n)
		return 0;
	if (!base_url_ok(base)) {
		snprintf(why, whylen, "Bootstrap.BaseUrl \"%.64s\" is not an "
			"https:// URL with one %%s for the server", base);
		return -1;
	}
	if (!(out->bootstrap_urls = calloc(n, sizeof(char *))))
		goto nomem;
	json_array_foreach(servers, i, v) {
		const char *srv = json_is_string(v) ? json_string_value(v) :
			NULL, *pct = strstr(base, "%s");
		size_t len;
		if (!srv || !server_ok(srv)) {
			snprintf(why, whylen, "bootstrap server %zu is not a "
				"host or host:port", i);
			return -1;
		}
		len = strlen(base) - 2 + strlen(srv);
		if (len > URL_MAX) {
			snprintf(why, whylen, "bootstrap URL %zu too long", i);
			return -1;
		}
		if (!(out->bootstrap_urls[i] = malloc(len + 1)))
			goto nomem;
		out->n_bootstrap_urls++;
		snprintf(out->bootstrap_urls[i], len + 1, "%.*s%s%s",
			(int)(pct - base), base, srv, pct + 2);
		if (!printable(out->bootstrap_urls[i], URL_MAX)) {
			snprintf(why, whylen, "bootstrap URL %zu has spaces or "
				"control characters", i);
			return -1;
		}
	}
	if (*token && !(out->bootstrap_token = strdup(token)))
		goto nomem;
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	return -1;
}

int
core_config_parse(const uint8_t *json, size_t len, struct core_config *out,
	char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *root, *topics, *first;
	const char *version, *topic;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (!(root = json_loadb((const char *)json, len, 0, &jerr))) {
		snprintf(why, whylen, "bad JSON at line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(why, whylen, "not a JSON object");
		goto out;
	}
	if (string_member(root, "tapirconfigversion", &version, why,
	    whylen) != 0)
		goto out;
	topics = observation_json_member(root, "observationtopics");
	if (topics && !json_is_array(topics)) {
		snprintf(why, whylen, "ObservationTopics is not an array");
		goto out;
	}
	if (!topics || !(first = json_array_get(topics, 0))) {
		snprintf(why, whylen, "no ObservationTopics");
		goto out;
	}
	if (!json_is_object(first)) {
		snprintf(why, whylen, "ObservationTopics[0] is not an object");
		goto out;
	}
	if (string_member(first, "topic", &topic, why, whylen) != 0)
		goto out;
	if (!mqtt_topic_filter_valid(topic)) {
		snprintf(why, whylen, "ObservationTopics[0].Topic \"%.64s\" is "
			"not a valid topic", topic);
		goto out;
	}
	if (!(out->version = strdup(version)) ||
	    !(out->topic = strdup(topic))) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (parse_bootstrap(observation_json_member(root, "bootstrap"), out,
	    why, whylen) != 0)
		goto out;
	r = 0;
out:
	json_decref(root);
	return r;
}

static int
same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int
core_config_equal(const struct core_config *a, const struct core_config *b)
{
	size_t i;

	if (!same_string(a->topic, b->topic) ||
	    !same_string(a->bootstrap_token, b->bootstrap_token) ||
	    a->n_bootstrap_urls != b->n_bootstrap_urls)
		return 0;
	for (i = 0; i < a->n_bootstrap_urls; i++)
		if (strcmp(a->bootstrap_urls[i], b->bootstrap_urls[i]) != 0)
			return 0;
	return 1;
}

void
core_config_clear(struct core_config *c)
{
	size_t i;

	for (i = 0; i < c->n_bootstrap_urls; i++)
		free(c->bootstrap_urls[i]);
	free(c->bootstrap_urls);
	free(c->version);
	free(c->topic);
	if (c->bootstrap_token) {
		/* A credential: not left in freed memory. */
		OPENSSL_cleanse(c->bootstrap_token,
			strlen(c->bootstrap_token));
		free(c->bootstrap_token);
	}
	memset(c, 0, sizeof(*c));
}
