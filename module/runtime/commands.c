/*
 * module/runtime/commands.c - what tapir-pop-control's commands do.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/commands.h"
#include "feeds/tapir/tags.h"
#include "module/runtime/counters.h"
#include "module/runtime/engine.h"
#include "module/policy/localdata.h"
#include "module/base/names.h"
#include "module/policy/policy.h"
#include "module/policy/policy_zone.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int
parse_name_arg(const char *text, uint8_t *wire, FILE *out)
{
	size_t len;
	int r = name_from_text(text, strlen(text), wire, &len);

	if (r != NAME_OK) {
		fprintf(out, "error bad name '%s': %s\n", text,
			name_strerror(r));
		return -1;
	}
	return 0;
}

static void
cmd_status(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	struct policy_store *store = engine_store(c->engine);

	fprintf(out, "version: %s\n", PACKAGE_VERSION);
	fprintf(out, "uptime: %lld seconds\n",
		(long long)(time(NULL) - c->started));
	fprintf(out, "sources: %u\n", engine_source_count(c->engine));
	fprintf(out, "policy memory: %zu bytes\n",
		policy_store_memory(store));
	fprintf(out, "tapir-pop is running\n");
}

/* How a source takes part in decisions, as list_sources and lookup say:
 * "off" when switched off, "monitor" on trial, else "on". */
static const char *
source_mode(int enabled, int monitored)
{
	return !enabled ? "off" : monitored ? "monitor" : "on";
}

/* A type's own counter on a list_sources line. */
static void
print_extra(void *arg, const char *key, uint64_t value)
{
	fprintf(arg, " %s=%" PRIu64, key, value);
}

static void
cmd_list_sources(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	unsigned i;

	for (i = 0; i < engine_source_count(c->engine); i++) {
		struct engine_source_info si;
		const struct feed_stats *st = &si.stats;
		engine_source_info(c->engine, i, &si);
		fprintf(out, "%s type=%s list=%s entries=%zu updates=%" PRIu64
			" failures=%" PRIu64 " last_update=%lld mode=%s%s%s",
			si.name, si.type, policy_list_name(si.list),
			si.entries, st->updates, st->failures,
			(long long)st->last_update,
			source_mode(si.enabled, si.monitored), st->state[0] ?
			" state=" : "", st->state);
		if (st->received)
			fprintf(out, " received=%" PRIu64, st->received);
		if (st->state_broken)
			fprintf(out, " state_broken=%" PRIu64,
				st->state_broken);
		if (si.expired)
			fprintf(out, " expired=%" PRIu64, si.expired);
		engine_source_extras(c->engine, i, print_extra, out);
		if (st->last_failure)
			fprintf(out, " last_failure=%lld last_failure_reason="
				"\"%s\"", (long long)st->last_failure,
				st->last_failure_reason);
		fprintf(out, "%s%s%s\n",
			st->last_error[0] ? " last_error=\"" : "",
			st->last_error, st->last_error[0] ? "\"" : "");
	}
	for (i = 0; i < engine_output_count(c->engine); i++) {
		struct output_stats os;
		const char *name = engine_output_stats(c->engine, i, &os);
		fprintf(out, "%s type=output serial=%u owners=%" PRIu64
			" journal=%" PRIu64 " journal_bytes=%" PRIu64 " axfr=%"
			PRIu64 " ixfr=%" PRIu64 " soa=%" PRIu64 " notifies=%"
			PRIu64 " notifies_answered=%" PRIu64 " refused=%" PRIu64
			"\n", name, (unsigned)os.serial, os.owners,
			os.journal_entries, os.journal_bytes, os.axfr, os.ixfr,
			os.soa, os.notifies, os.notifies_answered, os.refused);
	}
}

/* Expiry as RFC 3339 in UTC, or "never". */
static void
format_expiry(int64_t expires, char *buf, size_t size)
{
	time_t t = (time_t)expires;
	struct tm tm;

	if (!expires || !gmtime_r(&t, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%s", expires ? "?" : "never");
}

/* What cmd_lookup needs to print one match. */
struct explain_ctx {
	struct commands *c;
	FILE *out;
	/* Store ids of the index (DAWG) sources, found before the read
	 * section: source info takes locks a writer may hold while it
	 * waits for readers to leave.  One bit per id: a store holds at
	 * most POLICY_MAX_SOURCES (64) sources. */
	uint64_t index_ids;
};

/* One "match:" line: the source, its list class, the entry that matched
 * (owner, and "*." for a parent entry), the entry's tags as names with
 * commas (tags_parse() reads them back) and as a mask, expiry, action. */
static void
print_match(void *arg, const struct policy_match *m)
{
	struct explain_ctx *x = arg;
	struct engine *e = x->c->engine;
	const struct tapir_conf *cfg = engine_config(e);
	char owner[NAME_TEXT_MAX], tags[TAGS_BITS * TAGS_NAME_MAX];
	char expiry[32];
	const char *name = policy_source_name(engine_store(e), m->source);
	int index = m->source < POLICY_MAX_SOURCES &&
		(x->index_ids >> m->source & 1);
	char *p;

	/* An index (DAWG) answers only whether some parent matched. */
	if (index && m->subtree)
		snprintf(owner, sizeof(owner), "-");
	else if (name_to_text(m->owner, owner, sizeof(owner)) < 0)
		snprintf(owner, sizeof(owner), "?");
	if (!m->tags || tags_format(&cfg->tag_names, m->tags, tags,
	    sizeof(tags)) <= 0)
		snprintf(tags, sizeof(tags), "-");
	for (p = tags; *p; p++)
		if (*p == ' ')
			*p = ',';
	format_expiry(m->expires, expiry, sizeof(expiry));
	fprintf(x->out, "match: source=%s list=%s owner=%s%s entry=%s "
		"tags=%s mask=0x%08" PRIx32 " expires=%s action=%s%s%s\n",
		name, policy_list_name(m->list),
		m->subtree && strcmp(owner, "-") ? "*." : "", owner,
		m->subtree ? "subtree" : "exact", tags, m->tags, expiry,
		m->action == POLICY_ACTION_NONE ? "-" :
		policy_action_name(m->action),
		m->disabled || m->monitored ? " mode=" : "",
		m->disabled || m->monitored ? source_mode(!m->disabled,
		m->monitored) : "");
}

/* lookup NAME: every source that matches, then the decision.  The format
 * is documented in tapir-pop-control(8); scripts parse it, so keep it. */
static void
cmd_lookup(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	struct policy_store *store = engine_store(c->engine);
	struct explain_ctx x = { c, out, 0 };
	struct policy_decision d;
	uint8_t wire[NAME_WIRE_MAX];
	char text[NAME_TEXT_MAX], expiry[32];
	int64_t now = (int64_t)time(NULL);
	size_t len;
	unsigned n, i;

	if (argc != 2) {
		fprintf(out, "error usage: lookup NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	for (i = 0; i < engine_source_count(c->engine); i++) {
		struct engine_source_info si;
		int id;
		engine_source_info(c->engine, i, &si);
		id = policy_source_find(store, si.name);
		if (si.indexed && id >= 0 && id < POLICY_MAX_SOURCES)
			x.index_ids |= (uint64_t)1 << id;
	}
	len = name_wire_len(wire);
	name_to_text(wire, text, sizeof(text));
	fprintf(out, "name: %s\n", text);
	/* One read section for both, so they see the same policy. */
	policy_read_begin(store, c->reader);
	n = policy_explain(store, wire, len, now, print_match, &x);
	policy_decide(store, wire, len, now, &d);
	policy_read_end(store, c->reader);
	format_expiry(d.expires, expiry, sizeof(expiry));
	fprintf(out, "matches: %u\n", n);
	fprintf(out, "decision: action=%s rule=%s source=%s entry=%s "
		"expires=%s doubtlist-matches=%u\n",
		d.action == POLICY_ACTION_NONE ? "none" :
		policy_action_name(d.action), policy_rule_name(d.rule),
		policy_source_name(store, d.source),
		d.source < 0 ? "-" : d.subtree ? "subtree" : "exact", expiry,
		d.doubt_matches);
	/* What the sources and rules on trial would have decided. */
	if (d.monitor_rule != POLICY_RULE_NONE)
		fprintf(out, "monitor: action=%s rule=%s source=%s\n",
			policy_action_name(d.monitor_action),
			policy_rule_name(d.monitor_rule),
			policy_source_name(store, d.monitor_source));
}

static void
cmd_flush(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	uint8_t wire[NAME_WIRE_MAX];

	if (argc != 2) {
		fprintf(out, "error usage: flush NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	c->hooks.flush(c->hooks.arg, wire, 0);
	fprintf(out, "ok\n");
}

/* flush_zone NAME: the name and everything below it, as
 * unbound-control flush_zone. */
static void
cmd_flush_zone(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	uint8_t wire[NAME_WIRE_MAX];

	if (argc != 2) {
		fprintf(out, "error usage: flush_zone NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	c->hooks.flush(c->hooks.arg, wire, 1);
	fprintf(out, "ok\n");
}

/* source_enable NAME, source_disable NAME. */
static void
source_switch(struct commands *c, int argc, char **argv, FILE *out,
	int enabled)
{
	if (argc != 2) {
		fprintf(out, "error usage: %s SOURCE\n", argv[0]);
		return;
	}
	switch (engine_source_switch(c->engine, argv[1], enabled)) {
	case ENGINE_SWITCH_OK:
		fprintf(out, "ok\n");
		break;
	case ENGINE_SWITCH_UNKNOWN:
		fprintf(out, "error no source '%s'\n", argv[1]);
		break;
	default:
		fprintf(out, "error not stored (see the log); source %s is "
			"as it was\n", argv[1]);
		break;
	}
}

static void
cmd_source_enable(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	source_switch(c, argc, argv, out, 1);
}

static void
cmd_source_disable(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	source_switch(c, argc, argv, out, 0);
}

static void
cmd_mqtt_reconnect(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	unsigned n;

	if (argc != 1) {
		fprintf(out, "error usage: mqtt_reconnect\n");
		return;
	}
	if ((n = engine_reconnect(c->engine)) == 0)
		fprintf(out, "error no source keeps a connection\n");
	else
		fprintf(out, "ok %u\n", n);
}

static void
cmd_allow(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	uint8_t wire[NAME_WIRE_MAX];

	if (argc != 2) {
		fprintf(out, "error usage: allow NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	if (overrides_set(engine_overrides(c->engine), 1, wire, POLICY_ACTION_NONE))
		fprintf(out, "error override not stored (see the log)\n");
	else
		fprintf(out, "ok\n");
}

static void
cmd_deny(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	enum policy_action action = POLICY_ACTION_NONE;
	uint8_t wire[NAME_WIRE_MAX];

	if (argc != 2 && argc != 3) {
		fprintf(out, "error usage: deny NAME [ACTION]\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	if (argc == 3 && (policy_action_from_name(argv[2], &action) != 0 ||
	    action == POLICY_ACTION_NONE ||
	    action == POLICY_ACTION_MONITOR)) {
		fprintf(out, "error unknown action '%s'\n", argv[2]);
		return;
	}
	if (overrides_set(engine_overrides(c->engine), 0, wire, action))
		fprintf(out, "error override not stored (see the log)\n");
	else
		fprintf(out, "ok\n");
}

static void
cmd_remove(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	uint8_t wire[NAME_WIRE_MAX];
	int r;

	if (argc != 2) {
		fprintf(out, "error usage: remove NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	r = overrides_remove(engine_overrides(c->engine), wire);
	if (r < 0)
		fprintf(out, "error override not removed (see the log)\n");
	else if (r == 0)
		fprintf(out, "error no override for %s\n", argv[1]);
	else
		fprintf(out, "ok\n");
}

static void
cmd_list_overrides(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	overrides_list(engine_overrides(c->engine), out);
}

/* A type's own counter as a stats line. */
struct stat_extra {
	FILE *out;
	const char *source;
};

static void
print_stat_extra(void *arg, const char *key, uint64_t value)
{
	struct stat_extra *x = arg;

	fprintf(x->out, "source.%s.%s=%" PRIu64 "\n", x->source, key, value);
}

/* The query counters: by action, by rule, and (with each source's
 * other counters below) by source. */
static void
print_query_counters(FILE *out, const struct counters_totals *t,
	uint64_t overrides)
{
	unsigned a;

	fprintf(out, "num.queries.judged=%" PRIu64 "\n", t->judged);
	for (a = 1; a < POLICY_ACTIONS; a++)
		fprintf(out, "num.action.%s=%" PRIu64 "\n",
			policy_action_name((enum policy_action)a),
			t->action[a]);
	fprintf(out, "num.action.none=%" PRIu64 "\n",
		t->action[POLICY_ACTION_NONE]);
	for (a = 1; a < POLICY_ACTIONS; a++)
		fprintf(out, "num.monitor.%s=%" PRIu64 "\n",
			policy_action_name((enum policy_action)a),
			t->monitor[a]);
	fprintf(out, "num.cname.blocked=%" PRIu64 "\n", t->cloaked);
	fprintf(out, "num.cache.refused=%" PRIu64 "\n", t->uncached);
	for (a = 1; a < POLICY_RULES; a++) {
		fprintf(out, "rule.%s=%" PRIu64 "\n",
			policy_rule_name((enum policy_rule)a), t->rule[a]);
		fprintf(out, "rule.%s.monitor=%" PRIu64 "\n",
			policy_rule_name((enum policy_rule)a),
			t->monitor_rule[a]);
	}
	fprintf(out, "rule.override=%" PRIu64 "\n", overrides);
}

/* Decisions the runtime overrides took: counted under allowlist and
 * denylist too. */
static uint64_t
override_decisions(struct commands *c, const struct counters_totals *t)
{
	struct policy_store *store = engine_store(c->engine);
	uint64_t n = 0;
	unsigned a;
	int allow;

	for (allow = 0; allow < 2; allow++) {
		uint16_t id = overrides_source(engine_overrides(c->engine),
			allow);
		if (id >= POLICY_MAX_SOURCES ||
		    (size_t)id >= policy_store_source_count(store))
			continue;
		for (a = POLICY_ACTION_PASSTHRU; a < POLICY_ACTIONS; a++)
			n += t->source[id].action[a];
	}
	return n;
}

static void
print_stats(struct commands *c, FILE *out, int reset,
	const struct control_counters *counters)
{
	struct policy_store *store = engine_store(c->engine);
	struct counters_totals *t = calloc(1, sizeof(*t));
	unsigned i, a;

	if (!t) {
		fprintf(out, "error out of memory\n");
		return;
	}
	if (c->counters)
		counters_read(c->counters, reset ? 1 : 2, t);
	print_query_counters(out, t, override_decisions(c, t));
	c->hooks.stats(c->hooks.arg, out, reset);
	for (i = 0; i < engine_source_count(c->engine); i++) {
		struct engine_source_info si;
		struct stat_extra x = { out, NULL };
		int id;
		engine_source_info(c->engine, i, &si);
		x.source = si.name;
		id = policy_source_find(store, si.name);
		for (a = 1; a < POLICY_ACTIONS && id >= 0 &&
		    id < POLICY_MAX_SOURCES; a++)
			fprintf(out, "source.%s.action.%s=%" PRIu64 "\n",
				si.name, policy_action_name(
				(enum policy_action)a),
				t->source[id].action[a]);
		for (a = 1; a < POLICY_ACTIONS && id >= 0 &&
		    id < POLICY_MAX_SOURCES; a++)
			fprintf(out, "source.%s.monitor.%s=%" PRIu64 "\n",
				si.name, policy_action_name(
				(enum policy_action)a),
				t->source[id].monitor[a]);
		fprintf(out, "source.%s.enabled=%d\n", si.name, si.enabled);
		fprintf(out, "source.%s.monitored=%d\n", si.name,
			si.monitored);
		fprintf(out, "source.%s.entries=%zu\n", si.name, si.entries);
		fprintf(out, "source.%s.updates=%" PRIu64 "\n", si.name,
			si.stats.updates);
		fprintf(out, "source.%s.failures=%" PRIu64 "\n", si.name,
			si.stats.failures);
		fprintf(out, "source.%s.received=%" PRIu64 "\n", si.name,
			si.stats.received);
		fprintf(out, "source.%s.state_broken=%" PRIu64 "\n", si.name,
			si.stats.state_broken);
		fprintf(out, "source.%s.expired=%" PRIu64 "\n", si.name,
			si.expired);
		fprintf(out, "source.%s.last_update=%lld\n", si.name,
			(long long)si.stats.last_update);
		fprintf(out, "source.%s.last_failure=%lld\n", si.name,
			(long long)si.stats.last_failure);
		engine_source_extras(c->engine, i, print_stat_extra, &x);
	}
	free(t);
	fprintf(out, "sources.state_broken=%" PRIu64 "\n",
		engine_disabled_broken(c->engine));
	for (i = 0; i < engine_output_count(c->engine); i++) {
		struct output_stats os;
		const char *name = engine_output_stats(c->engine, i, &os);
		fprintf(out, "output.%s.serial=%u\n", name, (unsigned)os.serial);
		fprintf(out, "output.%s.owners=%" PRIu64 "\n", name, os.owners);
		fprintf(out, "output.%s.journal=%" PRIu64 "\n", name,
			os.journal_entries);
		fprintf(out, "output.%s.journal_bytes=%" PRIu64 "\n", name,
			os.journal_bytes);
		fprintf(out, "output.%s.axfr=%" PRIu64 "\n", name, os.axfr);
		fprintf(out, "output.%s.ixfr=%" PRIu64 "\n", name, os.ixfr);
		fprintf(out, "output.%s.notifies=%" PRIu64 "\n", name,
			os.notifies);
		fprintf(out, "output.%s.refused=%" PRIu64 "\n", name,
			os.refused);
	}
	fprintf(out, "policy.memory=%zu\n",
		policy_store_memory(engine_store(c->engine)));
	if (counters) {
		fprintf(out, "control.clients=%" PRIu64 "\n",
			counters->clients);
		fprintf(out, "control.refused=%" PRIu64 "\n",
			counters->refused);
		fprintf(out, "control.request_timeouts=%" PRIu64 "\n",
			counters->request_timeouts);
		fprintf(out, "control.dropped=%" PRIu64 "\n",
			counters->dropped);
	}
}

static void
cmd_stats(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	print_stats(c, out, 1, reply->counters);
}

static void
cmd_stats_noreset(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	print_stats(c, out, 0, reply->counters);
}

/* ---- dump: the merged policy as an RPZ zone ---- */

/* Owners looked at per piece of a dump: a few milliseconds of work, so
 * other clients wait no longer than that. */
#define DUMP_PIECE_OWNERS 512

/* A dump in progress.  It walks a snapshot of the store with
 * module/policy/policy_zone.h, the walk an output's zone is built from
 * too, so nothing is collected or sorted, and memory does not grow with
 * the policy. */
struct dump {
	struct commands *c;
	/* In c->dumps. */
	struct dump *next, **prev;
	struct policy_store *store;
	const struct tapir_conf *cfg;
	/* NULL once a reload ended the dump. */
	struct policy_snapshot *snap;
	struct policy_zone_walk walk;
	size_t owners;
	char zone[NAME_TEXT_MAX];
	/* The configured redirect's local data. */
	struct localdata redirect;
};

/* Where print_rr writes, and for which owner. */
struct dump_rr {
	FILE *out;
	const char *owner;
	uint32_t ttl;
};

/* One record of an owner in presentation format. */
static void
print_rr(void *arg, uint16_t type, const uint8_t *rd, uint16_t len)
{
	struct dump_rr *x = arg;
	char text[NAME_TEXT_MAX];

	if (type == 5 && name_to_text(rd, text, sizeof(text)) > 0)
		fprintf(x->out, "%s %u IN CNAME %s\n", x->owner, x->ttl, text);
	else if (type == 1 && len == 4 && inet_ntop(AF_INET, rd, text,
	    sizeof(text)))
		fprintf(x->out, "%s %u IN A %s\n", x->owner, x->ttl, text);
	else if (type == 28 && len == 16 && inet_ntop(AF_INET6, rd, text,
	    sizeof(text)))
		fprintf(x->out, "%s %u IN AAAA %s\n", x->owner, x->ttl, text);
}

/* One owner's record set, with the decision the module makes for it.
 * Inside a read section: a redirect's data points into the store. */
static void
dump_owner(struct dump *d, FILE *out, const uint8_t *w, int subtree)
{
	char name[NAME_TEXT_MAX], owner[NAME_TEXT_MAX * 2 + 8];
	struct policy_decision dec;
	struct dump_rr x = { out, owner, d->cfg->answer_ttl };

	name_to_text(w, name, sizeof(name));
	snprintf(owner, sizeof(owner), "%s%s%s", subtree ? "*." : "",
		strcmp(name, ".") ? name : "", d->zone);
	policy_zone_decide(d->store, w, subtree, d->walk.now, &dec);
	policy_zone_records(dec.action, dec.data, dec.data_len,
		d->redirect.buf, (uint16_t)d->redirect.len, print_rr, &x);
	d->owners++;
}

/* The next piece of a dump (a control_reply's next). */
static int
dump_next(void *arg, FILE *out)
{
	struct dump *d = arg;
	unsigned budget = DUMP_PIECE_OWNERS;
	const uint8_t *name;
	int subtree, more = 1;

	if (!d->snap) {
		fprintf(out, "error dump ended by a reload of the policy\n");
		return 0;
	}
	policy_read_begin(d->store, d->c->reader);
	while (budget-- && (more = policy_zone_walk_next(&d->walk, &name,
	    &subtree)))
		dump_owner(d, out, name, subtree);
	policy_read_end(d->store, d->c->reader);
	if (more)
		return 1;
	fprintf(out, "; %zu owners\n", d->owners);
	return 0;
}

/* Release a dump's snapshot: at its end, or before a reload frees the
 * store. */
static void
dump_end(struct dump *d)
{
	policy_snapshot_release(d->snap);
	d->snap = NULL;
}

static void
dump_free(void *arg)
{
	struct dump *d = arg;

	dump_end(d);
	*d->prev = d->next;
	if (d->next)
		d->next->prev = d->prev;
	free(d);
}

/* The merged policy as an RPZ zone Unbound's own rpz: can load: one
 * record set per owner, in no particular order.  DAWG sources are
 * indexes without a list of owners and are left out (said in a comment).
 * The header is written here, the owners as the client reads them; the
 * last line says how many there were. */
static void
cmd_dump(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	struct policy_store *store = engine_store(c->engine);
	const struct tapir_conf *cfg = engine_config(c->engine);
	struct dump *d = calloc(1, sizeof(*d));
	unsigned s;

	if (!d || !(d->snap = policy_snapshot_take(store))) {
		free(d);
		fprintf(out, "error out of memory\n");
		return;
	}
	d->c = c;
	d->store = store;
	d->cfg = cfg;
	policy_zone_walk_init(&d->walk, store, d->snap, (int64_t)time(NULL),
		~(uint64_t)0);
	tapir_conf_redirect_data(cfg, &d->redirect);
	name_to_text(cfg->policy_zone, d->zone, sizeof(d->zone));
	d->next = c->dumps;
	d->prev = &c->dumps;
	if (c->dumps)
		c->dumps->prev = &d->next;
	c->dumps = d;
	for (s = 0; s < engine_source_count(c->engine); s++) {
		struct engine_source_info si;
		engine_source_info(c->engine, s, &si);
		if (si.indexed)
			fprintf(out, "; source %s (%s, %zu names) is not "
				"listed\n", si.name, si.type, si.entries);
	}
	fprintf(out, "$TTL %u\n", cfg->answer_ttl);
	fprintf(out, "%s %u IN SOA %s hostmaster.%s %lld 3600 600 86400 %u\n",
		d->zone, cfg->answer_ttl, d->zone, d->zone,
		(long long)d->walk.now,
		cfg->answer_ttl);
	fprintf(out, "%s %u IN NS localhost.\n", d->zone, cfg->answer_ttl);
	reply->next = dump_next;
	reply->free = dump_free;
	reply->state = d;
}

static void
cmd_reload(struct commands *c, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	struct dump *d;

	/* A reload frees the store the dumps read: they end first, each
	 * with an error line. */
	for (d = c->dumps; d; d = d->next)
		dump_end(d);
	c->hooks.reload(c->hooks.arg, out);
}

static const struct {
	const char *name;
	void (*fn)(struct commands *, int, char **, FILE *,
		struct control_reply *);
} table[] = {
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "stats_noreset", cmd_stats_noreset },
	{ "lookup", cmd_lookup },
	{ "list_sources", cmd_list_sources },
	{ "flush", cmd_flush },
	{ "flush_zone", cmd_flush_zone },
	{ "source_enable", cmd_source_enable },
	{ "source_disable", cmd_source_disable },
	{ "mqtt_reconnect", cmd_mqtt_reconnect },
	{ "allow", cmd_allow },
	{ "deny", cmd_deny },
	{ "remove", cmd_remove },
	{ "list_overrides", cmd_list_overrides },
	{ "reload", cmd_reload },
	{ "dump", cmd_dump },
};

void
commands_run(void *arg, int argc, char **argv, FILE *out,
	struct control_reply *reply)
{
	struct commands *c = arg;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strcmp(argv[0], table[i].name) == 0) {
			table[i].fn(c, argc, argv, out, reply);
			return;
		}
	fprintf(out, "error unknown command '%s'\n", argv[0]);
}
