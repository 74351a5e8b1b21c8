/*
 * tests/unit/test_counters.c - the query counters: workers' blocks added
 * up, stats' reset, monitor decisions as an action of their own, and a
 * reload's new source ids carrying each source's totals by name.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "module/runtime/counters.h"

static struct policy_store *
store_of(const char *const *names, unsigned n)
{
	struct policy_rules r;
	struct policy_store *s;
	uint16_t id;
	unsigned i;

	policy_rules_default(&r);
	s = policy_store_create(&r, 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		assert_int_equal(policy_source_add(s, names[i],
			POLICY_LIST_DENY, 0, &id), 0);
	return s;
}

static struct policy_decision
decision(enum policy_action a, enum policy_rule r, int source)
{
	struct policy_decision d;

	memset(&d, 0, sizeof(d));
	d.action = a;
	d.rule = r;
	d.source = source;
	d.monitor_source = -1;
	return d;
}

static void
test_sums_and_reset(void **state)
{
	static const char *const names[] = { "a", "b" };
	struct policy_store *s = store_of(names, 2);
	struct counters *c = counters_create(2);
	struct counters_totals *t = malloc(sizeof(*t));
	struct policy_decision d = decision(POLICY_ACTION_NXDOMAIN,
		POLICY_RULE_DENY, 1);

	(void)state;
	assert_non_null(c);
	assert_non_null(t);
	counters_decision(&c->w[0], &d);
	counters_decision(&c->w[1], &d);
	d = decision(POLICY_ACTION_NONE, POLICY_RULE_NONE, -1);
	d.monitor_action = POLICY_ACTION_DROP;
	d.monitor_rule = POLICY_RULE_DENY;
	d.monitor_source = 0;
	counters_decision(&c->w[1], &d);
	counters_monitor(&c->w[1], &d);
	counters_bump(&c->w[0].judged);

	counters_read(c, 2, t);
	assert_int_equal(t->judged, 1);
	assert_int_equal(t->action[POLICY_ACTION_NXDOMAIN], 2);
	assert_int_equal(t->action[POLICY_ACTION_NONE], 1);
	assert_int_equal(t->action[POLICY_ACTION_MONITOR], 1);
	assert_int_equal(t->monitor[POLICY_ACTION_DROP], 1);
	assert_int_equal(t->rule[POLICY_RULE_DENY], 2);
	assert_int_equal(t->rule[POLICY_RULE_NONE], 0);
	assert_int_equal(t->monitor_rule[POLICY_RULE_DENY], 1);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 2);
	assert_int_equal(t->source[0].action[POLICY_ACTION_MONITOR], 1);
	assert_int_equal(t->source[0].monitor[POLICY_ACTION_DROP], 1);

	/* stats resets what it reports, never what /metrics reads. */
	counters_read(c, 1, t);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 2);
	counters_read(c, 2, t);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 0);
	assert_int_equal(t->action[POLICY_ACTION_MONITOR], 0);
	assert_int_equal(t->judged, 0);
	counters_read(c, 0, t);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 2);
	assert_int_equal(t->judged, 1);
	free(t);
	counters_destroy(c);
	policy_store_destroy(s);
}

/* A reload: b keeps its counts under its new id, c starts at zero, a is
 * forgotten, and what stats reported stays reported. */
static void
test_rekey(void **state)
{
	static const char *const before[] = { "a", "b" };
	static const char *const after[] = { "c", "b", "a2" };
	struct policy_store *old = store_of(before, 2);
	struct policy_store *fresh = store_of(after, 3);
	struct counters *c = counters_create(1);
	struct counters_totals *t = malloc(sizeof(*t));
	struct policy_decision da = decision(POLICY_ACTION_NODATA,
		POLICY_RULE_DENY, 0);
	struct policy_decision db = decision(POLICY_ACTION_NXDOMAIN,
		POLICY_RULE_DENY, 1);
	unsigned i;

	(void)state;
	assert_non_null(c);
	assert_non_null(t);
	for (i = 0; i < 3; i++)
		counters_decision(&c->w[0], &db);
	counters_decision(&c->w[0], &da);
	counters_read(c, 1, t);          /* stats: 3 for b reported */
	counters_decision(&c->w[0], &db);
	counters_rekey(c, old, fresh);

	counters_read(c, 0, t);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 4);
	assert_int_equal(t->source[0].action[POLICY_ACTION_NXDOMAIN], 0);
	assert_int_equal(t->source[0].action[POLICY_ACTION_NODATA], 0);
	assert_int_equal(t->source[2].action[POLICY_ACTION_NODATA], 0);
	assert_int_equal(t->action[POLICY_ACTION_NXDOMAIN], 4);
	counters_read(c, 2, t);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 1);

	/* Counting goes on under the new ids. */
	da.source = 0;
	counters_decision(&c->w[0], &da);
	counters_decision(&c->w[0], &db);
	counters_read(c, 0, t);
	assert_int_equal(t->source[0].action[POLICY_ACTION_NODATA], 1);
	assert_int_equal(t->source[1].action[POLICY_ACTION_NXDOMAIN], 5);
	free(t);
	counters_destroy(c);
	policy_store_destroy(old);
	policy_store_destroy(fresh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_and_reset),
		cmocka_unit_test(test_rekey),
	};

	return cmocka_run_group_tests_name("counters", tests, NULL, NULL);
}
