/*
 * tests/bench/bench_output.c - what an output (module/output/) costs:
 * building the zone of a million names, an AXFR of it (seconds, peak
 * memory), an IXFR of a 10k-change batch, journal bytes per change.
 * Prints figures; not a test.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/output/output.h"
#include "module/base/names.h"
#include "module/policy/policy.h"
#include "tests/bench/bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#define NAMES 1000000
#define CHANGES 10000

static void
put_names(struct policy_store *s, int replace, unsigned from, unsigned n)
{
	struct policy_batch *b = policy_batch_begin(s, 0, replace);
	struct policy_entry e = { 0 };
	unsigned i;

	for (i = from; i < from + n; i++) {
		char text[64];
		uint8_t wire[NAME_WIRE_MAX];
		size_t len;
		snprintf(text, sizeof(text), "host%u.bench%u.example", i,
			i % 1000);
		name_from_text(text, strlen(text), wire, &len);
		policy_batch_put(b, wire, &e);
	}
	policy_batch_commit(b, NULL, NULL);
}

static struct output_stats
stats_when(struct output *o, uint32_t not_serial)
{
	struct output_stats st;

	do {
		usleep(10000);
		output_get_stats(o, &st);
	} while (!st.serial || st.serial == not_serial);
	return st;
}

/* Ask for a transfer and read until want records came; returns them. */
static uint64_t
transfer(int port, ldns_rr_type type, uint32_t serial, uint64_t want,
	uint64_t *bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	ldns_rdf *zone = ldns_dname_new_frm_str("rpz.bench.");
	ldns_pkt *q;
	uint8_t *wire, hdr[2], *msg = malloc(65536);
	size_t len;
	uint64_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (type == LDNS_RR_TYPE_IXFR) {
		char text[128];
		ldns_rr *soa = NULL;
		snprintf(text, sizeof(text), "rpz.bench. 60 IN SOA rpz.bench. "
			"h.rpz.bench. %u 1 1 1 1", serial);
		ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL);
		q = ldns_pkt_ixfr_request_new(zone, LDNS_RR_CLASS_IN, 0, soa);
	} else
		q = ldns_pkt_query_new(zone, type, LDNS_RR_CLASS_IN, 0);
	ldns_pkt2wire(&wire, q, &len);
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, hdr, 2) != 2 || write(fd, wire, len) != (ssize_t)len)
		return 0;
	*bytes = 0;
	while (got < want) {
		size_t n, off = 0;
		ssize_t r;
		if (read(fd, hdr, 2) != 2)
			break;
		n = (size_t)hdr[0] << 8 | hdr[1];
		while (off < n && (r = read(fd, msg + off, n - off)) > 0)
			off += (size_t)r;
		got += (uint64_t)msg[6] << 8 | msg[7];
		*bytes += n + 2;
	}
	close(fd);
	free(wire);
	free(msg);
	ldns_pkt_free(q);
	return got;
}

int
main(void)
{
	struct policy_rules rules;
	struct policy_store *s;
	struct output_conf *c = output_conf_new();
	struct output_env env = { 0 };
	struct output_stats st, st2;
	struct output *o;
	char err[256];
	uint8_t wire[NAME_WIRE_MAX];
	uint16_t source;
	uint64_t got, bytes;
	double t;
	long base;
	int port = 20000 + (int)(getpid() % 10000);
	size_t len;

	policy_rules_default(&rules);
	s = policy_store_create(&rules, 1);
	policy_source_add(s, "bench", POLICY_LIST_DENY, 0, &source);
	put_names(s, 1, 0, NAMES);
	c->name = strdup("bench");
	name_from_text("rpz.bench.", 10, wire, &len);
	memcpy(c->zone, wire, len);
	c->zone_len = len;
	{
		struct sockaddr_in *a = (struct sockaddr_in *)&c->listen;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		c->listen_len = sizeof(*a);
	}
	c->journal_bytes = (size_t)256 << 20;
	env.store = s;
	env.reader = 0;
	env.sources = ~(uint64_t)0;
	env.ttl = 60;
	base = rss_kb();
	if (!(o = output_create(c, &env, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	policy_store_observe(s, output_changed, o);
	t = now_s();
	if (output_start(o, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	st = stats_when(o, 0);
	printf("zone of %llu owners built in %.2f s; output memory %.1f MB "
		"(%.0f bytes an owner)\n", (unsigned long long)st.owners,
		now_s() - t, (rss_kb() - base) / 1024.0,
		(rss_kb() - base) * 1024.0 / (double)st.owners);

	peak_start();
	base = rss_kb();
	t = now_s();
	got = transfer(port, LDNS_RR_TYPE_AXFR, 0, st.owners + 3, &bytes);
	printf("AXFR of %llu records (%.1f MB of messages) in %.2f s; peak "
		"memory +%.1f MB\n", (unsigned long long)got, bytes / 1e6,
		now_s() - t, (status_kb("VmHWM") - base) / 1024.0);

	t = now_s();
	put_names(s, 0, NAMES, CHANGES);
	st2 = stats_when(o, st.serial);
	printf("a %u-change batch: new serial in %.3f s; journal %llu bytes "
		"(%.1f bytes a change)\n", CHANGES, now_s() - t,
		(unsigned long long)st2.journal_bytes,
		(double)st2.journal_bytes / CHANGES);
	t = now_s();
	got = transfer(port, LDNS_RR_TYPE_IXFR, st.serial, CHANGES + 4,
		&bytes);
	printf("IXFR of %llu records (%.1f kB of messages) in %.3f s\n",
		(unsigned long long)got, bytes / 1e3, now_s() - t);
	policy_store_observe(s, NULL, NULL);
	output_destroy(o);
	output_conf_free(c);
	policy_store_destroy(s);
	return 0;
}
