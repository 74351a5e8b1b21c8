/*
 * tests/unit/test_rpz.c - RPZ records as policy: every trigger kind,
 * subtree owners, local data, skipped trigger types, records outside the
 * zone, CNAME precedence; whole-zone and IXFR transactions with rollback,
 * decided by a real policy store; the saved zone; a prompt stop.
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
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "feeds/rpz/feed_rpz.h"
#include "feeds/rpz/rpz.h"
#include "module/policy/localdata.h"
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

/* The zone every test uses. */
#define ZONE "rpz.test."

static ldns_rr *
RR(const char *text)
{
	ldns_rr *rr = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 60, NULL, NULL),
		LDNS_STATUS_OK);
	return rr;
}

static struct rpz_record
parse(const char *text)
{
	struct rpz_record r;
	ldns_rr *rr = RR(text);
	const uint8_t *z = W(ZONE);

	rpz_record_parse(rr, z, name_wire_len(z), &r);
	ldns_rr_free(rr);
	return r;
}

static void
test_trigger_kinds(void **state)
{
	static const struct {
		const char *rr;
		enum policy_action action;
	} cases[] = {
		{ "a.example.rpz.test. CNAME .", POLICY_ACTION_NXDOMAIN },
		{ "a.example.rpz.test. CNAME *.", POLICY_ACTION_NODATA },
		{ "a.example.rpz.test. CNAME rpz-passthru.",
			POLICY_ACTION_PASSTHRU },
		{ "a.example.rpz.test. CNAME RPZ-Drop.", POLICY_ACTION_DROP },
		{ "a.example.rpz.test. CNAME rpz-tcp-only.",
			POLICY_ACTION_TCP_ONLY },
		{ "a.example.rpz.test. CNAME walled.example.",
			POLICY_ACTION_REDIRECT },
		{ "a.example.rpz.test. CNAME *.walled.example.",
			POLICY_ACTION_REDIRECT },
		{ "a.example.rpz.test. A 192.0.2.1", POLICY_ACTION_REDIRECT },
		{ "a.example.rpz.test. AAAA 2001:db8::1",
			POLICY_ACTION_REDIRECT },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct rpz_record r = parse(cases[i].rr);
		assert_int_equal(r.kind, RPZ_TRIGGER);
		assert_int_equal(r.action, cases[i].action);
		assert_int_equal(r.subtree, 0);
		assert_int_equal(r.name_len, name_wire_len(W("a.example.")));
		assert_memory_equal(r.name, W("a.example."), r.name_len);
	}
}

static void
test_subtree_and_case(void **state)
{
	struct rpz_record r = parse("*.Bad.EXAMPLE.rpz.TEST. CNAME .");

	(void)state;
	assert_int_equal(r.kind, RPZ_TRIGGER);
	assert_int_equal(r.subtree, 1);
	assert_memory_equal(r.name, W("bad.example."), name_wire_len(W("bad.example.")));
	/* "*" alone under the apex: everything below the root. */
	r = parse("*.rpz.test. CNAME .");
	assert_int_equal(r.kind, RPZ_TRIGGER);
	assert_int_equal(r.subtree, 1);
	assert_int_equal(r.name_len, 1);
	/* A "*" that is not the first label is an ordinary label. */
	r = parse("a.*.example.rpz.test. CNAME .");
	assert_int_equal(r.kind, RPZ_TRIGGER);
	assert_int_equal(r.subtree, 0);
}

static void
test_local_data_encoding(void **state)
{
	struct rpz_record r = parse("x.rpz.test. CNAME Walled.Example.");
	uint8_t a[4];

	(void)state;
	/* CNAME targets in canonical wire form. */
	assert_int_equal(r.type, LDNS_RR_TYPE_CNAME);
	assert_int_equal(r.rdlen, name_wire_len(W("walled.example.")));
	assert_memory_equal(r.rdata, W("walled.example."), r.rdlen);
	r = parse("x.rpz.test. A 192.0.2.7");
	inet_pton(AF_INET, "192.0.2.7", a);
	assert_int_equal(r.type, LDNS_RR_TYPE_A);
	assert_int_equal(r.rdlen, 4);
	assert_memory_equal(r.rdata, a, 4);
}

static void
test_skipped_and_outside(void **state)
{
	(void)state;
	assert_int_equal(parse("32.1.2.0.192.rpz-ip.rpz.test. CNAME .").kind,
		RPZ_UNSUPPORTED);
	assert_int_equal(parse("ns.example.rpz-nsdname.rpz.test. CNAME .")
		.kind, RPZ_UNSUPPORTED);
	assert_int_equal(parse("32.1.2.0.192.rpz-nsip.rpz.test. CNAME .")
		.kind, RPZ_UNSUPPORTED);
	assert_int_equal(parse("32.1.2.0.192.rpz-client-ip.rpz.test. CNAME .")
		.kind, RPZ_UNSUPPORTED);
	/* The label must be the one right below the apex. */
	assert_int_equal(parse("rpz-ip.example.rpz.test. CNAME .").kind,
		RPZ_TRIGGER);
	assert_int_equal(parse("a.example.other. CNAME .").kind, RPZ_OUTSIDE);
	assert_int_equal(parse("xrpz.test. CNAME .").kind, RPZ_OUTSIDE);
	assert_int_equal(parse("test. CNAME .").kind, RPZ_OUTSIDE);
	assert_int_equal(parse("rpz.test. SOA ns. h. 1 2 3 4 5").kind,
		RPZ_APEX);
	assert_int_equal(parse("rpz.test. NS ns.example.").kind, RPZ_APEX);
	assert_int_equal(parse("a.rpz.test. TXT \"x\"").kind, RPZ_IGNORED);
	assert_int_equal(parse("a.rpz.test. CH CNAME .").kind, RPZ_OUTSIDE);
}

/* ---- transactions against a store ---- */

struct fixture {
	struct policy_store *store;
	uint16_t src;
	struct rpz_zone *z;
	struct policy_batch *b;
	unsigned pending_asked;  /* pending() calls */
};

static int
fx_put(void *arg, const uint8_t *name, const struct policy_entry *e)
{
	struct fixture *fx = arg;

	return policy_batch_put(fx->b, name, e);
}

static int
fx_remove(void *arg, const uint8_t *name, int subtree)
{
	struct fixture *fx = arg;

	return policy_batch_remove(fx->b, name, subtree);
}

static int
fx_current(void *arg, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	struct fixture *fx = arg;

	return policy_source_get(fx->store, fx->src, name, subtree, e, data,
		cap);
}

static int
fx_pending(void *arg, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	struct fixture *fx = arg;

	fx->pending_asked++;
	return policy_batch_get(fx->b, name, subtree, e, data, cap);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct policy_rules r;
	const uint8_t *z = W(ZONE);

	policy_rules_default(&r);
	fx->store = policy_store_create(&r, 1);
	policy_source_add(fx->store, "rpz", POLICY_LIST_DENY, 0, &fx->src);
	fx->z = rpz_zone_create(z, name_wire_len(z));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rpz_zone_free(fx->z);
	policy_store_destroy(fx->store);
	free(fx);
	return 0;
}

/* Apply records as one transaction: "-" prefixed lines delete.  Commit
 * unless rollback is set. */
static void
apply(struct fixture *fx, int full, const char *const *rrs, int rollback)
{
	struct rpz_sink sink = { fx_put, fx_remove, fx_current, fx_pending,
		fx };
	size_t i;

	fx->b = policy_batch_begin(fx->store, fx->src, full);
	assert_non_null(fx->b);
	rpz_zone_begin(fx->z, full, &sink);
	for (i = 0; rrs[i]; i++) {
		ldns_rr *rr = RR(rrs[i] + (rrs[i][0] == '-'));
		if (rrs[i][0] == '-')
			assert_int_equal(rpz_zone_del(fx->z, rr), 0);
		else
			assert_int_equal(rpz_zone_add(fx->z, rr), 0);
		ldns_rr_free(rr);
	}
	assert_int_equal(rpz_zone_end(fx->z), 0);
	if (rollback) {
		policy_batch_abort(fx->b);
		rpz_zone_rollback(fx->z);
	} else {
		assert_int_equal(policy_batch_commit(fx->b, NULL, NULL), 0);
		rpz_zone_commit(fx->z);
	}
	fx->b = NULL;
}

static struct policy_decision
decide(struct fixture *fx, const char *name)
{
	struct policy_decision d;
	const uint8_t *w = W(name);

	policy_read_begin(fx->store, 0);
	policy_decide(fx->store, w, name_wire_len(w), NOW, &d);
	policy_read_end(fx->store, 0);
	return d;
}

/* The addresses of a redirect decision, as "A 1.2.3.4 AAAA ::1 ". */
static const char *
data_text(struct fixture *fx, const char *name)
{
	static char out[512];
	struct policy_decision d;
	const uint8_t *w = W(name), *rd;
	size_t pos = 0, n = 0;
	uint16_t type, len;

	out[0] = 0;
	policy_read_begin(fx->store, 0);
	policy_decide(fx->store, w, name_wire_len(w), NOW, &d);
	while (d.data && localdata_next(d.data, d.data_len, &pos, &type, &rd,
	    &len)) {
		char t[NAME_TEXT_MAX];
		if (type == LDNS_RR_TYPE_A)
			inet_ntop(AF_INET, rd, t, sizeof(t));
		else if (type == LDNS_RR_TYPE_AAAA)
			inet_ntop(AF_INET6, rd, t, sizeof(t));
		else
			name_to_text(rd, t, sizeof(t));
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s %s ",
			type == LDNS_RR_TYPE_A ? "A" : type ==
			LDNS_RR_TYPE_AAAA ? "AAAA" : "CNAME", t);
	}
	policy_read_end(fx->store, 0);
	return out;
}

static const char *const zone1[] = {
	"rpz.test. SOA ns. host. 1 3600 600 86400 60",
	"rpz.test. NS ns.example.",
	"nx.example.rpz.test. CNAME .",
	"nodata.example.rpz.test. CNAME *.",
	"drop.example.rpz.test. CNAME rpz-drop.",
	"tcp.example.rpz.test. CNAME rpz-tcp-only.",
	"*.bad.example.rpz.test. CNAME .",
	"ok.bad.example.rpz.test. CNAME rpz-passthru.",
	"web.example.rpz.test. A 192.0.2.1",
	"web.example.rpz.test. A 192.0.2.2",
	"web.example.rpz.test. AAAA 2001:db8::1",
	"cn.example.rpz.test. CNAME Walled.Example.",
	"32.1.2.0.192.rpz-ip.rpz.test. CNAME .",
	"outside.example. CNAME .",
	/* CNAME wins over other data, in either order. */
	"mix1.example.rpz.test. A 192.0.2.9",
	"mix1.example.rpz.test. CNAME .",
	"mix2.example.rpz.test. CNAME *.",
	"mix2.example.rpz.test. A 192.0.2.9",
	/* An owner whose records are not together. */
	"split.example.rpz.test. A 192.0.2.3",
	"nx2.example.rpz.test. CNAME .",
	"split.example.rpz.test. A 192.0.2.4",
	NULL
};

static void
test_full_zone(void **state)
{
	struct fixture *fx = *state;
	const struct rpz_counts *c;

	apply(fx, 1, zone1, 0);
	c = rpz_zone_counts(fx->z);
	assert_int_equal(c->unsupported, 1);
	assert_int_equal(c->outside, 1);
	assert_int_equal(rpz_zone_entries(fx->z), 12);
	assert_int_equal(decide(fx, "nx.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "NX.Example.").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "nodata.example").action,
		POLICY_ACTION_NODATA);
	assert_int_equal(decide(fx, "drop.example").action, POLICY_ACTION_DROP);
	assert_int_equal(decide(fx, "tcp.example").action,
		POLICY_ACTION_TCP_ONLY);
	/* Subtree: strictly below. */
	assert_int_equal(decide(fx, "x.bad.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "a.b.bad.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "bad.example").action, POLICY_ACTION_NONE);
	/* rpz-passthru exempts it within the source: resolved normally. */
	assert_int_equal(decide(fx, "ok.bad.example").action,
		POLICY_ACTION_PASSTHRU);
	assert_int_equal(decide(fx, "web.example").action,
		POLICY_ACTION_REDIRECT);
	assert_string_equal(data_text(fx, "web.example"),
		"A 192.0.2.1 A 192.0.2.2 AAAA 2001:db8::1 ");
	assert_string_equal(data_text(fx, "cn.example"),
		"CNAME walled.example. ");
	assert_int_equal(decide(fx, "mix1.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "mix2.example").action,
		POLICY_ACTION_NODATA);
	assert_string_equal(data_text(fx, "split.example"),
		"A 192.0.2.3 A 192.0.2.4 ");
	assert_int_equal(decide(fx, "outside.example").action,
		POLICY_ACTION_NONE);
}

static void
test_ixfr_delta(void **state)
{
	struct fixture *fx = *state;
	static const char *const delta[] = {
		/* Delete one A of three, a CNAME, a record we never had. */
		"-web.example.rpz.test. A 192.0.2.2",
		"-nx.example.rpz.test. CNAME .",
		"-nothere.example.rpz.test. CNAME .",
		"-nodata.example.rpz.test. CNAME *.",
		/* Add a new name and change one. */
		"new.example.rpz.test. CNAME rpz-drop.",
		"nodata.example.rpz.test. CNAME .",
		"*.sub.example.rpz.test. CNAME *.",
		NULL
	};
	static const char *const delta2[] = {
		"-web.example.rpz.test. A 192.0.2.1",
		"-web.example.rpz.test. AAAA 2001:db8::1",
		"-*.sub.example.rpz.test. CNAME *.",
		"drop.example.rpz.test. A 192.0.2.5",
		NULL
	};

	apply(fx, 1, zone1, 0);
	apply(fx, 0, delta, 0);
	assert_string_equal(data_text(fx, "web.example"),
		"A 192.0.2.1 AAAA 2001:db8::1 ");
	assert_int_equal(decide(fx, "nx.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(fx, "new.example").action, POLICY_ACTION_DROP);
	assert_int_equal(decide(fx, "nodata.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "a.sub.example").action,
		POLICY_ACTION_NODATA);
	assert_int_equal(rpz_zone_entries(fx->z), 13);
	apply(fx, 0, delta2, 0);
	assert_int_equal(decide(fx, "web.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(fx, "a.sub.example").action,
		POLICY_ACTION_NONE);
	/* An address added to a CNAME owner changes nothing. */
	assert_int_equal(decide(fx, "drop.example").action, POLICY_ACTION_DROP);
	assert_int_equal(rpz_zone_entries(fx->z), 11);
}

static void
test_rollback(void **state)
{
	struct fixture *fx = *state;
	static const char *const zone2[] = {
		"rpz.test. SOA ns. host. 2 3600 600 86400 60",
		"nx.example.rpz.test. CNAME rpz-drop.",
		"other.example.rpz.test. CNAME .",
		NULL
	};
	static const char *const delta[] = {
		"-web.example.rpz.test. A 192.0.2.2",
		"-nx.example.rpz.test. CNAME .",
		"x.example.rpz.test. CNAME .",
		NULL
	};

	apply(fx, 1, zone1, 0);
	apply(fx, 1, zone2, 1);
	apply(fx, 0, delta, 1);
	assert_int_equal(rpz_zone_entries(fx->z), 12);
	assert_int_equal(decide(fx, "nx.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "other.example").action,
		POLICY_ACTION_NONE);
	assert_int_equal(decide(fx, "x.example").action, POLICY_ACTION_NONE);
	/* The view is intact: a later delta sees the old state. */
	apply(fx, 0, delta, 0);
	assert_string_equal(data_text(fx, "web.example"),
		"A 192.0.2.1 AAAA 2001:db8::1 ");
	/* A committed whole zone drops what it does not list. */
	apply(fx, 1, zone2, 0);
	assert_int_equal(rpz_zone_entries(fx->z), 2);
	assert_int_equal(decide(fx, "nx.example").action, POLICY_ACTION_DROP);
	assert_int_equal(decide(fx, "web.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(fx, "x.bad.example").action,
		POLICY_ACTION_NONE);
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The source's entries as zone lines, sorted: the policy the store holds
 * for the zone, whatever its order inside. */
static char *
zone_text(struct fixture *fx)
{
	char *buf = NULL, *line, *save = NULL, *lines[256], *text;
	size_t size = 0, n = 0, i, len = 0;
	FILE *out = open_memstream(&buf, &size);
	struct policy_snapshot *snap;
	struct policy_snapshot_pos pos = { 0, 0 };
	struct policy_entry e;
	const uint8_t *name;

	assert_non_null(out);
	assert_non_null(snap = policy_snapshot_take(fx->store));
	while (policy_snapshot_next(snap, fx->src, 0, &pos, &name, &e))
		assert_int_equal(rpz_zone_write_entry(fx->z, name, &e, out), 0);
	policy_snapshot_release(snap);
	fclose(out);
	for (line = strtok_r(buf, "\n", &save); line && n < 256;
	    line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	qsort(lines, n, sizeof(*lines), line_cmp);
	assert_non_null(text = malloc(size + 2));
	text[0] = 0;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s\n", lines[i]);
	free(buf);
	return text;
}

/* An IXFR whose deletions and additions of an owner are apart, reads
 * each owner's entry in force once and builds on what it changed; a
 * rolled-back one leaves the store's source exactly as it was. */
static void
test_ixfr_spread(void **state)
{
	struct fixture *fx = *state;
	static const char *const delta[] = {
		"-web.example.rpz.test. A 192.0.2.1",
		/* Deleted and added again as another kind of record. */
		"-nx.example.rpz.test. CNAME .",
		"nx.example.rpz.test. A 192.0.2.7",
		/* web again, apart from its first record. */
		"web.example.rpz.test. A 192.0.2.9",
		/* Deleted and added as it was. */
		"-drop.example.rpz.test. CNAME rpz-drop.",
		"drop.example.rpz.test. CNAME rpz-drop.",
		"-web.example.rpz.test. AAAA 2001:db8::1",
		"-nx2.example.rpz.test. CNAME .",
		"nx2.example.rpz.test. CNAME *.",
		"-split.example.rpz.test. A 192.0.2.3",
		"-nx.example.rpz.test. A 192.0.2.7",
		"-split.example.rpz.test. A 192.0.2.4",
		"nx.example.rpz.test. A 192.0.2.8",
		NULL
	};
	static const char *const broken[] = {
		"-web.example.rpz.test. A 192.0.2.2",
		"-nx.example.rpz.test. A 192.0.2.8",
		"nx.example.rpz.test. CNAME rpz-drop.",
		"gone.example.rpz.test. CNAME .",
		"-web.example.rpz.test. A 192.0.2.9",
		"-cn.example.rpz.test. CNAME walled.example.",
		NULL
	};
	char *before, *after;

	apply(fx, 1, zone1, 0);
	apply(fx, 0, delta, 0);
	assert_string_equal(data_text(fx, "web.example"),
		"A 192.0.2.2 A 192.0.2.9 ");
	assert_string_equal(data_text(fx, "nx.example"), "A 192.0.2.8 ");
	assert_int_equal(decide(fx, "drop.example").action, POLICY_ACTION_DROP);
	assert_int_equal(decide(fx, "nx2.example").action,
		POLICY_ACTION_NODATA);
	assert_int_equal(decide(fx, "split.example").action,
		POLICY_ACTION_NONE);
	assert_int_equal(rpz_zone_entries(fx->z), 11);

	before = zone_text(fx);
	apply(fx, 0, broken, 1);
	after = zone_text(fx);
	assert_string_equal(before, after);
	assert_int_equal(rpz_zone_entries(fx->z), 11);
	free(after);
	/* The same delta committed: web and cn gone, gone.example added. */
	apply(fx, 0, broken, 0);
	assert_int_equal(decide(fx, "web.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(fx, "cn.example").action, POLICY_ACTION_NONE);
	assert_int_equal(decide(fx, "nx.example").action, POLICY_ACTION_DROP);
	assert_int_equal(rpz_zone_entries(fx->z), 10);
	after = zone_text(fx);
	assert_string_not_equal(before, after);
	free(before);
	free(after);
}

/* A zone in canonical order, as primaries send it, asks pending() for
 * nothing; an owner listed again later, apart, gets the records it had
 * before, and a CNAME the owner had still wins over a later address. */
static void
test_zone_order(void **state)
{
	struct fixture *fx = *state;
	static const char *const ordered[] = {
		"a.example.rpz.test. A 192.0.2.1",
		"a.example.rpz.test. A 192.0.2.2",
		"*.a.example.rpz.test. CNAME .",
		"b.a.example.rpz.test. CNAME rpz-drop.",
		"b.example.rpz.test. CNAME *.",
		"c.example.rpz.test. AAAA 2001:db8::1",
		NULL
	};
	static const char *const apart[] = {
		"a.example.rpz.test. A 192.0.2.1",
		"b.example.rpz.test. CNAME .",
		"c.example.rpz.test. CNAME *.",
		"a.example.rpz.test. A 192.0.2.2",
		"b.example.rpz.test. A 192.0.2.3",
		"d.example.rpz.test. CNAME rpz-drop.",
		NULL
	};

	apply(fx, 1, ordered, 0);
	assert_int_equal(fx->pending_asked, 0);
	assert_int_equal(rpz_zone_entries(fx->z), 5);
	assert_string_equal(data_text(fx, "a.example"),
		"A 192.0.2.1 A 192.0.2.2 ");
	assert_int_equal(decide(fx, "x.a.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "b.a.example").action, POLICY_ACTION_DROP);
	apply(fx, 1, apart, 0);
	assert_true(fx->pending_asked > 0);
	assert_int_equal(rpz_zone_entries(fx->z), 4);
	assert_string_equal(data_text(fx, "a.example"),
		"A 192.0.2.1 A 192.0.2.2 ");
	assert_int_equal(decide(fx, "b.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "c.example").action, POLICY_ACTION_NODATA);
	assert_int_equal(decide(fx, "d.example").action, POLICY_ACTION_DROP);
	assert_int_equal(decide(fx, "x.a.example").action, POLICY_ACTION_NONE);
}

/* The zone written from the store reads back as the same policy. */
static void
test_write_roundtrip(void **state)
{
	struct fixture *fx = *state;
	char *buf = NULL, *line, *save = NULL;
	size_t size = 0;
	const char *lines[64];
	size_t n = 0;
	FILE *out;
	struct policy_snapshot *snap;
	struct policy_snapshot_pos pos = { 0, 0 };
	struct policy_entry e;
	const uint8_t *name;

	apply(fx, 1, zone1, 0);
	out = open_memstream(&buf, &size);
	assert_non_null(snap = policy_snapshot_take(fx->store));
	while (policy_snapshot_next(snap, fx->src, 0, &pos, &name, &e))
		assert_int_equal(rpz_zone_write_entry(fx->z, name, &e, out), 0);
	policy_snapshot_release(snap);
	fclose(out);
	for (line = strtok_r(buf, "\n", &save); line && n < 63;
	    line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	lines[n] = NULL;
	assert_int_equal(n, 15);
	apply(fx, 1, lines, 0);
	free(buf);
	assert_int_equal(rpz_zone_entries(fx->z), 12);
	assert_string_equal(data_text(fx, "web.example"),
		"A 192.0.2.1 A 192.0.2.2 AAAA 2001:db8::1 ");
	assert_int_equal(decide(fx, "x.bad.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "ok.bad.example").action,
		POLICY_ACTION_PASSTHRU);
	assert_int_equal(decide(fx, "tcp.example").action,
		POLICY_ACTION_TCP_ONLY);
}

/* ---- the feed without a primary ---- */

static void
feed_params(struct fixture *fx, struct feed_rpz_params *p, const char *file)
{
	struct sockaddr_in *a = (struct sockaddr_in *)&p->primaries[0];

	memset(p, 0, sizeof(*p));
	p->source_name = "rpz";
	memcpy(p->zone, W(ZONE), name_wire_len(W(ZONE)));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->primary_lens[0] = sizeof(*a);
	p->num_primaries = 1;
	p->tsig_name = "key";
	p->tsig_algorithm = "hmac-sha256";
	p->tsig_secret = "c2VjcmV0c2VjcmV0c2VjcmV0";
	p->refresh_min = 1;
	p->refresh_max = 60;
	p->max_transfer_bytes = 1 << 20;
	p->transfer_timeout = 30;
	p->zone_file = file;
	p->store = fx->store;
	p->source = fx->src;
}

static void
test_saved_zone(void **state)
{
	struct fixture *fx = *state;
	char path[] = "test_rpz.XXXXXX";
	struct feed_rpz_params p;
	struct feed_rpz_stats st;
	struct feed_rpz *f;
	char cmd[128];
	FILE *out;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	fputs("rpz.test. 60 IN SOA ns. host. 7 3600 600 86400 60\n"
		"; a comment\n"
		"nx.example.rpz.test. 60 IN CNAME .\n"
		"*.bad.example.rpz.test. 60 IN CNAME rpz-drop.\n"
		"web.example.rpz.test. 60 IN A 192.0.2.1\n", out);
	fclose(out);
	feed_params(fx, &p, path);
	f = feed_rpz_create(&p);
	assert_non_null(f);
	assert_int_equal(feed_rpz_load_saved(f), 0);
	feed_rpz_get_stats(f, &st);
	assert_int_equal(st.serial, 7);
	assert_int_equal(st.entries, 3);
	assert_int_equal(decide(fx, "nx.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "a.bad.example").action,
		POLICY_ACTION_DROP);
	assert_string_equal(data_text(fx, "web.example"), "A 192.0.2.1 ");
	feed_rpz_destroy(f);

	/* A bad record costs that record: the others load, and the bad
	 * one is counted and shown as the last error. */
	out = fopen(path, "w");
	fputs("rpz.test. 60 IN SOA ns. host. 8 3600 600 86400 60\n"
		"before.example.rpz.test. 60 IN CNAME .\n"
		"bad.example.rpz.test. 60 IN A 192.0.2.300\n"
		"after.example.rpz.test. 60 IN CNAME rpz-drop.\n"
		"last.example.rpz.test. 60 IN AAAA zz", out);
	fclose(out);
	f = feed_rpz_create(&p);
	assert_int_equal(feed_rpz_load_saved(f), 0);
	feed_rpz_get_stats(f, &st);
	assert_int_equal(st.serial, 8);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.bad_records, 2);
	assert_int_equal(st.state_broken, 0);
	assert_non_null(strstr(st.last_error, "2 bad records skipped"));
	feed_rpz_destroy(f);
	assert_int_equal(decide(fx, "before.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(decide(fx, "after.example").action,
		POLICY_ACTION_DROP);
	assert_int_equal(decide(fx, "nx.example").action, POLICY_ACTION_NONE);
	assert_int_equal(access(path, F_OK), 0);

	/* A file without the SOA first is refused, and kept aside before
	 * the next transfer replaces it; the policy stays. */
	out = fopen(path, "w");
	fputs("nx.example.rpz.test. 60 IN CNAME rpz-drop.\n", out);
	fclose(out);
	f = feed_rpz_create(&p);
	assert_int_equal(feed_rpz_load_saved(f), -1);
	feed_rpz_get_stats(f, &st);
	assert_int_equal(st.state_broken, 1);
	feed_rpz_destroy(f);
	assert_int_equal(decide(fx, "before.example").action,
		POLICY_ACTION_NXDOMAIN);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(cmd, sizeof(cmd), "test -f %s.broken-* && rm %s.broken-*",
		path, path);
	assert_int_equal(system(cmd), 0);
}

/* A primary that accepts the connection and never answers: destroy
 * still returns within a second. */
static void
test_prompt_stop(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct feed_rpz_params p;
	struct feed_rpz *f;
	struct timespec t0, t1;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	double ms;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	getsockname(lfd, (struct sockaddr *)&a, &alen);
	feed_params(fx, &p, NULL);
	memcpy(&p.primaries[0], &a, sizeof(a));
	p.primary_lens[0] = sizeof(a);
	f = feed_rpz_create(&p);
	assert_int_equal(feed_rpz_start(f), 0);
	usleep(300 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	feed_rpz_destroy(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 1000);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trigger_kinds),
		cmocka_unit_test(test_subtree_and_case),
		cmocka_unit_test(test_local_data_encoding),
		cmocka_unit_test(test_skipped_and_outside),
		cmocka_unit_test_setup_teardown(test_full_zone, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_delta, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_spread, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_zone_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_write_roundtrip, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_saved_zone, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_prompt_stop, setup,
			teardown),
	};

	return cmocka_run_group_tests_name("rpz", tests, NULL, NULL);
}
