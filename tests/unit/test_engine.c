/*
 * tests/unit/test_engine.c - runtime overrides and switched-off sources:
 * what a command reports is what is in force, now and after a restart,
 * when the state file cannot be written; an unreadable file is kept
 * aside; what a switch may block is handed to the change callback.  A
 * reload carries unchanged sources over and reports only what changed.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dawg/dawg_build.h"
#include "module/runtime/conf.h"
#include "module/runtime/engine.h"
#include "module/base/fileio.h"
#include "module/base/names.h"

static char dir[] = "/tmp/test_engine.XXXXXX";
static char overrides[256], tmp[256];

static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(overrides, sizeof(overrides), "%s/overrides", dir);
	snprintf(tmp, sizeof(tmp), "%s/overrides.tmp", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* An engine with no sources but the overrides, kept in dir; changes
 * go to changed. */
static struct engine *
start_with(policy_changed_fn changed, void *arg)
{
	struct tapir_conf *cfg = NULL;
	struct engine *e;
	char text[512], err[256] = "";

	snprintf(text, sizeof(text), "server:\n    state-dir: \"%s\"\n", dir);
	assert_int_equal(tapir_conf_parse("t.conf", text, strlen(text), &cfg,
		err, sizeof(err)), 0);
	e = engine_create(cfg, 0, 1, changed, arg, err, sizeof(err));
	if (!e)
		fail_msg("engine_create: %s", err);
	return e;
}

static struct engine *
start(void)
{
	return start_with(NULL, NULL);
}

static const uint8_t *
wire(const char *text)
{
	static uint8_t buf[4][NAME_WIRE_MAX];
	static int next;
	uint8_t *w = buf[next++ % 4];
	size_t len;

	assert_int_equal(name_from_text(text, strlen(text), w, &len), 0);
	return w;
}

/* The action the policy gives name now. */
static enum policy_action
action_of(struct engine *e, const char *name)
{
	struct policy_store *s = engine_store(e);
	const uint8_t *w = wire(name);
	struct policy_decision d;

	policy_read_begin(s, 0);
	policy_decide(s, w, name_wire_len(w), (int64_t)time(NULL), &d);
	policy_read_end(s, 0);
	return d.action;
}

static const char *
contents(const char *path)
{
	static char buf[4096];
	char *text;
	size_t len;

	if (file_read_all(path, sizeof(buf) - 1, &text, &len) != 0)
		return "";
	memcpy(buf, text, len + 1);
	free(text);
	return buf;
}

static void
put_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The name of the one file in dir kept aside from overrides, or NULL. */
static const char *
aside(void)
{
	static char path[512];
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "overrides.broken-", 17) == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			n++;
		}
	closedir(d);
	assert_true(n <= 1);
	return n ? path : NULL;
}

static uint64_t
state_broken(struct engine *e)
{
	struct engine_source_info si;

	engine_source_info(e, engine_source_count(e) - 1, &si);
	assert_string_equal(si.name, OVERRIDES_DENY);
	return si.stats.state_broken;
}

/* The state file cannot be written (overrides.tmp is a directory, as a
 * full or read-only state directory refuses it): every command that
 * fails leaves the policy as it was, and a restart agrees. */
static void
test_unwritable(void **state)
{
	struct engine *e = start();

	(void)state;
	assert_int_equal(overrides_set(engine_overrides(e), 0, wire("a.example"),
		POLICY_ACTION_NONE), 0);
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_non_null(strstr(contents(overrides), "deny a.example. default"));

	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(overrides_set(engine_overrides(e), 0, wire("b.example"),
		POLICY_ACTION_NONE), -1);
	assert_int_equal(action_of(e, "b.example"), POLICY_ACTION_NONE);
	assert_int_equal(overrides_set(engine_overrides(e), 1, wire("a.example"),
		POLICY_ACTION_NONE), -1);
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(overrides_remove(engine_overrides(e), wire("a.example")), -1);
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(overrides_remove(engine_overrides(e), wire("c.example")), 0);
	engine_destroy(e);

	e = start();
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(action_of(e, "b.example"), POLICY_ACTION_NONE);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(overrides_remove(engine_overrides(e), wire("a.example")), 1);
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NONE);
	engine_destroy(e);

	e = start();
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NONE);
	assert_null(strstr(contents(overrides), "a.example"));
	assert_int_equal(state_broken(e), 0);
	assert_null(aside());
	engine_destroy(e);
}

static const char broken[] =
	"# tapir-pop runtime overrides; written by the module\n"
	"deny good.example. default\n"
	"deny \x01\xff garbage\n"
	"allow ok.example.\n"
	"deny drop.example. drop\n"
	"deny ok.example. no-such-action\n"
	"allow a\0b.example.\n";

/* A file with lines the module does not write: kept aside, the lines it
 * can read are in force and stored again. */
static void
test_broken_file(void **state)
{
	struct engine *e;
	const char *kept;

	(void)state;
	put_file(overrides, broken, sizeof(broken) - 1);
	e = start();
	assert_int_equal(action_of(e, "good.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(action_of(e, "drop.example"), POLICY_ACTION_DROP);
	assert_int_equal(action_of(e, "ok.example"), POLICY_ACTION_PASSTHRU);
	assert_int_equal(state_broken(e), 1);
	assert_non_null(kept = aside());
	{
		char *text;
		size_t len;
		assert_int_equal(file_read_all(kept, 4096, &text, &len), 0);
		assert_int_equal(len, sizeof(broken) - 1);
		assert_memory_equal(text, broken, len);
		free(text);
	}
	assert_string_equal(contents(overrides),
		"# tapir-pop runtime overrides; written by the module\n"
		"deny good.example. default\n"
		"allow ok.example.\n"
		"deny drop.example. drop\n");
	engine_destroy(e);
	assert_int_equal(unlink(kept), 0);

	/* The same restart with the directory refusing writes: the file
	 * stays where it is, so a restart reads the same overrides. */
	put_file(overrides, broken, sizeof(broken) - 1);
	assert_int_equal(mkdir(tmp, 0700), 0);
	e = start();
	assert_int_equal(action_of(e, "good.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(action_of(e, "ok.example"), POLICY_ACTION_PASSTHRU);
	assert_null(aside());
	assert_memory_equal(contents(overrides), broken, 40);
	engine_destroy(e);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(unlink(overrides), 0);

	/* One that cannot be read at all. */
	assert_int_equal(mkdir(overrides, 0700), 0);
	e = start();
	assert_int_equal(state_broken(e), 1);
	assert_non_null(aside());
	assert_int_equal(overrides_set(engine_overrides(e), 0, wire("new.example"),
		POLICY_ACTION_NONE), 0);
	assert_non_null(strstr(contents(overrides), "deny new.example."));
	engine_destroy(e);
}

/* What a reload reported to the cache flush. */
struct reported {
	unsigned names;
	char last[NAME_TEXT_MAX];
};

static void
count_reported(void *arg, const uint8_t *name, int subtree)
{
	struct reported *r = arg;

	(void)subtree;
	r->names++;
	name_to_text(name, r->last, sizeof(r->last));
}

/* An engine over conf text, beside prev when it is a reload. */
static struct engine *
reload(struct engine *prev, const char *text, struct reported *r)
{
	struct tapir_conf *cfg = NULL;
	struct engine *e;
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	assert_int_equal(tapir_conf_parse("t.conf", text, strlen(text), &cfg,
		err, sizeof(err)), 0);
	e = engine_create_from(prev, cfg, prev ? ENGINE_STRICT : 0, 1,
		count_reported, r, err, sizeof(err));
	if (!e)
		fail_msg("engine_create_from: %s", err);
	return e;
}

/* A list of n names, one per line, and b.example last. */
static void
put_list(const char *path, unsigned n, int with_b)
{
	FILE *f = fopen(path, "w");
	unsigned i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		fprintf(f, "n%u.big.example\n", i);
	if (with_b)
		fprintf(f, "b.example\n");
	assert_int_equal(fclose(f), 0);
}

/* Reloads that carry sources over: an unchanged list and DAWG are taken
 * from the running engine (nothing reported to the cache flush, their
 * data outlives the old engine), a changed list is loaded over what it
 * held and reports only its new names, and a source whose list class
 * changed is loaded anew. */
static void
test_reload_carry(void **state)
{
	char sub[256], big[256], small[256], dawg[256], text[1024];
	struct reported r;
	struct engine *e1, *e2, *e3;
	struct dawg_builder *db;
	uint8_t *image;
	size_t len;

	(void)state;
	/* A state directory of its own: no overrides from other tests. */
	snprintf(sub, sizeof(sub), "%s/carry", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(big, sizeof(big), "%s/big.txt", sub);
	snprintf(small, sizeof(small), "%s/small.txt", sub);
	snprintf(dawg, sizeof(dawg), "%s/allow.dawg", sub);
	put_list(big, 500, 0);
	put_file(small, "a.example\n", 10);
	assert_non_null(db = dawg_builder_new());
	assert_int_equal(dawg_builder_add(db, "n7.big.example.", 15), 0);
	assert_int_equal(dawg_builder_finish(db, &image, &len), 0);
	dawg_builder_free(db);
	put_file(dawg, (const char *)image, len);
	free(image);
	snprintf(text, sizeof(text), "server:\n    state-dir: \"%s\"\n"
		"source:\n    name: big\n    list: denylist\n"
		"    file: \"%s\"\n"
		"source:\n    name: small\n    list: denylist\n"
		"    file: \"%s\"\n"
		"source:\n    name: ok\n    list: allowlist\n    type: dawg\n"
		"    file: \"%s\"\n", sub, big, small, dawg);
	/* Every name of the lists, and the root for the DAWG. */
	e1 = reload(NULL, text, &r);
	assert_int_equal(r.names, 502);
	assert_int_equal(action_of(e1, "n3.big.example"),
		POLICY_ACTION_NXDOMAIN);

	/* small changes: one name more. */
	put_file(small, "a.example\nb.example\n", 20);
	e2 = reload(e1, text, &r);
	assert_int_equal(r.names, 1);
	assert_string_equal(r.last, "b.example.");
	engine_destroy(e1);
	assert_int_equal(action_of(e2, "n3.big.example"),
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(action_of(e2, "n7.big.example"),
		POLICY_ACTION_PASSTHRU);
	assert_int_equal(action_of(e2, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(action_of(e2, "b.example"), POLICY_ACTION_NXDOMAIN);

	/* Nothing changed: nothing to report. */
	e3 = reload(e2, text, &r);
	assert_int_equal(r.names, 0);
	engine_destroy(e2);
	assert_int_equal(action_of(e3, "n499.big.example"),
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(action_of(e3, "n7.big.example"),
		POLICY_ACTION_PASSTHRU);

	/* big becomes a doubtlist: its data is loaded anew. */
	snprintf(text, sizeof(text), "server:\n    state-dir: \"%s\"\n"
		"source:\n    name: big\n    list: doubtlist\n"
		"    file: \"%s\"\n"
		"source:\n    name: small\n    list: denylist\n"
		"    file: \"%s\"\n", sub, big, small);
	e1 = reload(e3, text, &r);
	assert_int_equal(r.names, 500);
	engine_destroy(e3);
	assert_int_equal(action_of(e1, "n3.big.example"), POLICY_ACTION_NONE);
	assert_int_equal(action_of(e1, "b.example"), POLICY_ACTION_NXDOMAIN);
	engine_destroy(e1);
	assert_int_equal(unlink(big), 0);
	assert_int_equal(unlink(small), 0);
	assert_int_equal(unlink(dawg), 0);
}

/* Names handed to the change callback. */
struct flushed {
	unsigned n;
};

static void
note_flush(void *arg, const uint8_t *name, int subtree)
{
	struct flushed *f = arg;

	(void)name;
	(void)subtree;
	f->n++;
}

/* Whether source i is switched on. */
static int
source_on(struct engine *e, unsigned i)
{
	struct engine_source_info si;

	engine_source_info(e, i, &si);
	return si.enabled;
}

/* source_disable and source_enable: stored first, in force at once and
 * after a restart; the names a switch may block are flushed (a denylist
 * switched on, an allowlist switched off), no others. */
static void
test_source_switch(void **state)
{
	struct flushed f = { 0 };
	struct engine *e = start_with(note_flush, &f);
	unsigned deny = engine_source_count(e) - 1, allow = deny - 1;
	char path[300], aside_tmp[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/disabled-sources", dir);
	snprintf(aside_tmp, sizeof(aside_tmp), "%s/disabled-sources.tmp", dir);
	assert_int_equal(overrides_set(engine_overrides(e), 0, wire("a.example"),
		POLICY_ACTION_NONE), 0);
	assert_int_equal(overrides_set(engine_overrides(e), 0, wire("b.example"),
		POLICY_ACTION_NONE), 0);
	assert_int_equal(overrides_set(engine_overrides(e), 1, wire("c.example"),
		POLICY_ACTION_NONE), 0);
	assert_int_equal(engine_source_switch(e, "nosuch", 0),
		ENGINE_SWITCH_UNKNOWN);
	f.n = 0;
	assert_int_equal(engine_source_switch(e, OVERRIDES_DENY, 0),
		ENGINE_SWITCH_OK);
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NONE);
	assert_false(source_on(e, deny));
	assert_int_equal(f.n, 0);
	assert_int_equal(engine_source_switch(e, OVERRIDES_DENY, 0),
		ENGINE_SWITCH_OK);
	assert_non_null(strstr(contents(path), "\n" OVERRIDES_DENY "\n"));
	engine_destroy(e);

	e = start_with(note_flush, &f);
	assert_false(source_on(e, deny));
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NONE);
	f.n = 0;
	assert_int_equal(engine_source_switch(e, OVERRIDES_DENY, 1),
		ENGINE_SWITCH_OK);
	/* Its every name (an earlier test's are there too). */
	{
		struct engine_source_info si;
		engine_source_info(e, deny, &si);
		assert_true(si.entries >= 2);
		assert_int_equal(f.n, si.entries);
	}
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_null(strstr(contents(path), OVERRIDES_DENY));
	f.n = 0;
	assert_int_equal(engine_source_switch(e, OVERRIDES_ALLOW, 0),
		ENGINE_SWITCH_OK);
	assert_int_equal(f.n, 1);          /* c.example */
	assert_int_equal(engine_source_switch(e, OVERRIDES_ALLOW, 1),
		ENGINE_SWITCH_OK);
	assert_int_equal(f.n, 1);
	assert_true(source_on(e, allow));

	/* Not stored: nothing changes. */
	assert_int_equal(mkdir(aside_tmp, 0700), 0);
	assert_int_equal(engine_source_switch(e, OVERRIDES_DENY, 0),
		ENGINE_SWITCH_NOT_STORED);
	assert_true(source_on(e, deny));
	assert_int_equal(action_of(e, "a.example"), POLICY_ACTION_NXDOMAIN);
	assert_int_equal(rmdir(aside_tmp), 0);
	engine_destroy(e);

	/* A line that names no source: the file is kept aside, the names
	 * that could be read are in force and stored again. */
	put_file(path, OVERRIDES_DENY "\n\001bad\n", sizeof(OVERRIDES_DENY) + 5);
	e = start();
	assert_false(source_on(e, deny));
	assert_int_equal(engine_disabled_broken(e), 1);
	assert_non_null(strstr(contents(path), "\n" OVERRIDES_DENY "\n"));
	assert_null(strstr(contents(path), "bad"));
	engine_destroy(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_broken_file),
		cmocka_unit_test(test_reload_carry),
		cmocka_unit_test(test_source_switch),
	};

	return cmocka_run_group_tests_name("engine", tests, setup, teardown);
}
