/*
 * tests/fuzz/fuzz_control.c - libFuzzer target: a control request, from
 * the bytes read off the socket to the command's answer.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The input is one request as a client sends it.  It goes through
 * control_request() (what the socket thread does with a line) into the
 * real commands, over a real policy store built from an in-memory
 * configuration.  The engine underneath is a small stand-in: the real one
 * starts feed threads and links every feed's transport, which neither a
 * parser fuzzer nor its build line should need.  Every request must get an
 * answer; every answer must be whole lines.
 */
/* fuzz-sources: module/control.c module/commands.c module/conf.c module/names.c module/policy.c module/epoch.c module/thread.c module/log.c feeds/tags.c */
/* fuzz-libs: -lpthread */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module/commands.h"
#include "module/conf.h"
#include "module/control.h"
#include "module/engine.h"
#include "module/localdata.h"
#include "module/names.h"
#include "module/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every decision-table case has a name here: allow beats deny,
 * per-record actions, subtrees and match: subdomains, numsources, the
 * tag rules, expiry, redirect data. */
static const char config_text[] =
	"server:\n"
	"    policy-zone: \"tapir-pop.\"\n"
	"policy:\n"
	"    numsources: 2 nodata\n"
	"    numtags: 2 drop\n"
	"    tags: \"likelymalware\" nxdomain\n"
	"    tag-source: \"tagged\"\n"
	"    tag-name: 6 \"my_tag\"\n"
	"    redirect-a: 192.0.2.1\n"
	"source:\n"
	"    name: \"deny\"\n"
	"    list: denylist\n"
	"    file: \"deny.txt\"\n"
	"source:\n"
	"    name: \"allow\"\n"
	"    list: allowlist\n"
	"    file: \"allow.txt\"\n"
	"source:\n"
	"    name: \"doubt1\"\n"
	"    list: doubtlist\n"
	"    file: \"doubt1.txt\"\n"
	"    match: subdomains\n"
	"source:\n"
	"    name: \"doubt2\"\n"
	"    list: doubtlist\n"
	"    file: \"doubt2.txt\"\n"
	"source:\n"
	"    name: \"tagged\"\n"
	"    list: doubtlist\n"
	"    file: \"tagged.txt\"\n";

/* Most runtime overrides the stand-in keeps: the fuzzer adds names for
 * as long as it runs, the real engine's limit is the operator. */
#define MAX_OVERRIDES 64

/* The engine as commands.c sees it. */
struct engine {
	struct tapir_conf *cfg;
	struct policy_store *store;
	uint16_t ids[POLICY_MAX_SOURCES];
	unsigned count;
	uint8_t over_name[MAX_OVERRIDES][NAME_WIRE_MAX];
	int over_allow[MAX_OVERRIDES];
	enum policy_action over_action[MAX_OVERRIDES];
	unsigned num_over;
};

struct policy_store *
engine_store(struct engine *e)
{
	return e->store;
}

const struct tapir_conf *
engine_config(struct engine *e)
{
	return e->cfg;
}

unsigned
engine_source_count(struct engine *e)
{
	return e->count;
}

void
engine_source_info(struct engine *e, unsigned i,
	struct engine_source_info *out)
{
	struct policy_source_stats st;

	memset(out, 0, sizeof(*out));
	if (i >= e->count || policy_store_source_stats(e->store, e->ids[i],
	    &st) != 0)
		abort();
	out->name = policy_source_name(e->store, e->ids[i]);
	out->type = i + 2 < e->count ? "file" : "override";
	out->list = st.list;
	out->entries = st.entries;
}

static size_t
wire_len(const uint8_t *name)
{
	size_t len = 0;

	while (name[len])
		len += 1u + name[len];
	return len + 1;
}

/* Publish the overrides as replace-alls of the two override sources. */
static int
publish_overrides(struct engine *e)
{
	int allow;
	unsigned i;

	for (allow = 0; allow < 2; allow++) {
		struct policy_batch *b = policy_batch_begin(e->store,
			e->ids[e->count - 2 + (allow ? 0 : 1)], 1);
		if (!b)
			return -1;
		for (i = 0; i < e->num_over; i++) {
			struct policy_entry en = { 0 };
			if (e->over_allow[i] != allow)
				continue;
			en.action = e->over_action[i];
			if (policy_batch_put(b, e->over_name[i], &en) != 0) {
				policy_batch_abort(b);
				return -1;
			}
		}
		if (policy_batch_commit(b, NULL, NULL) != 0)
			return -1;
	}
	return 0;
}

int
engine_override_set(struct engine *e, int allow, const uint8_t *name,
	enum policy_action action)
{
	size_t len = wire_len(name);
	unsigned i;

	for (i = 0; i < e->num_over; i++)
		if (memcmp(e->over_name[i], name, len) == 0)
			break;
	if (i == MAX_OVERRIDES)
		return -1;
	if (i == e->num_over)
		e->num_over++;
	memset(e->over_name[i], 0, NAME_WIRE_MAX);
	memcpy(e->over_name[i], name, len);
	e->over_allow[i] = allow;
	e->over_action[i] = action;
	return publish_overrides(e);
}

int
engine_override_remove(struct engine *e, const uint8_t *name)
{
	size_t len = wire_len(name);
	unsigned i;

	for (i = 0; i < e->num_over; i++)
		if (memcmp(e->over_name[i], name, len) == 0)
			break;
	if (i == e->num_over)
		return 0;
	e->num_over--;
	memmove(e->over_name[i], e->over_name[i + 1],
		(e->num_over - i) * sizeof(e->over_name[0]));
	memmove(&e->over_allow[i], &e->over_allow[i + 1],
		(e->num_over - i) * sizeof(e->over_allow[0]));
	memmove(&e->over_action[i], &e->over_action[i + 1],
		(e->num_over - i) * sizeof(e->over_action[0]));
	return publish_overrides(e) ? -1 : 1;
}

void
engine_override_list(struct engine *e, FILE *out)
{
	char text[NAME_TEXT_MAX];
	unsigned i;

	for (i = 0; i < e->num_over; i++) {
		name_to_text(e->over_name[i], text, sizeof(text));
		fprintf(out, "%s %s%s%s\n", e->over_allow[i] ? "allow" : "deny",
			text, e->over_allow[i] ? "" : " ",
			e->over_allow[i] ? "" : policy_action_name(
			e->over_action[i] ? e->over_action[i] :
			e->cfg->rules.deny_action));
	}
}

static void
hook_flush(void *arg, const uint8_t *name, int subtree)
{
	(void)arg;
	(void)name;
	(void)subtree;
}

static void
hook_stats(void *arg, FILE *out, int reset)
{
	(void)arg;
	fprintf(out, "num.queries.judged=0\nreset=%d\n", reset);
}

static void
hook_reload(void *arg, FILE *out)
{
	(void)arg;
	fprintf(out, "ok\n");
}

/* Put one entry into a source. */
static void
put(struct engine *e, unsigned source, const char *text, int subtree,
	uint32_t tags, int64_t expires, enum policy_action action,
	const uint8_t *data, uint16_t data_len)
{
	struct policy_entry en = { 0 };
	struct policy_batch *b;
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;

	if (name_from_text(text, strlen(text), wire, &len) != NAME_OK ||
	    !(b = policy_batch_begin(e->store, e->ids[source], 0)))
		abort();
	en.tags = tags;
	en.expires = expires;
	en.action = action;
	en.subtree = subtree;
	en.data = data;
	en.data_len = data_len;
	if (policy_batch_put(b, wire, &en) != 0 ||
	    policy_batch_commit(b, NULL, NULL) != 0)
		abort();
}

static struct commands *
setup(void)
{
	static struct engine e;
	static struct commands c;
	static struct localdata ld;
	const struct tapir_conf_source *src;
	const uint8_t addr[4] = { 192, 0, 2, 7 };
	int64_t later = (int64_t)time(NULL) + 86400;
	char err[512];

	if (tapir_conf_parse("fuzz.conf", config_text, sizeof(config_text) - 1,
	    &e.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_control: %s\n", err);
		abort();
	}
	if (!(e.store = policy_store_create(&e.cfg->rules, 1)))
		abort();
	for (src = e.cfg->sources; src; src = src->next)
		if (policy_source_add(e.store, src->name, src->list, src->flags,
		    &e.ids[e.count++]) != 0)
			abort();
	if (policy_source_add(e.store, ENGINE_OVERRIDE_ALLOW, POLICY_LIST_ALLOW,
	    0, &e.ids[e.count++]) != 0 ||
	    policy_source_add(e.store, ENGINE_OVERRIDE_DENY, POLICY_LIST_DENY,
	    0, &e.ids[e.count++]) != 0)
		abort();
	localdata_add(&ld, 1, addr, sizeof(addr));
	put(&e, 0, "listed.example", 0, 0, 0, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 0, "tree.example", 1, 0, later, POLICY_ACTION_NODATA, NULL, 0);
	put(&e, 0, "here.example", 0, 0, 0, POLICY_ACTION_REDIRECT, ld.buf,
		(uint16_t)ld.len);
	put(&e, 1, "ok.tree.example", 0, 0, 0, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 2, "www.example", 0, 0, 0, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 2, "sub.example", 0, 0, 0, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 3, "www.example", 0, 0, 0, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 3, "a.sub.example", 0, 0, 0, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 4, "www.example", 0, 0x13, later, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 4, "bad.example", 0, 0x10, later, POLICY_ACTION_NONE, NULL, 0);
	put(&e, 4, "odd.example", 0, 0xc0000000u, 0, POLICY_ACTION_NONE,
		NULL, 0);
	c.engine = &e;
	c.reader = 0;
	c.hooks.flush = hook_flush;
	c.hooks.stats = hook_stats;
	c.hooks.reload = hook_reload;
	c.started = time(NULL);
	return &c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct commands *c;
	static const char list_overrides[] = "list_overrides";
	char *line, *answer = NULL;
	size_t answer_len = 0;
	FILE *out;

	if (!c)
		c = setup();
	/* The socket thread's buffer holds at most this much. */
	if (size > CONTROL_LINE_MAX)
		return 0;
	if (!(line = malloc(size ? size : 1)))
		return 0;
	memcpy(line, data, size);
	if (!(out = open_memstream(&answer, &answer_len))) {
		free(line);
		return 0;
	}
	control_request(line, size, commands_run, c, out);
	fclose(out);
	/* An answer is whole lines, and only an empty override list may
	 * answer with nothing. */
	if (answer_len ? answer[answer_len - 1] != '\n' :
	    !(size >= sizeof(list_overrides) + 5 &&
	    memmem(data, size, list_overrides, sizeof(list_overrides) - 1)))
		abort();
	free(answer);
	free(line);
	return 0;
}
