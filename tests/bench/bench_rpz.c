/*
 * tests/bench/bench_rpz.c - how fast an RPZ transfer is applied, and
 * what it costs in memory.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * No primary: the transfer is an in-memory stream of DNS messages (as a
 * primary sends them, ~64 KB each) that goes through the feed's own path,
 * ldns_wire2pkt(), the zone view and one policy batch, then the commit.
 * The network and TSIG are not measured (TSIG is one HMAC per message).
 *
 *   bench_rpz [NAMES [CHANGES]]     default 1000000 and 10000
 *
 * Prints the time to apply the whole zone (first load, then a reload
 * with 1% changed), the time to apply an IXFR of CHANGES changes (half
 * deletions, half additions), the time to save and to load the zone
 * file, and the process's resident memory before, at the peak during,
 * and after each step.
 */
#include "tapir_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "feeds/rpz/feed_rpz.h"
#include "feeds/rpz/rpz.h"
#include "module/base/names.h"
#include "module/policy/policy.h"
#include "tests/bench/bench.h"

#define MSG_MAX 65535
#define ZONE "rpz.bench."

static uint8_t zone_wire[NAME_WIRE_MAX];
static size_t zone_len;
static size_t peak_rss;

/* Start measuring the peak (bench.h); where VmHWM cannot be reset,
 * samples taken per message stand in. */
static size_t
peak_begin(void)
{
	peak_rss = (size_t)peak_start();
	return peak_rss;
}

static void
sample(void)
{
	size_t r = (size_t)rss_kb();

	if (r > peak_rss)
		peak_rss = r;
}

static size_t
peak_kb(void)
{
	size_t hwm = (size_t)status_kb("VmHWM");

	return hwm > peak_rss ? hwm : peak_rss;
}

/* A DNS message being written by hand (the primary's side). */
struct msg {
	uint8_t buf[MSG_MAX];
	size_t len;
	unsigned count;
};

static void
msg_start(struct msg *m)
{
	memset(m->buf, 0, 12);
	m->buf[2] = 0x84;   /* QR, AA */
	m->len = 12;
	m->count = 0;
}

/* Append owner "label.zone." with a record; 0 if the message is full. */
static int
msg_add(struct msg *m, const char *label, uint16_t type, const uint8_t *rdata,
	uint16_t rdlen)
{
	size_t ll = strlen(label), need = 1 + ll + zone_len + 10 + rdlen;
	uint8_t *p;

	if (m->len + need > MSG_MAX)
		return 0;
	p = m->buf + m->len;
	*p++ = (uint8_t)ll;
	memcpy(p, label, ll);
	p += ll;
	memcpy(p, zone_wire, zone_len);
	p += zone_len;
	*p++ = (uint8_t)(type >> 8);
	*p++ = (uint8_t)type;
	*p++ = 0;
	*p++ = 1;           /* IN */
	memset(p, 0, 3);
	p[3] = 60;
	p += 4;
	*p++ = (uint8_t)(rdlen >> 8);
	*p++ = (uint8_t)rdlen;
	memcpy(p, rdata, rdlen);
	m->len += need;
	m->count++;
	m->buf[6] = (uint8_t)(m->count >> 8);
	m->buf[7] = (uint8_t)m->count;
	return 1;
}

struct run {
	struct policy_store *store;
	uint16_t src;
	struct rpz_zone *z;
	struct policy_batch *b;
	int del;            /* the records are deletions */
};

static int
sink_put(void *arg, const uint8_t *name, const struct policy_entry *e)
{
	return policy_batch_put(((struct run *)arg)->b, name, e);
}

static int
sink_remove(void *arg, const uint8_t *name, int subtree)
{
	return policy_batch_remove(((struct run *)arg)->b, name, subtree);
}

static int
sink_current(void *arg, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	struct run *r = arg;

	return policy_source_get(r->store, r->src, name, subtree, e, data,
		cap);
}

static int
sink_pending(void *arg, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	return policy_batch_get(((struct run *)arg)->b, name, subtree, e,
		data, cap);
}

/* What the feed does with one received message. */
static void
apply_msg(struct run *r, struct msg *m)
{
	ldns_pkt *pkt = NULL;
	size_t i;

	if (!m->count)
		return;
	if (ldns_wire2pkt(&pkt, m->buf, m->len) != LDNS_STATUS_OK) {
		fprintf(stderr, "bench: bad message\n");
		exit(1);
	}
	for (i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(pkt)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), i);
		if ((r->del ? rpz_zone_del(r->z, rr) :
		    rpz_zone_add(r->z, rr)) != 0) {
			fprintf(stderr, "bench: out of memory\n");
			exit(1);
		}
	}
	ldns_pkt_free(pkt);
	msg_start(m);
	sample();
}

/* Name i's record: every tenth an address, the rest CNAME . ; variant
 * changes the action of one name in a hundred.  Labels of one width, so
 * that the names' order is the zone's canonical order, as a primary
 * sends them. */
static void
add_name(struct run *r, struct msg *m, unsigned i, unsigned variant)
{
	static const uint8_t root = 0, star[] = { 1, '*', 0 };
	uint8_t a[4] = { 192, 0, 2, (uint8_t)i };
	char label[32];

	snprintf(label, sizeof(label), "n%08u", i);
	for (;;) {
		int ok;
		if (i % 10 == 0)
			ok = msg_add(m, label, LDNS_RR_TYPE_A, a, 4);
		else if (variant && i % 100 == 1)
			ok = msg_add(m, label, LDNS_RR_TYPE_CNAME, star, 3);
		else
			ok = msg_add(m, label, LDNS_RR_TYPE_CNAME, &root, 1);
		if (ok)
			return;
		apply_msg(r, m);
	}
}

static double
full_transfer(struct run *r, unsigned names, unsigned variant,
	struct msg *m)
{
	struct rpz_sink sink = { sink_put, sink_remove, sink_current,
		sink_pending, r };
	double t0 = now_s();
	unsigned i;

	r->b = policy_batch_begin(r->store, r->src, 1);
	rpz_zone_begin(r->z, 1, &sink);
	r->del = 0;
	msg_start(m);
	for (i = 0; i < names; i++)
		add_name(r, m, i, variant);
	apply_msg(r, m);
	if (rpz_zone_end(r->z) != 0 ||
	    policy_batch_commit(r->b, NULL, NULL) != 0) {
		fprintf(stderr, "bench: commit failed\n");
		exit(1);
	}
	rpz_zone_commit(r->z);
	return now_s() - t0;
}

static double
ixfr(struct run *r, unsigned names, unsigned changes, struct msg *m)
{
	struct rpz_sink sink = { sink_put, sink_remove, sink_current,
		sink_pending, r };
	double t0 = now_s();
	unsigned i;

	r->b = policy_batch_begin(r->store, r->src, 0);
	rpz_zone_begin(r->z, 0, &sink);
	msg_start(m);
	/* Deletions of existing names (only the CNAME ones), then as many
	 * additions of new names, as RFC 1995 orders them. */
	r->del = 1;
	for (i = 0; i < changes / 2; i++)
		add_name(r, m, i * 10 + 3, 0);
	apply_msg(r, m);
	r->del = 0;
	for (i = 0; i < changes - changes / 2; i++)
		add_name(r, m, names + i * 10 + 3, 0);
	apply_msg(r, m);
	if (rpz_zone_end(r->z) != 0 ||
	    policy_batch_commit(r->b, NULL, NULL) != 0) {
		fprintf(stderr, "bench: commit failed\n");
		exit(1);
	}
	rpz_zone_commit(r->z);
	return now_s() - t0;
}

static void
report(const char *what, double secs, size_t before)
{
	size_t after = (size_t)rss_kb();

	peak_rss = peak_kb();
	printf("%-34s %8.1f ms   RSS before %6zu MiB, peak %6zu MiB "
		"(%.2fx after), after %6zu MiB\n", what, secs * 1e3,
		before / 1024, peak_rss / 1024,
		after ? (double)peak_rss / (double)after : 0.0, after / 1024);
}

int
main(int argc, char **argv)
{
	unsigned names = argc > 1 ? (unsigned)atoi(argv[1]) : 1000000;
	unsigned changes = argc > 2 ? (unsigned)atoi(argv[2]) : 10000;
	struct msg *m = malloc(sizeof(*m));
	struct policy_rules rules;
	struct run r = { 0 };
	struct feed_rpz_params p;
	struct feed_rpz *f;
	char path[] = "bench_rpz.zone.XXXXXX";
	size_t before;
	double t;
	FILE *out;
	int fd;

	name_from_text(ZONE, strlen(ZONE), zone_wire, &zone_len);
	policy_rules_default(&rules);
	r.store = policy_store_create(&rules, 1);
	policy_source_add(r.store, "rpz", POLICY_LIST_DENY, 0, &r.src);
	r.z = rpz_zone_create(zone_wire, zone_len);
	printf("RPZ zone of %u names (90%% CNAME ., 10%% A), IXFR of %u "
		"changes; in-memory message stream, no network\n", names,
		changes);

	before = peak_begin();
	t = full_transfer(&r, names, 0, m);
	report("AXFR, first load", t, before);
	printf("  store %zu MiB, transfer state %zu kiB, %zu entries\n",
		policy_store_memory(r.store) >> 20, rpz_zone_memory(r.z) >> 10,
		rpz_zone_entries(r.z));

	before = peak_begin();
	t = full_transfer(&r, names, 1, m);
	report("AXFR again, 1% of names changed", t, before);

	before = peak_begin();
	t = ixfr(&r, names, changes, m);
	report("IXFR", t, before);

	/* The saved zone: written after every transfer, read at start. */
	if ((fd = mkstemp(path)) < 0 || !(out = fdopen(fd, "w")))
		return 1;
	t = now_s();
	fputs("rpz.bench. 60 IN SOA ns. host. 1 3600 600 86400 60\n", out);
	{
		struct policy_snapshot *snap = policy_snapshot_take(r.store);
		struct policy_snapshot_pos pos = { 0, 0 };
		struct policy_entry e;
		const uint8_t *name;
		while (policy_snapshot_next(snap, r.src, 0, &pos, &name, &e))
			rpz_zone_write_entry(r.z, name, &e, out);
		policy_snapshot_release(snap);
	}
	fclose(out);
	printf("%-34s %8.1f ms\n", "save the zone file", (now_s() - t) * 1e3);
	rpz_zone_free(r.z);
	policy_store_destroy(r.store);
	r.store = policy_store_create(&rules, 1);
	policy_source_add(r.store, "rpz", POLICY_LIST_DENY, 0, &r.src);
	memset(&p, 0, sizeof(p));
	p.source_name = "rpz";
	memcpy(p.zone, zone_wire, zone_len);
	p.zone_file = path;
	p.store = r.store;
	p.source = r.src;
	p.refresh_min = 1;
	p.refresh_max = 60;
	f = feed_rpz_create(&p);
	before = peak_begin();
	t = now_s();
	if (feed_rpz_load_saved(f) != 0)
		return 1;
	t = now_s() - t;
	report("load the saved zone (restart)", t, before);
	feed_rpz_destroy(f);
	unlink(path);
	policy_store_destroy(r.store);
	free(m);
	return 0;
}
