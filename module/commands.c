/*
 * module/commands.c - what tapir-pop-control's commands do.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/commands.h"
#include "module/engine.h"
#include "module/names.h"
#include "module/policy.h"

#include <inttypes.h>
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
cmd_status(struct commands *c, int argc, char **argv, FILE *out)
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

static void
cmd_list_sources(struct commands *c, int argc, char **argv, FILE *out)
{
	unsigned i;

	for (i = 0; i < engine_source_count(c->engine); i++) {
		struct engine_source_info si;
		engine_source_info(c->engine, i, &si);
		fprintf(out, "%s type=%s list=%s entries=%zu updates=%" PRIu64
			" failures=%" PRIu64 " last_update=%lld%s%s%s\n",
			si.name, si.type, policy_list_name(si.list),
			si.entries, si.updates, si.failures,
			(long long)si.last_update,
			si.last_error[0] ? " last_error=\"" : "",
			si.last_error, si.last_error[0] ? "\"" : "");
	}
}

static void
cmd_lookup(struct commands *c, int argc, char **argv, FILE *out)
{
	struct policy_store *store = engine_store(c->engine);
	struct policy_decision d;
	uint8_t wire[NAME_WIRE_MAX];
	char text[NAME_TEXT_MAX];
	size_t len = 0;

	if (argc != 2) {
		fprintf(out, "error usage: lookup NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	while (wire[len])
		len += 1u + wire[len];
	len++;
	policy_read_begin(store, c->reader);
	policy_decide(store, wire, len, (int64_t)time(NULL), &d);
	policy_read_end(store, c->reader);
	name_to_text(wire, text, sizeof(text));
	fprintf(out, "name: %s\n", text);
	fprintf(out, "action: %s\n", d.action == POLICY_ACTION_NONE ?
		"none (resolve normally)" : policy_action_name(d.action));
	fprintf(out, "rule: %s\n", policy_rule_name(d.rule));
	fprintf(out, "source: %s\n", policy_source_name(store, d.source));
	fprintf(out, "match: %s\n", d.source < 0 ? "-" :
		d.subtree ? "subtree" : "exact");
	fprintf(out, "tags: 0x%08" PRIx32 "\n", d.tags);
	fprintf(out, "doubtlist-matches: %u\n", d.doubt_matches);
	if (d.expires)
		fprintf(out, "expires: %lld\n", (long long)d.expires);
	else
		fprintf(out, "expires: never\n");
}

static void
cmd_flush(struct commands *c, int argc, char **argv, FILE *out)
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

static void
cmd_allow(struct commands *c, int argc, char **argv, FILE *out)
{
	uint8_t wire[NAME_WIRE_MAX];

	if (argc != 2) {
		fprintf(out, "error usage: allow NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	if (engine_override_set(c->engine, 1, wire, POLICY_ACTION_NONE))
		fprintf(out, "error override not stored (see the log)\n");
	else
		fprintf(out, "ok\n");
}

static void
cmd_deny(struct commands *c, int argc, char **argv, FILE *out)
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
	    action == POLICY_ACTION_NONE)) {
		fprintf(out, "error unknown action '%s'\n", argv[2]);
		return;
	}
	if (engine_override_set(c->engine, 0, wire, action))
		fprintf(out, "error override not stored (see the log)\n");
	else
		fprintf(out, "ok\n");
}

static void
cmd_remove(struct commands *c, int argc, char **argv, FILE *out)
{
	uint8_t wire[NAME_WIRE_MAX];
	int r;

	if (argc != 2) {
		fprintf(out, "error usage: remove NAME\n");
		return;
	}
	if (parse_name_arg(argv[1], wire, out))
		return;
	r = engine_override_remove(c->engine, wire);
	if (r < 0)
		fprintf(out, "error override not removed (see the log)\n");
	else if (r == 0)
		fprintf(out, "error no override for %s\n", argv[1]);
	else
		fprintf(out, "ok\n");
}

static void
cmd_list_overrides(struct commands *c, int argc, char **argv, FILE *out)
{
	engine_override_list(c->engine, out);
}

static void
print_stats(struct commands *c, FILE *out, int reset)
{
	unsigned i;

	c->hooks.stats(c->hooks.arg, out, reset);
	for (i = 0; i < engine_source_count(c->engine); i++) {
		struct engine_source_info si;
		engine_source_info(c->engine, i, &si);
		fprintf(out, "source.%s.entries=%zu\n", si.name, si.entries);
		fprintf(out, "source.%s.updates=%" PRIu64 "\n", si.name,
			si.updates);
		fprintf(out, "source.%s.failures=%" PRIu64 "\n", si.name,
			si.failures);
	}
	fprintf(out, "policy.memory=%zu\n",
		policy_store_memory(engine_store(c->engine)));
}

static void
cmd_stats(struct commands *c, int argc, char **argv, FILE *out)
{
	print_stats(c, out, 1);
}

static void
cmd_stats_noreset(struct commands *c, int argc, char **argv, FILE *out)
{
	print_stats(c, out, 0);
}

static void
cmd_reload(struct commands *c, int argc, char **argv, FILE *out)
{
	c->hooks.reload(c->hooks.arg, out);
}

static const struct {
	const char *name;
	void (*fn)(struct commands *, int, char **, FILE *);
} table[] = {
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "stats_noreset", cmd_stats_noreset },
	{ "lookup", cmd_lookup },
	{ "list_sources", cmd_list_sources },
	{ "flush", cmd_flush },
	{ "allow", cmd_allow },
	{ "deny", cmd_deny },
	{ "remove", cmd_remove },
	{ "list_overrides", cmd_list_overrides },
	{ "reload", cmd_reload },
};

void
commands_run(void *arg, int argc, char **argv, FILE *out)
{
	struct commands *c = arg;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strcmp(argv[0], table[i].name) == 0) {
			table[i].fn(c, argc, argv, out);
			return;
		}
	fprintf(out, "error unknown command '%s'\n", argv[0]);
}
