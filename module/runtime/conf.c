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
#include "feeds/feed.h"
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
	/* The feed type whose clause is open (mqtt:), if any. */
	const struct feed_type *type_clause;
	/* The output: clause open, if any, and where the next one goes. */
	struct output_conf *output;
	struct output_conf **output_tail;
	/* Keys a feed type handles, kept (pointing into the text) until
	 * the whole file is read: a source's type: may come after them. */
	struct pending *pending;
	size_t num_pending, cap_pending;
};

/* One key for a feed type: of a source clause, or of the type's own
 * clause (source NULL). */
struct pending {
	struct tapir_conf_source *source;
	const struct feed_type *type;
	unsigned line;
	char *key;
	char *values[VALUES_MAX + 1];
	int n;
};

/** The clauses the parser itself knows; feed types own others. */
enum clause { CLAUSE_NONE, CLAUSE_SERVER, CLAUSE_POLICY, CLAUSE_SOURCE,
	CLAUSE_OUTPUT, CLAUSE_TYPE };

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
	if (policy_action_from_name(s, out) != 0 ||
	    *out == POLICY_ACTION_NONE || *out == POLICY_ACTION_MONITOR)
		return fail(p, "unknown action '%s' (expected nxdomain, nodata, "
			"drop, passthru, redirect or tcp-only)", s);
	return 0;
}

/* A doubtlist rule's action, which may also be monitor: the rule on
 * trial. */
static int
parse_rule_action(struct parser *p, const char *s, enum policy_action *out)
{
	if (strcmp(s, "monitor") == 0) {
		*out = POLICY_ACTION_MONITOR;
		return 0;
	}
	if (policy_action_from_name(s, out) != 0 ||
	    *out == POLICY_ACTION_NONE)
		return fail(p, "unknown action '%s' (expected nxdomain, nodata, "
			"drop, passthru, redirect, tcp-only or monitor)", s);
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
key_metrics_listen(struct parser *p, char **v, int n)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[160];

	if (!strchr(v[0], '@'))
		return fail(p, "'%s' has no port (address@port)", v[0]);
	if (feed_conf_addr(v[0], 0, &ss, &len, why, sizeof(why)) != 0)
		return fail(p, "%s", why);
	return set_string(p, &p->cfg->metrics_listen, v[0]);
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
	    parse_rule_action(p, v[1], &p->cfg->rules.numsources_action))
		return -1;
	p->cfg->rules.numsources = (unsigned)count;
	return 0;
}

static int
key_numtags(struct parser *p, char **v, int n)
{
	unsigned long count;

	if (parse_uint(p, v[0], 32, &count) ||
	    parse_rule_action(p, v[1], &p->cfg->rules.numtags_action))
		return -1;
	p->cfg->rules.numtags = (unsigned)count;
	return 0;
}

static int
key_tags(struct parser *p, char **v, int n)
{
	if (parse_rule_action(p, v[1], &p->cfg->rules.tags_action))
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
	char known[128];

	if ((p->source->type = feed_type_find(v[0])) != NULL)
		return 0;
	feed_types_list(known, sizeof(known));
	return fail(p, "unknown source type '%s' (expected %s)", v[0], known);
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

/* yes: the list class's action for every entry; monitor: the source on
 * trial, its entries keeping their own actions (Unbound's rpz:
 * spells the like rpz-action-override: disabled). */
static int
key_source_action_override(struct parser *p, char **v, int n)
{
	int on;

	p->source->flags &= ~(unsigned)(POLICY_SOURCE_ACTION_OVERRIDE |
		POLICY_SOURCE_MONITOR);
	if (strcmp(v[0], "monitor") == 0) {
		p->source->flags |= POLICY_SOURCE_MONITOR;
		return 0;
	}
	if (strcmp(v[0], "yes") != 0 && strcmp(v[0], "no") != 0)
		return fail(p, "expected yes, no or monitor, not '%s'", v[0]);
	if (parse_bool(p, v[0], &on))
		return -1;
	if (on)
		p->source->flags |= POLICY_SOURCE_ACTION_OVERRIDE;
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
	{ "metrics-listen", CLAUSE_SERVER, 1, 1, key_metrics_listen },
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
	{ "match", CLAUSE_SOURCE, 1, 1, key_source_match },
	{ "action-override", CLAUSE_SOURCE, 1, 1, key_source_action_override },
};

static const char *const clause_names[] = {
	[CLAUSE_NONE] = "", [CLAUSE_SERVER] = "server",
	[CLAUSE_POLICY] = "policy", [CLAUSE_SOURCE] = "source",
	[CLAUSE_OUTPUT] = "output",
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
	s->type = feed_type_default();
	*p->source_tail = s;
	p->source_tail = &s->next;
	p->source = s;
	p->cfg->num_sources++;
	return 0;
}

static int
open_output(struct parser *p)
{
	struct output_conf *o = output_conf_new();

	if (!o)
		return fail(p, "out of memory");
	o->line = p->line;
	*p->output_tail = o;
	p->output_tail = &o->next;
	p->output = o;
	p->cfg->num_outputs++;
	return 0;
}

/* One key of an output: clause, to the output's own parser. */
static int
output_key(struct parser *p, char **words, int n)
{
	struct feed_conf_key key = { words[0], words + 1, n - 1 };
	char why[256];

	if (output_conf_key(p->output, &key, why, sizeof(why)) != 0)
		return fail(p, "%s", why);
	return 0;
}

/* Each output: its own checks, unique names, and sources that exist. */
static int
check_outputs(struct parser *p)
{
	const struct output_conf *o, *other;
	const struct tapir_conf_source *s;
	char why[256];
	unsigned i;

	p->key = NULL;
	for (o = p->cfg->outputs; o; o = o->next) {
		p->line = o->line;
		if (output_conf_check(o, why, sizeof(why)) != 0)
			return fail(p, "%s", why);
		for (other = p->cfg->outputs; other != o; other = other->next)
			if (strcmp(other->name, o->name) == 0)
				return fail(p, "duplicate output name '%s' "
					"(line %u)", o->name, other->line);
		for (i = 0; i < o->num_sources; i++) {
			for (s = p->cfg->sources; s && strcmp(s->name,
			    o->sources[i]); s = s->next)
				;
			if (!s && strcmp(o->sources[i], "override-allow") &&
			    strcmp(o->sources[i], "override-deny"))
				return fail(p, "output '%s': no source named "
					"'%s'", o->name, o->sources[i]);
		}
	}
	return 0;
}

/* Keep a key for a feed type: for the open source, or for the type whose
 * clause is open. */
static int
defer_key(struct parser *p, char **words, int n)
{
	struct pending *k;
	int i;

	if (p->num_pending == p->cap_pending) {
		size_t cap = p->cap_pending ? p->cap_pending * 2 : 32;
		struct pending *grown = realloc(p->pending, cap * sizeof(*k));
		if (!grown)
			return fail(p, "out of memory");
		p->pending = grown;
		p->cap_pending = cap;
	}
	k = &p->pending[p->num_pending++];
	memset(k, 0, sizeof(*k));
	k->source = p->source;
	k->type = p->type_clause;
	k->line = p->line;
	k->key = words[0];
	k->n = n - 1;
	for (i = 1; i < n; i++)
		k->values[i - 1] = words[i];
	return 0;
}

/* Hand a kept key to its type; errors name the file, line and key. */
static int
apply_key(struct parser *p, const struct pending *k, void *target,
	int (*fn)(void *, const struct feed_conf_key *, char *, size_t))
{
	struct feed_conf_key key = { k->key, (char **)k->values, k->n };
	char why[256];

	p->line = k->line;
	p->key = k->key;
	if (fn(target, &key, why, sizeof(why)) != 0)
		return fail(p, "%s", why);
	return 0;
}

/* The types' own clauses: made for every type that has one in the file,
 * then their keys. */
static int
apply_clauses(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->num_pending; i++) {
		const struct pending *k = &p->pending[i];
		unsigned t;
		if (!k->type)
			continue;
		t = feed_type_index(k->type);
		if (apply_key(p, k, p->cfg->clauses[t], k->type->clause_key))
			return -1;
	}
	return 0;
}

/* Check a finished source clause: its type's settings, its keys, and
 * what the keys alone cannot tell. */
static int
check_source(struct parser *p, struct tapir_conf_source *s)
{
	const struct feed_type *t = s->type;
	char why[256];
	size_t i;

	p->key = NULL;
	p->line = s->line;
	if (!s->name)
		return fail(p, "source: missing 'name'");
	if (!(s->conf = t->conf_new()))
		return fail(p, "out of memory");
	for (i = 0; i < p->num_pending; i++)
		if (p->pending[i].source == s &&
		    apply_key(p, &p->pending[i], s->conf, t->conf_key))
			return -1;
	p->key = NULL;
	p->line = s->line;
	if (t->conf_check(s->conf, p->cfg->clauses[feed_type_index(t)], why,
	    sizeof(why)) != 0)
		return fail(p, "source '%s': %s", s->name, why);
	return 0;
}

/* Each type's clause, knowing how many sources the type has. */
static int
check_clauses(struct parser *p)
{
	const struct tapir_conf_source *s;
	char why[256];
	unsigned t;

	for (t = 0; t < feed_types_count(); t++) {
		const struct feed_type *type = feed_type_at(t);
		unsigned n = 0;
		if (!p->cfg->clauses[t])
			continue;
		for (s = p->cfg->sources; s; s = s->next)
			n += s->type == type;
		if (type->clause_check(p->cfg->clauses[t], n, why,
		    sizeof(why)) != 0) {
			snprintf(p->err, p->errlen, "%s: %s: %s", p->file,
				type->clause, why);
			return -1;
		}
	}
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

	if (resolve_tags(p) || apply_clauses(p))
		return -1;
	for (s = p->cfg->sources; s; s = s->next)
		if (check_source(p, s))
			return -1;
	if (check_clauses(p) || check_outputs(p))
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
is_clause_name(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof(clause_names) / sizeof(*clause_names); i++)
		if (strcmp(name, clause_names[i]) == 0)
			return 1;
	return feed_type_by_clause(name) != NULL;
}

/* Open a clause: one of ours, or a feed type's own.  1 if name is no
 * clause: a key without a value ("list:"), whose clause stays open. */
static int
open_clause(struct parser *p, const char *name, enum clause *clause)
{
	const struct feed_type *t;
	size_t i;

	for (i = 1; i < sizeof(clause_names) / sizeof(*clause_names); i++)
		if (strcmp(name, clause_names[i]) == 0) {
			p->source = NULL;
			p->type_clause = NULL;
			p->output = NULL;
			*clause = (enum clause)i;
			if (*clause == CLAUSE_OUTPUT)
				return open_output(p);
			return *clause == CLAUSE_SOURCE ? open_source(p) : 0;
		}
	if (!(t = feed_type_by_clause(name)))
		return 1;
	p->source = NULL;
	p->output = NULL;
	*clause = CLAUSE_TYPE;
	p->type_clause = t;
	i = feed_type_index(t);
	if (!p->cfg->clauses[i] && !(p->cfg->clauses[i] = t->clause_new()))
		return fail(p, "out of memory");
	return 0;
}

static int
parse_line(struct parser *p, char *line, enum clause *clause)
{
	char *words[VALUES_MAX + 2];
	char *colon;
	const struct key_def *k;
	int n, r;

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
	/* A clause line is the word alone: "server: URI" in mqtt: is a key
	 * that shares a clause's name. */
	if (n == 1 && (r = open_clause(p, words[0], clause)) <= 0)
		return r;
	if (*clause == CLAUSE_TYPE)
		return defer_key(p, words, n);
	if (*clause == CLAUSE_OUTPUT)
		return output_key(p, words, n);
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
	/* The rest of a source clause is its type's, which type: may say
	 * only later. */
	if (*clause == CLAUSE_SOURCE)
		return defer_key(p, words, n);
	if (is_clause_name(words[0]))
		return fail(p, "a clause takes no value");
	if (*clause == CLAUSE_NONE)
		return fail(p, "key outside a clause (start with server:, "
			"policy:, source:, output: or a feed type's clause)");
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
	p.output_tail = &p.cfg->outputs;
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
	free(p.pending);
	*out = p.cfg;
	return 0;
error:
	free(buf);
	free(p.tags_text);
	free(p.pending);
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
	struct output_conf *o, *onext;
	unsigned t;

	if (!cfg)
		return;
	for (o = cfg->outputs; o; o = onext) {
		onext = o->next;
		output_conf_free(o);
	}
	for (s = cfg->sources; s; s = next) {
		next = s->next;
		if (s->conf)
			s->type->conf_free(s->conf);
		free(s->name);
		free(s);
	}
	for (t = 0; t < feed_types_count(); t++)
		if (cfg->clauses[t])
			feed_type_at(t)->clause_free(cfg->clauses[t]);
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->control_socket);
	free(cfg->metrics_listen);
	free(cfg);
}

void
tapir_conf_redirect_data(const struct tapir_conf *cfg, struct localdata *out)
{
	const struct tapir_conf_redirect *r = &cfg->redirect;
	unsigned i;

	out->len = 0;
	/* At most a CNAME or 16 addresses: always fits. */
	if (r->cname_len)
		(void)localdata_add(out, 5, r->cname, (uint16_t)r->cname_len);
	for (i = 0; i < r->num_a; i++)
		(void)localdata_add(out, 1, (const uint8_t *)&r->a[i], 4);
	for (i = 0; i < r->num_aaaa; i++)
		(void)localdata_add(out, 28, (const uint8_t *)&r->aaaa[i], 16);
}

/* Hands a type's files on with the clause they are in. */
struct files_ctx {
	tapir_conf_file_fn fn;
	void *arg;
	const char *where;
};

static void
files_of(void *arg, const char *key, const char *path)
{
	struct files_ctx *c = arg;

	c->fn(c->arg, c->where, key, path);
}

void
tapir_conf_files(const struct tapir_conf *cfg, tapir_conf_file_fn fn,
	void *arg)
{
	const struct tapir_conf_source *src;
	char where[160];
	struct files_ctx c = { fn, arg, where };
	unsigned t;

	for (t = 0; t < feed_types_count(); t++) {
		const struct feed_type *type = feed_type_at(t);
		if (!cfg->clauses[t] || !type->clause_files)
			continue;
		snprintf(where, sizeof(where), "%s:", type->clause);
		type->clause_files(cfg->clauses[t], files_of, &c);
	}
	for (src = cfg->sources; src; src = src->next) {
		if (!src->conf || !src->type->conf_files)
			continue;
		snprintf(where, sizeof(where), "source %s", src->name);
		src->type->conf_files(src->conf, files_of, &c);
	}
}

const char *
tapir_conf_default_path(void)
{
	const char *env = getenv(TAPIR_CONF_PATH_ENV);

	return (env && *env) ? env : TAPIR_DEFAULT_CONFIG;
}
