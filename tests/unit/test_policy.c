/*
 * tests/unit/test_policy.c - the policy store: POP's decision table,
 * matching, expiry, batches, change reports, external indexes, snapshots,
 * and readers running against a writer.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <cmocka.h>

#include "module/base/names.h"
#include "module/policy/policy.h"

#define NOW 1700000000

static const uint8_t *
W(const char *text)
{
	static uint8_t bufs[8][NAME_WIRE_MAX];
	static int next;
	uint8_t *b = bufs[next++ % 8];
	size_t len;

	assert_int_equal(name_from_text(text, strlen(text), b, &len), NAME_OK);
	return b;
}

static void
put(struct policy_store *s, uint16_t src, const char *name, uint32_t tags,
	int64_t expires, enum policy_action action, int subtree)
{
	struct policy_batch *b = policy_batch_begin(s, src, 0);
	struct policy_entry e = { .tags = tags, .expires = expires,
		.action = action, .subtree = subtree };

	assert_non_null(b);
	assert_int_equal(policy_batch_put(b, W(name), &e), 0);
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
}

static void
del(struct policy_store *s, uint16_t src, const char *name, int subtree)
{
	struct policy_batch *b = policy_batch_begin(s, src, 0);

	assert_int_equal(policy_batch_remove(b, W(name), subtree), 0);
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
}

static struct policy_decision
decide_at(struct policy_store *s, const char *name, int64_t now)
{
	struct policy_decision d;
	const uint8_t *w = W(name);

	policy_read_begin(s, 0);
	policy_decide(s, w, name_wire_len(w), now, &d);
	policy_read_end(s, 0);
	return d;
}

static struct policy_decision
decide(struct policy_store *s, const char *name)
{
	return decide_at(s, name, NOW);
}

static struct policy_store *
store_with(struct policy_rules *r)
{
	struct policy_store *s = policy_store_create(r, 4);

	assert_non_null(s);
	return s;
}

/* Allow beats deny and doubt; deny beats doubt. */
static void
test_allow_deny_doubt_order(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_decision d;
	uint16_t allow, deny, doubt;

	(void)state;
	policy_rules_default(&r);
	r.numsources = 1;
	r.numsources_action = POLICY_ACTION_NODATA;
	s = store_with(&r);
	assert_int_equal(policy_source_add(s, "deny", POLICY_LIST_DENY, 0,
		&deny), 0);
	assert_int_equal(policy_source_add(s, "allow", POLICY_LIST_ALLOW, 0,
		&allow), 0);
	assert_int_equal(policy_source_add(s, "doubt", POLICY_LIST_DOUBT, 0,
		&doubt), 0);
	assert_int_equal(policy_source_add(s, "deny", POLICY_LIST_DENY, 0,
		&deny), -1);
	put(s, deny, "a.example", 0, 0, 0, 0);
	put(s, allow, "a.example", 0, 0, 0, 0);
	put(s, doubt, "a.example", 0, 0, 0, 0);
	put(s, deny, "b.example", 0, 0, 0, 0);
	put(s, doubt, "b.example", 0, 0, 0, 0);
	put(s, doubt, "c.example", 0, 0, 0, 0);
	d = decide(s, "a.example");
	assert_int_equal(d.action, POLICY_ACTION_PASSTHRU);
	assert_int_equal(d.rule, POLICY_RULE_ALLOW);
	assert_int_equal(d.source, allow);
	d = decide(s, "B.Example.");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.rule, POLICY_RULE_DENY);
	assert_int_equal(d.source, deny);
	d = decide(s, "c.example");
	assert_int_equal(d.action, POLICY_ACTION_NODATA);
	assert_int_equal(d.rule, POLICY_RULE_NUMSOURCES);
	d = decide(s, "d.example");
	assert_int_equal(d.action, POLICY_ACTION_NONE);
	assert_int_equal(d.rule, POLICY_RULE_NONE);
	assert_int_equal(d.source, -1);
	policy_store_destroy(s);
}

/* N and M thresholds are "at least"; tags only count from the
 * tag-bearing source; the most restrictive fired rule wins, ties go to
 * the earlier rule. */
static void
test_doubt_rules(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_decision d;
	uint16_t tapir, d2, d3;

	(void)state;
	policy_rules_default(&r);
	r.numsources = 2;
	r.numsources_action = POLICY_ACTION_NODATA;
	r.numtags = 3;
	r.numtags_action = POLICY_ACTION_NXDOMAIN;
	r.tags = 0x4;
	r.tags_action = POLICY_ACTION_DROP;
	s = store_with(&r);
	policy_source_add(s, "other", POLICY_LIST_DOUBT, 0, &d2);
	policy_source_add(s, "dns-tapir", POLICY_LIST_DOUBT, 0, &tapir);
	policy_source_add(s, "third", POLICY_LIST_DOUBT, 0, &d3);

	/* One source, two tags: nothing fires. */
	put(s, tapir, "one.example", 0x3, 0, 0, 0);
	assert_int_equal(decide(s, "one.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(s, "one.example").doubt_matches, 1);
	/* Exactly 3 tags: numtags fires (>=). */
	put(s, tapir, "three.example", 0x13, 0, 0, 0);
	d = decide(s, "three.example");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.rule, POLICY_RULE_NUMTAGS);
	assert_int_equal(d.tags, 0x13);
	/* Exactly 2 sources: numsources fires (>=). */
	put(s, tapir, "two.example", 0x1, 0, 0, 0);
	put(s, d2, "two.example", 0, 0, 0, 0);
	d = decide(s, "two.example");
	assert_int_equal(d.action, POLICY_ACTION_NODATA);
	assert_int_equal(d.rule, POLICY_RULE_NUMSOURCES);
	assert_int_equal(d.doubt_matches, 2);
	/* Tags on a non-tag-bearing source are ignored. */
	put(s, d2, "fake.example", 0xffff, 0, 0, 0);
	assert_int_equal(decide(s, "fake.example").action, POLICY_ACTION_NONE);
	/* Tag 4 intersects: drop, the most restrictive, beats numsources. */
	put(s, tapir, "bad.example", 0x4, 0, 0, 0);
	put(s, d2, "bad.example", 0, 0, 0, 0);
	put(s, d3, "bad.example", 0, 0, 0, 0);
	d = decide(s, "bad.example");
	assert_int_equal(d.action, POLICY_ACTION_DROP);
	assert_int_equal(d.rule, POLICY_RULE_TAGS);
	policy_store_destroy(s);

	/* Ties: numsources and numtags both nxdomain: numsources reported. */
	policy_rules_default(&r);
	r.numsources = 1;
	r.numtags = 1;
	s = store_with(&r);
	policy_source_add(s, "dns-tapir", POLICY_LIST_DOUBT, 0, &tapir);
	put(s, tapir, "tie.example", 0x1, 0, 0, 0);
	d = decide(s, "tie.example");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.rule, POLICY_RULE_NUMSOURCES);
	policy_store_destroy(s);
}

/* The same sources added in another order give the same decisions. */
static void
test_source_order_independent(void **state)
{
	static const char *names[] = { "x.example", "y.example", "z.example",
		"w.example" };
	struct policy_decision first[4], d;
	int order, i;

	(void)state;
	for (order = 0; order < 2; order++) {
		struct policy_rules r;
		struct policy_store *s;
		uint16_t a, b, c, t;
		policy_rules_default(&r);
		r.numsources = 2;
		r.numtags = 1;
		r.numtags_action = POLICY_ACTION_NODATA;
		s = store_with(&r);
		if (order == 0) {
			policy_source_add(s, "deny1", POLICY_LIST_DENY, 0, &a);
			policy_source_add(s, "deny2", POLICY_LIST_DENY, 0, &b);
			policy_source_add(s, "doubt", POLICY_LIST_DOUBT, 0, &c);
			policy_source_add(s, "dns-tapir", POLICY_LIST_DOUBT, 0,
				&t);
		} else {
			policy_source_add(s, "dns-tapir", POLICY_LIST_DOUBT, 0,
				&t);
			policy_source_add(s, "doubt", POLICY_LIST_DOUBT, 0, &c);
			policy_source_add(s, "deny2", POLICY_LIST_DENY, 0, &b);
			policy_source_add(s, "deny1", POLICY_LIST_DENY, 0, &a);
		}
		put(s, a, "x.example", 0, 0, POLICY_ACTION_NODATA, 0);
		put(s, b, "x.example", 0, 0, POLICY_ACTION_DROP, 0);
		put(s, c, "y.example", 0, 0, 0, 0);
		put(s, t, "y.example", 0x1, 0, 0, 0);
		put(s, t, "z.example", 0x1, 0, 0, 0);
		for (i = 0; i < 4; i++) {
			d = decide(s, names[i]);
			if (order == 0) {
				first[i] = d;
				continue;
			}
			assert_int_equal(d.action, first[i].action);
			assert_int_equal(d.rule, first[i].rule);
		}
		policy_store_destroy(s);
	}
	assert_int_equal(first[0].action, POLICY_ACTION_DROP);
	assert_int_equal(first[1].action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(first[2].action, POLICY_ACTION_NODATA);
	assert_int_equal(first[3].action, POLICY_ACTION_NONE);
}

/* Exact vs subtree entries, subdomains sources, deeper beats shallower. */
static void
test_matching(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_decision d;
	uint16_t rpz, subs;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "rpz", POLICY_LIST_DENY, 0, &rpz);
	policy_source_add(s, "subs", POLICY_LIST_DENY,
		POLICY_SOURCE_SUBDOMAINS, &subs);
	/* *.evil.example: below only. */
	put(s, rpz, "evil.example", 0, 0, POLICY_ACTION_NODATA, 1);
	assert_int_equal(decide(s, "evil.example").action, POLICY_ACTION_NONE);
	d = decide(s, "a.b.evil.example");
	assert_int_equal(d.action, POLICY_ACTION_NODATA);
	assert_int_equal(d.subtree, 1);
	/* An exact entry beats the subtree entry in the same source. */
	put(s, rpz, "x.evil.example", 0, 0, POLICY_ACTION_DROP, 0);
	assert_int_equal(decide(s, "x.evil.example").action,
		POLICY_ACTION_DROP);
	assert_int_equal(decide(s, "x.evil.example").subtree, 0);
	/* A deeper subtree entry beats a shallower one. */
	put(s, rpz, "deep.evil.example", 0, 0, POLICY_ACTION_TCP_ONLY, 1);
	assert_int_equal(decide(s, "q.deep.evil.example").action,
		POLICY_ACTION_TCP_ONLY);
	/* match: subdomains: the name and everything below. */
	put(s, subs, "ads.example", 0, 0, 0, 0);
	assert_int_equal(decide(s, "ads.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(s, "a.b.c.ads.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(s, "notads.example").action,
		POLICY_ACTION_NONE);
	assert_int_equal(decide(s, "example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(s, ".").action, POLICY_ACTION_NONE);
	policy_store_destroy(s);
}

/* rpz-passthru exempts within its own source only; per-record actions
 * apply unless the source overrides them; local data comes through. */
static void
test_per_record_actions(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_decision d;
	struct policy_batch *b;
	struct policy_entry e = { 0 };
	static const uint8_t data[] = { 0, 1, 0, 4, 192, 0, 2, 7 };
	uint16_t rpz, other, ovr;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "rpz", POLICY_LIST_DENY, 0, &rpz);
	policy_source_add(s, "other", POLICY_LIST_DENY, 0, &other);
	policy_source_add(s, "ovr", POLICY_LIST_DENY,
		POLICY_SOURCE_ACTION_OVERRIDE, &ovr);
	put(s, rpz, "zone.example", 0, 0, POLICY_ACTION_NXDOMAIN, 1);
	put(s, rpz, "ok.zone.example", 0, 0, POLICY_ACTION_PASSTHRU, 0);
	/* Resolved normally, and said to be an rpz-passthru decision. */
	d = decide(s, "ok.zone.example");
	assert_int_equal(d.action, POLICY_ACTION_PASSTHRU);
	assert_int_equal(d.rule, POLICY_RULE_PASSTHRU);
	assert_int_equal(d.source, rpz);
	assert_int_equal(decide(s, "unlisted.example").rule,
		POLICY_RULE_NONE);
	assert_int_equal(decide(s, "bad.zone.example").action,
		POLICY_ACTION_NXDOMAIN);
	/* Another source still blocks the exempted name. */
	put(s, other, "ok.zone.example", 0, 0, 0, 0);
	d = decide(s, "ok.zone.example");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.source, other);
	/* Override: the list action, not the record's. */
	put(s, ovr, "o.example", 0, 0, POLICY_ACTION_DROP, 0);
	assert_int_equal(decide(s, "o.example").action,
		POLICY_ACTION_NXDOMAIN);
	/* Local data of a redirect record. */
	b = policy_batch_begin(s, rpz, 0);
	e.action = POLICY_ACTION_REDIRECT;
	e.data = data;
	e.data_len = sizeof(data);
	policy_batch_put(b, W("walled.example"), &e);
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	policy_read_begin(s, 1);
	policy_decide(s, W("walled.example"), 16, NOW, &d);
	assert_int_equal(d.action, POLICY_ACTION_REDIRECT);
	assert_int_equal(d.data_len, sizeof(data));
	assert_memory_equal(d.data, data, sizeof(data));
	policy_read_end(s, 1);
	policy_store_destroy(s);
}

/* Entries expire at exactly time_added + ttl. */
struct seen {
	char names[64][NAME_TEXT_MAX];
	int subtree[64];
	int n;
};

static void
record_change(void *arg, const uint8_t *name, int subtree)
{
	struct seen *seen = arg;

	if (seen->n < 64) {
		name_to_text(name, seen->names[seen->n], NAME_TEXT_MAX);
		seen->subtree[seen->n++] = subtree;
	}
}

static int
seen_has(const struct seen *seen, const char *name)
{
	int i;

	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->names[i], name) == 0)
			return 1;
	return 0;
}

static void
test_expiry(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct seen seen = { .n = 0 };
	uint16_t deny, allow, allow_sub;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	policy_source_add(s, "allow", POLICY_LIST_ALLOW, 0, &allow);
	policy_source_add(s, "allow-sub", POLICY_LIST_ALLOW,
		POLICY_SOURCE_SUBDOMAINS, &allow_sub);
	put(s, deny, "brief.example", 0, NOW + 2, 0, 0);
	put(s, deny, "forever.example", 0, 0, 0, 0);
	put(s, allow, "lapsing.example", 0, NOW + 2, 0, 0);
	put(s, allow_sub, "lapsing-tree.example", 0, NOW + 2, 0, 0);
	assert_int_equal(decide_at(s, "brief.example", NOW + 1).action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide_at(s, "brief.example", NOW + 2).action,
		POLICY_ACTION_NONE);
	assert_int_equal(policy_store_expire(s, NOW + 1, record_change,
		&seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(policy_store_expire(s, NOW + 2, record_change,
		&seen), 3);
	/* Only the lapsed allowlist names can block something cached;
	 * a match-subdomains source's name covers its subtree. */
	assert_int_equal(seen.n, 2);
	assert_true(seen_has(&seen, "lapsing.example."));
	assert_true(seen_has(&seen, "lapsing-tree.example."));
	assert_int_equal(seen.subtree[0] + seen.subtree[1], 1);
	assert_int_equal(seen.subtree[strcmp(seen.names[0],
		"lapsing-tree.example.") == 0 ? 0 : 1], 1);
	assert_int_equal(decide_at(s, "forever.example", NOW + 99999).action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide_at(s, "brief.example", NOW).action,
		POLICY_ACTION_NONE);
	/* Counted per source, for the operator's counters. */
	{
		struct policy_source_stats st;
		assert_int_equal(policy_store_source_stats(s, deny, &st), 0);
		assert_int_equal(st.expired, 1);
		assert_int_equal(policy_store_source_stats(s, allow_sub, &st),
			0);
		assert_int_equal(st.expired, 1);
	}
	policy_store_destroy(s);
}

/* Sources and rules on trial decide only in the monitor fields, which
 * differ from the decision or are empty; a source switched off decides
 * nothing, on trial or not, and keeps its entries. */
static void
test_monitor_and_switch(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_decision d;
	uint16_t deny, trial_deny, trial_allow, doubt, trial_doubt;

	(void)state;
	policy_rules_default(&r);
	r.numsources = 2;
	r.numsources_action = POLICY_ACTION_NODATA;
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	policy_source_add(s, "a-trial-deny", POLICY_LIST_DENY,
		POLICY_SOURCE_MONITOR, &trial_deny);
	policy_source_add(s, "trial-allow", POLICY_LIST_ALLOW,
		POLICY_SOURCE_MONITOR, &trial_allow);
	policy_source_add(s, "doubt", POLICY_LIST_DOUBT, 0, &doubt);
	policy_source_add(s, "trial-doubt", POLICY_LIST_DOUBT,
		POLICY_SOURCE_MONITOR, &trial_doubt);
	put(s, trial_deny, "new.example", 0, 0, POLICY_ACTION_DROP, 0);
	put(s, deny, "both.example", 0, 0, 0, 0);
	put(s, trial_deny, "both.example", 0, 0, 0, 0);
	put(s, deny, "ok.example", 0, 0, 0, 0);
	put(s, trial_allow, "ok.example", 0, 0, 0, 0);
	put(s, deny, "old.example", 0, 0, 0, 0);
	put(s, doubt, "two.example", 0, 0, 0, 0);
	put(s, trial_doubt, "two.example", 0, 0, 0, 0);

	/* Only the trial source has it: resolved, and what it would do. */
	d = decide(s, "new.example");
	assert_int_equal(d.action, POLICY_ACTION_NONE);
	assert_int_equal(d.source, -1);
	assert_int_equal(d.monitor_action, POLICY_ACTION_DROP);
	assert_int_equal(d.monitor_rule, POLICY_RULE_DENY);
	assert_int_equal(d.monitor_source, trial_deny);
	/* Both: blocked by the real one; the trial one, sorting first,
	 * would have been the one to say so. */
	d = decide(s, "both.example");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.source, deny);
	assert_int_equal(d.monitor_source, trial_deny);
	assert_int_equal(d.monitor_action, POLICY_ACTION_NXDOMAIN);
	/* A trial allowlist would let it through. */
	d = decide(s, "ok.example");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.monitor_action, POLICY_ACTION_PASSTHRU);
	assert_int_equal(d.monitor_rule, POLICY_RULE_ALLOW);
	assert_int_equal(d.monitor_source, trial_allow);
	/* Nothing on trial has it: no monitor decision. */
	d = decide(s, "old.example");
	assert_int_equal(d.monitor_rule, POLICY_RULE_NONE);
	assert_int_equal(d.monitor_action, POLICY_ACTION_NONE);
	assert_int_equal(d.monitor_source, -1);
	/* A trial doubtlist source counts only on trial. */
	d = decide(s, "two.example");
	assert_int_equal(d.action, POLICY_ACTION_NONE);
	assert_int_equal(d.doubt_matches, 1);
	assert_int_equal(d.monitor_action, POLICY_ACTION_NODATA);
	assert_int_equal(d.monitor_rule, POLICY_RULE_NUMSOURCES);

	/* Switched off: no decision, not even on trial; on again. */
	assert_int_equal(policy_source_set_enabled(s, deny, 0), 0);
	assert_false(policy_source_enabled(s, deny));
	assert_int_equal(decide(s, "old.example").action, POLICY_ACTION_NONE);
	d = decide(s, "both.example");
	assert_int_equal(d.action, POLICY_ACTION_NONE);
	assert_int_equal(d.monitor_source, trial_deny);
	assert_int_equal(policy_source_set_enabled(s, trial_deny, 0), 0);
	assert_int_equal(decide(s, "new.example").monitor_rule,
		POLICY_RULE_NONE);
	assert_int_equal(policy_source_set_enabled(s, deny, 1), 0);
	assert_int_equal(policy_source_set_enabled(s, trial_deny, 1), 0);
	assert_true(policy_source_enabled(s, deny));
	assert_int_equal(decide(s, "old.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(s, "new.example").monitor_action,
		POLICY_ACTION_DROP);
	assert_int_equal(policy_source_set_enabled(s, 40, 0), -1);
	assert_false(policy_source_enabled(s, 40));
	policy_store_destroy(s);

	/* A rule on trial: fires only there, as the least restrictive. */
	policy_rules_default(&r);
	r.numsources = 1;
	r.numsources_action = POLICY_ACTION_MONITOR;
	r.numtags = 2;
	r.numtags_action = POLICY_ACTION_NXDOMAIN;
	strcpy(r.tag_source, "tagged");
	s = store_with(&r);
	policy_source_add(s, "tagged", POLICY_LIST_DOUBT, 0, &doubt);
	put(s, doubt, "one.example", 0x1, 0, 0, 0);
	put(s, doubt, "three.example", 0x7, 0, 0, 0);
	d = decide(s, "one.example");
	assert_int_equal(d.action, POLICY_ACTION_NONE);
	assert_int_equal(d.rule, POLICY_RULE_NONE);
	assert_int_equal(d.monitor_action, POLICY_ACTION_MONITOR);
	assert_int_equal(d.monitor_rule, POLICY_RULE_NUMSOURCES);
	assert_int_equal(d.monitor_source, doubt);
	d = decide(s, "three.example");
	assert_int_equal(d.action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(d.rule, POLICY_RULE_NUMTAGS);
	assert_int_equal(d.monitor_rule, POLICY_RULE_NONE);
	policy_store_destroy(s);
}

/* Replace-all and deltas; changed() only for what may now block. */
static void
test_batches_and_changes(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_batch *b;
	struct policy_entry e = { 0 };
	struct policy_source_stats st;
	struct seen seen;
	uint16_t deny, allow;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	policy_source_add(s, "allow", POLICY_LIST_ALLOW, 0, &allow);
	b = policy_batch_begin(s, deny, 1);
	policy_batch_put(b, W("a.example"), &e);
	policy_batch_put(b, W("b.example"), &e);
	policy_batch_put(b, W("a.example"), &e);   /* duplicate */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 2);
	policy_store_source_stats(s, deny, &st);
	assert_int_equal(st.entries, 2);
	/* Replace: b stays, a goes, c comes: only c is reported. */
	b = policy_batch_begin(s, deny, 1);
	policy_batch_put(b, W("b.example"), &e);
	policy_batch_put(b, W("c.example"), &e);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_true(seen_has(&seen, "c.example."));
	assert_int_equal(decide(s, "a.example").action, POLICY_ACTION_NONE);
	/* Delta: remove b (not reported), add subtree d (reported as one). */
	b = policy_batch_begin(s, deny, 0);
	policy_batch_remove(b, W("b.example"), 0);
	e.subtree = 1;
	policy_batch_put(b, W("d.example"), &e);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_true(seen_has(&seen, "d.example."));
	assert_int_equal(seen.subtree[0], 1);
	assert_int_equal(decide(s, "b.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(s, "x.d.example").action,
		POLICY_ACTION_NXDOMAIN);
	policy_store_source_stats(s, deny, &st);
	assert_int_equal(st.entries, 2);
	/* Allowlist: adding is not reported, removing is. */
	e.subtree = 0;
	b = policy_batch_begin(s, allow, 0);
	policy_batch_put(b, W("c.example"), &e);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(decide(s, "c.example").action,
		POLICY_ACTION_PASSTHRU);
	del(s, allow, "c.example", 0);
	b = policy_batch_begin(s, allow, 1);
	memset(&seen, 0, sizeof(seen));
	policy_batch_put(b, W("c.example"), &e);
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	b = policy_batch_begin(s, allow, 1);
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_true(seen_has(&seen, "c.example."));
	assert_int_equal(decide(s, "c.example").action,
		POLICY_ACTION_NXDOMAIN);
	/* Empty batches, replace-all and delta, on an empty source (the
	 * override sources start so): a no-op, not an error. */
	{
		uint16_t empty;
		policy_source_add(s, "empty", POLICY_LIST_DENY, 0, &empty);
		assert_int_equal(policy_batch_commit(policy_batch_begin(s,
			empty, 1), NULL, NULL), 0);
		assert_int_equal(policy_batch_commit(policy_batch_begin(s,
			empty, 0), NULL, NULL), 0);
		assert_int_equal(policy_batch_commit(policy_batch_begin(s,
			empty, 1), NULL, NULL), 0);
	}
	/* Aborted batches change nothing. */
	b = policy_batch_begin(s, deny, 1);
	policy_batch_abort(b);
	assert_int_equal(decide(s, "c.example").action,
		POLICY_ACTION_NXDOMAIN);
	policy_store_destroy(s);
}

/* Many single-name deltas: tops fold into the mid level, mid levels are
 * merged into new bases in the background, deletions of names in every
 * level hold, and every name stays right throughout. */
static void
test_overlay_merge(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_source_stats st;
	char name[64];
	uint16_t deny;
	int i;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	for (i = 0; i < 12000; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		put(s, deny, name, (uint32_t)i, 0, 0, 0);
		if (i % 1000 == 999) {
			snprintf(name, sizeof(name), "n%d.example", i - 500);
			assert_int_equal(decide(s, name).action,
				POLICY_ACTION_NXDOMAIN);
		}
	}
	for (i = 0; i < 12000; i += 3) {
		snprintf(name, sizeof(name), "n%d.example", i);
		del(s, deny, name, 0);
	}
	/* Deleting what is not there changes nothing. */
	del(s, deny, "n0.example", 0);
	policy_store_source_stats(s, deny, &st);
	assert_int_equal(st.entries, 8000);
	for (i = 0; i < 12000; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(decide(s, name).action, i % 3 ?
			POLICY_ACTION_NXDOMAIN : POLICY_ACTION_NONE);
	}
	/* Re-adding a deleted name with new state. */
	put(s, deny, "n3.example", 0, 0, POLICY_ACTION_DROP, 0);
	assert_int_equal(decide(s, "n3.example").action, POLICY_ACTION_DROP);
	policy_store_destroy(s);
}

static void
fill(struct policy_batch *b, int from, int to, const char *fmt)
{
	struct policy_entry e = { 0 };
	char name[64];
	int i;

	for (i = from; i < to; i++) {
		snprintf(name, sizeof(name), fmt, i);
		assert_int_equal(policy_batch_put(b, W(name), &e), 0);
	}
}

/* Counts changed() calls; keeps whether the root's subtree came. */
struct tally {
	size_t calls;
	int everything;
};

static void
tally_change(void *arg, const uint8_t *name, int subtree)
{
	struct tally *t = arg;

	t->calls++;
	if (name[0] == 0 && subtree)
		t->everything = 1;
}

/* A commit that may make more names stricter than are worth listing
 * (a first load of a big feed) reports everything once, the root and
 * its subtree, instead of each name; a small one still lists its
 * names. */
static void
test_changes_too_many(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_batch *b;
	struct tally t = { 0 };
	uint16_t deny;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	b = policy_batch_begin(s, deny, 1);
	fill(b, 0, 300000, "n%d.example");
	assert_int_equal(policy_batch_commit(b, tally_change, &t), 0);
	assert_int_equal(t.calls, 1);
	assert_true(t.everything);
	assert_int_equal(decide(s, "n299999.example").action,
		POLICY_ACTION_NXDOMAIN);
	memset(&t, 0, sizeof(t));
	b = policy_batch_begin(s, deny, 0);
	fill(b, 0, 10, "m%d.example");
	assert_int_equal(policy_batch_commit(b, tally_change, &t), 0);
	assert_int_equal(t.calls, 10);
	assert_false(t.everything);
	policy_store_destroy(s);
}

/* A replace-all that changes a little is committed as a difference: the
 * omitted names go, changed and new ones are reported, unchanged ones
 * are not; one that changes much builds a new base; and a replace-all
 * wins over a delta committed while it was being filled. */
static void
test_replace_all_diff(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_batch *b, *late;
	struct policy_entry e = { 0 };
	struct policy_source_stats st;
	struct seen seen;
	uint16_t deny, allow;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	policy_source_add(s, "allow", POLICY_LIST_ALLOW, 0, &allow);
	b = policy_batch_begin(s, deny, 1);
	fill(b, 0, 2000, "d%d.example");
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	/* Small difference: d0..d9 omitted, d10 changed, two new. */
	b = policy_batch_begin(s, deny, 1);
	fill(b, 10, 2000, "d%d.example");
	e.action = POLICY_ACTION_DROP;
	policy_batch_put(b, W("d10.example"), &e);
	e.action = POLICY_ACTION_NONE;
	policy_batch_put(b, W("new1.example"), &e);
	e.subtree = 1;
	policy_batch_put(b, W("new2.example"), &e);
	e.subtree = 0;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_true(seen_has(&seen, "d10.example."));
	assert_true(seen_has(&seen, "new1.example."));
	assert_true(seen_has(&seen, "new2.example."));
	policy_store_source_stats(s, deny, &st);
	assert_int_equal(st.entries, 1992);
	assert_int_equal(decide(s, "d5.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(s, "d10.example").action, POLICY_ACTION_DROP);
	assert_int_equal(decide(s, "d11.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(s, "x.new2.example").action,
		POLICY_ACTION_NXDOMAIN);
	/* A name listed twice: the last state wins, even when the first
	 * was unchanged. */
	b = policy_batch_begin(s, deny, 1);
	fill(b, 10, 2000, "d%d.example");
	policy_batch_put(b, W("new1.example"), &e);
	policy_batch_put(b, W("new2.example"), &(struct policy_entry){
		.subtree = 1 });
	e.action = POLICY_ACTION_NODATA;
	policy_batch_put(b, W("d11.example"), &e);
	policy_batch_put(b, W("d12.example"), &e);
	e.action = POLICY_ACTION_NONE;
	policy_batch_put(b, W("d12.example"), &e);
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	assert_int_equal(decide(s, "d12.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(s, "d10.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(s, "d11.example").action,
		POLICY_ACTION_NODATA);
	/* Large difference: a new base. */
	b = policy_batch_begin(s, deny, 1);
	fill(b, 0, 1000, "other%d.example");
	fill(b, 1000, 2000, "d%d.example");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 64);   /* capped: 1000 new, d11 changed */
	policy_store_source_stats(s, deny, &st);
	assert_int_equal(st.entries, 2000);
	assert_int_equal(decide(s, "d999.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(s, "other5.example").action,
		POLICY_ACTION_NXDOMAIN);
	/* A delta committed while a replace-all fills is replaced too. */
	late = policy_batch_begin(s, deny, 1);
	fill(late, 0, 1000, "other%d.example");
	put(s, deny, "meanwhile.example", 0, 0, 0, 0);
	fill(late, 1000, 2000, "d%d.example");
	assert_int_equal(policy_batch_commit(late, NULL, NULL), 0);
	assert_int_equal(decide(s, "meanwhile.example").action,
		POLICY_ACTION_NONE);
	assert_int_equal(decide(s, "d1500.example").action,
		POLICY_ACTION_NXDOMAIN);
	/* Allowlist reload: what it drops is reported. */
	b = policy_batch_begin(s, allow, 1);
	fill(b, 0, 100, "a%d.example");
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	b = policy_batch_begin(s, allow, 1);
	fill(b, 1, 100, "a%d.example");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(policy_batch_commit(b, record_change, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_true(seen_has(&seen, "a0.example."));
	/* An aborted replace-all releases what it pinned (ASan). */
	b = policy_batch_begin(s, deny, 1);
	fill(b, 0, 10, "d%d.example");
	put(s, deny, "again.example", 0, 0, 0, 0);
	policy_batch_abort(b);
	assert_int_equal(decide(s, "again.example").action,
		POLICY_ACTION_NXDOMAIN);
	policy_store_destroy(s);
}

/* Several denylist sources with redirect records: the same answer and
 * the same local data whichever order the sources were added in. */
static void
test_redirect_order_independent(void **state)
{
	static const uint8_t da[] = { 1, 2, 3 }, db[] = { 4, 5, 6, 7 };
	struct policy_rules r;
	int order;

	(void)state;
	policy_rules_default(&r);
	for (order = 0; order < 2; order++) {
		struct policy_store *s = store_with(&r);
		struct policy_entry e = { .action = POLICY_ACTION_REDIRECT };
		struct policy_decision d;
		struct policy_batch *b;
		uint16_t a, z;
		if (order) {
			policy_source_add(s, "zz", POLICY_LIST_DENY, 0, &z);
			policy_source_add(s, "aa", POLICY_LIST_DENY, 0, &a);
		} else {
			policy_source_add(s, "aa", POLICY_LIST_DENY, 0, &a);
			policy_source_add(s, "zz", POLICY_LIST_DENY, 0, &z);
		}
		e.data = db;
		e.data_len = sizeof(db);
		b = policy_batch_begin(s, z, 0);
		policy_batch_put(b, W("r.example"), &e);
		assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
		e.data = da;
		e.data_len = sizeof(da);
		b = policy_batch_begin(s, a, 0);
		policy_batch_put(b, W("r.example"), &e);
		assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
		policy_read_begin(s, 0);
		policy_decide(s, W("r.example"), 11, NOW, &d);
		assert_int_equal(d.action, POLICY_ACTION_REDIRECT);
		assert_int_equal(d.source, a);
		assert_int_equal(d.data_len, sizeof(da));
		assert_memory_equal(d.data, da, sizeof(da));
		policy_read_end(s, 0);
		/* A more restrictive record elsewhere wins, without data. */
		put(s, z, "r.example", 0, 0, POLICY_ACTION_NODATA, 0);
		d = decide(s, "r.example");
		assert_int_equal(d.action, POLICY_ACTION_NODATA);
		assert_int_equal(d.source, z);
		assert_null(d.data);
		policy_store_destroy(s);
	}
}

static int released;

static int
index_match(void *ctx, const uint8_t *name, size_t len, int *subtree)
{
	(void)ctx;
	*subtree = 0;
	return len == 14 && memcmp(name, "\4dawg\7example", 14) == 0;
}

static void
index_release(void *ctx)
{
	(void)ctx;
	released++;
}

/* An external index answers for its source and is released when
 * replaced. */
static void
test_external_index(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_index idx = { index_match, index_release, NULL, 1, 0 };
	uint16_t allow, deny;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "well-known", POLICY_LIST_ALLOW, 0, &allow);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	put(s, deny, "dawg.example", 0, 0, 0, 0);
	assert_int_equal(decide(s, "dawg.example").action,
		POLICY_ACTION_NXDOMAIN);
	released = 0;
	assert_int_equal(policy_source_set_index(s, allow, &idx), 0);
	assert_int_equal(decide(s, "dawg.example").action,
		POLICY_ACTION_PASSTHRU);
	assert_int_equal(policy_source_set_index(s, allow, NULL), 0);
	assert_int_equal(released, 1);
	assert_int_equal(decide(s, "dawg.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(policy_source_set_index(s, allow, &idx), 0);
	policy_store_destroy(s);
	assert_int_equal(released, 2);
}

/* Readers deciding without locks while a writer moves a name between an
 * exact entry (drop) and a subtree entry of its parent (nodata), one
 * batch each way: a reader must always see one of the two states, never
 * both or neither, and never a freed table (ASan). */
struct stress {
	struct policy_store *s;
	unsigned reader;
	atomic_int stop;
	long decisions, torn, seen_drop, seen_nodata;
};

static void *
stress_reader(void *arg)
{
	struct stress *st = arg;
	uint8_t a[NAME_WIRE_MAX];
	size_t alen;

	name_from_text("a.flip.example", 14, a, &alen);
	while (!atomic_load(&st->stop)) {
		struct policy_decision d;
		policy_read_begin(st->s, st->reader);
		policy_decide(st->s, a, alen, NOW, &d);
		policy_read_end(st->s, st->reader);
		if (d.action == POLICY_ACTION_DROP)
			st->seen_drop++;
		else if (d.action == POLICY_ACTION_NODATA)
			st->seen_nodata++;
		else
			st->torn++;
		st->decisions++;
	}
	return NULL;
}

static void
test_concurrent_readers(void **state)
{
	struct policy_rules r;
	struct stress st[3];
	pthread_t tid[3];
	uint16_t deny;
	int i, round;
	struct policy_store *s;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	put(s, deny, "a.flip.example", 0, 0, POLICY_ACTION_DROP, 0);
	/* Filler, so that replace-alls are committed as differences and
	 * deltas pass through every level and background merges. */
	{
		struct policy_batch *b = policy_batch_begin(s, deny, 0);
		fill(b, 0, 3000, "f%d.example");
		assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	}
	for (i = 0; i < 3; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].s = s;
		st[i].reader = (unsigned)i;
		pthread_create(&tid[i], NULL, stress_reader, &st[i]);
	}
	for (round = 0; round < 6000; round++) {
		int to_subtree = round % 2 == 0;
		int replace = round % 100 == 99 || round % 100 == 50;
		struct policy_batch *b = policy_batch_begin(s, deny, replace);
		struct policy_entry e = { 0 };
		char filler[64];
		if (replace)
			fill(b, 0, 3000, "f%d.example");
		snprintf(filler, sizeof(filler), "g%d.example", round);
		policy_batch_put(b, W(filler), &e);
		if (to_subtree) {
			policy_batch_remove(b, W("a.flip.example"), 0);
			e.action = POLICY_ACTION_NODATA;
			e.subtree = 1;
			policy_batch_put(b, W("flip.example"), &e);
		} else {
			policy_batch_remove(b, W("flip.example"), 1);
			e.action = POLICY_ACTION_DROP;
			policy_batch_put(b, W("a.flip.example"), &e);
		}
		assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	}
	for (i = 0; i < 3; i++) {
		atomic_store(&st[i].stop, 1);
		pthread_join(tid[i], NULL);
		assert_int_equal(st[i].torn, 0);
		assert_true(st[i].decisions > 0);
	}
	policy_store_destroy(s);
}

/* Walk one source of a snapshot: every entry's name, each
 * "n<i>.example", is marked in seen (none twice); returns the count. */
static int
walk_count(const struct policy_snapshot *snap, uint16_t source, int64_t now,
	unsigned char *seen, int max)
{
	struct policy_snapshot_pos pos = { 0 };
	struct policy_entry e;
	const uint8_t *name;
	char text[NAME_TEXT_MAX];
	int n = 0, i;

	while (policy_snapshot_next(snap, source, now, &pos, &name, &e)) {
		assert_true(name_to_text(name, text, sizeof(text)) > 0);
		assert_int_equal(sscanf(text, "n%d.example.", &i), 1);
		assert_true(i >= 0 && i < max);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		n++;
	}
	/* The end stays the end. */
	assert_int_equal(policy_snapshot_next(snap, source, now, &pos, &name,
		&e), 0);
	return n;
}

/* A snapshot lists each live entry of every level once, without the
 * deleted or expired ones, and keeps doing so while the source is
 * replaced under it; it answers point lookups the same way. */
static void
test_snapshot(void **state)
{
	struct policy_rules r;
	struct policy_store *s;
	struct policy_snapshot *snap;
	struct policy_batch *b;
	unsigned char seen[3000];
	char name[64];
	uint16_t deny, doubt;
	int i;

	(void)state;
	policy_rules_default(&r);
	s = store_with(&r);
	policy_source_add(s, "deny", POLICY_LIST_DENY, 0, &deny);
	policy_source_add(s, "doubt", POLICY_LIST_DOUBT,
		POLICY_SOURCE_SUBDOMAINS, &doubt);
	assert_int_equal(policy_source_flags(s, doubt),
		POLICY_SOURCE_SUBDOMAINS);
	assert_int_equal(policy_source_flags(s, deny), 0);
	assert_int_equal(policy_source_flags(s, 99), 0);
	/* Base, mid and top levels: a replace-all, then deltas. */
	b = policy_batch_begin(s, deny, 1);
	fill(b, 0, 2000, "n%d.example");
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	for (i = 2000; i < 2700; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		put(s, deny, name, 0, 0, 0, 0);
	}
	for (i = 0; i < 2700; i += 10) {
		snprintf(name, sizeof(name), "n%d.example", i);
		del(s, deny, name, 0);
	}
	/* A changed name is listed once, from the level that has it. */
	put(s, deny, "n5.example", 0, 0, POLICY_ACTION_DROP, 0);
	put(s, deny, "n2999.example", 0, NOW - 1, 0, 0);
	put(s, deny, "n2998.example", 0, 0, 0, 1);
	snap = policy_snapshot_take(s);
	assert_non_null(snap);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(walk_count(snap, deny, NOW, seen, 3000),
		2700 - 270 + 1);
	assert_true(seen[5] && !seen[10] && !seen[2999] && seen[2998]);
	assert_int_equal(walk_count(snap, doubt, NOW, seen, 3000), 0);
	assert_int_equal(walk_count(snap, 7, NOW, seen, 3000), 0);
	assert_true(policy_snapshot_has(snap, deny, W("n5.example"), 0, NOW));
	assert_false(policy_snapshot_has(snap, deny, W("n5.example"), 1, NOW));
	assert_false(policy_snapshot_has(snap, deny, W("n10.example"), 0,
		NOW));
	assert_false(policy_snapshot_has(snap, deny, W("n2999.example"), 0,
		NOW));
	assert_true(policy_snapshot_has(snap, deny, W("n2999.example"), 0,
		NOW - 10));
	assert_true(policy_snapshot_has(snap, deny, W("n2998.example"), 1,
		NOW));
	assert_false(policy_snapshot_has(snap, deny, W("n2998.example"), 0,
		NOW));
	/* Replaced and emptied under the snapshot: it does not change. */
	b = policy_batch_begin(s, deny, 1);
	fill(b, 0, 5, "other%d.example");
	assert_int_equal(policy_batch_commit(b, NULL, NULL), 0);
	assert_int_equal(decide(s, "n5.example").action, POLICY_ACTION_NONE);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(walk_count(snap, deny, NOW, seen, 3000),
		2700 - 270 + 1);
	assert_true(policy_snapshot_has(snap, deny, W("n5.example"), 0, NOW));
	policy_snapshot_release(snap);
	policy_snapshot_release(NULL);
	/* A new one sees the new contents. */
	snap = policy_snapshot_take(s);
	assert_false(policy_snapshot_has(snap, deny, W("n5.example"), 0, NOW));
	assert_true(policy_snapshot_has(snap, deny, W("other3.example"), 0,
		NOW));
	policy_snapshot_release(snap);
	policy_store_destroy(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_deny_doubt_order),
		cmocka_unit_test(test_doubt_rules),
		cmocka_unit_test(test_source_order_independent),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_per_record_actions),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_monitor_and_switch),
		cmocka_unit_test(test_batches_and_changes),
		cmocka_unit_test(test_changes_too_many),
		cmocka_unit_test(test_overlay_merge),
		cmocka_unit_test(test_replace_all_diff),
		cmocka_unit_test(test_redirect_order_independent),
		cmocka_unit_test(test_external_index),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
