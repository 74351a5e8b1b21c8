/*
 * tests/unit/test_feed_obs.c - the observation feed without a broker:
 * names that lapsed before they arrived are counted, and a saved state
 * that cannot be read back is kept aside, not overwritten.
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "feeds/tapir/feed_obs.h"
#include "feeds/tapir/observation.h"
#include "module/base/fileio.h"

static char dir[] = "/tmp/test_feed_obs.XXXXXX";
static char state_file[256];

struct fixture {
	struct policy_store *store;
	struct feed_obs *feed;
	int64_t now;
};

static int
setup_group(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(state_file, sizeof(state_file), "%s/dns-tapir.observations.json",
		dir);
	return 0;
}

static int
teardown_group(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct feed_obs *
feed_create(struct fixture *fx)
{
	struct feed_obs_params p;
	struct feed_obs *f;
	char err[256] = "";

	memset(&p, 0, sizeof(p));
	p.source_name = "dns-tapir";
	p.list = POLICY_LIST_DOUBT;
	p.insecure_unsigned = 1;
	p.max_entries = 1000;
	p.state_file = state_file;
	p.store = fx->store;
	p.source = 0;
	if (!(f = feed_obs_create(&p, err, sizeof(err))))
		fail_msg("feed_obs_create: %s", err);
	return f;
}

static void
make_store(struct fixture *fx)
{
	struct policy_rules rules;
	uint16_t id;

	policy_rules_default(&rules);
	rules.tags = 4;
	rules.tags_action = POLICY_ACTION_NXDOMAIN;
	fx->store = policy_store_create(&rules, 1);
	assert_non_null(fx->store);
	assert_int_equal(policy_source_add(fx->store, "dns-tapir",
		POLICY_LIST_DOUBT, 0, &id), 0);
	assert_int_equal(id, 0);
}

/* As the module restarts: a new store and feed (the old feed writes its
 * state as it goes). */
static void
restart(struct fixture *fx)
{
	feed_obs_destroy(fx->feed);
	policy_store_destroy(fx->store);
	make_store(fx);
	fx->feed = feed_create(fx);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	make_store(fx);
	fx->now = (int64_t)time(NULL);
	unlink(state_file);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	feed_obs_destroy(fx->feed);
	policy_store_destroy(fx->store);
	free(fx);
	return 0;
}

/* An observation message adding name, added age seconds ago. */
static const char *
message(const char *name, int64_t now, int64_t age, unsigned ttl)
{
	static char buf[1024];
	char t[32];

	assert_int_equal(observation_format_time(now - age, t, sizeof(t)), 0);
	snprintf(buf, sizeof(buf), "{\"src_name\":\"dns-tapir\","
		"\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		"\"added\":[{\"name\":\"%s\",\"time_added\":\"%s\","
		"\"ttl\":%u,\"tag_mask\":4}],\"removed\":[]}", name, t, ttl);
	return buf;
}

static int
apply(struct fixture *fx, const char *msg)
{
	return feed_obs_apply_message(fx->feed, (const uint8_t *)msg,
		strlen(msg), fx->now);
}

static size_t
entries(struct fixture *fx)
{
	struct policy_source_stats st;

	assert_int_equal(policy_store_source_stats(fx->store, 0, &st), 0);
	return st.entries;
}

/* The path of the one file kept aside, or NULL. */
static const char *
aside(void)
{
	static char path[512];
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".observations.json.broken-")) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			n++;
		}
	closedir(d);
	assert_true(n <= 1);
	return n ? path : NULL;
}

static char *
slurp(const char *path, size_t *len)
{
	char *text;

	assert_int_equal(file_read_all(path, 1 << 20, &text, len), 0);
	return text;
}

static void
test_lapsed_on_arrival(void **state)
{
	struct fixture *fx = *state;
	struct feed_obs_stats st;

	fx->feed = feed_create(fx);
	assert_int_equal(apply(fx, message("live.example.", fx->now, 10,
		3600)), 0);
	/* Added two hours ago for one: lapsed an hour before it came. */
	assert_int_equal(apply(fx, message("late.example.", fx->now, 7200,
		3600)), 0);
	assert_int_equal(apply(fx, message("late2.example.", fx->now, 61,
		60)), 0);
	feed_obs_get_stats(fx->feed, &st);
	assert_int_equal(st.applied, 3);
	assert_int_equal(st.names_added, 1);
	assert_int_equal(st.lapsed, 2);
	assert_int_equal(st.entries_skipped, 0);
	assert_int_equal(entries(fx), 1);
}

/* One wrong byte: nothing can be trusted; the file is kept aside and
 * the next save writes a new one beside it. */
static void
test_corrupt_state_kept_aside(void **state)
{
	struct fixture *fx = *state;
	struct feed_obs_stats st;
	const char *kept;
	char *orig, *after;
	size_t len, alen;

	fx->feed = feed_create(fx);
	assert_int_equal(apply(fx, message("a.example.", fx->now, 0, 3600)),
		0);
	assert_int_equal(apply(fx, message("b.example.", fx->now, 0, 3600)),
		0);
	assert_int_equal(feed_obs_save(fx->feed, fx->now), 0);
	orig = slurp(state_file, &len);
	assert_non_null(strchr(orig, '['));
	*strchr(orig, '[') = '(';
	{
		FILE *f = fopen(state_file, "w");
		assert_int_equal(fwrite(orig, 1, len, f), len);
		fclose(f);
	}

	restart(fx);
	assert_int_equal(feed_obs_load_saved(fx->feed, fx->now), -1);
	assert_int_equal(entries(fx), 0);
	feed_obs_get_stats(fx->feed, &st);
	assert_int_equal(st.state_broken, 1);
	assert_non_null(strstr(st.last_error, "state file"));
	assert_non_null(kept = aside());
	after = slurp(kept, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(after, orig, len);
	free(after);
	assert_int_equal(access(state_file, F_OK), -1);

	/* The next save writes the state beside it. */
	assert_int_equal(apply(fx, message("c.example.", fx->now, 0, 3600)),
		0);
	assert_int_equal(feed_obs_save(fx->feed, fx->now), 0);
	after = slurp(kept, &alen);
	assert_memory_equal(after, orig, len);
	free(after);
	after = slurp(state_file, &alen);
	assert_non_null(strstr(after, "c.example."));
	free(after);
	free(orig);
	unlink(kept);
}

/* An entry that cannot be read costs that entry: the rest loads, the
 * file is kept aside, and the next save stores what was loaded. */
static void
test_bad_entry_loads_the_rest(void **state)
{
	struct fixture *fx = *state;
	struct feed_obs_stats st;
	char t[32], text[1024];
	FILE *f;

	assert_int_equal(observation_format_time(fx->now, t, sizeof(t)), 0);
	snprintf(text, sizeof(text), "{\"src_name\":\"dns-tapir\","
		"\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		"\"added\":[{\"name\":\"good.example.\",\"time_added\":\"%s\","
		"\"ttl\":3600,\"tag_mask\":4},{\"name\":\"bad..example.\","
		"\"time_added\":\"%s\",\"ttl\":3600,\"tag_mask\":4}],"
		"\"removed\":[]}", t, t);
	assert_non_null(f = fopen(state_file, "w"));
	fputs(text, f);
	fclose(f);
	fx->feed = feed_create(fx);
	assert_int_equal(feed_obs_load_saved(fx->feed, fx->now), 1);
	assert_int_equal(entries(fx), 1);
	feed_obs_get_stats(fx->feed, &st);
	assert_int_equal(st.state_broken, 1);
	assert_non_null(aside());
	assert_int_equal(feed_obs_save(fx->feed, fx->now), 0);
	{
		size_t len;
		char *saved = slurp(state_file, &len);
		assert_non_null(strstr(saved, "good.example."));
		assert_null(strstr(saved, "bad..example."));
		free(saved);
	}
	unlink(aside());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lapsed_on_arrival, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_state_kept_aside,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entry_loads_the_rest,
			setup, teardown),
	};

	return cmocka_run_group_tests_name("feed_obs", tests, setup_group,
		teardown_group);
}
