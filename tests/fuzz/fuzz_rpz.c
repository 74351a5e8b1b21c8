/*
 * tests/fuzz/fuzz_rpz.c - libFuzzer target: a DNS message as a transfer
 * of an RPZ zone.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The message's answer section is applied to a zone view as a whole-zone
 * transfer, then as an IXFR (first byte odd: deletions, else additions),
 * then rolled back; the view must stay consistent: what a rollback
 * restores is what the committed transfer left.
 */
/* fuzz-sources: feeds/rpz/rpz.c module/base/names.c */
/* fuzz-libs: -lldns */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <ldns/ldns.h>

#include "feeds/rpz/rpz.h"
#include "module/policy/localdata.h"
#include "module/base/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t zone[] = "\003rpz\004test";

static int
put(void *arg, const uint8_t *name, const struct policy_entry *e)
{
	size_t pos = 0;
	uint16_t type, len;
	const uint8_t *rd;

	(void)arg;
	if (name_canonicalise_wire(name, NAME_WIRE_MAX,
	    (uint8_t[NAME_WIRE_MAX]){ 0 }) == 0)
		abort();
	if ((e->action == POLICY_ACTION_REDIRECT) != (e->data_len > 0))
		abort();
	while (localdata_next(e->data, e->data_len, &pos, &type, &rd, &len))
		;
	if (pos != e->data_len)
		abort();
	return 0;
}

static int
removed(void *arg, const uint8_t *name, int subtree)
{
	(void)arg;
	(void)name;
	(void)subtree;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpz_sink sink = { put, removed, NULL };
	struct rpz_zone *z;
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an;
	size_t i, n, entries;
	FILE *null;

	if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK)
		return 0;
	z = rpz_zone_create(zone, sizeof(zone));
	an = ldns_pkt_answer(pkt);
	n = ldns_rr_list_rr_count(an);
	rpz_zone_begin(z, 1, &sink);
	for (i = 0; i < n; i++)
		rpz_zone_add(z, ldns_rr_list_rr(an, i));
	rpz_zone_end(z);
	rpz_zone_commit(z);
	entries = rpz_zone_entries(z);

	rpz_zone_begin(z, 0, &sink);
	for (i = 0; i < n; i++) {
		if (size && (data[size - 1] & 1))
			rpz_zone_del(z, ldns_rr_list_rr(an, i));
		else
			rpz_zone_add(z, ldns_rr_list_rr(an, n - 1 - i));
	}
	rpz_zone_end(z);
	rpz_zone_rollback(z);
	if (rpz_zone_entries(z) != entries)
		abort();
	if ((null = fopen("/dev/null", "w"))) {
		rpz_zone_write(z, null);
		fclose(null);
	}
	rpz_zone_free(z);
	ldns_pkt_free(pkt);
	return 0;
}
