/*
 * tests/fuzz/fuzz_rpz.c - libFuzzer target: a DNS message as a transfer
 * of an RPZ zone.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The message's answer section is applied as a whole-zone transfer, then
 * as an IXFR (last byte odd: deletions, else additions, in reverse) that
 * is committed (deleting every record leaves no entry), then as the
 * opposite IXFR that is rolled back.  The
 * zone's state lives in a model of the store here (current(), pending(),
 * a batch applied on commit); the number of entries the transaction
 * state counts must match the model's after each step, and a rollback
 * must leave both as they were.
 */
/* fuzz-sources: feeds/rpz/rpz.c module/base/names.c */
/* fuzz-libs: -lldns */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "feeds/rpz/rpz.h"
#include "module/policy/localdata.h"
#include "module/base/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t zone[] = "\003rpz\004test";

/* One key's entry, or (in a batch) its removal. */
struct model_rec {
	uint8_t name[NAME_WIRE_MAX];
	size_t len;
	int subtree;
	int removed;
	enum policy_action action;
	uint8_t *data;
	uint16_t data_len;
};

/* The store's source (committed) and the open batch. */
struct model {
	struct model_rec *committed, *batch;
	size_t ncommitted, nbatch, capcommitted, capbatch;
	int full;
};

static struct model_rec *
model_find(struct model_rec *recs, size_t n, const uint8_t *name,
	int subtree)
{
	size_t len = name_wire_len(name);

	/* The last one of a key wins. */
	while (n--)
		if (recs[n].len == len && !recs[n].subtree == !subtree &&
		    memcmp(recs[n].name, name, len) == 0)
			return &recs[n];
	return NULL;
}

static void
model_append(struct model_rec **recs, size_t *n, size_t *cap,
	const struct model_rec *r)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if (!(*recs = realloc(*recs, *cap * sizeof(**recs))))
			abort();
	}
	(*recs)[(*n)++] = *r;
}

static void
model_free_recs(struct model_rec *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(recs[i].data);
	free(recs);
}

static int
lookup(const struct model_rec *r, struct policy_entry *e, uint8_t *data,
	size_t cap)
{
	if (!r || r->removed)
		return 0;
	if (r->data_len > cap)
		abort();
	memset(e, 0, sizeof(*e));
	e->action = r->action;
	e->subtree = r->subtree;
	if (r->data_len) {
		memcpy(data, r->data, r->data_len);
		e->data = data;
		e->data_len = r->data_len;
	}
	return 1;
}

static int
current(void *arg, const uint8_t *name, int subtree, struct policy_entry *e,
	uint8_t *data, size_t cap)
{
	struct model *m = arg;

	return lookup(model_find(m->committed, m->ncommitted, name, subtree),
		e, data, cap);
}

static int
pending(void *arg, const uint8_t *name, int subtree, struct policy_entry *e,
	uint8_t *data, size_t cap)
{
	struct model *m = arg;

	return lookup(model_find(m->batch, m->nbatch, name, subtree), e, data,
		cap);
}

static void
batch_add(struct model *m, const uint8_t *name, int subtree, int removed,
	const struct policy_entry *e)
{
	struct model_rec r;

	memset(&r, 0, sizeof(r));
	r.len = name_wire_len(name);
	memcpy(r.name, name, r.len);
	r.subtree = subtree;
	r.removed = removed;
	if (e) {
		r.action = e->action;
		r.data_len = e->data_len;
		if (e->data_len) {
			if (!(r.data = malloc(e->data_len)))
				abort();
			memcpy(r.data, e->data, e->data_len);
		}
	}
	model_append(&m->batch, &m->nbatch, &m->capbatch, &r);
}

static int
put(void *arg, const uint8_t *name, const struct policy_entry *e)
{
	size_t pos = 0;
	uint16_t type, len;
	const uint8_t *rd;

	if (name_canonicalise_wire(name, NAME_WIRE_MAX,
	    (uint8_t[NAME_WIRE_MAX]){ 0 }) == 0)
		abort();
	if ((e->action == POLICY_ACTION_REDIRECT) != (e->data_len > 0))
		abort();
	while (localdata_next(e->data, e->data_len, &pos, &type, &rd, &len))
		;
	if (pos != e->data_len)
		abort();
	batch_add(arg, name, e->subtree, 0, e);
	return 0;
}

static int
removed(void *arg, const uint8_t *name, int subtree)
{
	struct model *m = arg;

	/* Only an owner that has an entry is removed. */
	if (m->full || !current(m, name, subtree, &(struct policy_entry){ 0 },
	    (uint8_t[LOCALDATA_MAX]){ 0 }, LOCALDATA_MAX))
		abort();
	batch_add(m, name, subtree, 1, NULL);
	return 0;
}

/* Apply the batch as the store commits it; return the live keys. */
static size_t
model_commit(struct model *m)
{
	struct model_rec *recs = NULL;
	size_t n = 0, cap = 0, i, live = 0;

	if (!m->full) {
		for (i = 0; i < m->ncommitted; i++)
			model_append(&recs, &n, &cap, &m->committed[i]);
		free(m->committed);
	} else {
		model_free_recs(m->committed, m->ncommitted);
	}
	/* Later records of a key replace earlier ones. */
	for (i = 0; i < m->nbatch; i++) {
		struct model_rec *o = model_find(recs, n, m->batch[i].name,
			m->batch[i].subtree);
		if (o) {
			free(o->data);
			*o = m->batch[i];
		} else {
			model_append(&recs, &n, &cap, &m->batch[i]);
		}
	}
	free(m->batch);
	m->batch = NULL;
	m->nbatch = m->capbatch = 0;
	m->committed = recs;
	m->ncommitted = n;
	m->capcommitted = cap;
	for (i = 0; i < n; i++)
		live += !recs[i].removed;
	return live;
}

static void
model_rollback(struct model *m)
{
	model_free_recs(m->batch, m->nbatch);
	m->batch = NULL;
	m->nbatch = m->capbatch = 0;
}

/* One transaction over the answer section; the entries after it. */
static size_t
transfer(struct rpz_zone *z, struct model *m, const ldns_rr_list *an,
	int full, int del, int commit)
{
	struct rpz_sink sink = { put, removed, current, pending, m };
	size_t i, n = ldns_rr_list_rr_count(an), before = rpz_zone_entries(z);
	size_t live_before = 0;

	for (i = 0; i < m->ncommitted; i++)
		live_before += !m->committed[i].removed;
	m->full = full;
	rpz_zone_begin(z, full, &sink);
	for (i = 0; i < n; i++) {
		if (del)
			rpz_zone_del(z, ldns_rr_list_rr(an, i));
		else
			rpz_zone_add(z, ldns_rr_list_rr(an, full ? i :
				n - 1 - i));
	}
	rpz_zone_end(z);
	if (commit) {
		rpz_zone_commit(z);
		if (model_commit(m) != rpz_zone_entries(z))
			abort();
	} else {
		rpz_zone_rollback(z);
		model_rollback(m);
		if (rpz_zone_entries(z) != before || before != live_before)
			abort();
	}
	return rpz_zone_entries(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpz_zone *z;
	struct model m;
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an;
	size_t i;
	int del = size && (data[size - 1] & 1);
	FILE *null;

	if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK)
		return 0;
	memset(&m, 0, sizeof(m));
	z = rpz_zone_create(zone, sizeof(zone));
	an = ldns_pkt_answer(pkt);
	transfer(z, &m, an, 1, 0, 1);
	/* Every state comes from records of the zone: deleting them all
	 * leaves nothing. */
	if (transfer(z, &m, an, 0, del, 1) != 0 && del)
		abort();
	transfer(z, &m, an, 0, !del, 0);
	if ((null = fopen("/dev/null", "w"))) {
		for (i = 0; i < m.ncommitted; i++) {
			struct policy_entry e;
			uint8_t buf[LOCALDATA_MAX];
			if (lookup(&m.committed[i], &e, buf, sizeof(buf)))
				rpz_zone_write_entry(z, m.committed[i].name,
					&e, null);
		}
		fclose(null);
	}
	model_free_recs(m.committed, m.ncommitted);
	rpz_zone_free(z);
	ldns_pkt_free(pkt);
	return 0;
}
