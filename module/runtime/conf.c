/*
 * module/runtime/conf.c - tapir-pop.conf, in Unbound's own syntax.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The parser is line based: a line holds a clause name ("server:"), or a
 * key and its values ("answer-ttl: 60", "numsources: 2 nxdomain").  Values
 * are words or quoted strings.  Each clause has a table of keys; a key's
 * handler converts and checks its values, so every error is reported with
 * the file, line and key in one place.
 */
#include "tapir_config.h"
#include "module/runtime/conf.h"
#include "module/base/fileio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef TAPIR_DEFAULT_CONFIG
#define TAPIR_DEFAULT_CONFIG "/etc/unbound/tapir-pop.conf"
#endif

/** Largest config file we read; a policy file is small. */
#define CONFIG_FILE_MAX (1024 * 1024)
/** Most values a key takes. */
#define VALUES_MAX 4

/** Parser state for one file. */
struct parser {
	const char *file;        /* name for messages */
	unsigned line;           /* current line */
	const char *key;         /* current key, for messages */
	struct tapir_conf *cfg;      /* being built */
	struct tapir_conf_source *source; /* open source clause, if any */
	struct tapir_conf_source **source_tail;
	char *err;
	size_t errlen;
	/* The tags rule's text, resolved once every tag-name: is known. */
	char *tags_text;
	unsigned tags_line;
};

/** The clauses. */
enum clause { CLAUSE_NONE, CLAUSE_SERVER, CLAUSE_POLICY, CLAUSE_SOURCE,
	CLAUSE_MQTT };

/** A key's handler gets its values, already unquoted. */
typedef int (*key_handler)(struct parser *p, char **v, int n);

/** One key of a clause. */
struct key_def {
	const char *name;
	enum clause clause;
	int min_values, max_values;
	key_handler handler;
};

static int
fail(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->key)
		snprintf(p->err, p->errlen, "%s:%u: %.*s: %s", p->file,
			p->line, (int)strcspn(p->key, ":"), p->key, msg);
	else
		snprintf(p->err, p->errlen, "%s:%u: %s", p->file, p->line, msg);
	return -1;
}

static int
set_string(struct parser *p, char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return fail(p, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static int
parse_uint(struct parser *p, const char *s, unsigned long max,
	unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return fail(p, "'%s' is not a number", s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return fail(p, "'%s' is not a number", s);
	if (v > max)
		return fail(p, "%lu is larger than %lu", v, max);
	*out = v;
	return 0;
}

static int
parse_bool(struct parser *p, const char *s, int *out)
{
	if (strcmp(s, "yes") == 0)
		*out = 1;
	else if (strcmp(s, "no") == 0)
		*out = 0;
	else
		return fail(p, "expected yes or no, not '%s'", s);
	return 0;
}

static int
parse_name(struct parser *p, const char *s, uint8_t *wire, size_t *len)
{
	int r = name_from_text(s, strlen(s), wire, len);

	if (r != NAME_OK)
		return fail(p, "bad name '%s': %s", s, name_strerror(r));
	return 0;
}

static int
parse_action(struct parser *p, const char *s, enum policy_action *out)
{
	if (policy_action_from_name(s, out) != 0 || *out == POLICY_ACTION_NONE)
		return fail(p, "unknown action '%s' (expected nxdomain, nodata, "
			"drop, passthru, redirect or tcp-only)", s);
	return 0;
}

/* ---- server: ---- */

static int
key_state_dir(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->state_dir, v[0]);
}

static int
key_control_socket(struct parser *p, char **v, int n)
{
	if (!*v[0])
		return fail(p, "empty path");
	return set_string(p, &p->cfg->control_socket, v[0]);
}

static int
key_control_socket_mode(struct parser *p, char **v, int n)
{
	char *end;
	unsigned long mode;

	errno = 0;
	mode = strtoul(v[0], &end, 8);
	if (errno || *end || !*v[0] || mode > 0777)
		return fail(p, "'%s' is not an octal mode such as 0660", v[0]);
	p->cfg->control_socket_mode = (unsigned)mode;
	return 0;
}

static int
key_policy_zone(struct parser *p, char **v, int n)
{
	return parse_name(p, v[0], p->cfg->policy_zone,
		&p->cfg->policy_zone_len);
}

static int
key_answer_ttl(struct parser *p, char **v, int n)
{
	unsigned long ttl;

	if (parse_uint(p, v[0], 604800, &ttl))
		return -1;
	p->cfg->answer_ttl = (uint32_t)ttl;
	return 0;
}

static int
key_log_decisions(struct parser *p, char **v, int n)
{
	return parse_bool(p, v[0], &p->cfg->log_decisions);
}

static int
key_file_poll(struct parser *p, char **v, int n)
{
	unsigned long ms;

	if (parse_uint(p, v[0], 3600000, &ms))
		return -1;
	if (ms < 10)
		return fail(p, "must be at least 10 ms");
	p->cfg->file_poll_ms = (unsigned)ms;
	return 0;
}

/* ---- policy: ---- */

static int
key_allowlist_action(struct parser *p, char **v, int n)
{
	return parse_action(p, v[0], &p->cfg->rules.allow_action);
}

static int
key_denylist_action(struct parser *p, char **v, int n)
{
	return parse_action(p, v[0], &p->cfg->rules.deny_action);
}

static int
key_numsources(struct parser *p, char **v, int n)
{
	unsigned long count;

	if (parse_uint(p, v[0], 64, &count) ||
	    parse_action(p, v[1], &p->cfg->rules.numsources_action))
		return -1;
	p->cfg->rules.numsources = (unsigned)count;
	return 0;
}

static int
key_numtags(struct parser *p, char **v, int n)
{
	unsigned long count;

	if (parse_uint(p, v[0], 32, &count) ||
	    parse_action(p, v[1], &p->cfg->rules.numtags_action))
		return -1;
	p->cfg->rules.numtags = (unsigned)count;
	return 0;
}

static int
key_tags(struct parser *p, char **v, int n)
{
	if (parse_action(p, v[1], &p->cfg->rules.tags_action))
		return -1;
	p->tags_line = p->line;
	return set_string(p, &p->tags_text, v[0]);
}

static int
key_tag_name(struct parser *p, char **v, int n)
{
	unsigned long bit;
	int r;

	if (parse_uint(p, v[0], TAGS_BITS - 1, &bit))
		return -1;
	if ((r = tags_table_add(&p->cfg->tag_names, (unsigned)bit, v[1])))
		return fail(p, "'%s': %s", v[1], tags_strerror(r));
	return 0;
}

static int
key_tag_source(struct parser *p, char **v, int n)
{
	if (strlen(v[0]) >= sizeof(p->cfg->rules.tag_source))
		return fail(p, "name too long");
	strcpy(p->cfg->rules.tag_source, v[0]);
	return 0;
}

static int
key_redirect_a(struct parser *p, char **v, int n)
{
	struct tapir_conf_redirect *r = &p->cfg->redirect;

	if (r->num_a >= TAPIR_CONF_REDIRECT_MAX)
		return fail(p, "at most %d addresses", TAPIR_CONF_REDIRECT_MAX);
	if (inet_pton(AF_INET, v[0], &r->a[r->num_a]) != 1)
		return fail(p, "'%s' is not an IPv4 address", v[0]);
	r->num_a++;
	return 0;
}

static int
key_redirect_aaaa(struct parser *p, char **v, int n)
{
	struct tapir_conf_redirect *r = &p->cfg->redirect;

	if (r->num_aaaa >= TAPIR_CONF_REDIRECT_MAX)
		return fail(p, "at most %d addresses", TAPIR_CONF_REDIRECT_MAX);
	if (inet_pton(AF_INET6, v[0], &r->aaaa[r->num_aaaa]) != 1)
		return fail(p, "'%s' is not an IPv6 address", v[0]);
	r->num_aaaa++;
	return 0;
}

static int
key_redirect_cname(struct parser *p, char **v, int n)
{
	return parse_name(p, v[0], p->cfg->redirect.cname,
		&p->cfg->redirect.cname_len);
}

/* ---- source: ---- */

static int
key_source_name(struct parser *p, char **v, int n)
{
	struct tapir_conf_source *s;

	if (!*v[0])
		return fail(p, "empty source name");
	if (strcmp(v[0], "override-allow") == 0 ||
	    strcmp(v[0], "override-deny") == 0)
		return fail(p, "'%s' is reserved for runtime overrides", v[0]);
	if (strlen(v[0]) >= sizeof(p->cfg->rules.tag_source))
		return fail(p, "name too long");
	for (s = p->cfg->sources; s; s = s->next)
		if (s != p->source && s->name && strcmp(s->name, v[0]) == 0)
			return fail(p, "duplicate source name '%s' (line %u)",
				v[0], s->line);
	return set_string(p, &p->source->name, v[0]);
}

static int
key_source_list(struct parser *p, char **v, int n)
{
	if (policy_list_from_name(v[0], &p->source->list) != 0)
		return fail(p, "unknown list '%s' (expected allowlist, "
			"denylist or doubtlist)", v[0]);
	return 0;
}

static int
key_source_type(struct parser *p, char **v, int n)
{
	if (strcmp(v[0], "file") == 0)
		p->source->type = TAPIR_CONF_SOURCE_FILE;
	else if (strcmp(v[0], "rpz") == 0)
		p->source->type = TAPIR_CONF_SOURCE_RPZ;
	else if (strcmp(v[0], "dawg") == 0)
		p->source->type = TAPIR_CONF_SOURCE_DAWG;
	else if (strcmp(v[0], "mqtt") == 0)
		p->source->type = TAPIR_CONF_SOURCE_MQTT;
	else
		return fail(p, "unknown source type '%s' (expected file, dawg, "
			"rpz or mqtt)", v[0]);
	return 0;
}

/* "192.0.2.1", "192.0.2.1@5353", "2001:db8::1@53" (Unbound's notation). */
static int
parse_addr(struct parser *p, const char *s, unsigned default_port,
	struct tapir_conf_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *at = strchr(s, '@');
	unsigned long port = default_port;
	size_t hlen = at ? (size_t)(at - s) : strlen(s);
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;

	if (hlen >= sizeof(host))
		return fail(p, "'%s' is not an address", s);
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (at) {
		if (parse_uint(p, at + 1, 65535, &port))
			return -1;
		if (port == 0)
			return fail(p, "port 0 in '%s'", s);
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*sin6);
	} else {
		return fail(p, "'%s' is not an address", s);
	}
	return 0;
}

static int
key_rpz_zone(struct parser *p, char **v, int n)
{
	return parse_name(p, v[0], p->source->rpz.zone,
		&p->source->rpz.zone_len);
}

static int
key_rpz_primary(struct parser *p, char **v, int n)
{
	struct tapir_conf_rpz *r = &p->source->rpz;

	if (r->num_primaries >= TAPIR_CONF_ADDRS_MAX)
		return fail(p, "at most %d primaries", TAPIR_CONF_ADDRS_MAX);
	if (parse_addr(p, v[0], 53, &r->primaries[r->num_primaries]))
		return -1;
	r->num_primaries++;
	return 0;
}

static int
key_rpz_tsig_key(struct parser *p, char **v, int n)
{
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;

	if (parse_name(p, v[0], wire, &len))
		return -1;
	return set_string(p, &p->source->rpz.tsig_name, v[0]);
}

static int
key_rpz_tsig_algorithm(struct parser *p, char **v, int n)
{
	static const char *const known[] = { "hmac-md5", "hmac-sha1",
		"hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcasecmp(v[0], known[i]) == 0)
			return set_string(p, &p->source->rpz.tsig_algorithm,
				known[i]);
	return fail(p, "unknown TSIG algorithm '%s'", v[0]);
}

static int
key_rpz_tsig_secret(struct parser *p, char **v, int n)
{
	const char *c;

	if (!*v[0])
		return fail(p, "empty secret");
	for (c = v[0]; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '+' || *c == '/' ||
		    *c == '='))
			return fail(p, "the secret is not base64");
	return set_string(p, &p->source->rpz.tsig_secret, v[0]);
}

static int
key_rpz_notify_listen(struct parser *p, char **v, int n)
{
	return parse_addr(p, v[0], 53, &p->source->rpz.notify_listen);
}

static int
key_rpz_allow_notify(struct parser *p, char **v, int n)
{
	struct tapir_conf_rpz *r = &p->source->rpz;

	if (r->num_allow_notify >= TAPIR_CONF_ADDRS_MAX)
		return fail(p, "at most %d addresses", TAPIR_CONF_ADDRS_MAX);
	if (parse_addr(p, v[0], 0, &r->allow_notify[r->num_allow_notify]))
		return -1;
	r->num_allow_notify++;
	return 0;
}

static int
key_rpz_refresh_min(struct parser *p, char **v, int n)
{
	unsigned long s;

	if (parse_uint(p, v[0], 604800, &s))
		return -1;
	p->source->rpz.refresh_min = (unsigned)s;
	return 0;
}

static int
key_rpz_refresh_max(struct parser *p, char **v, int n)
{
	unsigned long s;

	if (parse_uint(p, v[0], 604800, &s))
		return -1;
	p->source->rpz.refresh_max = (unsigned)s;
	return 0;
}

static int
key_rpz_transfer_max_size(struct parser *p, char **v, int n)
{
	unsigned long mb;

	if (parse_uint(p, v[0], 65536, &mb))
		return -1;
	if (mb == 0)
		return fail(p, "must be at least 1 (MiB)");
	p->source->rpz.max_transfer_bytes = (uint64_t)mb << 20;
	return 0;
}

static int
key_rpz_transfer_timeout(struct parser *p, char **v, int n)
{
	unsigned long s;

	if (parse_uint(p, v[0], 86400, &s))
		return -1;
	if (s == 0)
		return fail(p, "must be at least 1 second");
	p->source->rpz.transfer_timeout = (unsigned)s;
	return 0;
}

static int
key_source_file(struct parser *p, char **v, int n)
{
	if (!*v[0])
		return fail(p, "empty file name");
	return set_string(p, &p->source->file, v[0]);
}

static int
key_source_format(struct parser *p, char **v, int n)
{
	if (strcmp(v[0], "text") == 0)
		p->source->format = TAPIR_CONF_FORMAT_TEXT;
	else if (strcmp(v[0], "csv") == 0)
		p->source->format = TAPIR_CONF_FORMAT_CSV;
	else
		return fail(p, "unknown format '%s' (expected text or csv)",
			v[0]);
	return 0;
}

static int
key_source_column(struct parser *p, char **v, int n)
{
	unsigned long col;

	if (parse_uint(p, v[0], 1024, &col))
		return -1;
	if (col == 0)
		return fail(p, "columns count from 1");
	p->source->column = (unsigned)col;
	return 0;
}

static int
key_source_match(struct parser *p, char **v, int n)
{
	if (strcmp(v[0], "exact") == 0)
		p->source->flags &= ~(unsigned)POLICY_SOURCE_SUBDOMAINS;
	else if (strcmp(v[0], "subdomains") == 0)
		p->source->flags |= POLICY_SOURCE_SUBDOMAINS;
	else
		return fail(p, "unknown match '%s' (expected exact or "
			"subdomains)", v[0]);
	return 0;
}

static int
key_source_action_override(struct parser *p, char **v, int n)
{
	int on;

	if (parse_bool(p, v[0], &on))
		return -1;
	if (on)
		p->source->flags |= POLICY_SOURCE_ACTION_OVERRIDE;
	else
		p->source->flags &= ~(unsigned)POLICY_SOURCE_ACTION_OVERRIDE;
	return 0;
}

/* ---- observation sources (type mqtt) ---- */

static int
key_obs_topic(struct parser *p, char **v, int n)
{
	if (!*v[0])
		return fail(p, "empty topic");
	return set_string(p, &p->source->obs.topic, v[0]);
}

static int
key_obs_src_name(struct parser *p, char **v, int n)
{
	return set_string(p, &p->source->obs.src_name, v[0]);
}

static int
key_obs_bootstrap_url(struct parser *p, char **v, int n)
{
	if (strncmp(v[0], "https://", 8) != 0)
		return fail(p, "'%s' is not an https:// URL", v[0]);
	return set_string(p, &p->source->obs.bootstrap_url, v[0]);
}

static int
key_obs_max_entries(struct parser *p, char **v, int n)
{
	unsigned long max;

	if (parse_uint(p, v[0], 100000000, &max))
		return -1;
	if (max == 0)
		return fail(p, "must be at least 1");
	p->source->obs.max_entries = (unsigned)max;
	return 0;
}

/* ---- mqtt: ---- */

static int
key_mqtt_server(struct parser *p, char **v, int n)
{
	if (strncmp(v[0], "mqtts://", 8) != 0 &&
	    strncmp(v[0], "mqtt://", 7) != 0 &&
	    strncmp(v[0], "ssl://", 6) != 0 &&
	    strncmp(v[0], "tcp://", 6) != 0)
		return fail(p, "'%s' is not an mqtts:// or mqtt:// URI", v[0]);
	return set_string(p, &p->cfg->mqtt.server, v[0]);
}

static int
key_mqtt_client_id(struct parser *p, char **v, int n)
{
	if (!*v[0] || strlen(v[0]) > 128)
		return fail(p, "client-id must be 1 to 128 characters");
	return set_string(p, &p->cfg->mqtt.client_id, v[0]);
}

static int
key_mqtt_ca_file(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->mqtt.ca_file, v[0]);
}

static int
key_mqtt_cert_file(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->mqtt.cert_file, v[0]);
}

static int
key_mqtt_key_file(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->mqtt.key_file, v[0]);
}

static int
key_mqtt_trusted_keys(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->mqtt.trusted_keys, v[0]);
}

static int
key_mqtt_insecure_unsigned(struct parser *p, char **v, int n)
{
	return parse_bool(p, v[0], &p->cfg->mqtt.insecure_unsigned);
}

static int
key_mqtt_status_key(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->mqtt.status_key, v[0]);
}

static int
key_mqtt_edge_id(struct parser *p, char **v, int n)
{
	if (!*v[0] || strpbrk(v[0], "/+#"))
		return fail(p, "'%s' is not a usable edge id (no '/', '+' or "
			"'#')", v[0]);
	return set_string(p, &p->cfg->mqtt.edge_id, v[0]);
}

static int
key_mqtt_status_kid(struct parser *p, char **v, int n)
{
	return set_string(p, &p->cfg->mqtt.status_kid, v[0]);
}

static int
key_mqtt_keepalive(struct parser *p, char **v, int n)
{
	unsigned long s;

	if (parse_uint(p, v[0], 3600, &s))
		return -1;
	if (s < 5)
		return fail(p, "must be at least 5 seconds");
	p->cfg->mqtt.keepalive = (unsigned)s;
	return 0;
}

static int
key_mqtt_reconnect_max(struct parser *p, char **v, int n)
{
	unsigned long s;

	if (parse_uint(p, v[0], 3600, &s))
		return -1;
	if (s < 1)
		return fail(p, "must be at least 1 second");
	p->cfg->mqtt.backoff_max = (unsigned)s;
	return 0;
}

static const struct key_def keys[] = {
	{ "state-dir", CLAUSE_SERVER, 1, 1, key_state_dir },
	{ "policy-zone", CLAUSE_SERVER, 1, 1, key_policy_zone },
	{ "control-socket", CLAUSE_SERVER, 1, 1, key_control_socket },
	{ "control-socket-mode", CLAUSE_SERVER, 1, 1, key_control_socket_mode },
	{ "answer-ttl", CLAUSE_SERVER, 1, 1, key_answer_ttl },
	{ "file-poll-interval", CLAUSE_SERVER, 1, 1, key_file_poll },
	{ "log-decisions", CLAUSE_SERVER, 1, 1, key_log_decisions },
	{ "allowlist-action", CLAUSE_POLICY, 1, 1, key_allowlist_action },
	{ "denylist-action", CLAUSE_POLICY, 1, 1, key_denylist_action },
	{ "numsources", CLAUSE_POLICY, 2, 2, key_numsources },
	{ "numtags", CLAUSE_POLICY, 2, 2, key_numtags },
	{ "tag-source", CLAUSE_POLICY, 1, 1, key_tag_source },
	{ "tags", CLAUSE_POLICY, 2, 2, key_tags },
	{ "tag-name", CLAUSE_POLICY, 2, 2, key_tag_name },
	{ "redirect-a", CLAUSE_POLICY, 1, 1, key_redirect_a },
	{ "redirect-aaaa", CLAUSE_POLICY, 1, 1, key_redirect_aaaa },
	{ "redirect-cname", CLAUSE_POLICY, 1, 1, key_redirect_cname },
	{ "name", CLAUSE_SOURCE, 1, 1, key_source_name },
	{ "list", CLAUSE_SOURCE, 1, 1, key_source_list },
	{ "type", CLAUSE_SOURCE, 1, 1, key_source_type },
	{ "file", CLAUSE_SOURCE, 1, 1, key_source_file },
	{ "format", CLAUSE_SOURCE, 1, 1, key_source_format },
	{ "column", CLAUSE_SOURCE, 1, 1, key_source_column },
	{ "match", CLAUSE_SOURCE, 1, 1, key_source_match },
	{ "action-override", CLAUSE_SOURCE, 1, 1, key_source_action_override },
	{ "zone", CLAUSE_SOURCE, 1, 1, key_rpz_zone },
	{ "primary", CLAUSE_SOURCE, 1, 1, key_rpz_primary },
	{ "tsig-key", CLAUSE_SOURCE, 1, 1, key_rpz_tsig_key },
	{ "tsig-algorithm", CLAUSE_SOURCE, 1, 1, key_rpz_tsig_algorithm },
	{ "tsig-secret", CLAUSE_SOURCE, 1, 1, key_rpz_tsig_secret },
	{ "notify-listen", CLAUSE_SOURCE, 1, 1, key_rpz_notify_listen },
	{ "allow-notify", CLAUSE_SOURCE, 1, 1, key_rpz_allow_notify },
	{ "refresh-min", CLAUSE_SOURCE, 1, 1, key_rpz_refresh_min },
	{ "refresh-max", CLAUSE_SOURCE, 1, 1, key_rpz_refresh_max },
	{ "transfer-max-size", CLAUSE_SOURCE, 1, 1, key_rpz_transfer_max_size },
	{ "transfer-timeout", CLAUSE_SOURCE, 1, 1, key_rpz_transfer_timeout },
	{ "topic", CLAUSE_SOURCE, 1, 1, key_obs_topic },
	{ "src-name", CLAUSE_SOURCE, 1, 1, key_obs_src_name },
	{ "bootstrap-url", CLAUSE_SOURCE, 1, 1, key_obs_bootstrap_url },
	{ "max-entries", CLAUSE_SOURCE, 1, 1, key_obs_max_entries },
	{ "server", CLAUSE_MQTT, 1, 1, key_mqtt_server },
	{ "client-id", CLAUSE_MQTT, 1, 1, key_mqtt_client_id },
	{ "ca-file", CLAUSE_MQTT, 1, 1, key_mqtt_ca_file },
	{ "cert-file", CLAUSE_MQTT, 1, 1, key_mqtt_cert_file },
	{ "key-file", CLAUSE_MQTT, 1, 1, key_mqtt_key_file },
	{ "trusted-keys", CLAUSE_MQTT, 1, 1, key_mqtt_trusted_keys },
	{ "insecure-unsigned", CLAUSE_MQTT, 1, 1, key_mqtt_insecure_unsigned },
	{ "keepalive", CLAUSE_MQTT, 1, 1, key_mqtt_keepalive },
	{ "reconnect-max", CLAUSE_MQTT, 1, 1, key_mqtt_reconnect_max },
	{ "status-key", CLAUSE_MQTT, 1, 1, key_mqtt_status_key },
	{ "edge-id", CLAUSE_MQTT, 1, 1, key_mqtt_edge_id },
	{ "status-kid", CLAUSE_MQTT, 1, 1, key_mqtt_status_kid },
};

static const char *const clause_names[] = {
	[CLAUSE_NONE] = "", [CLAUSE_SERVER] = "server",
	[CLAUSE_POLICY] = "policy", [CLAUSE_SOURCE] = "source",
	[CLAUSE_MQTT] = "mqtt",
};

/* Split a line into words, unquoting "..." and '...' and cutting at an
 * unquoted '#'.  Works in place; returns the number of words or -1. */
static int
split_words(struct parser *p, char *s, char **words, int max)
{
	int n = 0;

	for (;;) {
		char quote;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max)
			return fail(p, "too many values");
		if (*s == '"' || *s == '\'') {
			quote = *s++;
			words[n++] = s;
			while (*s && *s != quote)
				s++;
			if (!*s)
				return fail(p, "unterminated quoted string");
			*s++ = 0;
			if (*s && *s != ' ' && *s != '\t' && *s != '\r' &&
			    *s != '#')
				return fail(p, "text after closing quote");
			continue;
		}
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' &&
		       *s != '#')
			s++;
		if (*s == '#') {
			*s = 0;
			return n;
		}
		if (*s)
			*s++ = 0;
		/* Errors in the values name the key already. */
		if (n == 1 && strchr(words[0], ':'))
			p->key = words[0];
	}
}

static int
open_source(struct parser *p)
{
	struct tapir_conf_source *s = calloc(1, sizeof(*s));

	if (!s)
		return fail(p, "out of memory");
	s->line = p->line;
	s->list = POLICY_LIST_DENY;
	s->type = TAPIR_CONF_SOURCE_FILE;
	s->format = TAPIR_CONF_FORMAT_TEXT;
	s->column = 2;
	s->rpz.refresh_min = 30;
	s->rpz.refresh_max = 86400;
	s->rpz.max_transfer_bytes = (uint64_t)1024 << 20;
	s->rpz.transfer_timeout = 300;
	s->obs.max_entries = 5000000;
	*p->source_tail = s;
	p->source_tail = &s->next;
	p->source = s;
	p->cfg->num_sources++;
	return 0;
}

/* An observation source needs the mqtt: clause, and either keys to
 * verify messages with or the explicit lab switch. */
static int
check_obs_source(struct parser *p, struct tapir_conf_source *s)
{
	const struct tapir_conf_mqtt *m = &p->cfg->mqtt;
	const struct tapir_conf_source *o;

	if (!s->obs.topic)
		return fail(p, "source '%s': type mqtt needs 'topic'", s->name);
	/* mqtt: is one broker connection, one client id. */
	for (o = p->cfg->sources; o; o = o->next)
		if (o != s && o->type == TAPIR_CONF_SOURCE_MQTT)
			return fail(p, "source '%s': only one source of type "
				"mqtt (there is '%s')", s->name, o->name);
	if (!m->server)
		return fail(p, "source '%s': type mqtt needs an mqtt: clause "
			"with 'server'", s->name);
	if (!m->trusted_keys && !m->insecure_unsigned)
		return fail(p, "source '%s': mqtt: needs 'trusted-keys' (or "
			"'insecure-unsigned: yes' in a lab)", s->name);
	if (strncmp(m->server, "mqtts://", 8) == 0 ||
	    strncmp(m->server, "ssl://", 6) == 0) {
		if (!m->ca_file)
			return fail(p, "source '%s': mqtt: a TLS server needs "
				"'ca-file'", s->name);
		if (!m->cert_file != !m->key_file)
			return fail(p, "source '%s': mqtt: cert-file and "
				"key-file go together", s->name);
	}
	if (s->obs.bootstrap_url && !m->ca_file)
		return fail(p, "source '%s': bootstrap-url needs 'ca-file' in "
			"mqtt:", s->name);
	return 0;
}

/* Check a finished source clause: what the keys alone cannot. */
static int
check_source(struct parser *p, struct tapir_conf_source *s)
{
	p->key = NULL;
	p->line = s->line;
	if (!s->name)
		return fail(p, "source: missing 'name'");
	if ((s->type == TAPIR_CONF_SOURCE_FILE ||
	    s->type == TAPIR_CONF_SOURCE_DAWG) && !s->file)
		return fail(p, "source '%s': type %s needs 'file'", s->name,
			s->type == TAPIR_CONF_SOURCE_FILE ? "file" : "dawg");
	if (s->type == TAPIR_CONF_SOURCE_MQTT)
		return check_obs_source(p, s);
	if (s->type != TAPIR_CONF_SOURCE_RPZ)
		return 0;
	if (!s->rpz.zone_len)
		return fail(p, "source '%s': type rpz needs 'zone'", s->name);
	if (!s->rpz.num_primaries)
		return fail(p, "source '%s': type rpz needs 'primary'",
			s->name);
	if (!s->rpz.tsig_name != !s->rpz.tsig_secret)
		return fail(p, "source '%s': tsig-key and tsig-secret go "
			"together", s->name);
	if (s->rpz.refresh_min > s->rpz.refresh_max)
		return fail(p, "source '%s': refresh-min is above refresh-max",
			s->name);
	return 0;
}

static int
uses_action(const struct policy_rules *r, enum policy_action a)
{
	return r->allow_action == a || r->deny_action == a ||
	    (r->numsources && r->numsources_action == a) ||
	    (r->numtags && r->numtags_action == a) ||
	    (r->tags && r->tags_action == a);
}

/* Status reports need a name to go under and a connection to go on. */
static int
check_status(struct parser *p)
{
	const struct tapir_conf_source *s;

	if (!p->cfg->mqtt.status_key)
		return 0;
	p->key = NULL;
	if (!p->cfg->mqtt.edge_id) {
		snprintf(p->err, p->errlen, "%s: mqtt: status-key needs "
			"edge-id", p->file);
		return -1;
	}
	for (s = p->cfg->sources; s; s = s->next)
		if (s->type == TAPIR_CONF_SOURCE_MQTT)
			return 0;
	snprintf(p->err, p->errlen, "%s: mqtt: status reports need a source "
		"of type mqtt (they use its connection)", p->file);
	return -1;
}

/* The tags rule names tags; they resolve against the final table. */
static int
resolve_tags(struct parser *p)
{
	char why[160];
	int r;

	if (!p->tags_text)
		return 0;
	p->line = p->tags_line;
	p->key = "tags";
	r = tags_parse(&p->cfg->tag_names, p->tags_text, &p->cfg->rules.tags,
		why, sizeof(why));
	if (r != TAGS_OK)
		return fail(p, "%s", why);
	p->key = NULL;
	return 0;
}

static int
check_conf(struct parser *p)
{
	struct tapir_conf_source *s;

	if (resolve_tags(p))
		return -1;
	if (check_status(p))
		return -1;
	for (s = p->cfg->sources; s; s = s->next)
		if (check_source(p, s))
			return -1;
	p->key = NULL;
	if (uses_action(&p->cfg->rules, POLICY_ACTION_REDIRECT) &&
	    !p->cfg->redirect.num_a && !p->cfg->redirect.num_aaaa &&
	    !p->cfg->redirect.cname_len) {
		snprintf(p->err, p->errlen, "%s: the redirect action needs "
			"redirect-a, redirect-aaaa or redirect-cname in "
			"policy:", p->file);
		return -1;
	}
	if (p->cfg->redirect.cname_len &&
	    (p->cfg->redirect.num_a || p->cfg->redirect.num_aaaa)) {
		snprintf(p->err, p->errlen, "%s: redirect-cname cannot be "
			"combined with redirect-a or redirect-aaaa", p->file);
		return -1;
	}
	return 0;
}

static const struct key_def *
find_key(const char *name, enum clause clause)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (keys[i].clause == clause && strcmp(name, keys[i].name) == 0)
			return &keys[i];
	return NULL;
}

static int
parse_line(struct parser *p, char *line, enum clause *clause)
{
	char *words[VALUES_MAX + 2];
	char *colon;
	const struct key_def *k;
	size_t i;
	int n;

	p->key = NULL;
	n = split_words(p, line, words, VALUES_MAX + 2);
	if (n <= 0)
		return n;
	colon = strchr(words[0], ':');
	if (!colon || colon[1]) {
		return fail(p, "expected 'key: value', got '%s'", words[0]);
	}
	*colon = 0;
	p->key = words[0];
	for (i = 1; i < sizeof(clause_names) / sizeof(*clause_names); i++) {
		if (strcmp(words[0], clause_names[i]) != 0)
			continue;
		/* "server: URI" in mqtt: is a key that shares a clause's
		 * name; a clause line is the word alone. */
		if (n > 1 && find_key(words[0], *clause))
			break;
		if (n > 1)
			return fail(p, "a clause takes no value");
		*clause = (enum clause)i;
		if (*clause == CLAUSE_SOURCE)
			return open_source(p);
		p->source = NULL;
		return 0;
	}
	if ((k = find_key(words[0], *clause)) != NULL) {
		if (n - 1 < k->min_values || n - 1 > k->max_values) {
			if (k->min_values == k->max_values)
				return fail(p, "takes %d value%s, got %d",
					k->min_values,
					k->min_values == 1 ? "" : "s", n - 1);
			return fail(p, "takes %d to %d values, got %d",
				k->min_values, k->max_values, n - 1);
		}
		return k->handler(p, words + 1, n - 1);
	}
	if (*clause == CLAUSE_NONE)
		return fail(p, "key outside a clause (start with server:, "
			"policy:, mqtt: or source:)");
	return fail(p, "unknown key in %s: clause", clause_names[*clause]);
}

static void
conf_defaults(struct tapir_conf *cfg)
{
	size_t len;

	policy_rules_default(&cfg->rules);
	tags_table_init(&cfg->tag_names);
	name_from_text("tapir-pop.", 10, cfg->policy_zone, &len);
	cfg->policy_zone_len = len;
	cfg->answer_ttl = 60;
	cfg->file_poll_ms = 1000;
	cfg->control_socket_mode = 0660;
	cfg->mqtt.keepalive = 30;
	cfg->mqtt.backoff_max = 60;
}

int
tapir_conf_parse(const char *name, const char *text, size_t len,
	struct tapir_conf **out, char *err, size_t errlen)
{
	struct parser p = { 0 };
	enum clause clause = CLAUSE_NONE;
	char *buf, *line, *next;

	*out = NULL;
	p.file = name;
	p.err = err;
	p.errlen = errlen;
	if (!(p.cfg = calloc(1, sizeof(*p.cfg))) ||
	    !(p.cfg->path = strdup(name)) || !(buf = malloc(len + 1))) {
		snprintf(err, errlen, "%s: out of memory", name);
		tapir_conf_free(p.cfg);
		return -1;
	}
	conf_defaults(p.cfg);
	p.source_tail = &p.cfg->sources;
	memcpy(buf, text, len);
	buf[len] = 0;
	/* A NUL would silently end the text for the string functions. */
	if (memchr(buf, 0, len)) {
		const char *c;
		p.line = 1;
		for (c = buf; *c; c++)
			p.line += *c == '\n';
		fail(&p, "NUL byte in file");
		goto error;
	}
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		p.line++;
		if (parse_line(&p, line, &clause) < 0)
			goto error;
	}
	if (check_conf(&p))
		goto error;
	free(buf);
	free(p.tags_text);
	*out = p.cfg;
	return 0;
error:
	free(buf);
	free(p.tags_text);
	tapir_conf_free(p.cfg);
	return -1;
}

int
tapir_conf_read(const char *path, struct tapir_conf **out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r;

	*out = NULL;
	if ((r = file_read_all(path, CONFIG_FILE_MAX, &text, &len)) != 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			r == EFBIG ? "larger than 1 MiB" : file_strerror(r));
		return -1;
	}
	r = tapir_conf_parse(path, text, len, out, err, errlen);
	free(text);
	return r;
}

void
tapir_conf_free(struct tapir_conf *cfg)
{
	struct tapir_conf_source *s, *next;

	if (!cfg)
		return;
	for (s = cfg->sources; s; s = next) {
		next = s->next;
		free(s->name);
		free(s->file);
		free(s->rpz.tsig_name);
		free(s->rpz.tsig_algorithm);
		free(s->rpz.tsig_secret);
		free(s->obs.topic);
		free(s->obs.src_name);
		free(s->obs.bootstrap_url);
		free(s);
	}
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->control_socket);
	free(cfg->mqtt.server);
	free(cfg->mqtt.client_id);
	free(cfg->mqtt.ca_file);
	free(cfg->mqtt.cert_file);
	free(cfg->mqtt.key_file);
	free(cfg->mqtt.trusted_keys);
	free(cfg->mqtt.status_key);
	free(cfg->mqtt.edge_id);
	free(cfg->mqtt.status_kid);
	free(cfg);
}

const char *
tapir_conf_default_path(void)
{
	const char *env = getenv(TAPIR_CONF_PATH_ENV);

	return (env && *env) ? env : TAPIR_DEFAULT_CONFIG;
}
